//! Any bytes as the region table (`--regions FILE`): parsing it, then auditing the base
//! network against it, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let mut errors = Vec::new();
    let table = csp_audit::load::parse_regions(data, &"regions.csv".into(), &mut errors);
    for e in &errors {
        assert!(e.line >= 1 && e.column >= 1, "bad position: {e}");
    }
    common::audit_bytes(
        common::PARTNERS,
        common::TENANTS,
        common::RELATIONSHIPS,
        table,
    );
});
