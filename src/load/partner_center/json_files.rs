//! Saved API responses: one JSON document per file or JSON Lines, recognized by their shape,
//! with every problem reported at its file, line and JSON pointer.

use std::sync::Arc;

use serde_json::Value;

use super::detect::Kind;
use super::facts::{upsert, Facts, Said, Src};
use super::values::{self, Reseller};
use crate::load::quote;
use crate::problem::Problem;

/// Where the items of a JSON document start: the physical line and column (1-based, in
/// characters) of each element of an array that is a top-level member (`/items/3`) or a member
/// of a top-level object (`/response/items/3`), by JSON pointer. Empty for a JSON Lines record:
/// its line is the position.
#[derive(Debug, Default)]
pub struct Positions {
    starts: std::collections::HashMap<String, (u32, u32)>,
}

impl Positions {
    /// The positions of the items of `text`, one whole JSON document.
    fn of(text: &str) -> Positions {
        let base = text.as_ptr() as usize;
        let mut offsets: Vec<(usize, String)> = Vec::new();
        let Ok(top) = serde_json::from_str::<Members<'_>>(text) else {
            return Positions::default();
        };
        for (prefix, inner) in arrays(base, "", top, true, &mut offsets) {
            arrays(base, &prefix, inner, false, &mut offsets);
        }
        offsets.sort_unstable();
        let mut starts = std::collections::HashMap::with_capacity(offsets.len());
        let (mut line, mut line_start, mut done) = (1u32, 0usize, 0usize);
        for (at, pointer) in offsets {
            for (i, b) in text.as_bytes()[done..at].iter().enumerate() {
                if *b == b'\n' {
                    line += 1;
                    line_start = done + i + 1;
                }
            }
            done = at;
            let column = text[line_start..at].chars().count() as u32 + 1;
            starts.insert(pointer, (line, column));
        }
        Positions { starts }
    }

    /// The line and column of the item that holds `pointer` (`/items/3/customerId` is in
    /// `/items/3`), or `line`, column 1, when no item does.
    pub fn at(&self, pointer: &str, line: u32) -> (u32, u32) {
        let mut p = pointer;
        loop {
            if let Some(at) = self.starts.get(p) {
                return *at;
            }
            match p.rfind('/') {
                Some(i) if i > 0 => p = &p[..i],
                _ => return (line, 1),
            }
        }
    }
}

type Members<'a> = std::collections::BTreeMap<String, &'a serde_json::value::RawValue>;

/// Records the offset of every element of the arrays among `members` (under `prefix`); returns
/// the members that are objects, when `deeper`.
fn arrays<'a>(
    base: usize,
    prefix: &str,
    members: Members<'a>,
    deeper: bool,
    offsets: &mut Vec<(usize, String)>,
) -> Vec<(String, Members<'a>)> {
    use serde_json::value::RawValue;
    let mut objects = Vec::new();
    for (key, value) in members {
        let key = key.replace('~', "~0").replace('/', "~1");
        if let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(value.get()) {
            for (i, item) in items.iter().enumerate() {
                // A borrowed RawValue is a slice of the document: its address is its offset.
                let at = item.get().as_ptr() as usize - base;
                offsets.push((at, format!("{prefix}/{key}/{i}")));
            }
        } else if deeper {
            if let Ok(inner) = serde_json::from_str::<Members<'a>>(value.get()) {
                objects.push((format!("{prefix}/{key}"), inner));
            }
        }
    }
    objects
}

/// One document of a JSON file: its line (1 for a whole file), value and item positions.
pub struct Doc {
    pub line: u32,
    pub value: Value,
    pub positions: Positions,
}

/// The documents of a JSON file: the whole file, or else each non-empty line (JSON Lines).
pub fn documents(bytes: &[u8], path: &Arc<str>, errors: &mut Vec<Problem>) -> Vec<Doc> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => {
            // It parsed, so it is UTF-8.
            let positions =
                std::str::from_utf8(bytes).map_or_else(|_| Positions::default(), Positions::of);
            return vec![Doc {
                line: 1,
                value,
                positions,
            }];
        }
        Err(e) if !e.is_syntax() || !bytes.contains(&b'\n') => {
            errors.push(Problem::new(
                path,
                e.line() as u64,
                e.column() as u64,
                format!("invalid JSON: {e}: expected a saved Partner Center or Graph response"),
            ));
            return Vec::new();
        }
        Err(_) => {}
    }
    let mut docs = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(value) => docs.push(Doc {
                line: i as u32 + 1,
                value,
                positions: Positions::default(),
            }),
            Err(e) => errors.push(Problem::new(
                path,
                i as u64 + 1,
                e.column() as u64,
                format!("invalid JSON Lines record: {e}: expected one JSON object per line"),
            )),
        }
    }
    docs
}

