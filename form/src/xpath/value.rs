//! XPath values and the conversions between them, as JavaRosa (ODK Collect's engine) does them.
//!
//! Where JavaRosa and the XPath 1.0 text disagree we follow JavaRosa (ADR 0006): numbers
//! print like Java's `Double.toString` unless they are whole and fit an `int` (so `1e20` prints
//! `1.0E20`), strings convert to numbers only in the plain decimal form, dates are values of
//! their own that count whole local days since 1970-01-01 and read as `YYYY-MM-DD` (a date-time
//! too), and equality of numbers tolerates 1e-12.

use super::{NodeKind, NodeRef, XPathError, dates::DateTime};

/// An XPath value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(f64),
    Str(String),
    Date(DateTime),
    Nodes(Vec<NodeRef>),
}

/// How two numbers must differ to count as different under `=` (JavaRosa's tolerance).
const EQUALITY_TOLERANCE: f64 = 1e-12;

impl Value {
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Date(_) => true,
            Value::Nodes(nodes) => !nodes.is_empty(),
        }
    }

    pub fn to_num(&self, read: &dyn Fn(NodeRef) -> String) -> Result<f64, XPathError> {
        Ok(match self {
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) => parse_number(s),
            Value::Date(d) => d.whole_days() as f64,
            Value::Nodes(_) => parse_number(&self.to_str(read)?),
        })
    }

    pub fn to_str(&self, read: &dyn Fn(NodeRef) -> String) -> Result<String, XPathError> {
        Ok(match self {
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => format_number(*n),
            Value::Str(s) => s.clone(),
            Value::Date(d) => d.day_only().to_string(),
            Value::Nodes(nodes) => match nodes.as_slice() {
                [] => String::new(),
                [node] if node.kind == NodeKind::Document => {
                    return Err(XPathError::Unsupported {
                        what: "the value of the document itself (no context node)".into(),
                    });
                }
                [node] => read(*node),
                _ => return Err(XPathError::RepeatedField),
            },
        })
    }
}

/// JavaRosa's string-to-number: optional spaces, an optional minus, digits with at most one
/// decimal point (at least one digit), a decimal comma read as a point (as some locales, and
/// Indonesian, write it). Anything else, exponents included, is NaN.
pub fn parse_number(text: &str) -> f64 {
    let t = text.replace(',', ".");
    let t = t.trim();
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    let digits = unsigned.bytes().filter(u8::is_ascii_digit).count();
    let dots = unsigned.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != unsigned.len() {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// JavaRosa's number-to-string.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if n.abs() < 1e-12 {
        return "0".into(); // JavaRosa prints what is within 1e-12 of zero as 0
    }
    if n == n.trunc() && n.abs() <= i32::MAX as f64 {
        return format!("{}", n as i64);
    }
    java_double_to_string(n)
}

/// Java's `Double.toString`: plain decimals for 1e-3 ≤ |n| < 1e7, else `d.dddE±x`.
pub fn java_double_to_string(n: f64) -> String {
    let sci = format!("{:e}", n.abs()); // shortest round-trip digits, e.g. "1.23e-18"
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if n < 0.0 { "-" } else { "" };
    if (-3..7).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        return format!("{sign}{text}");
    }
    let fraction = if digits.len() > 1 { &digits[1..] } else { "0" };
    format!("{sign}{}.{}E{}", &digits[..1], fraction, exponent)
}

/// JavaRosa's `=` on two numbers.
pub fn numbers_equal(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() < EQUALITY_TOLERANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_print_without_a_decimal_point() {
        assert_eq!(format_number(123456.0), "123456");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-123456.0), "-123456");
    }

    #[test]
    fn large_and_tiny_numbers_print_like_java() {
        assert_eq!(format_number(1e20), "1.0E20");
        assert_eq!(format_number(1.23e-18), "0", "within 1e-12 of zero");
        assert_eq!(java_double_to_string(1.23e-18), "1.23E-18");
        assert_eq!(format_number(0.557586), "0.557586");
        assert_eq!(format_number(12345.5), "12345.5");
        assert_eq!(format_number(0.001), "0.001");
        assert_eq!(format_number(12345678.5), "1.23456785E7");
    }

    #[test]
    fn only_plain_decimals_convert_to_numbers() {
        assert_eq!(parse_number(" -12345.6789  "), -12345.6789);
        assert_eq!(parse_number("0017."), 17.0);
        assert_eq!(parse_number(".5"), 0.5);
        assert_eq!(parse_number(" 123,4 "), 123.4, "a decimal comma");
        for bad in ["- 17", "", "  ", "34.56.7", "1e5", "NaN", "Infinity", "-", ".", "1,000.5"] {
            assert!(parse_number(bad).is_nan(), "{bad}");
        }
    }
}
