//! Which CloudTower release the server runs, and refusing an operation it
//! is too old for before anything is sent.
//!
//! Every operation of the spec records the first official release that has
//! it (`x-cloudtower-since`, from the per-release documents; the method's
//! docs say "Available since CloudTower X"), and the generated table
//! `generated::OPERATIONS_SINCE` carries it to run time: [`since`] looks an
//! operation up. [`CloudTower::server_version`] asks the server
//! (`GET /get-version`) once per client (clones share the answer).
//!
//! With [`CloudTower::with_version_check`] on, every typed operation method
//! first compares the two and fails with [`ErrorKind::Unsupported`] and a
//! [`VersionTooOld`] cause naming both releases, instead of sending a request
//! the server would answer with a 404. Off (the default) nothing is asked
//! and every request is sent. The check covers the typed methods (and the
//! helpers built on them: `first`, the paging streams, `wait`); `native()`
//! and `raw()` send as they are told.
//!
//! The releases recorded start at 4.0.0: an operation recorded "since
//! 4.0.0" may be older, so it is never refused, whatever the server runs.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use cloudtower_api::{CloudTower, ErrorKind, VersionTooOld, generated::operation_ids};
//!
//! assert_eq!(cloudtower_api::since(operation_ids::GET_NTP_SERVICE_URL).unwrap().to_string(), "4.5.0");
//! // A tower that answers nothing: the check needs its version, and says so.
//! let ct = CloudTower::new("http://127.0.0.1:9/v2/api", "token")?.with_version_check(true);
//! assert!(ct.version_check());
//! let err = ct.get_ntp_service_url().await.unwrap_err();
//! assert_eq!(err.operation(), "GetApiVersion");
//! assert!(VersionTooOld::of(&err).is_none());
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use cloud_common::{Error, ErrorKind, Operation, ServerMessage};
pub use cloud_common::{ParseVersionError, Version};

use crate::{CloudTower, PROVIDER, Result, generated};

/// The first official release that has the operation `operation_id`, from
/// the spec (`None` for an id the spec does not have).
pub fn since(operation_id: &str) -> Option<Version> {
    generated::OPERATIONS_SINCE
        .iter()
        .find(|(id, _)| *id == operation_id)
        .and_then(|(_, version)| version.parse().ok())
}

/// The release the spec describes (`info.version`, the official document
/// it is curated from). `None` only if that is not a release number.
pub fn spec_release() -> Option<Version> {
    use cloud_common::__private::ClientInfo;
    <generated::Client as ClientInfo<cloud_common::Runtime>>::api_version()
        .parse()
        .ok()
}

/// Whether a server of `release` has `operation_id`, as far as the spec
/// records: `false` only when the operation's first release is newer than
/// `release` (and not the oldest recorded, which may not be its first).
/// What the version check refuses, and what a fake pinned to `release`
/// answers with a 404.
pub fn available_in(operation_id: &str, release: &Version) -> bool {
    needed(operation_id).is_none_or(|since| *release >= since)
}

/// The oldest release recorded: operations of it may be older still.
fn oldest() -> Option<&'static Version> {
    static OLDEST: std::sync::OnceLock<Option<Version>> = std::sync::OnceLock::new();
    OLDEST
        .get_or_init(|| {
            generated::OPERATIONS_SINCE
                .iter()
                .filter_map(|(_, v)| v.parse::<Version>().ok())
                .min()
        })
        .as_ref()
}

/// Why an operation was not sent: the server runs an older release than
/// the first that has it. The cause ([`std::error::Error::source`]) of an
/// [`ErrorKind::Unsupported`] error; [`VersionTooOld::of`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionTooOld {
    /// The operation refused (its `operationId`).
    pub operation: &'static str,
    /// The first release that has it.
    pub since: Version,
    /// The release the server reported.
    pub server: Version,
}

impl VersionTooOld {
    /// The [`VersionTooOld`] behind `error`, if that is why it failed.
    pub fn of(error: &Error) -> Option<&VersionTooOld> {
        std::error::Error::source(error).and_then(|cause| cause.downcast_ref())
    }
}

impl fmt::Display for VersionTooOld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is available since CloudTower {}; the server runs {}",
            self.operation, self.since, self.server
        )
    }
}

impl std::error::Error for VersionTooOld {}

/// A client's version check: whether it is on, and the server's release
/// once asked (shared by clones, so it is asked once).
#[derive(Clone, Debug, Default)]
pub(crate) struct VersionCheck {
    on: bool,
    server: Arc<tokio::sync::OnceCell<Version>>,
}

impl CloudTower {
    /// A copy of this client that, with `on`, refuses an operation the
    /// server's release is older than (see the [module docs](crate::version)),
    /// asking the server its version on the first call that needs it.
    pub fn with_version_check(&self, on: bool) -> Self {
        let mut copy = self.clone();
        copy.version_check.on = on;
        copy
    }

