//! Rust client for the SmartX CloudTower operation API (`/v2/api`),
//! generated from `specs/cloudtower.yaml` (a curated subset of the official
//! CloudTower 4.6.0 document: login, VMs, tasks, alerts, clusters, hosts,
//! disks, VM and iSCSI LUN snapshots).
//!
//! [`CloudTower`] wraps the generated [`generated::Client`] (never edited by
//! hand). It sends the token raw in `authorization` (no `Bearer`), the
//! `content-language` header when one is chosen, and returns the shared
//! [`Error`], with the server's `message` (and `code`, e.g.
//! `ResourceLocked`) for 400/404/500 replies.
//!
//! What the generator cannot know is added here:
//! - [`CloudTower::login`] obtains a token; the token is a [`Secret`].
//! - `content-language`: a client default and a per-request override
//!   ([`CloudTower::with_language`]).
//! - Every operation is a method taking its typed body, its builder, a
//!   `serde_json::Value` (checked against the typed body before it is
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
//!     let data = vec![VmSnapshotCreationParamsData { vm_id: vm.id, name: name.into(), consistent_type: Some(consistent_type) }];
//!     let created = ct.create_vm_snapshot(VmSnapshotCreationParams { data }).await?;
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
    CallOptions, ClientConfig, Error, ErrorKind, RetryPolicy, Secret, WaitOptions,
};

pub mod compute;
pub mod query;
pub mod tasks;

pub use compute::{neutral_state, summary};
pub use query::ListRequest;
pub use tasks::{DEFAULT_CHUNK, TaskId, TaskReport, TaskWait};
pub use types::{ContentLanguage, UserSource};

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

/// A CloudTower client: a base URL (`http(s)://<tower>/v2/api`; every
/// CloudTower is on-premises, so there is no default) and a token.
///
/// Cheap to clone. `Debug` shows no token: it is a [`Secret`], and the
/// runtime marks the `authorization` header sensitive.
#[derive(Clone, Debug)]
pub struct CloudTower {
    client: generated::Client,
    token: Secret,
    language: Option<ContentLanguage>,
    options: CallOptions,
    task_wait: TaskWait,
}

/// Starts a generated request builder with the client's `content-language`.
macro_rules! request {
    ($self:ident . $op:ident ()) => {
        match &$self.language {
            Some(language) => $self.client.$op().content_language(language.clone()),
            None => $self.client.$op(),
        }
    };
}

impl CloudTower {
    /// A client for the CloudTower at `base_url` (e.g.
    /// `http://192.168.96.133/v2/api`) with a token from [`CloudTower::login`]
    /// or an API key, and default timeouts and retries.
    ///
    /// ```
    /// use cloudtower_api::CloudTower;
    /// let ct = CloudTower::new("http://127.0.0.1:8080/v2/api", "tok-123").unwrap();
    /// assert!(!format!("{ct:?}").contains("tok-123"));
    /// assert_eq!(ct.token().expose(), "tok-123");
    /// ```
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Result<Self> {
        Self::with_config(token, ClientConfig::new(base_url))
    }

    /// A client with explicit settings (base URL, timeouts, retries).
    pub fn with_config(token: impl Into<Secret>, config: ClientConfig) -> Result<Self> {
        let http = config.http_client(PROVIDER, USER_AGENT)?;
        let runtime = Runtime::new(PROVIDER, generated::OPERATIONS, &config);
        Ok(Self::authorized(&config, http, runtime, token.into()))
    }

