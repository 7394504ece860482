//! A finding: what a rule reports, as data.

use rayon::prelude::*;

use super::{RuleId, Severity};
use crate::graph::Network;
use crate::model::{IdStr, InputFile, OrgIdx, PartnerIdx, Relationship, TenantIdx};

/// An entity a finding names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// A partner.
    Partner(PartnerIdx),
    /// A tenant.
    Tenant(TenantIdx),
    /// An organization.
    Org(OrgIdx),
}

impl Entity {
    /// The id as written in the input.
    pub fn id<'n>(&self, net: &'n Network) -> IdStr<'n> {
        match *self {
            Entity::Partner(p) => net.model.partner_id(p).into(),
            Entity::Tenant(t) => net.model.tenant_id(t),
            Entity::Org(o) => net.model.org_id(o).into(),
        }
    }

    /// The display name, where the entity has one.
    pub fn name<'n>(&self, net: &'n Network) -> Option<&'n str> {
        match *self {
            Entity::Partner(p) => Some(net.model.partner_name(p)),
            Entity::Tenant(t) => Some(net.model.tenant_name(t)),
            Entity::Org(_) => None,
        }
    }

    /// `partner`, `tenant` or `organization`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entity::Partner(_) => "partner",
            Entity::Tenant(_) => "tenant",
            Entity::Org(_) => "organization",
        }
    }
}

/// A row of an input file that a finding points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowRef {
    /// Which file.
    pub file: InputFile,
    /// Physical line (header = 1).
    pub line: u32,
}

/// One rule violation, with the evidence to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: RuleId,
    /// Severity after configuration (the rule's default until then).
    pub severity: Severity,
    /// What is wrong, in one sentence that names the ids.
    pub message: String,
    /// The entities involved, in the order the rule documents.
    pub entities: Vec<Entity>,
    /// Ids of entities that are not in the network (rejected rows), reported as written.
    pub raw_entities: Vec<String>,
    /// The rows that show it.
    pub rows: Vec<RowRef>,
    /// For a self-sale, the cycle as a path of entities.
    pub path: Vec<Entity>,
}

impl Finding {
    /// A finding of `rule` with the rule's default severity.
    pub fn new(rule: RuleId, message: String) -> Finding {
        Finding {
            rule,
            severity: rule.info().default_severity,
            message,
            entities: Vec::new(),
            raw_entities: Vec::new(),
            rows: Vec::new(),
            path: Vec::new(),
        }
    }

    /// Adds an entity.
    pub fn entity(mut self, e: Entity) -> Finding {
        self.entities.push(e);
        self
    }

    /// Adds a relationships.csv row by its line.
    pub fn rel_row(mut self, line: u32) -> Finding {
        self.rows.push(RowRef {
            file: InputFile::Relationships,
            line,
        });
        self
    }

    /// Adds the parties of a sale (seller, reseller if any, tenant) and its row.
    pub fn sale(mut self, r: &Relationship) -> Finding {
        self.entities.push(Entity::Partner(r.from_partner()));
        if let Some(reseller) = r.reseller() {
            self.entities.push(Entity::Partner(reseller));
        }
        self.entities.push(Entity::Tenant(r.to_tenant()));
        self.rel_row(r.line())
    }

    /// The entity ids, as written in the input.
    pub fn entity_ids<'n>(&'n self, net: &'n Network) -> Vec<IdStr<'n>> {
        self.entities
            .iter()
            .map(|e| e.id(net))
            .chain(self.raw_entities.iter().map(|s| IdStr::text(s)))
            .collect()
    }
}

/// Sorts findings by rule, then entity ids, then message, then rows: an order that depends
/// neither on the thread count nor (but for the rows' lines) on the order of rows in the input.
pub fn sort_findings(net: &Network, findings: &mut [Finding]) {
    fn ids<'a>(net: &'a Network, f: &'a Finding) -> impl Iterator<Item = IdStr<'a>> + 'a {
        f.entities
            .iter()
            .map(move |e| e.id(net))
            .chain(f.raw_entities.iter().map(|s| IdStr::text(s)))
    }
    findings.par_sort_by(|a, b| {
        a.rule
            .cmp(&b.rule)
            .then_with(|| ids(net, a).cmp(ids(net, b)))
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.rows.cmp(&b.rows))
    });
}