    /// Whether this client checks the server's release before sending.
    pub fn version_check(&self) -> bool {
        self.version_check.on
    }

    /// The release the server runs (`GET /get-version`), asked once and
    /// then remembered by this client and its clones. An answer that is
    /// not a release number is an [`ErrorKind::Decode`] error.
    pub async fn server_version(&self) -> Result<Version> {
        self.version_check
            .server
            .get_or_try_init(|| async {
                let text = self.call(self.client.get_api_version()).await?;
                text.parse::<Version>().map_err(|e| {
                    Error::new(
                        ErrorKind::Decode,
                        PROVIDER,
                        generated::operation_ids::GET_API_VERSION,
                        "the server's version is not a release number",
                    )
                    .with_source(e)
                })
            })
            .await
            .cloned()
    }

    /// Whether the server's release has `operation_id` (asking it once,
    /// as [`CloudTower::server_version`]); `true` for an operation whose
    /// release is not recorded or is the oldest recorded.
    pub async fn supports(&self, operation_id: &str) -> Result<bool> {
        if needed(operation_id).is_none() {
            return Ok(true);
        }
        Ok(available_in(operation_id, &self.server_version().await?))
    }

    /// Refuses `operation` when the check is on and the server is older
    /// than its release.
    async fn require(&self, operation: &'static str) -> Result<()> {
        let Some(since) = needed(operation) else {
            return Ok(());
        };
        let server = self.server_version().await?;
        if server >= since {
            return Ok(());
        }
        let too_old = VersionTooOld {
            operation,
            since,
            server,
        };
        Err(Error::new(
            ErrorKind::Unsupported,
            PROVIDER,
            operation,
            too_old.to_string(),
        )
        .with_source(too_old))
    }

    /// [`CloudTower::call`] behind the version check, for the typed
    /// methods. With the check off it only awaits the call.
    pub(crate) fn checked<'a, O>(
        &'a self,
        request: O,
    ) -> impl Future<Output = Result<O::Ok>> + Send + 'a
    where
        O: Operation + 'a,
        O::ErrorBody: ServerMessage,
    {
        let call = self.call(request);
        let on = self.version_check.on;
        async move {
            if on {
                self.require(O::OPERATION_ID).await?;
            }
            call.await
        }
    }
}

/// The release `operation_id` needs, when a server could lack it: its
/// recorded release unless that is the oldest recorded.
fn needed(operation_id: &str) -> Option<Version> {
    let since = since(operation_id)?;
    (Some(&since) != oldest()).then_some(since)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_comes_from_the_spec() {
        assert_eq!(since("GetNtpServiceUrl").unwrap().to_string(), "4.5.0");
        assert_eq!(since("GetVms").unwrap().to_string(), "4.0.0");
        assert_eq!(since("NoSuchOperation"), None);
        // Every operation of the spec records one.
        assert_eq!(
            generated::OPERATIONS_SINCE.len(),
            generated::OPERATIONS.len()
        );
        // The oldest release recorded is never needed: it may be older.
        assert_eq!(needed("GetVms"), None);
        assert_eq!(needed("GetNtpServiceUrl"), since("GetNtpServiceUrl"));
        let release = |v: &str| v.parse::<Version>().unwrap();
        assert!(available_in("GetVms", &release("3.4.4")));
        assert!(!available_in("GetNtpServiceUrl", &release("4.4.1")));
        assert!(available_in("GetNtpServiceUrl", &release("4.5.0")));
        assert!(available_in("NoSuchOperation", &release("1.0.0")));
        assert_eq!(spec_release(), Some(release("4.6.0")));
    }

    #[tokio::test]
    async fn a_version_that_is_not_a_release_number_is_a_decode_error() {
        let server = httpmock::MockServer::start_async().await;
        let mock = server.mock(|when, then| {
            when.method(httpmock::Method::GET).path("/get-version");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(serde_json::json!("latest"));
        });
        let ct = CloudTower::new(server.base_url(), "tok")
            .unwrap()
            .with_version_check(true);
        let err = ct.server_version().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
        assert!(
            err.to_string().contains("`latest` is not a release number"),
            "{err}"
        );
        // Not cached: the next call asks again.
        ct.server_version().await.unwrap_err();
        mock.assert_calls_async(2).await;
    }

    #[test]
    fn the_refusal_names_both_releases() {
        let too_old = VersionTooOld {
            operation: "GetNtpServiceUrl",
            since: "4.5.0".parse().unwrap(),
            server: "4.3.0".parse().unwrap(),
        };
        let err = Error::new(
            ErrorKind::Unsupported,
            PROVIDER,
            "GetNtpServiceUrl",
            too_old.to_string(),
        )
        .with_source(too_old.clone());
        assert_eq!(VersionTooOld::of(&err), Some(&too_old));
        assert_eq!(
            err.to_string(),
            "cloudtower GetNtpServiceUrl: not supported: GetNtpServiceUrl is available \
             since CloudTower 4.5.0; the server runs 4.3.0"
        );
    }
}
