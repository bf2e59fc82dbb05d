//! Waiting for the asynchronous tasks that mutations start: the
//! equivalent of the Python SDK's `wait_task`/`wait_tasks`, async, and
//! with:
//!
//! - one `get-tasks` request per poll round for all pending tasks
//!   (`{"where": {"id_in": [..]}}`, as the Python SDK sends it; only a
//!   batch of more than [`DEFAULT_CHUNK`] ids is split, see
//!   [`TaskWait::chunk_size`]), the first round at once;
//! - a result for every task: on success the final [`types::Task`] of each;
//!   on failure an [`Error`] whose [`TaskReport`] holds every finished task
//!   (succeeded, or failed with its `error_message`) and the unfinished ids;
//! - a typed timeout ([`ErrorKind::WaitTimeout`]) naming the unfinished ids
//!   and their last status, never later than [`TaskWait::timeout`];
//! - null `task_id`s (nothing to wait for) counted as done, and the caller's
//!   list only read.
//!
//! Only `SUCCESSED` and `FAILED` are final; `PENDING`, `EXECUTING`, `PAUSED`
//! and statuses newer than the spec keep a task pending. An id that
//! `get-tasks` never returns stays pending until the timeout.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use cloud_common::{WaitOptions, wait_until};

use crate::{CloudTower, Error, ErrorKind, PROVIDER, Result, types};

/// The operation name in errors from waiting.
const WAIT_TASKS: &str = "waitTasks";

/// The default [`TaskWait::chunk_size`]: 10,000 ids per `get-tasks` request.
///
/// The Python SDK (`cloudtower-sdk` 2.23.0, `utils.wait_tasks`) sends every
/// pending id in one request, and CloudTower documents no limit on `id_in`.
/// The one limit we know of is not CloudTower's but a proxy's: a reverse
/// proxy in front of the API rejects large bodies (nginx's default
/// `client_max_body_size` is 1 MB, answered with 413). Task ids are 25
/// characters (`cl2k1ytq81igz0822z0qvq2ou`), 28 bytes each in the JSON
/// body, so 10,000 ids are about 280 KB: far below that, and any real wait
/// (a mutation returns one task per resource) is one request per round.
pub const DEFAULT_CHUNK: usize = 10_000;

/// How to wait for tasks: poll interval, timeout, whether the first failed
/// task ends the wait, and how many ids one `get-tasks` request carries.
///
/// The defaults are the Python SDK's: every 5 s, for up to 300 s, without
/// exiting on the first error, and one `get-tasks` request per round for
/// every pending id; only a batch of more than [`DEFAULT_CHUNK`] (10,000)
/// ids is split, to keep each request body well under the 1 MB a reverse
/// proxy accepts by default (see [`DEFAULT_CHUNK`]).
///
/// ```
/// use std::time::Duration;
/// use cloudtower_api::TaskWait;
/// let wait = TaskWait::new()
///     .interval(Duration::from_secs(2))
///     .timeout(Duration::from_secs(600))
///     .exit_on_error(true);
/// assert_eq!(wait.options().timeout(), Duration::from_secs(600));
/// assert_eq!(wait.options().poll_interval(), Duration::from_secs(2));
/// assert_eq!(wait.chunk(), 10_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskWait {
    poll: WaitOptions,
    exit_on_error: bool,
    chunk_size: usize,
}

impl Default for TaskWait {
    fn default() -> Self {
        Self {
            poll: WaitOptions::new(Duration::from_secs(300)).interval(Duration::from_secs(5)),
            exit_on_error: false,
            chunk_size: DEFAULT_CHUNK,
        }
    }
}

impl TaskWait {
    /// The defaults (5 s, 300 s, no exit on error, up to 10,000 ids per
    /// request).
    pub fn new() -> Self {
        Self::default()
    }

