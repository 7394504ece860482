//! The region table: `data/regions.csv`, compiled in, or a user's replacement.

use std::path::Path;
use std::sync::Arc;

use super::quote;
use super::table::{read_all, read_with_comments, req, Column, Source};
use crate::model::RegionTable;
use crate::problem::Problem;

const COLUMNS: [Column; 3] = [req("country_code"), req("country_name"), req("csp_region")];

/// The table shipped in `data/regions.csv`.
pub const BUILTIN: &str = include_str!("../../data/regions.csv");

/// The compiled-in region table.
pub fn builtin_regions() -> RegionTable {
    let mut errors = Vec::new();
    let table = parse_regions(BUILTIN.as_bytes(), &"data/regions.csv".into(), &mut errors);
    debug_assert!(errors.is_empty(), "built-in region table: {errors:?}");
    table
}

/// Reads a region table from a file (`--regions FILE`).
pub fn load_regions(path: &Path) -> Result<RegionTable, Vec<Problem>> {
    let file: Arc<str> = path.display().to_string().into();
    let mut errors = Vec::new();
    let table = match read_all(path, &file) {
        Ok(bytes) => parse_regions(&bytes, &file, &mut errors),
        Err(e) => {
            errors.push(e);
            RegionTable::default()
        }
    };
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(errors)
    }
}

/// Reads a region table from CSV bytes. Lines starting with `#` are comments.
pub fn parse_regions(bytes: &[u8], file: &Arc<str>, errors: &mut Vec<Problem>) -> RegionTable {
    let mut table = RegionTable::default();
    read_with_comments(
        Source::Bytes(bytes),
        file,
        &COLUMNS,
        Some(b'#'),
        errors,
        |row| add_row(&mut table, row),
    );
    table
}

fn add_row(table: &mut RegionTable, row: &mut super::table::Row<'_>) {
    let code = row.required(0);
    let name = row.required(1);
    let region = row.required(2);
    if let Some(c) = code {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            row.error(
                0,
                format!(
                    "country code {}: expected two letters (ISO 3166-1 alpha-2)",
                    quote(c)
                ),
            );
        }
    }
    if let (Some(c), Some(n), Some(r), true) = (code, name, region, row.ok()) {
        if !table.insert(c, n, r) {
            row.error(0, format!("duplicate country code {}", quote(c)));
        }
    }
}
