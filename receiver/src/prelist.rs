//! The prelist the receiver holds: the households its devices visit. It decides which
//! households a device may submit ([`crate::scope`]), and each device downloads its own area's
//! households through sync, as the form media file [`MEDIA_NAME`] (docs/prelist-format.md).
//!
//! The receiver reads only what it checks (`id_dtks`, `lokasi/desa`) and keeps each record as
//! given; the device validates the whole record when it imports it. Adding is one transaction:
//! a file with a bad line adds nothing, and the error lists the lines (never their content).

use std::{
    collections::BTreeMap,
    fs::File,
    io::{BufRead, BufReader, Read},
    path::Path,
};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::{Map, Value};
use verivali_core::api::now_ms;

use crate::{ServeError, label, scope, store};

/// The form media file a device's prelist arrives as.
pub const MEDIA_NAME: &str = "verivali-prelist.jsonl";
/// The longest line (one household) accepted.
const MAX_LINE_BYTES: u64 = 1 << 20;
/// How many bad lines an error lists.
const LISTED: usize = 20;

/// What adding a prelist did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrelistAdded {
    pub added: u64,
    pub replaced: u64,
}

/// Adds the households of a JSON Lines file, or of a households CSV with its members CSV.
pub fn add_prelist(
    dir: &Path,
    key: &[u8],
    households: &Path,
    members: Option<&Path>,
) -> Result<PrelistAdded, ServeError> {
    let records = match members {
        None => read_jsonl(households)?,
        Some(members) => read_csv(households, members)?,
    };
    let mut conn = store::open(dir, key)?;
    let tx = conn.transaction()?;
    let added = upsert(&tx, &records)?;
    tx.commit()?;
    Ok(added)
}

/// One household as the receiver keeps it.
struct Household {
    id_dtks: String,
    desa: String,
    record: String,
}

fn upsert(tx: &Transaction<'_>, records: &[Household]) -> rusqlite::Result<PrelistAdded> {
    let mut added = PrelistAdded::default();
    let now = now_ms();
    for household in records {
        let existed = tx
            .query_row("SELECT 1 FROM prelist WHERE id_dtks = ?1", [&household.id_dtks], |_| Ok(()))
            .optional()?
            .is_some();
        tx.execute(
            "INSERT INTO prelist (id_dtks, desa, record, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id_dtks) DO UPDATE SET desa = ?2, record = ?3, added_at = ?4",
            params![household.id_dtks, household.desa, household.record, now],
        )?;
        if existed {
            added.replaced += 1;
        } else {
            added.added += 1;
        }
    }
    Ok(added)
}

/// The households of a JSON Lines file; any bad line refuses the file.
fn read_jsonl(path: &Path) -> Result<Vec<Household>, ServeError> {
    let file = File::open(path).map_err(|e| ServeError::Io(label(path), e.to_string()))?;
    let mut reader = BufReader::new(file);
    let mut households = Vec::new();
    let mut bad = Vec::new();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| ServeError::Io(label(path), e.to_string()))?;
        if read == 0 {
            break;
        }
        if line.len() as u64 > MAX_LINE_BYTES {
            return Err(ServeError::Prelist(format!(
                "{} baris {number} lebih dari 1 MiB / line {number} is over 1 MiB",
                label(path)
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text).map_err(|_| "JSON").and_then(household) {
            Ok(found) => households.push(found),
            Err(why) => bad.push(format!("{number} ({why})")),
        }
    }
    refuse_bad(path, &bad)?;
    Ok(households)
}

fn refuse_bad(path: &Path, bad: &[String]) -> Result<(), ServeError> {
    if bad.is_empty() {
        return Ok(());
    }
    let listed: Vec<&str> = bad.iter().take(LISTED).map(String::as_str).collect();
    Err(ServeError::Prelist(format!(
        "{}: {} baris tidak sah, tidak ada yang ditambahkan / {} bad lines, nothing added: {}",
        label(path),
        bad.len(),
        bad.len(),
        listed.join(", ")
    )))
}

/// A household from a parsed record: its ID DTKS (text) and desa code are required.
fn household(record: Value) -> Result<Household, &'static str> {
    let id_dtks = match record.get("id_dtks") {
        Some(Value::String(id)) if !id.trim().is_empty() && id.len() <= 64 => id.trim().to_owned(),
        Some(Value::Number(_)) => return Err("id_dtks as a number / sebagai angka"),
        _ => return Err("id_dtks"),
    };
    let desa = match record.pointer("/lokasi/desa") {
        Some(Value::String(desa)) if scope::is_desa_code(desa.trim()) => scope::dotted(desa),
        _ => return Err("lokasi/desa"),
    };
    Ok(Household { id_dtks, desa, record: record.to_string() })
}

