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

/// The polls left before a resource's transitional state settles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Countdown(u32);

impl Countdown {
    /// A countdown that runs out on the `polls`-th poll; `0` has run out
    /// already.
    pub const fn new(polls: u32) -> Self {
        Self(polls)
    }

    /// Whether it has run out.
    pub const fn is_due(&self) -> bool {
        self.0 == 0
    }

    /// Counts one poll; whether the countdown has now run out. Once run
    /// out it stays so: every later poll is due too.
    pub fn tick(&mut self) -> bool {
        self.0 = self.0.saturating_sub(1);
        self.is_due()
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
    polls: u32,
}

impl Lifecycle {
    /// A lifecycle where each `(transitional, settled)` pair of `settles`
    /// takes `polls` polls.
    pub const fn new(settles: &'static [(&'static str, &'static str)], polls: u32) -> Self {
        Self { settles, polls }
    }

    /// The `(transitional, settled)` pairs.
    pub fn settles(&self) -> &'static [(&'static str, &'static str)] {
        self.settles
    }

    /// How many polls a transitional state lasts.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Makes every transitional state entered from now on last `polls`
    /// polls (0 settles at once).
    pub fn set_polls(&mut self, polls: u32) {
        self.polls = polls;
    }

    /// The countdown of a state entered now.
    pub fn countdown(&self) -> Countdown {
        Countdown::new(self.polls)
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
