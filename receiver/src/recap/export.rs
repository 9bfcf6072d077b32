//! The exports for the registry (SIKS-NG): one row per household and one per member of the
//! current interviews of a form, every answer in a column named by its path, the review state,
//! and each field that differs from the prelist marked (a `berubah/changed` column naming them;
//! in XLSX the changed cells are also shaded). Streamed: one submission is read, written and
//! dropped at a time, and XLSX rows go through rust_xlsxwriter's constant-memory worksheets, so
//! 100,000 households export in bounded memory.

use std::io::Write;

use rusqlite::Connection;
use serde_json::Value as Json;
use verivali_form::dom::{Document, NodeId};

use super::facts::{self, RecapPaths};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Households,
    Members,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("Formulir {0} tidak diterbitkan di sini / Form {0} is not published here")]
    UnknownForm(String),
    #[error(
        "Pilih formulir dengan --form (ada beberapa: {0}) / Choose the form with --form (there are several: {0})"
    )]
    WhichForm(String),
    #[error("Belum ada kiriman / No submissions yet")]
    Nothing,
    #[error("{0}")]
    Database(#[from] rusqlite::Error),
    #[error("Penulisan ekspor gagal / Writing the export failed: {0}")]
    Write(String),
}

impl From<std::io::Error> for ExportError {
    fn from(error: std::io::Error) -> Self {
        ExportError::Write(error.to_string())
    }
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        ExportError::Write(error.to_string())
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        ExportError::Write(error.to_string())
    }
}

/// The columns that lead every row.
const LEADING: [&str; 7] = [
    "instanceID",
    "status_pemeriksaan/review_state",
    "pencacah/enumerator",
    "diterima_utc/received_at_utc",
    "id_dtks",
    "desa",
    "status_keberadaan",
];
const MEMBER_LEADING: [&str; 2] = ["art_ke/member_index", "art_baru/new_member"];
const CHANGED: &str = "berubah/changed";

/// A form's answer columns: its leaf paths outside and inside the member repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    pub household: Vec<String>,
    /// Paths below the member repeat (`/nama`, `/ktp/nik`).
    pub member: Vec<String>,
    pub member_no: Option<String>,
}

impl Columns {
    /// The leaves of the form's primary instance, in form order, without `meta` (its
    /// instanceID leads every row).
    pub fn of(def: &verivali_form::definition::FormDef, paths: &RecapPaths) -> Columns {
        let doc = &def.primary;
        let mut leaves = Vec::new();
        collect_leaves(doc, doc.root(), &format!("/{}", doc.get(doc.root()).name), &mut leaves);
        let members = paths.members.clone().unwrap_or_else(|| "\u{0}".into());
        let member_prefix = format!("{members}/");
        let mut columns = Columns::default();
        for leaf in leaves {
            if let Some(rest) = leaf.strip_prefix(&member_prefix) {
                columns.member.push(format!("/{rest}"));
            } else if !leaf.contains("/meta/") {
                columns.household.push(leaf);
            }
        }
        let member_no = def.binds.iter().find(|b| b.role.as_deref() == Some("member_no"));
        columns.member_no = member_no
            .and_then(|b| b.nodeset.strip_prefix(&member_prefix))
            .map(|rest| format!("/{rest}"));
        columns
    }
}

