//! TensorDock marketplace API v0.
//!
//! [`TensorDock`] wraps the generated [`generated::Client`]: it puts the
//! `api_key`/`api_token` pair into every request body (or query, for the GET
//! that needs it), so callers never handle them, and it returns the shared
//! [`Error`] with the HTTP status and the server's `error` message.
//!
//! Operations with many fields take a closure over the generated body
//! builder, with the credentials already filled in:
//!
//! ```no_run
//! # async fn demo() -> Result<(), tensordock_api::Error> {
//! use tensordock_api::v0::{DeployVmExt, PortMappings, TensorDock};
//! let td = TensorDock::new(("key", "token"))?;
//! let deployed = td
//!     .deploy_vm(|vm| {
//!         vm.name("trainer")
//!             .gpu_model("geforcertx4090-pcie-24gb")
//!             .gpu_count(1)
//!             .vcpus(8)
//!             .ram(32)
//!             .storage(100)
//!             .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
//!             .operating_system("Ubuntu 22.04 LTS")
//!             .password("a-long-password".to_string())
//!             .ports(&PortMappings::new().map(30118, 22).map(30117, 80))
//!     })
//!     .await?;
//! println!("deployed {} at {:?}", deployed.server, deployed.ip);
//! # Ok(()) }
//! ```

use std::collections::HashMap;

#[cfg(doc)]
use cloud_common::CallOptions;
use cloud_common::{Error, ErrorKind, ServerMessage};

mod auth;
mod compute;
mod ext;
pub mod offers;
mod ports;
mod wait;

pub use auth::ApiKey;
pub use compute::{STATES, neutral_state, summary};
pub use ext::{DeployVmExt, HostnodeFilter, VmStatus, VmStatusExt};
pub use ports::{PortMapping, PortMappings, PortParseError};

cloud_common::generated_client!("tensordock_v0");

use generated::operation_ids;
use generated::types::builder;

impl ServerMessage for types::ErrorBody {
    fn server_message(&self) -> Option<String> {
        Some(self.error.clone())
    }
}

/// The provider name used in errors and traces.
pub const PROVIDER: &str = "tensordock";

/// The production base URL of API v0.
pub const DEFAULT_BASE_URL: &str = "https://marketplace.tensordock.com/api/v0";

cloud_common::client_shell! {
    /// A TensorDock v0 client holding the organisation's `api_key` and
    /// `api_token` ([`ApiKey`], or a `(key, token)` pair).
    ///
    /// Cheap to clone. `Debug` shows no credential.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tensordock_api::{ClientConfig, v0::TensorDock};
    /// let td = TensorDock::with_config(
    ///     ClientConfig::new("http://127.0.0.1:8080").timeout(Duration::from_secs(5)),
    ///     ("key-123", "token-456"),
    /// )
    /// .unwrap();
    /// assert!(!format!("{td:?}").contains("token-456"));
    /// ```
    pub struct TensorDock {
        provider: PROVIDER,
        user_agent: crate::USER_AGENT,
        native: generated::Client,
        operations: generated::OPERATIONS,
        credentials: ApiKey => auth::authorize,
        default_base_url: DEFAULT_BASE_URL,
    }
}

type Result<T> = std::result::Result<T, Error>;

