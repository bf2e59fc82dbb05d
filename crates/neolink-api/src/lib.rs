//! Rust client for the Neolink.AI "MatrixDC" compute API (算力API) at
//! `https://neolink-ai.com/mdc/api/v1`: regions, GPU SKUs and container
//! instances, generated from `specs/neolink.yaml`.
//!
//! [`Neolink`] wraps the generated [`generated::Client`] (never edited by
//! hand): it sends `authorization: bearer <token>` and, when configured,
//! the `namespace` header on every request, and it returns the shared
//! [`Error`]. The API documents no error responses, so any non-2xx reply
//! becomes an [`ErrorKind::Api`] error with the status and the raw body.
//!
//! Typed helpers cover what the wire format leaves as strings:
//! [`BillingType`] for the `"1"`–`"4"` cost codes, [`InstanceStatus`],
//! [`cheapest_sku`], [`SshEndpoint`], and [`InstanceExt`] accessors that
//! read the zero time `0001-01-01T00:00:00Z` as "unset".
//!
//! ```no_run
//! # async fn demo() -> Result<(), neolink_api::Error> {
//! use std::time::Duration;
//! use neolink_api::{BillingType, InstanceExt, InstanceStatus, Neolink, WaitOptions, cheapest_sku, types};
//!
//! let neolink = Neolink::new("my-token")?.with_namespace("my-user-id");
//! let region = neolink.regions().await?.remove(0);
//! let skus = neolink.skus(&region.id).await?;
//! let sku = cheapest_sku(&skus, "4090", BillingType::PayAsYouGo).expect("a 4090 in stock");
//!
//! let request = types::CreateInstanceRequest::builder()
//!     .display_name("trainer")
//!     .image("images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04")
//!     .cost(
//!         types::CreateCost::builder()
//!             .cost_type(BillingType::PayAsYouGo)
//!             .disk_skuid("1")
//!             .gpuskuid(sku.skus_id.clone()),
//!     )
//!     .volume_mount(vec![]);
//! let created = neolink.create_instance(&region.cluster_name, request).await?;
//! let running = neolink
//!     .wait_for_status(&region.cluster_name, &created.name, InstanceStatus::Running,
//!         WaitOptions::new(Duration::from_secs(600)))
//!     .await?;
//! println!("{:?}", running.ssh_command());
//! neolink.power_off(&region.cluster_name, &running.name, types::PowerOffRequest::default()).await?;
//! neolink.delete_instance(&region.cluster_name, &running.name).await?;
//! # Ok(()) }
//! ```

use cloud_common::Runtime;

pub use chrono::{DateTime, Utc};
pub use cloud_common::{
    CallOptions, ClientConfig, Error, ErrorKind, RetryPolicy, Secret, WaitOptions,
};

mod compute;
mod ext;

pub use compute::{ClusterCompute, neutral_state, summary};

pub use ext::{
    BillingType, InstanceExt, InstanceStatus, SkuExt, SshEndpoint, cheapest_sku, non_zero_time,
};

cloud_common::generated_client!("neolink");

/// The provider name used in errors and traces.
pub const PROVIDER: &str = "neolink";

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://neolink-ai.com/mdc/api/v1";

/// The crate's user agent: `neolink-api/<version>`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A Neolink client holding an API token (from the console's "API
/// Credentials" page) and, optionally, the caller's namespace (user id).
///
/// Cheap to clone. `Debug` shows no token: it lives only in the runtime's
/// authentication header, which is marked sensitive.
#[derive(Clone, Debug)]
pub struct Neolink {
    client: generated::Client,
    namespace: Option<String>,
    options: CallOptions,
}

type Result<T> = std::result::Result<T, Error>;

/// Sets the client's namespace header on a generated request builder.
macro_rules! scoped {
    ($self:ident . $op:ident ()) => {
        match &$self.namespace {
            Some(ns) => $self.client.$op().namespace(ns.as_str()),
            None => $self.client.$op(),
        }
    };
}

