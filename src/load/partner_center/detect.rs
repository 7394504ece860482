//! What kind of Partner Center file a file is, from its header row or JSON shape (never its
//! name): headers match case-insensitively, with the spellings that changed between versions.

/// A kind of Partner Center download or saved API response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// New Commerce invoice reconciliation file (CSV).
    NceInvoice,
    /// New Commerce daily rated usage file (CSV).
    DailyUsage,
    /// Legacy license-based reconciliation file (CSV).
    LegacyLicense,
    /// Legacy usage-based reconciliation file (CSV).
    LegacyUsage,
    /// Customers → Export customers (`Customers.csv`).
    CustomersCsv,
    /// Insights "MPA signed status" download (CSV).
    MpaStatusCsv,
    /// `GET /v1/customers` (JSON).
    Customers,
    /// `GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf` (JSON).
    IndirectResellers,
    /// `GET /v1/customers/{id}/subscriptions` (JSON; the customer from the items' links or an
    /// envelope `{"customerId": ..., "response": ...}`).
    Subscriptions,
    /// `GET /v1/invoices/{id}/lineitems` (JSON, billing line items).
    InvoiceLineItems,
    /// `GET /v1/compliance/csp/agreementstatus` in its envelope (JSON Lines).
    MpaStatus,
    /// `GET /v1/profiles/organization` (JSON).
    OrganizationProfile,
    /// `GET /v1/profiles/mpn` (JSON).
    MpnProfile,
    /// Graph `tenantRelationships/delegatedAdminRelationships` (JSON).
    Gdap,
}

impl Kind {
    /// How reports and messages name the kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NceInvoice => "New Commerce invoice reconciliation file",
            Kind::DailyUsage => "New Commerce daily rated usage file",
            Kind::LegacyLicense => "legacy license-based reconciliation file",
            Kind::LegacyUsage => "legacy usage-based reconciliation file",
            Kind::CustomersCsv => "customer list export (Customers.csv)",
            Kind::MpaStatusCsv => "MPA signed status download",
            Kind::Customers => "customers API response",
            Kind::IndirectResellers => "indirect resellers API response",
            Kind::Subscriptions => "subscriptions API response",
            Kind::InvoiceLineItems => "invoice line items API response",
            Kind::MpaStatus => "MPA agreement status responses",
            Kind::OrganizationProfile => "organization profile API response",
            Kind::MpnProfile => "MPN profile API response",
            Kind::Gdap => "GDAP delegatedAdminRelationships response",
        }
    }

    /// Whether the kind's rows are billing line items.
    pub fn is_line_items(self) -> bool {
        matches!(
            self,
            Kind::NceInvoice | Kind::DailyUsage | Kind::LegacyLicense | Kind::LegacyUsage
        )
    }
}

/// A logical column and the header spellings it goes by (lower case).
pub struct Col {
    /// The documented name.
    pub name: &'static str,
    /// Every accepted spelling, lower-cased.
    pub spellings: &'static [&'static str],
}

const fn col(name: &'static str, spellings: &'static [&'static str]) -> Col {
    Col { name, spellings }
}

pub const PARTNER_ID: Col = col("PartnerId", &["partnerid"]);
pub const CUSTOMER_ID: Col = col("CustomerId", &["customerid"]);
pub const CUSTOMER_NAME: Col = col(
    "CustomerName",
    &["customername", "customercompanyname", "customer name"],
);
pub const CUSTOMER_COUNTRY: Col = col("CustomerCountry", &["customercountry"]);
pub const MPN_ID: Col = col("MpnId", &["mpnid"]);
pub const RESELLER_MPN_ID: Col = col(
    "ResellerMpnId",
    &["resellermpnid", "tier2mpnid", "reseller mpn id"],
);
pub const ORDER_DATE: Col = col("OrderDate", &["orderdate"]);
pub const CHARGE_START: Col = col("ChargeStartDate", &["chargestartdate"]);
pub const USAGE_DATE: Col = col("UsageDate", &["usagedate"]);
pub const SUBSCRIPTION_ID: Col = col("SubscriptionId", &["subscriptionid"]);
pub const MICROSOFT_ID: Col = col("Microsoft ID", &["microsoft id", "microsoftid"]);
pub const COMPANY_NAME: Col = col("Company name", &["company name", "companyname"]);
pub const RELATIONSHIP: Col = col("Relationship", &["relationship"]);
pub const RESELLER_NAME: Col = col("Reseller name", &["reseller name", "resellername"]);
pub const MPA_SIGNED: Col = col(
    "MPA signed status",
    &["mpa signed status", "mpasignedstatus", "mpa status"],
);
pub const REGION: Col = col("Region", &["region"]);

/// The columns that tell a CSV kind apart, in header order (all must be there), and the other
/// columns its rows are read from.
pub fn csv_signature(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::NceInvoice => &[
            "partnerid",
            "customerid",
            "customercountry",
            "invoicenumber",
            "mpnid",
            "resellermpnid",
            "orderdate",
            "skuid",
            "chargetype",
            "subscriptionid",
        ],
        Kind::DailyUsage => &[
            "partnerid",
            "customerid",
            "mpnid",
            "resellermpnid",
            "subscriptionid",
            "usagedate",
            "meterid",
        ],
        Kind::LegacyLicense => &[
            "partnerid",
            "customerid",
            "mpnid",
            "resellermpnid",
            "subscriptionid",
            "offerid",
            "durableofferid",
            "chargestartdate",
        ],
        Kind::LegacyUsage => &[
            "partnerid",
            "partnerbillableaccountid",
            "mpnid",
            "resellermpnid",
            "chargestartdate",
            "subscriptionid",
            "resourceguid",
            "customerid",
        ],
        Kind::CustomersCsv => &["microsoft id", "company name", "relationship"],
        Kind::MpaStatusCsv => &["reseller name", "partnerid", "mpa signed status"],
        _ => &[],
    }
}

