//! Header resolution: which field holds each column a loader reads, the did-you-mean for a
//! column that looks like a missing one, and the field separator found in the header line.

use std::sync::Arc;

use super::row::{windows_1252_hint, Raw, Record};
use super::{Column, ColumnMapping, Encoding, TableInfo};
use crate::load::error::{did_you_mean, quote};
use crate::problem::Problem;

/// The header of a table, resolved against the columns a loader reads.
pub(super) struct Header {
    /// Field index of each spec column.
    pub(super) fields: Vec<Option<usize>>,
    /// Each spec column's name as the header writes it (its contract name when absent).
    pub(super) names: Vec<Box<str>>,
    /// Number of fields in the header row.
    pub(super) width: usize,
}

/// The header name spec column `c` is looked for under (lower case).
fn wanted_name(c: &Column, mapping: &[ColumnMapping]) -> String {
    mapping
        .iter()
        .find(|m| m.column == c.name)
        .map_or_else(|| c.name.to_string(), |m| m.header.trim().to_lowercase())
}

/// Resolves the header record against `columns`; `None` (with the problems in `errors`) when
/// it cannot be read. `at` is where the header is, for messages.
pub(super) fn resolve_header(
    file: &Arc<str>,
    at: &Raw<'_>,
    record: &Record<'_>,
    columns: &[Column],
    mapping: &[ColumnMapping],
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
) -> Option<Header> {
    let before = errors.len();
    let line = at.line;
    // A header of one field that another separator splits into our columns: the file is
    // read with the wrong separator (`--delimiter`), which is one problem, not one per column.
    if let [only] = record.iter().collect::<Vec<_>>()[..] {
        let other = detect_delimiter(only, columns, mapping);
        if other != at.delimiter && only.contains(&other) {
            errors.push(Problem::whole_file(
                file,
                format!(
                    "the header is one column: its names are separated by {}, not {}: expected --delimiter {} or no --delimiter",
                    delimiter_name(other),
                    delimiter_name(at.delimiter),
                    delimiter_name(other).trim_matches('\''),
                ),
            ));
            return None;
        }
    }
    let mut fields = vec![None; columns.len()];
    let mut names: Vec<Box<str>> = columns.iter().map(|c| c.name.into()).collect();
    let wanted: Vec<String> = columns.iter().map(|c| wanted_name(c, mapping)).collect();
    let is_mapped = |c: usize| mapping.iter().any(|m| m.column == columns[c].name);
    // Unknown names as written (for messages) and lower-cased (for matching).
    let mut unknown: Vec<(usize, &str, String)> = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let (written, name) = match std::str::from_utf8(raw) {
            Ok(n) => {
                let written = n.trim_start_matches('\u{feff}').trim();
                (written, written.to_lowercase())
            }
            Err(e) => {
                errors.push(Problem::new(
                    file,
                    line,
                    i as u64 + 1,
                    format!(
                        "invalid UTF-8 in header name at byte offset {}: expected UTF-8 text{}",
                        at.offset(i, e.valid_up_to()),
                        windows_1252_hint(Encoding::Utf8, raw)
                    ),
                ));
                continue;
            }
        };
        match wanted.iter().position(|w| *w == name) {
            Some(c) if fields[c].is_some() => errors.push(Problem::new(
                file,
                line,
                i as u64 + 1,
                format!(
                    "duplicated column {} (first in column {}): expected each column once",
                    quote(written),
                    fields[c].map_or(0, |f| f + 1)
                ),
            )),
            Some(c) => {
                fields[c] = Some(i);
                names[c] = written.into();
            }
            None => unknown.push((i, written, name)),
        }
    }
    // A mapped name the header lacks is a mistake in the mapping (or the wrong file).
    for (c, col) in columns.iter().enumerate() {
        if let (None, Some(m)) = (fields[c], mapping.iter().find(|m| m.column == col.name)) {
            let hint = did_you_mean(&m.header, unknown.iter().map(|u| u.1));
            errors.push(Problem::new(
                file,
                line,
                1,
                format!(
                    "no column {}{hint} in the header: {} reads {} from it",
                    quote(&m.header),
                    m.origin,
                    col.name
                ),
            ));
        }
    }
    // An unknown column that looks like a missing known one is a typo or the export's own name
    // for it, not an extra column: ignoring it would silently drop that column's data. Next to
    // a missing required column anything alike is named (the header fails anyway); next to a
    // missing optional one a near-exact spelling or a name with the column's words counts
    // (`reseller` or `ResellerMpnId` for `reseller_id`), but not a name that says it holds
    // something else, as real exports carry extra columns such as `reseller_name` or
    // `relationship_type` that merely resemble ours.
    let (found, is_mapped) = (&fields, &is_mapped);
    let missing = |required: bool| {
        columns
            .iter()
            .enumerate()
            .filter(move |(c, col)| {
                found[*c].is_none() && col.required == required && !is_mapped(*c)
            })
            .map(|(_, col)| col.name)
    };
    let mut explained = Vec::new();
    for (i, written, name) in &unknown {
        let mut hint = did_you_mean(name, missing(true));
        if hint.is_empty() {
            if let Some(m) = missing(true)
                .chain(missing(false))
                .find(|m| misspelt(name, m) || shares_words(written, m))
            {
                hint = format!(" (did you mean '{m}'?)");
            }
        }
        if hint.is_empty() {
            info.ignored.push(written.to_string());
        } else {
            errors.push(Problem::new(
                file,
                line,
                *i as u64 + 1,
                format!(
                    "unknown column {}{hint}: fix the header, or its values would be ignored",
                    quote(written)
                ),
            ));
            explained.extend(missing(true).filter(|m| hint.contains(&format!("'{m}'"))));
        }
    }
    for (c, (col, field)) in columns.iter().zip(&fields).enumerate() {
        if col.required && field.is_none() && !explained.contains(&col.name) && !is_mapped(c) {
            errors.push(Problem::new(
                file,
                line,
                1,
                format!(
                    "missing required column '{}': expected a header with {}",
                    col.name,
                    required_names(columns)
                ),
            ));
        }
    }
    for (c, col) in columns.iter().enumerate() {
        match fields[c] {
            None if !col.required => info.absent.push(col.name),
            Some(_) if is_mapped(c) => info.mapped.push((col.name, names[c].to_string())),
            _ => {}
        }
    }
    (errors.len() == before).then_some(Header {
        fields,
        names,
        width: record.len(),
    })
}

