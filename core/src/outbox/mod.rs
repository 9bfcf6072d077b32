//! The outbox: finalized interviews waiting to leave the phone, persisted before anything is
//! sent (ADR 0010).
//!
//! Each item moves `queued` → `sending` → `sent` | `retry_later` (with its next attempt time) |
//! `needs_person` (with a reason a person can act on). An interview enters in the transaction
//! that finalizes it (`store::interviews::finalize`). An item found in `sending` when the app
//! starts was interrupted by a crash and goes back to `queued`: sending it again is safe because
//! the server keys submissions by instanceID. Nothing here touches the network or a clock; the
//! caller passes `now`.

pub mod client;
pub mod sync;
pub mod upload;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::store::Result;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Queued,
    Sending,
    /// Acknowledged by the server (201/202, or 409 for the same content).
    Sent,
    /// A network or server problem; tried again at `next_attempt_at`.
    RetryLater,
    /// Something only a person can fix (login, a file too large); `reason` says what.
    NeedsPerson,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::RetryLater => "retry_later",
            OutboxState::NeedsPerson => "needs_person",
        }
    }

    pub fn parse(text: &str) -> OutboxState {
        match text {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "retry_later" => OutboxState::RetryLater,
            "needs_person" => OutboxState::NeedsPerson,
            _ => OutboxState::Queued,
        }
    }
}

/// One interview in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub interview_id: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: Option<i64>,
    pub reason: Option<String>,
}

/// Puts items interrupted mid-send back in the queue; returns how many.
pub fn recover_interrupted(tx: &Transaction<'_>) -> Result<usize> {
    Ok(tx.execute("UPDATE outbox SET state = 'queued' WHERE state = 'sending'", [])?)
}

/// Claims the next item due at `now` (queued first, then retries whose time has come, oldest
/// first): marks it `sending`, counts the attempt, and returns its interview id.
pub fn claim_next(tx: &Transaction<'_>, now_ms: i64) -> Result<Option<String>> {
    let id: Option<String> = tx
        .query_row(
            "SELECT interview_id FROM outbox
             WHERE state = 'queued' OR (state = 'retry_later' AND next_attempt_at <= ?1)
             ORDER BY state = 'retry_later', queued_at, interview_id LIMIT 1",
            [now_ms],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = &id {
        tx.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE interview_id = ?1",
            [id],
        )?;
    }
    Ok(id)
}

/// The server acknowledged the submission.
pub fn mark_sent(tx: &Transaction<'_>, id: &str, now_ms: i64) -> Result<()> {
    set(tx, id, OutboxState::Sent, None, None)?;
    tx.execute("UPDATE outbox SET sent_at = ?2 WHERE interview_id = ?1", params![id, now_ms])?;
    Ok(())
}

/// Try again at `next_attempt_at`.
pub fn mark_retry(
    tx: &Transaction<'_>,
    id: &str,
    next_attempt_at: i64,
    reason: &str,
) -> Result<()> {
    set(tx, id, OutboxState::RetryLater, Some(next_attempt_at), Some(reason))
}

/// Stop until a person acts; `reason` says what to do, in both languages.
pub fn mark_needs_person(tx: &Transaction<'_>, id: &str, reason: &str) -> Result<()> {
    set(tx, id, OutboxState::NeedsPerson, None, Some(reason))
}

/// A person fixed the problem (logged in again, retook the photo): queue it again.
pub fn requeue(tx: &Transaction<'_>, id: &str) -> Result<()> {
    set(tx, id, OutboxState::Queued, None, None)
}

/// "Send now": everything waiting for a retry or a person is due at once. Returns how many.
pub fn retry_all_now(tx: &Transaction<'_>) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE outbox SET state = 'queued', next_attempt_at = NULL
         WHERE state IN ('retry_later', 'needs_person')",
        [],
    )?)
}

fn set(
    tx: &Transaction<'_>,
    id: &str,
    state: OutboxState,
    next_attempt_at: Option<i64>,
    reason: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = ?2, next_attempt_at = ?3, reason = ?4 WHERE interview_id = ?1",
        params![id, state.as_str(), next_attempt_at, reason],
    )?;
    Ok(())
}

