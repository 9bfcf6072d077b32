//! Returns from a pengawas (issue 17): a submitted interview sent back with comments. Applying
//! one reopens the interview for correction and keeps the comments, in one transaction, once
//! per returned submission (its instanceID): fetching the same return again, or after a crash
//! half-way through a list, changes nothing twice. The correction goes out as an edit (a new
//! instanceID naming the returned one in `deprecatedID`), as any correction does.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::error::Result;

/// One comment of a return: on a question (its reference) or on the whole interview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnComment {
    pub reference: Option<String>,
    pub text: String,
}

/// A return as the receiver lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReturnNotice {
    pub instance_id: String,
    pub returned_at: i64,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub comments: Vec<ReturnComment>,
}

/// What applying a return did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The interview was reopened with the comments.
    Reopened { interview_id: String },
    /// This return was applied before.
    AlreadyApplied,
    /// No acknowledged submission of this device has that instanceID (another device's, or a
    /// correction already on its way).
    NotOurs,
}

/// Applies `notice`: the interview whose acknowledged (or handed-over) submission it names is
/// reopened for correction (if finalized) and the comments are kept.
pub fn apply_return(tx: &Transaction<'_>, notice: &ReturnNotice, now_ms: i64) -> Result<Applied> {
    let seen: bool = tx
        .query_row(
            "SELECT count(*) FROM review_returns WHERE instance_id = ?1",
            [&notice.instance_id],
            |r| r.get::<_, i64>(0),
        )?
        > 0;
    if seen {
        return Ok(Applied::AlreadyApplied);
    }
    let interview: Option<String> = tx
        .query_row(
            "SELECT interview_id FROM outbox
             WHERE instance_id = ?1 AND (state = 'sent' OR handed_at IS NOT NULL)",
            [&notice.instance_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(interview_id) = interview else { return Ok(Applied::NotOurs) };
    tx.execute(
        "UPDATE interviews SET state = 'returned', updated_at = ?2 WHERE id = ?1 AND state = 'finalized'",
        params![interview_id, now_ms],
    )?;
    tx.execute(
        "INSERT INTO review_returns (instance_id, interview_id, returned_at, note, comments, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            notice.instance_id,
            interview_id,
            notice.returned_at,
            notice.note,
            serde_json::to_string(&notice.comments).unwrap_or_else(|_| "[]".into()),
            now_ms
        ],
    )?;
    Ok(Applied::Reopened { interview_id })
}

/// The newest return of `interview_id`, while the interview waits for its correction: returned,
/// and what the server holds is still the version the pengawas returned (once the correction
/// goes out, a later reopening by the enumerator shows no old comments).
pub fn open_return(conn: &Connection, interview_id: &str) -> Result<Option<ReturnNotice>> {
    let row: Option<(String, i64, Option<String>, String)> = conn
        .query_row(
            "SELECT r.instance_id, r.returned_at, r.note, r.comments
             FROM review_returns r JOIN interviews i ON i.id = r.interview_id
             JOIN outbox o ON o.interview_id = r.interview_id AND o.instance_id = r.instance_id
             WHERE r.interview_id = ?1 AND i.state = 'returned'
             ORDER BY r.received_at DESC, r.rowid DESC LIMIT 1",
            [interview_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row.map(|(instance_id, returned_at, note, comments)| ReturnNotice {
        instance_id,
        returned_at,
        note,
        comments: serde_json::from_str(&comments).unwrap_or_default(),
    }))
}

/// The interviews waiting for a correction a pengawas asked for.
pub fn returned_by_pengawas(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare(
            "SELECT DISTINCT r.interview_id FROM review_returns r
             JOIN interviews i ON i.id = r.interview_id
             JOIN outbox o ON o.interview_id = r.interview_id AND o.instance_id = r.instance_id
             WHERE i.state = 'returned'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}
