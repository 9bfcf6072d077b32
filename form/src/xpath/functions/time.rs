//! Date and time functions.

use super::{Evaluator, Expr, Result, Value, XPathError};
use crate::xpath::dates::DateTime;

const MS_PER_DAY: i64 = 86_400_000;

/// A value as a date the way JavaRosa's `toDate` reads it: a date stays, a string is parsed
/// (its time kept), a number counts days: whole local days for `date()`, the instant that many
/// days after the UTC epoch for the functions that keep the time.
fn to_date(
    ev: &Evaluator<'_, '_>,
    value: Value,
    function: &'static str,
    keep_time: bool,
) -> Result<DateTime> {
    let invalid = || XPathError::InvalidArgument { function, reason: "not a date".into() };
    let out_of_range = |n: f64| n.is_infinite() || n.abs() > f64::from(i32::MAX);
    match value {
        Value::Date(d) if keep_time => Ok(d),
        Value::Date(d) => Ok(d.day_only()),
        Value::Num(n) if out_of_range(n) => Err(invalid()),
        Value::Num(n) if keep_time => {
            DateTime::from_epoch_days(n, ev.ctx.tz_offset_minutes).ok_or_else(invalid)
        }
        Value::Num(n) => DateTime::from_days(n).ok_or_else(invalid),
        Value::Bool(_) => Err(invalid()),
        other => {
            let text = ev.string(&other)?;
            DateTime::parse(&text, ev.ctx.tz_offset_minutes).ok_or_else(invalid)
        }
    }
}

fn local_now_ms(ev: &Evaluator<'_, '_>) -> i64 {
    ev.ctx.now_ms + i64::from(ev.ctx.tz_offset_minutes) * 60_000
}

pub(super) fn today(ev: &Evaluator<'_, '_>, _: &[Expr]) -> Result<Value> {
    let day = local_now_ms(ev).div_euclid(MS_PER_DAY);
    Ok(Value::Date(DateTime { local_ms: day * MS_PER_DAY, date_only: true }))
}

pub(super) fn now(ev: &Evaluator<'_, '_>, _: &[Expr]) -> Result<Value> {
    Ok(Value::Date(DateTime { local_ms: local_now_ms(ev), date_only: false }))
}

/// What a date function does without a date. An unanswered question (empty text) gives an
/// empty string and NaN (what arithmetic on one gives: `date(${visit}) + 30` before the visit
/// date is entered) gives NaN, as JavaRosa 5.1.0 answers; failing instead would stop every
/// calculation of the form, and with it the whole session.
fn without_date(value: &Value) -> Option<Value> {
    match value {
        Value::Str(s) if s.is_empty() => Some(Value::Str(String::new())),
        Value::Num(n) if n.is_nan() => Some(Value::Num(f64::NAN)),
        _ => None,
    }
}

/// `date(x)`: the day of `x` (a number counts whole days since 1970-01-01).
pub(super) fn date(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.unpack(ev.eval(&a[0])?)?;
    if let Some(nothing) = without_date(&value) {
        return Ok(nothing);
    }
    Ok(Value::Date(to_date(ev, value, "date", false)?))
}

/// `date-time(x)`: `x` as a point in time (a number counts days since 1970-01-01T00:00Z).
pub(super) fn date_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.unpack(ev.eval(&a[0])?)?;
    if let Some(nothing) = without_date(&value) {
        return Ok(nothing);
    }
    let mut d = to_date(ev, value, "date-time", true)?;
    d.date_only = false;
    Ok(Value::Date(d))
}

/// `decimal-date-time(x)`: days since 1970-01-01T00:00Z (a number is returned as it is).
pub(super) fn decimal_date_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.unpack(ev.eval(&a[0])?)?;
    if let Some(nothing) = without_date(&value) {
        return Ok(nothing);
    }
    if let Value::Num(n) = value {
        return Ok(Value::Num(n));
    }
    let d = to_date(ev, value, "decimal-date-time", true)?;
    Ok(Value::Num(d.epoch_days(ev.ctx.tz_offset_minutes)))
}

/// `decimal-time(t)`: the local time of day of a date-time (a time question's value is one) as
/// a fraction of a day; a number gives its fraction. As in JavaRosa, a text needs its date
/// (`decimal-time('10:00')` fails; a time question's value does not).
pub(super) fn decimal_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.unpack(ev.eval(&a[0])?)?;
    if let Some(nothing) = without_date(&value) {
        return Ok(nothing);
    }
    if let Value::Num(n) = value {
        return Ok(Value::Num(n - n.floor()));
    }
    let d = to_date(ev, value, "decimal-time", true)?;
    Ok(Value::Num(d.local_ms.rem_euclid(MS_PER_DAY) as f64 / MS_PER_DAY as f64))
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `format-date(d, format)` with JavaRosa's `%` codes; no date (empty, or NaN) formats as empty.
pub(super) fn format_date(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.unpack(ev.eval(&a[0])?)?;
    if without_date(&value).is_some() {
        return Ok(Value::Str(String::new()));
    }
    let date = to_date(ev, value, "format-date", true)?;
    let t = date.fields();
    let format = ev.str(&a[1])?;
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out += &format!("{:04}", t.year),
            Some('y') => out += &format!("{:02}", t.year.rem_euclid(100)),
            Some('m') => out += &format!("{:02}", t.month),
            Some('n') => out += &t.month.to_string(),
            Some('b') => out += MONTHS[t.month as usize - 1],
            Some('d') => out += &format!("{:02}", t.day),
            Some('e') => out += &t.day.to_string(),
            Some('H') => out += &format!("{:02}", t.hour),
            Some('h') => out += &t.hour.to_string(),
            Some('M') => out += &format!("{:02}", t.minute),
            Some('S') => out += &format!("{:02}", t.second),
            Some('3') => out += &format!("{:03}", t.millis),
            Some('a') => out += WEEKDAYS[t.weekday as usize],
            Some('W') => out += &date.week_of_year().to_string(),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    Ok(Value::Str(out))
}