/// Every item, oldest first.
pub fn items(conn: &Connection) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare(
        "SELECT interview_id, state, attempts, next_attempt_at, reason FROM outbox
         ORDER BY queued_at, interview_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OutboxItem {
            interview_id: r.get(0)?,
            state: OutboxState::parse(&r.get::<_, String>(1)?),
            attempts: r.get(2)?,
            next_attempt_at: r.get(3)?,
            reason: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How long to wait after `attempts` failed attempts: 30 s doubling to at most an hour, spread
/// by ±20 % with `jitter` (0–1) so that phones that lost signal together do not return together.
pub fn backoff_ms(attempts: u32, jitter: f64) -> i64 {
    const BASE_MS: f64 = 30_000.0;
    const CAP_MS: f64 = 3_600_000.0;
    let exponent = attempts.saturating_sub(1).min(16);
    let delay = (BASE_MS * f64::from(1u32 << exponent)).min(CAP_MS);
    (delay * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        Store,
        interviews::{self, InterviewState, StoredForm, StoredInterview},
        test_support::test_key,
    };

    fn store_with_finalized(ids: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let form = StoredForm {
            row: 0,
            form_id: "f".into(),
            version: "1".into(),
            title: "F".into(),
            xml: "<f/>".into(),
            media: vec![],
        };
        let row = store.write(|tx| interviews::install_form(tx, &form, 0)).unwrap();
        for (i, id) in ids.iter().enumerate() {
            let draft = StoredInterview {
                id: (*id).into(),
                form_row: row,
                id_dtks: None,
                state: InterviewState::Draft,
                instance_xml: "<d/>".into(),
                preload: None,
                checks: None,
                position: None,
                updated_at: 0,
            };
            store.write(|tx| interviews::insert_interview(tx, &draft)).unwrap();
            store.write(|tx| interviews::finalize(tx, id, "<d/>", "<d/>", "{}", i as i64)).unwrap();
        }
        (dir, store)
    }

    #[test]
    fn items_are_claimed_in_order_and_a_crash_mid_send_requeues_them() {
        let (_dir, store) = store_with_finalized(&["a", "b"]);
        assert_eq!(store.write(|tx| claim_next(tx, 10)).unwrap().as_deref(), Some("a"));
        assert_eq!(store.write(|tx| claim_next(tx, 10)).unwrap().as_deref(), Some("b"));
        assert_eq!(store.write(|tx| claim_next(tx, 10)).unwrap(), None, "both are sending");
        assert_eq!(store.write(recover_interrupted).unwrap(), 2);
        let again = store.write(|tx| claim_next(tx, 10)).unwrap();
        assert_eq!(again.as_deref(), Some("a"));
        let items = store.read(items).unwrap();
        assert_eq!((items[0].state, items[0].attempts), (OutboxState::Sending, 2));
    }

    #[test]
    fn retries_wait_for_their_time_sent_and_needs_person_stay_put() {
        let (_dir, store) = store_with_finalized(&["a", "b", "c"]);
        for _ in 0..3 {
            store.write(|tx| claim_next(tx, 0)).unwrap();
        }
        store.write(|tx| mark_sent(tx, "a", 5)).unwrap();
        store.write(|tx| mark_retry(tx, "b", 1_000, "server busy")).unwrap();
        store.write(|tx| mark_needs_person(tx, "c", "log in again / masuk lagi")).unwrap();
        assert_eq!(store.write(|tx| claim_next(tx, 999)).unwrap(), None);
        assert_eq!(store.write(|tx| claim_next(tx, 1_000)).unwrap().as_deref(), Some("b"));
        store.write(|tx| requeue(tx, "c")).unwrap();
        assert_eq!(store.write(|tx| claim_next(tx, 1_000)).unwrap().as_deref(), Some("c"));
        let states: Vec<OutboxState> = store.read(items).unwrap().iter().map(|i| i.state).collect();
        assert_eq!(states, [OutboxState::Sent, OutboxState::Sending, OutboxState::Sending]);
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour_with_bounded_jitter() {
        assert_eq!(backoff_ms(1, 0.5), 30_000);
        assert_eq!(backoff_ms(2, 0.5), 60_000);
        assert_eq!(backoff_ms(20, 0.5), 3_600_000);
        assert_eq!(backoff_ms(1, 0.0), 24_000);
        assert_eq!(backoff_ms(1, 1.0), 36_000);
    }
}
