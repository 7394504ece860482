//! Partner Center's value formats: `M/D/YYYY` dates (with or without a time, never D/M/YYYY),
//! ISO 8601 from the APIs, tenant GUIDs and numeric PartnerIDs (MPN ids).

use crate::model::Date;

/// A date as Partner Center writes it: `M/D/YYYY`, `M/D/YYYY H:MM[:SS][ AM|PM]`, `YYYY-MM-DD`
/// or an ISO 8601 date-time (`2021-05-20T18:30:06.6045692Z`); the time is dropped.
pub fn date(text: &str) -> Option<Date> {
    let t = text.trim();
    let day = t.split([' ', 'T']).next()?;
    let rest = &t[day.len()..];
    if !rest.is_empty() && !time_ok(rest) {
        return None;
    }
    if day.contains('/') {
        let mut parts = day.split('/');
        let m: u32 = number(parts.next()?)?;
        let d: u32 = number(parts.next()?)?;
        let y: i32 = number(parts.next()?)?;
        if parts.next().is_some() || !(1000..=9999).contains(&y) {
            return None;
        }
        Date::from_ymd_opt(y, m, d)
    } else {
        Date::parse_from_str(day, "%Y-%m-%d").ok()
    }
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// What may follow the date: ` 0:00`, ` 11:59:59 PM`, `T18:30:06.6045692Z`, `T00:00:00+01:00`.
fn time_ok(rest: &str) -> bool {
    let r = rest[1..].trim();
    let r = r
        .strip_suffix("AM")
        .or_else(|| r.strip_suffix("PM"))
        .unwrap_or(r)
        .trim_end();
    !r.is_empty()
        && r.as_bytes()[0].is_ascii_digit()
        && r.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'Z' | b'+' | b'-'))
}

/// Whether `text` is a GUID (`8-4-4-4-12` hex digits).
pub fn is_guid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether `text` is a PartnerID (MPN id): digits only.
pub fn is_mpn(text: &str) -> bool {
    !text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The reseller column of a line item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reseller<'a> {
    /// `0` or empty: the partner sold directly.
    None,
    /// `-1`: the reseller of record was later removed.
    Removed,
    /// A reseller's PartnerID.
    Id(&'a str),
}

/// Reads a reseller column value, or `None` when it is no PartnerID, `0`, `-1` or empty.
pub fn reseller(text: &str) -> Option<Reseller<'_>> {
    match text.trim() {
        "" | "0" => Some(Reseller::None),
        "-1" => Some(Reseller::Removed),
        t if is_mpn(t) => Some(Reseller::Id(t)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Option<Date> {
        Date::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn dates_are_month_first() {
        assert_eq!(date("10/3/2020"), d(2020, 10, 3));
        assert_eq!(date("2/1/2019 0:00"), d(2019, 2, 1));
        assert_eq!(date("2/28/2019 11:59:59 PM"), d(2019, 2, 28));
        assert_eq!(date("2021-05-20T18:30:06.6045692Z"), d(2021, 5, 20));
        assert_eq!(date("2021-05-01"), d(2021, 5, 1));
        // 13/1/2020 would be D/M/YYYY: never guessed.
        assert_eq!(date("13/1/2020"), None);
        assert_eq!(date("2/30/2020"), None);
        assert_eq!(date("2/3/20"), None);
        assert_eq!(date("yesterday"), None);
        assert_eq!(date("2/1/2019 noon"), None);
    }

    #[test]
    fn ids() {
        assert!(is_guid("0e195b37-4a19-4a80-8a2e-1f8b1f0a1c3d"));
        assert!(!is_guid("0e195b37-4a19-4a80-8a2e-1f8b1f0a1c3"));
        assert!(!is_guid("not-a-guid"));
        assert_eq!(reseller("0"), Some(Reseller::None));
        assert_eq!(reseller("-1"), Some(Reseller::Removed));
        assert_eq!(reseller("6048879"), Some(Reseller::Id("6048879")));
        assert_eq!(reseller("abc"), None);
    }
}
