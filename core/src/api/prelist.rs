//! Prelist calls: import with progress, search in pages, and read one household.

use std::{path::Path, sync::Arc};

use super::{ApiResult, Verivali, VerivaliError};
use crate::store::prelist::{self, ProgressSink, SearchRefusal};

/// Where an import stands; delivered to an [`ImportProgressListener`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub records_read: u64,
    pub imported: u64,
    pub updated: u64,
    pub rejected: u64,
}

/// Implemented by the shell (or the CLI) to follow a long import. Called on the importing
/// thread, a few times per thousand households; keep it quick.
#[uniffi::export(with_foreign)]
pub trait ImportProgressListener: Send + Sync {
    fn on_progress(&self, progress: ImportProgress);
}

/// One rejected line of a prelist file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportRejection {
    pub file: String,
    pub line: u64,
    /// A stable code, e.g. `not_json`, `missing`, `duplicate_in_import`.
    pub code: String,
    pub message_id: String,
    pub message_en: String,
}

/// What an import did. The import is all-or-nothing for a failure of the file or the device,
/// and line by line for bad records: see docs/adr/0004-prelist-import-atomicity.md.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportSummary {
    pub imported: u64,
    pub updated: u64,
    pub rejected: u64,
    /// The first rejections (up to 1000), in file order.
    pub rejections: Vec<ImportRejection>,
}

/// A search: an ID DTKS, a NIK, or the start of words of a member's name.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchRequest {
    pub text: String,
    /// Provinsi, kab/kota, kecamatan or desa code to stay inside, dotted or not.
    pub area: Option<String>,
    /// Hits per page, 1 to 200.
    pub page_size: u32,
}

/// How a household matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MatchKind {
    /// No search text: listed in ID DTKS order.
    Listed,
    IdDtks,
    Nik,
    Name,
}

/// One household in a result list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HouseholdSummary {
    pub id_dtks: String,
    pub desa_code: String,
    pub head_name: Option<String>,
    pub member_count: u32,
    pub matched_by: MatchKind,
    pub matched_member: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchResults {
    pub hits: Vec<HouseholdSummary>,
    pub page: u32,
    pub has_more: bool,
}

/// A prelist member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrelistMember {
    pub position: u32,
    pub nik: Option<String>,
    pub name: String,
}

/// A prelist household with its members and the full record as JSON.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrelistHousehold {
    pub id_dtks: String,
    pub desa_code: String,
    pub head_name: Option<String>,
    pub members: Vec<PrelistMember>,
    /// The whole record keyed by form node names, members included (docs/prelist-format.md).
    pub record_json: String,
}

#[uniffi::export]
impl Verivali {
    /// Imports a JSON Lines prelist, reporting progress to `listener`.
    pub fn import_prelist(
        &self,
        path: String,
        listener: Option<Arc<dyn ImportProgressListener>>,
    ) -> ApiResult<ImportSummary> {
        let sink = Forward(listener);
        let report = prelist::import_jsonl(&self.store, Path::new(&path), &sink)?;
        Ok(report.into())
    }

    /// Imports a spreadsheet prelist: a households CSV and a members CSV.
    pub fn import_prelist_csv(
        &self,
        households_path: String,
        members_path: String,
        listener: Option<Arc<dyn ImportProgressListener>>,
    ) -> ApiResult<ImportSummary> {
        let sink = Forward(listener);
        let report = prelist::import_csv(
            &self.store,
            Path::new(&households_path),
            Path::new(&members_path),
            &sink,
        )?;
        Ok(report.into())
    }

    /// Returns page `page` (0-based) of households matching `query`.
    pub fn search(&self, query: SearchRequest, page: u32) -> ApiResult<SearchResults> {
        let query = prelist::SearchQuery {
            text: query.text,
            area: query.area,
            page,
            page_size: query.page_size,
        };
        match self.store.read(|conn| prelist::search(conn, &query))? {
            Ok(page) => Ok(page.into()),
            Err(SearchRefusal::BadArea) => Err(VerivaliError::InvalidInput {
                reason: "area must be a provinsi, kab/kota, kecamatan or desa code".into(),
            }),
        }
    }

    /// Reads one household by ID DTKS; `None` when the prelist does not hold it.
    pub fn household(&self, id_dtks: String) -> ApiResult<Option<PrelistHousehold>> {
        Ok(self.store.read(|conn| prelist::household(conn, &id_dtks))?.map(Into::into))
    }

    /// How many households the prelist holds.
    pub fn household_count(&self) -> ApiResult<u64> {
        Ok(self.store.read(prelist::household_count)?)
    }
}

struct Forward(Option<Arc<dyn ImportProgressListener>>);

impl ProgressSink for Forward {
    fn report(&self, p: prelist::ImportProgress) {
        if let Some(listener) = &self.0 {
            listener.on_progress(ImportProgress {
                bytes_read: p.bytes_read,
                bytes_total: p.bytes_total,
                records_read: p.records_read,
                imported: p.imported,
                updated: p.updated,
                rejected: p.rejected,
            });
        }
    }
}

impl From<prelist::ImportReport> for ImportSummary {
    fn from(r: prelist::ImportReport) -> Self {
        ImportSummary {
            imported: r.imported,
            updated: r.updated,
            rejected: r.rejected,
            rejections: r
                .rejections
                .into_iter()
                .map(|x| ImportRejection {
                    file: x.file,
                    line: x.line,
                    code: x.problem.code().to_owned(),
                    message_id: x.problem.message_id(),
                    message_en: x.problem.message_en(),
                })
                .collect(),
        }
    }
}

impl From<prelist::SearchPage> for SearchResults {
    fn from(p: prelist::SearchPage) -> Self {
        SearchResults {
            hits: p
                .hits
                .into_iter()
                .map(|h| HouseholdSummary {
                    id_dtks: h.id_dtks,
                    desa_code: h.desa_code,
                    head_name: h.head_name,
                    member_count: h.member_count,
                    matched_by: match h.matched_by {
                        prelist::MatchedBy::Listed => MatchKind::Listed,
                        prelist::MatchedBy::IdDtks => MatchKind::IdDtks,
                        prelist::MatchedBy::Nik => MatchKind::Nik,
                        prelist::MatchedBy::Name => MatchKind::Name,
                    },
                    matched_member: h.matched_member,
                })
                .collect(),
            page: p.page,
            has_more: p.has_more,
        }
    }
}

impl From<prelist::Household> for PrelistHousehold {
    fn from(h: prelist::Household) -> Self {
        PrelistHousehold {
            id_dtks: h.id_dtks,
            desa_code: h.desa_code,
            head_name: h.head_name,
            members: h
                .members
                .into_iter()
                .map(|m| PrelistMember { position: m.position, nik: m.nik, name: m.name })
                .collect(),
            record_json: serde_json::Value::Object(h.record).to_string(),
        }
    }
}
