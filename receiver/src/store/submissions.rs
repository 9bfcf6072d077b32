//! Storing one submission, idempotently by instanceID, in one transaction with what the review
//! and the quotas record of it: what every path by which an interview arrives (an upload, a
//! bundle) goes through.

use rusqlite::{Connection, OptionalExtension, params};
use verivali_form::hex::sha256_hex;

/// What storing a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The same instanceID with the same content: already here.
    Duplicate,
    /// The same instanceID with other content.
    Conflict,
    /// The same instanceID from another device: what one device submitted, another cannot
    /// resend or complete.
    OtherDevice,
    /// An attachment already acknowledged under this name, resent with other bytes: stored
    /// evidence never changes.
    ChangedAttachment(String),
    /// An edit whose `deprecatedID` names no submission here.
    UnknownDeprecated,
    /// An edit of a submission another device sent, or of another form's.
    EditOfOther,
}

pub struct Incoming<'a> {
    pub instance_id: &'a str,
    /// The sending device's id ([`Device::id`]).
    pub device: &'a str,
    /// For an edit: the instanceID of the submission it replaces.
    pub deprecated_id: Option<&'a str>,
    pub form_id: &'a str,
    pub enumerator: &'a str,
    pub xml: &'a [u8],
    pub desa: Option<&'a str>,
    pub status: Option<&'a str>,
    pub attachments: &'a [(String, bytes::Bytes)],
    /// What the spot-check sample reads from it.
    pub arrival: &'a crate::review::store::Arrival,
}

/// How long the upload ledger keeps a row (quotas look back one day).
const LEDGER_MS: i64 = 2 * 24 * 60 * 60 * 1000;

/// Stores a submission and its attachments in one transaction, idempotently by instanceID.
pub fn store_submission(
    conn: &mut Connection,
    s: &Incoming<'_>,
    now: i64,
) -> rusqlite::Result<Stored> {
    let tx = conn.transaction()?;
    let stored = store_in(&tx, s, now)?;
    if matches!(stored, Stored::New | Stored::Duplicate) {
        tx.commit()?;
    }
    Ok(stored)
}

/// Stores a submission inside the caller's transaction; the caller commits when the outcome is
/// [`Stored::New`] or [`Stored::Duplicate`] (and rolls back otherwise: nothing else writes).
pub fn store_in(
    tx: &rusqlite::Transaction<'_>,
    s: &Incoming<'_>,
    now: i64,
) -> rusqlite::Result<Stored> {
    let sha = sha256_hex(s.xml);
    let existing: Option<(String, Option<String>, String)> = tx
        .query_row(
            "SELECT sha256, device, enumerator FROM submissions WHERE instance_id = ?1",
            [s.instance_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((existing_sha, device, enumerator)) = existing {
        // Stored before devices were remembered (schema version 3): the enumerator decides.
        let same_device = device.map_or(enumerator == s.enumerator, |d| d == s.device);
        if !same_device {
            return Ok(Stored::OtherDevice);
        }
        if existing_sha != sha {
            return Ok(Stored::Conflict);
        }
        if let Some(changed) = changed_attachment(tx, s)? {
            return Ok(Stored::ChangedAttachment(changed));
        }
        // The same submission again, or its next part (`*isIncomplete*`): keep new attachments,
        // and count what they add against the device's quota.
        let checks_before = has_attachment(tx, s.instance_id, crate::review::CHECKS_FILE)?;
        let added = add_attachments(tx, s)?;
        if added > 0 {
            record_upload(tx, s.device, now, added, false)?;
        }
        // Inserted now when it was not there and this part carries it.
        let carries_checks = s.attachments.iter().any(|(n, _)| n == crate::review::CHECKS_FILE);
        if !checks_before && carries_checks {
            let warnings = &s.arrival.confirmed_warnings;
            crate::review::store::checks_arrived(tx, s.instance_id, warnings, now)?;
        }
        return Ok(Stored::Duplicate);
    }
    if let Some(deprecated) = s.deprecated_id {
        let original: Option<(Option<String>, String)> = tx
            .query_row(
                "SELECT device, form_id FROM submissions WHERE instance_id = ?1",
                [deprecated],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match original {
            None => return Ok(Stored::UnknownDeprecated),
            Some((device, form)) if device.as_deref() != Some(s.device) || form != s.form_id => {
                return Ok(Stored::EditOfOther);
            }
            Some(_) => {}
        }
    }
    tx.execute(
        "INSERT INTO submissions (instance_id, form_id, enumerator, xml, sha256, desa, status,
                                  received_at, deprecated_id, device, household)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            s.instance_id,
            s.form_id,
            s.enumerator,
            s.xml,
            sha,
            s.desa,
            s.status,
            now,
            s.deprecated_id,
            s.device,
            s.arrival.household
        ],
    )?;
    let added = add_attachments(tx, s)?;
    crate::recap::facts::record(tx, s.instance_id, s.form_id, s.xml)?;
    crate::review::store::on_received(
        tx,
        &crate::review::store::Arrived {
            instance_id: s.instance_id,
            form_id: s.form_id,
            enumerator: s.enumerator,
            desa: s.desa,
            received_at: now,
            status: s.status,
            deprecated_id: s.deprecated_id,
            arrival: s.arrival,
        },
        now,
    )?;
    record_upload(tx, s.device, now, s.xml.len() as u64 + added, true)?;
    Ok(Stored::New)
}

/// Notes in the ledger that `device` added `bytes` (and, when `new`, a submission); rows past
/// the quota window are pruned as it goes.
fn record_upload(
    tx: &rusqlite::Transaction<'_>,
    device: &str,
    now: i64,
    bytes: u64,
    new: bool,
) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM uploads WHERE device = ?1 AND at < ?2",
        params![device, now - LEDGER_MS],
    )?;
    tx.execute(
        "INSERT INTO uploads (device, at, bytes, new) VALUES (?1, ?2, ?3, ?4)",
        params![device, now, bytes as i64, new],
    )?;
    Ok(())
}

fn has_attachment(
    tx: &rusqlite::Transaction<'_>,
    instance_id: &str,
    name: &str,
) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT count(*) FROM attachments WHERE instance_id = ?1 AND name = ?2",
        [instance_id, name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The first attachment of `s` already stored under its name with other bytes.
fn changed_attachment(
    tx: &rusqlite::Transaction<'_>,
    s: &Incoming<'_>,
) -> rusqlite::Result<Option<String>> {
    for (name, bytes) in s.attachments {
        let stored: Option<Vec<u8>> = tx
            .query_row(
                "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = ?2",
                params![s.instance_id, name],
                |r| r.get(0),
            )
            .optional()?;
        if stored.is_some_and(|stored| stored[..] != bytes[..]) {
            return Ok(Some(name.clone()));
        }
    }
    Ok(None)
}

/// Adds the attachments not stored yet (one already stored is the same bytes, checked first);
/// returns the bytes added.
fn add_attachments(tx: &rusqlite::Transaction<'_>, s: &Incoming<'_>) -> rusqlite::Result<u64> {
    let mut added = 0;
    for (name, bytes) in s.attachments.iter().filter(|(name, _)| name != "*isIncomplete*") {
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO attachments (instance_id, name, bytes) VALUES (?1, ?2, ?3)",
            params![s.instance_id, name, &bytes[..]],
        )?;
        if inserted > 0 {
            added += bytes.len() as u64;
        }
    }
    Ok(added)
}
