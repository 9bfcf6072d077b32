//! Importing one bundle: [`verify`] reads and checks the file (every part hashed, the
//! signature) without the receiver's database, so a large bundle never holds up the receiver;
//! [`store_verified`] then checks the signer against the registered keys and stores everything
//! in one immediate transaction: each interview through the same checks as an upload from the
//! signing device, a pengawas's decisions and back-checks when the signer is a pengawas's phone.

use std::path::Path;

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use verivali_core::host::bundle::{self, BackcheckRecord, Decision, Opened};

use super::{ImportError, Imported, from_bundle_error, keys};
use crate::{
    review::{Action, Comment, store::ActError},
    store::Device,
    submission::{self, Refusal},
};

/// A bundle read and checked, not stored yet.
pub struct Verified {
    opened: Opened,
    sha256: String,
    signer_key: String,
    stated_device: String,
}

/// Opens and checks the bundle at `path`: sound, with one valid signature.
pub fn verify(path: &Path, passphrase: &str) -> Result<Verified, ImportError> {
    let opened = bundle::open_verified(path, passphrase).map_err(from_bundle_error)?;
    if !opened.checked.is_sound() {
        let mut problems = opened.checked.problems.clone();
        problems.extend(opened.checked.damaged.iter().map(|part| format!("{part} is damaged")));
        if problems.is_empty() {
            problems.push("the bundle has no valid signature".into());
        }
        // A hostile bundle can name thousands of problems; the first few say enough.
        let more = problems.len().saturating_sub(MAX_PROBLEMS_SHOWN);
        problems.truncate(MAX_PROBLEMS_SHOWN);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        return Err(ImportError::NotSound(problems));
    }
    Ok(Verified {
        sha256: file_sha256(path).unwrap_or_default(),
        signer_key: opened.checked.signer_key.clone().unwrap_or_default(),
        stated_device: opened.checked.signer_device.clone().unwrap_or_default(),
        opened,
    })
}

const MAX_PROBLEMS_SHOWN: usize = 10;

/// Imports the bundle at `path` (verify, then store), as one transaction.
pub fn import(
    conn: &mut Connection,
    path: &Path,
    passphrase: &str,
    imported_by: &str,
    now: i64,
) -> Result<Imported, ImportError> {
    store_verified(conn, &verify(path, passphrase)?, imported_by, now)
}

