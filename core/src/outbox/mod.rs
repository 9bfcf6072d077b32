//! The outbox: finalized interviews waiting to leave the phone, persisted before anything is
//! sent (ADR 0010).
//!
//! Each item moves `queued` → `sending` → `sent` | `retry_later` (with its next attempt time) |
//! `needs_person` (with a reason a person can act on). An interview enters in the transaction
//! that finalizes it (`store::interviews::finalize`). An item found in `sending` when the app
//! starts was interrupted by a crash and goes back to `queued`: sending it again is safe because
//! the server keys submissions by instanceID. This module's state machine touches neither the
//! network nor a clock (the caller passes `now`); [`upload`] drives it over [`client`], the
//! OpenRosa HTTP client, and [`encryption`] seals a submission for a form that asks for it.

pub mod client;
pub mod encryption;
pub mod upload;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::store::Result;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Queued,
    Sending,
    /// Acknowledged by the server: 201 or 202, nothing else (ADR 0010).
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

    /// A state as stored; an unknown one is an error, never silently `queued`.
    pub fn parse(text: &str) -> Result<OutboxState> {
        Ok(match text {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "retry_later" => OutboxState::RetryLater,
            "needs_person" => OutboxState::NeedsPerson,
            other => {
                return Err(crate::store::Error::UnknownStoredValue {
                    what: "outbox state",
                    value: other.chars().take(40).collect(),
                });
            }
        })
    }
}

/// The identity a submission goes out with: its `meta/instanceID`, and for an edit of a
/// submission the server already acknowledged, the `meta/deprecatedID` naming that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionIdentity {
    pub instance_id: String,
    pub deprecated_id: Option<String>,
}

