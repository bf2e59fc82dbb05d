//! TensorDock API v2, the current API: `https://dashboard.tensordock.com/api/v2`,
//! JSON bodies, `Authorization: Bearer <API token>`.
//!
//! [`TensorDock`] wraps the generated [`generated::Client`] (never edited by
//! hand): it sends the token on every request, keeps to the API's limit of
//! 100 requests per minute, unwraps the response envelopes, and returns the
//! shared [`Error`] for each of the three error shapes the API uses:
//!
//! - `{"error": "…"}` with a 4xx/5xx status: an [`ErrorKind::Api`] error
//!   with that status and message;
//! - a bare array of validation issues with HTTP 400: the same, its message
//!   joining the issues as `path: message`;
//! - an **HTTP 200** whose body is an error, e.g. `{"status": 400, "error":
//!   "No available nodes found"}`: also an [`ErrorKind::Api`] error, whose
//!   status is the body's `status` (200 when it has none).
//!
//! ```no_run
//! # async fn demo() -> Result<(), tensordock_api::Error> {
//! use std::time::Duration;
//! use tensordock_api::ports::PortMappings;
//! use tensordock_api::v2::{CreateInstance, InstanceExt, Placement, SshKey, TensorDock, WaitOptions};
//!
//! let td = TensorDock::new("my-api-token")?;
//! let location = td.locations().await?.remove(0);
//! let request = CreateInstance::new("trainer", "ubuntu2404", Placement::Location(location.id))
//!     .vcpus(8)
//!     .ram_gb(32)
//!     .storage_gb(200)
//!     .gpu("geforcertx4090-pcie-24gb", 1)
//!     .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA… me@laptop".into()))
//!     .ports(&PortMappings::new().map(20000, 22));
//! let created = td.create_instance(request).await?;
//! let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_secs(5));
//! let vm = td.wait_until_running_with_ip(&created.id, wait).await?;
//! println!("{:?}", vm.ssh_endpoint().map(|ssh| ssh.command("user")));
//! td.stop_instance(&vm.id).await?;
//! td.delete_instance(&vm.id).await?;
//! # Ok(()) }
//! ```
//!
//! # Rate limit
//!
//! TensorDock allows 100 requests per minute per organisation. The client
//! keeps to it on its own side ([`RATE_LIMIT_REQUESTS`] per
//! [`RATE_LIMIT_PERIOD`], applied unless the [`ClientConfig`] sets another
//! limit or [`ClientConfig::no_rate_limit`]): every request, retries
//! included, waits for its turn, and requests are spread out rather than
//! sent in one burst followed by a stall. The limit is shared by clones of
//! a client, not by clients built separately, so build one client and clone
//! it. If the server still answers `429 Too Many Requests`, every operation
//! but the two creates is retried after its `Retry-After` delay; creates
//! are not, since a repeat could deploy twice (see [`CallOptions::retry`]).

use std::time::Duration;

#[cfg(doc)]
use cloud_common::{CallOptions, ClientConfig};
use cloud_common::{Error, ErrorIn200, ErrorKind, Operation, Secret, ServerMessage};

mod auth;
mod compute;
mod create;
mod ext;
pub mod offers;
mod wait;

pub use cloud_common::WaitOptions;
pub use compute::{STATES, neutral_state, summary, summary_of_listed};
pub use create::{CreateInstance, Placement, SshKey};
pub use ext::{InstanceExt, InstanceStatus, SshEndpoint};

cloud_common::generated_client!("tensordock_v2");

/// The provider name used in errors and traces (the same as v0's: it is one
/// provider; the operation names tell the versions apart).
pub const PROVIDER: &str = "tensordock";

/// The production base URL of API v2.
pub const DEFAULT_BASE_URL: &str = "https://dashboard.tensordock.com/api/v2";

/// Requests allowed per [`RATE_LIMIT_PERIOD`]: TensorDock's documented limit
/// per organisation, which the client keeps to by default.
pub const RATE_LIMIT_REQUESTS: u32 = 100;

/// The window of [`RATE_LIMIT_REQUESTS`]: one minute.
pub const RATE_LIMIT_PERIOD: Duration = Duration::from_secs(60);

