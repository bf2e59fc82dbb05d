//! The clock both TensorDock fakes bill by: real time plus what
//! `Fake::advance` added, in microseconds since the Unix epoch (UTC), and
//! the time up to which their resources have been charged.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Microseconds in an hour.
pub(crate) const HOUR_US: f64 = 3_600_000_000.0;

/// A fake's billing clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meter {
    /// When the clock was (re)started, and its time then.
    epoch: Instant,
    epoch_us: i64,
    /// Simulated time added by [`Meter::advance`].
    advanced_us: i64,
    /// Up to when the resources have been charged.
    billed_until: i64,
}

impl Meter {
    /// A clock at real time, everything charged up to now.
    pub(crate) fn new() -> Self {
        Self::resumed(0)
    }

    /// A clock for a saved state charged up to `billed_until`: from then
    /// if that is later than real time (the clock was advanced), else from
    /// now. The time a served fake was down is not charged.
    pub(crate) fn resumed(billed_until: i64) -> Self {
        let start = billed_until.max(system_now());
        Self {
            epoch: Instant::now(),
            epoch_us: start,
            advanced_us: 0,
            billed_until: start,
        }
    }

    /// The time now, µs since the epoch.
    pub(crate) fn now(&self) -> i64 {
        let real = i64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(i64::MAX);
        self.epoch_us
            .saturating_add(real)
            .saturating_add(self.advanced_us)
    }

    /// Lets `time` pass at once.
    pub(crate) fn advance(&mut self, time: Duration) {
        let us = i64::try_from(time.as_micros()).unwrap_or(i64::MAX);
        self.advanced_us = self.advanced_us.saturating_add(us);
    }

    /// Up to when the resources have been charged.
    pub(crate) fn billed_until(&self) -> i64 {
        self.billed_until
    }

    /// The time not charged yet, `(from, to)`, which is charged from now on.
    pub(crate) fn due(&mut self) -> (i64, i64) {
        let from = self.billed_until;
        self.billed_until = self.now().max(from);
        (from, self.billed_until)
    }
}

/// Hours between two times of a [`Meter`].
pub(crate) fn hours(from: i64, to: i64) -> f64 {
    (to - from) as f64 / HOUR_US
}

/// Real time, µs since the Unix epoch.
fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advanced_time_is_due_once() {
        let mut meter = Meter::new();
        let start = meter.billed_until();
        meter.advance(Duration::from_secs(3600));
        let (from, to) = meter.due();
        assert_eq!(from, start);
        assert!(hours(from, to) >= 1.0 && hours(from, to) < 1.01);
        let (again, _) = meter.due();
        assert_eq!(again, to, "what was charged is not due again");
    }

    #[test]
    fn a_resumed_clock_does_not_go_back() {
        let future = system_now() + 10 * HOUR_US as i64;
        assert!(Meter::resumed(future).now() >= future);
        assert!(Meter::resumed(0).now() >= system_now() - 1_000_000);
    }
}
