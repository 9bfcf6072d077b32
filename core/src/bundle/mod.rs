//! Offline bundles (docs/architecture.md#data-formats): finalized interviews that cannot reach the server travel from
//! phone to phone (or to a laptop) as one file. The bundle is a SQLCipher database keyed by a
//! passphrase the two people share out of band, holding each submission with its attachments
//! and a manifest of SHA-256 sums; it is written under a temporary name and renamed only when
//! complete, so a half-written bundle never looks like one.
//!
//! The passphrase only hides the content: anyone who knows it could rewrite a bundle. So the
//! manifest is signed with the sending device's ed25519 key (ADR 0023), and [`verify`] accepts
//! a bundle only when its schema is exactly ours, every stored part is listed in the manifest
//! and every listed part is stored with its sum, and the signature over the manifest is the
//! signer's. Who the signer may be is for the importer to decide (a device registered with the
//! receiver, a phone of the team).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use crate::{
    hex::sha256_hex,
    store::{self, Store, attachments, device, team},
};

mod hand_up;
mod import;
mod read;
mod signing;
mod verify;

pub(crate) use import::add_team_submission;
pub use hand_up::{hand_up_decisions, takes_bundles};
pub use import::import;
pub use read::{Bundled, Opened, open_verified};
pub use signing::{is_public_key, key_registration_holds, key_registration_proof, public_key};
pub use verify::verify;

const SCHEMA: &str = r#"
CREATE TABLE submissions (
    instance_id TEXT PRIMARY KEY,
    form_id     TEXT NOT NULL,
    version     TEXT NOT NULL,
    xml         BLOB NOT NULL,
    checks      BLOB
);
CREATE TABLE attachments (
    instance_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    PRIMARY KEY (instance_id, name)
);
-- A pengawas's decisions made offline, one per reviewed submission, as JSON: returns travel
-- back to the enumerator's phone, and all of them to the receiver.
CREATE TABLE decisions (
    instance_id TEXT PRIMARY KEY,
    decision    BLOB NOT NULL
);
-- A pengawas's back-checks (ADR 0024): the answers of each back-check visit, as JSON.
CREATE TABLE backchecks (
    instance_id TEXT PRIMARY KEY,
    record      BLOB NOT NULL
);
-- One row per stored blob: `part` is `xml`, `checks`, `decision`, `backcheck` or the
-- attachment's name.
CREATE TABLE manifest (
    instance_id TEXT NOT NULL,
    part        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (instance_id, part)
);
-- Who signed the manifest, and the signature (hex) over `signed_text`.
CREATE TABLE signature (
    device_id  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    signature  TEXT NOT NULL
);
PRAGMA user_version = 2;
"#;

/// The bundle format this build writes and reads.
pub const FORMAT: i64 = 2;

/// Why a bundle cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("The bundle file cannot be written or read: {0}")]
    Io(#[from] std::io::Error),
    #[error("The bundle is not readable with this passphrase, or is not a bundle: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("The passphrase must have at least 8 characters.")]
    WeakPassphrase,
    #[error(
        "There is nothing to bundle: no finalized interview is waiting to be sent, and no return waits to be handed back."
    )]
    Empty,
    #[error("There is no bundle at {0}.")]
    Missing(PathBuf),
    #[error("The bundle is damaged or was changed: {}", .0.join("; "))]
    NotSound(Vec<String>),
    #[error("This bundle was written on this phone; hand it to another phone or the office.")]
    OwnBundle,
    #[error("The bundle is signed by key {0}…, which this phone does not trust.")]
    Untrusted(String),
    #[error("Interview {0} is already on this phone with other content; the bundle was not imported.")]
    Conflict(String),
}

/// What a written bundle holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub submissions: u32,
    pub attachments: u32,
    pub decisions: u32,
    pub backchecks: u32,
    pub bytes: u64,
}

/// What checking a bundle found: counts, every part whose sum does not match, every other
/// reason not to trust it, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub submissions: u32,
    pub attachments: u32,
    pub decisions: u32,
    pub backchecks: u32,
    pub damaged: Vec<String>,
    /// Why the bundle is not as its signer wrote it (empty: it is).
    pub problems: Vec<String>,
    /// The signer's public key (hex) and deviceID, as the bundle states them.
    pub signer_key: Option<String>,
    pub signer_device: Option<String>,
}

impl Checked {
    /// Nothing damaged, nothing unlisted, signed by the key it names.
    pub fn is_sound(&self) -> bool {
        self.damaged.is_empty() && self.problems.is_empty() && self.signer_key.is_some()
    }
}

