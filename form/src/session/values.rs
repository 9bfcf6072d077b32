//! Turning XPath results and typed answers into the text an instance node holds, as JavaRosa
//! stores them (a boolean calculate is stored as `1`/`0`, an int is a whole number).

use crate::{
    definition::DataType,
    xpath::{DateTime, Value, XPathError, format_number, java_double_to_string, parse_number},
};

/// The text a calculate result is stored as, for a node of type `data_type`, as JavaRosa's
/// `wrapData` types it: a boolean is `1`/`0`; a number stays a number even in a date node
/// (`date(x) + 1` is stored as a day count; forms wrap it in `date()`); a date is a date in a
/// date node, a time in a time node, and a date-time with the zone's offset anywhere else.
pub fn stored(
    value: &Value,
    data_type: &DataType,
    tz_offset_minutes: i32,
    read_nodes: impl Fn(&Value) -> Result<String, XPathError>,
) -> Result<String, XPathError> {
    Ok(match (value, data_type) {
        (Value::Bool(b), _) => if *b { "1" } else { "0" }.to_owned(),
        (Value::Num(n), _) if n.is_nan() => String::new(),
        (Value::Num(n), DataType::Int) if n.is_finite() => format_number(n.trunc()),
        (Value::Num(n), _) => format_number(*n),
        (Value::Date(d), DataType::Date) => d.day_only().to_string(),
        (Value::Date(d), DataType::Time) => d.time_lexical(tz_offset_minutes),
        (Value::Date(d), _) => d.date_time_lexical(tz_offset_minutes),
        (Value::Str(s), _) => s.clone(),
        (Value::Nodes(_), _) => read_nodes(value)?,
    })
}

/// Why a typed answer was refused: what the question expects, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidAnswer {
    pub expected_id: &'static str,
    pub expected_en: &'static str,
}

impl InvalidAnswer {
    fn new(expected_id: &'static str, expected_en: &'static str) -> Self {
        InvalidAnswer { expected_id, expected_en }
    }

    /// What the person reads under the question, Bahasa Indonesia first.
    pub fn message(&self) -> String {
        format!("Jawaban harus {} / The answer must be {}", self.expected_id, self.expected_en)
    }
}

/// Checks an answer's lexical form for its type (as JavaRosa's answer types do) and returns it
/// as JavaRosa stores it: numbers, dates and points in their canonical form, date-times and
/// times with the zone's offset. Text is kept as typed, spaces included: JavaRosa keeps a text
/// of only spaces as a value (ADR 0017). Empty is always allowed.
pub fn normalize_answer(
    text: &str,
    data_type: &DataType,
    tz_offset_minutes: i32,
) -> Result<String, InvalidAnswer> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let trimmed = text.trim();
    if trimmed.is_empty() && is_typed(data_type) {
        return Ok(String::new());
    }
    match data_type {
        DataType::Int => trimmed
            .parse::<i32>()
            .map(|n| n.to_string())
            .map_err(|_| InvalidAnswer::new("bilangan bulat", "a whole number")),
        DataType::Decimal => canonical_decimal(trimmed)
            .ok_or(InvalidAnswer::new("bilangan desimal", "a decimal number")),
        DataType::Date => DateTime::parse(trimmed, tz_offset_minutes)
            .filter(|d| d.date_only)
            .map(|d| d.to_string())
            .ok_or(InvalidAnswer::new("tanggal TTTT-BB-HH", "a date YYYY-MM-DD")),
        DataType::DateTime => DateTime::parse(trimmed, tz_offset_minutes)
            .filter(|d| !d.date_only)
            .map(|d| d.date_time_lexical(tz_offset_minutes))
            .ok_or(InvalidAnswer::new("tanggal dan jam", "a date and time")),
        DataType::Time => DateTime::parse(&format!("1970-01-01T{trimmed}"), tz_offset_minutes)
            .map(|d| d.time_lexical(tz_offset_minutes))
            .ok_or(InvalidAnswer::new("jam JJ:MM", "a time HH:MM")),
        DataType::Geopoint => {
            valid_geopoint(trimmed).then(|| canonical_numbers(trimmed)).ok_or(InvalidAnswer::new(
                "koordinat 'lintang bujur [tinggi [akurasi]]'",
                "a point 'lat lon [alt [accuracy]]'",
            ))
        }
        DataType::Boolean => match trimmed {
            "true" | "1" => Ok("true".to_owned()),
            "false" | "0" => Ok("false".to_owned()),
            _ => Err(InvalidAnswer::new("ya/tidak (true/false)", "true or false")),
        },
        _ => Ok(text.to_owned()),
    }
}

