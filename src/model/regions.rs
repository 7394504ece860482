//! The country → CSP region table.

use rustc_hash::FxHashMap;

/// Index of a country in a [`RegionTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryIdx(pub u16);

/// Index of a CSP region in a [`RegionTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionIdx(pub u16);

/// Countries (ISO 3166-1 alpha-2) and the CSP region each belongs to.
#[derive(Clone, Debug, Default)]
pub struct RegionTable {
    codes: Vec<Box<str>>,
    names: Vec<Box<str>>,
    region_of: Vec<RegionIdx>,
    regions: Vec<Box<str>>,
    by_code: FxHashMap<Box<str>, CountryIdx>,
    by_region: FxHashMap<Box<str>, RegionIdx>,
}

impl RegionTable {
    /// Adds a country; returns `false` (and changes nothing) if the code is already present.
    pub fn insert(&mut self, code: &str, name: &str, region: &str) -> bool {
        let code = code.to_ascii_uppercase();
        if self.by_code.contains_key(code.as_str()) {
            return false;
        }
        let region_idx = match self.by_region.get(region) {
            Some(&r) => r,
            None => {
                let r = RegionIdx(self.regions.len() as u16);
                self.regions.push(region.into());
                self.by_region.insert(region.into(), r);
                r
            }
        };
        let idx = CountryIdx(self.codes.len() as u16);
        self.codes.push(code.as_str().into());
        self.names.push(name.into());
        self.region_of.push(region_idx);
        self.by_code.insert(code.into_boxed_str(), idx);
        true
    }

    /// Looks a country code up, case-insensitively.
    pub fn country(&self, code: &str) -> Option<CountryIdx> {
        if code.bytes().any(|b| b.is_ascii_lowercase()) {
            self.by_code
                .get(code.to_ascii_uppercase().as_str())
                .copied()
        } else {
            self.by_code.get(code).copied()
        }
    }

    /// The CSP region of a country.
    pub fn region_of(&self, c: CountryIdx) -> RegionIdx {
        self.region_of[c.0 as usize]
    }

    /// The country's code (upper case).
    pub fn code(&self, c: CountryIdx) -> &str {
        &self.codes[c.0 as usize]
    }

    /// The region's name.
    pub fn region_name(&self, r: RegionIdx) -> &str {
        &self.regions[r.0 as usize]
    }

    /// Number of countries.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the table has no country.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}
