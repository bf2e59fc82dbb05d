//! CloudTower task waiting (`specs/cloudtower.yaml`): `wait_tasks` and
//! `wait` against [`Tasks`](cloudtower::Tasks), a scripted `get-tasks` mock:
//! success, failure, `exit_on_error`, timeouts, null task ids, one request
//! per round and chunking.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use std::time::{Duration, Instant};

use cloudtower::{
    FAILING, FAILS_AT_ONCE, FOREVER, PROGRESSING, QUICK, Script, Tasks, VM1, VM2, client, exact,
    fast, spec, with_task_vms,
};
use cloudtower_api::types::*;
use cloudtower_api::{ErrorKind, TaskReport, TaskWait};
use httpmock::MockServer;
use serde_json::json;

// ---------------------------------------------------------------- task waiting

#[tokio::test]
async fn waiting_follows_tasks_to_success_with_one_request_per_round() {
    let tasks = Tasks::start(&[("t1", PROGRESSING), ("t2", QUICK)]).await;
    let ids = vec!["t1".to_string(), "t2".to_string()];
    let done = tasks.client().wait_tasks(&ids, &fast()).await.unwrap();
    let got: Vec<(&str, TaskStatus)> = done
        .iter()
        .map(|t| (t.id.as_str(), t.status.clone()))
        .collect();
    assert_eq!(
        got,
        [("t1", TaskStatus::Successed), ("t2", TaskStatus::Successed)]
    );
    // Round 1 asks for both, round 2 too (t2 succeeds), round 3 only t1.
    assert_eq!(
        tasks.requests(),
        [vec!["t1", "t2"], vec!["t1", "t2"], vec!["t1"]]
    );
}

#[tokio::test]
async fn a_failed_task_fails_the_wait_after_all_finished_with_every_result() {
    let tasks = Tasks::start(&[("ok", PROGRESSING), ("bad", FAILING)]).await;
    let err = tasks
        .client()
        .wait_tasks(["ok", "bad"], &fast())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.operation()), (ErrorKind::Api, "waitTasks"));
    assert_eq!(
        err.message(),
        "1 of 2 task(s) failed: bad: not enough memory on host"
    );
    let report = TaskReport::of(&err).expect("a report");
    let finished: Vec<(&str, &TaskStatus)> = report
        .finished()
        .iter()
        .map(|t| (t.id.as_str(), &t.status))
        .collect();
    assert_eq!(
        finished,
        [("ok", &TaskStatus::Successed), ("bad", &TaskStatus::Failed)]
    );
    assert_eq!(
        report.failed().next().unwrap().error_message.as_deref(),
        Some("not enough memory on host")
    );
    assert!(report.unfinished().is_empty());
    // It waited for `ok` (3 rounds) although `bad` failed in round 2.
    assert_eq!(tasks.requests().len(), 3);
}

#[tokio::test]
async fn exit_on_error_stops_at_the_first_failure() {
    let tasks = Tasks::start(&[("slow", FOREVER), ("bad", FAILS_AT_ONCE)]).await;
    let err = tasks
        .client()
        .wait_tasks(["slow", "bad"], &fast().exit_on_error(true))
        .await
        .unwrap_err();
    // An API error, not the wait's timeout, after one round (below).
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(
        err.message()
            .starts_with("1 of 2 task(s) failed: bad: VM is locked")
            && err.message().contains("not waited for: slow"),
        "{}",
        err.message()
    );
    let report = TaskReport::of(&err).unwrap();
    assert_eq!(report.unfinished(), ["slow"]);
    assert_eq!(tasks.requests().len(), 1);
}

