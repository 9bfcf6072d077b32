//! The prelist: the households an enumerator must visit, imported from JSON Lines or CSV and
//! searchable on the phone without a network.
//!
//! Format: docs/prelist-format.md. Import semantics: [`import`]. Search: [`search`].

mod csv_files;
mod import;
mod jsonl;
mod problem;
mod record;
mod search;
#[cfg(test)]
mod tests;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

pub use csv_files::import_csv;
pub use import::{ImportProgress, ImportReport, ProgressSink};
pub use jsonl::{import_jsonl, import_jsonl_from};
pub use record::fields;
pub use search::{MatchedBy, SearchPage, SearchQuery, SearchRefusal, search};
// What the tests and benchmarks below the API also name.
#[cfg(any(test, feature = "internals"))]
pub use {
    import::{MAX_LISTED_REJECTIONS, NoProgress},
    jsonl::MAX_LINE_BYTES,
    problem::{Problem, Rejection},
    record::{MAX_MEMBERS, normalize_area_code, normalize_desa_code},
    search::{MAX_PAGE_SIZE, SearchHit},
};

use crate::store::Result;

/// A prelist household as stored, with its members.
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub id_dtks: String,
    pub desa_code: String,
    pub head_name: Option<String>,
    pub members: Vec<Member>,
    /// The whole record, members included, keyed by form node names (docs/prelist-format.md).
    pub record: Map<String, Value>,
}

/// A member of a prelist household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// 1-based position in the household, as listed in the prelist.
    pub position: u32,
    pub nik: Option<String>,
    pub name: String,
}

/// How many households the prelist holds.
pub fn household_count(conn: &Connection) -> Result<u64> {
    let count: i64 = conn.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?;
    Ok(count as u64)
}

/// Reads one household by its ID DTKS.
pub fn household(conn: &Connection, id_dtks: &str) -> Result<Option<Household>> {
    let head: Option<(i64, String, String, Option<String>, String)> = conn
        .prepare_cached(
            "SELECT id, id_dtks, desa_code, head_name, record FROM households WHERE id_dtks = ?1",
        )?
        .query_row([id_dtks.trim()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((row_id, id_dtks, desa_code, head_name, record)) = head else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT position, nik, name, record FROM members WHERE household_id = ?1 ORDER BY position",
    )?;
    let mut members = Vec::new();
    let mut member_records = Vec::new();
    let mut rows = stmt.query([row_id])?;
    while let Some(row) = rows.next()? {
        members.push(Member { position: row.get(0)?, nik: row.get(1)?, name: row.get(2)? });
        member_records.push(parse_stored(&row.get::<_, String>(3)?));
    }
    let mut record = match parse_stored(&record) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    record.insert(fields::MEMBERS.into(), Value::Array(member_records));
    Ok(Some(Household { id_dtks, desa_code, head_name, members, record }))
}

fn parse_stored(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|_| {
        tracing::error!("a stored prelist record is not JSON");
        Value::Null
    })
}

/// The file's name for reports; never the full path, which may name a person's folder.
fn file_label(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "-".into())
}
