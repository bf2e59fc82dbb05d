//! Embedded fakes: one local server per provider, seeded with the
//! instance the demo acts on and the records the spec examples of
//! `fleet <provider> <operation> --help` name, each in the state its
//! operation needs (a stopped VM to start, a running one to stop, ...).
//! Each is its provider's stateful fake crate (`tensordock-fake`,
//! `neolink-fake`, `cloudtower-fake`), started afresh for every command.

pub use cloud_fake::FakeError;
use serde_json::{Value, json};

/// A started fake and the instance the scenario acts on.
pub struct Seeded<F> {
    /// The fake; keep it alive while the client is used.
    pub fake: F,
    /// The instance the scenario starts, stops and deletes.
    pub instance_id: String,
}

/// The credentials the embedded fakes accept: the CLI's `--fake` clients
/// and spec commands send these.
pub const FAKE_KEY: &str = "fake-key";
/// See [`FAKE_KEY`].
pub const FAKE_TOKEN: &str = "fake-token";

/// A TensorDock v0 fake with one stopped VM, `trainer-1`, and one
/// running, `render-1` ([`TENSORDOCK_RUNNING_VM`]).
pub fn tensordock() -> Result<Seeded<tensordock_fake::v0::Fake>, FakeError> {
    let fake = tensordock_fake::v0::Fake::start_blocking()?;
    let instance_id = seed_tensordock(&fake);
    Ok(Seeded { fake, instance_id })
}

/// Seeds a TensorDock v0 fake as [`tensordock`] does; returns the VM's id.
pub fn seed_tensordock(fake: &tensordock_fake::v0::Fake) -> String {
    fake.set_credentials(FAKE_KEY, FAKE_TOKEN);
    let id = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    fake.add_vm_with_id(id, "trainer-1", "Stopped");
    // A running VM, the one the spec's `stopVm` example stops.
    fake.add_vm_with_id(TENSORDOCK_RUNNING_VM, "render-1", "Running");
    // What the spec's `deployVm` example asks of the hostnode: an RTX 3080
    // (its `listHostnodes` example's model and price) and ports to forward.
    let hostnode = tensordock_fake::v0::HOSTNODE;
    fake.add_gpu_model(hostnode, "geforcertx3080-pcie-10gb", 1, 0.15, 10);
    fake.open_ports(hostnode, &[30117, 30118]);
    // The container deployment the spec's examples name.
    fake.add_container_with_id("9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", 2);
    id.to_string()
}

/// The running VM of the TensorDock v0 fake, `render-1` (the id of the
/// spec's examples).
pub const TENSORDOCK_RUNNING_VM: &str = "cb3c501e-b85c-473d-9ab1-04dbb3e28450";

/// A TensorDock v2 fake with one instance, `trainer-2`, seeded while it
/// boots (`starting`): every one-shot command (`start`, `stop`, `wait
/// --state running`) then has something to act on in a fresh fake; and a
/// stopped one, `finetune-2`.
pub fn tensordock_v2() -> Result<Seeded<tensordock_fake::v2::Fake>, FakeError> {
    let fake = tensordock_fake::v2::Fake::start_blocking()?;
    let instance_id = seed_tensordock_v2(&fake);
    Ok(Seeded { fake, instance_id })
}

/// Seeds a TensorDock v2 fake as [`tensordock_v2`] does; returns the
/// instance's id.
pub fn seed_tensordock_v2(fake: &tensordock_fake::v2::Fake) -> String {
    fake.set_token(FAKE_TOKEN);
    let id = "468b716a-6747-4cbe-9f13-afc153a21c14";
    fake.add_instance_with_id(id, "trainer-2", "starting");
    // A stopped instance, the one the spec's `modifyInstance` example
    // resizes.
    fake.add_instance_with_id(
        "550e8400-e29b-41d4-a716-446655440000",
        "finetune-2",
        "stopped",
    );
    // The secret the spec's examples name (`get-secret`, `delete-secret`).
    fake.add_secret_with_id(
        "550e8400-e29b-41d4-a716-446655440001",
        "deploy-key",
        "ssh-ed25519 AAAAC3Nza example",
    );
    // A second hostnode, so that `fleet --fake gpus` has models to compare.
    fake.add_hostnode("h100-sxm5-80gb", 8, 2.25);
    id.to_string()
}

/// A Neolink fake with one shut-down instance, `notebook` (named
/// `instance-4ca9xxxx`, as in the spec's examples), and two running ones,
/// `test1` (`instance-ccffxxxx`) and `inference` (`instance-3ba5xxxx`), in
/// cluster [`NEOLINK_MOCK_CLUSTER`].
pub fn neolink() -> Result<Seeded<neolink_fake::Fake>, FakeError> {
    let fake = neolink_fake::Fake::start_blocking()?;
    let instance_id = seed_neolink(&fake);
    Ok(Seeded { fake, instance_id })
}

/// Seeds a Neolink fake as [`neolink`] does; returns the instance's name.
pub fn seed_neolink(fake: &neolink_fake::Fake) -> String {
    fake.set_token(FAKE_TOKEN);
    let name = "instance-4ca9xxxx";
    fake.add_instance_named(NEOLINK_MOCK_CLUSTER, name, "notebook", "Shutdown");
    // The running instances the spec's examples name: `deleteInstance`'s
    // (`test1`, as its create example) and `powerOffInstance`'s.
    fake.add_instance_named(
        NEOLINK_MOCK_CLUSTER,
        "instance-ccffxxxx",
        "test1",
        "Running",
    );
    fake.add_instance_named(
        NEOLINK_MOCK_CLUSTER,
        "instance-3ba5xxxx",
        "inference",
        "Running",
    );
    name.to_string()
}

