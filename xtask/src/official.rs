//! The official CloudTower documents, vendored in `upstream/cloudtower/`
//! (see its README for where each file comes from).
//!
//! `cargo xtask upstream cloudtower`, `--sync` and `cargo xtask import
//! cloudtower` read [`document`] unless given another document; the texts
//! and request examples are always read from beside the document used, under
//! the names the vendored folder uses, so a newer document copied in with
//! its texts works the same way.

use std::path::{Path, PathBuf};

/// The vendored folder, relative to the workspace root.
pub const DIR: &str = "upstream/cloudtower";

/// The release of the vendored document, the one `specs/cloudtower.yaml`
/// is curated from.
pub const VERSION: &str = "4.6.0";

/// The vendored official OpenAPI document of [`VERSION`].
pub fn document(root: &Path) -> PathBuf {
    root.join(DIR)
        .join(format!("cloudtower-{VERSION}-swagger.json"))
}

/// The official documentation texts of `version` in `language` (`en` or
/// `zh`) beside `document`.
pub fn descriptions_beside(document: &Path, version: &str, language: &str) -> PathBuf {
    beside(
        document,
        &format!("cloudtower-{version}-descriptions-{language}.json"),
    )
}

/// The official request examples beside `document` (one file covers every
/// release: it is keyed by path).
pub fn request_examples_beside(document: &Path) -> PathBuf {
    beside(document, "cloudtower-request-examples.json")
}

/// Whether a command-line argument names a document rather than an
/// operation (a path such as `/get-vms` or an operationId has no file
/// extension).
pub fn is_document_argument(arg: &str) -> bool {
    [".json", ".yaml", ".yml"]
        .iter()
        .any(|extension| arg.ends_with(extension))
}

fn beside(document: &Path, name: &str) -> PathBuf {
    document.parent().unwrap_or(Path::new(".")).join(name)
}
