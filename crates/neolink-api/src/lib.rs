#![doc = include_str!("../README.md")]
//! Rust client for the Neolink.AI "MatrixDC" compute API (算力API) at
//! `https://neolink-ai.com/mdc/api/v1`: regions, GPU SKUs and container
//! instances, generated from `specs/neolink.yaml`.
//!
//! [`Neolink`] wraps the generated [`generated::Client`] (never edited by
//! hand) in the shell every provider crate shares
//! ([`cloud_common::client_shell!`]): it sends `authorization: bearer
//! <token>` and, when configured, the `namespace` header on every request
//! (both held by the generated client itself, so [`Neolink::native`] sends
//! them too), and it returns the shared [`Error`]. The API documents no error responses, so any non-2xx reply
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
//! let neolink = Neolink::new("my-token")?.with_namespace("my-user-id")?;
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
//! neolink.stop_instance(&region.cluster_name, &running.name).await?;
//! neolink.delete_instance(&region.cluster_name, &running.name).await?;
//! # Ok(()) }
//! ```

pub use chrono::{DateTime, Utc};
pub use cloud_common::{
    CallOptions, ClientConfig, Error, ErrorKind, RawRequest, RawResponse, RetryPolicy, Secret,
    WaitOptions,
};

// The hand-written methods that call generated operations (the async
// wrappers, the `Compute` impl) are `#[inline]`, as the generated code
// is: a debug build then compiles each, with the request and response
// (de)serialisation it instantiates, only in a crate that calls it (see the
// repository's `docs/performance.md`, "Build cost").
mod auth;
mod compute;
mod ext;
pub mod offers;
mod wait;

pub use compute::{ClusterCompute, STATES, neutral_state, summary};

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

cloud_common::client_shell! {
    /// A Neolink client holding an API token (from the console's "API
    /// Credentials" page) and, optionally, the caller's namespace (user
    /// id).
    ///
    /// Cheap to clone. `Debug` shows no token: it lives only in the
    /// runtime's authentication header, which is marked sensitive.
    ///
    /// ```
    /// use neolink_api::{ClientConfig, Neolink};
    /// let neolink = Neolink::with_config("http://127.0.0.1:8080", "tok-123")
    ///     .unwrap()
    ///     .with_namespace("user-1")
    ///     .unwrap();
    /// assert!(!format!("{neolink:?}").contains("tok-123"));
    /// assert_eq!(neolink.namespace(), Some("user-1"));
    /// ```
    pub struct Neolink {
        provider: PROVIDER,
        user_agent: USER_AGENT,
        native: generated::Client,
        operations: generated::OPERATIONS,
        credentials: Secret => auth::authorize,
        default_base_url: DEFAULT_BASE_URL,
    }
}

type Result<T> = std::result::Result<T, Error>;

impl Neolink {
    /// A copy of this client that sends `namespace: <namespace>` (the user
    /// id from the console's Account Center) on every request, and writes
    /// it into the body of [`Neolink::create_instance`]. A value that
    /// cannot be a header is an [`ErrorKind::InvalidRequest`] error.
    pub fn with_namespace(&self, namespace: impl Into<String>) -> Result<Self> {
        let namespace = namespace.into();
        self.map_runtime(|rt| rt.with_default_header(auth::NAMESPACE, Some(namespace)))
    }

    /// The namespace this client sends, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.runtime().default_header(auth::NAMESPACE)
    }

    /// `GET /regions`: every region. Pass `id` to [`Neolink::skus`] and
    /// `cluster_name` to the instance calls.
    #[inline]
    pub async fn regions(&self) -> Result<Vec<types::Region>> {
        self.call(self.client.list_regions()).await
    }

    /// `GET /skus/computings?region_id=…`: the GPU SKUs of a region (specs,
    /// price, stock). See [`cheapest_sku`] to choose one.
    #[inline]
    pub async fn skus(&self, region_id: &str) -> Result<Vec<types::ComputingSku>> {
        self.call(self.client.list_computing_skus().region_id(region_id))
            .await
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
    #[inline]
    pub async fn create_instance(
        &self,
        cluster: &str,
        request: impl Into<types::builder::CreateInstanceRequest>,
    ) -> Result<types::Instance> {
        let mut body = request.into();
        if let Some(ns) = self.namespace() {
            body = body.namespace(ns.to_string());
        }
        self.call(
            self.client
                .create_instance()
                .cluster_name(cluster)
                .body(body),
        )
        .await
    }

    /// `GET /clusters/{cluster}/instances`: the caller's instances in a
    /// cluster (`nodes`), with the reply's paging fields.
    #[inline]
    pub async fn instances(&self, cluster: &str) -> Result<types::InstanceList> {
        self.call(self.client.list_instances().cluster_name(cluster))
            .await
    }

    /// `GET /clusters/{cluster}/instances/{name}`: one instance, by its
    /// `name` (not its `uid`).
    #[inline]
    pub async fn instance(&self, cluster: &str, name: &str) -> Result<types::Instance> {
        self.call(self.client.get_instance().cluster_name(cluster).name(name))
            .await
    }

    /// `POST /clusters/{cluster}/instances/{name}/power_on`: starts a
    /// stopped instance (the API's "power on"). Any 2xx reply carrying a
    /// JSON string counts as success.
    #[inline]
    pub async fn start_instance(&self, cluster: &str, name: &str) -> Result<()> {
        let request = self
            .client
            .power_on_instance()
            .cluster_name(cluster)
            .name(name);
        self.call(request).await.map(drop)
    }

    /// The API's name for [`Neolink::start_instance`].
    #[inline]
    pub async fn power_on(&self, cluster: &str, name: &str) -> Result<()> {
        self.start_instance(cluster, name).await
    }

    /// `POST /clusters/{cluster}/instances/{name}/power_off` with `{}`: stops
    /// an instance with the server's defaults (a 10 s grace period, no
    /// snapshot). [`Neolink::power_off`] chooses them.
    #[inline]
    pub async fn stop_instance(&self, cluster: &str, name: &str) -> Result<()> {
        self.power_off(cluster, name, types::PowerOffRequest::default())
            .await
    }

    /// `POST /clusters/{cluster}/instances/{name}/power_off` (the API's
    /// name for [`Neolink::stop_instance`]), with `options`: a
    /// [`types::PowerOffRequest`] or its builder (grace period, snapshot).
    ///
    /// The reply is the JSON string `"ok"`; any 2xx counts as success.
    /// Never retried automatically: with `needSnapshot` a repeat could save
    /// a second image.
    #[inline]
    pub async fn power_off(
        &self,
        cluster: &str,
        name: &str,
        options: impl Into<types::builder::PowerOffRequest>,
    ) -> Result<()> {
        let request = self
            .client
            .power_off_instance()
            .cluster_name(cluster)
            .name(name)
            .body(options.into());
        self.call(request).await.map(drop)
    }

    /// `DELETE /clusters/{cluster}/instances?name={name}`: deletes an
    /// instance (named in the query, unlike every other instance call).
    #[inline]
    pub async fn delete_instance(&self, cluster: &str, name: &str) -> Result<()> {
        let request = self
            .client
            .delete_instance()
            .cluster_name(cluster)
            .name(name);
        self.call(request).await.map(drop)
    }
}