impl Neolink {
    /// A client for the production API with default timeouts and retries.
    pub fn new(token: impl Into<Secret>) -> Result<Self> {
        Self::with_config(token, ClientConfig::new(DEFAULT_BASE_URL))
    }

    /// A client with explicit settings (base URL, timeouts, retries).
    ///
    /// ```
    /// use neolink_api::{ClientConfig, Neolink};
    /// let neolink = Neolink::with_config("tok-123", ClientConfig::new("http://127.0.0.1:8080"))
    ///     .unwrap()
    ///     .with_namespace("user-1");
    /// assert!(!format!("{neolink:?}").contains("tok-123"));
    /// assert_eq!(neolink.namespace(), Some("user-1"));
    /// ```
    pub fn with_config(token: impl Into<Secret>, config: ClientConfig) -> Result<Self> {
        let token = token.into();
        let http = config.http_client(PROVIDER, USER_AGENT)?;
        let runtime = Runtime::new(PROVIDER, generated::OPERATIONS, &config).with_header(
            "authorization",
            Secret::new(format!("bearer {}", token.expose())),
        );
        Ok(Self {
            client: generated::Client::new_with_client(config.base_url(), http, runtime),
            namespace: None,
            options: CallOptions::default(),
        })
    }

    /// A copy of this client that sends `namespace: <namespace>` (the user
    /// id from the console's Account Center) on every request, and writes
    /// it into the body of [`Neolink::create_instance`].
    pub fn with_namespace(&self, namespace: impl Into<String>) -> Self {
        Self {
            namespace: Some(namespace.into()),
            ..self.clone()
        }
    }

    /// The namespace this client sends, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// A copy of this client whose calls use `options` (timeout, retry
    /// opt-in or opt-out).
    pub fn with_options(&self, options: CallOptions) -> Self {
        Self {
            options,
            ..self.clone()
        }
    }

    /// The generated client, for anything this layer does not cover. It
    /// runs through the same runtime (authentication, retries, timeouts,
    /// tracing), but you set the `namespace` header yourself.
    pub fn native(&self) -> &generated::Client {
        &self.client
    }

    /// Not an `async fn`, so that `fut` is boxed by the runtime at once
    /// rather than carried, tens of KB, inside this method's future.
    fn call<T, F>(
        &self,
        operation: &'static str,
        fut: F,
    ) -> impl Future<Output = Result<T>> + use<'_, T, F>
    where
        F: Future<
            Output = std::result::Result<
                progenitor_client::ResponseValue<T>,
                progenitor_client::Error<()>,
            >,
        >,
    {
        self.client.inner.call(operation, &self.options, fut)
    }

    /// `GET /regions`: every region. Pass `id` to [`Neolink::skus`] and
    /// `cluster_name` to the instance calls.
    pub async fn regions(&self) -> Result<Vec<types::Region>> {
        self.call("listRegions", scoped!(self.list_regions()).send())
            .await
    }

    /// `GET /skus/computings?region_id=…`: the GPU SKUs of a region (specs,
    /// price, stock). See [`cheapest_sku`] to choose one.
    pub async fn skus(&self, region_id: &str) -> Result<Vec<types::ComputingSku>> {
        let request = scoped!(self.list_computing_skus()).region_id(region_id);
        self.call("listComputingSkus", request.send()).await
    }

    /// `POST /clusters/{cluster}/instances`: creates an instance, which
    /// comes back `Creating` and without SSH access yet (see
    /// [`Neolink::wait_for_status`]).
    ///
    /// `request` is a [`types::CreateInstanceRequest`] or its builder. When
    /// the client has a namespace, it replaces the body's `namespace` (both
    /// are the user id); otherwise the request must set it. A builder with a
    /// missing field is an [`ErrorKind::InvalidRequest`] error, and nothing
    /// is sent. Never retried automatically.
    pub async fn create_instance(
        &self,
        cluster: &str,
        request: impl Into<types::builder::CreateInstanceRequest>,
    ) -> Result<types::Instance> {
        let mut body = request.into();
        if let Some(ns) = &self.namespace {
            body = body.namespace(ns.clone());
        }
        let request = scoped!(self.create_instance())
            .cluster_name(cluster)
            .body(body);
        self.call("createInstance", request.send()).await
    }