    /// The pause between poll rounds.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.poll = self.poll.interval(interval);
        self
    }

    /// How long to wait in all before [`ErrorKind::WaitTimeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.poll = WaitOptions::new(timeout).interval(self.poll.poll_interval());
        self
    }

    /// `true`: the first failed task ends the wait with an error, without
    /// waiting for the others. `false` (the default): wait for every task,
    /// then report every failure.
    pub fn exit_on_error(mut self, exit: bool) -> Self {
        self.exit_on_error = exit;
        self
    }

    /// At most this many ids per `get-tasks` request (at least 1;
    /// [`DEFAULT_CHUNK`] by default). Lower it only when a proxy between
    /// you and CloudTower rejects the bodies the default makes.
    pub fn chunk_size(mut self, ids: usize) -> Self {
        self.chunk_size = ids.max(1);
        self
    }

    /// The interval and timeout.
    pub fn options(&self) -> WaitOptions {
        self.poll
    }

    /// Whether the first failure ends the wait.
    pub fn exits_on_error(&self) -> bool {
        self.exit_on_error
    }

    /// Ids per `get-tasks` request.
    pub fn chunk(&self) -> usize {
        self.chunk_size
    }
}

/// What [`CloudTower::wait`] and [`CloudTower::wait_tasks`] take: task
/// ids (`&str`, `String`, `Option<String>`, ...) and the `WithTask_*`
/// values mutations return (the generated code implements it for each,
/// with `IntoIterator` for a reference to one, so `ct.wait(&one)` works as
/// well as `ct.wait(&many)`).
pub use cloud_common::TaskId;

/// What a wait that failed saw: the tasks that finished (in the order they
/// were asked for) and the ids that had not. It is the
/// [`source`](std::error::Error::source) of the [`Error`] that
/// [`CloudTower::wait_tasks`] returns for failed tasks and for a timeout;
/// get it with [`TaskReport::of`].
///
/// ```no_run
/// # async fn demo(ct: cloudtower_api::CloudTower, ids: Vec<String>) {
/// use cloudtower_api::{TaskReport, TaskWait};
/// if let Err(e) = ct.wait_tasks(&ids, &TaskWait::new()).await {
///     if let Some(report) = TaskReport::of(&e) {
///         for task in report.failed() {
///             println!("{} failed: {:?}", task.id, task.error_message);
///         }
///         println!("still running: {:?}", report.unfinished());
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReport {
    finished: Vec<types::Task>,
    unfinished: Vec<String>,
}

impl TaskReport {
    /// The report inside an error from [`CloudTower::wait_tasks`], if any.
    pub fn of(error: &Error) -> Option<&TaskReport> {
        std::error::Error::source(error)?.downcast_ref()
    }

    /// Every task that reached `SUCCESSED` or `FAILED`.
    pub fn finished(&self) -> &[types::Task] {
        &self.finished
    }

    /// The tasks that succeeded.
    pub fn succeeded(&self) -> impl Iterator<Item = &types::Task> {
        self.finished
            .iter()
            .filter(|t| t.status == types::TaskStatus::Successed)
    }

    /// The tasks that failed (see their `error_message`).
    pub fn failed(&self) -> impl Iterator<Item = &types::Task> {
        self.finished
            .iter()
            .filter(|t| t.status == types::TaskStatus::Failed)
    }

    /// The ids of the tasks that had not finished when the wait ended.
    pub fn unfinished(&self) -> &[String] {
        &self.unfinished
    }
}

impl fmt::Display for TaskReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} task(s) succeeded, {} failed, {} unfinished",
            self.succeeded().count(),
            self.failed().count(),
            self.unfinished.len()
        )
    }
}

impl std::error::Error for TaskReport {}

/// The state of one wait.
struct Progress {
    /// Every distinct id asked for, in order.
    order: Vec<String>,
    /// The ids not final yet, in order.
    pending: Vec<String>,
    /// The last non-final status seen of each pending id.
    seen: HashMap<String, types::TaskStatus>,
    /// The final state of each finished id.
    finished: HashMap<String, types::Task>,
    exit_on_error: bool,
    /// A task failed and `exit_on_error` is set.
    stopped: bool,
}

impl Progress {
    fn new(order: Vec<String>, exit_on_error: bool) -> Self {
        Self {
            pending: order.clone(),
            order,
            seen: HashMap::new(),
            finished: HashMap::new(),
            exit_on_error,
            stopped: false,
        }
    }

