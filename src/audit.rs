//! The audit pipeline as a library call: load → network → rules.

use crate::graph::Network;
use crate::load::{load_with, InputPaths, LoadOptions};
use crate::model::RegionTable;
use crate::problem::Problem;
use crate::rules::{self, Finding, Params, RuleId};

/// A loaded network and the problems found while loading it.
pub struct LoadedNetwork {
    /// The network of every row that loaded.
    pub net: Network,
    /// Every input problem.
    pub errors: Vec<Problem>,
    /// Notes on how the files were read (a detected field separator), for standard error.
    pub notes: Vec<String>,
}

/// Loads the three files and builds the network.
pub fn load_network(paths: &InputPaths, regions: RegionTable) -> LoadedNetwork {
    load_network_with(paths, regions, &LoadOptions::default())
}

/// Like [`load_network`], reading the files as `opts` says.
pub fn load_network_with(
    paths: &InputPaths,
    regions: RegionTable,
    opts: &LoadOptions,
) -> LoadedNetwork {
    let loaded = load_with(paths, regions, opts);
    LoadedNetwork {
        net: Network::build(loaded.model),
        errors: loaded.errors,
        notes: loaded.notes,
    }
}

/// Runs every network rule on `net` with default severities; findings sorted.
pub fn audit(net: &Network, params: &Params) -> Vec<Finding> {
    rules::run(net, params, |_| true)
}

/// The rules that examine the network (every rule with a check).
pub fn network_rules() -> Vec<RuleId> {
    RuleId::all().filter(|r| r.info().check.is_some()).collect()
}
