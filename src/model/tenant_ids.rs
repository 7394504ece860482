//! The tenant id column: GUIDs in 16 bytes, any other id as text, each reproduced as written.

use super::IdStr;

/// A tenant id per row. An id written as a canonical GUID (8-4-4-4-12 hex digits, its letters
/// all lower-case or all upper-case) is kept as its 16 bytes and a case bit; any other id
/// (mixed case, braces, not a GUID at all) is kept as text. Either way [`TenantIdColumn::text`]
/// gives the id exactly as written. 4.8 million GUIDs take 77 MiB here, 183 MiB as text.
///
/// An empty id is no value, as in a [`super::TextColumn`], whose building API this keeps. The
/// text of the ids that are not GUIDs holds at most 4 GiB ([`TenantIdColumn::fits`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantIdColumn {
    /// Per row: the GUID, or for a text row its text's start (low 32 bits) and end (next 32).
    keys: Vec<u128>,
    /// Bit per row: the GUID's letters are upper-case.
    upper: Vec<u64>,
    /// Bit per row: the row's id is text.
    text_rows: Vec<u64>,
    /// Number of text rows.
    text_count: usize,
    /// The text rows' ids, one after another.
    text: String,
}

/// How a GUID's hex letters are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuidCase {
    /// Every letter lower-case (or no letter at all).
    Lower,
    /// Every letter upper-case.
    Upper,
    /// Both: not canonical, kept as text.
    Mixed,
}

/// Where the dashes of a canonical GUID are.
const DASHES: [usize; 4] = [8, 13, 18, 23];

/// The GUID `id` writes in canonical 8-4-4-4-12 form (hex digits of any case), with the case of
/// its letters; `None` for any other text. A tenant id folds to a GUID's lower-case form only
/// if it is one (no non-ASCII character lower-cases to a hex digit or a dash), so two tenant
/// ids are the same id exactly when both parse to the same GUID or, neither being one, their
/// texts fold equal.
pub fn parse_guid(id: &str) -> Option<(u128, GuidCase)> {
    let b = id.as_bytes();
    if b.len() != 36 || DASHES.iter().any(|&i| b[i] != b'-') {
        return None;
    }
    // One table look-up per digit, no branch: the flags of every digit are or-ed together
    // and looked at once at the end.
    let (mut value, mut flags) = (0u128, 0u8);
    for &i in &HEX_AT {
        let d = HEX[usize::from(b[i])];
        flags |= d;
        value = (value << 4) | u128::from(d & 0x0f);
    }
    if flags & NOT_HEX != 0 {
        return None;
    }
    let case = match (flags & LOWER != 0, flags & UPPER != 0) {
        (true, true) => GuidCase::Mixed,
        (false, true) => GuidCase::Upper,
        _ => GuidCase::Lower,
    };
    Some((value, case))
}

/// Where the 32 hex digits of a canonical GUID are.
const HEX_AT: [usize; 32] = {
    let mut at = [0; 32];
    let (mut i, mut n) = (0, 0);
    while i < 36 {
        if !(i == DASHES[0] || i == DASHES[1] || i == DASHES[2] || i == DASHES[3]) {
            at[n] = i;
            n += 1;
        }
        i += 1;
    }
    at
};

/// [`HEX`] flags: a lower-case letter, an upper-case letter, not a hex digit.
const LOWER: u8 = 0x10;
const UPPER: u8 = 0x20;
const NOT_HEX: u8 = 0x80;

/// Per byte: its value as a hex digit in the low four bits, with [`LOWER`], [`UPPER`] or
/// [`NOT_HEX`].
const HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => (b - b'a' + 10) | LOWER,
            b'A'..=b'F' => (b - b'A' + 10) | UPPER,
            _ => NOT_HEX,
        };
        c += 1;
    }
    t
};

/// `guid` in canonical form, its letters in `upper` case or not.
fn write_guid(guid: u128, upper: bool) -> [u8; 36] {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = [b'-'; 36];
    let mut nibble = 32;
    for (i, slot) in out.iter_mut().enumerate() {
        if DASHES.contains(&i) {
            continue;
        }
        nibble -= 1;
        *slot = digits[((guid >> (nibble * 4)) & 0xf) as usize];
    }
    out
}

/// What a row of the column holds, for the tenant id map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantKey<'a> {
    /// A GUID (written in any case).
    Guid(u128),
    /// Any other id, as written.
    Text(&'a str),
}

fn bit(bits: &[u64], row: usize) -> bool {
    bits.get(row / 64).is_some_and(|w| w >> (row % 64) & 1 == 1)
}

fn set_bit(bits: &mut Vec<u64>, row: usize) {
    if bits.len() <= row / 64 {
        bits.resize(row / 64 + 1, 0);
    }
    bits[row / 64] |= 1 << (row % 64);
}

impl TenantIdColumn {
    /// Whether `len` more bytes of text fit in the column (a GUID needs none, but is asked for
    /// as any id is).
    pub fn fits(&self, len: usize) -> bool {
        self.text.len() + len <= u32::MAX as usize
    }

    /// Appends the next row's id. An id that is not a GUID and does not
    /// [fit](TenantIdColumn::fits) is stored as no value.
    pub fn push(&mut self, value: Option<&str>) {
        let guid = value.and_then(parse_guid);
        self.push_parsed(value, guid);
    }

