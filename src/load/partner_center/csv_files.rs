//! The CSV downloads: reconciliation and daily usage line items, the customer list and the MPA
//! signed status download, each read into [`Facts`] with every bad cell reported.

use std::sync::Arc;

use rayon::prelude::*;

use super::detect::{self, find, Col, Kind};
use super::facts::{Facts, Said, Src};
use super::values::{self, Reseller};
use crate::load::quote;
use crate::problem::Problem;

/// A CSV file's records (header first), each with its physical line, or the problem that stops
/// the file from being read.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u32, csv::StringRecord)>,
}

/// The records after a CSV file's header, read one at a time.
pub struct Rows<'a> {
    rdr: csv::Reader<&'a [u8]>,
    path: Arc<str>,
}

impl Rows<'_> {
    /// Reads the next non-blank record into `record` and gives its physical line: `Ok(None)` at
    /// the end, `Err(())` when the file cannot be read on (the problem is in `errors`).
    fn next(
        &mut self,
        record: &mut csv::StringRecord,
        errors: &mut Vec<Problem>,
    ) -> Result<Option<u32>, ()> {
        loop {
            match self.rdr.read_record(record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    if record.len() == 1 && record[0].trim().is_empty() {
                        continue;
                    }
                    return Ok(Some(record.position().map_or(1, |p| p.line()) as u32));
                }
                Err(e) => {
                    let (line, what) = match e.kind() {
                        csv::ErrorKind::Utf8 { pos, err } => (
                            pos.as_ref().map_or(1, |p| p.line()),
                            format!(
                                "invalid UTF-8 in field {}: expected UTF-8 text",
                                err.field() + 1
                            ),
                        ),
                        _ => (
                            e.position().map_or(1, |p| p.line()),
                            format!("unreadable CSV: {e}"),
                        ),
                    };
                    errors.push(Problem::new(&self.path, line, 1, what));
                    return Err(());
                }
            }
        }
    }

    /// Whether the file can be read to its end (reading and dropping the records left).
    pub fn finish(mut self, errors: &mut Vec<Problem>) -> bool {
        let mut record = csv::StringRecord::new();
        loop {
            match self.next(&mut record, errors) {
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(()) => return false,
            }
        }
    }

    /// Every record left, or none when the file cannot be read to its end.
    pub fn rest(mut self, errors: &mut Vec<Problem>) -> Option<Vec<(u32, csv::StringRecord)>> {
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        while let Some(line) = self.next(&mut record, errors).ok()? {
            rows.push((line, record.clone()));
        }
        Some(rows)
    }
}

/// Opens CSV bytes (comma-separated, RFC 4180 quoting): the header row (normalized) and the
/// records after it, or the problem that stops the file from being read.
pub fn open<'a>(
    bytes: &'a [u8],
    path: &Arc<str>,
    errors: &mut Vec<Problem>,
) -> Option<(Vec<String>, Rows<'a>)> {
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Rows {
        rdr,
        path: Arc::clone(path),
    };
    let mut record = csv::StringRecord::new();
    match rows.next(&mut record, errors) {
        Err(()) => None,
        Ok(None) => {
            errors.push(Problem::whole_file(
                path,
                "empty file: expected a header row",
            ));
            None
        }
        Ok(Some(_)) => Some((record.iter().map(detect::normalize).collect(), rows)),
    }
}

/// Reads CSV bytes into records (header first), or reports why the file cannot be read.
pub fn read(bytes: &[u8], path: &Arc<str>, errors: &mut Vec<Problem>) -> Option<Table> {
    let (header, rows) = open(bytes, path, errors)?;
    let rows = rows.rest(errors)?;
    Some(Table { header, rows })
}

/// The header row of a CSV file from the head of its bytes (`eof`: the head is the whole file),
/// as [`read`] gives it, without reading the rows: `Some(None)` when the file has no readable
/// header row, `None` when the head ends before the first record does.
pub fn header(head: &[u8], eof: bool) -> Option<Option<Vec<String>>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return if eof { Some(None) } else { None },
            Ok(true) => {
                if !eof && rdr.position().byte() >= head.len() as u64 {
                    // The record may go on past the head.
                    return None;
                }
                let Ok(record) = csv::StringRecord::from_byte_record(record.clone()) else {
                    return Some(None);
                };
                if record.len() == 1 && record[0].trim().is_empty() {
                    continue;
                }
                return Some(Some(record.iter().map(detect::normalize).collect()));
            }
            Err(_) => return Some(None),
        }
    }
}