    fn authorized(
        config: &ClientConfig,
        http: reqwest::Client,
        runtime: Runtime,
        token: Secret,
    ) -> Self {
        let runtime = runtime.with_header("authorization", token.clone());
        Self {
            client: generated::Client::new_with_client(config.base_url(), http, runtime),
            token,
            language: None,
            options: CallOptions::default(),
            task_wait: TaskWait::default(),
        }
    }

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
        let anonymous =
            generated::Client::new_with_client(config.base_url(), http.clone(), runtime.clone());
        let request = anonymous.login().body(input);
        let response = runtime
            .call("Login", &CallOptions::default(), request.send())
            .await?;
        Ok(Self::authorized(
            &config,
            http,
            runtime,
            response.data.token,
        ))
    }

    /// The token this client sends (to store it; tokens do not expire).
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// A copy of this client that sends `content-language: <language>`
    /// (`en-US` or `zh-CN`: the language of alert texts and messages), or
    /// none with `None`. Cheap, so it also serves as a per-request override:
    /// `ct.with_language(ContentLanguage::ZhCn).get_alerts(..)`.
    ///
    /// ```
    /// use cloudtower_api::{CloudTower, ContentLanguage};
    /// let ct = CloudTower::new("http://127.0.0.1:8080/v2/api", "tok").unwrap()
    ///     .with_language(ContentLanguage::EnUs);
    /// assert_eq!(ct.language(), Some(&ContentLanguage::EnUs));
    /// assert_eq!(ct.with_language(None).language(), None);
    /// ```
    pub fn with_language(&self, language: impl Into<Option<ContentLanguage>>) -> Self {
        Self {
            language: language.into(),
            ..self.clone()
        }
    }

    /// The `content-language` this client sends, if any.
    pub fn language(&self) -> Option<&ContentLanguage> {
        self.language.as_ref()
    }

    /// A copy of this client whose calls use `options` (timeout, retry
    /// opt-in or opt-out).
    pub fn with_options(&self, options: CallOptions) -> Self {
        Self {
            options,
            ..self.clone()
        }
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

    /// The generated client, for anything this layer does not cover. It
    /// runs through the same runtime (authentication, retries, timeouts,
    /// tracing), but you set `content-language` yourself.
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
                progenitor_client::Error<types::ErrorBody>,
            >,
        >,
    {
        self.client.inner.call(operation, &self.options, fut)
    }

    /// `POST /create-vm`: creates one blank VM per element (each a
    /// [`types::VmCreationParams`] or its builder), returning one
    /// `WithTask_Vm_` per VM, in order. A builder with a missing field is an
    /// [`ErrorKind::InvalidRequest`] error, and nothing is sent.
    pub async fn create_vm<I>(&self, vms: I) -> Result<Vec<types::WithTaskVm>>
    where
        I: IntoIterator,
        I::Item: TryInto<types::VmCreationParams>,
        <I::Item as TryInto<types::VmCreationParams>>::Error: Display,
    {
        let body = collect("CreateVm", vms)?;
        self.call("CreateVm", request!(self.create_vm()).body(body).send())
            .await
    }

    /// `POST /create-vm-from-template`: clones one VM per element (each a
    /// [`types::VmCreateVmFromTemplateParams`] or its builder), returning one
    /// `WithTask_Vm_` per VM, in order.
    pub async fn create_vm_from_template<I>(&self, vms: I) -> Result<Vec<types::WithTaskVm>>
    where
        I: IntoIterator,
        I::Item: TryInto<types::VmCreateVmFromTemplateParams>,
        <I::Item as TryInto<types::VmCreateVmFromTemplateParams>>::Error: Display,
    {
        let body = collect("CreateVmFromTemplate", vms)?;
        let request = request!(self.create_vm_from_template()).body(body);
        self.call("CreateVmFromTemplate", request.send()).await
    }
}

/// Converts every element of an array body, or names the first that fails.
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

