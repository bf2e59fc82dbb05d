#![doc = include_str!("../README.md")]
//! Rust client for the SmartX CloudTower operation API (`/v2/api`),
//! generated from `specs/cloudtower.yaml` (a curated subset of the official
//! CloudTower 4.6.0 document: login, VMs, tasks, alerts, clusters, hosts,
//! disks, VM and iSCSI LUN snapshots).
//!
//! [`CloudTower`] wraps the generated [`generated::Client`] (never edited by
//! hand) in the shell every provider crate shares
//! ([`cloud_common::client_shell!`]). It sends the token raw in
//! `authorization` (no `Bearer`), the `content-language` header when one is
//! chosen (both held by the generated client, so [`CloudTower::native`]
//! sends them too), and returns the shared
//! [`Error`], with the server's `message` (and `code`, e.g.
//! `ResourceLocked`) for 400/404/500 replies.
//!
//! What the generator cannot know is added here:
//! - [`CloudTower::login`] obtains a token; the token is a [`Secret`].
//! - `content-language`: a client default and a per-request override
//!   ([`CloudTower::with_language`]).
//! - Every operation of the spec is a method (generated from the spec's
//!   operation table, so a new operation needs nothing written here) taking
//!   its typed body, its builder, a `serde_json::Value` (with the default
//!   feature `json-bodies`; checked against the typed body before it is
//!   sent), or, for reads and `{where}` mutations, just a where-input:
//!   `ct.get_vms(VmWhereInput::by_name("web-01"))`. See [`query`] for the
//!   shorthands, [`CloudTower::first`] and the paging streams
//!   ([`CloudTower::pages`], [`CloudTower::items`]).
//! - Mutations return one `WithTask_*` per affected resource;
//!   [`CloudTower::wait`] and [`CloudTower::wait_tasks`] wait for their tasks
//!   (see [`tasks`]).
//! - The provider-neutral [`cloud_common::Compute`] facade, with VM ids as
//!   ids (see [`compute`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), cloudtower_api::Error> {
//! use cloudtower_api::{CloudTower, UserSource, types::VmWhereInput};
//!
//! let ct = CloudTower::login("http://192.168.96.133/v2/api", "admin", "password", UserSource::Local).await?;
//! let started = ct.start_vm(VmWhereInput::by_id("vm_id")).await?;
//! ct.wait(&started).await?;
//! let vm = ct.first(VmWhereInput::by_id(&started[0].data.id)).await?;
//! # Ok(()) }
//! ```
//!
//! The Python SDK guide's VM backup, in Rust (its Python is 40 lines):
//!
//! ```no_run
//! use cloudtower_api::CloudTower;
//! use cloudtower_api::types::{ConsistentType, IscsiLunSnapshot, IscsiLunSnapshotWhereInput, VmSnapshot,
//!     VmSnapshotCreationParams, VmSnapshotCreationParamsData, VmSnapshotWhereInput, VmToolsStatus, VmWhereInput};
//!
//! async fn create_vm_snapshot(ct: &CloudTower, vm_name: &str, name: &str, mut consistent_type: ConsistentType)
//!     -> Result<(VmSnapshot, Vec<IscsiLunSnapshot>), Box<dyn std::error::Error>> {
//!     let vm = ct.first(VmWhereInput::by_name(vm_name)).await?.ok_or("no such VM")?;
//!     if vm.vm_tools_status != VmToolsStatus::Running && consistent_type == ConsistentType::FileSystemConsistent {
//!         consistent_type = ConsistentType::CrashConsistent;
//!     }
//!     let data = VmSnapshotCreationParamsData::builder().vm_id(vm.id).name(name).consistent_type(consistent_type);
//!     let created = ct.create_vm_snapshot(VmSnapshotCreationParams::builder().data(vec![data.try_into()?])).await?;
//!     ct.wait(&created).await?;
//!     let snapshot = ct.first(VmSnapshotWhereInput::by_id(&created[0].data.id)).await?.ok_or("no snapshot")?;
//!     let names = snapshot.lun_snapshot_names();
//!     let lun_snapshots = ct.get_iscsi_lun_snapshots(IscsiLunSnapshotWhereInput::by_names(names)).await?;
//!     Ok((snapshot, lun_snapshots))
//! }
//! ```
//!
//! A Python dict body translates line for line:
//!
//! ```no_run
//! # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
//! use serde_json::json;
//! let created = ct.create_vm([json!({
//!     "cluster_id": "cluster_id", "name": "vm_name", "ha": true, "cpu_cores": 4, "cpu_sockets": 4,
//!     "memory": 4u64 << 30, "vcpu": 16, "status": "STOPPED", "firmware": "BIOS",
//!     "vm_nics": [{"connect_vlan_id": "vlan_id"}],
//!     "vm_disks": {"mount_cd_roms": [{"boot": 0, "index": 0}]}
//! })]).await?;
//! ct.wait(&created).await?;
//! # Ok(()) }
//! ```

use std::fmt::Display;

use cloud_common::{Runtime, ServerMessage};

