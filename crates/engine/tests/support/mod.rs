//! Helpers shared by the engine's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, missing_docs)]

pub mod fixture;
pub mod vectors;