#[tokio::test]
async fn a_task_that_never_finishes_times_out_naming_the_unfinished_ids() {
    let tasks = Tasks::start(&[("done", QUICK), ("stuck", FOREVER)]).await;
    let wait = TaskWait::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(80));
    let started = Instant::now();
    let err = tasks
        .client()
        .wait_tasks(["done", "stuck", "ghost"], &wait)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::WaitTimeout);
    assert!(!err.is_retryable());
    assert!(
        err.message().contains(
            "2 of 3 task(s) unfinished: stuck (EXECUTING), ghost (not returned by get-tasks)"
        ),
        "{}",
        err.message()
    );
    let report = TaskReport::of(&err).unwrap();
    assert_eq!(report.unfinished(), ["stuck", "ghost"]);
    assert_eq!(report.succeeded().count(), 1);
    assert!(elapsed >= Duration::from_millis(80), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(tasks.requests().len() >= 3);
}

#[tokio::test]
async fn null_task_ids_are_already_done() {
    let tasks = Tasks::start(&[("t1", QUICK)]).await;
    let ct = tasks.client();
    let none: Vec<Option<String>> = vec![None, None];
    assert!(ct.wait_tasks(&none, &fast()).await.unwrap().is_empty());
    assert!(tasks.requests().is_empty(), "nothing to ask for");
    let ids = vec![None, Some("t1".to_string()), None, Some("t1".to_string())];
    let done = ct.wait_tasks(&ids, &fast()).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(tasks.requests(), [vec!["t1"], vec!["t1"]]);
}

#[tokio::test]
async fn a_thousand_tasks_take_one_get_tasks_request_per_round_by_default() {
    let ids: Vec<String> = (0..1000).map(|i| format!("task-{i:04}")).collect();
    let scripts: Vec<(&str, Script)> = ids.iter().map(|id| (id.as_str(), QUICK)).collect();
    let tasks = Tasks::start(&scripts).await;
    let done = tasks.client().wait_tasks(&ids, &fast()).await.unwrap();
    assert_eq!(done.len(), 1000);
    // Round 1 sees every task EXECUTING, round 2 SUCCESSED: two requests,
    // each asking for all 1,000 ids in order (the Python SDK's one request).
    let requests = tasks.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests.iter().all(|r| *r == ids),
        "every round asks for all ids"
    );
}

#[tokio::test]
async fn large_batches_are_chunked_and_the_input_is_left_untouched() {
    let scripts: Vec<(&str, Script)> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|id| (id, QUICK))
        .collect();
    let tasks = Tasks::start(&scripts).await;
    let ids: Vec<Option<String>> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let before = ids.clone();
    let done = tasks
        .client()
        .wait_tasks(&ids, &fast().chunk_size(2))
        .await
        .unwrap();
    assert_eq!(ids, before, "the caller's list is unchanged");
    assert_eq!(done.len(), 5);
    let requests = tasks.requests();
    // Two rounds of three requests: [a b] [c d] [e].
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[..3], [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    assert_eq!(requests[..3], requests[3..]);
}

#[tokio::test]
async fn waiting_on_the_with_task_list_a_mutation_returned() {
    let tasks = Tasks::start(&[
        ("cl2k1ytq81igz0822z0qvq2ou", PROGRESSING),
        ("cl2k1ytq81ih00822vbq6sxyz", QUICK),
    ])
    .await;
    let served = with_task_vms("StartVm");
    tasks.server.mock(|when, then| {
        exact(
            when.path("/start-vm"),
            None,
            spec().request_example("StartVm"),
        );
        then.status(200).json_body(served);
    });
    let ct = tasks.client().with_task_wait(fast());
    let started = ct.start_vm(VmWhereInput::by_ids([VM1, VM2])).await.unwrap();
    let done = ct.wait(&started).await.unwrap();
    assert_eq!(done.len(), 2, "the null task_id has nothing to wait for");
    assert_eq!(started.len(), 3);
}

#[tokio::test]
async fn a_get_tasks_error_ends_the_wait_at_once() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(400)
            .json_body(json!({"path": "/get-tasks", "status": 400, "message": "bad where"}));
    });
    let err = client(&server)
        .wait_tasks(["t"], &fast())
        .await
        .unwrap_err();
    assert_eq!((err.operation(), err.status()), ("GetTasks", Some(400)));
    assert_eq!(mock.calls_async().await, 1);
}
