//! leadrelay: website forms and webhooks in, Agencyhandy leads out.
#![forbid(unsafe_code)]

pub mod agencyhandy;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod domain;
mod error;
mod funnel;
pub mod intake;
pub mod mapping;
pub mod outbox;
mod routes;
pub mod sandbox;
pub mod startup;
mod telemetry;
