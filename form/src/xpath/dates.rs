//! Dates and date-times as XPath values: a point on the local time line (the form's time zone
//! already applied) in milliseconds since 1970-01-01T00:00 local, and whether it is a plain date.

use std::fmt;

const MS_PER_DAY: i64 = 86_400_000;

/// A date or date-time value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Milliseconds since 1970-01-01T00:00 on the local time line.
    pub local_ms: i64,
    /// True for a plain date (`xsd:date`), false for a date-time.
    pub date_only: bool,
}

impl DateTime {
    /// The date `days` whole days after 1970-01-01 (`date(n)`: the fraction is cut off, as
    /// JavaRosa's `int()` does).
    pub fn from_days(days: f64) -> Option<DateTime> {
        days.is_finite()
            .then(|| DateTime { local_ms: days.trunc() as i64 * MS_PER_DAY, date_only: true })
    }

    /// The instant `days` days after 1970-01-01T00:00Z, seen on the local time line
    /// (`date-time(n)`).
    pub fn from_epoch_days(days: f64, local_offset_minutes: i32) -> Option<DateTime> {
        days.is_finite().then(|| DateTime {
            local_ms: (days * MS_PER_DAY as f64) as i64 + i64::from(local_offset_minutes) * 60_000,
            date_only: false,
        })
    }

    /// Days since 1970-01-01, with the time of day as a fraction (on the local time line).
    pub fn days(&self) -> f64 {
        self.local_ms as f64 / MS_PER_DAY as f64
    }

    /// Whole local days since 1970-01-01: what a date counts as in arithmetic and comparisons.
    pub fn whole_days(&self) -> i64 {
        self.local_ms.div_euclid(MS_PER_DAY)
    }

    /// Days since the instant 1970-01-01T00:00Z (`decimal-date-time`).
    pub fn epoch_days(&self, local_offset_minutes: i32) -> f64 {
        (self.local_ms - i64::from(local_offset_minutes) * 60_000) as f64 / MS_PER_DAY as f64
    }

    /// The week of the year as Java's calendar counts it for Indonesia and the US (JavaRosa's
    /// `%W`): weeks start on Sunday, week 1 holds 1 January, so the last days of December can
    /// be week 1 of the next year.
    pub fn week_of_year(&self) -> u32 {
        let day = self.whole_days();
        let (year, _, _) = civil_from_days(day);
        let weekday = (day + 4).rem_euclid(7); // 0 = Sunday
        let next_new_year = days_from_civil(year + 1, 1, 1);
        if next_new_year - day <= 6 - weekday {
            return 1;
        }
        let new_year = days_from_civil(year, 1, 1);
        let new_year_weekday = (new_year + 4).rem_euclid(7);
        ((day - new_year + new_year_weekday) / 7 + 1) as u32
    }

    /// The same day at local midnight.
    pub fn day_only(&self) -> DateTime {
        DateTime { local_ms: self.whole_days() * MS_PER_DAY, date_only: true }
    }

    /// The lexical form JavaRosa stores for a date-time: `YYYY-MM-DDThh:mm:ss.sss` with the
    /// zone's offset (`+07:00`, or `Z` in UTC).
    pub fn date_time_lexical(&self, local_offset_minutes: i32) -> String {
        let t = self.fields();
        format!(
            "{:04}-{:02}-{:02}T{}",
            t.year,
            t.month,
            t.day,
            self.time_lexical(local_offset_minutes)
        )
    }

    /// The lexical form JavaRosa stores for a time: `hh:mm:ss.sss` with the zone's offset.
    pub fn time_lexical(&self, local_offset_minutes: i32) -> String {
        let t = self.fields();
        let zone = match local_offset_minutes {
            0 => "Z".to_owned(),
            m => {
                let sign = if m > 0 { '+' } else { '-' };
                format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
            }
        };
        format!("{:02}:{:02}:{:02}.{:03}{zone}", t.hour, t.minute, t.second, t.millis)
    }

