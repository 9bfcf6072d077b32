//! Turning XPath results and typed answers into the text an instance node holds, as JavaRosa
//! stores them (a boolean calculate is stored as `1`/`0`, an int is a whole number).

use crate::{
    definition::DataType,
    xpath::{DateTime, Value, XPathError, format_number, java_double_to_string, parse_number},
};

/// The text a calculate result is stored as, for a node of type `data_type`.
pub fn stored(
    value: &Value,
    data_type: &DataType,
    read_nodes: impl Fn(&Value) -> Result<String, XPathError>,
) -> Result<String, XPathError> {
    Ok(match (value, data_type) {
        (Value::Bool(b), _) => if *b { "1" } else { "0" }.to_owned(),
        (Value::Num(n), DataType::Int) if n.is_finite() => format_number(n.trunc()),
        (Value::Num(n), _) if n.is_nan() => String::new(),
        (Value::Num(n), DataType::Date) => {
            DateTime::from_days(*n).map(|d| d.to_string()).unwrap_or_default()
        }
        (Value::Num(n), _) => format_number(*n),
        (Value::Date(d), DataType::Date) => DateTime { date_only: true, ..*d }.to_string(),
        (Value::Date(d), _) => d.to_string(),
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
/// as stored: ints and decimals normalized, everything else as typed. Empty is always allowed.
pub fn normalize_answer(text: &str, data_type: &DataType) -> Result<String, InvalidAnswer> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    match data_type {
        DataType::Int => trimmed
            .parse::<i32>()
            .map(|n| n.to_string())
            .map_err(|_| InvalidAnswer::new("bilangan bulat", "a whole number")),
        DataType::Decimal => {
            let n = parse_number(trimmed);
            if n.is_nan() {
                Err(InvalidAnswer::new("bilangan desimal", "a decimal number"))
            } else {
                // As JavaRosa's DecimalData writes it: "1" is kept as "1.0".
                Ok(java_double_to_string(n))
            }
        }
        DataType::Date => DateTime::parse(trimmed, 0)
            .filter(|d| d.date_only)
            .map(|_| trimmed.to_owned())
            .ok_or(InvalidAnswer::new("tanggal TTTT-BB-HH", "a date YYYY-MM-DD")),
        DataType::DateTime => DateTime::parse(trimmed, 0)
            .filter(|d| !d.date_only)
            .map(|_| trimmed.to_owned())
            .ok_or(InvalidAnswer::new("tanggal dan jam", "a date and time")),
        DataType::Time => DateTime::parse(&format!("1970-01-01T{trimmed}"), 0)
            .map(|_| trimmed.to_owned())
            .ok_or(InvalidAnswer::new("jam JJ:MM", "a time HH:MM")),
        DataType::Geopoint => {
            valid_geopoint(trimmed).then(|| trimmed.to_owned()).ok_or(InvalidAnswer::new(
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
        assert_eq!(stored(&Value::Bool(true), &DataType::String, none).unwrap(), "1");
        assert_eq!(stored(&Value::Num(4.0), &DataType::String, none).unwrap(), "4");
        assert_eq!(stored(&Value::Num(7.9), &DataType::Int, none).unwrap(), "7");
        assert_eq!(stored(&Value::Num(f64::NAN), &DataType::Decimal, none).unwrap(), "");
        assert_eq!(stored(&Value::Num(14127.0), &DataType::Date, none).unwrap(), "2008-09-05");
    }

    #[test]
    fn answers_to_numeric_questions_are_normalized() {
        assert_eq!(normalize_answer(" 007 ", &DataType::Int).unwrap(), "7");
        assert_eq!(normalize_answer("2.50", &DataType::Decimal).unwrap(), "2.5");
        assert_eq!(normalize_answer("1", &DataType::Decimal).unwrap(), "1.0");
        assert_eq!(normalize_answer("12500000", &DataType::Decimal).unwrap(), "1.25E7");
        assert_eq!(normalize_answer("", &DataType::Int).unwrap(), "");
        assert_eq!(normalize_answer(" Siti ", &DataType::String).unwrap(), " Siti ");
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
            assert!(normalize_answer(text, &data_type).is_err(), "{text} as {data_type:?}");
        }
        let refused = normalize_answer("tiga", &DataType::Int).unwrap_err();
        assert_eq!(
            (refused.expected_id, refused.expected_en),
            ("bilangan bulat", "a whole number")
        );
        assert!(normalize_answer("-6.914 107.609 768 4.5", &DataType::Geopoint).is_ok());
        assert!(normalize_answer("2024-02-29", &DataType::Date).is_ok());
        assert!(normalize_answer("07:30", &DataType::Time).is_ok());
    }
}
