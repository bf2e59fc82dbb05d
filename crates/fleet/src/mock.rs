//! Embedded fakes: one local server per provider, seeded with the
//! instance the demo acts on. TensorDock and Neolink are the crates'
//! stateful fakes (feature `fake`); CloudTower is a scripted mock.

use httpmock::MockServer;
pub use neolink_api::fake::FakeError;
use serde_json::{Value, json};

/// A started mock and the instance id the scenario acts on.
pub struct Mock {
    /// The server; keep it alive while the client is used.
    pub server: MockServer,
    /// The instance the scenario starts, stops and deletes.
    pub instance_id: String,
}

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

/// A TensorDock v0 fake with one stopped VM, `trainer-1`.
pub fn tensordock() -> Result<Seeded<tensordock_api::v0::fake::Fake>, FakeError> {
    let fake = tensordock_api::v0::fake::Fake::start_blocking()?;
    fake.set_credentials(FAKE_KEY, FAKE_TOKEN);
    let id = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    fake.add_vm_with_id(id, "trainer-1", "Stopped");
    Ok(Seeded {
        fake,
        instance_id: id.to_string(),
    })
}

/// A TensorDock v2 fake with one instance, `trainer-2`, seeded while it
/// boots (`starting`): every one-shot command (`start`, `stop`, `wait
/// --state running`) then has something to act on in a fresh fake.
pub fn tensordock_v2() -> Result<Seeded<tensordock_api::v2::fake::Fake>, FakeError> {
    let fake = tensordock_api::v2::fake::Fake::start_blocking()?;
    fake.set_token(FAKE_TOKEN);
    let id = "468b716a-6747-4cbe-9f13-afc153a21c14";
    fake.add_instance_with_id(id, "trainer-2", "starting");
    Ok(Seeded {
        fake,
        instance_id: id.to_string(),
    })
}

/// A Neolink fake with one shut-down instance, `notebook` (named
/// `instance-4ca9xxxx`, as in the spec's examples), in cluster
/// [`NEOLINK_MOCK_CLUSTER`].
pub fn neolink() -> Result<Seeded<neolink_api::fake::Fake>, FakeError> {
    let fake = neolink_api::fake::Fake::start_blocking()?;
    fake.set_token(FAKE_TOKEN);
    let name = "instance-4ca9xxxx";
    fake.add_instance_named(NEOLINK_MOCK_CLUSTER, name, "notebook", "Shutdown");
    Ok(Seeded {
        fake,
        instance_id: name.to_string(),
    })
}

/// The cluster the Neolink fake serves.
pub const NEOLINK_MOCK_CLUSTER: &str = neolink_api::fake::CLUSTER;

/// A CloudTower mock with one stopped VM; its mutations return tasks that
/// `get-tasks` reports as finished.
pub fn cloudtower() -> Mock {
    let server = MockServer::start();
    let id = "cl2k1yswo1ifg0822ruv6ylfp";
    // The fields the official `Vm` schema requires, and a few more.
    let vm = |status: &str| {
        json!({"id": id, "name": "web-01", "description": "frontend", "local_id": "3a8e1c4e-6f8c-4b2b-9a2f-0b8f5a3f7f10",
               "status": status, "vcpu": 4, "cpu": {"cores": 2, "sockets": 2}, "cpu_model": "cluster_default",
               "memory": 8589934592u64, "ha": true, "firmware": "BIOS", "clock_offset": "UTC", "in_recycle_bin": false,
               "internal": false, "protected": false, "nested_virtualization": false, "win_opt": false,
               "ips": "192.168.20.31", "node_ip": "192.168.13.41", "out_uninstall_usb": [], "vm_tools_status": "RUNNING"})
    };
    server.mock(|when, then| {
        when.method("POST").path("/get-vms").json_body(json!({}));
        then.status(200).json_body(json!([vm("STOPPED")]));
    });
    let by_id = json!({"where": {"id": id}, "first": 1});
    server.mock(|when, then| {
        when.method("POST")
            .path("/get-vms")
            .json_body(by_id.clone());
        then.status(200)
            .json_body(json!([vm("STOPPED")]))
            .up_to_n_times(1);
    });
    server.mock(|when, then| {
        when.method("POST").path("/get-vms").json_body(by_id);
        then.status(200).json_body(json!([vm("RUNNING")]));
    });
    let tasks: Vec<Value> = ["start", "shutdown", "delete"]
        .iter()
        .map(|t| {
            json!({"id": format!("task-{t}"), "description": t, "internal": false,
                   "local_created_at": "2024-05-09T08:21:32.000Z", "progress": 1.0, "status": "SUCCESSED"})
        })
        .collect();
    for (path, task) in [
        ("/start-vm", "task-start"),
        ("/shutdown-vm", "task-shutdown"),
        ("/delete-vm", "task-delete"),
    ] {
        let data = if path == "/delete-vm" {
            json!({"id": id})
        } else {
            vm("RUNNING")
        };
        server.mock(|when, then| {
            when.method("POST").path(path);
            then.status(200)
                .json_body(json!([{"task_id": task, "data": data}]));
        });
    }
    server.mock(|when, then| {
        when.method("POST").path("/get-tasks");
        then.status(200).json_body(Value::Array(tasks));
    });
    Mock {
        server,
        instance_id: id.to_string(),
    }
}
