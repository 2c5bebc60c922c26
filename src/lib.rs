//! leadrelay: website forms and webhooks in, Agencyhandy leads out.
#![forbid(unsafe_code)]

pub mod agencyhandy;
pub mod cli;
pub(crate) mod clock;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod domain;
pub(crate) mod error;
pub(crate) mod funnel;
pub mod intake;
pub mod mapping;
pub mod outbox;
pub(crate) mod routes;
pub mod sandbox;
pub mod startup;
pub(crate) mod telemetry;
