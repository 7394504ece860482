//! Positioned input errors: every problem in an input file, with file, line and column.

use std::fmt;
use std::sync::Arc;

/// One problem in an input file.
///
/// `line` is the physical line (the header is line 1) and `column` the 1-based position of the
/// field in its row; both are 1 for problems with the file as a whole (missing, empty, unreadable).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct InputError {
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

impl InputError {
    /// A problem at a position.
    pub fn new(file: &Arc<str>, line: u64, column: u64, message: impl Into<String>) -> Self {
        InputError {
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
}

impl fmt::Display for InputError {
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
pub fn listing(errors: &[InputError], shown: usize) -> (&[InputError], u64) {
    let (head, rest) = errors.split_at(shown.min(errors.len()));
    (head, rest.iter().map(InputError::problems).sum())
}

/// How many problems `errors` stand for.
pub fn problem_count(errors: &[InputError]) -> u64 {
    errors.iter().map(InputError::problems).sum()
}

/// Returns ` (did you mean 'x'?)` for the valid value closest to `found`, or nothing when no
/// value is close enough to be a plausible typo. Case is ignored in the comparison (`csp03`
/// and `CSP03` both suggest `CSP003`); the suggestion is spelt as in `valid`.
pub fn did_you_mean<'a>(found: &str, valid: impl IntoIterator<Item = &'a str>) -> String {
    let found = found.to_lowercase();
    let best = valid
        .into_iter()
        .map(|v| (strsim::jaro_winkler(&found, &v.to_lowercase()), v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, v)) => format!(" (did you mean '{v}'?)"),
        None => String::new(),
    }
}

/// `word` after its indefinite article, for messages: `an admin`, `a customer`. The article
/// goes by the first letter, which is right for the plain words messages use it with (kinds,
/// roles), not for every English word (`a user`, `an hour`).
pub(crate) fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u'));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Quotes a value from the input for a message, shortening very long ones.
pub fn quote(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        format!("'{}'", value.escape_debug())
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("'{}…' ({} bytes)", head.escape_debug(), value.len())
    }
}