/// The cluster the Neolink fake serves.
pub const NEOLINK_MOCK_CLUSTER: &str = neolink_fake::CLUSTER;

/// The VM the CloudTower fake holds (the id of the spec's examples).
pub const CLOUDTOWER_FAKE_VM: &str = "cl2k1yswo1ifg0822ruv6ylfp";

/// The second stopped VM of the CloudTower fake, `web-02` (the id of the
/// spec's examples).
pub const CLOUDTOWER_FAKE_VM_2: &str = "cl2k1yswo1ifh0822fy0k38sz";

/// The running VM of the CloudTower fake, `web-03` (the id of the spec's
/// power examples).
pub const CLOUDTOWER_RUNNING_VM: &str = "cl2k1yswo1ifj0822q8v3m7ts";

/// The suspended VM of the CloudTower fake, `web-04` (the id of the
/// spec's resume example).
pub const CLOUDTOWER_SUSPENDED_VM: &str = "cl2k1yswo1ifk0822d4n9w2xp";

/// The password of `admin` on the seeded CloudTower fake: the spec's
/// example (`Login`'s), so that its example logs in.
pub const CLOUDTOWER_FAKE_PASSWORD: &str = "ExamplePassword1!";

/// The cluster the CloudTower fake holds (the id of the spec's examples).
pub const CLOUDTOWER_FAKE_CLUSTER: &str = "cl2k0mpoy026n0822xq4ap5tz";

/// The id the CloudTower spec's generated examples give every record
/// (the official document's placeholder); the fake holds an organization
/// with it, so that the examples that name one run.
const CLOUDTOWER_PLACEHOLDER_ID: &str = "ck74rk21wg5lz0786opdnzz5m";

/// The VM template the CloudTower fake holds, for `fleet --fake launch`.
pub const CLOUDTOWER_FAKE_TEMPLATE: &str = "ubuntu-22.04-cuda";

/// The user id the Neolink fake's client sends as its namespace (a create
/// needs one).
pub const NEOLINK_FAKE_NAMESPACE: &str = "fake-user";

/// A CloudTower fake (`cloudtower-fake`) with one stopped VM,
/// [`CLOUDTOWER_FAKE_VM`] (`web-01`, 4 vCPUs), on a host of a cluster
/// with two free A100 GPUs (and beside it `web-02`, stopped, `web-03`,
/// running, and `web-04`, suspended), and a VM template,
/// [`CLOUDTOWER_FAKE_TEMPLATE`]. The fake keeps state: a start runs a task
/// that leaves the VM running, a delete removes it, a launch takes GPUs.
pub fn cloudtower() -> Result<Seeded<cloudtower_fake::Fake>, FakeError> {
    let fake = cloudtower_fake::Fake::start_blocking()?;
    let instance_id = seed_cloudtower(&fake);
    Ok(Seeded { fake, instance_id })
}

/// Seeds a CloudTower fake as [`cloudtower`] does; returns the VM's id.
pub fn seed_cloudtower(fake: &cloudtower_fake::Fake) -> String {
    use cloudtower_api::types::VmStatus;
    fake.add_token(FAKE_TOKEN);
    fake.add_user(cloudtower_fake::DEFAULT_USERNAME, CLOUDTOWER_FAKE_PASSWORD);
    let cluster = fake.insert(
        "Cluster",
        json!({"id": CLOUDTOWER_FAKE_CLUSTER, "name": "cluster-prod-01"}),
    );
    let host = fake.add_host(&cluster, "node-13-41");
    let vm = cloudtower_fake::fixtures::vm(CLOUDTOWER_FAKE_VM, "web-01", VmStatus::Stopped);
    let mut vm = serde_json::to_value(vm).unwrap_or(Value::Null);
    // Relations by id: the fake completes them from its records.
    vm["host"] = json!({"id": host});
    vm["cluster"] = json!({"id": cluster});
    fake.insert("Vm", vm);
    for _ in 0..2 {
        fake.add_gpu_device(&host, "NVIDIA A100 80GB PCIe");
    }
    fake.insert(
        "VmTemplate",
        json!({"name": CLOUDTOWER_FAKE_TEMPLATE, "vcpu": 8, "memory": 32u64 << 30}),
    );
    // Last, so that the ids generated above stay as they were: the
    // records the spec's generated examples name by its placeholder id.
    fake.insert(
        "Organization",
        json!({"id": CLOUDTOWER_PLACEHOLDER_ID, "name": "org-01"}),
    );
    fake.insert(
        "Cluster",
        json!({"id": CLOUDTOWER_PLACEHOLDER_ID, "name": "cluster-dr-01"}),
    );
    fake.insert(
        "ContentLibraryVmTemplate",
        json!({"id": CLOUDTOWER_PLACEHOLDER_ID, "name": "ubuntu-22.04-library"}),
    );
    // The other VMs the spec's power examples name, each with its system
    // disk (after the records above, whose generated ids stay as they
    // were): `web-02`, stopped (started with `web-01`), `web-03`, running
    // (shut down, restarted, suspended) and `web-04`, suspended (resumed;
    // powered off with `web-03`).
    for (id, name, status) in [
        (CLOUDTOWER_FAKE_VM_2, "web-02", VmStatus::Stopped),
        (CLOUDTOWER_RUNNING_VM, "web-03", VmStatus::Running),
        (CLOUDTOWER_SUSPENDED_VM, "web-04", VmStatus::Suspended),
    ] {
        fake.add_vm_with_id(&host, id, name, status);
    }
    // Last too: whatever else a create's example names (a zone topo, a
    // role, ...), so every operation's example runs.
    fake.add_referenced_by_examples();
    CLOUDTOWER_FAKE_VM.to_string()
}
