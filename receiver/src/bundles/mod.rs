//! Offline bundles reaching the office (issue 18, ADR 0023): a bundle written on a phone where
//! there was no signal is imported here from the terminal (`verivali serve bundle import`), from
//! the browser (`/bundles`), or relayed by another device when it finds signal
//! (`POST /verivali/v1/bundles`).
//!
//! A bundle is imported only when it is exactly as its device signed it and that device's key
//! is registered here ([`keys`]); each submission then goes through the same checks as an
//! upload from that device (form, household in its area, named attachments) and is stored
//! idempotently, so an interview that arrives by bundle and by upload, or in two bundles, is
//! stored once. The whole bundle is one transaction: it is imported entirely or not at all.

mod import;
pub mod keys;
mod pages;
mod relay;
mod spool;

use std::path::Path;

use rusqlite::Connection;
use verivali_core::host::bundle::BundleError;

pub use import::{Verified, import, store_verified, verify};
pub(crate) use pages::{bundles_page, upload_bundle};
pub(crate) use relay::relay_bundle;

/// The largest bundle accepted over HTTP.
pub const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

/// The tables of version 5: registered keys and the bundles imported.
pub(crate) const V5: &str = r#"
CREATE TABLE device_keys (
    public_key    TEXT PRIMARY KEY,
    device        TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    registered_at INTEGER NOT NULL
);
CREATE TABLE bundle_imports (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    signer_key  TEXT NOT NULL,
    device      TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    submissions INTEGER NOT NULL,
    new         INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE INDEX bundle_imports_by_time ON bundle_imports (imported_at);
-- A pengawas's phone: its offline decisions, relayed in its bundles, are recorded as its own.
ALTER TABLE tokens ADD COLUMN pengawas INTEGER NOT NULL DEFAULT 0;
-- A pengawas's back-checks (ADR 0024), from the pengawas's phone's bundles: the answers of the
-- back-check visit by question key; compared with the submission when a report is made.
CREATE TABLE backchecks (
    instance_id TEXT PRIMARY KEY REFERENCES submissions(instance_id),
    device      TEXT NOT NULL,
    answers     TEXT NOT NULL,
    done_at     INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);
"#;

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub submissions: u32,
    /// Stored now; the others were here already (by upload or another bundle).
    pub new: u32,
    pub duplicates: u32,
    /// A pengawas's decisions recorded now; the others were recorded before, or concern
    /// interviews outside the pengawas's area or already decided here.
    pub decisions: u32,
    pub decisions_skipped: u32,
    /// A pengawas's back-checks recorded now.
    pub backchecks: u32,
    /// Decisions and back-checks on interviews this receiver does not hold yet: the bundle is
    /// to be relayed again once they arrived.
    pub waiting_for: u32,
    /// Whose device signed it.
    pub enumerator: String,
    pub device_id: String,
}

/// Why a bundle was not imported. Nothing of it is stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("Tidak ada berkas bundel di {0} / There is no bundle file at {0}")]
    Missing(String),
    #[error(
        "Berkas bukan bundel Verivali, atau frasa sandinya salah / The file is not a Verivali bundle, or the passphrase is wrong"
    )]
    Unreadable,
    #[error(
        "Frasa sandi bundel minimal 8 karakter / The bundle passphrase needs 8 characters or more"
    )]
    WeakPassphrase,
    #[error("Bundel tidak utuh atau telah diubah / The bundle is damaged or was changed: {}", .0.join("; "))]
    NotSound(Vec<String>),
    #[error(
        "Bundel ditandatangani kunci {0}… yang tidak terdaftar untuk perangkat mana pun di server ini (perangkat perlu sinkron sekali) / \
         The bundle is signed by key {0}…, registered for no device on this server (the device needs to sync once)"
    )]
    UnknownSigner(String),
    #[error(
        "Bundel menyebut perangkat {stated}, tetapi kuncinya terdaftar untuk {registered} / \
         The bundle names device {stated}, but its key is registered for {registered}"
    )]
    OtherDevice { stated: String, registered: String },
    #[error(
        "Kiriman {instance_id} dalam bundel ditolak / Submission {instance_id} in the bundle is refused: {reason}"
    )]
    Refused { instance_id: String, status: u16, reason: String },
    #[error("Basis data penerima / The receiver's database: {0}")]
    Store(#[from] rusqlite::Error),
}

impl ImportError {
    /// The HTTP status that answers it.
    pub(crate) fn status(&self) -> u16 {
        match self {
            ImportError::Missing(_) | ImportError::Unreadable | ImportError::WeakPassphrase => 400,
            ImportError::NotSound(_) => 422,
            ImportError::UnknownSigner(_) | ImportError::OtherDevice { .. } => 403,
            // Inside a bundle; a 404 would read as "no bundles here" to a relaying phone.
            ImportError::Refused { .. } => 422,
            ImportError::Store(_) => 500,
        }
    }
}

pub(crate) fn from_bundle_error(error: BundleError) -> ImportError {
    match error {
        BundleError::Missing(path) => ImportError::Missing(path.display().to_string()),
        BundleError::WeakPassphrase => ImportError::WeakPassphrase,
        other => {
            tracing::info!(error = %other, "a bundle could not be read");
            ImportError::Unreadable
        }
    }
}

/// Imports a bundle from the receiver's data folder (`verivali serve bundle import`).
pub fn import_file(
    dir: &Path,
    key: &[u8],
    path: &Path,
    passphrase: &str,
    imported_by: &str,
) -> Result<Imported, crate::ServeError> {
    let mut conn = crate::store::open(dir, key)?;
    import(&mut conn, path, passphrase, imported_by, verivali_core::api::now_ms())
        .map_err(|error| crate::ServeError::Bundle(error.to_string()))
}

/// Removes bundle uploads a crash left half-spooled in `<data>/incoming`.
pub(crate) fn sweep_incoming(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir.join("incoming")) else { return };
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|e| e == "part") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// One recent import, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub imported_at: i64,
    pub enumerator: String,
    pub imported_by: String,
    pub submissions: u32,
    pub new: u32,
}

/// The last `limit` imports, newest first.
pub fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<ImportRecord>> {
    conn.prepare(
        "SELECT b.imported_at, coalesce(t.enumerator, '?'), b.imported_by, b.submissions, b.new
         FROM bundle_imports b LEFT JOIN tokens t ON t.token_sha = b.device
         ORDER BY b.imported_at DESC, b.id DESC LIMIT ?1",
    )?
    .query_map([limit], |r| {
        Ok(ImportRecord {
            imported_at: r.get(0)?,
            enumerator: r.get(1)?,
            imported_by: r.get(2)?,
            submissions: r.get(3)?,
            new: r.get(4)?,
        })
    })?
    .collect()
}

/// A JSON reply for the device endpoints.
pub(crate) fn json_reply(status: u16, body: serde_json::Value) -> crate::routes::Reply {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string())
        .into_response()
}

/// A JSON refusal: `{"format":1,"error":"…"}` (bilingual).
pub(crate) fn json_refusal(status: u16, message: &str) -> crate::routes::Reply {
    json_reply(status, serde_json::json!({"format": 1, "error": message}))
}
