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

/// The rules whose violations this generator plants (index into CSP001..CSP010).
pub const PLANTABLE: [usize; 4] = [1, 2, 8, 9];

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

/// Writes the folder into `dir`: `cfg.relationships` is the number of line items.
pub fn generate(cfg: &Config, dir: &Path) -> Result<Generated, GenerateError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let counts = match &cfg.violations {
        // A rate is spread over the rules this input can show.
        super::Violations::Rate(rate) => {
            let total = (rate * cfg.relationships as f64).round() as u64;
            let mut c = [0u32; super::RULES];
            for (k, i) in PLANTABLE.iter().enumerate() {
                c[*i] = (total / 4 + u64::from((k as u64) < total % 4)) as u32;
            }
            c
        }
        super::Violations::Counts(c) => *c,
    };
    for (i, n) in counts.iter().enumerate() {
        if *n > 0 && !PLANTABLE.contains(&i) {
            return Err(GenerateError::Invalid(format!(
                "CSP{:03} cannot be planted in Partner Center files: expected only CSP002, CSP003, CSP009 or CSP010",
                i + 1
            )));
        }
    }
    let [_, p002, p003, .., p009, p010] = counts.map(u64::from);
    let planted = p002 + p003 + p009 + p010;
    let line_items = cfg.relationships;
    if line_items < planted * 2 + 4 {
        return Err(GenerateError::Invalid(format!(
            "{line_items} line items are too few for {planted} planted violations: raise --relationships"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let resellers = cfg
        .partners
        .map_or((line_items / 400).max(2), |p| p.max(2) as u64);
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
    // Plant resellers come after the regular ones: CSP009 ones, then CSP010 ones.
    let total_resellers = resellers + p009 + p010;
    for r in 0..total_resellers {
        let id = reseller_id(r);
        let (on, signed) = if r < resellers {
            ("2019-01-01", "2019-01-01")
        } else if r < resellers + p009 {
            ("2019-01-01", "")
        } else {
            ("2024-12-31", "2019-01-01")
        };
        let _ = writeln!(
            partners,
            "{id},Reseller {r},indirect_reseller,US,{on},{on},{signed}"
        );
        items.push(format!(
            "{{\"id\":\"{}\",\"name\":\"Reseller {r}\",\"relationshipType\":\"is_indirect_cloud_solution_provider_of\",\"state\":\"Active\",\"mpnId\":\"{id}\",\"location\":\"US\",\"attributes\":{{\"objectType\":\"PartnerRelationship\"}}}}",
            guid(1, r + 1)
        ));
        let _ = writeln!(
            mpa,
            "{{\"mpnId\":\"{id}\",\"response\":{{\"isAgreementSigned\":{}}}}}",
            if signed.is_empty() { "false" } else { "true" }
        );
    }
    write(&dir.join("partners.csv"), &partners)?;
    write(&dir.join("affiliates.csv"), "from_id,to_id\n")?;
    write(&dir.join("agreement-status.jsonl"), &mpa)?;
    write(
        &dir.join("indirect-resellers.json"),
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
    let path = dir.join("invoice-reconciliation.csv");
    let file = crate::output::OutFile::create(&path).map_err(io(&path))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut line = 1u64;
    let mut expected: Vec<String> = Vec::new();
    let row = |out: &mut std::io::BufWriter<crate::output::OutFile>,
               customer: &str,
               country: &str,
               reseller: &str,
               day: u32,
               charge: &str,
               sub: &str|
     -> std::io::Result<()> {
        let date = mdy(day);
        writeln!(
            out,
            "{me_tenant},{customer},Customer {customer},c.onmicrosoft.com,{country},G1,{PROVIDER},{reseller},\"O1, O2\",{date},CFQ7TTC0LH18,0001,CFQ7TTC0LH18,Microsoft 365 Business Basic,Microsoft 365 Business Basic,{charge},6.00,1,6.00,0.00,6.00,USD,,Microsoft Corporation,,Subscription,{sub},{date},12/31/2024,1 Year - Monthly,6.00,Licenses,x,1,Monthly,USD,1,{date},,,,{date},12/31/2024,,\"[\"\"Add-on\"\"]\","
        )
    };
    writeln!(out, "{NCE_HEADER}").map_err(io(&path))?;
    let mut plant_customer = customers;
    let mut written = 0u64;
    let mut plant = |out: &mut std::io::BufWriter<crate::output::OutFile>,
                     line: &mut u64,
                     rule: &str,
                     reseller: Option<u64>,
                     removed: bool,
                     country: &str,
                     entities: String,
                     cite_reseller_list: bool|
     -> Result<(), GenerateError> {
        let c = guid(2, plant_customer);
        plant_customer += 1;
        let r = match (removed, reseller) {
            (true, _) => "-1".to_string(),
            (_, Some(r)) => reseller_id(r).to_string(),
            _ => "0".to_string(),
        };
        *line += 1;
        row(
            out,
            &c,
            country,
            &r,
            10,
            "new",
            &guid(3, plant_customer + (1 << 40)),
        )
        .map_err(io(&path))?;
        written += 1;
        let entities = entities.replace("{c}", &c);
        let (file, at) = match cite_reseller_list {
            true => ("indirect-resellers.json", 1),
            false => ("invoice-reconciliation.csv", *line),
        };
        expected.push(format!(
            "    {{\"rule\": \"{rule}\", \"entities\": [{entities}], \"source\": {{\"file\": \"{file}\", \"line\": {at}}}}}"
        ));
        Ok(())
    };
    for i in 0..p002 {
        let _ = i;
        plant(
            &mut out,
            &mut line,
            "CSP002",
            None,
            true,
            "US",
            format!("\"{PROVIDER}\", \"{{c}}\""),
            false,
        )?;
    }
    for i in 0..p003 {
        let r = i % resellers;
        let id = reseller_id(r);
        plant(
            &mut out,
            &mut line,
            "CSP003",
            Some(r),
            false,
            "DE",
            format!("\"{PROVIDER}\", \"{id}\", \"{{c}}\""),
            false,
        )?;
    }
    // A CSP009 reseller's finding cites its reseller row first: the source is resellers.json.
    for r in resellers..resellers + p009 + p010 {
        let rule = if r < resellers + p009 {
            "CSP009"
        } else {
            "CSP010"
        };
        let id = reseller_id(r);
        plant(
            &mut out,
            &mut line,
            rule,
            Some(r),
            false,
            "US",
            format!("\"{id}\""),
            rule == "CSP009",
        )?;
    }
    let mut relationships = 0u64;
    let mut c = 0u64;
    while written < line_items {
        let customer = guid(2, c % customers);
        let r = (c / customers + c) % resellers;
        c += 1;
        relationships += 1;
        let sub = guid(3, c);
        let n = rng.random_range(1..=4u64).min(line_items - written);
        let start = rng.random_range(0..1000u32);
        for k in 0..n {
            row(
                &mut out,
                &customer,
                "US",
                &reseller_id(r).to_string(),
                start + 30 * k as u32,
                CHARGES[k as usize % 4],
                &sub,
            )
            .map_err(io(&path))?;
            written += 1;
        }
    }
    out.flush().map_err(io(&path))?;
    // Renamed into place only once complete.
    out.into_inner()
        .map_err(|e| io(&path)(e.into_error()))?
        .commit()
        .map_err(io(&path))?;
    let mut by_rule = String::new();
    for (code, n) in [
        ("CSP002", p002),
        ("CSP003", p003),
        ("CSP009", p009),
        ("CSP010", p010),
    ] {
        if n > 0 {
            let _ = write!(
                by_rule,
                "{}\"{code}\": {n}",
                if by_rule.is_empty() { "" } else { ", " }
            );
        }
    }
    let json = format!(
        "{{\n  \"version\": 1,\n  \"shows\": \"a synthetic indirect provider's Partner Center folder (seed {}, {line_items} line items)\",\n  \"summary\": {{\"findings\": {planted}, \"by_rule\": {{{by_rule}}}}},\n  \"findings\": [\n{}\n  ],\n  \"errors\": []\n}}\n",
        cfg.seed,
        expected.join(",\n")
    );
    write(&dir.join("expected.json"), &json)?;
    Ok(Generated {
        partners: 1 + total_resellers,
        tenants: 1 + total_resellers + customers.min(relationships) + planted,
        relationships: relationships + planted + total_resellers,
        findings: planted as usize,
    })
}
