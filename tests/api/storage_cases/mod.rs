//! The shared storage test functions, each taking a fresh store of either backend.

pub mod admin;
pub mod intake;
pub mod operate;
pub mod queue;

use std::time::Duration;

/// A lease long enough never to expire during a test.
pub const LEASE: Duration = Duration::from_secs(60);
