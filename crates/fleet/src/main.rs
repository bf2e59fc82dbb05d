//! `cargo run -p fleet`: the provider-neutral scenario (list, start, wait
//! until running, stop, delete) on every cloud, step by step.
//!
//! Each provider runs against an embedded mock unless its credentials are
//! set. Against a real API the scenario acts only on an instance you name,
//! because it stops and deletes it:
//!
//! | provider | credentials | instance to act on |
//! |---|---|---|
//! | TensorDock v2 | `TENSORDOCK_TOKEN` | `TENSORDOCK_V2_INSTANCE` |
//! | TensorDock v0 | `TENSORDOCK_API_KEY`, `TENSORDOCK_API_TOKEN` | `TENSORDOCK_INSTANCE` |
//! | Neolink | `NEOLINK_TOKEN` (+ `NEOLINK_NAMESPACE`), `NEOLINK_CLUSTER` | `NEOLINK_INSTANCE` |
//! | CloudTower | `CLOUDTOWER_URL`, `CLOUDTOWER_TOKEN` | `CLOUDTOWER_VM` (a VM id) |
//!
//! With credentials but no instance named, it only lists.

use std::process::ExitCode;

use cloud_common::{ClientConfig, Compute};
use fleet::{demo_wait, mock, scenario};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// One provider to run: its facade, the instance to act on (None: list
/// only), whether it is real, and the mock to keep alive.
struct Target {
    /// Which API, where one provider has two.
    label: &'static str,
    compute: Box<dyn Compute>,
    instance: Option<String>,
    real: bool,
    _mock: Option<mock::Mock>,
}

fn tensordock() -> Result<Target, cloud_common::Error> {
    let label = " v0";
    use tensordock_api::v0::TensorDock;
    if let (Some(key), Some(token)) = (env("TENSORDOCK_API_KEY"), env("TENSORDOCK_API_TOKEN")) {
        return Ok(Target {
            label,
            compute: Box::new(TensorDock::new((key, token))?),
            instance: env("TENSORDOCK_INSTANCE"),
            real: true,
            _mock: None,
        });
    }
    let m = mock::tensordock();
    Ok(Target {
        label,
        compute: Box::new(TensorDock::with_config(
            ClientConfig::new(m.server.base_url()),
            ("mock-key", "mock-token"),
        )?),
        instance: Some(m.instance_id.clone()),
        real: false,
        _mock: Some(m),
    })
}

fn tensordock_v2() -> Result<Target, cloud_common::Error> {
    let label = " v2";
    use tensordock_api::v2::TensorDock;
    if let Some(token) = env("TENSORDOCK_TOKEN") {
        return Ok(Target {
            label,
            compute: Box::new(TensorDock::new(token)?),
            instance: env("TENSORDOCK_V2_INSTANCE"),
            real: true,
            _mock: None,
        });
    }
    let m = mock::tensordock_v2();
    Ok(Target {
        label,
        compute: Box::new(TensorDock::with_config(
            ClientConfig::new(m.server.base_url()),
            "mock-token",
        )?),
        instance: Some(m.instance_id.clone()),
        real: false,
        _mock: Some(m),
    })
}

fn neolink() -> Result<Target, cloud_common::Error> {
    let label = "";
    use neolink_api::Neolink;
    if let Some(token) = env("NEOLINK_TOKEN") {
        let mut client = Neolink::new(token)?;
        if let Some(ns) = env("NEOLINK_NAMESPACE") {
            client = client.with_namespace(ns)?;
        }
        let cluster = env("NEOLINK_CLUSTER").unwrap_or_else(|| "host-cluster".to_string());
        return Ok(Target {
            label,
            compute: Box::new(client.in_cluster(cluster)),
            instance: env("NEOLINK_INSTANCE"),
            real: true,
            _mock: None,
        });
    }
    let m = mock::neolink();
    let client = Neolink::with_config(ClientConfig::new(m.server.base_url()), "mock-token")?;
    Ok(Target {
        label,
        compute: Box::new(client.in_cluster(mock::NEOLINK_MOCK_CLUSTER)),
        instance: Some(m.instance_id.clone()),
        real: false,
        _mock: Some(m),
    })
}

fn cloudtower() -> Result<Target, cloud_common::Error> {
    let label = "";
    use cloudtower_api::{CloudTower, TaskWait};
    if let (Some(url), Some(token)) = (env("CLOUDTOWER_URL"), env("CLOUDTOWER_TOKEN")) {
        return Ok(Target {
            label,
            compute: Box::new(CloudTower::new(url, token)?),
            instance: env("CLOUDTOWER_VM"),
            real: true,
            _mock: None,
        });
    }
    let m = mock::cloudtower();
    // The mock's tasks finish at once: poll them quickly.
    let fast = TaskWait::new().interval(std::time::Duration::from_millis(50));
    let client = CloudTower::new(m.server.base_url(), "mock-token")?.with_task_wait(fast);
    Ok(Target {
        label,
        compute: Box::new(client),
        instance: Some(m.instance_id.clone()),
        real: false,
        _mock: Some(m),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut failed = false;
    for build in [tensordock_v2 as fn() -> _, tensordock, neolink, cloudtower] {
        let target = match build() {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cannot build a client: {e}");
                failed = true;
                continue;
            }
        };
        let provider = target.compute.provider();
        println!(
            "== {provider}{} ({}) ==",
            target.label,
            if target.real {
                "real API"
            } else {
                "embedded mock"
            }
        );
        let result = match &target.instance {
            Some(id) => {
                scenario(
                    target.compute.as_ref(),
                    id,
                    demo_wait(target.real),
                    |step| println!("{step}"),
                )
                .await
            }
            None => target.compute.list_instances().await.map(|list| {
                println!(
                    "[{provider}] listed {} instance(s); name one to run the full scenario",
                    list.len()
                );
            }),
        };
        if let Err(e) = result {
            eprintln!("[{provider}] failed: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
