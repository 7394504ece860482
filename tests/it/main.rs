//! The integration tests, one binary: each file of this folder is a module, and `support` holds
//! the helpers they share (runs of the binary, fixtures, expected findings). One binary links
//! once, where each file used to link on its own.
//!
//! Run one file's tests with `cargo test --test it registry::`, one test by its name.

mod support;

mod affiliate_orgs;
mod atomic;
mod chunked_reading;
mod ci_baseline;
mod ci_config;
mod ci_reports;
mod ci_truth;
mod cli;
mod columns;
mod config_errors;
mod delimiters;
mod determinism;
mod generate;
mod graph_export;
mod html_report;
mod input_contract;
mod input_errors;
mod keep_going;
mod lines;
mod partner_center;
mod partner_center_generate;
mod partner_center_notes;
mod partner_center_positions;
mod partner_center_robustness;
mod registry;
mod robustness;
mod rules;
mod sample;
mod tenant_blocks;