    /// Takes in one round of `get-tasks` results; `true` when the wait is
    /// over.
    fn absorb(&mut self, round: &[types::Task]) -> bool {
        // A set, so that a round of thousands of tasks stays linear.
        let pending: HashSet<&str> = self.pending.iter().map(String::as_str).collect();
        for task in round {
            if !pending.contains(task.id.as_str()) {
                continue;
            }
            match task.status {
                types::TaskStatus::Successed | types::TaskStatus::Failed => {
                    self.stopped |= self.exit_on_error && task.status == types::TaskStatus::Failed;
                    self.seen.remove(&task.id);
                    self.finished.insert(task.id.clone(), task.clone());
                }
                ref other => {
                    self.seen.insert(task.id.clone(), other.clone());
                }
            }
        }
        self.pending.retain(|id| !self.finished.contains_key(id));
        self.stopped || self.pending.is_empty()
    }

    /// The unfinished ids with their last status, for the timeout message.
    fn describe(&self) -> String {
        let tasks: Vec<String> = self
            .pending
            .iter()
            .map(|id| match self.seen.get(id) {
                Some(status) => format!("{id} ({status})"),
                None => format!("{id} (not returned by get-tasks)"),
            })
            .collect();
        format!(
            "{} of {} task(s) unfinished: {}",
            self.pending.len(),
            self.order.len(),
            tasks.join(", ")
        )
    }

    fn report(&mut self) -> TaskReport {
        TaskReport {
            finished: self
                .order
                .iter()
                .filter_map(|id| self.finished.remove(id))
                .collect(),
            unfinished: self.pending.clone(),
        }
    }

    /// The result once the wait is over: every task, or the failures.
    fn finish(mut self) -> Result<Vec<types::Task>> {
        let report = self.report();
        if report.unfinished.is_empty() && report.failed().next().is_none() {
            return Ok(report.finished);
        }
        let failures: Vec<String> = report
            .failed()
            .map(|t| {
                let message = t.error_message.as_deref().unwrap_or("no error message");
                format!("{}: {message}", t.id)
            })
            .collect();
        let mut message = format!(
            "{} of {} task(s) failed: {}",
            failures.len(),
            self.order.len(),
            failures.join("; ")
        );
        if !report.unfinished.is_empty() {
            message.push_str(&format!(
                " (stopped at the first failure; not waited for: {})",
                report.unfinished.join(", ")
            ));
        }
        Err(Error::new(ErrorKind::Api, PROVIDER, WAIT_TASKS, message).with_source(report))
    }
}

impl CloudTower {
    /// Waits until every task in `tasks` has finished, polling
    /// `get-tasks` as `options` says, and returns each task's final state in
    /// the order asked for (duplicates once; null ids, which have nothing to
    /// wait for, left out).
    ///
    /// `tasks` is read only: ids (`&[String]`, `&[Option<String>]`, ...) or
    /// the `WithTask_*` list a mutation returned.
    ///
    /// Errors, each with a [`TaskReport`] (see [`TaskReport::of`]):
    /// - a task failed: [`ErrorKind::Api`] naming every failed task and its
    ///   `error_message` (after all tasks finished, or at once with
    ///   [`TaskWait::exit_on_error`]);
    /// - [`ErrorKind::WaitTimeout`] naming the unfinished tasks.
    ///
    /// An error from `get-tasks` itself ends the wait at once.
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use std::time::Duration;
    /// use cloudtower_api::{TaskWait, types::VmWhereInput};
    /// let started = ct.start_vm(VmWhereInput::by_ids(["vm_id_1", "vm_id_2"])).await?;
    /// let ids: Vec<Option<String>> = started.iter().map(|w| w.task_id.clone()).collect();
    /// let tasks = ct.wait_tasks(&ids, &TaskWait::new().interval(Duration::from_secs(1))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_tasks<I>(&self, tasks: I, options: &TaskWait) -> Result<Vec<types::Task>>
    where
        I: IntoIterator,
        I::Item: TaskId,
    {
        let mut distinct = HashSet::new();
        let order: Vec<String> = tasks
            .into_iter()
            .filter_map(|t| t.task_id().map(str::to_string))
            .filter(|id| distinct.insert(id.clone()))
            .collect();
        if order.is_empty() {
            return Ok(Vec::new());
        }
        let progress = Mutex::new(Progress::new(order, options.exit_on_error));
        let lock = || progress.lock().unwrap_or_else(|e| e.into_inner());
        let waited = wait_until(
            PROVIDER,
            WAIT_TASKS,
            &options.poll,
            || self.poll_round(lock().pending.clone(), options.chunk_size),
            |round: &Vec<types::Task>| lock().absorb(round),
            |_: &Vec<types::Task>| lock().describe(),
        )
        .await;
        let mut progress = progress.into_inner().unwrap_or_else(|e| e.into_inner());
        match waited {
            Ok(_) => progress.finish(),
            Err(e) if e.kind() == ErrorKind::WaitTimeout => Err(e.with_source(progress.report())),
            Err(e) => Err(e),
        }
    }

