//! How a fake's resources move over polls: the one mechanism behind every
//! provider's transitional states (a VM `Starting` for two reads, then
//! `Running`; a CloudTower task `PENDING`, `EXECUTING`, then finished).
//!
//! A real service finishes a start or a stop some time later; a fake that
//! finished it at once would never exercise a client's waiting, and one
//! that took real time would slow tests down. So a resource entering a
//! transitional state gets a [`Countdown`] of reads ("polls"), and when it
//! runs out the resource settles into the state its provider's
//! [`Lifecycle`] table names.
//!
//! ```
//! use cloud_fake::Lifecycle;
//!
//! let lifecycle = Lifecycle::new(&[("Starting", "Running"), ("Stopping", "Stopped")], 2);
//! let mut countdown = lifecycle.countdown();
//! assert_eq!(lifecycle.poll(&mut countdown, "Starting"), None);
//! assert_eq!(lifecycle.poll(&mut countdown, "Starting"), Some("Running"));
//! // A settled state stays as it is.
//! assert_eq!(lifecycle.poll(&mut countdown, "Running"), None);
//! ```
//!
//! In [`Pace::RealTime`] a countdown is a moment of the wall clock instead,
//! for a fake serving other programs (`fleet fake serve`): things finish on
//! their own, as they do in the real service.

use std::time::Duration;

/// What is left before a resource's transitional state settles: a number
/// of reads ("polls"), or a moment of the wall clock ([`Pace::RealTime`]).
/// It serialises (as `{"polls": 2}` or `{"until_ms": <unix ms>}`), so a
/// fake's saved state keeps it across a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Countdown(Left);

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Left {
    Polls(u32),
    UntilMs(u64),
}

impl Default for Countdown {
    fn default() -> Self {
        Self::new(0)
    }
}

/// Milliseconds since the Unix epoch now (0 for a clock before it).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Countdown {
    /// A countdown that runs out on the `polls`-th poll; `0` has run out
    /// already.
    pub const fn new(polls: u32) -> Self {
        Self(Left::Polls(polls))
    }

    /// A countdown that runs out `time` from now, however often it is
    /// polled.
    pub fn after(time: Duration) -> Self {
        let ms = u64::try_from(time.as_millis()).unwrap_or(u64::MAX);
        Self(Left::UntilMs(now_ms().saturating_add(ms)))
    }

    /// Whether it has run out.
    pub fn is_due(&self) -> bool {
        match self.0 {
            Left::Polls(n) => n == 0,
            Left::UntilMs(t) => now_ms() >= t,
        }
    }

    /// Counts one poll; whether the countdown has now run out. Once run
    /// out it stays so: every later poll is due too. A wall-clock
    /// countdown only looks at the clock.
    pub fn tick(&mut self) -> bool {
        if let Left::Polls(n) = &mut self.0 {
            *n = n.saturating_sub(1);
        }
        self.is_due()
    }
}

/// How a fake's transitional states move: over polls (deterministic, for
/// tests; the default) or over wall-clock time, whether anyone reads them
/// or not (as the real services do). As JSON (the control plane's
/// `/_fake/mode`): `{"mode": "per-poll", "polls": 2}` or
/// `{"mode": "real-time", "settle_ms": 2000}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Pace {
    /// A transitional state settles on its `polls`-th read.
    PerPoll {
        /// Reads a transitional state lasts (0 settles at once).
        polls: u32,
    },
    /// A transitional state settles `settle_ms` milliseconds after it began.
    RealTime {
        /// How long a transitional state lasts.
        settle_ms: u64,
    },
}

impl Pace {
    /// The countdown of a state entered now.
    pub fn countdown(&self) -> Countdown {
        match *self {
            Self::PerPoll { polls } => Countdown::new(polls),
            Self::RealTime { settle_ms } => Countdown::after(Duration::from_millis(settle_ms)),
        }
    }

    /// Whether it is [`Pace::RealTime`].
    pub fn is_real_time(&self) -> bool {
        matches!(self, Self::RealTime { .. })
    }
}

