//! The CSV downloads: reconciliation and daily usage line items, the customer list and the MPA
//! signed status download, each read into [`Facts`] with every bad cell reported.

use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use super::detect::{self, find, Col, Kind};
use super::facts::{Facts, Said, Src};
use super::line_items::{Item, LineItems};
use super::values::{self, Reseller};
use crate::load::quote;
use crate::load::table::Fields;
use crate::problem::Problem;

/// A CSV file's records (header first), each with its physical line, or the problem that stops
/// the file from being read.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u32, csv::StringRecord)>,
}

/// The records after a CSV file's header, read one at a time.
pub struct Rows<R> {
    rdr: csv::Reader<R>,
    path: Arc<str>,
}

impl<R: Read> Rows<R> {
    /// Where the next record starts: its byte offset and the line the reader stands on.
    pub fn position(&self) -> (u64, u64) {
        let p = self.rdr.position();
        (p.byte(), p.line())
    }

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

/// Opens CSV text (comma-separated, RFC 4180 quoting): the header row (normalized) and the
/// records after it, or the problem that stops the file from being read.
pub fn open<R: Read>(
    input: R,
    path: &Arc<str>,
    errors: &mut Vec<Problem>,
) -> Option<(Vec<String>, Rows<R>)> {
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
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
pub(super) struct Found(Vec<(&'static str, Option<usize>)>);

impl Found {
    pub(super) fn new(header: &[String]) -> Found {
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

/// The cells of a record, by index.
pub(super) trait Record<'r> {
    /// Cell `i` (not trimmed), if the record has it.
    fn cell(&self, i: usize) -> Option<&'r str>;
}

impl<'r> Record<'r> for &'r csv::StringRecord {
    fn cell(&self, i: usize) -> Option<&'r str> {
        self.get(i)
    }
}

/// A record of [`tokenize_records`] in text that is valid UTF-8 as a whole, so that every
/// field of it is too (fields are cut at ASCII bytes).
impl<'r> Record<'r> for Fields<'r> {
    fn cell(&self, i: usize) -> Option<&'r str> {
        self.get(i).map(|f| std::str::from_utf8(f).unwrap_or(""))
    }
}

/// Cell access for one row, collecting problems with their column.
pub(super) struct Cells<'a, 'r, R> {
    pub(super) header: &'a [String],
    pub(super) found: &'a Found,
    pub(super) row: R,
    pub(super) _row: std::marker::PhantomData<&'r str>,
    pub(super) line: u32,
    pub(super) path: &'a Arc<str>,
    pub(super) errors: &'a mut Vec<Problem>,
    pub(super) ok: bool,
}

impl<'r, R: Record<'r>> Cells<'_, 'r, R> {
    fn at(&self, c: &Col) -> Option<(usize, &'r str)> {
        let i = self.found.index(self.header, c)?;
        Some((i, self.row.cell(i).unwrap_or("").trim()))
    }

