//! The release the fake runs: `GET /get-version` answers it (with no
//! token, as CloudTower does), and a fake pinned to an older release than
//! the spec's answers the operations that release lacks (by the spec's
//! `x-cloudtower-since`, through `cloudtower_api::version::available_in`)
//! with a 404, the way it answers a path no operation serves.

use cloudtower_api::Version;
use cloudtower_api::generated::operation_ids::GET_API_VERSION;
use cloudtower_api::version::{available_in, spec_release};

use super::*;

impl CloudTowerService {
    /// Runs `release` from now on: `get-version` answers it and the
    /// operations newer than it are answered 404. Unpinned, the fake runs
    /// the spec's release and serves every operation.
    pub fn pin_version(&mut self, release: Version) {
        self.pinned = Some(release);
    }

    /// The release the fake runs: the pinned one, else the spec's.
    pub fn version(&self) -> Option<Version> {
        self.pinned.clone().or_else(spec_release)
    }

    /// The answer to `request` when its operation is about versions: the
    /// release for `get-version`, a 404 for an operation the pinned release
    /// lacks. `None` for everything else.
    pub(super) fn version_answer(&mut self, request: &Request) -> Option<Response> {
        if request.operation_id == GET_API_VERSION {
            let release = self.version()?;
            return Some(Response::json(200, Value::String(release.to_string())));
        }
        let pinned = self.pinned.as_ref()?;
        if available_in(&request.operation_id, pinned) {
            return None;
        }
        // As if no operation served the path: that is what it is to
        // an older CloudTower.
        let unknown = Request {
            operation_id: String::new(),
            ..request.clone()
        };
        Some(self.not_found(&unknown))
    }
}