pub use cloud_common::{
    CallOptions, ClientConfig, Error, ErrorKind, RawRequest, RawResponse, RetryPolicy, Secret,
    WaitOptions,
};

// The hand-written methods that call generated operations (the async
// wrappers, the `Compute` impl, the list requests) are `#[inline]`, as the
// generated code is: a debug build then compiles each, with the request
// and response (de)serialisation it instantiates, only in a crate that
// calls it (see the repository's `docs/performance.md`, "Build cost").
mod auth;
/// Every compiled operation by `operationId` with a JSON body, for tests
/// driven by the spec (features `mock` and `json-bodies`).
#[cfg(all(feature = "mock", feature = "json-bodies"))]
pub mod by_id;
pub mod compute;
/// GPU offers need the features of every record they read and create.
#[cfg(all(
    any(feature = "vm", feature = "default-operations"),
    any(feature = "gpu-device", feature = "default-operations"),
    any(feature = "host", feature = "default-operations"),
    any(feature = "vm-template", feature = "default-operations"),
    any(
        feature = "content-library-vm-template",
        feature = "default-operations"
    )
))]
pub mod offers;
pub mod query;
pub mod tasks;
pub mod version;
pub mod workflows;

#[cfg(test)]
mod fake_drift;

pub use compute::STATES;
#[cfg(any(feature = "vm", feature = "default-operations"))]
pub use compute::{neutral_state, summary};
pub use query::ListRequest;
pub use tasks::{TaskId, TaskReport, TaskWait};
pub use types::{ContentLanguage, UserSource};
pub use version::{Version, VersionTooOld, since};
#[cfg(any(feature = "vm", feature = "default-operations"))]
pub use workflows::FromTemplate;

cloud_common::generated_client!("cloudtower");

impl ServerMessage for types::ErrorBody {
    fn server_message(&self) -> Option<String> {
        Some(match &self.code {
            Some(code) => format!("{} ({code})", self.message),
            None => self.message.clone(),
        })
    }
}

/// The provider name used in errors and traces.
pub const PROVIDER: &str = "cloudtower";

/// The crate's user agent: `cloudtower-api/<version>`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

type Result<T> = std::result::Result<T, Error>;

cloud_common::client_shell! {
    /// A CloudTower client: a base URL (`http(s)://<tower>/v2/api`; every
    /// CloudTower is on-premises, so there is no default) and a token
    /// (from [`CloudTower::login`], or an API key).
    ///
    /// Cheap to clone. `Debug` shows no token: it is a [`Secret`], and the
    /// runtime marks the `authorization` header sensitive.
    ///
    /// ```
    /// use cloudtower_api::CloudTower;
    /// let ct = CloudTower::new("http://127.0.0.1:8080/v2/api", "tok-123").unwrap();
    /// assert!(!format!("{ct:?}").contains("tok-123"));
    /// assert_eq!(ct.token().expose(), "tok-123");
    /// ```
    pub struct CloudTower {
        provider: PROVIDER,
        user_agent: USER_AGENT,
        native: generated::Client,
        operations: generated::OPERATIONS,
        credentials: Secret => auth::authorize,
        extra: {
            /// How `wait` (and the `Compute` facade) waits for tasks.
            task_wait: TaskWait,
            /// Whether operations are checked against the server's
            /// release, and that release once asked (see [`version`]).
            version_check: version::VersionCheck,
        },
    }
}

