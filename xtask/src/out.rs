//! Standard output that a closed pipe ends quietly (`cargo xtask diff |
//! head`): `println!` panics when the reader has gone; [`outln!`] and
//! [`out!`] end the process with exit code 0 and no message instead, as
//! `fleet` does.
//!
//! [`outln!`]: crate::outln
//! [`out!`]: crate::out

use std::io::Write;

/// Writes `args` to stdout; exits quietly when the reader has gone, and
/// with an error message and code 1 on any other failure to write.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// `print!` that a closed pipe ends quietly (see [`out`](crate::out)).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))
    };
}

/// `println!` that a closed pipe ends quietly (see [`out`](crate::out)).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
