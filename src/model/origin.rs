//! Where a row of the network came from when the input was not contract v1: the Partner Center
//! file and line (CSV) or JSON pointer of its first evidence, and how much evidence there was.

use std::sync::Arc;

use super::InputFile;

/// The evidence behind one row of the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file as found in the folder.
    pub path: Arc<str>,
    /// Physical line of the first evidence (in a JSON document, where its item starts).
    pub line: u32,
    /// For JSON, the pointer to the first evidence inside its document.
    pub pointer: Option<String>,
    /// How many records were evidence of the row (line items of one relationship, say).
    pub count: u32,
}

impl Origin {
    /// `file:line`, or `file:line#/pointer`, with the count when there was more than one.
    pub fn label(&self) -> String {
        let mut s = match &self.pointer {
            Some(p) => format!("{}:{}#{p}", self.path, self.line),
            None => format!("{}:{}", self.path, self.line),
        };
        if self.count > 1 {
            s += &format!(" (first of {} line items)", self.count);
        }
        s
    }
}

/// The origin of every row of the three contract-v1 tables, by their line there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    /// Indexed like [`InputFile::ALL`], then by line − 2 (the header is line 1).
    pub rows: [Vec<Origin>; 3],
}

impl Origins {
    /// The origin of the row at `line` of `file`.
    pub fn get(&self, file: InputFile, line: u32) -> Option<&Origin> {
        self.rows[file as usize].get((line as usize).checked_sub(2)?)
    }
}
