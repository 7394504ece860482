//! What the user adds next to the Partner Center files: `partners.csv` in contract v1's
//! columns (every column but `partner_id` may be left out or empty) and `affiliates.csv`
//! (`from_id,to_id` organization ids).

use std::path::Path;
use std::sync::Arc;

use super::facts::Facts;
use super::{csv_files, USER_AFFILIATES, USER_PARTNERS};
use crate::load::quote;
use crate::problem::Problem;

/// The columns of contract v1's `partners.csv`, in its order.
pub const PARTNER_COLUMNS: [&str; 9] = [
    "partner_id",
    "name",
    "role",
    "country",
    "organization_id",
    "csp_tenant_id",
    "onboarded_on",
    "enrolled_on",
    "mpa_signed_on",
];

/// One row of the user's `partners.csv`: its values by [`PARTNER_COLUMNS`] (empty: not said).
#[derive(Clone, Debug)]
pub struct UserPartner {
    pub values: [String; 9],
    pub line: u32,
}

/// The user's additions.
#[derive(Debug, Default)]
pub struct UserFiles {
    /// Index of `partners.csv` in [`Facts::files`], when it is there.
    pub partners_file: Option<usize>,
    pub partners: Vec<UserPartner>,
    pub affiliates_file: Option<usize>,
    /// (from_id, to_id, line).
    pub affiliates: Vec<(String, String, u32)>,
}

pub fn load(dir: &Path, facts: &mut Facts, errors: &mut Vec<Problem>) -> UserFiles {
    let mut user = UserFiles::default();
    let path = dir.join(USER_PARTNERS);
    if let Some((file, name, table)) = open(&path, facts, errors) {
        user.partners_file = Some(file);
        let cols: Vec<Option<usize>> = PARTNER_COLUMNS
            .iter()
            .map(|c| table.header.iter().position(|h| h == c))
            .collect();
        for (i, h) in table.header.iter().enumerate() {
            if !h.is_empty() && !PARTNER_COLUMNS.contains(&h.as_str()) {
                errors.push(Problem::new(
                    &name,
                    1,
                    i as u64 + 1,
                    format!(
                        "unknown column {} in {USER_PARTNERS}: expected some of {}",
                        quote(h),
                        PARTNER_COLUMNS.join(", ")
                    ),
                ));
            }
        }
        if cols[0].is_none() {
            errors.push(Problem::whole_file(
                &name,
                "no partner_id column: expected partner_id (the PartnerID) and any of the other partners.csv columns",
            ));
        } else {
            for (line, row) in &table.rows {
                let values: [String; 9] = std::array::from_fn(|c| {
                    cols[c]
                        .and_then(|i| row.get(i))
                        .unwrap_or("")
                        .trim()
                        .to_string()
                });
                if values[0].is_empty() {
                    let col = cols[0].unwrap_or(0) as u64 + 1;
                    errors.push(Problem::new(
                        &name,
                        *line as u64,
                        col,
                        "empty 'partner_id': expected the partner's PartnerID",
                    ));
                    continue;
                }
                user.partners.push(UserPartner {
                    values,
                    line: *line,
                });
            }
        }
    }
    let path = dir.join(USER_AFFILIATES);
    if let Some((file, name, table)) = open(&path, facts, errors) {
        user.affiliates_file = Some(file);
        let from = table.header.iter().position(|h| h == "from_id");
        let to = table.header.iter().position(|h| h == "to_id");
        match (from, to) {
            (Some(f), Some(t)) => {
                for (line, row) in &table.rows {
                    let a = row.get(f).unwrap_or("").trim();
                    let b = row.get(t).unwrap_or("").trim();
                    for (v, c) in [(a, f), (b, t)] {
                        if v.is_empty() {
                            errors.push(Problem::new(
                                &name,
                                *line as u64,
                                c as u64 + 1,
                                "empty organization id: expected from_id and to_id",
                            ));
                        }
                    }
                    if !a.is_empty() && !b.is_empty() {
                        user.affiliates.push((a.to_string(), b.to_string(), *line));
                    }
                }
            }
            _ => errors.push(Problem::whole_file(
                &name,
                "expected the columns from_id,to_id (organization ids)",
            )),
        }
    }
    user
}

fn open(
    path: &Path,
    facts: &mut Facts,
    errors: &mut Vec<Problem>,
) -> Option<(usize, Arc<str>, csv_files::Table)> {
    if !path.is_file() {
        return None;
    }
    let name: Arc<str> = path.display().to_string().into();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            errors.push(Problem::whole_file(&name, format!("cannot read: {e}")));
            return None;
        }
    };
    let table = csv_files::read(&bytes, &name, errors)?;
    let file = facts.files.len();
    facts.files.push(Arc::clone(&name));
    Some((file, name, table))
}
