//! Helpers for the loader's problem messages.

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