    /// [`CloudTower::wait_tasks`] with this client's [`TaskWait`] (see
    /// [`CloudTower::with_task_wait`]): the Python SDK's
    /// `wait_tasks([r.task_id for r in res], api_client)` for the
    /// `WithTask_*` list `res` a mutation returned.
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::types::VmWhereInput;
    /// let stopped = ct.shut_down_vm(VmWhereInput::by_id("vm_id")).await?;
    /// ct.wait(&stopped).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait<I>(&self, tasks: I) -> Result<Vec<types::Task>>
    where
        I: IntoIterator,
        I::Item: TaskId,
    {
        self.wait_tasks(tasks, &self.task_wait).await
    }

    /// One poll round: `get-tasks` for the pending ids, `chunk` at a time.
    #[inline]
    async fn poll_round(&self, pending: Vec<String>, chunk: usize) -> Result<Vec<types::Task>> {
        let mut tasks = Vec::with_capacity(pending.len());
        for ids in pending.chunks(chunk) {
            tasks.extend(self.get_tasks(types::TaskWhereInput::by_ids(ids)).await?);
        }
        Ok(tasks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, status: &str, error: Option<&str>) -> types::Task {
        serde_json::from_value(serde_json::json!({
            "id": id, "description": "d", "internal": false, "progress": 1.0,
            "local_created_at": "2024-05-09T08:30:01.000Z", "status": status,
            "error_message": error
        }))
        .unwrap()
    }

    #[test]
    fn ids_come_from_strings_options_and_with_task_values() {
        let with_task: types::WithTaskDeleteVm =
            serde_json::from_value(serde_json::json!({"task_id": null, "data": {"id": "vm"}}))
                .unwrap();
        assert_eq!(with_task.task_id(), None);
        assert_eq!("t".task_id(), Some("t"));
        assert_eq!(Some("t".to_string()).task_id(), Some("t"));
        assert_eq!((&&None::<&str>).task_id(), None);
    }

    #[test]
    fn progress_finishes_in_the_order_asked_and_reports_failures() {
        let mut p = Progress::new(vec!["a".into(), "b".into(), "c".into()], false);
        assert!(!p.absorb(&[task("b", "SUCCESSED", None), task("a", "EXECUTING", None)]));
        assert_eq!(p.pending, ["a", "c"]);
        assert!(
            p.describe()
                .contains("a (EXECUTING), c (not returned by get-tasks)")
        );
        assert!(p.absorb(&[
            task("a", "FAILED", Some("disk full")),
            task("c", "SUCCESSED", None)
        ]));
        let err = p.finish().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Api);
        assert_eq!(err.message(), "1 of 3 task(s) failed: a: disk full");
        let report = TaskReport::of(&err).unwrap();
        let ids: Vec<&str> = report.finished().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(
            report.to_string(),
            "2 task(s) succeeded, 1 failed, 0 unfinished"
        );
    }

    #[test]
    fn unknown_statuses_are_not_final() {
        let mut p = Progress::new(vec!["a".into()], true);
        assert!(!p.absorb(&[task("a", "CANCELLING", None)]));
        assert!(p.describe().contains("a (CANCELLING)"));
    }
}
