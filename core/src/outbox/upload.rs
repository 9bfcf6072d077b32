//! Emptying the outbox: claim the next due item, send it, record what the server said; until
//! nothing is due, the deadline passes, or the caller cancels. No threads or timers: the shell's
//! background job or the CLI calls this, and the caller's clock decides what is due.

use rusqlite::OptionalExtension;

use super::{
    backoff_ms, claim_next,
    client::{self, Outcome, Part, Server},
    mark_needs_person, mark_retry, mark_sent,
};
use crate::store::{Result, Store, attachments};

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    pub acknowledged: u32,
    pub retry_later: u32,
    pub needs_person: u32,
    /// Bytes of submission XML and attachments sent.
    pub bytes_sent: u64,
    /// The run stopped at its deadline or was cancelled with items still due.
    pub stopped_early: bool,
}

/// Sends due items until none is left, `deadline_ms` passes, or `cancelled` says so; `now`
/// gives the time, `progress` hears after each item.
pub fn upload_pending(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    deadline_ms: i64,
    now: &dyn Fn() -> i64,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(&UploadReport),
) -> Result<UploadReport> {
    let mut report = UploadReport::default();
    let mut limit: Option<Option<usize>> = None;
    loop {
        if now() >= deadline_ms || cancelled() {
            report.stopped_early = store.write(|tx| Ok(due(tx, now())?))?;
            return Ok(report);
        }
        let Some(id) = store.write(|tx| claim_next(tx, now()))? else { return Ok(report) };
        let (xml, checks, attempts) = store.read(|c| {
            Ok(c.query_row(
                "SELECT o.submission_xml, i.checks, o.attempts FROM outbox o
                 JOIN interviews i ON i.id = o.interview_id WHERE o.interview_id = ?1",
                [&id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, u32>(2)?,
                    ))
                },
            )?)
        })?;
        let files = store.read(|c| attachments::for_submission(c, &id))?;
        let mut parts: Vec<Part> = files
            .into_iter()
            .map(|(name, content_type, bytes)| Part { name, content_type, bytes })
            .collect();
        parts.extend(checks.map(|json| Part {
            name: "verivali-checks.json".into(),
            content_type: "application/json".into(),
            bytes: json.into_bytes(),
        }));
        report.bytes_sent +=
            (xml.len() + parts.iter().map(|p| p.bytes.len()).sum::<usize>()) as u64;
        let limit = *limit.get_or_insert_with(|| client::accepted_length(agent, server));
        match client::submit_split(agent, server, xml.as_bytes(), &parts, limit) {
            Outcome::Acknowledged => {
                store.write(|tx| mark_sent(tx, &id, now()))?;
                report.acknowledged += 1;
            }
            Outcome::RetryLater { after_ms, reason } => {
                let wait = after_ms.unwrap_or_else(|| backoff_ms(attempts, jitter()));
                store.write(|tx| mark_retry(tx, &id, now() + wait, &reason))?;
                report.retry_later += 1;
            }
            Outcome::NeedsPerson { reason } => {
                store.write(|tx| mark_needs_person(tx, &id, &reason))?;
                report.needs_person += 1;
            }
        }
        progress(&report);
    }
}

/// Whether anything is due at `now`.
fn due(conn: &rusqlite::Connection, now: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM outbox WHERE state = 'queued' OR (state = 'retry_later' AND next_attempt_at <= ?1) LIMIT 1",
            [now],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A random fraction for spreading retries.
fn jitter() -> f64 {
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX)
}
