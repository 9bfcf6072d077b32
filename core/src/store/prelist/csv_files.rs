//! Reading a spreadsheet prelist: a households CSV plus a members CSV.
//!
//! Column headers are form node names; a `/` nests them into groups, so the column `lokasi/desa`
//! becomes `{"lokasi": {"desa": …}}`, the same shape as a JSON Lines record. Every cell is read
//! as text, so NIK and No. KK keep all 16 digits (a spreadsheet that already turned them into
//! numbers has lost digits before we see them; the rules flag that pattern later).
//!
//! Members may come in any order. They are first streamed into the `staged_members` table of the
//! same transaction, then each household line collects its own, so neither file is held in
//! memory. Members whose household is not in the households file are rejected with their line.

use std::{fs::File, path::Path};

use rusqlite::params;
use serde_json::{Map, Value};

use super::{
    file_label,
    import::{ImportReport, Importer, ProgressSink},
    problem::Problem,
    record::{HouseholdInput, MAX_MEMBERS, MemberInput, fields, household_keys, member_from_json},
};
use crate::store::{Error, Result, Store};

/// Imports a households CSV and a members CSV in one transaction.
pub fn import_csv(
    store: &Store,
    households: &Path,
    members: &Path,
    sink: &dyn ProgressSink,
) -> Result<ImportReport> {
    let total = file_len(households) + file_len(members);
    let source = format!("{} + {}", file_label(households), file_label(members));
    store.write(|tx| {
        let mut importer = Importer::begin(tx, &source, "csv", total, sink)?;
        let members_bytes = stage_members(&mut importer, members)?;
        read_households(&mut importer, households, members_bytes)?;
        reject_orphans(&mut importer, &file_label(members))?;
        importer.tx().execute("DELETE FROM staged_members", [])?;
        importer.finish()
    })
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn open_csv(path: &Path) -> Result<csv::Reader<File>> {
    let file = File::open(path).map_err(|e| Error::io("open the prelist", path, e))?;
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(file))
}

/// Header paths, e.g. `lokasi/desa` → `["lokasi", "desa"]`. A UTF-8 BOM on the first is dropped.
fn header_paths(reader: &mut csv::Reader<File>, path: &Path) -> Result<Vec<Vec<String>>> {
    let headers = reader.headers().map_err(|e| csv_fatal(path, e))?.clone();
    Ok(headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').split('/').map(|p| p.trim().to_owned()).collect())
        .collect())
}

fn csv_fatal(path: &Path, e: csv::Error) -> Error {
    Error::io("read the prelist", path, std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Outcome of reading one CSV row: a record, a row-level problem, or the end.
enum Row {
    Record { line: u64, bytes: u64, map: Map<String, Value> },
    Bad { line: u64, bytes: u64, problem: Problem },
    End,
}

fn next_row(
    reader: &mut csv::Reader<File>,
    headers: &[Vec<String>],
    record: &mut csv::StringRecord,
    path: &Path,
) -> Result<Row> {
    match reader.read_record(record) {
        Ok(false) => Ok(Row::End),
        Ok(true) => {
            let pos = record.position().expect("a read record has a position");
            Ok(Row::Record {
                line: pos.line(),
                bytes: reader.position().byte(),
                map: nest(headers, record),
            })
        }
        Err(e) => {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            let bytes = reader.position().byte();
            let detail = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!(
                        "{len} kolom, seharusnya {expected_len} / {len} fields, expected {expected_len}"
                    )
                }
                csv::ErrorKind::Utf8 { .. } => "bukan UTF-8 / not UTF-8".to_owned(),
                _ => return Err(csv_fatal(path, e)),
            };
            Ok(Row::Bad { line, bytes, problem: Problem::CsvRow { detail } })
        }
    }
}

