//! Sync down: the server's OpenRosa form list, then for each form version not installed yet
//! its XML and the media its manifest names, and for each installed version the media whose
//! manifest hash changed (ODK Collect's behaviour; entity lists carry an opaque hash).
//!
//! Each file is checked (an MD5 for files; nothing for entity lists) and streamed into the
//! store, never held whole in memory; the form is loaded by the engine with its new media
//! before anything is installed, and the install is one transaction. A form that fails any
//! step installs nothing and the version already installed keeps working.

mod http;
mod lists;
pub mod returns;
pub mod relay;
pub mod signing_key;
pub mod team;

use std::collections::HashMap;

use http::Fetcher;
use lists::{ListedForm, ManifestEntry};

use crate::outbox::client::Server;
use crate::{
    form::{definition::ExternalInstances, session::Form},
    store::{self, Store, downloads, forms},
};

/// The default largest media file a sync accepts.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// The largest form list or manifest.
const LIST_LIMIT: u64 = 16 * 1024 * 1024;

/// How a sync is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// The largest form or media file accepted; a larger one fails its form.
    pub max_file_bytes: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { max_file_bytes: DEFAULT_MAX_FILE_BYTES }
    }
}

/// Why a sync, or one form of it, failed. Messages say what a person can do, in Bahasa
/// Indonesia first.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "Alamat server bukan URL http(s) yang sah. / The server address is not a valid http(s) URL."
    )]
    BadServerUrl,
    #[error(
        "Server tidak terjangkau: periksa sinyal dan alamat server. / The server could not be \
         reached: check the signal and the server address."
    )]
    Unreachable,
    #[error(
        "Server menolak token perangkat (HTTP {status}): minta token baru ke pengawas. / The \
         server refused the device token (HTTP {status}): ask your supervisor for a new one."
    )]
    Refused { status: u16 },
    #[error(
        "Server tidak mengenal {file} (HTTP 404): periksa alamat proyek atau formulir. / The \
         server does not know {file} (HTTP 404): check the project or form URL."
    )]
    NotFound { file: String },
    #[error(
        "Server menjawab HTTP {status} untuk {file}. / The server answered HTTP {status} for {file}."
    )]
    Status { status: u16, file: String },
    #[error(
        "Jawaban server untuk {what} bukan OpenRosa: periksa alamat server. / The server's \
         answer for the {what} is not OpenRosa: check the server address."
    )]
    NotOpenRosa { what: &'static str },
    #[error(
        "Daftar wawancara yang dikembalikan dari server tidak terbaca (format lain?). / The \
         server's list of returned interviews could not be read (another format?)."
    )]
    ReturnsUnreadable,
    #[error(
        "Daftar wawancara tim dari server tidak terbaca (format lain?). / The server's list of \
         the team's interviews could not be read (another format?)."
    )]
    TeamUnreadable,
    #[error(
        "Server tidak mengenal token ini sebagai token pengawas: minta token pengawas ke Dinas \
         Sosial. / The server does not know this token as a pengawas's: ask the Dinas Sosial \
         for a pengawas's token."
    )]
    NotPengawas,
    #[error(
        "Kunci tanda tangan perangkat ini sudah terdaftar untuk perangkat lain di server. / This \
         device's signing key is already registered for another device on the server."
    )]
    KeyTaken,
    #[error(
        "Berkas ke-{entry} di manifest tidak punya {missing}; formulir tidak dipasang. / Entry \
         {entry} of the manifest has no {missing}; the form was not installed."
    )]
    ManifestEntry { entry: usize, missing: &'static str },
    #[error(
        "Server menunjuk {file} di alamat lain; unduhan ditolak agar token tidak terkirim ke \
         sana. / The server points to {file} on another address; the download was refused so \
         that the token is not sent there."
    )]
    ForeignUrl { file: String },
    #[error(
        "{file} lebih besar dari batas {limit_mb} MB; formulir tidak dipasang. / {file} is \
         larger than the {limit_mb} MB limit; the form was not installed."
    )]
    TooLarge { file: String, limit_mb: u64 },
    #[error("Unduhan {file} terputus. / The download of {file} broke off.")]
    BrokeOff { file: String },
    #[error("Terlalu banyak pengalihan untuk {file}. / Too many redirects for {file}.")]
    TooManyRedirects { file: String },
    #[error(
        "Isi {file} tidak sesuai hash server. / The content of {file} does not match the \
         server's hash."
    )]
    HashMismatch { file: String },
    #[error("{file} bukan teks UTF-8. / {file} is not UTF-8 text.")]
    NotText { file: String },
    #[error(
        "Formulir tidak dapat dibuka sehingga tidak dipasang; versi sebelumnya tetap dipakai. / \
         The form does not load, so it was not installed; the previous version stays: {reason}"
    )]
    DoesNotLoad { reason: String },
    #[error(transparent)]
    Store(#[from] store::Error),
}