impl ServerMessage for types::ErrorResponse {
    fn server_message(&self) -> Option<String> {
        match self {
            types::ErrorResponse::ErrorBody(body) => Some(error_body_message(body)),
            types::ErrorResponse::ValidationIssues(issues) => {
                let parts: Vec<String> = issues
                    .0
                    .iter()
                    .map(|issue| {
                        let path: Vec<String> =
                            issue.path.iter().map(ToString::to_string).collect();
                        if path.is_empty() {
                            issue.message.clone()
                        } else {
                            format!("{}: {}", path.join("."), issue.message)
                        }
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            }
        }
    }
}

/// The message of an `ErrorBody`: its `error`, followed by `message` when
/// that adds something (clients check both; no capture shows `message`).
fn error_body_message(body: &types::ErrorBody) -> String {
    match body.message.as_deref().map(str::trim) {
        Some(m) if !m.is_empty() && m != body.error && !body.error.is_empty() => {
            format!("{}: {m}", body.error)
        }
        Some(m) if !m.is_empty() && body.error.is_empty() => m.to_string(),
        _ => body.error.clone(),
    }
}

/// The error for an `ErrorBody` that arrived with HTTP 200. Its status is
/// the body's `status` (the one the server meant), else 200; the body is
/// kept, re-serialized, for diagnosis.
fn error_in_200(operation: &'static str, body: types::ErrorBody) -> Error {
    let status = body
        .status
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .unwrap_or(200);
    let raw = serde_json::to_string(&body).unwrap_or_default();
    Error::new(
        ErrorKind::Api,
        PROVIDER,
        operation,
        error_body_message(&body),
    )
    .with_status(status)
    .with_body(raw)
}

cloud_common::client_shell! {
    /// A TensorDock v2 client holding the organisation's API token (from
    /// Developer Settings, not the "Authorization ID" UUID).
    ///
    /// Cheap to clone; clones share the rate limit. `Debug` shows no token:
    /// it lives only in the runtime's `authorization` header, which is
    /// marked sensitive. Unless the [`ClientConfig`] chooses a rate limit
    /// (or none), the API's 100 requests per minute applies.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tensordock_api::{ClientConfig, v2::TensorDock};
    /// let td = TensorDock::with_config(
    ///     ClientConfig::new("http://127.0.0.1:8080").timeout(Duration::from_secs(5)),
    ///     "tok-123",
    /// )
    /// .unwrap();
    /// assert!(!format!("{td:?}").contains("tok-123"));
    /// ```
    pub struct TensorDock {
        provider: PROVIDER,
        user_agent: crate::USER_AGENT,
        native: generated::Client,
        operations: generated::OPERATIONS,
        credentials: Secret => auth::authorize,
        default_base_url: DEFAULT_BASE_URL,
        configure: auth::configure,
    }
}

type Result<T> = std::result::Result<T, Error>;

impl TensorDock {
    /// Runs one generated operation and unwraps its 200 `oneOf`, turning
    /// the `ErrorBody` branch into an error.
    #[inline]
    async fn run<O>(&self, request: O) -> Result<<O::Ok as ErrorIn200>::Ok>
    where
        O: Operation<ErrorBody = types::ErrorResponse>,
        O::Ok: ErrorIn200<ErrorBody = types::ErrorBody>,
    {
        let body = self.call(request).await?;
        body.split().map_err(|e| error_in_200(O::OPERATION_ID, e))
    }

    /// `GET /locations`: every location with the GPU models it offers,
    /// their prices and limits. A location's `id` goes into
    /// [`Placement::Location`]; a GPU's `v0_name` into
    /// [`CreateInstance::gpu`]. Stock is often stale: a create can still
    /// fail with "No available nodes found".
    #[inline]
    pub async fn locations(&self) -> Result<Vec<types::Location>> {
        let r = self.run(self.client.list_locations()).await?;
        Ok(r.data.locations)
    }

    /// `GET /hostnodes`: every hostnode with its free resources and ports.
    /// A hostnode's `id` goes into [`Placement::Hostnode`]; its
    /// `available_resources.available_ports` are the external ports to
    /// forward from. The server filters nothing; filter the list yourself.
    #[inline]
    pub async fn hostnodes(&self) -> Result<Vec<types::Hostnode>> {
        let r = self.run(self.client.list_hostnodes()).await?;
        Ok(r.data.hostnodes)
    }

    /// `GET /hostnodes/{id}`: one hostnode.
    #[inline]
    pub async fn hostnode(&self, id: &str) -> Result<types::Hostnode> {
        let r = self.run(self.client.get_hostnode().id(id)).await?;
        Ok(r.data)
    }

    /// `POST /instances`: deploys a VM. The answer carries its `id` and no
    /// IP address yet: see [`TensorDock::wait_until_running_with_ip`].
    ///
    /// A request missing a required field is an
    /// [`ErrorKind::InvalidRequest`] error, and nothing is sent. Never
    /// retried automatically, because a repeat may deploy a second, billed
    /// VM (use [`CallOptions::retry`] to opt in).
    #[inline]
    pub async fn create_instance(
        &self,
        request: CreateInstance,
    ) -> Result<types::CreatedInstanceData> {
        let body = request.build()?;
        let r = self.run(self.client.create_instance().body(body)).await?;
        Ok(r.data)
    }

    /// `GET /instances`: every instance of the organisation.
    ///
    /// The API answers in one of three shapes (`data.instances`,
    /// `data.attributes.instances`, or `data` as an array), with `name` and
    /// `status` either flat or under `attributes`; this returns one flat
    /// list whatever the shape, with `name` and `status` filled from
    /// `attributes` where the server put them there.
    #[inline]
    pub async fn instances(&self) -> Result<Vec<types::InstanceListItem>> {
        let r = self.run(self.client.list_instances()).await?;
        let items = match r {
            types::InstanceList::Keyed(k) => k.data.instances,
            types::InstanceList::ListResource(l) => l.data.attributes.instances,
            types::InstanceList::Array(a) => a.data,
        };
        Ok(items.into_iter().map(ext::flatten_listed).collect())
    }

    /// `GET /instances/{id}`: one instance with its status, IP address
    /// (empty until assigned), real port forwards and hourly rate. A
    /// deleted or unknown instance is an error with status 404.
    #[inline]
    pub async fn instance(&self, id: &str) -> Result<types::Instance> {
        self.run(self.client.get_instance().id(id)).await
    }

    /// `POST /instances/{id}/start`: starts a stopped instance. The answer
    /// holds the transitional status (`starting`); see
    /// [`TensorDock::wait_for_status`].
    #[inline]
    pub async fn start_instance(&self, id: &str) -> Result<types::InstanceAction> {
        self.run(self.client.start_instance().id(id)).await
    }

    /// `POST /instances/{id}/stop`: stops a running instance (`stopping`,
    /// then `Stopped`). v2 has no equivalent of v0's
    /// `disassociate_resources`.
    #[inline]
    pub async fn stop_instance(&self, id: &str) -> Result<types::InstanceAction> {
        self.run(self.client.stop_instance().id(id)).await
    }

    /// `PUT /instances/{id}/modify`: changes the vCPUs, RAM, storage or GPU
    /// of a stopped instance. `change` is a [`types::ModifyInstanceRequest`]
    /// or its builder; fields left unset are not changed.
    ///
    /// ```no_run
    /// # async fn demo(td: tensordock_api::v2::TensorDock) -> Result<(), tensordock_api::Error> {
    /// use tensordock_api::v2::types;
    /// td.modify_instance(
    ///     "550e8400-e29b-41d4-a716-446655440000",
    ///     types::ModifyInstanceRequest::builder().cpu_cores(8).ram_gb(32),
    /// )
    /// .await?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub async fn modify_instance(
        &self,
        id: &str,
        change: impl Into<types::builder::ModifyInstanceRequest>,
    ) -> Result<types::InstanceModified> {
        let request = self.client.modify_instance().id(id).body(change.into());
        self.run(request).await
    }

    /// `DELETE /instances/{id}`: deletes an instance; deletion finishes
    /// asynchronously (getInstance answers 404 once it is gone). Deleting
    /// an instance that is already gone is an error with status 404.
    #[inline]
    pub async fn delete_instance(&self, id: &str) -> Result<types::InstanceDeleted> {
        self.run(self.client.delete_instance().id(id)).await
    }

    /// `GET /secrets`: the organisation's secrets, without their values.
    #[inline]
    pub async fn secrets(&self) -> Result<Vec<types::SecretSummary>> {
        let r = self.run(self.client.list_secrets()).await?;
        Ok(r.data.secrets)
    }

    /// `POST /secrets`: stores a secret. Never retried automatically (a
    /// repeat would store a second one).
    #[inline]
    pub async fn create_secret(
        &self,
        name: &str,
        kind: types::SecretKind,
        value: impl Into<Secret>,
    ) -> Result<types::SecretCreatedData> {
        let body = types::CreateSecretRequest {
            data: types::CreateSecretData {
                type_: types::SecretResourceType::Secret,
                attributes: types::CreateSecretAttributes {
                    name: name.to_string(),
                    type_: kind,
                    value: value.into(),
                },
            },
        };
        let r = self.run(self.client.create_secret().body(body)).await?;
        Ok(r.data)
    }

    /// Stores an SSH public key as a secret of kind `SSHKEY`; pass the
    /// returned `id` as [`SshKey::SecretId`] when creating instances.
    #[inline]
    pub async fn create_ssh_key(
        &self,
        name: &str,
        public_key: &str,
    ) -> Result<types::SecretCreatedData> {
        self.create_secret(name, types::SecretKind::Sshkey, public_key)
            .await
    }

    /// `GET /secrets/{id}`: one secret with its value (a [`Secret`], which
    /// never prints). Secrets of kind `SECRET` come without a value.
    #[inline]
    pub async fn secret(&self, id: &str) -> Result<types::SecretDetail> {
        let r = self.run(self.client.get_secret().id(id)).await?;
        Ok(r.data)
    }

    /// `DELETE /secrets/{id}`. Deleting one that is already gone is an
    /// error with status 404.
    #[inline]
    pub async fn delete_secret(&self, id: &str) -> Result<types::SecretDeleted> {
        self.run(self.client.delete_secret().id(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_combine_error_and_message() {
        let body = |error: &str, message: Option<&str>| types::ErrorBody {
            error: error.into(),
            message: message.map(Into::into),
            status: None,
        };
        assert_eq!(error_body_message(&body("boom", None)), "boom");
        assert_eq!(error_body_message(&body("boom", Some("boom"))), "boom");
        assert_eq!(
            error_body_message(&body("boom", Some("disk full"))),
            "boom: disk full"
        );
        assert_eq!(
            error_body_message(&body("", Some("disk full"))),
            "disk full"
        );
    }

    #[test]
    fn an_error_in_a_200_takes_the_status_from_its_body() {
        let e = error_in_200(
            "createInstance",
            types::ErrorBody {
                error: "No available nodes found".into(),
                message: None,
                status: Some(400),
            },
        );
        assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(400)));
        assert_eq!(e.message(), "No available nodes found");
        let e = error_in_200(
            "createInstance",
            types::ErrorBody {
                error: "x".into(),
                message: None,
                status: Some(70_000),
            },
        );
        assert_eq!(e.status(), Some(200), "an impossible status is ignored");
    }

    #[test]
    fn validation_issues_read_as_path_and_message() {
        let issues: types::ErrorResponse = serde_json::from_value(serde_json::json!([
            {"code": "custom", "message": "SSH port (22) must be forwarded", "path": ["data", "attributes", "port_forwards"]},
            {"code": "too_small", "message": "at least 100", "path": ["data", "attributes", "resources", "storage_gb"]},
            {"code": "invalid_type", "message": "expected number", "path": ["data", "attributes", "port_forwards", 0, "external_port"]},
            {"code": "custom", "message": "bad request", "path": []}
        ]))
        .unwrap();
        assert_eq!(
            issues.server_message().unwrap(),
            "data.attributes.port_forwards: SSH port (22) must be forwarded; \
             data.attributes.resources.storage_gb: at least 100; \
             data.attributes.port_forwards.0.external_port: expected number; bad request"
        );
        let empty: types::ErrorResponse = serde_json::from_value(serde_json::json!([])).unwrap();
        assert_eq!(empty.server_message(), None);
    }
}
