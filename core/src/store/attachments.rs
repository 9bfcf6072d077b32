//! Interview attachments (photos): stored once per content, linked to the questions that hold
//! them, marked at finalize for the submission, and purged after the server has them.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;

/// A processed file about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

/// Stores `file` for interview `id` (once per name) and records that `question` holds it.
/// Returns whether the bytes were new to this interview.
pub fn attach(
    tx: &Transaction<'_>,
    id: &str,
    question: &str,
    file: &NewAttachment<'_>,
    now_ms: i64,
) -> Result<bool> {
    let added = tx.execute(
        "INSERT INTO attachments (interview_id, name, sha256, media_type, byte_len, bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (interview_id, name) DO NOTHING",
        params![id, file.name, file.sha256, file.media_type, file.bytes.len() as i64, file.bytes, now_ms],
    )?;
    tx.execute(
        "INSERT INTO attachment_uses (interview_id, question, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (interview_id, question) DO UPDATE SET name = ?3",
        params![id, question, file.name],
    )?;
    Ok(added == 1)
}

/// The (question, file name) pairs of interview `id`.
pub fn uses(conn: &Connection, id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT question, name FROM attachment_uses WHERE interview_id = ?1 ORDER BY question",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Forgets that `questions` hold a file, then deletes the files no question holds.
pub fn release(tx: &Transaction<'_>, id: &str, questions: &[String]) -> Result<usize> {
    for question in questions {
        tx.execute(
            "DELETE FROM attachment_uses WHERE interview_id = ?1 AND question = ?2",
            params![id, question],
        )?;
    }
    Ok(tx.execute(
        "DELETE FROM attachments WHERE interview_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM attachment_uses u
             WHERE u.interview_id = attachments.interview_id AND u.name = attachments.name)",
        [id],
    )?)
}

/// Marks exactly `names` as the files the submission of interview `id` carries.
pub fn mark_for_submission(tx: &Transaction<'_>, id: &str, names: &[String]) -> Result<()> {
    tx.execute("UPDATE attachments SET in_submission = 0 WHERE interview_id = ?1", [id])?;
    for name in names {
        tx.execute(
            "UPDATE attachments SET in_submission = 1 WHERE interview_id = ?1 AND name = ?2",
            params![id, name],
        )?;
    }
    Ok(())
}

/// The files the submission of interview `id` carries: (name, media type, bytes). Files already
/// purged are left out (the server acknowledged them before).
pub fn for_submission(conn: &Connection, id: &str) -> Result<Vec<(String, String, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, media_type, bytes FROM attachments
         WHERE interview_id = ?1 AND in_submission = 1 AND bytes IS NOT NULL ORDER BY name",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The bytes of the files `names` of interview `id` that are still held, in the order given.
pub fn bytes_of(conn: &Connection, id: &str, names: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes FROM attachments WHERE interview_id = ?1 AND name = ?2 AND bytes IS NOT NULL",
    )?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if let Some(bytes) = stmt.query_row(params![id, name], |r| r.get(0)).optional()? {
            out.push((name.clone(), bytes));
        }
    }
    Ok(out)
}

/// Whether interview `id` holds file `name` (not purged), without reading its bytes.
pub fn holds(conn: &Connection, id: &str, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM attachments WHERE interview_id = ?1 AND name = ?2 AND bytes IS NOT NULL",
            params![id, name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Drops the bytes of every file whose interview the server acknowledged at or before
/// `sent_before_ms` and that is still finalized (not returned for editing). Returns how many.
pub fn purge_acknowledged(tx: &Transaction<'_>, sent_before_ms: i64, now_ms: i64) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE attachments SET bytes = NULL, purged_at = ?2
         WHERE bytes IS NOT NULL AND interview_id IN (
             SELECT o.interview_id FROM outbox o JOIN interviews i ON i.id = o.interview_id
             WHERE o.state = 'sent' AND o.sent_at <= ?1 AND i.state = 'finalized')",
        params![sent_before_ms, now_ms],
    )?)
}

/// Files of interview `id` and their total bytes still held.
pub fn totals(conn: &Connection, id: &str) -> Result<(u32, u64)> {
    Ok(conn.query_row(
        "SELECT count(*), coalesce(sum(length(bytes)), 0) FROM attachments WHERE interview_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)),
    )?)
}
