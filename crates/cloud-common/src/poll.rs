//! Polling until a condition holds, with a deadline and a typed timeout.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind};

/// How to poll: the deadline and the pause between polls.
///
/// ```
/// use std::time::Duration;
/// use cloud_common::WaitOptions;
/// let opts = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_secs(5));
/// assert_eq!(opts.timeout(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    timeout: Duration,
    interval: Duration,
}

impl WaitOptions {
    /// Give up after `timeout`; poll every 2 s.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            interval: Duration::from_secs(2),
        }
    }

    /// The pause between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The pause between polls.
    pub fn poll_interval(&self) -> Duration {
        self.interval
    }
}

/// What a waiter makes of one polled value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The wanted condition holds: stop and return the value.
    Done,
    /// Not yet; the text describes the value (for the timeout error).
    Pending(String),
    /// It never will (the instance failed or is gone): stop at once with
    /// an [`ErrorKind::WaitFailed`] error carrying the text.
    Failed(String),
}

impl Check {
    /// `Done` if `done`, otherwise `Pending(describe())`.
    pub fn done_if(done: bool, describe: impl FnOnce() -> String) -> Self {
        if done {
            Check::Done
        } else {
            Check::Pending(describe())
        }
    }

    /// This check, unless `failed` says the wait cannot succeed: then
    /// `Failed(describe())`. Composes a condition with a failure rule.
    pub fn unless_failed(self, failed: bool, describe: impl FnOnce() -> String) -> Self {
        match self {
            Check::Done => Check::Done,
            _ if failed => Check::Failed(describe()),
            other => other,
        }
    }
}

/// Calls `fetch` until `check` says [`Check::Done`], and returns that
/// value; in the style of kube-runtime's `await_condition`, the condition
/// also says when waiting is hopeless.
///
/// - [`Check::Failed`] ends the wait at once with
///   [`ErrorKind::WaitFailed`] (an instance that went to `error` or was
///   deleted while we waited for `running`);
/// - errors from `fetch` end it at once (the runtime has already retried
///   what could be retried);
/// - when `options.timeout()` passes first, the error is
///   [`ErrorKind::WaitTimeout`] with the last [`Check::Pending`] text.
///
/// ```
/// # async fn demo() -> Result<(), cloud_common::Error> {
/// use std::time::Duration;
/// use cloud_common::{Check, ErrorKind, WaitOptions, wait_for};
/// let opts = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(1));
/// let err = wait_for("demo", "waitForRunning", &opts, || async { Ok("error") }, |s: &&str| {
///     Check::done_if(*s == "running", || format!("is {s}"))
///         .unless_failed(*s == "error", || format!("is {s}, and will not run"))
/// })
/// .await
/// .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::WaitFailed);
/// # Ok(()) }
/// ```
pub async fn wait_for<T, Fut>(
    provider: &'static str,
    operation: &'static str,
    options: &WaitOptions,
    mut fetch: impl FnMut() -> Fut,
    mut check: impl FnMut(&T) -> Check,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    let deadline = Instant::now() + options.timeout;
    loop {
        let value = fetch().await?;
        let pending = match check(&value) {
            Check::Done => return Ok(value),
            Check::Failed(why) => {
                return Err(Error::new(ErrorKind::WaitFailed, provider, operation, why));
            }
            Check::Pending(what) => what,
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::new(
                ErrorKind::WaitTimeout,
                provider,
                operation,
                format!("gave up after {:?}: {pending}", options.timeout),
            ));
        }
        tokio::time::sleep(options.interval.min(deadline - now)).await;
    }
}

/// The waiter every provider's `wait_for_status` is: polls `fetch` until
/// `status_of` the value equals `wanted`, stopping at once with
/// [`ErrorKind::WaitFailed`] when the value's neutral state
/// ([`neutral`](crate::InstanceState)) rules `wanted` out (see
/// [`InstanceState::rules_out`](crate::InstanceState::rules_out)), and with
/// [`ErrorKind::WaitTimeout`] at the deadline. `what` names the resource in
/// messages (`instance 1234`).
#[allow(clippy::too_many_arguments)] // each is one of the waiter's questions
pub async fn wait_for_status<T, S, Fut>(
    provider: &'static str,
    operation: &'static str,
    what: &str,
    wanted: &S,
    options: &WaitOptions,
    fetch: impl FnMut() -> Fut,
    status_of: impl Fn(&T) -> S,
    neutral: impl Fn(&S) -> crate::InstanceState,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>>,
    S: PartialEq + std::fmt::Display,
{
    let wanted_state = neutral(wanted);
    wait_for(provider, operation, options, fetch, |value| {
        let now = status_of(value);
        Check::done_if(now == *wanted, || {
            format!("{what} is {now} (waiting for {wanted})")
        })
        .unless_failed(neutral(&now).rules_out(&wanted_state), || {
            format!("{what} is {now}, so it will not become {wanted}")
        })
    })
    .await
}

/// Calls `fetch` until `done` holds for its value, and returns that value:
/// [`wait_for`] with a condition that never fails. The timeout's message
/// is `describe` of the last value seen.
pub async fn wait_until<T, Fut>(
    provider: &'static str,
    operation: &'static str,
    options: &WaitOptions,
    fetch: impl FnMut() -> Fut,
    mut done: impl FnMut(&T) -> bool,
    describe: impl Fn(&T) -> String,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    wait_for(provider, operation, options, fetch, |v| {
        Check::done_if(done(v), || describe(v))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_the_first_value_that_is_done() {
        let mut n = 0;
        let got = wait_until(
            "p",
            "op",
            &WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(1)),
            || {
                n += 1;
                let v = n;
                async move { Ok::<_, Error>(v) }
            },
            |v| *v == 3,
            |v| v.to_string(),
        )
        .await
        .unwrap();
        assert_eq!(got, 3);
    }

    #[tokio::test]
    async fn times_out_with_the_last_value() {
        let err = wait_until(
            "p",
            "op",
            &WaitOptions::new(Duration::from_millis(20)).interval(Duration::from_millis(5)),
            || async { Ok::<_, Error>("Creating") },
            |v| *v == "Running",
            |v| format!("still {v}"),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WaitTimeout);
        assert!(
            err.message().contains("still Creating"),
            "{}",
            err.message()
        );
    }

    #[tokio::test]
    async fn a_failed_state_ends_the_wait_at_once() {
        let mut polls = 0;
        let err = wait_for(
            "p",
            "op",
            &WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_millis(1)),
            || {
                polls += 1;
                let v = if polls < 3 { "creating" } else { "error" };
                async move { Ok::<_, Error>(v) }
            },
            |v: &&str| {
                Check::done_if(*v == "running", || format!("is {v}"))
                    .unless_failed(*v == "error", || format!("is {v}"))
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WaitFailed);
        assert_eq!(err.message(), "is error");
        assert_eq!(polls, 3, "no poll after the failure");
    }
}
