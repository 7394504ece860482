//! Id → row maps that hold row indices into a table's [`TextColumn`] of ids instead of copies
//! of the ids: the key of row `r` is the column's text `r`, hashed and compared in place.

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::tenant_key;
use crate::model::TextColumn;

/// How a map's ids compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Byte for byte (partner and organization ids).
    Exact,
    /// As [`tenant_key`] folds them (tenant ids are GUIDs and compare case-insensitively).
    FoldCase,
}

impl Compare {
    /// The hash of an id as ids compare: equal ids hash equally.
    pub(crate) fn hash(self, id: &str) -> u64 {
        match self {
            Compare::Exact => FxBuildHasher.hash_one(id),
            Compare::FoldCase => FxBuildHasher.hash_one(tenant_key(id).as_ref()),
        }
    }

    /// Whether two ids are the same id.
    pub(crate) fn same(self, a: &str, b: &str) -> bool {
        match self {
            Compare::Exact => a == b,
            // The same bytes are the same id however ids compare (the usual match, at once).
            Compare::FoldCase if a == b => true,
            Compare::FoldCase if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
            Compare::FoldCase => tenant_key(a) == tenant_key(b),
        }
    }
}

/// The rows of one id column, found by id.
pub(crate) struct IdMap {
    table: HashTable<u32>,
    compare: Compare,
}

impl IdMap {
    /// An empty map whose ids compare as `compare` says.
    pub(crate) fn new(compare: Compare) -> Self {
        IdMap {
            table: HashTable::new(),
            compare,
        }
    }

    /// The hash of an id as this map compares ids: equal ids hash equally.
    pub(crate) fn hash(&self, id: &str) -> u64 {
        self.compare.hash(id)
    }

    fn same(&self, a: &str, b: &str) -> bool {
        self.compare.same(a, b)
    }

    /// The row of `id` in `ids`, if the map holds it.
    pub(crate) fn get(&self, ids: &TextColumn, id: &str) -> Option<u32> {
        self.get_hashed(ids, id, self.hash(id))
    }

    /// Like [`IdMap::get`], with the id's [hash](IdMap::hash) already computed.
    pub(crate) fn get_hashed(&self, ids: &TextColumn, id: &str, hash: u64) -> Option<u32> {
        self.table
            .find(hash, |&r| self.same(ids.text(r as usize), id))
            .copied()
    }

    /// Adds row `row` of `ids`, whose id the map does not hold yet, under its hash.
    pub(crate) fn insert_hashed(&mut self, ids: &TextColumn, row: u32, hash: u64) {
        let (table, compare) = (&mut self.table, self.compare);
        let rehash = |&r: &u32| compare.hash(ids.text(r as usize));
        table.insert_unique(hash, row, rehash);
    }

    /// Adds row `row` of `ids`, whose id the map does not hold yet.
    pub(crate) fn insert(&mut self, ids: &TextColumn, row: u32) {
        let hash = self.hash(ids.text(row as usize));
        self.insert_hashed(ids, row, hash);
    }

    /// The row of `id` in `ids`, which is pushed onto `ids` and added to the map if it is new
    /// (one probe of the table either way). `None`, and nothing added, when `ids` is full.
    pub(crate) fn intern(&mut self, ids: &mut TextColumn, id: &str) -> Option<u32> {
        let compare = self.compare;
        let hash = compare.hash(id);
        let entry = self.table.entry(
            hash,
            |&r| compare.same(ids.text(r as usize), id),
            |&r| compare.hash(ids.text(r as usize)),
        );
        match entry {
            Entry::Occupied(found) => Some(*found.get()),
            Entry::Vacant(slot) => {
                if !ids.fits(id.len()) {
                    return None;
                }
                let row = ids.len() as u32;
                ids.push(Some(id));
                slot.insert(row);
                Some(row)
            }
        }
    }

    /// Room for `rows` more ids without growing.
    pub(crate) fn reserve(&mut self, ids: &TextColumn, rows: usize) {
        let compare = self.compare;
        self.table
            .reserve(rows, |&r| compare.hash(ids.text(r as usize)));
    }

    /// Whether the map holds no id.
    pub(crate) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Bytes held: a `u32` and a control byte per slot.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ids: &[&str]) -> TextColumn {
        let mut c = TextColumn::default();
        for id in ids {
            c.push(Some(id));
        }
        c
    }

    #[test]
    fn finds_rows_by_their_text_exactly_or_case_folded() {
        let ids = column(&["P-1", "p-2", "Tenant-ABC", "K"]);
        let mut exact = IdMap::new(Compare::Exact);
        let mut folded = IdMap::new(Compare::FoldCase);
        for r in 0..4 {
            exact.insert(&ids, r);
            folded.insert(&ids, r);
        }
        assert_eq!(exact.get(&ids, "P-1"), Some(0));
        assert_eq!(exact.get(&ids, "p-1"), None);
        assert_eq!(exact.get(&ids, "p-2"), Some(1));
        assert_eq!(folded.get(&ids, "tenant-abc"), Some(2));
        assert_eq!(folded.get(&ids, "TENANT-abc"), Some(2));
        assert_eq!(folded.get(&ids, "P-2"), Some(1));
        // The Kelvin sign lower-cases to an ASCII 'k', as `tenant_key` folds it.
        assert_eq!(folded.get(&ids, "\u{212A}"), Some(3));
        assert_eq!(folded.get(&ids, "tenant-ab"), None);
        assert!(!folded.is_empty());
        assert!(IdMap::new(Compare::Exact).is_empty());
    }
}