fn collect_leaves(doc: &Document, node: NodeId, path: &str, out: &mut Vec<String>) {
    let element = doc.get(node);
    if element.children.is_empty() {
        out.push(path.to_owned());
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for &child in &element.children {
        let name = &doc.get(child).name;
        // A repeat's template and its instances share a name: one set of columns.
        if seen.insert(name.clone()) {
            collect_leaves(doc, child, &format!("{path}/{name}"), out);
        }
    }
}

/// Writes the export of `form_id` (or the only form with submissions) to `out`; returns the
/// rows written.
pub fn export(
    conn: &Connection,
    form_id: Option<&str>,
    rows: Rows,
    format: ExportFormat,
    out: &mut (dyn Write + Send),
    temp_dir: &std::path::Path,
) -> Result<u64, ExportError> {
    let form_id = choose_form(conn, form_id)?;
    let xml: String = conn
        .query_row("SELECT xml FROM forms WHERE form_id = ?1", [&form_id], |r| r.get(0))
        .map_err(|_| ExportError::UnknownForm(form_id.clone()))?;
    let media = crate::review::detail::StoredMedia { conn, form_id: &form_id };
    let def = verivali_form::definition::FormDef::parse(&xml, &media)
        .map_err(|e| ExportError::Write(e.to_string()))?;
    let paths = facts::paths(conn, &form_id)?.unwrap_or_default();
    let columns = Columns::of(&def, &paths);
    let mut sink: Box<dyn Sink + '_> = match format {
        ExportFormat::Csv => Box::new(CsvSink { writer: csv::Writer::from_writer(out) }),
        ExportFormat::Xlsx => Box::new(XlsxSink::new(out, temp_dir)?),
    };
    let answer_names = answer_names(rows, &columns);
    sink.header(&header(rows, &answer_names))?;
    let mut written = 0;
    // The order is sorted on the keys alone; each submission's XML and prelist record are then
    // read by key, one at a time, so memory holds one submission whatever the database's size.
    let mut ordered = conn.prepare(
        "SELECT s.instance_id, r.state, s.enumerator, s.received_at, f.household, f.desa, f.status
         FROM reviews r JOIN submissions s ON s.instance_id = r.instance_id
         JOIN recap_facts f ON f.instance_id = r.instance_id
         WHERE r.current = 1 AND s.form_id = ?1
         ORDER BY f.desa, f.household IS NULL, f.household, s.instance_id",
    )?;
    let mut content = conn.prepare(
        "SELECT s.xml, p.record FROM submissions s
         LEFT JOIN prelist p ON p.id_dtks = ?2 WHERE s.instance_id = ?1",
    )?;
    let mut results = ordered.query([&form_id])?;
    while let Some(row) = results.next()? {
        let instance_id: String = row.get(0)?;
        let household: Option<String> = row.get(4)?;
        let leading: Vec<String> = vec![
            instance_id.clone(),
            row.get(1)?,
            row.get(2)?,
            received_text(row.get(3)?),
            household.clone().unwrap_or_default(),
            row.get::<_, Option<String>>(5)?.unwrap_or_default(),
            row.get::<_, Option<String>>(6)?.unwrap_or_default(),
        ];
        let (xml, record): (Vec<u8>, Option<String>) = content
            .query_row(rusqlite::params![instance_id, household], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let record: Option<Json> = record.and_then(|r| serde_json::from_str(&r).ok());
        let Some(doc) = std::str::from_utf8(&xml).ok().and_then(|t| Document::parse(t).ok()) else {
            continue;
        };
        match rows {
            Rows::Households => {
                let (values, changed) = household_values(&doc, &columns, record.as_ref());
                sink.row(&leading, &values, &changed, &changed_names(&answer_names, &changed))?;
                written += 1;
            }
            Rows::Members => {
                for member in member_rows(&doc, &paths, &columns, record.as_ref()) {
                    let names = changed_names(&answer_names, &member.changed);
                    let cells: Vec<String> =
                        leading.iter().chain(&member.leading).cloned().collect();
                    sink.row(&cells, &member.values, &member.changed, &names)?;
                    written += 1;
                }
            }
        }
    }
    sink.finish()?;
    Ok(written)
}

/// When the receiver took it: ISO 8601 in UTC to the millisecond, so that two interviews of
/// one upload keep their order in a spreadsheet.
fn received_text(ms: i64) -> String {
    let minutes = crate::review::time_text(ms);
    let (date, time) = minutes.split_once(' ').unwrap_or((&minutes, "00:00"));
    format!("{date}T{time}:{:02}.{:03}Z", ms.rem_euclid(60_000) / 1000, ms.rem_euclid(1000))
}

/// The answers' column names: the household's paths, or `members/…` for a member's.
fn answer_names(rows: Rows, columns: &Columns) -> Vec<String> {
    match rows {
        Rows::Households => columns.household.clone(),
        Rows::Members => columns.member.iter().map(|p| format!("members{p}")).collect(),
    }
}

fn header(rows: Rows, answer_names: &[String]) -> Vec<String> {
    let mut header: Vec<String> = LEADING.iter().map(|s| (*s).to_owned()).collect();
    if rows == Rows::Members {
        header.extend(MEMBER_LEADING.iter().map(|s| (*s).to_owned()));
    }
    header.extend(answer_names.iter().cloned());
    header.push(CHANGED.into());
    header
}

/// The form to export: the one asked for, or the only one with submissions.
fn choose_form(conn: &Connection, asked: Option<&str>) -> Result<String, ExportError> {
    if let Some(form_id) = asked {
        return Ok(form_id.to_owned());
    }
    let forms: Vec<String> = conn
        .prepare("SELECT DISTINCT form_id FROM reviews WHERE current = 1 ORDER BY form_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match forms.as_slice() {
        [] => Err(ExportError::Nothing),
        [only] => Ok(only.clone()),
        several => Err(ExportError::WhichForm(several.join(", "))),
    }
}

/// The household's answers in column order, and which columns differ from the prelist.
fn household_values(
    doc: &Document,
    columns: &Columns,
    record: Option<&Json>,
) -> (Vec<String>, Vec<bool>) {
    let root = doc.root();
    let mut values = Vec::with_capacity(columns.household.len());
    let mut changed = Vec::with_capacity(columns.household.len());
    for path in &columns.household {
        let below_root = path.splitn(3, '/').nth(2).unwrap_or_default();
        let value = text_below(doc, root, below_root).unwrap_or_default();
        changed.push(differs(record.and_then(|r| json_at(r, below_root)), &value));
        values.push(value);
    }
    (values, changed)
}

/// One member's row.
struct MemberRow {
    leading: Vec<String>,
    values: Vec<String>,
    changed: Vec<bool>,
}

fn member_rows(
    doc: &Document,
    paths: &RecapPaths,
    columns: &Columns,
    record: Option<&Json>,
) -> Vec<MemberRow> {
    let Some(members_path) = &paths.members else { return Vec::new() };
    let members_key = members_path.rsplit('/').next().unwrap_or_default();
    let known: Vec<&Json> = record
        .and_then(|r| r.get(members_key))
        .and_then(Json::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    facts::repeat_instances(doc, members_path)
        .into_iter()
        .enumerate()
        .map(|(index, node)| {
            let values: Vec<String> = columns
                .member
                .iter()
                .map(|p| text_below(doc, node, p.trim_start_matches('/')).unwrap_or_default())
                .collect();
            let before = matching_member(&known, index, columns, doc, node);
            let changed = columns
                .member
                .iter()
                .zip(&values)
                .map(|(p, v)| {
                    before.is_some_and(|b| differs(json_at(b, p.trim_start_matches('/')), v))
                })
                .collect();
            let new_member = if record.is_some() && before.is_none() { "1" } else { "" };
            MemberRow {
                leading: vec![(index + 1).to_string(), new_member.to_owned()],
                values,
                changed,
            }
        })
        .collect()
}

/// The prelist's record of a member: by member number when the form tags one, else by position.
fn matching_member<'a>(
    known: &[&'a Json],
    index: usize,
    columns: &Columns,
    doc: &Document,
    node: NodeId,
) -> Option<&'a Json> {
    match &columns.member_no {
        Some(path) => {
            let relative = path.trim_start_matches('/');
            let number = text_below(doc, node, relative)?;
            known
                .iter()
                .copied()
                .find(|m| json_text(json_at(m, relative)).as_deref() == Some(number.as_str()))
        }
        None => known.get(index).copied(),
    }
}

/// The trimmed text at `relative` below `node`, blank included; `None` when absent.
fn text_below(doc: &Document, node: NodeId, relative: &str) -> Option<String> {
    let at = facts::node_below(doc, node, relative)?;
    let text = doc.string_value(at);
    Some(text.trim().to_owned())
}

/// The prelist's value at a path of names (`lokasi/alamat`).
fn json_at<'a>(record: &'a Json, relative: &str) -> Option<&'a Json> {
    let mut at = record;
    for step in relative.split('/').filter(|s| !s.is_empty()) {
        at = at.get(step)?;
    }
    Some(at)
}

