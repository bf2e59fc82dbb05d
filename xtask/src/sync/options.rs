//! The command line of `upstream cloudtower --sync`: which documents to
//! compare with and whether to write.

use std::path::{Path, PathBuf};

/// The command-line options after `upstream cloudtower`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The official document to sync with.
    pub official: PathBuf,
    /// The official document the spec was curated from.
    pub base: Option<PathBuf>,
    /// The official texts (`schemas.<Schema>.<property>`); when `None`,
    /// the English texts of the document's version beside it, if there.
    pub descriptions: Option<PathBuf>,
    /// Apply the non-breaking additions to the spec file.
    pub write: bool,
}

impl Options {
    /// Parses `[<official-spec>] --sync [--base <file>] [--descriptions
    /// <file>] [--write]`, in any order; without a document, `default`.
    pub fn parse(args: &[String], default: &Path) -> Result<Options, String> {
        let mut official = None;
        let mut base = None;
        let mut descriptions = None;
        let mut write = false;
        let mut sync = false;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |flag: &str| {
                iter.next()
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("{flag} needs a file"))
            };
            match arg.as_str() {
                "--sync" => sync = true,
                "--write" => write = true,
                "--base" => base = Some(value("--base")?),
                "--descriptions" => descriptions = Some(value("--descriptions")?),
                flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
                path if official.is_none() => official = Some(PathBuf::from(path)),
                extra => return Err(format!("unexpected argument `{extra}`")),
            }
        }
        if !sync {
            return Err("--write, --base and --descriptions go with --sync".to_string());
        }
        Ok(Options {
            official: official.unwrap_or_else(|| default.to_path_buf()),
            base,
            descriptions,
            write,
        })
    }
}
