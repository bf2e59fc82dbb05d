//! A stateful fake CloudTower for tests (feature `fake`).

mod filter;
mod messages;
mod paging;
mod service;
mod spec;
mod store;
mod tasks;
mod transport;

#[cfg(test)]
mod tests;

pub use service::{CloudTowerService, DEFAULT_PASSWORD, DEFAULT_USERNAME};