fn json_text(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.trim().to_owned()),
        Json::Null => None,
        Json::Array(_) | Json::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// Whether an answer differs from what the prelist holds. A field the prelist does not carry,
/// and an answer left empty (a question not asked, e.g. the KYC block of a household not
/// found), are not marked: the registry keeps its value.
fn differs(before: Option<&Json>, value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    match before {
        None => false,
        Some(Json::Null) => true,
        Some(known) => json_text(Some(known)).is_some_and(|b| b != value),
    }
}

/// Where rows go.
trait Sink {
    fn header(&mut self, header: &[String]) -> Result<(), ExportError>;
    /// One row: the leading cells, the answers with whether each changed, and the changed
    /// answers' names.
    fn row(
        &mut self,
        leading: &[String],
        values: &[String],
        changed: &[bool],
        names: &str,
    ) -> Result<(), ExportError>;
    fn finish(&mut self) -> Result<(), ExportError>;
}

/// The names of the changed answers, for the `berubah/changed` column.
fn changed_names(answer_names: &[String], changed: &[bool]) -> String {
    answer_names
        .iter()
        .zip(changed)
        .filter(|(_, c)| **c)
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> Sink for CsvSink<W> {
    fn header(&mut self, header: &[String]) -> Result<(), ExportError> {
        self.writer.write_record(header)?;
        Ok(())
    }

    fn row(
        &mut self,
        leading: &[String],
        values: &[String],
        _: &[bool],
        names: &str,
    ) -> Result<(), ExportError> {
        for field in leading.iter().chain(values) {
            self.writer.write_field(super::spreadsheet_safe(field).as_bytes())?;
        }
        self.writer.write_field(names)?;
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.writer.flush()?;
        Ok(())
    }
}

struct XlsxSink<'a> {
    workbook: rust_xlsxwriter::Workbook,
    out: Option<&'a mut (dyn Write + Send)>,
    row: u32,
    changed_format: rust_xlsxwriter::Format,
}

