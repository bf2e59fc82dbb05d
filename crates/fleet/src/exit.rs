//! Exit codes, so that scripts can tell failures apart.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | configuration or local failure (config file, no provider configured, I/O) |
//! | 2 | usage error (bad arguments, a destructive command without `--yes` off a terminal, a launch the provider cannot honour) |
//! | 3 | API error (the provider refused, or could not be reached) |
//! | 4 | a wait timed out, or the instance reached a state that rules the wanted one out |
//! | 5 | not found (no such instance) |

use cloud_common::{Error, ErrorKind};

/// Configuration or local failure.
pub const CONFIG: u8 = 1;
/// Usage error (also clap's own code).
pub const USAGE: u8 = 2;
/// API or transport error.
pub const API: u8 = 3;
/// Wait timed out or cannot succeed.
pub const WAIT: u8 = 4;
/// No such instance.
pub const NOT_FOUND: u8 = 5;

/// A failure with its exit code and the message for stderr.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            code: CONFIG,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }
}

/// The exit code of a provider error.
pub fn code_of(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::WaitTimeout | ErrorKind::WaitFailed => WAIT,
        // Nothing was sent: the arguments asked for what cannot be done.
        ErrorKind::InvalidRequest | ErrorKind::Unsupported => USAGE,
        // CloudTower answers an unknown id with an empty list, which its
        // crate reports as "no VM has id …" without a status.
        ErrorKind::Api if e.status() == Some(404) || e.message().starts_with("no VM has id") => {
            NOT_FOUND
        }
        _ => API,
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        Self {
            code: code_of(&e),
            message: e.to_string(),
        }
    }
}
