//! External secondary instances: CSV files (`jr://file/x.csv`) and XML files.
//!
//! A CSV becomes `<root><item><col1>…</col1>…</item>…</root>`, as in ODK Collect, so that
//! choice filters and `pulldata` address it like any instance.

use crate::{frozen::FrozenBuilder, frozen::FrozenDocument, scan};

/// Reads an external instance; the error is a reason for the message, without data values.
pub(crate) fn read(bytes: &[u8], src: &str) -> Result<FrozenDocument, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())?;
    if src.to_ascii_lowercase().ends_with(".csv") {
        csv_instance(text)
    } else {
        scan::parse_frozen(text).map_err(|e| e.to_string())
    }
}

fn csv_instance(text: &str) -> Result<FrozenDocument, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("its header row cannot be read ({e})"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if let Some(bad) = headers.iter().find(|h| !is_element_name(h)) {
        return Err(format!("the column name '{bad}' is not usable as a node name"));
    }
    let rows = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut tree = FrozenBuilder::with_capacity(1 + rows * (headers.len() + 1), text.len());
    let limit = |e: crate::dom::ParseError| e.to_string();
    tree.start("root").map_err(limit)?;
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} cannot be read ({e})", row + 2))?;
        tree.start("item").map_err(limit)?;
        for (header, cell) in headers.iter().zip(record.iter()) {
            tree.start(header).map_err(limit)?;
            tree.text(cell);
            tree.end().map_err(limit)?;
        }
        tree.end().map_err(limit)?;
    }
    tree.end().map_err(limit)?;
    tree.finish().map_err(limit)
}

fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_items_with_a_child_per_column() {
        let doc = read(
            b"name,label,kec\n2001,Cibodas,01\n2002,\"Cikole, Atas\",01\n",
            "jr://file/desa.csv",
        )
        .unwrap();
        let root = doc.root();
        assert_eq!(doc.children(root).count(), 2);
        let second = doc.children(root).nth(1).unwrap();
        assert_eq!(doc.string_value(doc.child(second, "label").unwrap()), "Cikole, Atas");
    }

    #[test]
    fn csv_with_an_unusable_column_name_is_refused_naming_it() {
        let err = read(b"name,1st label\n1,a\n", "x.csv").unwrap_err();
        assert!(err.contains("1st label"), "{err}");
    }

    #[test]
    fn xml_instances_are_parsed_with_the_usual_guards() {
        assert!(read(b"<!DOCTYPE x [<!ENTITY a 'b'>]><root/>", "x.xml").is_err());
        assert!(read(b"<root><item><name>a</name></item></root>", "x.xml").is_ok());
    }
}
