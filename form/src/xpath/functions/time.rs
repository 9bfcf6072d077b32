//! Date and time functions.

use super::{Evaluator, Expr, Result, Value, XPathError};
use crate::xpath::dates::DateTime;

const MS_PER_DAY: i64 = 86_400_000;

/// Converts a value to a date: dates stay, numbers count days, strings are parsed.
fn to_date(ev: &Evaluator<'_, '_>, value: Value, function: &'static str) -> Result<DateTime> {
    let invalid = || XPathError::InvalidArgument { function, reason: "not a date".into() };
    match value {
        Value::Date(d) => Ok(d),
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

/// An unanswered question: an empty string or an empty node-set. Date functions give an empty
/// result for it instead of failing, as ODK Collect does for a date not yet entered.
fn is_blank(ev: &Evaluator<'_, '_>, value: &Value) -> Result<bool> {
    Ok(match value {
        Value::Str(s) => s.is_empty(),
        Value::Nodes(_) => ev.string(value)?.is_empty(),
        _ => false,
    })
}

pub(super) fn date(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.eval(&a[0])?;
    if matches!(value, Value::Nodes(_)) && is_blank(ev, &value)? {
        return Ok(Value::Str(String::new()));
    }
    Ok(Value::Date(to_date(ev, value, "date")?))
}

pub(super) fn date_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.eval(&a[0])?;
    let mut d = to_date(ev, value, "date-time")?;
    d.date_only = false;
    Ok(Value::Date(d))
}

pub(super) fn decimal_date_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.eval(&a[0])?;
    if is_blank(ev, &value)? {
        return Ok(Value::Num(f64::NAN));
    }
    Ok(Value::Num(to_date(ev, value, "decimal-date-time")?.days()))
}

/// `decimal-time(t)`: the local time of day of `hh:mm:ss[.sss][offset]` (or of a whole
/// date-time) as a fraction of a day.
pub(super) fn decimal_time(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let text = ev.str(&a[0])?;
    let text = text.trim();
    let full = if text.contains('T') { text.to_owned() } else { format!("1970-01-01T{text}") };
    match DateTime::parse(&full, ev.ctx.tz_offset_minutes) {
        Some(t) => Ok(Value::Num(t.local_ms.rem_euclid(MS_PER_DAY) as f64 / MS_PER_DAY as f64)),
        None => Ok(Value::Num(f64::NAN)),
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `format-date(d, format)` with JavaRosa's `%` codes; an empty value formats as empty.
pub(super) fn format_date(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.eval(&a[0])?;
    if matches!(&value, Value::Str(s) if s.is_empty())
        || matches!(&value, Value::Nodes(n) if n.is_empty())
    {
        return Ok(Value::Str(String::new()));
    }
    let t = to_date(ev, value, "format-date")?.fields();
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
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    Ok(Value::Str(out))
}
