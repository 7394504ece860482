//! Items of a saved JSON response (one document over many lines, not JSON Lines) are placed at
//! the line and column where each item starts, with its JSON pointer: in findings' rows and in
//! problems. The positions below are counted by hand on the files written here.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn csp_audit() -> Command {
    Command::cargo_bin("csp-audit").expect("binary")
}

/// A direct-bill partner's line items, pretty-printed: item 0 starts on line 4, column 5,
/// item 1 on line 13, column 5 (a sale into its own CSP tenant).
const LINE_ITEMS: &str = r#"{
  "totalCount": 2,
  "items": [
    {
      "partnerId": "dddddddd-0000-4000-8000-000000000001",
      "customerId": "99999999-0000-4000-8000-000000000003",
      "customerName": "Proseware",
      "customerCountry": "GB",
      "mpnId": 3000001,
      "resellerMpnId": "0",
      "orderDate": "2021-05-20T18:30:06Z"
    },
    {
      "partnerId": "dddddddd-0000-4000-8000-000000000001",
      "customerId": "dddddddd-0000-4000-8000-000000000001",
      "customerName": "Litware Direct",
      "customerCountry": "GB",
      "mpnId": "3000001",
      "resellerMpnId": 0,
      "orderDate": "2021-06-01T00:00:00Z"
    }
  ],
  "attributes": {"objectType": "Collection"}
}
"#;

fn folder(dir: &Path, line_items: &str) {
    std::fs::write(dir.join("invoice-lineitems.json"), line_items).expect("write");
    std::fs::write(
        dir.join("partners.csv"),
        "partner_id,role,country,mpa_signed_on,onboarded_on,enrolled_on\n3000001,direct_bill,GB,2019-01-01,2019-01-01,2019-01-01\n",
    )
    .expect("write");
}

#[test]
fn findings_name_the_line_where_a_json_item_starts() {
    let dir = tempfile::tempdir().expect("temp");
    folder(dir.path(), LINE_ITEMS);
    let out = csp_audit()
        .args(["audit", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    let sources: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = &f["rows"][0]["source"];
            (
                f["rule"].as_str().expect("rule").to_string(),
                s["pointer"].as_str().expect("pointer").to_string(),
                s["line"].as_u64().expect("line"),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("CSP005".to_string(), "/items/1".to_string(), 13),
            ("CSP007".to_string(), "/items/1".to_string(), 13),
        ]
    );
    // The text report says file:line#pointer.
    let out = csp_audit()
        .arg("audit")
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("invoice-lineitems.json:13#/items/1"),
        "{text}"
    );
}

#[test]
fn problems_name_the_line_and_column_of_their_json_item() {
    let dir = tempfile::tempdir().expect("temp");
    // Item 0 on line 3 at column 5, item 1 on line 4 at column 7 (after "  ,   "), item 2 on
    // line 5 at column 3.
    let bad = r#"{"items": [
  
    {"partnerId": "dddddddd-0000-4000-8000-000000000001", "customerId": "not-a-guid", "mpnId": "3000001", "orderDate": "2021-05-20"}
  ,   {"partnerId": "dddddddd-0000-4000-8000-000000000001", "mpnId": "3000001", "orderDate": "2021-05-20"},
  {"partnerId": "dddddddd-0000-4000-8000-000000000001",
  "customerId": "99999999-0000-4000-8000-000000000003", "mpnId": "3000001", "orderDate": "20/5/2021"}
], "attributes": {"objectType": "Collection"}}"#;
    folder(dir.path(), bad);
    // A subscriptions response in its envelope: /response/items/0 starts on line 3, column 3.
    std::fs::write(
        dir.path().join("subscriptions.json"),
        "{\"customerId\": \"99999999-0000-4000-8000-000000000003\",\n \"response\": {\"items\": [\n  {\"id\": \"s1\", \"offerName\": \"Azure plan\", \"quantity\": 1}\n]}}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("mpn-profile.json"),
        "{\"mpnId\": \"3000001\", \"partnerName\": \"Litware\"}",
    )
    .expect("write");
    let out = csp_audit()
        .args(["audit", "--source", "partner-center"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).replace(&*dir.path().display().to_string(), "D");
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with("D/")).collect();
    assert_eq!(
        problems,
        [
            "D/invoice-lineitems.json:3:5: at /items/0/customerId: invalid customerId 'not-a-guid': expected the customer's tenant GUID",
            "D/invoice-lineitems.json:4:7: at /items/1: line item with no customer: expected 'customerId'",
            "D/invoice-lineitems.json:5:3: at /items/2/orderDate: invalid date '20/5/2021': expected an ISO 8601 date",
            "D/subscriptions.json:3:3: at /response/items/0/creationDate: expected an ISO 8601 date-time (creationDate or effectiveStartDate)",
        ]
    );
}
