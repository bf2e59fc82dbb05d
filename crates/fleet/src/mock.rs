//! Embedded mocks: one local server per provider whose instance goes from
//! stopped, through a transitional state, to running after a start.

use httpmock::MockServer;
use serde_json::{Value, json};

/// A started mock and the instance id the scenario acts on.
pub struct Mock {
    /// The server; keep it alive while the client is used.
    pub server: MockServer,
    /// The instance the scenario starts, stops and deletes.
    pub instance_id: String,
}

/// Serves `before` for the first `n` reads of `path`, then `after`: an
/// instance that changes state while it is polled.
pub fn detail(
    server: &MockServer,
    method: &str,
    path: &str,
    before: Value,
    n: usize,
    after: Value,
) {
    server.mock(|when, then| {
        when.method(method).path(path);
        then.status(200).json_body(before).up_to_n_times(n);
    });
    server.mock(|when, then| {
        when.method(method).path(path);
        then.status(200).json_body(after);
    });
}

/// A TensorDock v0 mock with one stopped VM.
pub fn tensordock() -> Mock {
    let server = MockServer::start();
    let id = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    let vm = |status: &str| {
        json!({"name": "trainer-1", "status": status, "hostname": "203.0.113.7",
               "specs": {"gpu": {"amount": 1, "type": "geforcertx4090-pcie-24gb"}, "vcpus": 8, "ram": 32, "storage": 100}})
    };
    server.mock(|when, then| {
        when.method("POST").path("/client/list");
        then.status(200)
            .json_body(json!({"success": true, "virtualmachines": {id: vm("Stopped")}}));
    });
    detail(
        &server,
        "POST",
        "/client/get/single",
        json!({"success": true, "virtualmachines": vm("Starting")}),
        1,
        json!({"success": true, "virtualmachines": vm("Running")}),
    );
    for path in [
        "/client/start/single",
        "/client/stop/single",
        "/client/delete/single",
    ] {
        server.mock(|when, then| {
            when.method("POST")
                .path(path)
                .form_urlencoded_tuple("server", id);
            then.status(200).json_body(json!({"success": true}));
        });
    }
    Mock {
        server,
        instance_id: id.to_string(),
    }
}

/// A TensorDock v2 mock with one stopped instance.
pub fn tensordock_v2() -> Mock {
    let server = MockServer::start();
    let id = "468b716a-6747-4cbe-9f13-afc153a21c14";
    let instance = |status: &str| {
        json!({"type": "virtualmachine", "id": id, "name": "trainer-2", "status": status,
               "ipAddress": "174.94.145.71", "portForwards": [{"internal_port": 22, "external_port": 20456}],
               "resources": {"vcpu_count": 8, "ram_gb": 32, "storage_gb": 200,
                             "gpus": {"geforcertx4090-pcie-24gb": {"count": 1, "v0Name": "geforcertx4090-pcie-24gb"}}},
               "rateHourly": 0.273})
    };
    server.mock(|when, then| {
        when.method("GET").path("/instances");
        then.status(200).json_body(json!({"data": {"instances": [
            {"type": "VM", "id": id, "attributes": {"name": "trainer-2", "status": "stopped"}}
        ]}}));
    });
    detail(
        &server,
        "GET",
        &format!("/instances/{id}"),
        instance("starting"),
        1,
        instance("running"),
    );
    for (action, status) in [("start", "starting"), ("stop", "stopping")] {
        server.mock(|when, then| {
            when.method("POST")
                .path(format!("/instances/{id}/{action}"));
            then.status(200).json_body(
                json!({"data": {"type": "instance", "id": id, "attributes": {"status": status}}}),
            );
        });
    }
    server.mock(|when, then| {
        when.method("DELETE").path(format!("/instances/{id}"));
        then.status(200)
            .json_body(json!({"data": {"type": "success",
            "attributes": {"message": "Instance deleted successfully"}}}));
    });
    Mock {
        server,
        instance_id: id.to_string(),
    }
}

/// A Neolink mock with one shut-down instance in cluster `host-cluster`.
pub fn neolink() -> Mock {
    let server = MockServer::start();
    let (cluster, name) = ("host-cluster", "instance-4ca9xxxx");
    let instance = |status: &str| {
        json!({"name": name, "displayName": "notebook", "status": status, "Region": cluster,
               "resources": {"cpu": "16", "memory": "96Gi", "GPUNum": "1", "GPUType": "4090"}})
    };
    server.mock(|when, then| {
        when.method("GET")
            .path(format!("/clusters/{cluster}/instances"));
        then.status(200).json_body(
            json!({"hasNextPage": false, "nodes": [instance("Shutdown")], "totalCount": 1}),
        );
    });
    detail(
        &server,
        "GET",
        &format!("/clusters/{cluster}/instances/{name}"),
        instance("Creating"),
        1,
        instance("Running"),
    );
    for action in ["power_on", "power_off"] {
        server.mock(|when, then| {
            when.method("POST")
                .path(format!("/clusters/{cluster}/instances/{name}/{action}"));
            then.status(200).json_body(json!("ok"));
        });
    }
    server.mock(|when, then| {
        when.method("DELETE")
            .path(format!("/clusters/{cluster}/instances"))
            .query_param("name", name);
        then.status(200).json_body(json!("ok"));
    });
    Mock {
        server,
        instance_id: name.to_string(),
    }
}

/// The cluster the Neolink mock serves.
pub const NEOLINK_MOCK_CLUSTER: &str = "host-cluster";

/// The VM the CloudTower fake holds (the id of the spec's examples).
pub const CLOUDTOWER_FAKE_VM: &str = "cl2k1yswo1ifg0822ruv6ylfp";

/// A CloudTower fake (`cloudtower_api::fake`) with one stopped VM,
/// [`CLOUDTOWER_FAKE_VM`] (`web-01`, 4 vCPUs), on a host of a cluster. The
/// fake keeps state: a start runs a task that leaves the VM running, a
/// delete removes it.
pub fn cloudtower() -> Result<cloudtower_api::fake::Fake, cloudtower_api::fake::FakeError> {
    use cloudtower_api::types::VmStatus;
    let fake = cloudtower_api::fake::Fake::start_blocking()?;
    // The token `fleet --fake cloudtower <operation>` sends.
    fake.add_token("fake-token");
    let cluster = fake.add_cluster("cluster-prod-01");
    let host = fake.add_host(&cluster, "node-13-41");
    let vm = cloudtower_api::fake::fixtures::vm(CLOUDTOWER_FAKE_VM, "web-01", VmStatus::Stopped);
    let mut vm = serde_json::to_value(vm).unwrap_or(Value::Null);
    vm["host"] = json!({"id": host});
    vm["cluster"] = json!({"id": cluster});
    fake.insert("Vm", vm);
    Ok(fake)
}
