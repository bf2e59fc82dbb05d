//! Which answers are retried, after how long, and the attempt loop.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant, SystemTime};

use super::response::Answer;
use crate::config::RetryPolicy;
use crate::error::is_retryable_status;

/// Runs `attempt` (given the request and its attempt number, from 1) until
/// its answer is not worth retrying, the policy allows no more attempts or
/// time, or `allowed` is false (then it runs once). Returns the last answer
/// and how many attempts were made.
pub(super) async fn run<F, Fut>(
    policy: &RetryPolicy,
    allowed: bool,
    mut request: reqwest::Request,
    mut attempt: F,
) -> (Answer, u32)
where
    F: FnMut(reqwest::Request, u32) -> Fut,
    Fut: Future<Output = Answer>,
{
    let started = Instant::now();
    let mut n = 1u32;
    loop {
        // Keep a copy for the next attempt only when there may be one.
        let spare = if allowed && n < policy.max_attempts {
            request.try_clone()
        } else {
            None
        };
        let answer = attempt(request, n).await;
        let delay = delay(&answer.result, policy, n);
        match (spare, delay) {
            (Some(next), Some(delay)) if started.elapsed() + delay <= policy.max_elapsed => {
                tracing::debug!(attempt = n, delay_ms = delay.as_millis() as u64, "retrying");
                tokio::time::sleep(delay).await;
                request = next;
                n += 1;
            }
            _ => return (answer, n),
        }
    }
}

/// How long to wait before retrying `result`, or `None` if it should not be
/// retried.
fn delay(
    result: &reqwest::Result<reqwest::Response>,
    policy: &RetryPolicy,
    attempt: u32,
) -> Option<Duration> {
    let backoff = || {
        let cap = policy
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(policy.max_backoff);
        // Full jitter: uniform in [cap/2, cap], so retries from many clients
        // spread out but never collapse to zero.
        let half = cap / 2;
        half + Duration::from_nanos(random_u64() % (half.as_nanos() as u64 + 1))
    };
    match result {
        Ok(response) if is_retryable_status(response.status().as_u16()) => Some(
            retry_after(response.headers()).map_or_else(backoff, |d| d.min(policy.max_backoff)),
        ),
        Ok(_) => None,
        Err(e) if e.is_timeout() || e.is_builder() || e.is_redirect() => None,
        Err(_) => Some(backoff()),
    }
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn random_u64() -> u64 {
    // RandomState is seeded per instance from the OS: enough for jitter,
    // without a dependency on `rand`.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish()
}