/// The CSV kinds, most specific first.
pub const CSV_KINDS: [Kind; 6] = [
    Kind::NceInvoice,
    Kind::DailyUsage,
    Kind::LegacyLicense,
    Kind::LegacyUsage,
    Kind::CustomersCsv,
    Kind::MpaStatusCsv,
];

/// A header name as matched: trimmed, lower-cased, a BOM dropped.
pub fn normalize(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_lowercase()
}

/// Whether the normalized header has `spelling` (aliases of one column count as one).
fn has(header: &[String], spelling: &str) -> bool {
    let alias: &[&str] = match spelling {
        "resellermpnid" => RESELLER_MPN_ID.spellings,
        "customername" => CUSTOMER_NAME.spellings,
        "microsoft id" => MICROSOFT_ID.spellings,
        "company name" => COMPANY_NAME.spellings,
        "reseller name" => RESELLER_NAME.spellings,
        "mpa signed status" => MPA_SIGNED.spellings,
        other => return header.iter().any(|h| h == other),
    };
    header.iter().any(|h| alias.contains(&h.as_str()))
}

/// The kind of a CSV file from its header, or the closest kind and the columns it lacks.
pub fn csv_kind(header: &[String]) -> Result<Kind, (Kind, Vec<&'static str>)> {
    let mut best: Option<(Kind, Vec<&'static str>, usize)> = None;
    for kind in CSV_KINDS {
        let sig = csv_signature(kind);
        let missing: Vec<&'static str> = sig.iter().copied().filter(|s| !has(header, s)).collect();
        if missing.is_empty() {
            return Ok(kind);
        }
        let matched = sig.len() - missing.len();
        if best.as_ref().is_none_or(|b| matched > b.2) {
            best = Some((kind, missing, matched));
        }
    }
    let (kind, missing, _) = best.unwrap_or((Kind::NceInvoice, Vec::new(), 0));
    Err((kind, missing))
}

/// The optional columns a CSV kind's rows are read from that its header lacks (documented
/// names), so that a report can say what was not there.
pub fn absent(kind: Kind, header: &[String]) -> Vec<&'static str> {
    let optional: &[&Col] = match kind {
        Kind::NceInvoice => &[&CUSTOMER_NAME, &CHARGE_START],
        Kind::DailyUsage => &[&CUSTOMER_NAME, &CUSTOMER_COUNTRY, &CHARGE_START],
        Kind::LegacyLicense | Kind::LegacyUsage => &[&CUSTOMER_NAME],
        Kind::MpaStatusCsv => &[&REGION],
        _ => &[],
    };
    optional
        .iter()
        .filter(|c| find(header, c).is_none())
        .map(|c| c.name)
        .collect()
}

/// The index of a logical column in the normalized header.
pub fn find(header: &[String], c: &Col) -> Option<usize> {
    header
        .iter()
        .position(|h| c.spellings.contains(&h.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(text: &str) -> Vec<String> {
        text.split(',').map(normalize).collect()
    }

    #[test]
    fn header_case_and_spellings_do_not_matter() {
        let nce = "PartnerId,CustomerId,CustomerName,CustomerCountry,InvoiceNumber,MPNID,ResellerMPNID,OrderId,OrderDate,SkuId,ChargeType,SubscriptionId,NewColumn";
        assert_eq!(csv_kind(&h(nce)), Ok(Kind::NceInvoice));
        let legacy = "PartnerId,CustomerId,MPNID,Tier2MpnId,SubscriptionId,OfferId,DurableOfferId,ChargeStartDate";
        assert_eq!(csv_kind(&h(legacy)), Ok(Kind::LegacyLicense));
        assert_eq!(
            csv_kind(&h(
                "Microsoft ID,Company name,Primary domain name,Relationship,Tags"
            )),
            Ok(Kind::CustomersCsv)
        );
    }

    #[test]
    fn absent_optional_columns_are_named() {
        let daily = "PartnerId,CustomerId,CustomerName,MPNID,ResellerMPNID,SubscriptionId,UsageDate,MeterId";
        assert_eq!(
            absent(Kind::DailyUsage, &h(daily)),
            ["CustomerCountry", "ChargeStartDate"]
        );
    }

    #[test]
    fn an_unknown_header_names_the_closest_kind() {
        let near = "PartnerId,CustomerId,CustomerCountry,InvoiceNumber,MpnId,ResellerMpnId,OrderDate,ChargeType,SubscriptionId";
        assert_eq!(csv_kind(&h(near)), Err((Kind::NceInvoice, vec!["skuid"])));
    }
}
