//! Ids read back from compact columns, as the text they were written as.

use std::fmt;

/// An id as written, from a column that keeps ids compactly: a borrowed text, or one formatted
/// on the stack (a GUID from its 16 bytes, a relationship id from its number). It reads as a
/// `&str` (`Deref`), prints as one and compares as one.
#[derive(Clone, Copy)]
pub struct IdStr<'a>(Repr<'a>);

/// The longest id an [`IdStr`] formats on the stack.
pub const INLINE_ID: usize = 38;

#[derive(Clone, Copy)]
enum Repr<'a> {
    Text(&'a str),
    /// ASCII bytes and their number.
    Inline([u8; INLINE_ID], u8),
}

impl Default for IdStr<'_> {
    fn default() -> Self {
        IdStr::text("")
    }
}

impl<'a> IdStr<'a> {
    /// A borrowed text.
    pub fn text(s: &'a str) -> Self {
        IdStr(Repr::Text(s))
    }

    /// An id of ASCII bytes (at most [`INLINE_ID`], the rest is cut off), copied.
    pub(crate) fn inline(bytes: &[u8]) -> Self {
        let mut buf = [0; INLINE_ID];
        let len = bytes.len().min(INLINE_ID);
        buf[..len].copy_from_slice(&bytes[..len]);
        IdStr(Repr::Inline(buf, len as u8))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Text(s) => s,
            // Only ever made from ASCII: always UTF-8.
            Repr::Inline(b, len) => std::str::from_utf8(&b[..*len as usize]).unwrap_or_default(),
        }
    }
}

impl<'a> From<&'a str> for IdStr<'a> {
    fn from(s: &'a str) -> Self {
        IdStr::text(s)
    }
}

impl From<IdStr<'_>> for String {
    fn from(id: IdStr<'_>) -> Self {
        id.as_str().to_owned()
    }
}

impl std::ops::Deref for IdStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for IdStr<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for IdStr<'_> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for IdStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for IdStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for IdStr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IdStr<'_> {}

impl PartialEq<str> for IdStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for IdStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for IdStr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdStr<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl serde::Serialize for IdStr<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
