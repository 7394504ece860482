//! The audit pipeline as a library call: load → network → rules.

use crate::graph::Network;
use crate::load::{load, InputError, InputPaths};
use crate::model::RegionTable;
use crate::rules::{self, Finding, Params, RuleId};

/// A loaded network and the problems found while loading it.
pub struct LoadedNetwork {
    /// The network of every row that loaded.
    pub net: Network,
    /// Every input problem.
    pub errors: Vec<InputError>,
}

/// Loads the three files and builds the network.
pub fn load_network(paths: &InputPaths, regions: RegionTable) -> LoadedNetwork {
    let loaded = load(paths, regions);
    LoadedNetwork {
        net: Network::build(loaded.model),
        errors: loaded.errors,
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
