//! `generate --format partner-center`: a synthetic indirect provider's Partner Center folder —
//! a New Commerce invoice reconciliation file with several line items per subscription, the
//! indirect resellers and profile responses, MPA status, the user's `partners.csv` and
//! `affiliates.csv` — with violations of the rules this input can show planted at known places,
//! and `expected.json`, the findings the audit must report: those and nothing else.
//!
//! Ids are what Partner Center uses: tenant GUIDs and numeric PartnerIDs. The same
//! configuration gives byte-identical files.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Config, GenerateError, Generated};

/// The rules whose violations this generator plants (index into CSP001..CSP010): every rule
/// but CSP006, which Partner Center data cannot show (the line items of one subscription, or of
/// one seller, reseller and customer, are one relationship; reseller lists and GDAP
/// relationships are keyed the same way).
pub const PLANTABLE: [usize; 9] = [0, 1, 2, 3, 4, 6, 7, 8, 9];

const PROVIDER: u64 = 1_000_000;
const NCE_HEADER: &str = "PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,MpnId,ResellerMpnId,OrderId,OrderDate,ProductId,SkuId,AvailabilityId,SkuName,ProductName,ChargeType,UnitPrice,Quantity,Subtotal,TaxTotal,Total,Currency,PriceAdjustmentDescription,PublisherName,PublisherId,SubscriptionDescription,SubscriptionId,ChargeStartDate,ChargeEndDate,TermAndBillingCycle,EffectiveUnitPrice,UnitType,AlternateId,BillableQuantity,BillingFrequency,PricingCurrency,PCToBCExchangeRate,PCToBCExchangeRateDate,MeterDescription,ReservationOrderId,CreditReasonCode,SubscriptionStartDate,SubscriptionEndDate,ReferenceId,ProductQualifiers,PromotionId";
const CHARGES: [&str; 4] = ["new", "cycleCharge", "addQuantity", "renew"];

/// A GUID for entity `n` of kind `kind` (1 partner tenant, 2 customer, 3 subscription).
fn guid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> GenerateError + '_ {
    move |e| GenerateError::Io {
        path: path.display().to_string(),
        source: e,
    }
}

/// Writes one file atomically, as every file the generator writes.
fn write(path: &Path, text: &str) -> Result<(), GenerateError> {
    crate::output::write_file(path, |w| w.write_all(text.as_bytes())).map_err(io(path))
}

/// `M/D/YYYY` for day `d` counted from 2021-01-01 (within 2021-2024).
fn mdy(d: u32) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default()
        + chrono::Days::new(u64::from(d));
    use chrono::Datelike;
    format!("{}/{}/{}", date.month(), date.day(), date.year())
}

/// One planted finding of expected.json: its rule, entity ids and the Partner Center file and
/// line of its first row.
struct Expect {
    rule: &'static str,
    entities: Vec<String>,
    file: &'static str,
    line: u64,
    /// The JSON pointer of the record, in a JSON file.
    pointer: Option<String>,
}

const INVOICE: &str = "invoice-reconciliation.csv";
const RESELLERS: &str = "indirect-resellers.json";
const AFFILIATES: &str = "affiliates.csv";

/// The plants per rule, after the refusal of a rule this input cannot show.
fn plants(cfg: &Config) -> Result<[u64; super::RULES], GenerateError> {
    let counts = match &cfg.violations {
        // A rate is spread over the rules this input can show.
        super::Violations::Rate(rate) => {
            let total = (rate * cfg.relationships as f64).round() as u64;
            let n = PLANTABLE.len() as u64;
            let mut c = [0u32; super::RULES];
            for (k, i) in PLANTABLE.iter().enumerate() {
                c[*i] = (total / n + u64::from((k as u64) < total % n)) as u32;
            }
            c
        }
        super::Violations::Counts(c) => *c,
    };
    for (i, n) in counts.iter().enumerate() {
        if *n > 0 && !PLANTABLE.contains(&i) {
            return Err(GenerateError::Invalid(format!(
                "CSP{:03} cannot be planted in Partner Center files: the line items of one seller, reseller and customer are one relationship; expected any of CSP001-CSP005 or CSP007-CSP010",
                i + 1
            )));
        }
    }
    Ok(counts.map(u64::from))
}