impl SyncError {
    /// Whether the failure is the whole sync's (no signal, a refused token, the store), not
    /// one form's.
    fn ends_the_sync(&self) -> bool {
        matches!(self, SyncError::Unreachable | SyncError::Refused { .. } | SyncError::Store(_))
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// (form id, version) installed by this sync.
    pub installed: Vec<(String, String)>,
    /// (form id, version, files) whose media changed on the server and were fetched again.
    pub media_updated: Vec<(String, String, u32)>,
    pub up_to_date: u32,
    /// (form id, why) for forms that could not be installed; the previous version stays.
    pub failed: Vec<(String, String)>,
    /// Households of the device's prelist that arrived with a form ([`PRELIST_MEDIA`]), new
    /// or updated, and those its import rejected.
    pub prelist_households: u64,
    pub prelist_rejected: u64,
}

/// The form media file a Verivali receiver sends a device's own area's prelist as: JSON Lines
/// (docs/prelist-format.md), imported into the device's prelist when it arrives or changes.
pub const PRELIST_MEDIA: &str = "verivali-prelist.jsonl";

/// Fetches the form list, installs every version not installed yet, and refreshes the media
/// of installed versions; `progress` hears each form as it starts (form id, done, listed).
pub fn sync_down(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    options: SyncOptions,
    now_ms: i64,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<SyncReport, SyncError> {
    let fetcher = Fetcher::new(agent, server, options.max_file_bytes)?;
    let list_url = format!("{}/formList", server.base_url.trim_end_matches('/'));
    let list = fetcher.fetch_small(&list_url, "formList", LIST_LIMIT)?;
    let listed = lists::parse_form_list(&list.content)?;
    let installed: HashMap<(String, String), i64> = store
        .read(forms::installed)?
        .into_iter()
        .map(|form| ((form.form_id, form.version), form.row))
        .collect();
    let mut report = SyncReport::default();
    let total = listed.len();
    for (done, form) in listed.into_iter().enumerate() {
        progress(&form.form_id, done, total);
        let key = (form.form_id.clone(), form.version.clone());
        let outcome = match installed.get(&key) {
            Some(&row) => refresh_media(store, &fetcher, &form, row).and_then(|changed| {
                if changed.is_empty() {
                    report.up_to_date += 1;
                } else {
                    report.media_updated.push((key.0.clone(), key.1.clone(), changed.len() as u32));
                }
                import_prelist_if_among(store, row, &changed, &mut report)
            }),
            None => install(store, &fetcher, &form, now_ms).and_then(|(row, files)| {
                report.installed.push(key);
                import_prelist_if_among(store, row, &files, &mut report)
            }),
        };
        match outcome {
            Ok(()) => {}
            Err(error) if error.ends_the_sync() => return Err(error),
            Err(error) => {
                tracing::warn!(form = %form.form_id, %error, "form not installed");
                report.failed.push((form.form_id, error.to_string()));
            }
        }
    }
    Ok(report)
}

/// When `files` (just installed for form version `row`) hold the device's prelist, imports it.
fn import_prelist_if_among(
    store: &Store,
    row: i64,
    files: &[String],
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    if !files.iter().any(|name| name == PRELIST_MEDIA) {
        return Ok(());
    }
    let bytes = store.read(|c| forms::media_bytes(c, row, PRELIST_MEDIA))?.unwrap_or_default();
    let total = bytes.len() as u64;
    let imported = store::prelist::import_jsonl_from(
        store,
        std::io::Cursor::new(bytes),
        PRELIST_MEDIA,
        total,
        std::path::Path::new(PRELIST_MEDIA),
        &Silent,
    )?;
    tracing::info!(
        households = imported.imported + imported.updated,
        rejected = imported.rejected,
        "prelist received with the form"
    );
    report.prelist_households += imported.imported + imported.updated;
    report.prelist_rejected += imported.rejected;
    Ok(())
}

/// Progress of an import inside a sync, which reports per form instead.
struct Silent;

impl store::prelist::ProgressSink for Silent {
    fn report(&self, _: store::prelist::ImportProgress) {}
}

/// Downloads, checks, loads and installs a form version not installed yet; returns its row and
/// the media files installed with it.
fn install(
    store: &Store,
    fetcher: &Fetcher<'_>,
    form: &ListedForm,
    now_ms: i64,
) -> Result<(i64, Vec<String>), SyncError> {
    let file = format!("{}.xml", form.form_id);
    fetcher.check_listed_url(&form.download_url, &file)?;
    let xml = fetcher.fetch_small(&form.download_url, &file, fetcher.max_file_bytes)?;
    check_md5(&file, &xml.md5, &form.hash)?;
    let xml = String::from_utf8(xml.content).map_err(|_| SyncError::NotText { file })?;
    let entries = manifest(fetcher, form)?;
    let staged = Staged::fetch(store, fetcher, &entries)?;
    let row = staged.install_if_it_loads(&xml, None, |tx| {
        forms::install_downloaded_form(
            tx,
            &form.form_id,
            &form.version,
            &form.name,
            &xml,
            now_ms,
        )
    })?;
    tracing::info!(form = %form.form_id, row, files = entries.len(), "form version installed");
    Ok((row, entries.into_iter().map(|e| e.filename).collect()))
}

/// Fetches the media of installed version `row` whose manifest hash changed; returns their names.
fn refresh_media(
    store: &Store,
    fetcher: &Fetcher<'_>,
    form: &ListedForm,
    row: i64,
) -> Result<Vec<String>, SyncError> {
    let entries = manifest(fetcher, form)?;
    let installed: HashMap<String, Option<String>> =
        store.read(|c| forms::media_hashes(c, row))?.into_iter().collect();
    let changed: Vec<ManifestEntry> = entries
        .into_iter()
        .filter(|e| installed.get(&e.filename).and_then(Option::as_ref) != Some(&e.hash))
        .collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let source = store
        .read(|c| forms::form_source(c, row))?
        .ok_or_else(|| store::Error::NoInterview(format!("form #{row}")))?;
    let staged = Staged::fetch(store, fetcher, &changed)?;
    staged.install_if_it_loads(&source.xml, Some(row), |_| Ok(row))?;
    Ok(changed.into_iter().map(|e| e.filename).collect())
}

/// The form's manifest entries (none without a manifest URL).
fn manifest(fetcher: &Fetcher<'_>, form: &ListedForm) -> Result<Vec<ManifestEntry>, SyncError> {
    let Some(url) = &form.manifest_url else { return Ok(Vec::new()) };
    fetcher.check_listed_url(url, "manifest")?;
    let manifest = fetcher.fetch_small(url, "manifest", LIST_LIMIT)?;
    lists::parse_manifest(&manifest.content)
}

fn check_md5(file: &str, actual: &str, expected: &str) -> Result<(), SyncError> {
    match expected.strip_prefix("md5:") {
        Some(hex) if !hex.eq_ignore_ascii_case(actual) => {
            Err(SyncError::HashMismatch { file: file.to_owned() })
        }
        _ => Ok(()),
    }
}

/// Media files downloaded into the store's chunks, not installed yet.
struct Staged<'s> {
    store: &'s Store,
    files: Vec<(ManifestEntry, i64)>,
}

impl<'s> Staged<'s> {
    /// Downloads `entries`; on any failure discards what was downloaded.
    fn fetch(
        store: &'s Store,
        fetcher: &Fetcher<'_>,
        entries: &[ManifestEntry],
    ) -> Result<Staged<'s>, SyncError> {
        let mut staged = Staged { store, files: Vec::new() };
        for entry in entries {
            fetcher.check_listed_url(&entry.download_url, &entry.filename)?;
            let fetched = fetcher.fetch_to_store(store, &entry.download_url, &entry.filename)?;
            staged.files.push((entry.clone(), fetched.content));
            if !entry.entity_list {
                let expected = entry.hash.strip_prefix("md5:").unwrap_or(&entry.hash);
                check_md5(&entry.filename, &fetched.md5, &format!("md5:{expected}"))?;
            }
        }
        Ok(staged)
    }