fn open_keyed(path: &Path, passphrase: &str) -> Result<Connection, BundleError> {
    open_with(path, passphrase, rusqlite::OpenFlags::default())
}

/// Opens an existing bundle read-only: nothing is created where there is none.
fn open_existing(path: &Path, passphrase: &str) -> Result<Connection, BundleError> {
    if !path.is_file() {
        return Err(BundleError::Missing(path.to_path_buf()));
    }
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    open_with(path, passphrase, flags)
}

fn open_with(
    path: &Path,
    passphrase: &str,
    flags: rusqlite::OpenFlags,
) -> Result<Connection, BundleError> {
    if passphrase.chars().count() < 8 {
        return Err(BundleError::WeakPassphrase);
    }
    crate::store::sqlcipher::ensure_started();
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher derives the key from the passphrase (PBKDF2) itself.
    conn.pragma_update(None, "key", passphrase)?;
    Ok(conn)
}

/// Writes into a new bundle in `dir`, named by `now_ms`: every finalized interview not yet
/// acknowledged by a server, and every decision this phone's pengawas made. The interviews are marked as handed over (a correction after this is an edit),
/// and a copy of the file is carried until a server needs it ([`crate::store::team`]).
pub fn export(
    store: &Store,
    dir: &Path,
    passphrase: &str,
    now_ms: i64,
) -> Result<Written, BundleError> {
    write_bundle(store, dir, passphrase, now_ms, true)
}

/// Writes a bundle: the waiting interviews when `with_interviews` (a hand-over), and every
/// decision and back-check this phone's pengawas made.
fn write_bundle(
    store: &Store,
    dir: &Path,
    passphrase: &str,
    now_ms: i64,
    with_interviews: bool,
) -> Result<Written, BundleError> {
    let rows = if with_interviews { store.read(waiting)? } else { Vec::new() };
    let decisions = store.read(decisions_to_hand)?;
    let backchecks = store.read(backchecks_to_hand)?;
    if rows.is_empty() && decisions.is_empty() && backchecks.is_empty() {
        return Err(BundleError::Empty);
    }
    let handed_digest = decisions_digest(&decisions, &backchecks);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("verivali-{now_ms}.vvbundle"));
    let temporary = dir.join(format!("verivali-{now_ms}.vvbundle.part"));
    let _ = std::fs::remove_file(&temporary);
    let mut written =
        Written {
        path: path.clone(),
        submissions: 0,
        attachments: 0,
        decisions: 0,
        backchecks: 0,
        bytes: 0,
    };
    let mut instances = Vec::new();
    let (device_id, seed) =
        store.write(|tx| Ok((device::device_id(tx)?, device::signing_seed(tx)?)))?;
    {
        let mut bundle = open_keyed(&temporary, passphrase)?;
        bundle.execute_batch(SCHEMA)?;
        let tx = bundle.transaction()?;
        for row in rows {
            let Waiting { interview_id, instance_id, form_id, version, xml, checks } = row;
            tx.execute(
                "INSERT INTO submissions VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    instance_id,
                    form_id,
                    version,
                    xml.as_bytes(),
                    checks.as_deref().map(str::as_bytes)
                ],
            )?;
            add_part(&tx, &instance_id, "xml", xml.as_bytes(), &mut written)?;
            if let Some(checks) = &checks {
                add_part(&tx, &instance_id, "checks", checks.as_bytes(), &mut written)?;
            }
            let files = store.read(|c| attachments::for_submission(c, &interview_id))?;
            for (name, _, bytes) in files {
                tx.execute(
                    "INSERT INTO attachments VALUES (?1, ?2, ?3)",
                    params![instance_id, name, bytes],
                )?;
                add_part(&tx, &instance_id, &name, &bytes, &mut written)?;
                written.attachments += 1;
            }
            written.submissions += 1;
            instances.push(instance_id);
        }
        for (instance_id, decision) in decisions {
            tx.execute("INSERT INTO decisions VALUES (?1, ?2)", params![instance_id, decision])?;
            add_part(&tx, &instance_id, "decision", &decision, &mut written)?;
            written.decisions += 1;
        }
        for (instance_id, record) in backchecks {
            tx.execute("INSERT INTO backchecks VALUES (?1, ?2)", params![instance_id, record])?;
            add_part(&tx, &instance_id, "backcheck", &record, &mut written)?;
            written.backchecks += 1;
        }
        signing::sign(&tx, &device_id, &seed, now_ms)?;
        tx.commit()?;
    }
    std::fs::rename(&temporary, &path)?;
    let for_receiver = written.decisions + written.backchecks;
    let carried = carry_own(store, &path, passphrase, &device_id, &instances, for_receiver, now_ms);
    if let Err(error) = carried {
        // Not marked as handed over: the file must not travel, or a correction would reuse
        // an instanceID the server will get from the bundle.
        let _ = std::fs::remove_file(&path);
        return Err(error);
    }
    if let Some(digest) = handed_digest {
        store.write(|tx| device::set_setting(tx, hand_up::HANDED_DIGEST, &digest))?;
    }
    tracing::info!(
        submissions = written.submissions,
        decisions = written.decisions,
        bytes = written.bytes,
        "bundle written"
    );
    Ok(written)
}

