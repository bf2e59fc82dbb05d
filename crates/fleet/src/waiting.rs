//! Waiting with a spinner on stderr (drawn only on a terminal): for an
//! instance's state (`fleet wait`, `start/stop/delete --wait`) and for the
//! CloudTower tasks a spec operation started (`--wait`).

use std::time::{Duration, Instant};

use cloud_common::{Check, ErrorKind, Instance, InstanceState, state_check};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value as Json;

use crate::exit::{self, CliError};
use crate::targets::Target;

/// A spinner on stderr; indicatif draws nothing when stderr is not a
/// terminal.
pub fn spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The poll interval: `interval`, else 2s (50ms on a fake).
pub fn interval(t: &Target, interval: Option<Duration>) -> Duration {
    interval.unwrap_or(if t.fake {
        Duration::from_millis(50)
    } else {
        Duration::from_secs(2)
    })
}

/// Polls until instance `id` of `t` is in state `wanted`, showing each
/// state it sees above the spinner. Waiting for `deleted` also ends when
/// the instance is gone (`Ok(None)`).
pub async fn state(
    t: &Target,
    id: &str,
    wanted: &InstanceState,
    timeout: Duration,
    interval: Duration,
) -> Result<Option<Instance>, CliError> {
    let bar = spinner();
    let started = Instant::now();
    let mut last: Option<InstanceState> = None;
    let result = loop {
        let i = match t.compute.get_instance(id).await {
            Ok(i) => i,
            Err(e) if *wanted == InstanceState::Deleted && gone(&e) => {
                bar.println(format!("{}:{id} is gone", t.key));
                break Ok(None);
            }
            Err(e) => break Err(e.into()),
        };
        if last.as_ref() != Some(&i.state) {
            let line = format!("{}:{id} is {} (waiting for {wanted})", t.key, i.state);
            // Kept above the spinner, so the history of states stays visible.
            bar.println(&line);
            bar.set_message(line);
            last = Some(i.state.clone());
        }
        match state_check(id, &i.state, wanted) {
            Check::Done => break Ok(Some(i)),
            Check::Failed(message) => {
                break Err(CliError {
                    code: exit::WAIT,
                    message,
                });
            }
            Check::Pending(message) if started.elapsed() >= timeout => {
                break Err(CliError {
                    code: exit::WAIT,
                    message: format!("gave up after {timeout:?}: {message}"),
                });
            }
            Check::Pending(_) => {}
        }
        let left = timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(interval.min(left)).await;
    };
    bar.finish_and_clear();
    result
}

/// Whether `e` says the instance does not exist.
fn gone(e: &cloud_common::Error) -> bool {
    e.kind() != ErrorKind::InvalidRequest && exit::code_of(e) == exit::NOT_FOUND
}

/// The CloudTower task ids in an operation's answer: the `task_id` of
/// each item (`[{"data": .., "task_id": ..}]`) or of the answer itself.
pub fn task_ids(answer: &Json) -> Vec<String> {
    let one = |v: &Json| v.get("task_id").and_then(Json::as_str).map(str::to_string);
    match answer {
        Json::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Waits for CloudTower tasks `ids` with a spinner, through the client's
/// own `wait_tasks` (one `get-tasks` request a round). A failed task, or
/// one unfinished at the timeout, is exit code 4.
pub async fn tasks(
    ct: &cloudtower_api::CloudTower,
    ids: &[String],
    timeout: Duration,
    interval: Duration,
) -> Result<(), CliError> {
    let bar = spinner();
    bar.set_message(format!("waiting for {} CloudTower task(s)", ids.len()));
    let options = cloudtower_api::TaskWait::new()
        .interval(interval)
        .timeout(timeout);
    let result = ct.wait_tasks(ids, &options).await;
    bar.finish_and_clear();
    result.map(drop).map_err(|e| CliError {
        code: exit::WAIT,
        message: e.to_string(),
    })
}
