//! Where review state lives in the receiver's database (schema version 4): each received
//! version's state and why the sample picked it (with what the queue shows and filters by,
//! copied from the submission so that the queue never reads the submissions' XML), every
//! action as an event with who and when,
//! the comments of each return, and the sample's seed. The sample is drawn when a submission is
//! stored, in the same transaction, so an acknowledged interview always has its review row.
//! Nothing here is ever deleted or rewritten except the current state of a review.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::{Value as Json, json};

use super::model::{
    self, Action, Candidate, Comment, ReviewError, ReviewState, SampleReason, SampleRules,
};

/// Schema version 4: review state, events, comments and the sample's settings; forms remember
/// the house location's path and whether their paths were read by this build.
pub(crate) const V4: &str = r#"
ALTER TABLE forms ADD COLUMN location_path TEXT;
ALTER TABLE forms ADD COLUMN described INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN household TEXT;
CREATE INDEX submissions_by_deprecated ON submissions (deprecated_id);
CREATE TABLE reviews (
    instance_id TEXT PRIMARY KEY REFERENCES submissions(instance_id),
    state       TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    current     INTEGER NOT NULL DEFAULT 1,
    received_at INTEGER NOT NULL,
    form_id     TEXT NOT NULL,
    enumerator  TEXT NOT NULL,
    desa        TEXT,
    household   TEXT,
    status      TEXT,
    edit_of     TEXT,
    corrects    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reviews_by_state ON reviews (current, state, received_at, instance_id);
CREATE INDEX reviews_by_time ON reviews (current, received_at, instance_id);
CREATE INDEX reviews_by_enumerator ON reviews (enumerator, current, received_at);
CREATE INDEX reviews_by_desa ON reviews (desa, current);
CREATE TABLE review_reasons (
    instance_id TEXT NOT NULL REFERENCES reviews(instance_id),
    code        TEXT NOT NULL
);
CREATE INDEX review_reasons_by_code ON review_reasons (code, instance_id);
CREATE TABLE review_events (
    id          INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES submissions(instance_id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    state       TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX review_events_by_instance ON review_events (instance_id, id);
CREATE TABLE review_comments (
    event_id  INTEGER NOT NULL REFERENCES review_events(id),
    reference TEXT,
    text      TEXT NOT NULL
);
CREATE INDEX review_comments_by_event ON review_comments (event_id);
CREATE TABLE review_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Who draws the sample and records a version's arrival.
pub const RECEIVER_ACTOR: &str = "receiver";

/// What the sample needs from a submission beyond what the store keeps, read when it arrives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arrival {
    /// The prelist household it is about (its ID DTKS).
    pub household: Option<String>,
    /// The form tags an ID DTKS field and this submission has none.
    pub new_household: bool,
    /// The house's point, as the submission gives it.
    pub house_point: Option<String>,
    /// Rule ids of warnings confirmed with a reason (the checks attachment).
    pub confirmed_warnings: Vec<String>,
}

/// The interview a newly stored version belongs to.
pub struct Arrived<'a> {
    pub instance_id: &'a str,
    pub form_id: &'a str,
    pub enumerator: &'a str,
    pub desa: Option<&'a str>,
    pub received_at: i64,
    pub status: Option<&'a str>,
    pub deprecated_id: Option<&'a str>,
    pub arrival: &'a Arrival,
}

/// The sample's rules kept in the database; the seed is drawn once, when first needed.
pub fn sample_rules(tx: &Connection) -> rusqlite::Result<SampleRules> {
    let defaults = SampleRules::default();
    let seed = match setting(tx, "seed")? {
        Some(seed) => seed.parse().unwrap_or(0),
        None => {
            let seed = fresh_seed();
            set_setting(tx, "seed", &seed.to_string())?;
            seed
        }
    };
    let number = |name: &str, default: f64| -> rusqlite::Result<f64> {
        Ok(setting(tx, name)?.and_then(|v| v.parse().ok()).unwrap_or(default))
    };
    Ok(SampleRules {
        seed,
        random_share: number("random_share", defaults.random_share)?,
        far_from_prelist_m: number("far_from_prelist_m", defaults.far_from_prelist_m)?,
    })
}

/// Changes the sample's rules for interviews that arrive from now on (those already drawn keep
/// their state and reasons).
pub fn set_sample_rules(conn: &Connection, rules: &SampleRules) -> rusqlite::Result<()> {
    set_setting(conn, "seed", &rules.seed.to_string())?;
    set_setting(conn, "random_share", &rules.random_share.to_string())?;
    set_setting(conn, "far_from_prelist_m", &rules.far_from_prelist_m.to_string())
}

fn fresh_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Without an OS random source the seed is still kept, so the sample stays reproducible.
        return verivali_core::api::now_ms() as u64;
    }
    u64::from_be_bytes(bytes)
}