/// Whether answers of this type are values other than text (an all-space answer is empty).
fn is_typed(data_type: &DataType) -> bool {
    !matches!(data_type, DataType::String | DataType::Barcode | DataType::Other(_))
}

/// A decimal as JavaRosa's `DecimalData` writes it: `1` is `1.0`, a leading `+` (valid in XML
/// Schema) is accepted.
fn canonical_decimal(text: &str) -> Option<String> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if unsigned.starts_with(['-', '+']) && text.starts_with('+') {
        return None;
    }
    let n = parse_number(unsigned);
    (!n.is_nan()).then(|| java_double_to_string(n))
}

/// Space-separated numbers (a geopoint) each as Java writes a double: `10` is `10.0`.
fn canonical_numbers(text: &str) -> String {
    let numbers = text.split_whitespace().map(|part| match part.parse::<f64>() {
        Ok(n) => java_double_to_string(n),
        Err(_) => part.to_owned(),
    });
    numbers.collect::<Vec<_>>().join(" ")
}

/// The lexical form JavaRosa gives a default value written in the form (`0` in a decimal
/// node is `0.0`, an unreadable one is empty), for the types whose form does not depend on the
/// time zone; `None` keeps the text as written.
pub fn canonical_default(text: &str, data_type: &DataType) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if !matches!(data_type, DataType::Int | DataType::Decimal | DataType::Date | DataType::Geopoint)
    {
        return None;
    }
    // Read as an answer would be; a default JavaRosa cannot read as its type is no value at all.
    let canonical = normalize_answer(trimmed, data_type, 0).unwrap_or_default();
    (canonical != text).then_some(canonical)
}

