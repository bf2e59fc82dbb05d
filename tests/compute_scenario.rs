//! One provider-neutral scenario, written once against `dyn Compute`
//! (list → start → wait until running → stop → delete), run against the
//! fake of every provider.

use std::time::Duration;

use cloud_common::{ClientConfig, Compute, RetryPolicy, WaitOptions};

/// The one scenario (`fleet::scenario`, also the main job's), collecting
/// its steps for the assertions.
async fn scenario(compute: &dyn Compute, id: &str) -> Result<Vec<String>, cloud_common::Error> {
    let mut steps = Vec::new();
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    fleet::scenario(compute, id, wait, |s| steps.push(s)).await?;
    Ok(steps)
}

fn config(base_url: String) -> ClientConfig {
    ClientConfig::new(base_url).retry(RetryPolicy::never())
}

#[tokio::test]
async fn tensordock_runs_the_scenario() {
    use tensordock_fake::v0::{API_KEY, API_TOKEN, Fake};
    let fake = Fake::start().await.unwrap();
    let id = fake.add_vm("vm", "Stopped");
    let td =
        tensordock_api::v0::TensorDock::with_config(config(fake.base_url()), (API_KEY, API_TOKEN))
            .unwrap();
    let steps = scenario(&td, &id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[tensordock] listed 1 instance(s)".to_string(),
            format!("[tensordock]   {id} \"vm\": stopped, 1x geforcertx4090-pcie-24gb"),
            format!("[tensordock] started {id}"),
            format!("[tensordock] {id} is running"),
            format!("[tensordock] stopped {id}"),
            format!("[tensordock] deleted {id}"),
        ]
    );
    let actions: Vec<_> = fake
        .received()
        .into_iter()
        .filter_map(|r| r.operation_id)
        .filter(|op| ["startVm", "stopVm", "deleteVm"].contains(&op.as_str()))
        .collect();
    assert_eq!(
        actions,
        ["startVm", "stopVm", "deleteVm"],
        "each action once"
    );
    assert!(fake.vm_ids().is_empty(), "the VM is gone");
}

#[tokio::test]
async fn tensordock_v2_runs_the_scenario() {
    use tensordock_fake::v2::{Fake, TOKEN};
    let fake = Fake::start().await.unwrap();
    let id = fake.add_instance("trainer-2", "Stopped");
    let td =
        tensordock_api::v2::TensorDock::with_config(config(fake.base_url()).no_rate_limit(), TOKEN)
            .unwrap();
    let steps = scenario(&td, &id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[tensordock] listed 1 instance(s)".to_string(),
            format!("[tensordock]   {id} \"trainer-2\": stopped, 0x no GPU"),
            format!("[tensordock] started {id}"),
            format!("[tensordock] {id} is running"),
            format!("[tensordock] stopped {id}"),
            format!("[tensordock] deleted {id}"),
        ]
    );
    assert!(fake.instance_ids().is_empty(), "the instance is gone");
}

#[tokio::test]
async fn neolink_runs_the_scenario() {
    use neolink_fake::{CLUSTER, Fake, TOKEN};
    let fake = Fake::start().await.unwrap();
    let name = fake.add_instance("trainer", "Shutdown");
    let neolink = neolink_api::Neolink::with_config(config(fake.base_url()), TOKEN).unwrap();
    let compute = neolink.in_cluster(CLUSTER);
    let steps = scenario(&compute, &name).await.expect("scenario");
    assert_eq!(
        steps[1],
        format!("[neolink]   {name} \"trainer\": stopped, 1x 4090")
    );
    assert_eq!(steps[3], format!("[neolink] {name} is running"));
    assert_eq!(steps.len(), 6);
    let actions: Vec<_> = fake
        .received()
        .into_iter()
        .filter_map(|r| r.operation_id)
        .filter(|op| op.starts_with("power") || op == "deleteInstance")
        .collect();
    assert_eq!(
        actions,
        ["powerOnInstance", "powerOffInstance", "deleteInstance"]
    );
    assert!(fake.instance_names().is_empty(), "the instance is gone");
}

#[tokio::test]
async fn cloudtower_runs_the_scenario() {
    use cloudtower_api::types::VmStatus;
    use cloudtower_fake::Fake;
    let fake = Fake::start().await.expect("fake");
    let id = fake.add_vm("web-01", VmStatus::Stopped);
    let ct = fake.client_with(config(String::new())).unwrap();
    let steps = scenario(&ct, &id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[cloudtower] listed 1 instance(s)".to_string(),
            format!("[cloudtower]   {id} \"web-01\": stopped, 0x no GPU"),
            format!("[cloudtower] started {id}"),
            format!("[cloudtower] {id} is running"),
            format!("[cloudtower] stopped {id}"),
            format!("[cloudtower] deleted {id}"),
        ]
    );
    // The fake kept state: the VM is gone, each action ran one task.
    assert!(fake.vms().is_empty());
    let tasks: Vec<String> = fake
        .tasks()
        .into_iter()
        .filter_map(|t| t.resource_mutation)
        .collect();
    assert_eq!(tasks, ["startVm", "shutDownVm", "deleteVm"]);
}

#[tokio::test]
async fn every_provider_fits_in_one_list() {
    // No request is sent: any base URL will do.
    let config = || config("http://127.0.0.1:9".to_string());
    let all: Vec<Box<dyn Compute>> = vec![
        Box::new(tensordock_api::v0::TensorDock::with_config(config(), ("k", "t")).unwrap()),
        Box::new(tensordock_api::v2::TensorDock::with_config(config(), "t").unwrap()),
        Box::new(
            neolink_api::Neolink::with_config(config(), "t")
                .unwrap()
                .in_cluster("c"),
        ),
        Box::new(cloudtower_api::CloudTower::with_config(config(), "t").unwrap()),
    ];
    let names: Vec<_> = all.iter().map(|c| c.provider()).collect();
    assert_eq!(names, ["tensordock", "tensordock", "neolink", "cloudtower"]);
}
