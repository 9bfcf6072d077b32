//! The kab/kota office (issue 19): progress per kecamatan, desa and enumerator; the recap the
//! Bupati/Walikota ratifies (*rekapitulasi hasil verifikasi dan validasi*) as a printable page, an
//! XLSX workbook and CSV; and the exports for the registry, one row per household and per
//! member with each field that changed against the prelist marked.
//!
//! - [`facts`]: what each submission adds to the recap, read once when it is stored;
//! - [`tally`]: the recap added up (only approved interviews count, ADR 0025);
//! - [`progress`]: where the field work stands;
//! - [`print`], [`sheets`]: the recap as a printable page, as XLSX and CSV;
//! - [`export`]: the registry's exports, streamed;
//! - [`pages`]: the browser pages; [`names`]: region names from the forms' lists.

pub mod export;
pub mod facts;
pub mod names;
pub(crate) mod pages;
pub mod print;
pub mod progress;
pub mod sheets;
pub mod tally;

use std::path::Path;

pub use tally::{Counts, Recap};

#[cfg(test)]
mod tests {
    #[test]
    fn text_that_a_spreadsheet_would_run_is_quoted() {
        assert_eq!(super::spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::spreadsheet_safe("Jl. Kenanga"), "Jl. Kenanga");
        assert_eq!(super::spreadsheet_safe(""), "");
    }
}

/// Version 6: the forms keep the paths the recap reads; each submission its facts.
pub(crate) const V6: &str = r#"
ALTER TABLE forms ADD COLUMN recap_paths TEXT;
CREATE TABLE recap_facts (
    instance_id      TEXT PRIMARY KEY REFERENCES submissions(instance_id),
    household        TEXT,
    desa             TEXT,
    status           TEXT,
    reason           TEXT,
    head_name        TEXT,
    kyc_address      TEXT,
    members_listed   INTEGER NOT NULL DEFAULT 0,
    members_added    INTEGER NOT NULL DEFAULT 0,
    members_removed  INTEGER NOT NULL DEFAULT 0,
    members_deceased INTEGER NOT NULL DEFAULT 0,
    kyc_complete     INTEGER,
    countable        INTEGER NOT NULL DEFAULT 1,
    -- Where the household counts: its prelist desa, else (a new household) the desa answered.
    counted_desa     TEXT,
    -- The address the lists show: the KYC address given, else the prelist's.
    address          TEXT,
    -- Whether its ID DTKS is a prelist household's (progress counts those as visited).
    in_prelist       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX recap_facts_by_household ON recap_facts (household);
"#;

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading apostrophe (an enumerator's free text reaches the office's
/// spreadsheets through CSV).
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The formats the recap is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Xlsx,
    Csv,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "html" => Some(Format::Html),
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// The recap of the receiver's folder `dir` (`serve report recap`), for `area` or everything.
pub fn recap_in(dir: &Path, key: &[u8], area: Option<&str>) -> Result<Recap, crate::ServeError> {
    let area = area.map(crate::scope::area_code_or_refusal).transpose()?;
    let conn = crate::store::open(dir, key)?;
    Ok(tally::recap(&conn, area.as_deref(), verivali_core::api::now_ms())?)
}

/// Writes the recap in `format` to `out`.
pub fn write_recap(
    recap: &Recap,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::ServeError> {
    let io = |e: std::io::Error| crate::ServeError::Io("recap".into(), e.to_string());
    match format {
        Format::Html => {
            out.write_all(print::page(recap, &print::Signature::default()).as_bytes()).map_err(io)
        }
        Format::Csv => sheets::csv(recap, out).map_err(io),
        Format::Xlsx => {
            let bytes = sheets::xlsx(recap)
                .map_err(|e| crate::ServeError::Io("recap.xlsx".into(), e.to_string()))?;
            out.write_all(&bytes).map_err(io)
        }
    }
}
