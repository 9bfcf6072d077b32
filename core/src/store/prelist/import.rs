//! Writing a prelist import: one transaction, upserts keyed on ID DTKS, and a report.
//!
//! The choice, recorded in docs/adr/0004-prelist-import-atomicity.md: an import is one
//! transaction over the good lines. Bad lines are rejected and listed with their line numbers,
//! the good lines are written, and everything commits together at the end. A crash, a killed
//! process, a read error or a full disk before the commit leaves the database exactly as it was
//! before the import started: none of it, never half.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use super::{
    problem::{Problem, Rejection},
    record::HouseholdInput,
};
use crate::store::Result;

/// How many rejections a report lists; the counts are always complete.
pub const MAX_LISTED_REJECTIONS: usize = 1000;
/// Progress is reported each time another 1/`PROGRESS_STEPS` of the input has been read.
const PROGRESS_STEPS: u64 = 200;

/// Where a long import stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub records_read: u64,
    pub imported: u64,
    pub updated: u64,
    pub rejected: u64,
}

/// Receives progress during an import. Called on the importing thread.
pub trait ProgressSink {
    fn report(&self, progress: ImportProgress);
}

/// A sink that ignores progress.
#[cfg(any(test, feature = "internals"))]
pub struct NoProgress;

#[cfg(any(test, feature = "internals"))]
impl ProgressSink for NoProgress {
    fn report(&self, _: ImportProgress) {}
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub import_id: i64,
    /// Households new to the store.
    pub imported: u64,
    /// Households that were already in the store and have been replaced.
    pub updated: u64,
    /// Lines rejected, in all.
    pub rejected: u64,
    /// The first [`MAX_LISTED_REJECTIONS`] rejections.
    pub rejections: Vec<Rejection>,
}

/// Writes households into an open transaction and keeps the tally.
pub(super) struct Importer<'a, 'conn> {
    tx: &'a Transaction<'conn>,
    import_id: i64,
    now: i64,
    first_line_of: HashMap<String, u64>,
    report: ImportReport,
    progress: ImportProgress,
    last_step: u64,
    sink: &'a dyn ProgressSink,
}

impl<'a, 'conn> Importer<'a, 'conn> {
    pub(super) fn begin(
        tx: &'a Transaction<'conn>,
        source: &str,
        format: &str,
        bytes_total: u64,
        sink: &'a dyn ProgressSink,
    ) -> Result<Self> {
        let now = unix_now();
        tx.execute(
            "INSERT INTO prelist_imports (source, format, started_at, imported, updated, rejected)
             VALUES (?1, ?2, ?3, 0, 0, 0)",
            params![source, format, now],
        )?;
        let import_id = tx.last_insert_rowid();
        let progress = ImportProgress { bytes_total, ..Default::default() };
        let report = ImportReport { import_id, ..Default::default() };
        Ok(Importer {
            tx,
            import_id,
            now,
            first_line_of: HashMap::new(),
            report,
            progress,
            last_step: 0,
            sink,
        })
    }

