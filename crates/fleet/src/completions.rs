//! `fleet completions <shell>`: clap_complete's script for the whole
//! command, every spec's operations and their flags included, so the
//! script follows the specs embedded in this binary.

use clap::Command;
use clap_complete::Shell;

use crate::exit::CliError;
use crate::out;

/// Writes the completion script of `cmd` for `shell` to stdout.
pub fn print(shell: Shell, mut cmd: Command) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fleet", &mut script);
    out::write(&String::from_utf8_lossy(&script))
}