    fn get(&self, c: &Col) -> Option<&'r str> {
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
    fn required(&mut self, c: &Col, valid: fn(&str) -> bool, expected: &str) -> Option<&'r str> {
        let (i, v) = self.at(c)?;
        if v.is_empty() {
            self.error(i, format!("empty '{}': expected {expected}", c.name));
            None
        } else if !valid(v) {
            self.error(
                i,
                format!("invalid {} {}: expected {expected}", c.name, quote(v)),
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
                self.error(
                    i,
                    format!(
                        "invalid date {} in {}: expected M/D/YYYY (month first, as Partner Center writes it) or YYYY-MM-DD",
                        quote(v),
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

/// Bytes of a line-item file read, tokenized and checked at a time on the fast path: the
/// most of the file held in memory, whatever its size (more only for a longer record).
pub const BLOCK: usize = 16 << 20;

/// Reads a line-item file's rows with the csv crate, in batches checked in parallel: for the
/// files [`fast_line_items`] does not read. `None` when the file cannot be read to its end
/// (the problem is in `errors`, and nothing was added).
#[allow(clippy::too_many_arguments)]
pub(super) fn slow_line_items(
    kind: Kind,
    header: &[String],
    found: &Found,
    mut rows: Rows<impl Read>,
    path: &Arc<str>,
    items: &mut LineItems,
    problems: &mut Vec<Problem>,
    errors: &mut Vec<Problem>,
) -> Option<u64> {
    let mut batch: Vec<(u32, csv::StringRecord)> = Vec::new();
    let mut read = 0u64;
    loop {
        let mut len = 0;
        while len < BATCH {
            if batch.len() == len {
                batch.push((0, csv::StringRecord::new()));
            }
            let (line, record) = &mut batch[len];
            match rows.next(record, errors) {
                Err(()) => return None,
                Ok(None) => break,
                Ok(Some(l)) => *line = l,
            }
            len += 1;
        }
        // Each row is read on its own, in parallel; the results keep file order, so the first
        // record, first name and the problems stay where they were.
        let checked: Vec<(u32, Vec<Problem>, Option<Item<'_>>)> = batch[..len]
            .par_iter()
            .map(|(line, row)| {
                let mut row_problems = Vec::new();
                let mut c = Cells {
                    header,
                    found,
                    row,
                    _row: std::marker::PhantomData,
                    line: *line,
                    path,
                    errors: &mut row_problems,
                    ok: true,
                };
                let item = line_item(kind, &mut c);
                (*line, row_problems, item)
            })
            .collect();
        read += checked.len() as u64;
        for (line, mut row_problems, item) in checked {
            problems.append(&mut row_problems);
            if let Some(i) = item {
                if !items.add(line, &i) {
                    problems.push(ids_full(path, line));
                }
            }
        }
        if len < BATCH {
            break;
        }
    }
    Some(read)
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
            _row: std::marker::PhantomData,
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
                    let t = facts.tenant(id, &src);
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
                    let p = facts.partner(id, &src);
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

/// One reconciliation or usage line item: evidence of a customer relationship (none when the
/// row has a problem, which is in `c.errors`).
pub(super) fn line_item<'r, R: Record<'r>>(
    kind: Kind,
    c: &mut Cells<'_, 'r, R>,
) -> Option<Item<'r>> {
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
                c.error(
                    i,
                    format!("invalid ResellerMpnId {}: expected a PartnerID, 0 (sold directly) or -1 (reseller removed)", quote(v)),
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
    let name = c.get(&detect::CUSTOMER_NAME);
    let country = c.get(&detect::CUSTOMER_COUNTRY);
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

/// The problem of a line item whose ids no longer fit the file's id columns.
pub(super) fn ids_full(path: &Arc<str>, line: u32) -> Problem {
    Problem::new(
        path,
        u64::from(line),
        1,
        crate::load::column_full("partner and tenant ids"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::line_blocks::fast_line_items;
    use super::*;
    use rand::{Rng, SeedableRng};

    const HEADER: &str = "PartnerId,CustomerId,CustomerName,CustomerCountry,InvoiceNumber,MpnId,ResellerMpnId,OrderDate,SkuId,ChargeType,SubscriptionId,ChargeStartDate";

    /// Reads `bytes` (a line-item file) by `fast` or the csv crate, as `facts` and problems.
    fn read(bytes: &[u8], fast: bool) -> Option<(String, Vec<Problem>)> {
        read_in(bytes, fast, (BLOCK, None))
    }

    fn read_in(
        bytes: &[u8],
        fast: bool,
        sizes: (usize, Option<usize>),
    ) -> Option<(String, Vec<Problem>)> {
        let path: Arc<str> = "f.csv".into();
        let mut errors = Vec::new();
        let (header, rows) = open(bytes, &path, &mut errors)?;
        let kind = detect::csv_kind(&header).ok()?;
        let found = Found::new(&header);
        let mut items = LineItems::new();
        let mut problems = Vec::new();
        let n = if fast {
            let start = rows.position();
            drop(rows);
            // The head is the header row alone: every block is read from `rest`.
            let head = bytes[..start.0 as usize].to_vec();
            let mut rest = &bytes[start.0 as usize..];
            fast_line_items(
                kind,
                &header,
                &found,
                (head, start, &mut rest),
                &path,
                sizes,
                &mut items,
                &mut problems,
            )
            .ok()??
        } else {
            slow_line_items(
                kind,
                &header,
                &found,
                rows,
                &path,
                &mut items,
                &mut problems,
                &mut errors,
            )?
        };
        let mut facts = Facts::default();
        items.into_facts(&mut facts, 0);
        problems.append(&mut errors);
        Some((format!("{n} {facts:?}"), problems))
    }

    /// A random line-item file: valid and broken rows, blank and whitespace lines, quoted
    /// fields over several lines, LF and CRLF, upper- and lower-case GUIDs.
    fn file(rng: &mut impl Rng) -> Vec<u8> {
        let mut out = Vec::new();
        if rng.random_bool(0.2) {
            out.extend_from_slice(b"\xef\xbb\xbf");
        }
        let crlf = rng.random_bool(0.5);
        let end = |rng: &mut dyn rand::RngCore, out: &mut Vec<u8>| {
            if crlf || rng.random_bool(0.1) {
                out.extend_from_slice(b"\r\n");
            } else {
                out.push(b'\n');
            }
        };
        out.extend_from_slice(HEADER.as_bytes());
        end(rng, &mut out);
        let rows = rng.random_range(0..60);
        for _ in 0..rows {
            let pick = rng.random_range(0..100);
            let line: String = match pick {
                0..=4 => String::new(),
                5..=7 => "   ".into(),
                8..=9 => ",,,".into(),
                10..=11 => "short,row".into(),
                _ => {
                    let p = rng.random_range(0..3);
                    let c = rng.random_range(0..5);
                    let mut cust = format!("cccccccc-0000-4000-8000-00000000000{c}");
                    if rng.random_bool(0.3) {
                        cust = cust.to_uppercase();
                    }
                    let name = match rng.random_range(0..5) {
                        0 => String::new(),
                        1 => "\"Multi\nline, name\"".into(),
                        2 => "\"Quoted \"\"x\"\"\"".into(),
                        3 => "\"crlf\r\ninside\"".into(),
                        _ => format!("Name {c}"),
                    };
                    let country = ["US", "de", "", " FR "][rng.random_range(0..4)];
                    let reseller =
                        ["0", "-1", "2000001", "2000002", "", "abc"][rng.random_range(0..6)];
                    let seller = ["1000001", "1000002", "", "x1"][rng.random_range(0..4)];
                    let date = ["10/3/2020", "1/2/2021", "2020-05-01", "13/1/2020", ""]
                        [rng.random_range(0..5)];
                    let start = ["", "9/1/2020", "bad"][rng.random_range(0..3)];
                    let tenant = [
                        "aaaaaaaa-0000-4000-8000-00000000000",
                        "AAAAAAAA-0000-4000-8000-00000000000",
                        "nope",
                    ][rng.random_range(0..3)];
                    let customer = if rng.random_bool(0.05) {
                        String::new()
                    } else {
                        cust
                    };
                    format!("{tenant}{p},{customer},{name},{country},G1,{seller},{reseller},{date},S,new,sub,{start}")
                }
            };
            out.extend_from_slice(line.as_bytes());
            end(rng, &mut out);
        }
        if rng.random_bool(0.3) {
            while out.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                out.pop();
            }
        }
        out
    }

    #[test]
    fn the_fast_path_reads_every_file_as_the_csv_crate_does() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut compared = 0;
        for _ in 0..1500 {
            let bytes = file(&mut rng);
            let slow = read(&bytes, false);
            match read(&bytes, true) {
                Some(fast) => {
                    compared += 1;
                    let slow = slow.expect("read by the csv crate");
                    assert_eq!(fast, slow, "{}", String::from_utf8_lossy(&bytes));
                    // Cut into blocks and chunks of any size, the same.
                    let block = rng.random_range(1..400);
                    let chunk = rng.random_range(1..200);
                    let cut = read_in(&bytes, true, (block, Some(chunk)));
                    assert_eq!(cut.as_ref(), Some(&slow), "{block} {chunk}");
                }
                None => assert!(bytes.contains(&b'\r')),
            }
        }
        assert!(compared > 1450, "{compared}");
    }

    #[test]
    fn files_the_fast_path_cannot_read_exactly_are_left_to_the_csv_crate() {
        let row = "aaaaaaaa-0000-4000-8000-000000000001,cccccccc-0000-4000-8000-000000000001,N,US,G1,1000001,0,10/3/2020,S,new,sub,";
        let lone_cr = format!("{HEADER}\n{row}\r{row}\n");
        assert!(read(lone_cr.as_bytes(), true).is_none());
        let mut bad_utf8 = format!("{HEADER}\n{row}\n").into_bytes();
        bad_utf8.extend_from_slice(b"\xff\n");
        assert!(read(&bad_utf8, true).is_none());
        let (facts, problems) =
            read(format!("{HEADER}\r\n\r\n{row}\r\n").as_bytes(), true).unwrap();
        assert!(problems.is_empty());
        // The csv crate puts a CRLF file's record on the line of the CR before it.
        assert!(facts.starts_with("1 "), "{facts}");
        assert!(facts.contains("line: 1,"), "{facts}");
    }
}
