//! ISO 8601 UTC timestamps for reports, certificates and the agent's state, from the civil-date
//! algorithm of H. Hinnant: no time-zone database is needed in a ramdisk. One formatter for the
//! tree (the cache, erase certificates and the agent each had their own).

use std::time::{SystemTime, UNIX_EPOCH};

/// How much of the second a timestamp shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `2026-11-25T13:20:00Z` (the image cache, the agent).
    Seconds,
    /// `2026-11-25T13:20:00.123Z` (erase certificates, whose steps take milliseconds).
    Millis,
}

/// `t` in UTC; a time before 1970 prints as the epoch.
pub fn utc(t: SystemTime, precision: Precision) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    match precision {
        Precision::Seconds => format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z"),
        Precision::Millis => format!(
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{:03}Z",
            d.subsec_millis()
        ),
    }
}

/// Now, in UTC.
pub fn now(precision: Precision) -> String {
    utc(SystemTime::now(), precision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn civil_dates() {
        assert_eq!(utc(UNIX_EPOCH, Precision::Seconds), "1970-01-01T00:00:00Z");
        assert_eq!(
            utc(UNIX_EPOCH, Precision::Millis),
            "1970-01-01T00:00:00.000Z"
        );
        let t = UNIX_EPOCH + Duration::from_millis(1_795_608_000_250);
        assert_eq!(utc(t, Precision::Millis), "2026-11-25T12:00:00.250Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc(leap, Precision::Seconds), "2000-02-29T00:00:00Z");
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(utc(before, Precision::Seconds), "1970-01-01T00:00:00Z");
    }
}
