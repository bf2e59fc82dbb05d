//! The client-side rate limit, shared by every clone of a client.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// Waits for a slot of `limiter`, if the client has one; a wait is traced
/// (at debug level) with the attempt it delayed.
pub(super) async fn acquire(limiter: Option<&RateLimiter>, attempt: u32) {
    let Some(limiter) = limiter else { return };
    let asked = Instant::now();
    let waited = limiter.acquire().await.saturating_duration_since(asked);
    if !waited.is_zero() {
        tracing::debug!(
            attempt,
            waited_ms = waited.as_millis() as u64,
            "waited for the client-side rate limit"
        );
    }
}

/// Above this many requests per window the limiter does not keep a log of
/// send times (it would cost memory per request allowed) and relies on its
/// schedule alone.
const MAX_LOGGED_REQUESTS: u32 = 4096;

/// The client-side rate limit, shared by every clone of a client.
///
/// Two mechanisms, because each alone falls short:
/// - a schedule (GCRA, the "virtual scheduling" form of a token bucket)
///   spreads requests out: after an idle period up to `burst` requests go
///   at once, then one every `interval`. Each caller reserves the next slot
///   under the lock and sleeps without it, so concurrent callers queue in
///   order instead of waking together and racing;
/// - a log of the last `requests` send times, checked after the sleep:
///   timers wake late and tasks get scheduled late, so the schedule alone
///   bounds reserved slots, not real send times. The log makes "at most
///   `requests` in any window of length `per`" hold for the instants at
///   which requests were actually let through.
///
/// A caller whose future is dropped while waiting forfeits its slot, which
/// errs on the side of sending less.
pub(super) struct RateLimiter {
    requests: u32,
    per: Duration,
    burst: u32,
    interval: Duration,
    state: Mutex<LimiterState>,
}

#[derive(Default)]
struct LimiterState {
    /// The GCRA "theoretical arrival time": when the schedule is next free.
    next: Option<Instant>,
    /// When the most recent requests were let through, oldest first; at
    /// most `requests` entries.
    sent: VecDeque<Instant>,
}

impl RateLimiter {
    pub(super) fn new(limit: RateLimit) -> Self {
        let requests = limit.requests.max(1);
        // Bounded so that `Instant + per` can never overflow; nobody rate
        // limits over a longer window.
        let per = limit.per.min(Duration::from_secs(10 * 365 * 24 * 3600));
        // A tenth of the limit may go at once: a short interactive sequence
        // (list, create, get) is not slowed down, while a loop is paced.
        let burst = (requests / 10).max(1);
        // With `burst` at once and one more per `interval`, a window of
        // length `per` holds fewer than `burst + per / interval` requests;
        // this interval makes that at most `requests`. Rounded up, because
        // rounding down would let one request too many into a window.
        let slots = u128::from(requests - burst + 1);
        let nanos = per.as_nanos().div_ceil(slots);
        let interval = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Self {
            requests,
            per,
            burst,
            interval,
            state: Mutex::default(),
        }
    }

    /// The limit as configured: `requests` per `per`.
    pub(super) fn limit(&self) -> (u32, Duration) {
        (self.requests, self.per)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        // The state stays consistent even if a holder panicked: every
        // update is a single assignment or push.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets the request through at `now` if the send log allows it
    /// (recording it), or returns when the log next has room.
    fn admit(&self, state: &mut LimiterState, now: Instant) -> Result<(), Instant> {
        if self.requests > MAX_LOGGED_REQUESTS {
            return Ok(());
        }
        let window = self.requests as usize;
        match state.sent.front() {
            Some(&oldest) if state.sent.len() >= window && now < oldest + self.per => {
                Err(oldest + self.per)
            }
            _ => {
                state.sent.push_back(now);
                while state.sent.len() > window {
                    state.sent.pop_front();
                }
                Ok(())
            }
        }
    }

    /// Waits until one more request may be sent, and returns the instant
    /// it was let through.
    async fn acquire(&self) -> Instant {
        let slot = {
            let mut state = self.state();
            let now = Instant::now();
            let next = state.next.map_or(now, |n| n.max(now));
            let tolerance = self.interval.saturating_mul(self.burst - 1);
            state.next = Some(next + self.interval);
            let slot = next.checked_sub(tolerance).map_or(now, |t| t.max(now));
            // The usual case, a slot already due, takes no timer and no
            // second lock: tokio rounds every sleep up to the next
            // millisecond, even one whose deadline has passed, which
            // would add about 1 ms to every request.
            if slot <= now && self.admit(&mut state, now).is_ok() {
                return now;
            }
            slot
        };
        if slot > Instant::now() {
            tokio::time::sleep_until(slot.into()).await;
        }
        loop {
            let free_at = {
                let mut state = self.state();
                let now = Instant::now();
                match self.admit(&mut state, now) {
                    Ok(()) => return now,
                    Err(free_at) => free_at,
                }
            };
            tokio::time::sleep_until(free_at.into()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::Arc;

    use super::*;
    fn limiter(requests: u32, per: Duration) -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(RateLimit { requests, per }))
    }

    /// Runs `n` concurrent acquisitions and returns when each was let
    /// through, sorted, relative to the start.
    async fn release_times(limiter: &Arc<RateLimiter>, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let limiter = Arc::clone(limiter);
                tokio::spawn(async move { limiter.acquire().await })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.expect("task").duration_since(start));
        }
        times.sort();
        times
    }

