//! Text columns: the ids and names of a table in one byte buffer with `u32` offsets.

/// A text per row, all in one buffer: one allocation for the column instead of one per row (a
/// 10-byte id costs 14 bytes here, 16 + 16 as a `Box<str>`). An empty text is no value.
///
/// The buffer holds at most 4 GiB of text ([`TextColumn::fits`] says whether a value still
/// fits; the loader rejects a row that does not).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextColumn {
    text: String,
    /// Where each row's text ends in `text`.
    ends: Vec<u32>,
}

impl TextColumn {
    /// Whether `len` more bytes of text fit in the column.
    pub fn fits(&self, len: usize) -> bool {
        self.text.len() + len <= u32::MAX as usize
    }

    /// Appends the next row's value. A value that does not [fit](TextColumn::fits) is stored
    /// as no value.
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value.filter(|v| self.fits(v.len())) {
            self.text.push_str(v);
        }
        self.ends.push(self.text.len() as u32);
    }

    /// The value of row `row`, if it has one.
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)? as usize;
        let start = row.checked_sub(1).map_or(0, |r| self.ends[r] as usize);
        (end > start).then(|| &self.text[start..end])
    }

    /// The text of row `row`, empty if it has none.
    ///
    /// # Panics
    /// If `row` is out of bounds, as indexing a slice does.
    #[inline]
    pub fn text(&self, row: usize) -> &str {
        let end = self.ends[row] as usize;
        let start = row.checked_sub(1).map_or(0, |r| self.ends[r] as usize);
        &self.text[start..end]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Room for `rows` more values (their text grows as it comes).
    pub fn reserve(&mut self, rows: usize) {
        self.ends.reserve(rows);
    }

    /// Room for `rows` more values and their text, each as long as the average so far and a
    /// sixteenth more (the buffer would otherwise double, copying what it holds, as it fills),
    /// but never more than `max_bytes` of text (what is left of the file, say: a file whose
    /// first rows are long and the rest short or junk is not taken at its first rows' word).
    pub fn reserve_like(&mut self, rows: usize, max_bytes: usize) {
        self.ends.reserve(rows);
        if let Some(per_row) = self.text.len().checked_div(self.len()) {
            let more = (per_row + 1).saturating_mul(rows);
            let more = more.saturating_add(more / 16).min(max_bytes);
            self.text
                .reserve(more.min((u32::MAX as usize).saturating_sub(self.text.len())));
        }
    }

    /// Releases the spare capacity left by growing.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Every row's text, in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|r| self.text(r))
    }

    /// Bytes held: the text buffer and the offsets (capacities).
    #[doc(hidden)]
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::TextColumn;

    #[test]
    fn rows_keep_their_text_and_empty_is_no_value() {
        let mut c = TextColumn::default();
        c.push(Some("R1"));
        c.push(None);
        c.push(Some("tenant-é"));
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(0), Some("R1"));
        assert_eq!(c.get(1), None);
        assert_eq!(c.text(1), "");
        assert_eq!(c.get(2), Some("tenant-é"));
        assert_eq!(c.get(3), None);
        assert_eq!(c.iter().collect::<Vec<_>>(), ["R1", "", "tenant-é"]);
        assert!(c.fits(10));
        assert!(!c.fits(u32::MAX as usize));
    }

    #[test]
    fn reserve_like_sizes_text_by_the_average_row_within_the_cap() {
        let mut c = TextColumn::default();
        // Nothing stored: no average, so only the offsets get room.
        c.reserve_like(1000, usize::MAX);
        assert_eq!(c.text.capacity(), 0);
        assert!(c.ends.capacity() >= 1000);
        for _ in 0..10 {
            c.push(Some("0123456789"));
        }
        // 10 bytes a row so far: 1000 more rows get (10 + 1) * 1000 and a sixteenth.
        c.reserve_like(1000, usize::MAX);
        assert!(c.text.capacity() >= 100 + 11_000 + 11_000 / 16);
        assert!(c.ends.capacity() >= 10 + 1000);
        // The cap wins over the average: a file with 500 bytes left gets no more than that.
        let mut d = TextColumn::default();
        d.push(Some(&"x".repeat(4000)));
        d.reserve_like(1_000_000, 500);
        assert!(d.text.capacity() >= 4000 + 500);
        assert!(
            d.text.capacity() < 4000 + 1_000_000,
            "{}",
            d.text.capacity()
        );
    }
}