/// Whether header name `found` is a misspelling of column `name`: the same letters and digits
/// (`Onboarded On`, `onboarded-on`), or at most two edits apart (`organisation_id`).
fn misspelt(found: &str, name: &str) -> bool {
    let letters = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    letters(found) == letters(name) || strsim::damerau_levenshtein(found, name) <= 2
}

/// The words of a header name, lower case: split at `_`, `-`, spaces, dots and camelCase
/// humps (`ResellerMpnId`, `MPASignedOn`), common abbreviations spelt out (`org`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        // A hump: lower → Upper (`resellerId`), or the last capital of an acronym before a
        // lower-case letter (`MPASigned`: `MPA`, `Signed`).
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if hump && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    for w in &mut out {
        let full = match w.as_str() {
            "org" | "orgs" | "organisation" => "organization",
            "rel" | "relation" => "relationship",
            "cust" => "customer",
            "eff" => "effective",
            "mpa" | "agreement" => "mpa",
            _ => continue,
        };
        *w = full.to_string();
    }
    out
}

/// Words that say nothing about which column a name is (`id` ends half of them).
const GENERIC_WORDS: [&str; 4] = ["id", "on", "date", "the"];

/// Words that may stand next to a column's own words in another export's name for it: the
/// kind of value (`reseller_mpn_id` for `reseller_id`, `mpa_date` for `mpa_signed_on`).
fn kind_words(column: &str) -> &'static [&'static str] {
    if column.ends_with("_id") {
        &[
            "id", "mpn", "guid", "uuid", "number", "no", "num", "key", "code", "ref",
        ]
    } else if column.ends_with("_on") {
        &[
            "on",
            "date",
            "day",
            "at",
            "dt",
            "signed",
            "signature",
            "time",
        ]
    } else {
        &[]
    }
}