impl TensorDock {
    fn failed(&self, operation: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Api, PROVIDER, operation, message)
    }

    /// `success: false` in a 2xx body is an error too: no source shows one
    /// for most operations, but every client checks, and we would rather
    /// fail loudly. `error` is the server's message, where the body has one.
    fn ensure_success_with(
        &self,
        operation: &'static str,
        success: Option<bool>,
        error: Option<&str>,
    ) -> Result<()> {
        match success {
            Some(false) => Err(self
                .failed(
                    operation,
                    error.unwrap_or("the server answered `success: false`"),
                )
                .with_status(200)),
            _ => Ok(()),
        }
    }

    fn key_pair(&self) -> types::CredentialsRequest {
        types::CredentialsRequest {
            api_key: self.credentials().api_key.clone(),
            api_token: self.credentials().api_token.clone(),
        }
    }

    fn server(&self, server: &str) -> builder::ServerRequest {
        types::ServerRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .server(server.to_string())
    }

    /// `POST /auth/test`: whether the key/token pair is valid. An invalid
    /// pair is an `Err` with the server's message.
    #[inline]
    pub async fn auth_test(&self) -> Result<()> {
        let r = self
            .call(self.client.auth_test().body(self.key_pair()))
            .await?;
        self.ensure_success_with(
            operation_ids::AUTH_TEST,
            Some(r.success),
            r.error.as_deref(),
        )
    }

    /// `POST /auth/list`: the organisation's authorizations, keyed by name.
    #[inline]
    pub async fn auth_list(&self) -> Result<HashMap<String, types::Authorization>> {
        let r = self
            .call(self.client.auth_list().body(self.key_pair()))
            .await?;
        self.ensure_success_with(operation_ids::AUTH_LIST, r.success, r.error.as_deref())?;
        Ok(r.authorizations)
    }

    /// `GET /client/deploy/hostnodes`: hostnodes with stock and prices,
    /// keyed by hostnode UUID. Public: sends no credentials. (The API
    /// lists hostnodes reserved for your organisation only when the
    /// credentials are in the query string; this client never puts them in
    /// a URL. Use [`TensorDock::native`] if you accept that.)
    #[inline]
    pub async fn list_hostnodes(
        &self,
        filter: &HostnodeFilter,
    ) -> Result<HashMap<String, types::Hostnode>> {
        let request = filter.apply(self.client.list_hostnodes());
        let r = self.call(request).await?;
        self.ensure_success_with(operation_ids::LIST_HOSTNODES, r.success, r.error.as_deref())?;
        Ok(r.hostnodes)
    }

    /// `GET /client/deploy/hostnodes/{uuid}`: one hostnode, whether the
    /// server nests it under `hostnode` or under its own UUID.
    #[inline]
    pub async fn get_hostnode(&self, hostnode: &str) -> Result<types::Hostnode> {
        const OP: &str = operation_ids::GET_HOSTNODE;
        let uuid = hostnode.parse::<uuid::Uuid>().map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                PROVIDER,
                OP,
                format!("hostnode id is not a UUID: {e}"),
            )
        })?;
        let r = self
            .call(self.client.get_hostnode().hostnode_uuid(uuid))
            .await?;
        self.ensure_success_with(OP, r.success, r.error.as_deref())?;
        ext::hostnode_from(r, hostnode).map_err(|message| {
            Error::new(ErrorKind::Decode, PROVIDER, OP, message).with_status(200)
        })
    }

    /// `POST /client/deploy/single`: deploys a VM. `f` fills the body; the
    /// credentials are added afterwards. Never retried automatically (use
    /// [`CallOptions::retry`] to opt in).
    #[inline]
    pub async fn deploy_vm(
        &self,
        f: impl FnOnce(builder::DeployVmRequest) -> builder::DeployVmRequest,
    ) -> Result<types::DeployVmResponse> {
        let body = f(types::DeployVmRequest::builder())
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone());
        let r = self.call(self.client.deploy_vm().body(body)).await?;
        self.ensure_success_with(operation_ids::DEPLOY_VM, r.success, r.error.as_deref())?;
        Ok(r)
    }

    /// `POST /client/list`: the organisation's VMs, keyed by VM UUID.
    #[inline]
    pub async fn list_vms(&self) -> Result<HashMap<String, types::VirtualMachine>> {
        let r = self
            .call(self.client.list_vms().body(self.key_pair()))
            .await?;
        self.ensure_success_with(operation_ids::LIST_VMS, r.success, r.error.as_deref())?;
        Ok(r.virtualmachines)
    }

    /// `POST /client/get/single`: one VM, whether the server nests it under
    /// `virtualmachines` (seen in practice) or `virtualmachine` (the SDK's
    /// docstring).
    #[inline]
    pub async fn get_vm(&self, server: &str) -> Result<types::VirtualMachine> {
        let r = self
            .call(self.client.get_vm().body(self.server(server)))
            .await?;
        self.ensure_success_with(operation_ids::GET_VM, r.success, r.error.as_deref())?;
        r.virtualmachines.or(r.virtualmachine).ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                PROVIDER,
                operation_ids::GET_VM,
                "the response holds no `virtualmachines` or `virtualmachine`",
            )
            .with_status(200)
        })
    }

    /// `POST /client/start/single`.
    #[inline]
    pub async fn start_vm(&self, server: &str) -> Result<()> {
        let r = self
            .call(self.client.start_vm().body(self.server(server)))
            .await?;
        self.ensure_success_with(operation_ids::START_VM, Some(r.success), r.error.as_deref())
    }

    /// `POST /client/stop/single`. `disassociate_resources: true` releases
    /// the GPU (storage-only billing; the VM may not get its GPU back).
    #[inline]
    pub async fn stop_vm(&self, server: &str, disassociate_resources: bool) -> Result<()> {
        let body = types::StopVmRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .server(server.to_string())
            .disassociate_resources(disassociate_resources);
        let r = self.call(self.client.stop_vm().body(body)).await?;
        self.ensure_success_with(operation_ids::STOP_VM, Some(r.success), r.error.as_deref())
    }

    /// `POST /client/modify/single` (the one VM call that names the VM
    /// `server_id`). The VM must be stopped.
    #[inline]
    pub async fn modify_vm(
        &self,
        server: &str,
        f: impl FnOnce(builder::ModifyVmRequest) -> builder::ModifyVmRequest,
    ) -> Result<types::ModifyVmResponse> {
        let body = f(types::ModifyVmRequest::builder())
            .server_id(server.to_string())
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone());
        let r = self.call(self.client.modify_vm().body(body)).await?;
        self.ensure_success_with(
            operation_ids::MODIFY_VM,
            Some(r.success),
            r.error.as_deref(),
        )?;
        Ok(r)
    }

    /// `POST /client/delete/single`.
    #[inline]
    pub async fn delete_vm(&self, server: &str) -> Result<()> {
        let r = self
            .call(self.client.delete_vm().body(self.server(server)))
            .await?;
        self.ensure_success_with(
            operation_ids::DELETE_VM,
            Some(r.success),
            r.error.as_deref(),
        )
    }

    /// `POST /client/spot/validate/new`: `true` if a spot VM with these
    /// resources would deploy at this price, `false` if the bid is too low.
    #[inline]
    pub async fn validate_spot_new(
        &self,
        f: impl FnOnce(builder::ValidateSpotNewRequest) -> builder::ValidateSpotNewRequest,
    ) -> Result<bool> {
        let body = f(types::ValidateSpotNewRequest::builder())
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone());
        let r = self
            .call(self.client.validate_spot_new().body(body))
            .await?;
        Ok(r.success)
    }

    /// `POST /client/spot/validate/existing`: `true` if the VM would run
    /// at the new bid `price` (USD/hour).
    #[inline]
    pub async fn validate_spot_existing(&self, server: &str, price: f64) -> Result<bool> {
        let body = types::ValidateSpotExistingRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .server(server.to_string())
            .price(price);
        let r = self
            .call(self.client.validate_spot_existing().body(body))
            .await?;
        Ok(r.success)
    }

    /// `POST /client/container/deploy`, sent as JSON so that GPU model
    /// lists, environment variables, volumes and arguments survive (a form
    /// body cannot carry them).
    #[inline]
    pub async fn deploy_container(
        &self,
        f: impl FnOnce(builder::DeployContainerRequest) -> builder::DeployContainerRequest,
    ) -> Result<()> {
        let body = f(types::DeployContainerRequest::builder())
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone());
        let r = self.call(self.client.deploy_container().body(body)).await?;
        self.ensure_success_with(
            operation_ids::DEPLOY_CONTAINER,
            Some(r.success),
            r.error.as_deref(),
        )
    }

    /// `POST /client/container/scale`. `delta` is added to the replica
    /// count (negative removes); it is not a target count. Never retried
    /// automatically, since a repeat would scale twice.
    #[inline]
    pub async fn scale_container(&self, container_id: &str, delta: i64) -> Result<()> {
        let body = types::ScaleContainerRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .container_id(container_id.to_string())
            .replicas(delta);
        let r = self.call(self.client.scale_container().body(body)).await?;
        self.ensure_success_with(
            operation_ids::SCALE_CONTAINER,
            Some(r.success),
            r.error.as_deref(),
        )
    }

    /// `POST /client/container/stop`: terminates the container deployment.
    #[inline]
    pub async fn stop_container(&self, container_id: &str) -> Result<()> {
        let body = types::StopContainerRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .container_id(container_id.to_string());
        let r = self.call(self.client.stop_container().body(body)).await?;
        self.ensure_success_with(
            operation_ids::STOP_CONTAINER,
            Some(r.success),
            r.error.as_deref(),
        )
    }

    /// `GET /client/container/{id}/replicas`, with the credentials in a
    /// form body rather than the query string, so no URL carries them.
    #[inline]
    pub async fn container_replicas(&self, container_id: &str) -> Result<Vec<types::Replica>> {
        let request = self
            .client
            .list_container_replicas()
            .container_id(container_id)
            .body(self.key_pair());
        let r = self.call(request).await?;
        self.ensure_success_with(
            operation_ids::LIST_CONTAINER_REPLICAS,
            r.success,
            r.error.as_deref(),
        )?;
        Ok(r.result)
    }

    /// `POST /billing/balance`: balance (USD) and hourly spend.
    #[inline]
    pub async fn balance(&self) -> Result<types::BalanceResponse> {
        let r = self
            .call(self.client.get_balance().body(self.key_pair()))
            .await?;
        self.ensure_success_with(operation_ids::GET_BALANCE, r.success, r.error.as_deref())?;
        Ok(r)
    }

    /// `POST /billing/revenue`: hosting revenue per hostnode.
    #[inline]
    pub async fn revenue(
        &self,
        f: impl FnOnce(builder::RevenueRequest) -> builder::RevenueRequest,
    ) -> Result<Vec<types::HostnodeRevenue>> {
        let body = f(types::RevenueRequest::builder())
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone());
        let r = self.call(self.client.get_revenue().body(body)).await?;
        self.ensure_success_with(operation_ids::GET_REVENUE, r.success, r.error.as_deref())?;
        Ok(r.data)
    }

    /// `POST /billing/summary`: the statement for `period` (`YYYY-MM`).
    #[inline]
    pub async fn monthly_summary(&self, period: &str) -> Result<types::MonthlySummaryResponse> {
        let body = types::MonthlySummaryRequest::builder()
            .api_key(self.credentials().api_key.clone())
            .api_token(self.credentials().api_token.clone())
            .period(period.to_string());
        let r = self
            .call(self.client.get_monthly_summary().body(body))
            .await?;
        self.ensure_success_with(
            operation_ids::GET_MONTHLY_SUMMARY,
            r.success,
            r.error.as_deref(),
        )?;
        Ok(r)
    }
}
