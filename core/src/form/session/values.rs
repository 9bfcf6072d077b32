//! Turning XPath results and typed answers into the text an instance node holds, as JavaRosa
//! stores them (a boolean calculate is stored as `1`/`0`, an int is a whole number).

use crate::form::{
    definition::DataType,
    xpath::{DateTime, Value, XPathError, format_number, parse_number},
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

/// An answer in the form it is stored: ints and decimals normalized, everything else as typed.
pub fn normalize_answer(text: &str, data_type: &DataType) -> String {
    let trimmed = text.trim();
    match data_type {
        DataType::Int => {
            trimmed.parse::<i64>().map(|n| n.to_string()).unwrap_or_else(|_| trimmed.to_owned())
        }
        DataType::Decimal => {
            let n = parse_number(trimmed);
            if n.is_nan() { trimmed.to_owned() } else { format_number(n) }
        }
        _ => text.to_owned(),
    }
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
        assert_eq!(normalize_answer(" 007 ", &DataType::Int), "7");
        assert_eq!(normalize_answer("2.50", &DataType::Decimal), "2.5");
        assert_eq!(normalize_answer("", &DataType::Int), "");
        assert_eq!(normalize_answer(" Siti ", &DataType::String), " Siti ");
    }
}