/// Writes the folder into `dir`: `cfg.relationships` is the number of line items.
///
/// Each plant is a line item of its own (a CSP007 plant two: the sale that makes the partner's
/// tenant known through `PartnerId`, then the sale into it), except CSP004, a reseller in
/// another region in the indirect reseller list. A CSP008 plant is also a CSP007 finding: a
/// reseller's CSP tenant is a partner tenant.
pub fn generate(cfg: &Config, dir: &Path) -> Result<Generated, GenerateError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let [p001, p002, p003, p004, p005, _, p007, p008, p009, p010] = plants(cfg)?;
    let planted = p001 + p002 + p003 + p004 + p005 + p007 + p008 + p009 + p010;
    let line_items = cfg.relationships;
    if line_items < planted * 2 + 4 {
        return Err(GenerateError::Invalid(format!(
            "{line_items} line items are too few for {planted} planted violations: raise --relationships"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    // A CSP008 plant sells into the tenant of a reseller of its own: one reseller each.
    let resellers = cfg
        .partners
        .map_or((line_items / 400).max(2), |p| p.max(2) as u64)
        .max(p008);
    let customers = cfg.customers.unwrap_or((line_items / 3).max(2)).max(2);
    let me_tenant = guid(1, 0);

    // The user's partners.csv: every partner dated, so only planted CSP009/CSP010 fire.
    let mut partners =
        String::from("partner_id,name,role,country,onboarded_on,enrolled_on,mpa_signed_on\n");
    let _ = writeln!(
        partners,
        "{PROVIDER},Synthetic Distribution,indirect_provider,US,2019-01-01,2019-01-01,2019-01-01"
    );
    let mut items = Vec::new();
    let mut mpa = String::new();
    let reseller_id = |r: u64| PROVIDER + 1 + r;
    // Plant resellers come after the regular ones: CSP009 ones, CSP010 ones, then the CSP004
    // ones (in another region, with no sale).
    let total_resellers = resellers + p009 + p010 + p004;
    for r in 0..total_resellers {
        let id = reseller_id(r);
        let (on, signed, country) = if r < resellers {
            ("2019-01-01", "2019-01-01", "US")
        } else if r < resellers + p009 {
            ("2019-01-01", "", "US")
        } else if r < resellers + p009 + p010 {
            ("2024-12-31", "2019-01-01", "US")
        } else {
            ("2019-01-01", "2019-01-01", "DE")
        };
        let _ = writeln!(
            partners,
            "{id},Reseller {r},indirect_reseller,{country},{on},{on},{signed}"
        );
        items.push(format!(
            "{{\"id\":\"{}\",\"name\":\"Reseller {r}\",\"relationshipType\":\"is_indirect_cloud_solution_provider_of\",\"state\":\"Active\",\"mpnId\":\"{id}\",\"location\":\"{country}\",\"attributes\":{{\"objectType\":\"PartnerRelationship\"}}}}",
            guid(1, r + 1)
        ));
        let _ = writeln!(
            mpa,
            "{{\"mpnId\":\"{id}\",\"response\":{{\"isAgreementSigned\":{}}}}}",
            if signed.is_empty() { "false" } else { "true" }
        );
    }
    // CSP001 sellers (indirect resellers by the user's file, selling on their own), then
    // CSP007 owners (direct-bill partners whose CSP tenant a line item's PartnerId names).
    let seller_id = |i: u64| PROVIDER + 500_000 + i;
    let owner_id = |i: u64| PROVIDER + 700_000 + i;
    for i in 0..p001 {
        let _ = writeln!(
            partners,
            "{},Seller {i},indirect_reseller,US,2019-01-01,2019-01-01,2019-01-01",
            seller_id(i)
        );
    }
    for i in 0..p007 {
        let _ = writeln!(
            partners,
            "{},Owner {i},direct_bill,US,2019-01-01,2019-01-01,2019-01-01",
            owner_id(i)
        );
    }
    write(&dir.join("partners.csv"), &partners)?;
    write(&dir.join("agreement-status.jsonl"), &mpa)?;
    write(
        &dir.join(RESELLERS),
        &format!(
            "{{\"totalCount\":{},\"items\":[{}],\"attributes\":{{\"objectType\":\"Collection\"}}}}\n",
            items.len(),
            items.join(",")
        ),
    )?;
    write(
        &dir.join("mpn-profile.json"),
        &format!("{{\"mpnId\":\"{PROVIDER}\",\"partnerName\":\"Synthetic Distribution\",\"profileType\":\"mpn_profile\"}}\n"),
    )?;
    write(
        &dir.join("organization-profile.json"),
        &format!("{{\"tenantId\":\"{me_tenant}\",\"companyName\":\"Synthetic Distribution\",\"defaultAddress\":{{\"country\":\"US\"}}}}\n"),
    )?;

    // The invoice: each regular (reseller, customer) relationship gets 1-4 line items of one
    // subscription, so relationships < line items; the plants come first, one line item each.
    let path = dir.join(INVOICE);
    let file = crate::output::OutFile::create(&path).map_err(io(&path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut expected: Vec<Expect> = Vec::new();
    let mut affiliates = String::from("from_id,to_id\n");
    writeln!(out, "{NCE_HEADER}").map_err(io(&path))?;
    let mut inv = Invoice {
        out,
        line: 1,
        written: 0,
    };
    let mut plant_customer = customers;
    let mut fresh = || {
        plant_customer += 1;
        guid(2, plant_customer - 1)
    };
    let provider = PROVIDER.to_string();
    let mut plant_sub = 1u64 << 40;
    let mut sale = |inv: &mut Invoice,
                    (partner_tenant, seller): (&str, &str),
                    reseller: &str,
                    customer: &str,
                    country: &str|
     -> Result<u64, GenerateError> {
        plant_sub += 1;
        inv.row(
            partner_tenant,
            seller,
            customer,
            country,
            reseller,
            10,
            "new",
            &guid(3, plant_sub),
        )
        .map_err(io(&path))
    };
    let me = (me_tenant.as_str(), provider.as_str());
    // A finding whose first row is a reseller row cites reseller `r`'s item of the list.
    let mut expect = |rule, entities: &[&str], file, line, reseller: Option<u64>| {
        expected.push(Expect {
            rule,
            entities: entities.iter().map(|e| e.to_string()).collect(),
            file,
            line,
            pointer: reseller.map(|r| format!("/items/{r}")),
        })
    };
    let mut extra_tenants = 0u64;
    let mut extra_rels = 0u64;
    for i in 0..p001 {
        let (c, seller) = (fresh(), seller_id(i).to_string());
        let tenant = guid(1, (1 << 32) + i);
        let line = sale(&mut inv, (&tenant, &seller), "0", &c, "US")?;
        expect("CSP001", &[&seller, &c], INVOICE, line, None);
        extra_tenants += 1;
    }
    for _ in 0..p002 {
        let c = fresh();
        let line = sale(&mut inv, me, "-1", &c, "US")?;
        expect("CSP002", &[&provider, &c], INVOICE, line, None);
    }
    for i in 0..p003 {
        let (c, r) = (fresh(), reseller_id(i % resellers).to_string());
        let line = sale(&mut inv, me, &r, &c, "DE")?;
        expect("CSP003", &[&provider, &r, &c], INVOICE, line, None);
    }
    for i in 0..p004 {
        let r = reseller_id(resellers + p009 + p010 + i).to_string();
        expect(
            "CSP004",
            &[&provider, &r],
            RESELLERS,
            1,
            Some(resellers + p009 + p010 + i),
        );
    }
    for i in 0..p005 {
        // The customer's organization (its tenant id) is an affiliate of the provider's.
        let (c, r) = (fresh(), reseller_id(i % resellers).to_string());
        let line = sale(&mut inv, me, &r, &c, "US")?;
        let _ = writeln!(affiliates, "{c},{PROVIDER}");
        expect("CSP005", &[&provider, &r, &c], INVOICE, line, None);
        extra_rels += 1;
    }
    for i in 0..p007 {
        // The owner's own sale names its CSP tenant (PartnerId); the provider sells into it.
        let (owner, tenant) = (owner_id(i).to_string(), guid(1, (2 << 32) + i));
        sale(&mut inv, (&tenant, &owner), "0", &fresh(), "US")?;
        let r = reseller_id(i % resellers).to_string();
        let line = sale(&mut inv, me, &r, &tenant, "US")?;
        expect("CSP007", &[&provider, &tenant, &owner], INVOICE, line, None);
        extra_tenants += 1;
    }
    for i in 0..p008 {
        // Into reseller i's CSP tenant, through another reseller (through reseller i itself it
        // would also be CSP005: the tenant is of the reseller's own organization).
        let owner = i % resellers;
        let (o, tenant) = (reseller_id(owner).to_string(), guid(1, owner + 1));
        let r = reseller_id((owner + 1) % resellers).to_string();
        let line = sale(&mut inv, me, &r, &tenant, "US")?;
        expect("CSP007", &[&provider, &tenant, &o], INVOICE, line, None);
        // Its rows are the reseller row (first) and the sale.
        expect(
            "CSP008",
            &[&provider, &o, &tenant],
            RESELLERS,
            1,
            Some(owner),
        );
    }
    // A CSP009 reseller's finding cites its reseller row first: the source is resellers.json.
    for r in resellers..resellers + p009 + p010 {
        let (c, id) = (fresh(), reseller_id(r).to_string());
        let line = sale(&mut inv, me, &id, &c, "US")?;
        if r < resellers + p009 {
            expect("CSP009", &[&id], RESELLERS, 1, Some(r));
        } else {
            expect("CSP010", &[&id], INVOICE, line, None);
        }
    }
    let plant_customers = plant_customer - customers;
    let plant_sales = inv.written;
    let mut relationships = 0u64;
    let mut c = 0u64;
    while inv.written < line_items {
        let customer = guid(2, c % customers);
        let r = (c / customers + c) % resellers;
        c += 1;
        relationships += 1;
        let sub = guid(3, c);
        let n = rng.random_range(1..=4u64).min(line_items - inv.written);
        let start = rng.random_range(0..1000u32);
        for k in 0..n {
            inv.row(
                &me_tenant,
                &provider,
                &customer,
                "US",
                &reseller_id(r).to_string(),
                start + 30 * k as u32,
                CHARGES[k as usize % 4],
                &sub,
            )
            .map_err(io(&path))?;
        }
    }
    let mut out = inv.out;
    out.flush().map_err(io(&path))?;
    // Renamed into place only once complete.
    out.into_inner()
        .map_err(|e| io(&path)(e.into_error()))?
        .commit()
        .map_err(io(&path))?;
    write(&dir.join(AFFILIATES), &affiliates)?;
    write(&dir.join("expected.json"), &render(cfg, &expected))?;
    Ok(Generated {
        partners: 1 + total_resellers + p001 + p007,
        tenants: 1
            + total_resellers
            + customers.min(relationships)
            + plant_customers
            + extra_tenants,
        relationships: relationships + plant_sales + total_resellers + extra_rels,
        findings: expected.len(),
    })
}

/// The invoice being written, and its last line.
struct Invoice {
    out: std::io::BufWriter<crate::output::OutFile>,
    line: u64,
    written: u64,
}

impl Invoice {
    /// Writes one line item; returns its line.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        partner_tenant: &str,
        seller: &str,
        customer: &str,
        country: &str,
        reseller: &str,
        day: u32,
        charge: &str,
        sub: &str,
    ) -> std::io::Result<u64> {
        let date = mdy(day);
        writeln!(
            self.out,
            "{partner_tenant},{customer},Customer {customer},c.onmicrosoft.com,{country},G1,{seller},{reseller},\"O1, O2\",{date},CFQ7TTC0LH18,0001,CFQ7TTC0LH18,Microsoft 365 Business Basic,Microsoft 365 Business Basic,{charge},6.00,1,6.00,0.00,6.00,USD,,Microsoft Corporation,,Subscription,{sub},{date},12/31/2024,1 Year - Monthly,6.00,Licenses,x,1,Monthly,USD,1,{date},,,,{date},12/31/2024,,\"[\"\"Add-on\"\"]\","
        )?;
        self.line += 1;
        self.written += 1;
        Ok(self.line)
    }
}

/// expected.json: the planted findings, in the order planted, and their count per rule.
fn render(cfg: &Config, expected: &[Expect]) -> String {
    let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in expected {
        *by_rule.entry(e.rule).or_default() += 1;
    }
    let by_rule: Vec<String> = by_rule
        .iter()
        .map(|(code, n)| format!("\"{code}\": {n}"))
        .collect();
    let findings: Vec<String> = expected
        .iter()
        .map(|e| {
            let entities: Vec<String> = e.entities.iter().map(|x| format!("\"{x}\"")).collect();
            let pointer = e
                .pointer
                .as_ref()
                .map(|p| format!(", \"pointer\": \"{p}\""))
                .unwrap_or_default();
            format!(
                "    {{\"rule\": \"{}\", \"entities\": [{}], \"source\": {{\"file\": \"{}\", \"line\": {}{pointer}}}}}",
                e.rule,
                entities.join(", "),
                e.file,
                e.line
            )
        })
        .collect();
    format!(
        "{{\n  \"version\": 1,\n  \"shows\": \"a synthetic indirect provider's Partner Center folder (seed {}, {} line items)\",\n  \"summary\": {{\"findings\": {}, \"by_rule\": {{{}}}}},\n  \"findings\": [\n{}\n  ],\n  \"errors\": []\n}}\n",
        cfg.seed,
        cfg.relationships,
        expected.len(),
        by_rule.join(", "),
        findings.join(",\n")
    )
}
