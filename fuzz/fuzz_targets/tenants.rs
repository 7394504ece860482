//! Any bytes as `tenants.csv`, with valid companion files: load and audit never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::audit_bytes(
        common::PARTNERS,
        data,
        common::RELATIONSHIPS,
        common::regions(),
    );
});
