#![allow(dead_code)] // each target uses a different part of it

//! What every fuzz target checks: any bytes in one input file, with valid companions from
//! `tests/fixtures/hostile-base`, load and audit without a panic and lose no row.

use csp_audit::audit::audit;
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load_from_bytes};
use csp_audit::model::{InputFile, RegionTable};
use csp_audit::rules::Params;

pub const PARTNERS: &[u8] = include_bytes!("../tests/fixtures/hostile-base/partners.csv");
pub const TENANTS: &[u8] = include_bytes!("../tests/fixtures/hostile-base/tenants.csv");
pub const RELATIONSHIPS: &[u8] = include_bytes!("../tests/fixtures/hostile-base/relationships.csv");

/// Loads, checks the row accounting and positions, builds the network and runs every rule.
pub fn audit_bytes(partners: &[u8], tenants: &[u8], relationships: &[u8], regions: RegionTable) {
    let loaded = load_from_bytes(partners, tenants, relationships, regions);
    for file in InputFile::ALL {
        let s = loaded.model.stats(file);
        assert_eq!(
            s.read,
            s.loaded + s.rejected + s.skipped,
            "{file:?}: rows lost"
        );
        if s.rejected > 0 {
            assert!(
                loaded.errors.iter().any(|e| e.input == Some(file)),
                "{file:?}: rejected rows without an error"
            );
        }
    }
    for e in &loaded.errors {
        assert!(e.line >= 1 && e.column >= 1, "bad position: {e}");
    }
    let net = Network::build(loaded.model);
    let findings = audit(&net, &Params::default());
    for f in &findings {
        for row in &f.rows {
            assert!(row.line >= 2, "a finding points at the header: {f:?}");
        }
    }
}

/// The built-in region table.
pub fn regions() -> RegionTable {
    builtin_regions()
}
