//! Contract tests live in `tests/`; this library is empty but for the
//! doctests below.

// The Rust blocks of the repository's Markdown pages that are not crate
// docs, compiled (and run, unless marked `no_run`) as doctests of this
// package, which has every provider crate (with `fake` and `mock`) as a
// dev-dependency. The crate READMEs are their own crates' docs.

/// The repository README.
#[doc = include_str!("../../README.md")]
#[doc(hidden)]
pub mod readme {}

/// `CONTRIBUTING.md`.
#[doc = include_str!("../../CONTRIBUTING.md")]
#[doc(hidden)]
pub mod contributing {}

/// `docs/`.
#[doc(hidden)]
pub mod docs {
    /// `docs/design.md`.
    #[doc = include_str!("../../docs/design.md")]
    pub mod design {}
    /// `docs/emulator.md`.
    #[doc = include_str!("../../docs/emulator.md")]
    pub mod emulator {}
    /// `docs/fleet.md`.
    #[doc = include_str!("../../docs/fleet.md")]
    pub mod fleet {}
    /// `docs/performance.md`.
    #[doc = include_str!("../../docs/performance.md")]
    pub mod performance {}
    /// `docs/xtask.md`.
    #[doc = include_str!("../../docs/xtask.md")]
    pub mod xtask {}
}