/// The columns the rows are read by, found in the header once per file rather than once per
/// cell: (the column's name, its index in the header).
struct Found(Vec<(&'static str, Option<usize>)>);

impl Found {
    fn new(header: &[String]) -> Found {
        let cols = [
            detect::PARTNER_ID,
            detect::CUSTOMER_ID,
            detect::CUSTOMER_NAME,
            detect::CUSTOMER_COUNTRY,
            detect::MPN_ID,
            detect::RESELLER_MPN_ID,
            detect::ORDER_DATE,
            detect::CHARGE_START,
            detect::USAGE_DATE,
            detect::MICROSOFT_ID,
            detect::COMPANY_NAME,
            detect::RESELLER_NAME,
            detect::MPA_SIGNED,
            detect::REGION,
        ];
        Found(cols.iter().map(|c| (c.name, find(header, c))).collect())
    }

    fn index(&self, header: &[String], c: &Col) -> Option<usize> {
        match self.0.iter().find(|(name, _)| *name == c.name) {
            Some((_, i)) => *i,
            None => find(header, c),
        }
    }
}

/// Cell access for one row, collecting problems with their column.
struct Cells<'a> {
    header: &'a [String],
    found: &'a Found,
    row: &'a csv::StringRecord,
    line: u32,
    path: &'a Arc<str>,
    errors: &'a mut Vec<Problem>,
    ok: bool,
}

impl Cells<'_> {
    fn at(&self, c: &Col) -> Option<(usize, &str)> {
        let i = self.found.index(self.header, c)?;
        Some((i, self.row.get(i).unwrap_or("").trim()))
    }

    fn get(&self, c: &Col) -> Option<&str> {
        self.at(c).map(|(_, v)| v).filter(|v| !v.is_empty())
    }

    fn error(&mut self, col: usize, message: String) {
        self.ok = false;
        self.errors.push(Problem::new(
            self.path,
            self.line as u64,
            col as u64 + 1,
            message,
        ));
    }

    /// A required cell that must pass `valid`.
    fn required(&mut self, c: &Col, valid: fn(&str) -> bool, expected: &str) -> Option<String> {
        let (i, v) = match self.at(c) {
            Some((i, v)) => (i, v.to_string()),
            None => return None,
        };
        if v.is_empty() {
            self.error(i, format!("empty '{}': expected {expected}", c.name));
            None
        } else if !valid(&v) {
            self.error(
                i,
                format!("invalid {} {}: expected {expected}", c.name, quote(&v)),
            );
            None
        } else {
            Some(v)
        }
    }

    fn date(&mut self, c: &Col) -> Option<Option<crate::model::Date>> {
        let Some((i, v)) = self.at(c) else {
            return Some(None);
        };
        if v.is_empty() {
            return Some(None);
        }
        match values::date(v) {
            Some(d) => Some(Some(d)),
            None => {
                let v = v.to_string();
                self.error(
                    i,
                    format!(
                        "invalid date {} in {}: expected M/D/YYYY (month first, as Partner Center writes it) or YYYY-MM-DD",
                        quote(&v),
                        c.name
                    ),
                );
                None
            }
        }
    }
}

/// How many records are read before they are checked in parallel.
const BATCH: usize = 4096;

/// Reads a line-item file's rows into `facts`, streaming: records are read in batches that are
/// checked in parallel, and go into `facts` in file order once the whole file has been read (a
/// file that cannot be read to its end gives only that problem, as [`read`] does). False when
/// it could not be read.
pub fn load_line_items(
    kind: Kind,
    header: &[String],
    mut rows: Rows<'_>,
    path: &Arc<str>,
    file: usize,
    facts: &mut Facts,
    errors: &mut Vec<Problem>,
) -> bool {
    let found = Found::new(header);
    let mut batch: Vec<(u32, csv::StringRecord)> = Vec::new();
    let mut read: Vec<(u32, Vec<Problem>, Option<Item>)> = Vec::new();
    loop {
        let mut len = 0;
        while len < BATCH {
            if batch.len() == len {
                batch.push((0, csv::StringRecord::new()));
            }
            let (line, record) = &mut batch[len];
            match rows.next(record, errors) {
                Err(()) => return false,
                Ok(None) => break,
                Ok(Some(l)) => *line = l,
            }
            len += 1;
        }
        // Each row is read on its own, in parallel; the results keep file order, so the first
        // record, first name and the problems stay where they were.
        read.par_extend(batch[..len].par_iter().map(|(line, row)| {
            let mut problems = Vec::new();
            let mut c = Cells {
                header,
                found: &found,
                row,
                line: *line,
                path,
                errors: &mut problems,
                ok: true,
            };
            let item = line_item(kind, &mut c);
            (*line, problems, item)
        }));
        if len < BATCH {
            break;
        }
    }
    *facts.line_items.entry(kind.name()).or_default() += read.len() as u64;
    for (line, mut problems, item) in read {
        errors.append(&mut problems);
        if let Some(i) = item {
            let src = Src {
                file,
                line,
                column: 1,
                pointer: None,
            };
            facts.line_item(
                src,
                i.partner_tenant.as_deref(),
                &i.seller,
                i.reseller,
                &i.customer,
                i.name.as_deref(),
                i.country.as_deref(),
                i.date,
            );
        }
    }
    true
}