/// A provider's lifecycle: each transitional state and the state it
/// settles into, and how many polls that takes.
///
/// States are matched exactly, in the service's own spelling: the fake
/// answers with the words the real service sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    settles: &'static [(&'static str, &'static str)],
    pace: Pace,
}

impl Lifecycle {
    /// A lifecycle where each `(transitional, settled)` pair of `settles`
    /// takes `polls` polls.
    pub const fn new(settles: &'static [(&'static str, &'static str)], polls: u32) -> Self {
        Self {
            settles,
            pace: Pace::PerPoll { polls },
        }
    }

    /// The `(transitional, settled)` pairs.
    pub fn settles(&self) -> &'static [(&'static str, &'static str)] {
        self.settles
    }

    /// How many polls a transitional state lasts (0 in real time).
    pub fn polls(&self) -> u32 {
        match self.pace {
            Pace::PerPoll { polls } => polls,
            Pace::RealTime { .. } => 0,
        }
    }

    /// Makes every transitional state entered from now on last `polls`
    /// polls (0 settles at once).
    pub fn set_polls(&mut self, polls: u32) {
        self.pace = Pace::PerPoll { polls };
    }

    /// How transitional states move.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// Makes every transitional state entered from now on move at `pace`.
    pub fn set_pace(&mut self, pace: Pace) {
        self.pace = pace;
    }

    /// The countdown of a state entered now.
    pub fn countdown(&self) -> Countdown {
        self.pace.countdown()
    }

    /// The state `state` settles into, if it is a transitional one.
    pub fn settled(&self, state: &str) -> Option<&'static str> {
        self.settles
            .iter()
            .find(|(from, _)| *from == state)
            .map(|(_, to)| *to)
    }

    /// Counts one poll of a resource in `state`: the state it settles into
    /// now, if its countdown has run out and `state` is transitional.
    pub fn poll(&self, countdown: &mut Countdown, state: &str) -> Option<&'static str> {
        if countdown.tick() {
            self.settled(state)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_countdown_runs_out_on_its_last_poll_and_stays_out() {
        let mut countdown = Countdown::new(2);
        assert!(!countdown.is_due());
        assert!(!countdown.tick());
        assert!(countdown.tick());
        assert!(countdown.tick(), "a countdown that ran out stays out");
        assert!(Countdown::new(0).is_due());
        assert!(Countdown::new(0).tick());
    }

    #[test]
    fn a_wall_clock_countdown_ignores_polls_and_round_trips_as_json() {
        let mut later = Countdown::after(Duration::from_secs(3600));
        assert!(
            !later.tick() && !later.tick(),
            "polls do not bring it closer"
        );
        assert!(Countdown::after(Duration::ZERO).is_due());
        let json = serde_json::to_value(later).unwrap();
        assert!(json["until_ms"].as_u64().is_some(), "{json}");
        assert_eq!(serde_json::from_value::<Countdown>(json).unwrap(), later);
        let pace: Pace = serde_json::from_str(r#"{"mode": "real-time", "settle_ms": 5}"#).unwrap();
        assert_eq!(pace, Pace::RealTime { settle_ms: 5 });
        assert_eq!(
            serde_json::to_value(Pace::PerPoll { polls: 2 }).unwrap(),
            serde_json::json!({"mode": "per-poll", "polls": 2})
        );
    }

    #[test]
    fn only_transitional_states_settle_and_only_when_due() {
        const SETTLES: &[(&str, &str)] = &[("Deploying", "Running"), ("Stopping", "Stopped")];
        let mut lifecycle = Lifecycle::new(SETTLES, 3);
        let mut countdown = lifecycle.countdown();
        assert_eq!(lifecycle.poll(&mut countdown, "Deploying"), None);
        assert_eq!(lifecycle.poll(&mut countdown, "Deploying"), None);
        assert_eq!(lifecycle.poll(&mut countdown, "Deploying"), Some("Running"));
        assert_eq!(lifecycle.poll(&mut countdown, "Stopped"), None);
        // Exact spelling: the fake answers in the service's words.
        assert_eq!(lifecycle.settled("stopping"), None);
        lifecycle.set_polls(0);
        assert!(lifecycle.countdown().is_due());
        assert_eq!(lifecycle.settles(), SETTLES);
    }
}