    /// The calendar fields: year, month, day, hour, minute, second, millisecond, weekday (0 = Sunday).
    pub fn fields(&self) -> Fields {
        let days = self.local_ms.div_euclid(MS_PER_DAY);
        let ms_of_day = self.local_ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            hour: (ms_of_day / 3_600_000) as u32,
            minute: (ms_of_day / 60_000 % 60) as u32,
            second: (ms_of_day / 1000 % 60) as u32,
            millis: (ms_of_day % 1000) as u32,
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.sss]][Z|±hh:mm]`. A date-time with an
    /// offset is moved onto the local time line of `local_offset_minutes`.
    pub fn parse(text: &str, local_offset_minutes: i32) -> Option<DateTime> {
        let text = text.trim();
        let (date, time) = match text.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (text, None),
        };
        let days = parse_date(date)?;
        let Some(time) = time else {
            return Some(DateTime { local_ms: days * MS_PER_DAY, date_only: true });
        };
        let (clock, offset) = split_offset(time)?;
        let ms_of_day = parse_clock(clock)?;
        let mut local_ms = days * MS_PER_DAY + ms_of_day;
        if let Some(offset) = offset {
            local_ms += i64::from(local_offset_minutes - offset) * 60_000;
        }
        Some(DateTime { local_ms, date_only: false })
    }
}

/// Calendar fields of a [`DateTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    pub weekday: u32,
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.fields();
        write!(f, "{:04}-{:02}-{:02}", t.year, t.month, t.day)?;
        if !self.date_only {
            write!(f, "T{:02}:{:02}:{:02}.{:03}", t.hour, t.minute, t.second, t.millis)?;
        }
        Ok(())
    }
}

/// `Y-M-D` as JavaRosa reads it: three whole numbers between dashes, zero padding optional.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (year, month, day): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn split_offset(time: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, Some(0)));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let (clock, offset) = time.split_at(i);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
            Some((clock, Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))))
        }
        None => Some((time, None)),
    }
}

fn parse_clock(clock: &str) -> Option<i64> {
    let mut parts = clock.split(':');
    let hour: i64 = parts.next()?.parse().ok()?;
    let minute: i64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
    if hour > 23 || minute > 59 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    Some((hour * 60 + minute) * 60_000 + (seconds * 1000.0).round() as i64)
}

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_and_day_numbers_round_trip() {
        for days in [-800_000, -10_252, -1, 0, 1, 14_127, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2008, 9, 5), 14_127);
        assert_eq!(civil_from_days(-10_252), (1941, 12, 7));
    }

    #[test]
    fn invalid_calendar_dates_do_not_parse() {
        assert!(DateTime::parse("1996-02-29", 0).is_some());
        assert!(DateTime::parse("1997-02-29", 0).is_none());
        assert!(DateTime::parse("2000-13-01", 0).is_none());
        assert!(DateTime::parse("", 0).is_none());
        assert!(DateTime::parse("2000-01", 0).is_none());
    }

    #[test]
    fn weeks_start_on_sunday_and_the_week_of_new_year_is_week_one() {
        let week = |text: &str| DateTime::parse(text, 0).unwrap().week_of_year();
        assert_eq!(week("2018-04-01"), 14);
        assert_eq!(week("2018-01-01"), 1);
        assert_eq!(week("2018-01-07"), 2);
        assert_eq!(week("2020-12-29"), 1);
        assert_eq!(week("2020-12-26"), 52);
    }

    #[test]
    fn dates_need_no_zero_padding_as_in_javarosa() {
        assert_eq!(DateTime::parse("1970-1-2", 0).unwrap().whole_days(), 1);
        assert_eq!(DateTime::parse("2000-1-1", 0).unwrap().to_string(), "2000-01-01");
    }

    #[test]
    fn date_times_are_stored_with_the_zone_offset() {
        let local = DateTime::parse("2026-12-07T10:20:30", 420).unwrap();
        assert_eq!(local.date_time_lexical(420), "2026-12-07T10:20:30.000+07:00");
        assert_eq!(local.date_time_lexical(0), "2026-12-07T10:20:30.000Z");
        assert_eq!(local.time_lexical(-150), "10:20:30.000-02:30");
    }

    #[test]
    fn epoch_days_count_from_the_utc_epoch_and_whole_days_from_local_midnight() {
        let utc = DateTime::parse("1970-01-02T00:00:00Z", 420).unwrap();
        assert_eq!(utc.epoch_days(420), 1.0);
        let local_midnight = DateTime::parse("1970-01-02", 420).unwrap();
        assert!((local_midnight.epoch_days(420) - (1.0 - 7.0 / 24.0)).abs() < 1e-12);
        assert_eq!(local_midnight.whole_days(), 1);
        let evening = DateTime::parse("1970-01-02T23:00:00", 420).unwrap();
        assert_eq!(evening.whole_days(), 1);
        let from_n = DateTime::from_epoch_days(1.5, 420).unwrap();
        assert_eq!(from_n.date_time_lexical(420), "1970-01-02T19:00:00.000+07:00");
    }

    #[test]
    fn date_time_with_offset_moves_to_the_local_time_line() {
        let utc = DateTime::parse("2000-01-01T10:20:30.000Z", 420).unwrap();
        assert_eq!(utc.to_string(), "2000-01-01T17:20:30.000");
        let local = DateTime::parse("2000-01-01T10:20:30.000", 0).unwrap();
        assert!((local.days() - 10_957.430_902_777_778).abs() < 1e-9);
    }
}
