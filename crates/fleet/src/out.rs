//! Standard output that a closed pipe ends quietly.
//!
//! `print!` panics when stdout is a pipe its reader has closed
//! (`fleet ... | head -1`); every command writes through [`write`]
//! instead, which turns that into [`CliError`] with exit code 0 and no
//! message, so the command stops (no further pages are fetched) and exits
//! without a word.

use std::io::Write;

use crate::exit::CliError;

/// Writes `text` to stdout and flushes it, so streamed items reach the
/// reader as they arrive.
pub fn write(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(failed)
}

/// The error for a failed write: silent success when the reader is gone.
fn failed(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError {
            code: 0,
            message: String::new(),
        }
    } else {
        CliError::config(format!("cannot write to stdout: {e}"))
    }
}