impl CloudTower {
    /// `POST /login`, then a client holding the token it returned.
    ///
    /// `config` is a base URL or a [`ClientConfig`]; `source` is usually
    /// [`UserSource::Local`] (what the Python SDK sends), or `None` to leave
    /// it out. The login request carries no `authorization` header. For LDAP
    /// (`source: AUTHN` plus `auth_config_id`) use [`CloudTower::login_with`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::{CloudTower, UserSource};
    /// let ct = CloudTower::login("http://192.168.96.133/v2/api", "admin", "password", UserSource::Local).await?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub async fn login(
        config: impl Into<ClientConfig>,
        username: impl Into<String>,
        password: impl Into<Secret>,
        source: impl Into<Option<UserSource>>,
    ) -> Result<Self> {
        let input = types::LoginInput::builder()
            .username(username.into())
            .password(password.into())
            .source(source.into());
        Self::login_with(config, input).await
    }

    /// [`CloudTower::login`] with a whole [`types::LoginInput`] (or its
    /// builder), e.g. to set `auth_config_id` or `mfa_type`.
    pub async fn login_with<B>(config: impl Into<ClientConfig>, input: B) -> Result<Self>
    where
        B: TryInto<types::LoginInput>,
        B::Error: Display,
    {
        let config = config.into();
        let http = config.http_client(PROVIDER, USER_AGENT)?;
        let runtime = Runtime::new(PROVIDER, generated::OPERATIONS, &config);
        let anonymous = generated::Client::new_with_client(config.base_url(), http, runtime);
        let request = anonymous.login().body(input);
        let response = anonymous
            .inner
            .call(generated::operation_ids::LOGIN, request.send())
            .await?;
        Self::with_config(config, response.data.token)
    }

    /// The token this client sends (to store it; tokens do not expire).
    pub fn token(&self) -> &Secret {
        self.credentials()
    }

    /// A copy of this client that sends `content-language: <language>`
    /// (`en-US` or `zh-CN`: the language of alert texts and messages), or
    /// none with `None`. Cheap, so it also serves as a per-request override:
    /// `ct.with_language(ContentLanguage::ZhCn)?.get_alerts(..)`. A value
    /// that cannot be a header is an [`ErrorKind::InvalidRequest`] error.
    ///
    /// ```
    /// use cloudtower_api::{CloudTower, ContentLanguage};
    /// let ct = CloudTower::new("http://127.0.0.1:8080/v2/api", "tok").unwrap()
    ///     .with_language(ContentLanguage::EnUs).unwrap();
    /// assert_eq!(ct.language(), Some(ContentLanguage::EnUs));
    /// assert_eq!(ct.with_language(None).unwrap().language(), None);
    /// ```
    pub fn with_language(&self, language: impl Into<Option<ContentLanguage>>) -> Result<Self> {
        let language = language.into();
        self.map_runtime(|rt| {
            rt.with_default_header(
                auth::CONTENT_LANGUAGE,
                language.as_ref().map(|l| l.as_str()),
            )
        })
    }

    /// The `content-language` this client sends, if any.
    pub fn language(&self) -> Option<ContentLanguage> {
        self.runtime()
            .default_header(auth::CONTENT_LANGUAGE)
            .map(ContentLanguage::from)
    }

    /// A copy of this client whose [`CloudTower::wait`] (and the [`Compute`]
    /// facade) waits for tasks this way.
    ///
    /// [`Compute`]: cloud_common::Compute
    pub fn with_task_wait(&self, task_wait: TaskWait) -> Self {
        Self {
            task_wait,
            ..self.clone()
        }
    }

    /// How [`CloudTower::wait`] waits for tasks.
    pub fn task_wait(&self) -> &TaskWait {
        &self.task_wait
    }
}

/// Converts every element of an array body, or names the first that fails.
// Unused when no operation with an array body is compiled (tag features).
#[allow(dead_code)]
fn collect<T, I>(operation: &'static str, items: I) -> Result<Vec<T>>
where
    I: IntoIterator,
    I::Item: TryInto<T>,
    <I::Item as TryInto<T>>::Error: Display,
{
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            item.try_into().map_err(|e| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    PROVIDER,
                    operation,
                    format!("element {i} of the body: {e}"),
                )
            })
        })
        .collect()
}

/// One method per operation of the spec, expanded from its operation table
/// (`generated::for_each_operation!`), so adding an operation to the spec
/// adds its method:
///
/// - an object body: the method takes the typed body, its builder, a
///   `serde_json::Value` (feature `json-bodies`), or anything else that
///   converts into the body (a where-input, for reads and `{where}`
///   mutations);
/// - an array body (the creates): anything iterable whose items convert
///   into the element type, one element per resource, answered in order;
/// - `login` is [`CloudTower::login`], which needs no token.
macro_rules! operation_methods {
    ($($row:tt)*) => {
        $(operation_method! $row)*
    };
}

macro_rules! operation_method {
    { method: login, $($rest:tt)* } => {};
    { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [::std::vec::Vec<$item:ty>], ok: $ok:ty, } => {
        impl CloudTower {
            #[doc = $doc]
            ///
            /// Takes the elements of the body: each a typed value, its
            /// builder or (feature `json-bodies`) a `serde_json::Value`. An
            /// element with a missing or wrong field is an
            /// [`ErrorKind::InvalidRequest`] error naming it, and nothing is
            /// sent.
            pub async fn $method<I>(&self, items: I) -> Result<$ok>
            where
                I: IntoIterator,
                I::Item: TryInto<$item>,
                <I::Item as TryInto<$item>>::Error: Display,
            {
                let body = collect($id, items)?;
                self.checked(self.client.$method().body(body)).await
            }
        }
    };
    { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [$body:ty], ok: $ok:ty, } => {
        impl CloudTower {
            #[doc = $doc]
            ///
            /// Takes the typed body, its builder, a `serde_json::Value` (feature
            /// `json-bodies`; checked against the typed body before anything
            /// is sent), or, for reads and `{where}` mutations, just a
            /// where-input.
            ///
            /// The body is converted at the call, so the future returned
            /// holds no copy of it.
            pub fn $method<B>(&self, body: B) -> impl Future<Output = Result<$ok>> + Send + '_
            where
                B: TryInto<$body>,
                B::Error: Display,
            {
                self.checked(self.client.$method().body(body))
            }
        }
    };
    { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [], ok: $ok:ty, } => {
        impl CloudTower {
            #[doc = $doc]
            pub fn $method(&self) -> impl Future<Output = Result<$ok>> + Send + '_ {
                self.checked(self.client.$method())
            }
        }
    };
}

generated::for_each_operation!(operation_methods);
