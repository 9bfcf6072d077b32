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

pub mod keys;
mod pages;
mod relay;
mod spool;

use std::path::Path;

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use verivali_core::host::bundle::{self, BundleError};

pub(crate) use pages::{bundles_page, upload_bundle};
pub(crate) use relay::relay_bundle;

use crate::submission::{self, Refusal};

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
    #[error(
        "Bundel membawa keputusan pengawas, tetapi penandatangannya bukan ponsel pengawas / \
         The bundle carries a pengawas's decisions, but its signer is not a pengawas's phone"
    )]
    NotPengawas,
    #[error("Basis data penerima / The receiver's database: {0}")]
    Store(#[from] rusqlite::Error),
}

impl ImportError {
    /// The HTTP status that answers it.
    pub(crate) fn status(&self) -> u16 {
        match self {
            ImportError::Missing(_) | ImportError::Unreadable | ImportError::WeakPassphrase => 400,
            ImportError::NotSound(_) => 422,
            ImportError::UnknownSigner(_)
            | ImportError::OtherDevice { .. }
            | ImportError::NotPengawas => 403,
            ImportError::Refused { status, .. } => *status,
            ImportError::Store(_) => 500,
        }
    }
}

fn from_bundle_error(error: BundleError) -> ImportError {
    match error {
        BundleError::Missing(path) => ImportError::Missing(path.display().to_string()),
        BundleError::WeakPassphrase => ImportError::WeakPassphrase,
        other => {
            tracing::info!(error = %other, "a bundle could not be read");
            ImportError::Unreadable
        }
    }
}

/// Imports the bundle at `path` into the receiver's database, as one transaction; `imported_by`
/// names who brought it (an operator, a relaying device) for the record.
pub fn import(
    conn: &mut Connection,
    path: &Path,
    passphrase: &str,
    imported_by: &str,
    now: i64,
) -> Result<Imported, ImportError> {
    let opened = bundle::open_verified(path, passphrase).map_err(from_bundle_error)?;
    if !opened.checked.is_sound() {
        let mut problems = opened.checked.problems.clone();
        problems.extend(opened.checked.damaged.iter().map(|part| format!("{part} is damaged")));
        if problems.is_empty() {
            problems.push("the bundle has no valid signature".into());
        }
        return Err(ImportError::NotSound(problems));
    }
    let signer_key = opened.checked.signer_key.clone().unwrap_or_default();
    let stated_device = opened.checked.signer_device.clone().unwrap_or_default();
    let Some((device, registered_id)) = keys::signer(conn, &signer_key)? else {
        return Err(ImportError::UnknownSigner(signer_key.chars().take(12).collect()));
    };
    if registered_id != stated_device {
        return Err(ImportError::OtherDevice { stated: stated_device, registered: registered_id });
    }
    let ids = opened.instance_ids().map_err(from_bundle_error)?;
    let tx = conn.transaction()?;
    let decisions = opened.decisions().map_err(from_bundle_error)?;
    let backchecks = opened.backchecks().map_err(from_bundle_error)?;
    let mut imported = Imported {
        submissions: 0,
        new: 0,
        duplicates: 0,
        decisions: 0,
        decisions_skipped: 0,
        backchecks: 0,
        enumerator: device.enumerator.clone(),
        device_id: registered_id,
    };
    for instance_id in ids {
        let one = opened.submission(&instance_id).map_err(from_bundle_error)?;
        let mut attachments: Vec<(String, Bytes)> =
            one.attachments.into_iter().map(|(name, bytes)| (name, Bytes::from(bytes))).collect();
        if let Some(checks) = one.checks {
            attachments.push((crate::review::CHECKS_FILE.to_owned(), Bytes::from(checks)));
        }
        let refused = |refusal: Refusal| ImportError::Refused {
            instance_id: instance_id.clone(),
            status: refusal.status,
            reason: refusal.message,
        };
        let admitted =
            submission::admit(&tx, &device, Bytes::from(one.xml), attachments).map_err(refused)?;
        if admitted.instance_id() != instance_id {
            return Err(refused(Refusal {
                status: 422,
                message: "instanceID dalam XML lain dari bundel / the XML's instanceID differs from the bundle's".into(),
            }));
        }
        let stored = crate::store::store_in(&tx, &admitted.incoming(&device), now)?;
        submission::outcome(&stored).map_err(refused)?;
        if stored == crate::store::Stored::New {
            imported.new += 1;
        } else {
            imported.duplicates += 1;
        }
        imported.submissions += 1;
    }
    if !decisions.is_empty() {
        apply_decisions(&tx, &device, &decisions, &mut imported, now)?;
    }
    if !backchecks.is_empty() {
        imported.backchecks = record_backchecks(&tx, &device, &backchecks, now)?;
    }
    tx.execute(
        "INSERT INTO bundle_imports (sha256, signer_key, device, imported_by, submissions, new, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            file_sha256(path).unwrap_or_default(),
            signer_key,
            device.id,
            imported_by,
            imported.submissions,
            imported.new,
            now
        ],
    )?;
    tx.commit()?;
    tracing::info!(submissions = imported.submissions, new = imported.new, "bundle imported");
    Ok(imported)
}

