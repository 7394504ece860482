//! Damaged Partner Center files never panic the loader, the network or the rules, and every
//! load either audits or reports problems; and the coverage gaps of this input are listed.

use std::path::Path;

use csp_audit::audit::audit;
use csp_audit::graph::Network;
use csp_audit::load::builtin_regions;
use csp_audit::load::partner_center::load_dir;
use csp_audit::rules::{coverage, Params};

const FIXTURES: [&str; 2] = [
    "tests/fixtures/partner-center/indirect-provider",
    "tests/fixtures/partner-center/direct-bill-every-kind",
];

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    const NASTY: &[u8] = b",\"\n\r{}[]:/-0 \xff\xfe\x00T";
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            bytes.push(b'x');
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] = NASTY[rng.below(NASTY.len())],
            1 => bytes.truncate(at),
            2 => {
                let end = (at + rng.below(40)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, copy);
            }
            _ => {
                bytes.remove(at);
            }
        }
    }
    bytes
}

#[test]
fn damaged_files_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..60 {
        let fixture = Path::new(FIXTURES[round % 2]);
        let dir = tempfile::tempdir().expect("temp");
        let mut names: Vec<_> = std::fs::read_dir(fixture)
            .expect("fixture")
            .map(|e| e.expect("entry").path())
            .collect();
        names.sort();
        let victim = rng.below(names.len());
        for (i, path) in names.iter().enumerate() {
            let bytes = std::fs::read(path).expect("read");
            let bytes = if i == victim {
                mutate(&mut rng, bytes)
            } else {
                bytes
            };
            std::fs::write(dir.path().join(path.file_name().expect("name")), bytes).expect("write");
        }
        let pc = load_dir(dir.path(), builtin_regions());
        let net = Network::build(pc.loaded.model);
        let _ = audit(&net, &Params::default());
        for e in &pc.loaded.errors {
            assert!(e.line >= 1 && e.column >= 1, "round {round}: {e}");
        }
    }
}

#[test]
fn the_rules_this_input_cannot_check_are_listed() {
    let pc = load_dir(Path::new(FIXTURES[0]), builtin_regions());
    let gaps: Vec<(&str, &str)> = coverage(&pc.loaded.model)
        .iter()
        .map(|g| (g.code, g.status.as_str()))
        .collect();
    // affiliates.csv is there (CSP005 in full), reseller 2000002 has no onboarding dates but
    // 2000001 has (CSP010 in part), reseller 2000001's MPA status is "signed" without a date.
    assert_eq!(gaps, [("CSP009", "partial"), ("CSP010", "partial")]);
    let pc = load_dir(Path::new(FIXTURES[1]), builtin_regions());
    let gaps: Vec<(&str, &str)> = coverage(&pc.loaded.model)
        .iter()
        .map(|g| (g.code, g.status.as_str()))
        .collect();
    // No affiliates.csv; a direct-bill partner names no reseller; its MPA status is known.
    assert_eq!(gaps, [("CSP005", "partial")]);
}
