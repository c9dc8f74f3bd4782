//! Points in time as the engine sees them: whole seconds since the Unix epoch, written as
//! RFC 3339 UTC strings (`2026-12-03T18:33:59Z`) in documents and events.
//!
//! The engine has no clock. Every command and query that depends on time takes `now` as an
//! argument, which keeps the engine deterministic and testable.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// The earliest time a document may carry (year 1970).
const MIN_SECONDS: i64 = 0;
/// The latest time a document may carry (the end of year 9999).
const MAX_SECONDS: i64 = 253_402_300_799;

const SECONDS_PER_DAY: i64 = 86_400;

impl Timestamp {
    /// A timestamp from seconds since the Unix epoch, clamped to years 1970 to 9999 so that
    /// it always formats as a four-digit-year RFC 3339 string.
    pub fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds.clamp(MIN_SECONDS, MAX_SECONDS))
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// This time plus a number of whole days, saturating at the latest representable time.
    pub fn plus_days(self, days: u32) -> Timestamp {
        Timestamp::from_unix_seconds(self.0.saturating_add(i64::from(days) * SECONDS_PER_DAY))
    }

    /// Parses the strict form this engine writes: `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let b = text.as_bytes();
        let shape_ok = b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z';
        if !shape_ok {
            return Err(TimestampError::Shape);
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimestampError> {
            let part = text.get(range).ok_or(TimestampError::Shape)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(TimestampError::Shape);
            }
            part.parse::<i64>().map_err(|_| TimestampError::Shape)
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
            return Err(TimestampError::OutOfRange);
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(TimestampError::OutOfRange);
        }
        let days = days_from_civil(year, month, day);
        Ok(Timestamp(
            days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second,
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// Why a string is not a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampError {
    /// Not of the form `YYYY-MM-DDTHH:MM:SSZ`.
    Shape,
    /// A field is outside its range, or the date is before 1970.
    OutOfRange,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampError::Shape => f.write_str("expected a UTC time like `2026-01-31T09:30:00Z`"),
            TimestampError::OutOfRange => f.write_str("date or time out of range"),
        }
    }
}

impl std::error::Error for TimestampError {}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (the well-known era algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_dates() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:00:00Z", 951_825_600),
            ("2026-12-03T18:33:59Z", 1_796_322_839),
        ] {
            let t = Timestamp::parse(text).expect(text);
            assert_eq!(t.unix_seconds(), secs, "{text}");
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn refuses_malformed_and_impossible_dates() {
        for text in [
            "",
            "2026-12-03",
            "2026-12-03T18:33:59",
            "2026-12-03 18:33:59Z",
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-13-01T00:00:00Z",
            "2026-12-03T24:00:00Z",
            "+026-12-03T18:33:59Z",
            "2026-12-03T18:33:5éZ",
        ] {
            assert!(
                Timestamp::parse(text).is_err(),
                "{text:?} should be refused"
            );
        }
    }

    #[test]
    fn every_day_boundary_round_trips() {
        let mut t = 0;
        while t < 4_000_000_000 {
            let ts = Timestamp::from_unix_seconds(t);
            assert_eq!(Timestamp::parse(&ts.to_string()), Ok(ts));
            t += 86_399 * 37;
        }
    }
}