/// The kind of one document, from its shape.
pub fn kind(v: &Value) -> Option<Kind> {
    let o = v.as_object()?;
    if o.contains_key("response") && (o.contains_key("mpnId") || o.contains_key("tenantId")) {
        return Some(Kind::MpaStatus);
    }
    if o.contains_key("customerId") && o.contains_key("response") {
        return (kind(&o["response"]) == Some(Kind::Subscriptions)).then_some(Kind::Subscriptions);
    }
    if let Some(items) = o.get("items").and_then(Value::as_array) {
        let first = items.first().and_then(Value::as_object);
        return match first {
            // An empty page of any collection: nothing to read, whatever it lists.
            None => o
                .get("attributes")
                .and_then(|a| a.get("objectType"))
                .map(|_| Kind::Customers),
            Some(f) if f.contains_key("companyProfile") => Some(Kind::Customers),
            Some(f)
                if f.contains_key("quantity")
                    && (f.contains_key("offerId") || f.contains_key("offerName")) =>
            {
                Some(Kind::Subscriptions)
            }
            Some(f)
                if f.contains_key("customerId")
                    && (f.contains_key("mpnId") || f.contains_key("invoiceLineItemType")) =>
            {
                Some(Kind::InvoiceLineItems)
            }
            Some(f)
                if f.contains_key("mpnId")
                    && (f.contains_key("relationshipType")
                        || f.contains_key("state")
                        || f.contains_key("location")) =>
            {
                Some(Kind::IndirectResellers)
            }
            Some(_) => None,
        };
    }
    if let Some(items) = o.get("value").and_then(Value::as_array) {
        let gdap = items
            .iter()
            .all(|i| i.get("customer").is_some() && i.get("accessDetails").is_some())
            || o.get("@odata.context")
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains("delegatedAdminRelationships"));
        return gdap.then_some(Kind::Gdap);
    }
    if o.contains_key("tenantId") && o.contains_key("companyName") {
        return Some(Kind::OrganizationProfile);
    }
    if o.contains_key("mpnId") && o.contains_key("partnerName") {
        return Some(Kind::MpnProfile);
    }
    None
}

