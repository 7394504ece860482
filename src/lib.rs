//! csp-audit: audits Microsoft Cloud Solution Provider partner networks.
//!
//! Three CSV exports (partners, tenants, relationships) are loaded into a [`model::Model`],
//! built into one petgraph [`graph::Network`], and checked by the rules in [`rules`], which run
//! in parallel. [`report`] renders the findings for people, machines and CI.

pub mod app;
pub mod audit;
pub mod baseline;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod exit;
pub mod generate;
pub mod graph;
pub mod load;
pub mod messages;
pub mod model;
pub mod output;
pub mod problem;
pub mod report;
pub mod rules;
pub mod triage;
