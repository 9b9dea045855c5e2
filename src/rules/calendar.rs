//! Date arithmetic over the academic calendar: weeks, periods, semester parts.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::error::{Error, Reason, Result};

/// Today by this computer's clock (local time): the day a user means by "today".
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A day as a user types it, in the app or on the command line: `YYYY-MM-DD` (spaces around it
/// ignored), or `today` when absent or blank. Refused as [`Reason::BadDate`] of `field`.
pub fn parse_day(text: Option<&str>, field: &'static str, today: NaiveDate) -> Result<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| Error::refused(field, Reason::BadDate)),
    }
}

/// Now by this computer's clock (local time), to the minute.
pub fn now() -> NaiveDateTime {
    let n = chrono::Local::now().naive_local();
    n.with_second(0)
        .and_then(|n| n.with_nanosecond(0))
        .unwrap_or(n)
}

/// The moment a question about `day` is asked at: now when `day` is today, else the start of
/// that day (a dashboard or list computed for another day).
pub fn moment_of(day: NaiveDate) -> NaiveDateTime {
    let now = now();
    if now.date() == day {
        now
    } else {
        day.and_time(chrono::NaiveTime::MIN)
    }
}

/// A moment as a user types it: `YYYY-MM-DD HH:MM` (or with `T` between, as a browser's
/// date-time field sends it), or `now` when absent or blank. Refused as [`Reason::BadTime`].
pub fn parse_moment(
    text: Option<&str>,
    field: &'static str,
    now: NaiveDateTime,
) -> Result<NaiveDateTime> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(now),
        Some(t) => NaiveDateTime::parse_from_str(&t.replacen('T', " ", 1), "%Y-%m-%d %H:%M")
            .map_err(|_| Error::refused(field, Reason::BadTime)),
    }
}

/// `day + n` days, saturating at the end of chrono's range.
pub fn plus(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_signed(Duration::days(n.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// `day - n` days, saturating.
pub fn minus(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_sub_signed(Duration::days(n.into()))
        .unwrap_or(NaiveDate::MIN)
}

/// The Monday of the week holding `day`.
pub fn monday(day: NaiveDate) -> NaiveDate {
    minus(day, day.weekday().num_days_from_monday())
}

/// Consecutive periods of `len` days from `from`, as (first day, last day), for every period that
/// has begun by `through`.
pub fn periods(from: NaiveDate, len: u32, through: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= through && len > 0 {
        let end = plus(start, len - 1);
        out.push((start, end));
        start = plus(end, 1);
    }
    out
}

/// The dates splitting `[start, end]` into `n` equal parts: the last day of each part.
pub fn split_ends(start: NaiveDate, end: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let days = (end - start).num_days().max(0) + 1;
    (1..=i64::from(n))
        .map(|k| start + Duration::days(days * k / i64::from(n.max(1)) - 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_day_is_a_date_or_today_and_nothing_else() {
        let today = d("2026-03-04");
        assert_eq!(parse_day(None, "date", today).unwrap(), today);
        assert_eq!(parse_day(Some("  "), "date", today).unwrap(), today);
        assert_eq!(
            parse_day(Some(" 2026-03-02 "), "date", today).unwrap(),
            d("2026-03-02")
        );
        for bad in ["2026-02-30", "2026/03/02", "today", "2026-13-01"] {
            let e = parse_day(Some(bad), "--date", today).unwrap_err();
            assert_eq!(
                (e.code(), e.field(), e.reason()),
                ("invalid_input", Some("--date"), Some(Reason::BadDate))
            );
        }
    }

    #[test]
    fn weeks_and_periods() {
        assert_eq!(monday(d("2026-11-26")), d("2026-11-23"));
        assert_eq!(monday(d("2026-11-23")), d("2026-11-23"));
        let p = periods(d("2026-09-01"), 15, d("2026-09-16"));
        assert_eq!(
            p,
            [
                (d("2026-09-01"), d("2026-09-15")),
                (d("2026-09-16"), d("2026-09-30"))
            ]
        );
        assert_eq!(
            split_ends(d("2026-09-01"), d("2026-09-30"), 2),
            [d("2026-09-15"), d("2026-09-30")]
        );
    }
}
