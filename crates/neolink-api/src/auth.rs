//! How Neolink credentials travel: `authorization: bearer <token>`
//! (lower-case `bearer`, as the docs write it) on every request, and the
//! optional `namespace` header.

use cloud_common::{Error, Runtime, Secret};

/// The header naming the caller's namespace (user id).
pub(crate) const NAMESPACE: &str = "namespace";

/// Adds the token header; a token that cannot be a header fails here.
pub(crate) fn authorize(token: &Secret, runtime: Runtime) -> Result<Runtime, Error> {
    runtime.with_header(
        "authorization",
        Secret::new(format!("bearer {}", token.expose())),
    )
}