impl<'a> XlsxSink<'a> {
    /// Rows go through files in `temp_dir` (plain text: a folder only the office reads).
    fn new(
        out: &'a mut (dyn Write + Send),
        temp_dir: &std::path::Path,
    ) -> Result<XlsxSink<'a>, ExportError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.set_tempdir(temp_dir)?;
        workbook.add_worksheet_with_constant_memory()?.set_name("Data")?;
        Ok(XlsxSink {
            workbook,
            out: Some(out),
            row: 0,
            changed_format: rust_xlsxwriter::Format::new().set_background_color("#FFE699"),
        })
    }
}

impl Sink for XlsxSink<'_> {
    fn header(&mut self, header: &[String]) -> Result<(), ExportError> {
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (column, title) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, title, &bold)?;
        }
        self.row = 1;
        Ok(())
    }

    fn row(
        &mut self,
        leading: &[String],
        values: &[String],
        changed: &[bool],
        names: &str,
    ) -> Result<(), ExportError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        let mut column = 0u16;
        for field in leading {
            sheet.write_string(self.row, column, field)?;
            column += 1;
        }
        for (value, is_changed) in values.iter().zip(changed) {
            if *is_changed {
                sheet.write_string_with_format(self.row, column, value, &self.changed_format)?;
            } else {
                sheet.write_string(self.row, column, value)?;
            }
            column += 1;
        }
        sheet.write_string(self.row, column, names)?;
        self.row += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        let out = self.out.take().expect("finished once");
        self.workbook.save_to_writer(out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_times_keep_their_milliseconds() {
        assert_eq!(received_text(1_796_601_600_000 + 3_723_456), "2026-12-07T01:02:03.456Z");
        assert_eq!(received_text(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn an_empty_answer_or_one_the_prelist_lacks_is_not_a_change() {
        let record = serde_json::json!({"lokasi": {"alamat": "Jl. Kenanga"}, "x": null});
        assert!(differs(json_at(&record, "lokasi/alamat"), "Jl. Melati"));
        assert!(!differs(json_at(&record, "lokasi/alamat"), "Jl. Kenanga"));
        assert!(!differs(json_at(&record, "lokasi/alamat"), ""));
        assert!(!differs(json_at(&record, "perumahan/lantai"), "3"));
        assert!(differs(json_at(&record, "x"), "1"));
    }
}