/// The identity the next finalize of interview `interview_id` must use, given what its outbox
/// holds: the interview's own id the first time; the same as before while the server has not
/// acknowledged it (the old content never arrived, so it is replaced, not edited); a new
/// `fresh_id` deprecating the acknowledged one after the server has it (ODK Collect's edit), or
/// after it left in an offline bundle (it will arrive as it was).
pub fn identity_for_next_finalize(
    conn: &Connection,
    interview_id: &str,
    fresh_id: impl FnOnce() -> String,
) -> Result<SubmissionIdentity> {
    let queued: Option<(String, Option<String>, String, bool)> = conn
        .query_row(
            "SELECT coalesce(instance_id, interview_id), deprecated_id, state,
                    handed_at IS NOT NULL FROM outbox
             WHERE interview_id = ?1",
            [interview_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((instance_id, deprecated_id, state, handed)) = queued else {
        return Ok(SubmissionIdentity {
            instance_id: interview_id.to_owned(),
            deprecated_id: None,
        });
    };
    // Handed over in a bundle, the version will reach the server as it is: edited, not replaced.
    let delivered = handed || OutboxState::parse(&state)? == OutboxState::Sent;
    Ok(if delivered {
        SubmissionIdentity { instance_id: fresh_id(), deprecated_id: Some(instance_id) }
    } else {
        SubmissionIdentity { instance_id, deprecated_id }
    })
}

/// One interview in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub interview_id: String,
    /// The instanceID the submission carries (the interview id unless it is an edit).
    pub instance_id: String,
    /// For an edit: the instanceID of the acknowledged submission it replaces.
    pub deprecated_id: Option<String>,
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
/// first), passing over those in `had_a_turn` while any other is due, so that within one run
/// every waiting item is tried before any is tried again. Marks it `sending`, counts the
/// attempt, and returns its interview id.
pub fn claim_next(
    tx: &Transaction<'_>,
    now_ms: i64,
    had_a_turn: &std::collections::HashSet<String>,
) -> Result<Option<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT interview_id FROM outbox
         WHERE state = 'queued' OR (state = 'retry_later' AND next_attempt_at <= ?1)
         ORDER BY state = 'retry_later', queued_at, interview_id",
    )?;
    let mut first_due = None;
    let mut chosen = None;
    let mut rows = stmt.query([now_ms])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        if !had_a_turn.contains(&id) {
            chosen = Some(id);
            break;
        }
        first_due.get_or_insert(id);
    }
    drop(rows);
    let id = chosen.or(first_due);
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
#[cfg(any(test, feature = "internals"))]
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
        "SELECT interview_id, coalesce(instance_id, interview_id), deprecated_id, state, attempts,
                next_attempt_at, reason
         FROM outbox ORDER BY queued_at, interview_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            OutboxItem {
                interview_id: r.get(0)?,
                instance_id: r.get(1)?,
                deprecated_id: r.get(2)?,
                state: OutboxState::Queued,
                attempts: r.get(4)?,
                next_attempt_at: r.get(5)?,
                reason: r.get(6)?,
            },
            r.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (item, state) = row?;
        Ok(OutboxItem { state: OutboxState::parse(&state)?, ..item })
    })
    .collect()
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
        forms::{self, StoredForm},
        interviews::{self, InterviewState, StoredInterview},
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
        let row = store.write(|tx| forms::install_form(tx, &form, 0)).unwrap();
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
            let done = interviews::Finalized::plain(id, "<d/>", "{}");
            store.write(|tx| interviews::finalize(tx, id, &done, i as i64)).unwrap();
        }
        (dir, store)
    }

    #[test]
    fn items_are_claimed_in_order_and_a_crash_mid_send_requeues_them() {
        let (_dir, store) = store_with_finalized(&["a", "b"]);
        assert_eq!(
            store.write(|tx| claim_next(tx, 10, &Default::default())).unwrap().as_deref(),
            Some("a")
        );
        assert_eq!(
            store.write(|tx| claim_next(tx, 10, &Default::default())).unwrap().as_deref(),
            Some("b")
        );
        assert_eq!(
            store.write(|tx| claim_next(tx, 10, &Default::default())).unwrap(),
            None,
            "both are sending"
        );
        assert_eq!(store.write(recover_interrupted).unwrap(), 2);
        let again = store.write(|tx| claim_next(tx, 10, &Default::default())).unwrap();
        assert_eq!(again.as_deref(), Some("a"));
        let items = store.read(items).unwrap();
        assert_eq!((items[0].state, items[0].attempts), (OutboxState::Sending, 2));
    }

    #[test]
    fn retries_wait_for_their_time_sent_and_needs_person_stay_put() {
        let (_dir, store) = store_with_finalized(&["a", "b", "c"]);
        for _ in 0..3 {
            store.write(|tx| claim_next(tx, 0, &Default::default())).unwrap();
        }
        store.write(|tx| mark_sent(tx, "a", 5)).unwrap();
        store.write(|tx| mark_retry(tx, "b", 1_000, "server busy")).unwrap();
        store.write(|tx| mark_needs_person(tx, "c", "log in again / masuk lagi")).unwrap();
        assert_eq!(store.write(|tx| claim_next(tx, 999, &Default::default())).unwrap(), None);
        assert_eq!(
            store.write(|tx| claim_next(tx, 1_000, &Default::default())).unwrap().as_deref(),
            Some("b")
        );
        store.write(|tx| requeue(tx, "c")).unwrap();
        assert_eq!(
            store.write(|tx| claim_next(tx, 1_000, &Default::default())).unwrap().as_deref(),
            Some("c")
        );
        let states: Vec<OutboxState> = store.read(items).unwrap().iter().map(|i| i.state).collect();
        assert_eq!(states, [OutboxState::Sent, OutboxState::Sending, OutboxState::Sending]);
    }

    #[test]
    fn every_due_item_has_a_turn_before_any_item_is_tried_again() {
        let (_dir, store) = store_with_finalized(&["a", "b"]);
        let mut had_a_turn = std::collections::HashSet::new();
        let first = store.write(|tx| claim_next(tx, 0, &had_a_turn)).unwrap().unwrap();
        assert_eq!(first, "a");
        // "a" failed and is due again at once (a server asking for no wait at all).
        store.write(|tx| mark_retry(tx, "a", 0, "busy")).unwrap();
        store.write(|tx| requeue(tx, "a")).unwrap();
        had_a_turn.insert(first);
        let second = store.write(|tx| claim_next(tx, 0, &had_a_turn)).unwrap();
        assert_eq!(second.as_deref(), Some("b"), "b goes before a goes again");
        had_a_turn.insert("b".into());
        let third = store.write(|tx| claim_next(tx, 0, &had_a_turn)).unwrap();
        assert_eq!(third.as_deref(), Some("a"), "once everyone had a turn, a may go again");
    }

    #[test]
    fn an_unknown_stored_state_is_an_error_not_a_queued_item() {
        let (_dir, store) = store_with_finalized(&["a"]);
        store
            .write(|tx| {
                tx.execute_batch(
                    "PRAGMA ignore_check_constraints = ON;
                     UPDATE outbox SET state = 'teleported';
                     PRAGMA ignore_check_constraints = OFF;",
                )?;
                Ok(())
            })
            .unwrap();
        let error = store.read(items).unwrap_err();
        assert!(
            matches!(&error, crate::store::Error::UnknownStoredValue { value, .. } if value == "teleported"),
            "{error}"
        );
    }

    #[test]
    fn an_edit_after_acknowledgement_gets_a_new_identity_naming_the_old_one() {
        let (_dir, store) = store_with_finalized(&["a"]);
        let fresh = || "uuid:fresh".to_owned();
        let queued = store.read(|c| identity_for_next_finalize(c, "a", fresh)).unwrap();
        assert_eq!(queued, SubmissionIdentity { instance_id: "a".into(), deprecated_id: None });
        store.write(|tx| claim_next(tx, 0, &Default::default())).unwrap();
        store.write(|tx| mark_sent(tx, "a", 1)).unwrap();
        let edit = store.read(|c| identity_for_next_finalize(c, "a", fresh)).unwrap();
        assert_eq!(
            edit,
            SubmissionIdentity {
                instance_id: "uuid:fresh".into(),
                deprecated_id: Some("a".into())
            }
        );
        let never_queued = store.read(|c| identity_for_next_finalize(c, "zz", fresh)).unwrap();
        assert_eq!(never_queued.instance_id, "zz");
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
