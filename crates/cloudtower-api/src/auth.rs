//! How CloudTower credentials travel: the token raw in `authorization`
//! (no `Bearer`, as CloudTower wants it), and the optional
//! `content-language` header.

use cloud_common::{Error, Runtime, Secret};

/// The header choosing the language of messages and alert texts.
pub(crate) const CONTENT_LANGUAGE: &str = "content-language";

/// Adds the token header; a token that cannot be a header fails here.
pub(crate) fn authorize(token: &Secret, runtime: Runtime) -> Result<Runtime, Error> {
    runtime.with_header("authorization", token.clone())
}
