//! How v2 credentials travel (`Authorization: Bearer <token>`) and the
//! API's documented rate limit.

use cloud_common::{ClientConfig, Error, Runtime, Secret};

use super::{RATE_LIMIT_PERIOD, RATE_LIMIT_REQUESTS};

/// Adds the bearer header; a token that cannot be a header fails here.
pub(super) fn authorize(token: &Secret, runtime: Runtime) -> Result<Runtime, Error> {
    runtime.with_header(
        "authorization",
        Secret::new(format!("Bearer {}", token.expose())),
    )
}

/// Applies the 100-per-minute limit unless the user chose one (or none).
pub(super) fn configure(config: ClientConfig) -> ClientConfig {
    config.default_rate_limit(RATE_LIMIT_REQUESTS, RATE_LIMIT_PERIOD)
}
