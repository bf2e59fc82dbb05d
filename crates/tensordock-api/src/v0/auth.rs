//! v0 credentials: an `api_key` + `api_token` pair that travels in every
//! form body (never in a header, and never in a URL we build).

use cloud_common::{Error, Runtime, Secret};

/// The organisation's `api_key` and `api_token`. Both are [`Secret`]s:
/// `Debug` prints neither.
///
/// ```
/// use tensordock_api::v0::ApiKey;
/// let key: ApiKey = ("key-1", "token-1").into();
/// assert!(!format!("{key:?}").contains("token-1"));
/// ```
#[derive(Clone, Debug)]
pub struct ApiKey {
    /// `api_key`.
    pub api_key: Secret,
    /// `api_token`.
    pub api_token: Secret,
}

impl ApiKey {
    /// The pair.
    pub fn new(api_key: impl Into<Secret>, api_token: impl Into<Secret>) -> Self {
        Self {
            api_key: api_key.into(),
            api_token: api_token.into(),
        }
    }
}

impl<K: Into<Secret>, T: Into<Secret>> From<(K, T)> for ApiKey {
    fn from((api_key, api_token): (K, T)) -> Self {
        Self::new(api_key, api_token)
    }
}

/// The pair goes into request bodies, so the runtime carries no header:
/// generated requests carry the pair in their typed bodies, and the
/// runtime holds it as credential fields for untyped ones (`raw`).
pub(super) fn authorize(key: &ApiKey, runtime: Runtime) -> Result<Runtime, Error> {
    Ok(runtime
        .with_credential_field("api_key", key.api_key.clone())
        .with_credential_field("api_token", key.api_token.clone()))
}
