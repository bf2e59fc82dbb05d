//! The cross-provider scenario and the embedded fakes it runs against by
//! default.
//!
//! The scenario is written once against [`Compute`]; [`mock`] starts each
//! provider crate's stateful fake, seeded with the instance it acts on.

use std::time::Duration;

use cloud_common::{Compute, Error, InstanceState, WaitOptions};

pub mod mock;

/// List → start → wait until running → stop → delete, on instance `id`.
/// `report` is told each step as it happens.
pub async fn scenario(
    compute: &dyn Compute,
    id: &str,
    wait: WaitOptions,
    mut report: impl FnMut(String),
) -> Result<(), Error> {
    let provider = compute.provider();
    let listed = compute.list_instances().await?;
    report(format!("[{provider}] listed {} instance(s)", listed.len()));
    for i in &listed {
        report(format!(
            "[{provider}]   {} {:?}: {}, {}x {}",
            i.id,
            i.name.as_deref().unwrap_or("-"),
            i.state,
            i.gpu_count.unwrap_or(0),
            i.gpu_model.as_deref().unwrap_or("no GPU")
        ));
    }
    compute.start(id).await?;
    report(format!("[{provider}] started {id}"));
    let running = compute
        .wait_for_state_with(id, InstanceState::Running, wait)
        .await?;
    report(format!("[{provider}] {id} is {}", running.state));
    compute.stop(id).await?;
    report(format!("[{provider}] stopped {id}"));
    compute.delete(id).await?;
    report(format!("[{provider}] deleted {id}"));
    Ok(())
}

/// How often and how long the demo waits for a state.
pub fn demo_wait(real: bool) -> WaitOptions {
    if real {
        WaitOptions::new(Duration::from_secs(900)).interval(Duration::from_secs(10))
    } else {
        WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(50))
    }
}