fn valid_geopoint(text: &str) -> bool {
    let parts: Vec<f64> = text.split_whitespace().map_while(|p| p.parse().ok()).collect();
    let count = text.split_whitespace().count();
    (2..=4).contains(&count)
        && parts.len() == count
        && (-90.0..=90.0).contains(&parts[0])
        && (-180.0..=180.0).contains(&parts[1])
        && parts.get(3).is_none_or(|acc| *acc >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calculated_values_are_stored_like_javarosa() {
        let none = |_: &Value| Ok(String::new());
        let stored = |value: Value, data_type: DataType| stored(&value, &data_type, 420, none);
        assert_eq!(stored(Value::Bool(true), DataType::String).unwrap(), "1");
        assert_eq!(stored(Value::Num(4.0), DataType::String).unwrap(), "4");
        assert_eq!(stored(Value::Num(7.9), DataType::Int).unwrap(), "7");
        assert_eq!(stored(Value::Num(f64::NAN), DataType::Decimal).unwrap(), "");
        assert_eq!(stored(Value::Num(20795.0), DataType::Date).unwrap(), "20795");
        let day = Value::Date(DateTime::parse("2026-12-07", 420).unwrap());
        assert_eq!(stored(day.clone(), DataType::Date).unwrap(), "2026-12-07");
        assert_eq!(stored(day, DataType::String).unwrap(), "2026-12-07T00:00:00.000+07:00");
    }

    #[test]
    fn answers_to_numeric_questions_are_normalized() {
        assert_eq!(normalize_answer(" 007 ", &DataType::Int, 0).unwrap(), "7");
        assert_eq!(normalize_answer("2.50", &DataType::Decimal, 0).unwrap(), "2.5");
        assert_eq!(normalize_answer("1", &DataType::Decimal, 0).unwrap(), "1.0");
        assert_eq!(normalize_answer("+2.5", &DataType::Decimal, 0).unwrap(), "2.5");
        assert_eq!(normalize_answer("+5", &DataType::Int, 0).unwrap(), "5");
        assert_eq!(normalize_answer("12500000", &DataType::Decimal, 0).unwrap(), "1.25E7");
        assert_eq!(normalize_answer("", &DataType::Int, 0).unwrap(), "");
        assert_eq!(normalize_answer(" Siti ", &DataType::String, 0).unwrap(), " Siti ");
    }

    #[test]
    fn a_text_of_only_spaces_is_a_value_as_in_javarosa_but_a_blank_number_is_empty() {
        assert_eq!(normalize_answer("   ", &DataType::String, 0).unwrap(), "   ");
        assert_eq!(normalize_answer("   ", &DataType::Int, 0).unwrap(), "");
    }

    #[test]
    fn dates_times_and_points_are_stored_in_javarosas_lexical_form() {
        assert_eq!(normalize_answer("2026-1-2", &DataType::Date, 420).unwrap(), "2026-01-02");
        assert_eq!(
            normalize_answer("2026-12-07T10:20", &DataType::DateTime, 420).unwrap(),
            "2026-12-07T10:20:00.000+07:00"
        );
        assert_eq!(normalize_answer("07:30", &DataType::Time, 0).unwrap(), "07:30:00.000Z");
        assert_eq!(
            normalize_answer("-6.9 107 10 5", &DataType::Geopoint, 0).unwrap(),
            "-6.9 107.0 10.0 5.0"
        );
    }

    #[test]
    fn defaults_written_in_the_form_take_javarosas_lexical_form() {
        assert_eq!(canonical_default("0", &DataType::Decimal).as_deref(), Some("0.0"));
        assert_eq!(canonical_default("007", &DataType::Int).as_deref(), Some("7"));
        assert_eq!(
            canonical_default("1 2 10 5", &DataType::Geopoint).as_deref(),
            Some("1.0 2.0 10.0 5.0")
        );
        assert_eq!(canonical_default("0.5", &DataType::Decimal), None);
        assert_eq!(canonical_default("abc", &DataType::Int).as_deref(), Some(""), "unreadable");
        assert_eq!(
            canonical_default("1900-01-01 00:00:00", &DataType::Date).as_deref(),
            Some(""),
            "JavaRosa empties a date default it cannot read"
        );
        assert_eq!(canonical_default("hello", &DataType::String), None);
    }

    #[test]
    fn answers_that_do_not_fit_their_type_are_refused_saying_what_is_expected() {
        for (text, data_type) in [
            ("tiga", DataType::Int),
            ("3000000000", DataType::Int),
            ("2.5", DataType::Int),
            ("1e3", DataType::Decimal),
            ("2024-02-30", DataType::Date),
            ("30/01/2024", DataType::Date),
            ("25:00", DataType::Time),
            ("91 10", DataType::Geopoint),
            ("-6.9 107.6 700 -1", DataType::Geopoint),
            ("-6.9", DataType::Geopoint),
            ("ya", DataType::Boolean),
        ] {
            assert!(normalize_answer(text, &data_type, 0).is_err(), "{text} as {data_type:?}");
        }
        let refused = normalize_answer("tiga", &DataType::Int, 0).unwrap_err();
        assert_eq!(
            (refused.expected_id, refused.expected_en),
            ("bilangan bulat", "a whole number")
        );
        assert!(normalize_answer("-6.914 107.609 768 4.5", &DataType::Geopoint, 0).is_ok());
        assert!(normalize_answer("2024-02-29", &DataType::Date, 0).is_ok());
        assert!(normalize_answer("07:30", &DataType::Time, 0).is_ok());
    }
}