/// Stores a verified bundle as its signer's, in one transaction; `imported_by` names who
/// brought it (an operator, a relaying device) for the record.
pub fn store_verified(
    conn: &mut Connection,
    verified: &Verified,
    imported_by: &str,
    now: i64,
) -> Result<Imported, ImportError> {
    let Some((device, registered_id)) = keys::signer(conn, &verified.signer_key)? else {
        let key = verified.signer_key.chars().take(12).collect();
        return Err(ImportError::UnknownSigner(key));
    };
    if registered_id != verified.stated_device {
        return Err(ImportError::OtherDevice {
            stated: verified.stated_device.clone(),
            registered: registered_id,
        });
    }
    let opened = &verified.opened;
    let ids = opened.instance_ids().map_err(from_bundle_error)?;
    let decisions = opened.decisions().map_err(from_bundle_error)?;
    let backchecks = opened.backchecks().map_err(from_bundle_error)?;
    // Immediate: a terminal import waits for the running receiver's writes instead of failing.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut imported = Imported {
        submissions: 0,
        new: 0,
        duplicates: 0,
        decisions: 0,
        decisions_skipped: 0,
        backchecks: 0,
        waiting_for: 0,
        enumerator: device.enumerator.clone(),
        device_id: registered_id,
    };
    for instance_id in ids {
        store_one(&tx, opened, &device, &instance_id, &mut imported, now)?;
    }
    // Only a pengawas's phone decides; another phone's decisions are not the office's.
    let pengawas = crate::store::is_pengawas(&tx, &device.id)?;
    if pengawas {
        apply_decisions(&tx, &device, &decisions, &mut imported, now)?;
        record_backchecks(&tx, &device, &backchecks, &mut imported, now)?;
    } else {
        imported.decisions_skipped += (decisions.len() + backchecks.len()) as u32;
    }
    tx.execute(
        "INSERT INTO bundle_imports (sha256, signer_key, device, imported_by, submissions, new, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            verified.sha256,
            verified.signer_key,
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

/// One interview of the bundle, checked and stored as an upload from `device` would be.
fn store_one(
    tx: &rusqlite::Transaction<'_>,
    opened: &Opened,
    device: &Device,
    instance_id: &str,
    imported: &mut Imported,
    now: i64,
) -> Result<(), ImportError> {
    let one = opened.submission(instance_id).map_err(from_bundle_error)?;
    let mut attachments: Vec<(String, Bytes)> =
        one.attachments.into_iter().map(|(name, bytes)| (name, Bytes::from(bytes))).collect();
    if let Some(checks) = one.checks {
        attachments.push((crate::review::CHECKS_FILE.to_owned(), Bytes::from(checks)));
    }
    let refused = |refusal: Refusal| ImportError::Refused {
        instance_id: instance_id.to_owned(),
        status: refusal.status,
        reason: refusal.message,
    };
    let admitted =
        submission::admit(tx, device, Bytes::from(one.xml), attachments).map_err(refused)?;
    if admitted.instance_id() != instance_id {
        return Err(refused(Refusal {
            status: 422,
            message: "instanceID dalam XML lain dari bundel / the XML's instanceID differs from the bundle's".into(),
        }));
    }
    let stored = crate::store::store_in(tx, &admitted.incoming(device), now)?;
    submission::outcome(&stored).map_err(refused)?;
    if stored == crate::store::Stored::New {
        imported.new += 1;
    } else {
        imported.duplicates += 1;
    }
    imported.submissions += 1;
    Ok(())
}

/// The desa of a held interview: `None` when the receiver does not hold it (yet).
fn held_desa(
    tx: &rusqlite::Transaction<'_>,
    instance_id: &str,
) -> rusqlite::Result<Option<Option<String>>> {
    tx.query_row("SELECT desa FROM submissions WHERE instance_id = ?1", [instance_id], |r| r.get(0))
        .optional()
}

/// Records a pengawas's offline decisions as that pengawas's actions, each on an interview in
/// the phone's area and not decided here since (the first decision wins; the rest are counted
/// as skipped); those on interviews not held yet are counted as waiting.
fn apply_decisions(
    tx: &rusqlite::Transaction<'_>,
    device: &Device,
    decisions: &[Decision],
    imported: &mut Imported,
    now: i64,
) -> Result<(), ImportError> {
    let actor = format!("{} (ponsel / phone)", device.enumerator);
    for decision in decisions {
        let Some(desa) = held_desa(tx, &decision.instance_id)? else {
            imported.waiting_for += 1;
            continue;
        };
        if !desa.is_some_and(|d| device.covers(&d)) {
            imported.decisions_skipped += 1;
            continue;
        }
        let action = match decision.as_return() {
            Some(notice) => Action::Return {
                comments: notice
                    .comments
                    .into_iter()
                    .map(|c| Comment { reference: c.reference, text: c.text })
                    .collect(),
            },
            None => Action::Approve,
        };
        let note = decision.note.as_deref();
        match crate::review::store::act_in(tx, &decision.instance_id, &actor, &action, note, now) {
            Ok(_) => imported.decisions += 1,
            Err(ActError::Store(error)) => return Err(error.into()),
            Err(_) => imported.decisions_skipped += 1,
        }
    }
    Ok(())
}

/// Keeps a pengawas's back-checks of interviews in the phone's area, each once.
fn record_backchecks(
    tx: &rusqlite::Transaction<'_>,
    device: &Device,
    records: &[BackcheckRecord],
    imported: &mut Imported,
    now: i64,
) -> Result<(), ImportError> {
    for record in records {
        let Some(desa) = held_desa(tx, &record.instance_id)? else {
            imported.waiting_for += 1;
            continue;
        };
        if !desa.is_some_and(|d| device.covers(&d)) {
            continue;
        }
        imported.backchecks += tx.execute(
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
    Ok(())
}

fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(verivali_form::hex::hex(&hasher.finalize()))
}
