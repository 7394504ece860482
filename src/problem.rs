//! Problems: everything that is not a finding (an input row, the configuration, a baseline,
//! the region table, the command line), with file, line, column and message, in one type with
//! one `FILE:LINE:COLUMN: message` form.

use std::fmt;
use std::sync::Arc;

/// One problem with what the run was given: an input file, the configuration, a baseline, the
/// region table or the command line.
///
/// `line` is the physical line (the header is line 1) and `column` the 1-based position of the
/// field in its row; both are 1 for problems with the file as a whole (missing, empty, unreadable).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The file as the user named it.
    pub file: Arc<str>,
    /// Physical line, 1-based.
    pub line: u64,
    /// Field position in the row, 1-based.
    pub column: u64,
    /// What was found and what was expected.
    pub message: String,
    /// Which input file of the network it is in (`None` for the region table).
    #[serde(skip)]
    pub input: Option<crate::model::InputFile>,
    /// How many problems past a file's listing cap this one message sums up (0: it is one
    /// problem of its own).
    #[serde(skip)]
    pub unlisted: u64,
}

impl Problem {
    /// A problem at a position.
    pub fn new(file: &Arc<str>, line: u64, column: u64, message: impl Into<String>) -> Self {
        Problem {
            file: Arc::clone(file),
            line,
            column,
            message: message.into(),
            input: None,
            unlisted: 0,
        }
    }

    /// How many problems this message stands for: itself, or the ones it sums up.
    pub fn problems(&self) -> u64 {
        self.unlisted.max(1)
    }

    /// A problem with the file as a whole.
    pub fn whole_file(file: &Arc<str>, message: impl Into<String>) -> Self {
        Self::new(file, 1, 1, message)
    }

    /// A problem with the command line (a bad flag or combination of flags).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::whole_file(&USAGE_FILE.into(), message)
    }
}

/// The file a usage problem names in the reports.
pub const USAGE_FILE: &str = "command line";

impl std::error::Error for Problem {}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// The first `shown` of `errors`, and how many problems the rest stand for (a message that
/// sums up a file's unlisted problems counts for all of them).
pub fn listing(errors: &[Problem], shown: usize) -> (&[Problem], u64) {
    let (head, rest) = errors.split_at(shown.min(errors.len()));
    (head, rest.iter().map(Problem::problems).sum())
}

/// How many problems `errors` stand for.
pub fn problem_count(errors: &[Problem]) -> u64 {
    errors.iter().map(Problem::problems).sum()
}
