//! One [`Compute`] per provider, from the environment, the profile, or an
//! embedded fake.

use std::any::Any;

use cloud_common::{ClientConfig, Compute, RawClient, Secret};
use fleet::mock;

use crate::config::{CloudTowerCreds, NeolinkCreds, Profile, TokenCreds, V0Creds};
use crate::exit::CliError;

/// The provider names the command line takes, in listing order.
pub const PROVIDERS: [&str; 4] = ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"];

/// A provider ready to use.
pub struct Target {
    /// One of [`PROVIDERS`].
    pub key: &'static str,
    pub compute: Box<dyn Compute>,
    /// The same client, for untyped requests (`fleet <provider> <operation>`).
    pub raw: Box<dyn RawClient>,
    /// Served by an embedded fake.
    pub fake: bool,
    /// The fake's instance (the one the demo acts on).
    pub fake_instance: Option<String>,
    /// The CloudTower client itself, for waiting on its tasks.
    pub cloudtower: Option<cloudtower_api::CloudTower>,
    /// Keeps the fake's server alive as long as the client.
    _server: Option<Box<dyn Any + Send>>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The credentials of one profile with the environment variables laid
/// over them (a variable wins over the file).
pub fn effective(mut p: Profile) -> Profile {
    if let Some(token) = env("TENSORDOCK_TOKEN") {
        p.tensordock_v2 = Some(TokenCreds {
            token: token.into(),
        });
    }
    if let (Some(k), Some(t)) = (env("TENSORDOCK_API_KEY"), env("TENSORDOCK_API_TOKEN")) {
        p.tensordock_v0 = Some(V0Creds {
            api_key: k.into(),
            api_token: t.into(),
        });
    }
    if let Some(token) = env("NEOLINK_TOKEN") {
        let old = p.neolink.take();
        p.neolink = Some(NeolinkCreds {
            token: token.into(),
            namespace: env("NEOLINK_NAMESPACE").or(old.as_ref().and_then(|o| o.namespace.clone())),
            cluster: env("NEOLINK_CLUSTER").or(old.and_then(|o| o.cluster)),
        });
    }
    if let (Some(url), Some(token)) = (env("CLOUDTOWER_URL"), env("CLOUDTOWER_TOKEN")) {
        p.cloudtower = Some(CloudTowerCreds {
            url,
            token: token.into(),
        });
    }
    p
}

/// The real client of `key`, or `None` when it has no credentials.
pub fn real(key: &'static str, p: &Profile) -> Result<Option<Target>, CliError> {
    let mut cloudtower = None;
    let (compute, raw): Clients = match key {
        "tensordock-v2" => match &p.tensordock_v2 {
            Some(c) => both(tensordock_api::v2::TensorDock::new(c.token.clone())?),
            None => return Ok(None),
        },
        "tensordock-v0" => match &p.tensordock_v0 {
            Some(c) => both(tensordock_api::v0::TensorDock::new((
                c.api_key.clone(),
                c.api_token.clone(),
            ))?),
            None => return Ok(None),
        },
        "neolink" => match &p.neolink {
            Some(c) => {
                let mut client = neolink_api::Neolink::new(c.token.clone())?;
                if let Some(ns) = &c.namespace {
                    client = client.with_namespace(ns.clone())?;
                }
                let cluster = c.cluster.clone().unwrap_or_else(|| "host-cluster".into());
                (Box::new(client.in_cluster(cluster)), Box::new(client))
            }
            None => return Ok(None),
        },
        "cloudtower" => match &p.cloudtower {
            Some(c) => {
                let client = cloudtower_api::CloudTower::new(c.url.clone(), c.token.clone())?;
                cloudtower = Some(client.clone());
                both(client)
            }
            None => return Ok(None),
        },
        _ => unreachable!("clap only accepts known providers"),
    };
    Ok(Some(Target {
        key,
        compute,
        raw,
        fake: false,
        fake_instance: None,
        cloudtower,
        _server: None,
    }))
}

/// A target's two views of its client.
type Clients = (Box<dyn Compute>, Box<dyn RawClient>);

/// One client as both of a target's views of it.
fn both<C: Compute + RawClient + Clone + 'static>(client: C) -> Clients {
    (Box::new(client.clone()), Box::new(client))
}

/// The embedded fake of `key`.
pub fn fake(key: &'static str) -> Result<Target, CliError> {
    let token = Secret::new(mock::FAKE_TOKEN);
    let started =
        |e: mock::FakeError| CliError::config(format!("cannot start the {key} fake: {e}"));
    let mut cloudtower = None;
    // The fake itself, boxed: the target only keeps it alive.
    let ((compute, raw), instance, server): (Clients, String, Box<dyn Any + Send>) = match key {
        "tensordock-v2" => {
            let m = mock::tensordock_v2().map_err(started)?;
            let c = tensordock_api::v2::TensorDock::with_config(
                ClientConfig::new(m.fake.base_url()),
                token,
            )?;
            (both(c), m.instance_id, Box::new(m.fake))
        }
        "tensordock-v0" => {
            let m = mock::tensordock().map_err(started)?;
            let c = tensordock_api::v0::TensorDock::with_config(
                ClientConfig::new(m.fake.base_url()),
                (mock::FAKE_KEY, mock::FAKE_TOKEN),
            )?;
            (both(c), m.instance_id, Box::new(m.fake))
        }
        "neolink" => {
            let m = mock::neolink().map_err(started)?;
            let c = neolink_api::Neolink::with_config(ClientConfig::new(m.fake.base_url()), token)?;
            let compute = Box::new(c.in_cluster(mock::NEOLINK_MOCK_CLUSTER));
            ((compute, Box::new(c)), m.instance_id, Box::new(m.fake))
        }
        "cloudtower" => {
            let m = mock::cloudtower().map_err(started)?;
            // Its client polls tasks quickly: the fake's finish in polls.
            let c = m.fake.client()?;
            cloudtower = Some(c.clone());
            (both(c), m.instance_id, Box::new(m.fake))
        }
        _ => unreachable!("clap only accepts known providers"),
    };
    Ok(Target {
        key,
        compute,
        raw,
        fake: true,
        fake_instance: Some(instance),
        cloudtower,
        _server: Some(server),
    })
}

/// The targets for `keys` (every provider when empty): fakes with `fake`,
/// otherwise the configured ones. `required` makes a missing provider an
/// error rather than skipping it.
pub fn select(
    keys: &[&'static str],
    fake_all: bool,
    profile: &Profile,
    required: bool,
) -> Result<Vec<Target>, CliError> {
    let keys: Vec<&'static str> = if keys.is_empty() {
        PROVIDERS.to_vec()
    } else {
        keys.to_vec()
    };
    let mut out = Vec::new();
    for key in keys {
        if out.iter().any(|t: &Target| t.key == key) {
            continue;
        }
        if fake_all {
            out.push(fake(key)?);
        } else if let Some(t) = real(key, profile)? {
            out.push(t);
        } else if required {
            return Err(CliError::config(format!(
                "{key} is not configured: set its credentials (see `fleet --help`), \
                 add them to a profile in the config file, or use --fake"
            )));
        }
    }
    if out.is_empty() {
        return Err(CliError::config(
            "no provider is configured: set credentials in the environment or the config file \
             (see `fleet --help`), or try `fleet --fake instances`",
        ));
    }
    Ok(out)
}
