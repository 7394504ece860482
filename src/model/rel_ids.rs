//! The relationship id column: ids of one shape (`R00000001`) as numbers, any other as text.

use super::{IdStr, TextColumn, INLINE_ID};

/// [`RelIdColumn::numbers`] of a row with no id.
const NONE: u32 = u32::MAX;
/// [`RelIdColumn::numbers`] of a row whose id is in [`RelIdColumn::text`].
const TEXT: u32 = u32::MAX - 1;

/// A relationship id per row. Source systems number their rows: an id that is the column's
/// prefix followed by a number zero-padded to the column's width (both taken from the first
/// id) is kept as that number, in 4 bytes; any other id is kept as text. Either way
/// [`RelIdColumn::get`] gives the id exactly as written. 10 million ids like `R00000001` take
/// 38 MiB here, 124 MiB as text.
///
/// An empty id is no value. It keeps the building API of a [`TextColumn`]; the text of the ids
/// of other shapes holds at most 4 GiB ([`RelIdColumn::fits`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelIdColumn {
    /// The text before the number, once an id has set it.
    prefix: Option<Box<str>>,
    /// How many digits the number is written with.
    width: usize,
    /// Per row: the number, [`NONE`] or [`TEXT`].
    numbers: Vec<u32>,
    /// The rows whose id is text, in row order, indexing `text`.
    text_rows: Vec<u32>,
    text: TextColumn,
}

/// The number `id` writes after `prefix` in `width` digits, if it is one that fits.
fn number(id: &str, prefix: &str, width: usize) -> Option<u32> {
    let digits = id.strip_prefix(prefix)?.as_bytes();
    if digits.len() != width || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .try_fold(0u64, |n, d| Some(n * 10 + u64::from(d - b'0')))?;
    u32::try_from(n).ok().filter(|&n| n < TEXT)
}

/// The shape of `id`, if it has one a column can number: its prefix and its digits' count (the
/// trailing digits, at most 10 of them).
fn shape(id: &str) -> Option<(&str, usize)> {
    let digits = id
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count()
        .min(10);
    let prefix = &id[..id.len() - digits];
    (digits > 0 && id.len() <= INLINE_ID && number(id, prefix, digits).is_some())
        .then_some((prefix, digits))
}

impl RelIdColumn {
    /// Whether `len` more bytes of text fit in the column (an id that is a number needs none,
    /// but is asked for as any id is).
    pub fn fits(&self, len: usize) -> bool {
        self.text.fits(len)
    }

    /// Appends the next row's id. An id that is text and does not
    /// [fit](RelIdColumn::fits) is stored as no value.
    pub fn push(&mut self, value: Option<&str>) {
        let Some(id) = value.filter(|v| !v.is_empty()) else {
            self.numbers.push(NONE);
            return;
        };
        if self.prefix.is_none() {
            if let Some((prefix, width)) = shape(id) {
                self.prefix = Some(prefix.into());
                self.width = width;
            }
        }
        let n = self
            .prefix
            .as_deref()
            .and_then(|p| number(id, p, self.width));
        match n {
            Some(n) => self.numbers.push(n),
            None if self.text.fits(id.len()) => {
                self.text_rows.push(self.numbers.len() as u32);
                self.text.push(Some(id));
                self.numbers.push(TEXT);
            }
            None => self.numbers.push(NONE),
        }
    }

    /// The id of row `row`, if it has one.
    pub fn get(&self, row: usize) -> Option<IdStr<'_>> {
        match *self.numbers.get(row)? {
            NONE => None,
            TEXT => {
                let at = self.text_rows.binary_search(&(row as u32)).ok()?;
                self.text.get(at).map(IdStr::text)
            }
            n => {
                let prefix = self.prefix.as_deref().unwrap_or_default();
                let mut buf = [b'0'; INLINE_ID];
                let len = prefix.len() + self.width;
                buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
                let mut n = n;
                for slot in buf[prefix.len()..len].iter_mut().rev() {
                    *slot = b'0' + (n % 10) as u8;
                    n /= 10;
                }
                Some(IdStr::inline(&buf[..len]))
            }
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// Room for `rows` more ids (the text of those that are not numbers grows as it comes).
    pub fn reserve(&mut self, rows: usize) {
        self.numbers.reserve(rows);
    }

    /// Releases the spare capacity left by growing.
    pub fn shrink_to_fit(&mut self) {
        self.numbers.shrink_to_fit();
        self.text_rows.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    /// Bytes held: the numbers, the text rows and their text (capacities).
    #[doc(hidden)]
    pub fn heap_bytes(&self) -> usize {
        (self.numbers.capacity() + self.text_rows.capacity()) * std::mem::size_of::<u32>()
            + self.text.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_reproduced_as_written() {
        let ids = [
            Some("R00000001"),
            Some("R00000002"),
            None,
            Some(""),
            Some("R0000003"),
            Some("R100000000"),
            Some("X00000004"),
            Some("R0000000é"),
            Some("R99999999"),
            Some("r00000005"),
            Some("R00000000"),
        ];
        let mut c = RelIdColumn::default();
        for id in ids {
            c.push(id);
        }
        c.shrink_to_fit();
        assert_eq!(c.len(), ids.len());
        for (r, id) in ids.iter().enumerate() {
            let want = id.filter(|id| !id.is_empty());
            assert_eq!(c.get(r).as_deref(), want, "row {r}");
        }
        assert_eq!(c.get(ids.len()), None);
        // Five ids of the first one's shape are numbers; five are text.
        assert_eq!(c.text_rows, [4, 5, 6, 7, 9]);
    }

    #[test]
    fn a_first_id_of_no_shape_keeps_every_id_as_text() {
        let mut c = RelIdColumn::default();
        for id in ["CR-A", "CR-004", "V-012", "99999999999"] {
            c.push(Some(id));
        }
        assert_eq!(c.prefix.as_deref(), Some("CR-"));
        assert_eq!(c.get(0).as_deref(), Some("CR-A"));
        assert_eq!(c.get(1).as_deref(), Some("CR-004"));
        assert_eq!(c.get(2).as_deref(), Some("V-012"));
        assert_eq!(c.get(3).as_deref(), Some("99999999999"));
        assert_eq!(c.text_rows, [0, 2, 3]);
    }
}