    /// Panics unless every half-open window of length `per` holds at most
    /// `requests` of `times` (sorted).
    fn assert_within_limit(times: &[Duration], requests: usize, per: Duration) {
        for (i, pair) in times.windows(requests + 1).enumerate() {
            let span = pair[requests] - pair[0];
            assert!(
                span >= per,
                "requests {i}..={} went out within {span:?}: {times:?}",
                i + requests
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_is_spread_out_and_never_exceeds_the_limit() {
        let per = Duration::from_millis(200);
        let times = release_times(&limiter(5, per), 15).await;
        // 15 requests at 5 per 200 ms need at least two more windows after
        // the first.
        assert!(times[14] >= Duration::from_millis(400), "{times:?}");
        assert_within_limit(&times, 5, per);
        // Spread out, not five at once followed by a stall: one slot every
        // 40 ms means at most three in the first 100 ms.
        let early = times
            .iter()
            .filter(|t| **t < Duration::from_millis(100))
            .count();
        assert!(
            early <= 3,
            "{early} requests in the first 100 ms: {times:?}"
        );
    }

    #[tokio::test]
    async fn a_tenth_of_the_limit_goes_at_once_then_the_rest_is_paced() {
        let per = Duration::from_millis(200);
        let limiter = limiter(20, per);
        assert_eq!(limiter.burst, 2);
        // 20 per 200 ms with a burst of 2: one more every 200/19 ms, rounded up.
        assert_eq!(limiter.interval, Duration::from_nanos(10_526_316));
        let times = release_times(&limiter, 30).await;
        // That the first two go at once is checked without a clock, which a
        // busy machine cannot slow down, in
        // `an_acquire_with_no_wait_due_takes_no_timer`.
        assert!(times[2] >= Duration::from_millis(10), "{times:?}");
        assert_within_limit(&times, 20, per);
    }

    /// Polls `fut` once with a waker that does nothing: `Some` means it
    /// finished without waiting for a timer (or anything else).
    fn ready_at_once<F: Future>(fut: F) -> Option<F::Output> {
        let mut fut = std::pin::pin!(fut);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn an_acquire_with_no_wait_due_takes_no_timer() {
        // Burst 2, then one every 1/19 s; the send log is kept (20 <= 4096).
        let logged = limiter(20, Duration::from_secs(1));
        let start = Instant::now();
        for i in 0..2 {
            let at = ready_at_once(logged.acquire());
            assert!(at.is_some_and(|t| t >= start), "acquire {i} waited");
        }
        // The third is due only later, and must wait.
        assert!(ready_at_once(logged.acquire()).is_none());
        // Above the logged size the schedule alone decides.
        let unlogged = limiter(100_000, Duration::from_secs(1));
        for i in 0..100 {
            assert!(
                ready_at_once(unlogged.acquire()).is_some(),
                "acquire {i} waited"
            );
        }
    }

    #[test]
    fn the_interval_keeps_the_sustained_rate_within_the_limit() {
        // 100 per minute: 10 at once, then one every 60/91 s, so that
        // 10 + 90 fit in a minute and the 101st does not.
        let l = RateLimiter::new(RateLimit {
            requests: 100,
            per: Duration::from_secs(60),
        });
        assert_eq!(l.burst, 10);
        assert!(l.interval * 91 >= Duration::from_secs(60));
        assert!(l.interval * 90 < Duration::from_secs(60));
    }

    #[tokio::test]
    async fn extreme_limits_neither_overflow_nor_block() {
        let huge = limiter(u32::MAX, Duration::from_secs(1));
        assert_eq!(huge.burst, u32::MAX / 10);
        huge.acquire().await;
        // Only the first request goes at once; the others would wait for
        // years, and must time out rather than panic on instant arithmetic.
        let forever = limiter(3, Duration::MAX);
        let mut immediate = 0;
        for _ in 0..3 {
            let wait = tokio::time::timeout(Duration::from_millis(5), forever.acquire());
            immediate += usize::from(wait.await.is_ok());
        }
        assert_eq!(immediate, 1);
    }
}