    /// Loads `xml` with the staged media (and `installed_row`'s for the rest); if it loads,
    /// installs in one transaction: `form_row` writes the form's row, then each file moves in.
    fn install_if_it_loads(
        mut self,
        xml: &str,
        installed_row: Option<i64>,
        form_row: impl FnOnce(&rusqlite::Transaction<'_>) -> store::Result<i64>,
    ) -> Result<i64, SyncError> {
        Form::load(xml, &StagedMedia { staged: &self, installed_row })
            .map_err(|e| SyncError::DoesNotLoad { reason: e.to_string() })?;
        let row = self.store.write(|tx| {
            let row = form_row(tx)?;
            for (entry, download) in &self.files {
                downloads::install_media(tx, row, &entry.filename, *download, Some(&entry.hash))?;
            }
            Ok(row)
        })?;
        // Installing moved the chunks; nothing is left for `drop` to discard.
        self.files.clear();
        Ok(row)
    }
}

impl Drop for Staged<'_> {
    /// Whatever was not installed is discarded (installing removes the chunks itself).
    fn drop(&mut self) {
        for (_, download) in &self.files {
            if let Err(error) = self.store.write(|tx| downloads::discard(tx, *download)) {
                tracing::warn!(%error, "staged download not discarded");
            }
        }
    }
}

/// The engine's view of a form's media during the load check: staged files first, then
/// those already installed.
struct StagedMedia<'a, 's> {
    staged: &'a Staged<'s>,
    installed_row: Option<i64>,
}

impl ExternalInstances for StagedMedia<'_, '_> {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        let name = src.rsplit('/').next()?;
        let store = self.staged.store;
        let read = match self.staged.files.iter().find(|(e, _)| e.filename == name) {
            Some((_, download)) => store.read(|c| downloads::read_whole(c, *download)).map(Some),
            None => match self.installed_row {
                Some(row) => store.read(|c| forms::media_bytes(c, row, name)),
                None => Ok(None),
            },
        };
        read.unwrap_or_else(|error| {
            tracing::error!(%error, "staged media could not be read");
            None
        })
    }
}