/// Records a pengawas's offline decisions, as that pengawas's actions, when the bundle's signer
/// is a pengawas's phone: each on an interview in the phone's area, not decided here since
/// (the first decision on an interview wins; the rest are counted as skipped).
fn apply_decisions(
    tx: &rusqlite::Transaction<'_>,
    device: &crate::store::Device,
    decisions: &[bundle::Decision],
    imported: &mut Imported,
    now: i64,
) -> Result<(), ImportError> {
    if !crate::store::is_pengawas(tx, &device.id)? {
        return Err(ImportError::NotPengawas);
    }
    let actor = format!("{} (ponsel / phone)", device.enumerator);
    for decision in decisions {
        let desa: Option<Option<String>> = tx
            .query_row(
                "SELECT desa FROM submissions WHERE instance_id = ?1",
                [&decision.instance_id],
                |r| r.get(0),
            )
            .optional()?;
        let in_area = desa.flatten().is_some_and(|d| device.covers(&d));
        let action = match decision.as_return() {
            Some(notice) => crate::review::Action::Return {
                comments: notice
                    .comments
                    .into_iter()
                    .map(|c| crate::review::Comment { reference: c.reference, text: c.text })
                    .collect(),
            },
            None => crate::review::Action::Approve,
        };
        let note = decision.note.as_deref();
        let acted = in_area
            && crate::review::store::act_in(tx, &decision.instance_id, &actor, &action, note, now)
                .is_ok();
        if acted {
            imported.decisions += 1;
        } else {
            imported.decisions_skipped += 1;
        }
    }
    Ok(())
}

/// Keeps a pengawas's back-checks of interviews in the phone's area, each once.
fn record_backchecks(
    tx: &rusqlite::Transaction<'_>,
    device: &crate::store::Device,
    records: &[bundle::BackcheckRecord],
    now: i64,
) -> Result<u32, ImportError> {
    if !crate::store::is_pengawas(tx, &device.id)? {
        return Err(ImportError::NotPengawas);
    }
    let mut kept = 0;
    for record in records {
        let desa: Option<Option<String>> = tx
            .query_row(
                "SELECT desa FROM submissions WHERE instance_id = ?1",
                [&record.instance_id],
                |r| r.get(0),
            )
            .optional()?;
        if !desa.flatten().is_some_and(|d| device.covers(&d)) {
            continue;
        }
        kept += tx.execute(
            "INSERT OR IGNORE INTO backchecks (instance_id, device, answers, done_at, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                record.instance_id,
                device.id,
                serde_json::to_string(&record.answers).unwrap_or_default(),
                record.done_at,
                now
            ],
        )? as u32;
    }
    Ok(kept)
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

fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(verivali_form::hex::hex(&hasher.finalize()))
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
