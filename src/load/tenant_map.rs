//! Tenant id → row: a map of row indices into the model's [`TenantIdColumn`], hashing and
//! comparing a GUID's 16 bytes in place (one load per probe instead of an offset pair and the
//! text it points to), any other id by its case-folded text.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::id_map::Compare;
use crate::model::{parse_guid, GuidCase, TenantIdColumn, TenantKey};

/// A tenant id parsed and hashed as tenant ids compare (case-insensitively), on any thread
/// (it borrows nothing, so a table's parallel check can hand it on to the store).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TenantHash {
    guid: Option<(u128, GuidCase)>,
    hash: u64,
}

impl TenantHash {
    /// `id` parsed and hashed.
    pub(crate) fn of(id: &str) -> Self {
        let guid = parse_guid(id);
        let hash = match guid {
            Some((g, _)) => hash_guid(g),
            None => Compare::FoldCase.hash(id),
        };
        TenantHash { guid, hash }
    }
}

/// A tenant id made ready for look-ups and for storing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TenantQuery<'a> {
    id: &'a str,
    parsed: TenantHash,
}

impl<'a> TenantQuery<'a> {
    /// `id`, parsed and hashed.
    pub(crate) fn of(id: &'a str) -> Self {
        Self::with(id, TenantHash::of(id))
    }

    /// `id`, whose [`TenantHash`] is `parsed`.
    pub(crate) fn with(id: &'a str, parsed: TenantHash) -> Self {
        TenantQuery { id, parsed }
    }

    /// The id as parsed, for [`TenantIdColumn::push_parsed`].
    pub(crate) fn guid(&self) -> Option<(u128, GuidCase)> {
        self.parsed.guid
    }
}

fn hash_guid(g: u128) -> u64 {
    FxBuildHasher.hash_one(g)
}

fn hash_row(ids: &TenantIdColumn, row: u32) -> u64 {
    match ids.key(row as usize) {
        TenantKey::Guid(g) => hash_guid(g),
        TenantKey::Text(t) => Compare::FoldCase.hash(t),
    }
}

/// The rows of the tenant id column, found by id (case-insensitively).
#[derive(Default)]
pub(crate) struct TenantMap {
    table: HashTable<u32>,
}

impl TenantMap {
    /// The row of `id` in `ids`, if the map holds it.
    pub(crate) fn get(&self, ids: &TenantIdColumn, id: &str) -> Option<u32> {
        self.find(ids, &TenantQuery::of(id))
    }

    /// The row of the id of `q` in `ids`, if the map holds it.
    pub(crate) fn find(&self, ids: &TenantIdColumn, q: &TenantQuery<'_>) -> Option<u32> {
        match q.parsed.guid {
            Some((g, _)) => self
                .table
                .find(q.parsed.hash, |&r| ids.has_guid(r as usize, g))
                .copied(),
            // An id that is no GUID never equals one, however it folds.
            None => self
                .table
                .find(q.parsed.hash, |&r| match ids.key(r as usize) {
                    TenantKey::Text(t) => Compare::FoldCase.same(t, q.id),
                    TenantKey::Guid(_) => false,
                })
                .copied(),
        }
    }

    /// Adds row `row` of `ids`, whose id (that of `q`) the map does not hold yet.
    pub(crate) fn insert(&mut self, ids: &TenantIdColumn, row: u32, q: &TenantQuery<'_>) {
        self.table
            .insert_unique(q.parsed.hash, row, |&r| hash_row(ids, r));
    }

    /// Room for `rows` more ids without growing.
    pub(crate) fn reserve(&mut self, ids: &TenantIdColumn, rows: usize) {
        self.table.reserve(rows, |&r| hash_row(ids, r));
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

    #[test]
    fn finds_guids_in_any_case_and_other_ids_case_folded() {
        let written = [
            "0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
            "ABCDEF01-2345-6789-ABCD-EF0123456789",
            "Aaaaaaaa-0000-0000-0000-000000000000",
            "Tenant-ABC",
            "K",
        ];
        let mut ids = TenantIdColumn::default();
        let mut map = TenantMap::default();
        for (r, id) in written.iter().enumerate() {
            let q = TenantQuery::of(id);
            assert_eq!(map.find(&ids, &q), None);
            ids.push_parsed(Some(id), q.guid());
            map.insert(&ids, r as u32, &q);
        }
        let found = |id: &str| map.get(&ids, id);
        assert_eq!(found("0F8E2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B"), Some(0));
        assert_eq!(found("0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5B"), Some(0));
        assert_eq!(found("abcdef01-2345-6789-abcd-ef0123456789"), Some(1));
        assert_eq!(found("aaaaaaaa-0000-0000-0000-000000000000"), Some(2));
        assert_eq!(found("AAAAAAAA-0000-0000-0000-000000000000"), Some(2));
        assert_eq!(found("tenant-abc"), Some(3));
        // The Kelvin sign lower-cases to an ASCII 'k', as `tenant_key` folds it.
        assert_eq!(found("\u{212A}"), Some(4));
        assert_eq!(found("{0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b}"), None);
        assert_eq!(found("0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5c"), None);
        assert_eq!(found("tenant-ab"), None);
        assert!(!map.is_empty());
        assert!(TenantMap::default().is_empty());
    }
}