    pub(super) fn tx(&self) -> &Transaction<'conn> {
        self.tx
    }

    /// Takes one record's outcome: writes it if valid, lists it if not.
    pub(super) fn offer(
        &mut self,
        file: &str,
        line: u64,
        household: std::result::Result<HouseholdInput, Problem>,
    ) -> Result<()> {
        self.progress.records_read += 1;
        match household {
            Ok(household) => match self.first_line_of.get(&household.id_dtks) {
                Some(&first_line) => {
                    self.reject(file, line, Problem::DuplicateInImport { first_line })
                }
                None => {
                    self.first_line_of.insert(household.id_dtks.clone(), line);
                    self.write(&household)?;
                }
            },
            Err(problem) => self.reject(file, line, problem),
        }
        Ok(())
    }

    /// Lists a rejected line.
    pub(super) fn reject(&mut self, file: &str, line: u64, problem: Problem) {
        self.report.rejected += 1;
        self.progress.rejected += 1;
        if self.report.rejections.len() < MAX_LISTED_REJECTIONS {
            self.report.rejections.push(Rejection { file: file.to_owned(), line, problem });
        }
    }

    /// Records how far into the input the import is, reporting each step of progress.
    pub(super) fn set_bytes_read(&mut self, bytes: u64) {
        self.progress.bytes_read = bytes;
        let step = bytes.saturating_mul(PROGRESS_STEPS) / self.progress.bytes_total.max(1);
        if step > self.last_step {
            self.last_step = step;
            self.sink.report(self.progress);
        }
    }

    /// Whether this import already wrote a household with this ID.
    pub(super) fn has_seen(&self, id_dtks: &str) -> bool {
        self.first_line_of.contains_key(id_dtks)
    }

    pub(super) fn finish(mut self) -> Result<ImportReport> {
        self.tx.execute(
            "UPDATE prelist_imports SET imported = ?1, updated = ?2, rejected = ?3 WHERE id = ?4",
            params![
                self.report.imported as i64,
                self.report.updated as i64,
                self.report.rejected as i64,
                self.import_id
            ],
        )?;
        self.progress.bytes_read = self.progress.bytes_total;
        self.sink.report(self.progress);
        tracing::info!(
            imported = self.report.imported,
            updated = self.report.updated,
            rejected = self.report.rejected,
            "prelist import written"
        );
        Ok(std::mem::take(&mut self.report))
    }

    fn write(&mut self, household: &HouseholdInput) -> Result<()> {
        let existing: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM households WHERE id_dtks = ?1")?
            .query_row([&household.id_dtks], |r| r.get(0))
            .map(Some)
            .or_else(
                |e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) },
            )?;
        let record = serde_json::to_string(&household.record).expect("a JSON map serializes");
        let head = household.head_name();
        let count = household.members.len() as i64;
        let household_id = match existing {
            Some(id) => {
                self.tx
                    .prepare_cached(
                        "UPDATE households SET desa_code = ?2, head_name = ?3, member_count = ?4,
                         record = ?5, imported_at = ?6, import_id = ?7 WHERE id = ?1",
                    )?
                    .execute(params![
                        id,
                        household.desa_code,
                        head,
                        count,
                        record,
                        self.now,
                        self.import_id
                    ])?;
                self.remove_members(id)?;
                self.report.updated += 1;
                self.progress.updated += 1;
                id
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO households
                         (id_dtks, desa_code, head_name, member_count, record, imported_at, import_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        household.id_dtks, household.desa_code, head, count, record, self.now, self.import_id
                    ])?;
                self.report.imported += 1;
                self.progress.imported += 1;
                self.tx.last_insert_rowid()
            }
        };
        self.insert_members(household_id, household)
    }

    fn remove_members(&self, household_id: i64) -> Result<()> {
        self.tx
            .prepare_cached(
                "DELETE FROM member_names WHERE rowid IN (SELECT id FROM members WHERE household_id = ?1)",
            )?
            .execute([household_id])?;
        self.tx
            .prepare_cached("DELETE FROM members WHERE household_id = ?1")?
            .execute([household_id])?;
        Ok(())
    }

    fn insert_members(&self, household_id: i64, household: &HouseholdInput) -> Result<()> {
        let mut member = self.tx.prepare_cached(
            "INSERT INTO members (household_id, position, nik, name, record) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut name_index =
            self.tx.prepare_cached("INSERT INTO member_names (rowid, name) VALUES (?1, ?2)")?;
        for (position, m) in household.members.iter().enumerate() {
            let record = serde_json::to_string(&m.record).expect("a JSON map serializes");
            member.execute(params![household_id, position as i64 + 1, m.nik, m.name, record])?;
            name_index.execute(params![self.tx.last_insert_rowid(), m.name])?;
        }
        Ok(())
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