/// A string or number id at `key` (the APIs write PartnerIDs both ways).
fn id(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.as_str()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Reads one document of `kind` into `facts`.
pub fn load(
    kind: Kind,
    d: &Doc,
    path: &Arc<str>,
    file: usize,
    facts: &mut Facts,
    errors: &mut Vec<Problem>,
) {
    let (doc, line, positions) = (&d.value, d.line, &d.positions);
    let src = |pointer: String| {
        let (line, column) = positions.at(&pointer, line);
        Src {
            file,
            line,
            column,
            pointer: Some(pointer),
        }
    };
    let mut bad = |pointer: &str, message: String| {
        let (line, column) = positions.at(pointer, line);
        errors.push(Problem::new(
            path,
            line as u64,
            column as u64,
            format!("at {pointer}: {message}"),
        ));
    };
    let items = |key: &str| -> Vec<(String, &Value)> {
        doc.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(i, v)| (format!("/{key}/{i}"), v))
                    .collect()
            })
            .unwrap_or_default()
    };
    match kind {
        Kind::Customers => {
            for (p, item) in items("items") {
                *facts.records.entry(kind.name()).or_default() += 1;
                let Some(tid) = id(item, "id").filter(|t| values::is_guid(t)) else {
                    bad(
                        &format!("{p}/id"),
                        "expected the customer's tenant GUID".into(),
                    );
                    continue;
                };
                let name = text(item, &["companyProfile", "companyName"]);
                let country = text(item, &["billingProfile", "defaultAddress", "country"]);
                let s = src(p);
                let t = facts.tenant(&tid, &s);
                if t.name.is_none() {
                    t.name = name;
                }
                if t.country.is_none() {
                    t.country = country.map(|c| Said {
                        value: c.to_ascii_uppercase(),
                        src: s,
                    });
                }
            }
        }
        Kind::IndirectResellers => {
            for (p, item) in items("items") {
                *facts.records.entry(kind.name()).or_default() += 1;
                let mpn = id(item, "mpnId").filter(|m| values::is_mpn(m));
                let tid = id(item, "id").filter(|t| values::is_guid(t));
                let (Some(mpn), Some(tid)) = (mpn, tid) else {
                    bad(&p, "expected an indirect reseller with a tenant GUID 'id' and a numeric 'mpnId'".into());
                    continue;
                };
                let s = src(p);
                facts.needs_me.get_or_insert(s.clone());
                facts.tenant(&tid, &s);
                let r = facts.partner(&mpn, &s);
                r.named_reseller = true;
                if r.tenant.is_none() {
                    r.tenant = Some(Said {
                        value: tid,
                        src: s.clone(),
                    });
                }
                if r.name.is_none() {
                    r.name = text(item, &["name"]).map(|value| Said {
                        value,
                        src: s.clone(),
                    });
                }
                if r.country.is_none() {
                    r.country = text(item, &["location"]).map(|c| Said {
                        value: c.to_ascii_uppercase(),
                        src: s.clone(),
                    });
                }
                // The provider is the exporting partner, settled once every file is read.
                upsert(&mut facts.resellers, (String::new(), mpn), None, &s);
            }
        }
        Kind::InvoiceLineItems => {
            for (p, item) in items("items") {
                *facts.line_items.entry(kind.name()).or_default() += 1;
                let partner_tenant = id(item, "partnerId");
                let customer = id(item, "customerId");
                let seller = id(item, "mpnId");
                let reseller = id(item, "resellerMpnId").or_else(|| id(item, "tier2MpnId"));
                let date = ["orderDate", "chargeStartDate"]
                    .iter()
                    .filter_map(|k| text(item, &[k]).map(|t| (k, t)))
                    .map(|(k, t)| (k, values::date(&t), t))
                    .collect::<Vec<_>>();
                let mut ok = true;
                if let Some(t) = &partner_tenant {
                    if !values::is_guid(t) {
                        bad(
                            &format!("{p}/partnerId"),
                            format!(
                                "invalid partnerId {}: expected the partner's tenant GUID",
                                quote(t)
                            ),
                        );
                        ok = false;
                    }
                }
                let customer = match customer {
                    Some(c) if values::is_guid(&c) => Some(c),
                    Some(c) => {
                        bad(
                            &format!("{p}/customerId"),
                            format!(
                                "invalid customerId {}: expected the customer's tenant GUID",
                                quote(&c)
                            ),
                        );
                        None
                    }
                    None => {
                        bad(
                            &p,
                            "line item with no customer: expected 'customerId'".into(),
                        );
                        None
                    }
                };
                let seller = seller.filter(|s| values::is_mpn(s));
                if seller.is_none() {
                    bad(
                        &format!("{p}/mpnId"),
                        "expected the billed partner's PartnerID (digits)".into(),
                    );
                }
                let reseller = match reseller.as_deref().map(values::reseller) {
                    None => Some(Reseller::None),
                    Some(Some(r)) => Some(r),
                    Some(None) => {
                        bad(
                            &format!("{p}/resellerMpnId"),
                            "expected a PartnerID, 0 (sold directly) or -1 (reseller removed)"
                                .into(),
                        );
                        None
                    }
                };
                for (k, d, t) in &date {
                    if d.is_none() {
                        bad(
                            &format!("{p}/{k}"),
                            format!("invalid date {}: expected an ISO 8601 date", quote(t)),
                        );
                        ok = false;
                    }
                }
                let day = date.iter().filter_map(|d| d.1).min();
                if day.is_none() && ok {
                    bad(
                        &p,
                        "line item with no date: expected 'orderDate' or 'chargeStartDate'".into(),
                    );
                    ok = false;
                }
                if let (Some(c), Some(s), Some(r), true) = (customer, seller, reseller, ok) {
                    facts.line_item(
                        src(p),
                        partner_tenant.as_deref(),
                        &s,
                        r,
                        &c,
                        text(item, &["customerName"]).as_deref(),
                        text(item, &["customerCountry"]).as_deref(),
                        day,
                    );
                }
            }
        }
        Kind::Subscriptions => {
            let (body, base, envelope) = match doc.get("response") {
                Some(r) => (r, "/response", id(doc, "customerId")),
                None => (doc, "", None),
            };
            let list = body.get("items").and_then(Value::as_array);
            for (i, item) in list.into_iter().flatten().enumerate() {
                *facts.records.entry(kind.name()).or_default() += 1;
                let p = format!("{base}/items/{i}");
                let from_link = text(item, &["links", "self", "uri"]).and_then(|u| {
                    let lower = u.to_ascii_lowercase();
                    let rest = &u[lower.find("/customers/")? + "/customers/".len()..];
                    Some(rest.split('/').next()?.to_string())
                });
                let Some(customer) = envelope
                    .clone()
                    .or(from_link)
                    .filter(|c| values::is_guid(c))
                else {
                    bad(&p, "cannot tell the customer: expected links.self.uri with /customers/{tenant id}/ or the envelope {\"customerId\": ..., \"response\": ...}".into());
                    continue;
                };
                let reseller = match id(item, "partnerId").as_deref().map(values::reseller) {
                    None | Some(Some(Reseller::None | Reseller::Removed)) => None,
                    Some(Some(Reseller::Id(r))) => Some(r.to_string()),
                    Some(None) => {
                        bad(
                            &format!("{p}/partnerId"),
                            "expected the reseller of record's PartnerID (digits) or \"\"".into(),
                        );
                        continue;
                    }
                };
                let when =
                    text(item, &["creationDate"]).or_else(|| text(item, &["effectiveStartDate"]));
                let Some(date) = when.as_deref().and_then(values::date) else {
                    bad(
                        &format!("{p}/creationDate"),
                        "expected an ISO 8601 date-time (creationDate or effectiveStartDate)"
                            .into(),
                    );
                    continue;
                };
                let s = src(p);
                facts.needs_me.get_or_insert(s.clone());
                facts.tenant(&customer, &s);
                if let Some(r) = &reseller {
                    facts.partner(r, &s).named_reseller = true;
                }
                upsert(
                    &mut facts.subscriptions,
                    (reseller, customer.to_lowercase()),
                    Some(date),
                    &s,
                );
            }
        }
        Kind::MpaStatus => {
            *facts.records.entry(kind.name()).or_default() += 1;
            let Some(mpn) = id(doc, "mpnId").filter(|m| values::is_mpn(m)) else {
                bad("/mpnId", "expected the PartnerID the status is for (the envelope is {\"mpnId\": \"...\", \"response\": {...}})".into());
                return;
            };
            let r = &doc["response"];
            let signed = match (
                r.get("isAgreementSigned").and_then(Value::as_bool),
                id(r, "code"),
            ) {
                (Some(b), _) => Some(b),
                // Not signed for the CSP region of the order, or that tenant has not signed.
                (None, Some(code)) if matches!(code.as_str(), "2203" | "2206") => Some(false),
                _ => None,
            };
            let Some(signed) = signed else {
                bad("/response", "expected {\"isAgreementSigned\": true|false} or an error with code 2203 or 2206".into());
                return;
            };
            let s = src("/response".into());
            facts.partner(&mpn, &s).mpa = Some(Said {
                value: signed,
                src: s.clone(),
            });
        }
        Kind::OrganizationProfile => {
            *facts.records.entry(kind.name()).or_default() += 1;
            let s = src(String::new());
            match id(doc, "tenantId").filter(|t| values::is_guid(t)) {
                Some(t) => {
                    facts.my_tenant = Some(Said {
                        value: t,
                        src: s.clone(),
                    })
                }
                None => bad("/tenantId", "expected the partner's tenant GUID".into()),
            }
            facts.my_name = text(doc, &["companyName"]);
            facts.my_country = text(doc, &["defaultAddress", "country"]).map(|c| Said {
                value: c.to_ascii_uppercase(),
                src: src("/defaultAddress/country".into()),
            });
        }
        Kind::MpnProfile => {
            *facts.records.entry(kind.name()).or_default() += 1;
            match id(doc, "mpnId").filter(|m| values::is_mpn(m)) {
                Some(m) => {
                    let s = src(String::new());
                    if let Some(name) = text(doc, &["partnerName"]) {
                        let p = facts.partner(&m, &s);
                        if p.name.is_none() {
                            p.name = Some(Said {
                                value: name,
                                src: s.clone(),
                            });
                        }
                    }
                    facts.me = Some(Said { value: m, src: s });
                }
                None => bad("/mpnId", "expected the partner's PartnerID (digits)".into()),
            }
        }
        Kind::Gdap => {
            for (p, item) in items("value") {
                *facts.records.entry(kind.name()).or_default() += 1;
                let status = text(item, &["status"]).unwrap_or_default();
                if !matches!(
                    status.as_str(),
                    "active" | "expiring" | "terminationRequested"
                ) {
                    *facts.gdap_skipped.entry(status).or_default() += 1;
                    continue;
                }
                let Some(tid) =
                    text(item, &["customer", "tenantId"]).filter(|t| values::is_guid(t))
                else {
                    bad(
                        &format!("{p}/customer/tenantId"),
                        "expected the customer's tenant GUID".into(),
                    );
                    continue;
                };
                let when =
                    text(item, &["activatedDateTime"]).or_else(|| text(item, &["createdDateTime"]));
                let date = when.as_deref().and_then(values::date);
                if date.is_none() {
                    bad(
                        &format!("{p}/activatedDateTime"),
                        "expected an ISO 8601 date-time (activatedDateTime or createdDateTime)"
                            .into(),
                    );
                    continue;
                }
                let s = src(p);
                facts.needs_me.get_or_insert(s.clone());
                let t = facts.tenant(&tid, &s);
                if t.name.is_none() {
                    t.name = text(item, &["customer", "displayName"]);
                }
                let key = (String::new(), tid.to_lowercase());
                upsert(&mut facts.admins, key.clone(), date, &s);
                if let Some(e) = facts.admins.get_mut(&key) {
                    if e.id.is_none() {
                        e.id = text(item, &["id"]);
                    }
                }
            }
        }
        _ => {}
    }
}
