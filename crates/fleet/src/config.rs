//! The config file: named profiles of credentials, kept private.
//!
//! ```toml
//! [profiles.default.tensordock-v2]
//! token = "…"
//! [profiles.default.tensordock-v0]
//! api_key = "…"
//! api_token = "…"
//! [profiles.default.neolink]
//! token = "…"
//! namespace = "…"   # optional
//! cluster = "…"     # optional, default host-cluster
//! # Each provider's table also takes `url`, another base URL (an
//! # emulator's: `fleet fake serve` writes a profile `local` of them).
//! [profiles.default.cloudtower]
//! url = "http://tower/v2/api"
//! token = "…"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cloud_common::Secret;
use serde::{Deserialize, Serialize};

use crate::exit::CliError;

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile: credentials per provider, each optional.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(
        rename = "tensordock-v2",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tensordock_v2: Option<TokenCreds>,
    #[serde(
        rename = "tensordock-v0",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tensordock_v0: Option<V0Creds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neolink: Option<NeolinkCreds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudtower: Option<CloudTowerCreds>,
}

/// A bearer token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenCreds {
    pub token: Secret,
    /// Another base URL than the service's (an emulator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// TensorDock v0's key pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct V0Creds {
    pub api_key: Secret,
    pub api_token: Secret,
    /// Another base URL than the service's (an emulator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Neolink: a token, and where to act.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NeolinkCreds {
    pub token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Another base URL than the service's (an emulator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// CloudTower: where it is, and a token from `fleet login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CloudTowerCreds {
    pub url: String,
    pub token: Secret,
}

/// `$FLEET_CONFIG`, else `$XDG_CONFIG_HOME/fleet/config.toml`, else
/// `~/.config/fleet/config.toml`.
pub fn path() -> Option<PathBuf> {
    let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
    if let Some(p) = var("FLEET_CONFIG") {
        return Some(p.into());
    }
    let base = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("fleet").join("config.toml"))
}

/// Reads the file, or an empty config when there is none. Refuses a file
/// that group or others can read or write: it holds tokens.
pub fn load(path: &Path) -> Result<ConfigFile, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => {
            return Err(CliError::config(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    check_private(path)?;
    toml::from_str(&text).map_err(|e| {
        // Only the message and position: the toml error's snippet of the
        // file could show a token.
        let line = e
            .span()
            .map(|s| text[..s.start].lines().count().max(1))
            .unwrap_or(0);
        CliError::config(format!(
            "{}: line {line}: {}",
            path.display(),
            e.message().trim()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| CliError::config(format!("cannot stat {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CliError::config(format!(
            "{} holds credentials but is accessible by group or others (mode {:o}); \
             run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CliError> {
    Ok(())
}

/// Writes the file, created (or reset to) mode 0600, its directory 0700.
pub fn save(path: &Path, config: &ConfigFile) -> Result<(), CliError> {
    let err = |e: std::io::Error| CliError::config(format!("cannot write {}: {e}", path.display()));
    let text = toml::to_string(config)
        .map_err(|e| CliError::config(format!("cannot encode the config: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(err)?;
    // `mode` applies only on creation: tighten a file that existed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(err)
}