/// Whether header name `found` is another export's name for column `column`: it has one of
/// the column's distinctive words, and every other word of it is one of the column's words or
/// says what kind of value the column holds. `reseller`, `ResellerMpnId` and `reseller_number`
/// are `reseller_id`; `reseller_name` is not (a name is not an id), nor is `relationship_type`
/// `relationship_id`.
pub(crate) fn shares_words(found: &str, column: &str) -> bool {
    let have = words(found);
    let want = words(column);
    let shared = have
        .iter()
        .any(|w| want.contains(w) && !GENERIC_WORDS.contains(&w.as_str()));
    shared
        && have
            .iter()
            .all(|w| want.contains(w) || kind_words(column).contains(&w.as_str()))
}

/// Picks the field separator from the header line: the one of `,` `;` tab `|` that splits it
/// into the most column names the table reads (a comma when none does better).
pub(super) fn detect_delimiter(head: &[u8], columns: &[Column], mapping: &[ColumnMapping]) -> u8 {
    let wanted: Vec<String> = columns.iter().map(|c| wanted_name(c, mapping)).collect();
    // The first line that holds anything.
    let line = head
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .unwrap_or_default();
    let known = |d: u8| {
        line.split(|&b| b == d)
            .filter(|name| {
                let name = String::from_utf8_lossy(name);
                let name = name.trim_start_matches('\u{feff}').trim().trim_matches('"');
                wanted.contains(&name.trim().to_lowercase())
            })
            .count()
    };
    let mut best = (b',', known(b','));
    for d in [b';', b'\t', b'|'] {
        let n = known(d);
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// The name of a field separator, for messages.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", char::from(d)),
    }
}

/// Required column names, for messages.
pub(super) fn required_names(columns: &[Column]) -> String {
    columns
        .iter()
        .filter(|c| c.required)
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::{detect_delimiter, shares_words, words};
    use crate::load::table::req;

    #[test]
    fn words_split_at_punctuation_and_camel_case_humps() {
        assert_eq!(words("ResellerMpnId"), ["reseller", "mpn", "id"]);
        assert_eq!(words("MPASignedOn"), ["mpa", "signed", "on"]);
        assert_eq!(words(" org-id "), ["organization", "id"]);
        assert_eq!(words("Onboarded On"), ["onboarded", "on"]);
        assert_eq!(words("tenant2Id"), ["tenant2", "id"]);
    }

    #[test]
    fn a_name_shares_a_columns_words_only_when_it_says_nothing_else() {
        for (found, column) in [
            ("reseller", "reseller_id"),
            ("reseller_mpn_id", "reseller_id"),
            ("ResellerNumber", "reseller_id"),
            ("mpa_date", "mpa_signed_on"),
            ("MPA signature date", "mpa_signed_on"),
            ("tenant_id", "csp_tenant_id"),
            ("org_id", "organization_id"),
            ("effective_date", "effective_on"),
        ] {
            assert!(shares_words(found, column), "{found} ~ {column}");
        }
        for (found, column) in [
            ("reseller_name", "reseller_id"),
            ("relationship_type", "relationship_id"),
            ("tenant_name", "csp_tenant_id"),
            ("id", "reseller_id"),
            ("mpn_id", "csp_tenant_id"),
            ("notes", "organization_id"),
            ("reseller_country", "reseller_id"),
        ] {
            assert!(!shares_words(found, column), "{found} !~ {column}");
        }
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_header_into_known_columns() {
        let columns = [req("tenant_id"), req("name"), req("kind"), req("country")];
        assert_eq!(
            detect_delimiter(b"tenant_id;name;kind;country\n", &columns, &[]),
            b';'
        );
        assert_eq!(
            detect_delimiter(b"\n\"tenant_id\"\t\"name\"\n", &columns, &[]),
            b'\t'
        );
        assert_eq!(
            detect_delimiter(b"tenant_id|name,x|kind\n", &columns, &[]),
            b'|'
        );
        // Nothing known: the comma (and the header problems say what is wrong).
        assert_eq!(detect_delimiter(b"a;b;c\n", &columns, &[]), b',');
        assert_eq!(detect_delimiter(b"", &columns, &[]), b',');
    }
}
