//! Dates: RFC 5322 (`Tue, 24 Nov 2026 06:30:00 +0000`) for Received headers, and
//! RFC 3339 in UTC (`2026-11-24T06:30:00Z`) for the audit log and its command line.

use std::time::{SystemTime, UNIX_EPOCH};

/// The date-time in UTC, RFC 5322 §3.3 format.
pub fn rfc5322(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{}, {d} {} {y} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds since the Unix epoch as RFC 3339 in UTC.
pub fn rfc3339(secs: u64) -> String {
    let secs = secs as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]Z` (UTC) or plain epoch seconds.
pub fn parse_utc(text: &str) -> Option<u64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let (date, time) = t.split_once(['T', ' ']).unwrap_or((t, ""));
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let mut hms = time.split(':').filter(|p| !p.is_empty()).map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (hms.next().unwrap_or(Some(0))?, hms.next().unwrap_or(Some(0))?, hms.next().unwrap_or(Some(0))?);
    if h > 23 || min > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s;
    u64::try_from(secs).ok()
}

/// Howard Hinnant's civil-to-days algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        let at = |s| rfc5322(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(at(1_795_501_800), "Tue, 24 Nov 2026 06:30:00 +0000");
    }

    #[test]
    fn rfc3339_round_trips() {
        assert_eq!(rfc3339(1_795_501_800), "2026-11-24T06:30:00Z");
        for secs in [0, 951_782_400, 1_795_501_800, 4_102_444_799] {
            assert_eq!(parse_utc(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(parse_utc("2026-11-24"), Some(1_795_478_400));
        assert_eq!(parse_utc("2026-11-24T06:30Z"), Some(1_795_501_800));
        assert_eq!(parse_utc("1795501800"), Some(1_795_501_800));
        for bad in ["", "2026-13-01", "24-11-2026x", "2026-11-24T25:00Z", "yesterday"] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }
}