fn setting(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM review_settings WHERE name = ?1", [name], |r| r.get(0))
        .optional()
}

fn set_setting(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO review_settings (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// Draws the sample for a version just stored and records its arrival: a correction of a
/// returned interview always waits; anything else waits when the sample picks it.
pub fn on_received(tx: &Transaction<'_>, arrived: &Arrived<'_>, now: i64) -> rusqlite::Result<()> {
    let rules = sample_rules(tx)?;
    let previous_state = match arrived.deprecated_id {
        Some(previous) => state_of(tx, previous)?,
        None => None,
    };
    let corrects_returned = previous_state == Some(ReviewState::Returned);
    // The enumerator's own edit of something a pengawas has (or had) in hand: review it again.
    let edits_reviewed =
        matches!(previous_state, Some(ReviewState::Waiting | ReviewState::Approved));
    let prelist_point = match &arrived.arrival.household {
        Some(id) => tx
            .query_row(
                "SELECT json_extract(record, '$.lokasi.titik') FROM prelist WHERE id_dtks = ?1",
                [id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten(),
        None => None,
    };
    let candidate = Candidate {
        instance_id: arrived.instance_id.to_owned(),
        enumerator: arrived.enumerator.to_owned(),
        status: arrived.status.map(str::to_owned),
        new_household: arrived.arrival.new_household,
        confirmed_warnings: arrived.arrival.confirmed_warnings.clone(),
        house_point: arrived.arrival.house_point.clone(),
        prelist_point,
    };
    let mut reasons = model::sample_reasons(&candidate, &rules);
    if corrects_returned || edits_reviewed {
        reasons.retain(|r| *r != SampleReason::Random);
        let why = if corrects_returned { SampleReason::Correction } else { SampleReason::Edit };
        reasons.insert(0, why);
    }
    let state = model::initial_state(corrects_returned || edits_reviewed, &reasons);
    if let Some(previous) = arrived.deprecated_id {
        tx.execute("UPDATE reviews SET current = 0 WHERE instance_id = ?1", [previous])?;
        let kept = previous_state.unwrap_or(ReviewState::NotSampled);
        let note = format!("diganti oleh / replaced by {}", arrived.instance_id);
        record_event(tx, previous, RECEIVER_ACTOR, "replaced", kept, Some(&note), now)?;
    }
    tx.execute(
        "INSERT INTO reviews (instance_id, state, reasons, updated_at, received_at, form_id,
                              enumerator, desa, household, status, edit_of, corrects)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            arrived.instance_id,
            state.as_str(),
            reasons_json(&reasons),
            now,
            arrived.received_at,
            arrived.form_id,
            arrived.enumerator,
            arrived.desa,
            arrived.arrival.household,
            arrived.status,
            arrived.deprecated_id,
            corrects_returned
        ],
    )?;
    add_reasons(tx, arrived.instance_id, &reasons)?;
    record_event(tx, arrived.instance_id, RECEIVER_ACTOR, "received", state, None, now)?;
    Ok(())
}

/// Each reason's code in the index the queue filters by.
fn add_reasons(
    tx: &Connection,
    instance_id: &str,
    reasons: &[SampleReason],
) -> rusqlite::Result<()> {
    for reason in reasons {
        tx.execute(
            "INSERT INTO review_reasons (instance_id, code) VALUES (?1, ?2)",
            params![instance_id, reason.code()],
        )?;
    }
    Ok(())
}

/// A submission's checks file arrived after the submission itself (an upload split in parts):
/// its confirmed warnings join the reasons, and an interview the sample left out now waits.
pub fn checks_arrived(
    tx: &Transaction<'_>,
    instance_id: &str,
    warnings: &[String],
    now: i64,
) -> rusqlite::Result<()> {
    let Some(state) = state_of(tx, instance_id)? else { return Ok(()) };
    let known: Vec<String> = tx
        .prepare("SELECT code FROM review_reasons WHERE instance_id = ?1")?
        .query_map([instance_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let new: Vec<SampleReason> = warnings
        .iter()
        .map(|rule| SampleReason::ConfirmedWarning(rule.clone()))
        .filter(|reason| !known.contains(&reason.code()))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    add_reasons(tx, instance_id, &new)?;
    for reason in &new {
        tx.execute(
            "UPDATE reviews SET reasons = json_insert(reasons, '$[#]', json_object('code', ?2))
             WHERE instance_id = ?1",
            params![instance_id, reason.code()],
        )?;
    }
    if state == ReviewState::NotSampled {
        tx.execute(
            "UPDATE reviews SET state = 'waiting', updated_at = ?2 WHERE instance_id = ?1",
            params![instance_id, now],
        )?;
        record_event(tx, instance_id, RECEIVER_ACTOR, "sampled", ReviewState::Waiting, None, now)?;
    }
    Ok(())
}

fn reasons_json(reasons: &[SampleReason]) -> String {
    let items: Vec<Json> = reasons
        .iter()
        .map(|reason| match reason {
            SampleReason::FarFromPrelist { metres } => {
                json!({"code": reason.code(), "metres": metres.round()})
            }
            _ => json!({"code": reason.code()}),
        })
        .collect();
    Json::Array(items).to_string()
}

/// The reasons' codes, as stored.
pub fn reason_codes(stored: &str) -> Vec<String> {
    serde_json::from_str::<Vec<Json>>(stored)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let code = r.get("code")?.as_str()?;
            Some(match r.get("metres").and_then(Json::as_f64) {
                Some(metres) => format!("{code} ({metres:.0} m)"),
                None => code.to_owned(),
            })
        })
        .collect()
}

fn record_event(
    tx: &Connection,
    instance_id: &str,
    actor: &str,
    action: &str,
    state: ReviewState,
    note: Option<&str>,
    now: i64,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO review_events (instance_id, at, actor, action, state, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![instance_id, now, actor, action, state.as_str(), note],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The review state of a received version, if it has one.
pub fn state_of(conn: &Connection, instance_id: &str) -> rusqlite::Result<Option<ReviewState>> {
    Ok(conn
        .query_row("SELECT state FROM reviews WHERE instance_id = ?1", [instance_id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|s| ReviewState::parse(&s)))
}

/// Why a review action was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("Tidak ada wawancara {0} di server ini / There is no interview {0} on this server")]
    Unknown(String),
    #[error(
        "Wawancara {0} sudah diganti oleh koreksi {1}; periksa versi terbaru / Interview {0} was replaced by the correction {1}; review the newest version"
    )]
    Superseded(String, String),
    #[error("{0}")]
    Refused(#[from] ReviewError),
    #[error("{0}")]
    Store(#[from] rusqlite::Error),
}

/// Takes `action` on the current version `instance_id` as `actor`, in one transaction; returns
/// the new state.
pub fn act(
    conn: &mut Connection,
    instance_id: &str,
    actor: &str,
    action: &Action,
    note: Option<&str>,
    now: i64,
) -> Result<ReviewState, ActError> {
    // Immediate: a terminal action waits for the running receiver's writes instead of failing.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let next = act_in(&tx, instance_id, actor, action, note, now)?;
    tx.commit()?;
    Ok(next)
}

/// [`act`] inside the caller's transaction (a pengawas's decisions arriving in a bundle).
pub fn act_in(
    tx: &Transaction<'_>,
    instance_id: &str,
    actor: &str,
    action: &Action,
    note: Option<&str>,
    now: i64,
) -> Result<ReviewState, ActError> {
    let state = state_of(tx, instance_id)?.ok_or_else(|| ActError::Unknown(instance_id.into()))?;
    if let Some(newer) = replaced_by(tx, instance_id)? {
        return Err(ActError::Superseded(instance_id.into(), newer));
    }
    let next = model::next(state, action)?;
    let name = match action {
        Action::Queue => "queue",
        Action::Approve => "approve",
        Action::Return { .. } => "return",
    };
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let event = record_event(tx, instance_id, actor, name, next, note, now)?;
    if let Action::Return { comments } = action {
        for comment in comments.iter().filter(|c| !c.text.trim().is_empty()) {
            tx.execute(
                "INSERT INTO review_comments (event_id, reference, text) VALUES (?1, ?2, ?3)",
                params![event, comment.reference, comment.text.trim()],
            )?;
        }
    }
    let mut reasons_update = "";
    if action == &Action::Queue {
        reasons_update = ", reasons = json_insert(reasons, '$[#]', json_object('code', 'picked'))";
        tx.execute(
            "INSERT INTO review_reasons (instance_id, code) VALUES (?1, 'picked')",
            [instance_id],
        )?;
    }
    tx.execute(
        &format!(
            "UPDATE reviews SET state = ?2, updated_at = ?3{reasons_update} WHERE instance_id = ?1"
        ),
        params![instance_id, next.as_str(), now],
    )?;
    Ok(next)
}

/// The correction that replaced `instance_id`, if any.
pub fn replaced_by(conn: &Connection, instance_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT instance_id FROM submissions WHERE deprecated_id = ?1",
        [instance_id],
        |r| r.get(0),
    )
    .optional()
}

/// One recorded review action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub state: String,
    pub note: Option<String>,
    pub comments: Vec<StoredComment>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredComment {
    pub reference: Option<String>,
    pub text: String,
}

/// Every action on `instance_id`, oldest first, with the comments of each return.
pub fn history(conn: &Connection, instance_id: &str) -> rusqlite::Result<Vec<Event>> {
    let mut events = conn
        .prepare(
            "SELECT id, at, actor, action, state, note FROM review_events
             WHERE instance_id = ?1 ORDER BY id",
        )?
        .query_map([instance_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Event {
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    state: r.get(4)?,
                    note: r.get(5)?,
                    comments: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, event) in &mut events {
        event.comments = comments_of_event(conn, *id)?;
    }
    Ok(events.into_iter().map(|(_, e)| e).collect())
}

fn comments_of_event(conn: &Connection, event: i64) -> rusqlite::Result<Vec<StoredComment>> {
    conn.prepare("SELECT reference, text FROM review_comments WHERE event_id = ?1 ORDER BY rowid")?
        .query_map([event], |r| Ok(StoredComment { reference: r.get(0)?, text: r.get(1)? }))?
        .collect()
}

/// A returned interview waiting for its device's correction, as the device fetches it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Returned {
    pub instance_id: String,
    pub returned_at: i64,
    pub note: Option<String>,
    pub comments: Vec<StoredComment>,
}

/// The interviews `device` sent that a pengawas returned and no correction has replaced yet.
pub fn returned_to_device(conn: &Connection, device: &str) -> rusqlite::Result<Vec<Returned>> {
    let rows = conn
        .prepare(
            "SELECT r.instance_id,
                    (SELECT max(id) FROM review_events e
                     WHERE e.instance_id = r.instance_id AND e.action = 'return')
             FROM reviews r JOIN submissions s ON s.instance_id = r.instance_id
             WHERE r.current = 1 AND r.state = 'returned' AND s.device = ?1
             ORDER BY r.received_at",
        )?
        .query_map([device], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (instance_id, event) in rows {
        let Some(event) = event else { continue };
        let (at, note): (i64, Option<String>) =
            conn.query_row("SELECT at, note FROM review_events WHERE id = ?1", [event], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        out.push(Returned {
            instance_id,
            returned_at: at,
            note,
            comments: comments_of_event(conn, event)?,
        });
    }
    Ok(out)
}

/// Parses `REF=TEXT` comments as the terminal takes them (`-` or an empty REF: the whole
/// interview).
pub fn parse_comment(text: &str) -> Comment {
    match text.split_once('=') {
        Some((reference, body)) if reference.trim().starts_with('/') => {
            Comment { reference: Some(reference.trim().to_owned()), text: body.trim().to_owned() }
        }
        Some((reference, body)) if reference.trim().is_empty() || reference.trim() == "-" => {
            Comment { reference: None, text: body.trim().to_owned() }
        }
        _ => Comment { reference: None, text: text.trim().to_owned() },
    }
}
