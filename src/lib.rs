//! leadrelay: website forms and webhooks in, Agencyhandy leads out.
#![forbid(unsafe_code)]

pub mod agencyhandy;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod funnel;
pub mod intake;
pub mod mapping;
pub mod outbox;
pub mod routes;
pub mod sandbox;
pub mod startup;
pub mod telemetry;