/// One method per operation whose body is an object: it takes the typed
/// body, its builder, or anything that converts into the body (a
/// where-input, for reads and `{where}` mutations).
macro_rules! operations {
    ($($(#[$doc:meta])* $op:ident($id:literal, $body:ident) -> $ret:ty;)*) => {
        impl CloudTower {
            $(
                $(#[$doc])*
                // Not an `async fn`: the body is converted when the method is
                // called, so the future holds neither the body (a where-input
                // alone is 2 KB) nor the request builder, only a box.
                pub fn $op<B>(&self, body: B) -> impl Future<Output = Result<$ret>> + use<'_, B>
                where
                    B: TryInto<types::$body>,
                    B::Error: Display,
                {
                    self.call($id, request!(self.$op()).body(body).send())
                }
            )*
        }
    };
}

operations! {
    /// `POST /get-vms`: the VMs matching `where` (a bare array; page with
    /// `first`/`skip`/`after` or use [`CloudTower::pages`]).
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::types::{GetVmsRequestBody, VmStatus, VmWhereInput};
    /// let all = ct.get_vms(GetVmsRequestBody::default()).await?;
    /// let page = ct.get_vms(GetVmsRequestBody::builder().first(50).skip(50)).await?;
    /// let running = ct.get_vms(VmWhereInput { status: Some(VmStatus::Running), ..Default::default() }).await?;
    /// # Ok(()) }
    /// ```
    get_vms("GetVms", GetVmsRequestBody) -> Vec<types::Vm>;
    /// `POST /get-vms-connection`: how many VMs match `where`
    /// (`aggregate.count`).
    get_vms_connection("GetVmsConnection", GetVmsConnectionRequestBody) -> types::VmConnection;
    /// `POST /update-vm-basic-info`: name, description, HA, CPU and memory.
    update_vm("UpdateVm", VmUpdateParams) -> Vec<types::WithTaskVm>;
    /// `POST /add-vm-cd-rom`.
    add_vm_cd_rom("AddVmCdRom", VmAddCdRomParams) -> Vec<types::WithTaskVm>;
    /// `POST /remove-vm-cd-rom`.
    remove_vm_cd_rom("RemoveVmCdRom", VmRemoveCdRomParams) -> Vec<types::WithTaskVm>;
    /// `POST /add-vm-disk`: mounts existing volumes or new ones.
    add_vm_disk("AddVmDisk", VmAddDiskParams) -> Vec<types::WithTaskVm>;
    /// `POST /remove-vm-disk`.
    remove_vm_disk("RemoveVmDisk", VmRemoveDiskParams) -> Vec<types::WithTaskVm>;
    /// `POST /add-vm-nic`.
    add_vm_nic("AddVmNic", VmAddNicParams) -> Vec<types::WithTaskVm>;
    /// `POST /update-vm-nic` (one `nic_index`).
    update_vm_nic("UpdateVmNic", VmUpdateNicParams) -> Vec<types::WithTaskVm>;
    /// `POST /remove-vm-nic` (a list of `nic_index`).
    remove_vm_nic("RemoveVmNic", VmRemoveNicParams) -> Vec<types::WithTaskVm>;
    /// `POST /migrate-vm`: to `data.host_id`, or where the scheduler puts
    /// it (pass just a where-input).
    migrate_vm("MigrateVm", VmMigrateParams) -> Vec<types::WithTaskVm>;
    /// `POST /start-vm`: on `data.host_id`, or where the scheduler puts it
    /// (pass just a where-input).
    start_vm("StartVm", VmStartParams) -> Vec<types::WithTaskVm>;
    /// `POST /shutdown-vm`: asks the guest OS to shut down.
    shut_down_vm("ShutDownVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /poweroff-vm`: cuts the power (the 1.x SDK's
    /// `force_shut_down_vm`).
    poweroff_vm("PoweroffVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /restart-vm`: asks the guest OS to reboot.
    restart_vm("RestartVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /force-restart-vm`: resets the VM.
    force_restart_vm("ForceRestartVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /suspend-vm`.
    suspend_vm("SuspendVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /resume-vm`.
    resume_vm("ResumeVm", VmOperateParams) -> Vec<types::WithTaskVm>;
    /// `POST /move-vm-to-recycle`: one `{task_id, data: {id}}` per VM.
    move_vm_to_recycle_bin("MoveVmToRecycleBin", VmOperateParams) -> Vec<types::WithTaskDeleteVm>;
    /// `POST /recover-vm-from-recycle`: one `{task_id, data: {id}}` per VM.
    recover_vm_from_recycle_bin("RecoverVmFromRecycleBin", VmOperateParams) -> Vec<types::WithTaskDeleteVm>;
    /// `POST /delete-vm`: deletes permanently (`effect.include_snapshots`
    /// deletes the snapshots too).
    delete_vm("DeleteVm", VmDeleteParams) -> Vec<types::WithTaskDeleteVm>;
    /// `POST /get-tasks`. To wait for tasks, use [`CloudTower::wait_tasks`].
    get_tasks("GetTasks", GetTasksRequestBody) -> Vec<types::Task>;
    /// `POST /get-alerts` (texts in the client's `content-language`).
    get_alerts("GetAlerts", GetAlertsRequestBody) -> Vec<types::Alert>;
    /// `POST /get-clusters`.
    get_clusters("GetClusters", GetClustersRequestBody) -> Vec<types::Cluster>;
    /// `POST /get-hosts`.
    get_hosts("GetHosts", GetHostsRequestBody) -> Vec<types::Host>;
    /// `POST /get-disks`: physical disks (filter by cluster through
    /// `host: {cluster: ...}`).
    get_disks("GetDisks", GetDisksRequestBody) -> Vec<types::Disk>;
    /// `POST /create-vm-snapshot`: `{data: [{vm_id, name, consistent_type}]}`.
    create_vm_snapshot("CreateVmSnapshot", VmSnapshotCreationParams) -> Vec<types::WithTaskVmSnapshot>;
    /// `POST /get-vm-snapshots`.
    get_vm_snapshots("GetVmSnapshots", GetVmSnapshotsRequestBody) -> Vec<types::VmSnapshot>;
    /// `POST /get-iscsi-lun-snapshots` (the data of VM snapshots' disks,
    /// found by name: see [`types::VmSnapshot::lun_snapshot_names`]).
    get_iscsi_lun_snapshots("GetIscsiLunSnapshots", GetIscsiLunSnapshotsRequestBody) -> Vec<types::IscsiLunSnapshot>;
}

/// `TryFrom<serde_json::Value>` for request bodies: a Python SDK dict
/// translates line for line with `json!`, and is still checked against the
/// typed body (unknown filter keys included) before anything is sent.
macro_rules! from_json {
    ($($ty:ident),*) => {$(
        impl TryFrom<serde_json::Value> for types::$ty {
            type Error = serde_json::Error;

            /// Reads the body from JSON, as the spec describes it.
            fn try_from(value: serde_json::Value) -> std::result::Result<Self, Self::Error> {
                serde_json::from_value(value)
            }
        }
    )*};
}

from_json!(
    LoginInput,
    GetVmsRequestBody,
    GetVmsConnectionRequestBody,
    VmCreationParams,
    VmCreateVmFromTemplateParams,
    VmUpdateParams,
    VmAddCdRomParams,
    VmRemoveCdRomParams,
    VmAddDiskParams,
    VmRemoveDiskParams,
    VmAddNicParams,
    VmUpdateNicParams,
    VmRemoveNicParams,
    VmMigrateParams,
    VmStartParams,
    VmOperateParams,
    VmDeleteParams,
    GetTasksRequestBody,
    GetAlertsRequestBody,
    GetClustersRequestBody,
    GetHostsRequestBody,
    GetDisksRequestBody,
    VmSnapshotCreationParams,
    GetVmSnapshotsRequestBody,
    GetIscsiLunSnapshotsRequestBody
);