/// Reads one CSV kind's rows (not line items) into `facts`.
pub fn load(
    kind: Kind,
    table: &Table,
    path: &Arc<str>,
    file: usize,
    facts: &mut Facts,
    errors: &mut Vec<Problem>,
) {
    let n = table.rows.len() as u64;
    let found = Found::new(&table.header);
    *facts.records.entry(kind.name()).or_default() += n;
    for (line, row) in &table.rows {
        let mut c = Cells {
            header: &table.header,
            found: &found,
            row,
            line: *line,
            path,
            errors,
            ok: true,
        };
        let src = Src {
            file,
            line: *line,
            column: 1,
            pointer: None,
        };
        match kind {
            Kind::CustomersCsv => {
                let id = c.required(&detect::MICROSOFT_ID, values::is_guid, "a tenant GUID");
                let name = c.get(&detect::COMPANY_NAME).map(str::to_string);
                if let (Some(id), true) = (id, c.ok) {
                    let t = facts.tenant(&id, &src);
                    if t.name.is_none() {
                        t.name = name;
                    }
                }
            }
            Kind::MpaStatusCsv => {
                let id = c.required(&detect::PARTNER_ID, values::is_mpn, "a PartnerID (digits)");
                let name = c.get(&detect::RESELLER_NAME).map(str::to_string);
                let country = c.get(&detect::REGION).map(str::to_string);
                let signed = c
                    .at(&detect::MPA_SIGNED)
                    .map(|(i, v)| (i, v.to_lowercase()));
                let signed = match signed {
                    Some((_, v)) if matches!(v.as_str(), "signed" | "yes" | "true") => Some(true),
                    Some((_, v))
                        if matches!(v.as_str(), "not signed" | "unsigned" | "no" | "false") =>
                    {
                        Some(false)
                    }
                    Some((i, v)) => {
                        c.error(
                            i,
                            format!(
                                "invalid MPA signed status {}: expected Signed or Not signed",
                                quote(&v)
                            ),
                        );
                        None
                    }
                    None => None,
                };
                if let (Some(id), true) = (id, c.ok) {
                    let p = facts.partner(&id, &src);
                    p.named_reseller = true;
                    if p.name.is_none() {
                        p.name = name.map(|value| Said {
                            value,
                            src: src.clone(),
                        });
                    }
                    if p.country.is_none() {
                        // Region is a country code only when it is two letters.
                        p.country = country.filter(|c| c.len() == 2).map(|c| Said {
                            value: c.to_ascii_uppercase(),
                            src: src.clone(),
                        });
                    }
                    p.mpa = signed.map(|value| Said {
                        value,
                        src: src.clone(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// A line item read, before it goes into [`Facts`].
struct Item {
    partner_tenant: Option<String>,
    seller: String,
    reseller: Reseller,
    customer: String,
    name: Option<String>,
    country: Option<String>,
    date: Option<crate::model::Date>,
}

/// One reconciliation or usage line item: evidence of a customer relationship (none when the
/// row has a problem, which is in `c.errors`).
fn line_item(kind: Kind, c: &mut Cells<'_>) -> Option<Item> {
    let legacy = matches!(kind, Kind::LegacyLicense | Kind::LegacyUsage);
    // A legacy file's PartnerId is a billing entity, not the partner's tenant.
    let partner_tenant = c
        .required(&detect::PARTNER_ID, values::is_guid, "a GUID")
        .filter(|_| !legacy);
    let customer = match c.at(&detect::CUSTOMER_ID) {
        Some((i, "")) => {
            c.error(i, "line item with no customer: empty 'CustomerId', expected the customer's tenant GUID".into());
            None
        }
        _ => c.required(
            &detect::CUSTOMER_ID,
            values::is_guid,
            "the customer's tenant GUID",
        ),
    };
    let seller = c.required(
        &detect::MPN_ID,
        values::is_mpn,
        "the billed partner's PartnerID (digits)",
    );
    let reseller = match c.at(&detect::RESELLER_MPN_ID) {
        None => Some(Reseller::None),
        Some((i, v)) => match values::reseller(v) {
            // In the legacy files -1 is "no reseller" (the documented example), not a removal.
            Some(Reseller::Removed) if legacy => Some(Reseller::None),
            Some(r) => Some(r),
            None => {
                let v = v.to_string();
                c.error(
                    i,
                    format!("invalid ResellerMpnId {}: expected a PartnerID, 0 (sold directly) or -1 (reseller removed)", quote(&v)),
                );
                None
            }
        },
    };
    let dates = [
        c.date(&detect::ORDER_DATE),
        c.date(&detect::CHARGE_START),
        c.date(&detect::USAGE_DATE),
    ];
    let name = c.get(&detect::CUSTOMER_NAME).map(str::to_string);
    let country = c.get(&detect::CUSTOMER_COUNTRY).map(str::to_string);
    if !c.ok {
        return None;
    }
    let (Some(customer), Some(seller), Some(reseller)) = (customer, seller, reseller) else {
        return None;
    };
    let date = dates.iter().flatten().flatten().min().copied();
    if date.is_none() {
        let what = match kind {
            Kind::NceInvoice => "OrderDate or ChargeStartDate",
            Kind::DailyUsage => "UsageDate or ChargeStartDate",
            _ => "ChargeStartDate",
        };
        c.error(
            0,
            format!("line item with no date: expected {what} (M/D/YYYY)"),
        );
        return None;
    }
    Some(Item {
        partner_tenant,
        seller,
        reseller,
        customer,
        name,
        country,
        date,
    })
}