    /// Like [`TenantIdColumn::push`], with `value` already [parsed](parse_guid) into `guid`.
    pub fn push_parsed(&mut self, value: Option<&str>, guid: Option<(u128, GuidCase)>) {
        let row = self.keys.len();
        match guid {
            Some((g, case)) if case != GuidCase::Mixed => {
                if case == GuidCase::Upper {
                    set_bit(&mut self.upper, row);
                }
                self.keys.push(g);
            }
            _ => {
                let start = self.text.len() as u128;
                if let Some(v) = value.filter(|v| self.fits(v.len())) {
                    self.text.push_str(v);
                }
                self.keys.push(start | ((self.text.len() as u128) << 32));
                set_bit(&mut self.text_rows, row);
                self.text_count += 1;
            }
        }
    }

    fn is_text(&self, row: usize) -> bool {
        self.text_count > 0 && bit(&self.text_rows, row)
    }

    fn row_text(&self, key: u128) -> &str {
        let (start, end) = (key as u32 as usize, (key >> 32) as u32 as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    /// The id of row `row`, if it has one.
    pub fn get(&self, row: usize) -> Option<IdStr<'_>> {
        (row < self.len())
            .then(|| self.text(row))
            .filter(|id| !id.is_empty())
    }

    /// The id of row `row` as written, empty if it has none.
    ///
    /// # Panics
    /// If `row` is out of bounds, as indexing a slice does.
    #[inline]
    pub fn text(&self, row: usize) -> IdStr<'_> {
        let key = self.keys[row];
        if self.is_text(row) {
            IdStr::text(self.row_text(key))
        } else {
            IdStr::inline(&write_guid(key, bit(&self.upper, row)))
        }
    }

    /// The id of row `row` as the tenant id map compares it (a mixed-case GUID is a GUID).
    ///
    /// # Panics
    /// If `row` is out of bounds.
    #[inline]
    pub fn key(&self, row: usize) -> TenantKey<'_> {
        let key = self.keys[row];
        if !self.is_text(row) {
            return TenantKey::Guid(key);
        }
        let text = self.row_text(key);
        match parse_guid(text) {
            Some((g, _)) => TenantKey::Guid(g),
            None => TenantKey::Text(text),
        }
    }

    /// Whether row `row` holds GUID `guid` (however it is written).
    ///
    /// # Panics
    /// If `row` is out of bounds.
    #[inline]
    pub fn has_guid(&self, row: usize, guid: u128) -> bool {
        // One load for the usual GUID row; the bit is looked at only if there are text rows.
        let key = self.keys[row];
        if self.text_count == 0 {
            return key == guid;
        }
        match self.key(row) {
            TenantKey::Guid(g) => g == guid,
            TenantKey::Text(_) => false,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Room for `rows` more ids (the text of those that are not GUIDs grows as it comes).
    pub fn reserve(&mut self, rows: usize) {
        self.keys.reserve(rows);
    }

    /// Releases the spare capacity left by growing.
    pub fn shrink_to_fit(&mut self) {
        self.keys.shrink_to_fit();
        self.upper.shrink_to_fit();
        self.text_rows.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    /// Every row's id, in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = IdStr<'_>> + '_ {
        (0..self.len()).map(|r| self.text(r))
    }

    /// Bytes held: the keys, the two bit sets and the text (capacities).
    #[doc(hidden)]
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * std::mem::size_of::<u128>()
            + (self.upper.capacity() + self.text_rows.capacity()) * std::mem::size_of::<u64>()
            + self.text.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOWER: &str = "0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
    const UPPER: &str = "0F8E2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B";
    const MIXED: &str = "0F8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn every_id_is_reproduced_as_written() {
        let ids = [
            LOWER,
            UPPER,
            MIXED,
            "{0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b}",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "tenant-é",
            "0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5g",
            "0f8e2a3b04c5d-4e6f-8a9b-0c1d2e3f4a5b",
        ];
        let mut c = TenantIdColumn::default();
        for id in ids {
            c.push(Some(id));
        }
        c.push(None);
        c.shrink_to_fit();
        assert_eq!(c.len(), ids.len() + 1);
        for (r, id) in ids.iter().enumerate() {
            assert_eq!(c.text(r), *id);
            assert_eq!(c.get(r).as_deref(), Some(*id));
            assert_eq!(format!("[{:>3}]", c.text(r)), format!("[{id:>3}]"));
        }
        assert_eq!(c.get(ids.len()), None);
        assert_eq!(c.text(ids.len()), "");
        assert_eq!(c.get(ids.len() + 1), None);
        // Four GUIDs live as keys; the mixed-case one, four other ids and no id are text.
        assert_eq!(c.text_count, 6);
        assert_eq!(c.iter().count(), ids.len() + 1);
    }

    #[test]
    fn a_guid_in_any_case_is_one_key() {
        let (g, case) = parse_guid(LOWER).expect("a canonical guid");
        assert_eq!(case, GuidCase::Lower);
        assert_eq!(g, 0x0f8e2a3b_4c5d_4e6f_8a9b_0c1d2e3f4a5b);
        assert_eq!(parse_guid(UPPER), Some((g, GuidCase::Upper)));
        assert_eq!(parse_guid(MIXED), Some((g, GuidCase::Mixed)));
        assert_eq!(parse_guid(&LOWER[1..]), None);
        assert_eq!(parse_guid(&format!("{LOWER} ")[1..]), None);
        let mut c = TenantIdColumn::default();
        for id in [LOWER, UPPER, MIXED, "tenant-1"] {
            c.push(Some(id));
        }
        for r in 0..3 {
            assert_eq!(c.key(r), TenantKey::Guid(g));
            assert!(c.has_guid(r, g));
        }
        assert_eq!(c.key(3), TenantKey::Text("tenant-1"));
        assert!(!c.has_guid(3, g));
    }
}