/// Keeps a copy of a bundle just written, and marks its interviews as handed over, in one
/// transaction: a correction made after this goes out as an edit, and the copy reaches the
/// server if the outbox no longer holds what was handed.
fn carry_own(
    store: &Store,
    path: &Path,
    passphrase: &str,
    device_id: &str,
    instances: &[String],
    decisions: u32,
    now_ms: i64,
) -> Result<(), BundleError> {
    let copy = import::keep_copy(store, path)?;
    store.write(|tx| {
        let carried = copy.carried(passphrase, true, decisions);
        team::carry(tx, &carried, device_id, instances, now_ms)?;
        team::handed(tx, instances, now_ms)
    })?;
    Ok(())
}

fn add_part(
    tx: &rusqlite::Transaction<'_>,
    instance_id: &str,
    part: &str,
    bytes: &[u8],
    written: &mut Written,
) -> Result<(), BundleError> {
    tx.execute(
        "INSERT INTO manifest VALUES (?1, ?2, ?3, ?4)",
        params![instance_id, part, sha256_hex(bytes), bytes.len() as i64],
    )?;
    written.bytes += bytes.len() as u64;
    Ok(())
}

/// What identifies the decisions and back-checks handed over (`None` when there are none): a
/// new decision, or a changed one, makes another.
fn decisions_digest(
    decisions: &[(String, Vec<u8>)],
    backchecks: &[(String, Vec<u8>)],
) -> Option<String> {
    if decisions.is_empty() && backchecks.is_empty() {
        return None;
    }
    let mut all = Vec::new();
    for (instance_id, json) in decisions.iter().chain(backchecks) {
        all.extend_from_slice(instance_id.as_bytes());
        all.push(0);
        all.extend_from_slice(json);
        all.push(0);
    }
    Some(sha256_hex(&all))
}

/// The digest of what a bundle written now would hand over of this pengawas's work.
pub(crate) fn current_decisions_digest(conn: &Connection) -> Result<Option<String>, store::Error> {
    Ok(decisions_digest(&decisions_to_hand(conn)?, &backchecks_to_hand(conn)?))
}

/// Every decision this phone's pengawas made, as JSON ([`Decision`]): the enumerators' phones
/// apply the returns among them, the receiver all of them; both ignore what they applied.
fn decisions_to_hand(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>, store::Error> {
    let rows = team::decisions(conn)?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let json = serde_json::to_vec(&d).unwrap_or_default();
            (d.instance_id, json)
        })
        .collect())
}

/// Every back-check this phone's pengawas answered, as JSON ([`team::BackcheckRecord`]).
fn backchecks_to_hand(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>, store::Error> {
    Ok(team::backchecks(conn)?
        .into_iter()
        .filter_map(|(id, _, record)| Some((id, serde_json::to_vec(&record?).ok()?)))
        .collect())
}

/// A finalized interview waiting for a server: its submission as the outbox holds it (the
/// instanceID of an edit differs from the interview's id), with its checks file when the form
/// sends one (as the upload does). Interviews of an encrypted form stay out of bundles: their
/// answers leave the phone only sealed, by upload (ADR 0014).
struct Waiting {
    interview_id: String,
    instance_id: String,
    form_id: String,
    version: String,
    xml: String,
    checks: Option<String>,
}

/// Finalized interviews whose upload the server has not acknowledged.
fn waiting(conn: &Connection) -> Result<Vec<Waiting>, store::Error> {
    let mut stmt = conn.prepare(
        "SELECT i.id, coalesce(o.instance_id, i.id), f.form_id, f.version, o.submission_xml,
                CASE WHEN o.checks_file IS NOT NULL THEN i.checks END
         FROM interviews i JOIN forms f ON f.id = i.form JOIN outbox o ON o.interview_id = i.id
         WHERE i.state = 'finalized' AND o.state != 'sent' AND o.encryption IS NULL
         ORDER BY i.finalized_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Waiting {
            interview_id: r.get(0)?,
            instance_id: r.get(1)?,
            form_id: r.get(2)?,
            version: r.get(3)?,
            xml: r.get(4)?,
            checks: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