    /// `GET /clusters/{cluster}/instances`: the caller's instances in a
    /// cluster (`nodes`), with the reply's paging fields.
    pub async fn instances(&self, cluster: &str) -> Result<types::InstanceList> {
        let request = scoped!(self.list_instances()).cluster_name(cluster);
        self.call("listInstances", request.send()).await
    }

    /// `GET /clusters/{cluster}/instances/{name}`: one instance, by its
    /// `name` (not its `uid`).
    pub async fn instance(&self, cluster: &str, name: &str) -> Result<types::Instance> {
        let request = scoped!(self.get_instance())
            .cluster_name(cluster)
            .name(name);
        self.call("getInstance", request.send()).await
    }

    /// `POST /clusters/{cluster}/instances/{name}/power_off`: stops an
    /// instance. `options` is a [`types::PowerOffRequest`] or its builder;
    /// `PowerOffRequest::default()` sends `{}` (the server's defaults: a
    /// 10 s grace period, no snapshot).
    ///
    /// The reply is the JSON string `"ok"`; any 2xx counts as success.
    pub async fn power_off(
        &self,
        cluster: &str,
        name: &str,
        options: impl Into<types::builder::PowerOffRequest>,
    ) -> Result<()> {
        let request = scoped!(self.power_off_instance())
            .cluster_name(cluster)
            .name(name)
            .body(options.into());
        self.call("powerOffInstance", request.send())
            .await
            .map(drop)
    }

    /// `POST /clusters/{cluster}/instances/{name}/power_on`: starts a stopped
    /// instance. Any 2xx reply carrying a JSON string counts as success.
    pub async fn power_on(&self, cluster: &str, name: &str) -> Result<()> {
        let request = scoped!(self.power_on_instance())
            .cluster_name(cluster)
            .name(name);
        self.call("powerOnInstance", request.send()).await.map(drop)
    }

    /// `DELETE /clusters/{cluster}/instances?name={name}`: deletes an
    /// instance (named in the query, unlike every other instance call).
    pub async fn delete_instance(&self, cluster: &str, name: &str) -> Result<()> {
        let request = scoped!(self.delete_instance())
            .cluster_name(cluster)
            .name(name);
        self.call("deleteInstance", request.send()).await.map(drop)
    }

    /// Polls [`Neolink::instance`] every `options.poll_interval()` until its
    /// status equals `status` (ignoring case), and returns the instance as
    /// last read.
    ///
    /// After `options.timeout()` the error is [`ErrorKind::WaitTimeout`],
    /// naming the last status seen; any error from a poll (e.g. a 404) ends
    /// the wait at once.
    ///
    /// ```no_run
    /// # async fn demo(neolink: neolink_api::Neolink) -> Result<(), neolink_api::Error> {
    /// use std::time::Duration;
    /// use neolink_api::{InstanceStatus, WaitOptions};
    /// let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_secs(10));
    /// let instance = neolink
    ///     .wait_for_status("host-cluster", "instance-ccffxxxx", InstanceStatus::Running, wait)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_status(
        &self,
        cluster: &str,
        name: &str,
        status: InstanceStatus,
        options: WaitOptions,
    ) -> Result<types::Instance> {
        cloud_common::wait_until(
            PROVIDER,
            "waitForStatus",
            &options,
            || self.instance(cluster, name),
            |instance| instance.state() == status,
            |instance| {
                format!(
                    "instance {name} is {} (waiting for {status})",
                    instance.state()
                )
            },
        )
        .await
    }
}