/// The households of a households CSV and a members CSV (docs/prelist-format.md): every cell
/// as text, a `/` in a header nesting the value into a group.
fn read_csv(households: &Path, members: &Path) -> Result<Vec<Household>, ServeError> {
    let mut by_id: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut order: Vec<(String, u64)> = Vec::new();
    let mut bad = Vec::new();
    for (number, row) in csv_rows(households)? {
        let id = row.get("id_dtks").and_then(Value::as_str).unwrap_or("").to_owned();
        if id.is_empty() || by_id.contains_key(&id) {
            bad.push(format!("{number} (id_dtks)"));
            continue;
        }
        order.push((id.clone(), number));
        by_id.insert(id, row);
    }
    refuse_bad(households, &bad)?;
    for (number, mut row) in csv_rows(members)? {
        let id = row.remove("id_dtks").and_then(|v| v.as_str().map(str::to_owned));
        match id.and_then(|id| by_id.get_mut(&id)) {
            Some(household) => {
                let list = household.entry("members").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(Value::Object(row));
                }
            }
            None => bad.push(format!("{number} (id_dtks)")),
        }
    }
    refuse_bad(members, &bad)?;
    let mut out = Vec::new();
    for (id, number) in order {
        let record = Value::Object(by_id.remove(&id).unwrap_or_default());
        match household(record) {
            Ok(found) => out.push(found),
            Err(why) => bad.push(format!("{number} ({why})")),
        }
    }
    refuse_bad(households, &bad)?;
    Ok(out)
}

/// A CSV row as a nested object, with its line number.
type NumberedRow = (u64, Map<String, Value>);

/// The rows of a CSV file as nested objects, with their line numbers (the header is line 1).
fn csv_rows(path: &Path) -> Result<Vec<NumberedRow>, ServeError> {
    let file = File::open(path).map_err(|e| ServeError::Io(label(path), e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let unreadable = |e: csv::Error| ServeError::Prelist(format!("{}: {e}", label(path)));
    let headers: Vec<String> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(unreadable)?;
        let mut row = Map::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            if !cell.is_empty() {
                nest(&mut row, header, cell);
            }
        }
        rows.push((index as u64 + 2, row));
    }
    Ok(rows)
}

/// Puts `value` at the `/`-separated `path` in `row`.
fn nest(row: &mut Map<String, Value>, path: &str, value: &str) {
    match path.split_once('/') {
        None => {
            row.insert(path.to_owned(), Value::String(value.to_owned()));
        }
        Some((group, rest)) => {
            let entry = row.entry(group.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                nest(inner, rest, value);
            }
        }
    }
}

/// The desa of a prelist household.
pub(crate) fn desa_of(conn: &Connection, id_dtks: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT desa FROM prelist WHERE id_dtks = ?1", [id_dtks], |r| r.get(0))
        .optional()
}

/// A device's prelist file and its OpenRosa hash.
#[derive(Debug, Clone)]
pub(crate) struct DeviceFile {
    pub bytes: bytes::Bytes,
    pub hash: String,
}

/// Device prelist files by their areas, each kept while the prelist does not change (its row
/// count and latest addition), so a sync costs a lookup, not a rebuild.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    files: std::sync::Mutex<std::collections::HashMap<String, (PrelistVersion, DeviceFile)>>,
}

/// What tells one state of the prelist from another: its row count and latest addition.
type PrelistVersion = (i64, i64);

/// Area sets kept at once; past this the cache starts again.
const CACHED_AREA_SETS: usize = 256;

impl Cache {
    /// `device`'s prelist file, built when the prelist changed since it was last built.
    pub fn file(&self, conn: &Connection, device: &store::Device) -> rusqlite::Result<DeviceFile> {
        let version: (i64, i64) =
            conn.query_row("SELECT count(*), coalesce(max(added_at), 0) FROM prelist", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let key = device.areas.join(" ");
        let mut files = self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((built, file)) = files.get(&key)
            && *built == version
        {
            return Ok(file.clone());
        }
        let bytes = bytes::Bytes::from(for_device(conn, device)?);
        let file = DeviceFile { hash: crate::openrosa_hash(&bytes), bytes };
        if files.len() >= CACHED_AREA_SETS {
            files.clear();
        }
        files.insert(key, (version, file.clone()));
        Ok(file)
    }
}

/// The device's own area's households, as JSON Lines ordered by ID DTKS (empty: none).
fn for_device(conn: &Connection, device: &store::Device) -> rusqlite::Result<Vec<u8>> {
    let mut records = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT id_dtks, record FROM prelist
         WHERE desa = ?1 OR (desa > ?1 || '.' AND desa < ?1 || '/')",
    )?;
    for area in &device.areas {
        let rows =
            stmt.query_map([area], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, record) = row?;
            records.insert(id, record);
        }
    }
    let mut out = Vec::new();
    for record in records.values() {
        out.extend_from_slice(record.as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_needs_its_id_dtks_as_text_and_a_desa_code() {
        let ok = household(serde_json::json!({"id_dtks": "A1", "lokasi": {"desa": "5271011009"}}));
        assert_eq!(ok.unwrap().desa, "52.71.01.1009");
        for bad in [
            serde_json::json!({"id_dtks": 5271011009000001_u64, "lokasi": {"desa": "52.71.01.1009"}}),
            serde_json::json!({"id_dtks": "A1", "lokasi": {"desa": "52.71"}}),
            serde_json::json!({"lokasi": {"desa": "52.71.01.1009"}}),
        ] {
            assert!(household(bad).is_err());
        }
    }
}
