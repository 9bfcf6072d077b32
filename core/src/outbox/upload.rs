//! Emptying the outbox: claim the next due item, send it, record what the server said; until
//! nothing is due, the deadline passes, or the caller cancels. No threads or timers: the shell's
//! background job or the CLI calls this, and the caller's clock decides what is due.

use std::collections::HashSet;

use rusqlite::OptionalExtension;

use super::{
    backoff_ms, claim_next,
    client::{self, Outcome, Part, Server},
    encryption, mark_needs_person, mark_retry, mark_sent,
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
/// gives the time, `progress` hears after each item. Within one run every due item gets its
/// turn before any item is tried again.
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
    let mut had_a_turn = HashSet::new();
    loop {
        if now() >= deadline_ms || cancelled() {
            report.stopped_early = store.write(|tx| Ok(due(tx, now())?))?;
            return Ok(report);
        }
        let Some(id) = store.write(|tx| claim_next(tx, now(), &had_a_turn))? else {
            return Ok(report);
        };
        had_a_turn.insert(id.clone());
        let submission = match store.read(|c| queued_submission(c, &id)) {
            Ok(submission) => submission,
            Err(error) => {
                // A queued item that cannot be read back must not block the others, and must
                // not be called sent: it waits for a person, with the reason in the log.
                tracing::error!(%error, "a queued submission cannot be prepared");
                store.write(|tx| mark_needs_person(tx, &id, CANNOT_PREPARE))?;
                report.needs_person += 1;
                progress(&report);
                continue;
            }
        };
        report.bytes_sent += submission.payload_len();
        let limit = *limit.get_or_insert_with(|| client::accepted_length(agent, server));
        let outcome =
            client::submit_split(agent, server, &submission.xml, &submission.parts, limit);
        record(store, &id, outcome, submission.attempts, now, &mut report)?;
        progress(&report);
    }
}

const CANNOT_PREPARE: &str = "Kiriman ini tidak dapat disiapkan di ponsel; hubungi pengawas. \
     / This submission cannot be prepared on the phone; contact your supervisor.";

/// Writes down what the server's answer means for item `id`.
fn record(
    store: &Store,
    id: &str,
    outcome: Outcome,
    attempts: u32,
    now: &dyn Fn() -> i64,
    report: &mut UploadReport,
) -> Result<()> {
    match outcome {
        Outcome::Acknowledged => {
            store.write(|tx| mark_sent(tx, id, now()))?;
            report.acknowledged += 1;
        }
        Outcome::RetryLater { after_ms, reason } => {
            let wait = after_ms.unwrap_or_else(|| backoff_ms(attempts, jitter()));
            store.write(|tx| mark_retry(tx, id, now().saturating_add(wait), &reason))?;
            report.retry_later += 1;
        }
        Outcome::NeedsPerson { reason } => {
            store.write(|tx| mark_needs_person(tx, id, &reason))?;
            report.needs_person += 1;
        }
    }
    Ok(())
}

/// A queued submission as it goes on the wire: the XML part, then the other files.
struct WireSubmission {
    xml: Vec<u8>,
    parts: Vec<Part>,
    attempts: u32,
}

impl WireSubmission {
    fn payload_len(&self) -> u64 {
        (self.xml.len() + self.parts.iter().map(|p| p.bytes.len()).sum::<usize>()) as u64
    }
}

/// Reads item `id` back and builds what goes on the wire: the submission XML with the photos
/// it names and the checks file when the form declares one; for a form that encrypts, the
/// encrypted-submission manifest and the `.enc` files instead (ADR 0014).
fn queued_submission(conn: &rusqlite::Connection, id: &str) -> Result<WireSubmission> {
    let (xml, checks, attempts, checks_file, encryption) = conn.query_row(
        "SELECT o.submission_xml, i.checks, o.attempts, o.checks_file, o.encryption
         FROM outbox o JOIN interviews i ON i.id = o.interview_id WHERE o.interview_id = ?1",
        [id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        },
    )?;
    let mut parts: Vec<Part> = attachments::for_submission(conn, id)?
        .into_iter()
        .map(|(name, content_type, bytes)| Part { name, content_type, bytes })
        .collect();
    if let (Some(name), Some(json)) = (checks_file, checks) {
        parts.push(Part {
            name,
            content_type: "application/json".into(),
            bytes: json.into_bytes(),
        });
    }
    let Some(encryption) = encryption else {
        return Ok(WireSubmission { xml: xml.into_bytes(), parts, attempts });
    };
    let sealed = encryption::seal(&encryption, xml.as_bytes(), &parts)
        .map_err(|e| crate::store::Error::Sealing(e.to_string()))?;
    Ok(WireSubmission { xml: sealed.manifest.into_bytes(), parts: sealed.files, attempts })
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
    if let Err(error) = getrandom::fill(&mut bytes) {
        // Jitter only spreads retries over time; without random bytes they are not spread,
        // which delays nothing and loses nothing, so the upload goes on.
        tracing::warn!(%error, "no random bytes for retry jitter");
        return 0.5;
    }
    f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX)
}
