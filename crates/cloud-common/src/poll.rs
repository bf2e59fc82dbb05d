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

/// Calls `fetch` until `done` holds for its value, and returns that value.
///
/// Errors from `fetch` end the wait at once (the runtime has already
/// retried what could be retried). When `options.timeout()` passes first,
/// the error is [`ErrorKind::WaitTimeout`] and its message is `describe`
/// of the last value seen.
pub async fn wait_until<T, Fut>(
    provider: &'static str,
    operation: &'static str,
    options: &WaitOptions,
    mut fetch: impl FnMut() -> Fut,
    mut done: impl FnMut(&T) -> bool,
    describe: impl Fn(&T) -> String,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    let deadline = Instant::now() + options.timeout;
    loop {
        let value = fetch().await?;
        if done(&value) {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::new(
                ErrorKind::WaitTimeout,
                provider,
                operation,
                format!("gave up after {:?}: {}", options.timeout, describe(&value)),
            ));
        }
        tokio::time::sleep(options.interval.min(deadline - now)).await;
    }
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
}