/// Builds a nested JSON object from a row; empty cells are left out.
fn nest(headers: &[Vec<String>], record: &csv::StringRecord) -> Map<String, Value> {
    let mut root = Map::new();
    for (path, cell) in headers.iter().zip(record.iter()) {
        let cell = cell.trim();
        if cell.is_empty() || path.iter().any(String::is_empty) {
            continue;
        }
        let (leaf, groups) = path.split_last().expect("split yields at least one part");
        let mut node = &mut root;
        for group in groups {
            let entry = node.entry(group.clone()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            node = entry.as_object_mut().expect("just made an object");
        }
        node.insert(leaf.clone(), Value::String(cell.to_owned()));
    }
    root
}

/// Streams the members file into `staged_members`; returns the bytes it read.
fn stage_members(importer: &mut Importer<'_, '_>, path: &Path) -> Result<u64> {
    let label = file_label(path);
    let mut reader = open_csv(path)?;
    let headers = header_paths(&mut reader, path)?;
    let mut record = csv::StringRecord::new();
    let mut bytes = 0;
    let mut positions: std::collections::HashMap<String, i64> = Default::default();
    loop {
        let (line, map) = match next_row(&mut reader, &headers, &mut record, path)? {
            Row::End => return Ok(bytes),
            Row::Bad { line, bytes: b, problem } => {
                bytes = b;
                importer.reject(&label, line, problem);
                continue;
            }
            Row::Record { line, bytes: b, map } => {
                bytes = b;
                (line, map)
            }
        };
        importer.set_bytes_read(bytes);
        match staged_member(map) {
            Ok((id_dtks, member)) => {
                let position = positions.entry(id_dtks.clone()).or_default();
                *position += 1;
                let record = serde_json::to_string(&member.record).expect("a JSON map serializes");
                importer
                    .tx()
                    .prepare_cached(
                        "INSERT INTO staged_members (id_dtks, line, position, nik, name, record)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        id_dtks,
                        line as i64,
                        *position,
                        member.nik,
                        member.name,
                        record
                    ])?;
            }
            Err(problem) => importer.reject(&label, line, problem),
        }
    }
}

fn staged_member(
    mut map: Map<String, Value>,
) -> std::result::Result<(String, MemberInput), Problem> {
    let id_dtks = match map.remove(fields::ID_DTKS) {
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        _ => return Err(Problem::Missing { field: fields::ID_DTKS.into() }),
    };
    Ok((id_dtks, member_from_json(Value::Object(map), "")?))
}

fn read_households(importer: &mut Importer<'_, '_>, path: &Path, offset: u64) -> Result<()> {
    let label = file_label(path);
    let mut reader = open_csv(path)?;
    let headers = header_paths(&mut reader, path)?;
    let mut record = csv::StringRecord::new();
    loop {
        match next_row(&mut reader, &headers, &mut record, path)? {
            Row::End => return Ok(()),
            Row::Bad { line, bytes, problem } => {
                importer.set_bytes_read(offset + bytes);
                importer.reject(&label, line, problem);
            }
            Row::Record { line, bytes, map } => {
                importer.set_bytes_read(offset + bytes);
                let household = household_with_staged_members(importer, map)?;
                importer.offer(&label, line, household)?;
            }
        }
    }
}

/// Validates a household row and takes its members out of staging.
fn household_with_staged_members(
    importer: &Importer<'_, '_>,
    record: Map<String, Value>,
) -> Result<std::result::Result<HouseholdInput, Problem>> {
    let (id_dtks, desa_code) = match household_keys(&record) {
        Ok(keys) => keys,
        Err(problem) => return Ok(Err(problem)),
    };
    if importer.has_seen(&id_dtks) {
        // Let the importer report the duplicate; its members went to the first line.
        return Ok(Ok(HouseholdInput { id_dtks, desa_code, record, members: Vec::new() }));
    }
    let tx = importer.tx();
    let staged: Vec<String> = tx
        .prepare_cached("SELECT record FROM staged_members WHERE id_dtks = ?1 ORDER BY position")?
        .query_map([&id_dtks], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.prepare_cached("DELETE FROM staged_members WHERE id_dtks = ?1")?.execute([&id_dtks])?;
    if staged.is_empty() {
        return Ok(Err(Problem::NoMembers));
    }
    if staged.len() > MAX_MEMBERS {
        return Ok(Err(Problem::TooManyMembers { count: staged.len(), limit: MAX_MEMBERS }));
    }
    let members = staged
        .into_iter()
        .map(|json| {
            let value: Value =
                serde_json::from_str(&json).expect("staged members are JSON we wrote");
            member_from_json(value, "").expect("staged members were validated")
        })
        .collect();
    Ok(Ok(HouseholdInput { id_dtks, desa_code, record, members }))
}

fn reject_orphans(importer: &mut Importer<'_, '_>, label: &str) -> Result<()> {
    let lines: Vec<i64> = importer
        .tx()
        .prepare("SELECT line FROM staged_members ORDER BY line")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for line in lines {
        importer.reject(label, line as u64, Problem::UnknownHousehold);
    }
    Ok(())
}
