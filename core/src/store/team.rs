//! What a phone keeps of offline hand-overs (issue 18, ADR 0023): the keys whose bundles it
//! accepts (its team's phones, its pengawas), the bundles it carries until a server takes them
//! (its own and those received), the team's interviews received by bundle (on a pengawas's
//! phone), and the pengawas's decisions on them until they travel back by bundle.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::error::Result;

/// Objects added in v7.
pub(crate) const TEAM_V7: &str = r#"
-- When a finalized interview left in a bundle: a correction after that is an edit with a new
-- instanceID, as after an upload, since the handed version will reach the server.
ALTER TABLE outbox ADD COLUMN handed_at INTEGER;
-- Public keys (hex) whose bundles this phone accepts, with a label a person recognises.
CREATE TABLE trusted_keys (
    public_key TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    pengawas   INTEGER NOT NULL DEFAULT 0,
    added_at   INTEGER NOT NULL
);
-- Bundle files this phone carries until a server took them: written here (own = 1) or
-- received from the team. The file is a copy under the data folder.
CREATE TABLE carried_bundles (
    sha256        TEXT PRIMARY KEY,
    file          TEXT NOT NULL,
    passphrase    TEXT NOT NULL,
    signer_device TEXT NOT NULL,
    own           INTEGER NOT NULL,
    submissions   INTEGER NOT NULL,
    decisions     INTEGER NOT NULL,
    added_at      INTEGER NOT NULL,
    relayed_at    INTEGER,
    problem       TEXT
);
CREATE TABLE carried_instances (
    bundle      TEXT NOT NULL REFERENCES carried_bundles(sha256) ON DELETE CASCADE,
    instance_id TEXT NOT NULL,
    PRIMARY KEY (bundle, instance_id)
);
-- The team's interviews received by bundle, as their phones signed them.
CREATE TABLE team_submissions (
    instance_id   TEXT PRIMARY KEY,
    bundle        TEXT NOT NULL,
    signer_device TEXT NOT NULL,
    signer_label  TEXT NOT NULL,
    form_id       TEXT NOT NULL,
    version       TEXT NOT NULL,
    deprecated_id TEXT,
    xml           BLOB NOT NULL,
    checks        BLOB,
    imported_at   INTEGER NOT NULL
);
CREATE TABLE team_attachments (
    instance_id TEXT NOT NULL REFERENCES team_submissions(instance_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    PRIMARY KEY (instance_id, name)
);
-- A pengawas's decision on a team interview; returns travel back by bundle.
CREATE TABLE team_decisions (
    instance_id TEXT PRIMARY KEY REFERENCES team_submissions(instance_id),
    state       TEXT NOT NULL CHECK (state IN ('approved', 'returned')),
    decided_at  INTEGER NOT NULL,
    note        TEXT,
    comments    TEXT NOT NULL
);
-- Back-checks (ADR 0024): households the pengawas picked beyond the sample, and the answers the
-- pengawas got on the back-check visit (JSON, by question key), once given.
CREATE TABLE team_backchecks (
    instance_id TEXT PRIMARY KEY REFERENCES team_submissions(instance_id),
    picked      INTEGER NOT NULL DEFAULT 0,
    answers     TEXT,
    done_at     INTEGER
);
"#;

/// A key this phone trusts: its label, and whether it is the team's pengawas (whose returns
/// reopen this phone's interviews).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted {
    pub public_key: String,
    pub label: String,
    pub pengawas: bool,
    pub added_at: i64,
}

/// Whether bundles signed by `public_key` are accepted here, and as whose.
pub fn trusted_label(conn: &Connection, public_key: &str) -> Result<Option<Trusted>> {
    Ok(trusted(conn)?.into_iter().find(|t| t.public_key == public_key))
}

/// Trusts `public_key` under `label`, as a pengawas's or not (a second call updates both).
pub fn trust(
    tx: &Transaction<'_>,
    public_key: &str,
    label: &str,
    pengawas: bool,
    now_ms: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO trusted_keys (public_key, label, pengawas, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (public_key) DO UPDATE SET label = ?2, pengawas = ?3",
        params![public_key, label, pengawas, now_ms],
    )?;
    Ok(())
}

/// The trusted keys, by label.
pub fn trusted(conn: &Connection) -> Result<Vec<Trusted>> {
    Ok(conn
        .prepare("SELECT public_key, label, pengawas, added_at FROM trusted_keys ORDER BY label")?
        .query_map([], |r| {
            Ok(Trusted {
                public_key: r.get(0)?,
                label: r.get(1)?,
                pengawas: r.get(2)?,
                added_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// A bundle file this phone carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    pub sha256: String,
    pub file: String,
    pub passphrase: String,
    pub own: bool,
    /// A pengawas's decisions in it: the receiver needs those whatever the outbox did.
    pub decisions: u32,
}

/// Records a carried bundle and the instanceIDs in it (once per file content).
pub fn carry(
    tx: &Transaction<'_>,
    carried: &Carried,
    signer_device: &str,
    instances: &[String],
    now_ms: i64,
) -> Result<bool> {
    let added = tx.execute(
        "INSERT OR IGNORE INTO carried_bundles
             (sha256, file, passphrase, signer_device, own, submissions, decisions, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            carried.sha256,
            carried.file,
            carried.passphrase,
            signer_device,
            carried.own,
            instances.len() as i64,
            carried.decisions,
            now_ms
        ],
    )?;
    for instance_id in instances {
        tx.execute(
            "INSERT OR IGNORE INTO carried_instances (bundle, instance_id) VALUES (?1, ?2)",
            params![carried.sha256, instance_id],
        )?;
    }
    Ok(added > 0)
}

/// Bundles a server has not taken yet and that it needs: every received one, an own one with
/// a pengawas's decisions, and an own one when one of its interviews is no longer waiting in
/// the outbox as it was handed (a correction replaced it), since the outbox sends the others
/// itself.
pub fn to_relay(conn: &Connection) -> Result<Vec<Carried>> {
    Ok(conn
        .prepare(
            "SELECT b.sha256, b.file, b.passphrase, b.own, b.decisions FROM carried_bundles b
             WHERE b.relayed_at IS NULL AND (b.own = 0 OR b.decisions > 0 OR EXISTS (
                 SELECT 1 FROM carried_instances c WHERE c.bundle = b.sha256 AND NOT EXISTS (
                     SELECT 1 FROM outbox o WHERE o.instance_id = c.instance_id)))
             ORDER BY b.added_at, b.rowid",
        )?
        .query_map([], carried_row)?
        .collect::<rusqlite::Result<_>>()?)
}

fn carried_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Carried> {
    Ok(Carried {
        sha256: r.get(0)?,
        file: r.get(1)?,
        passphrase: r.get(2)?,
        own: r.get(3)?,
        decisions: r.get(4)?,
    })
}

/// Own bundles whose interviews the outbox has all sent itself: no longer needed.
pub fn own_delivered(conn: &Connection) -> Result<Vec<Carried>> {
    Ok(conn
        .prepare(
            "SELECT b.sha256, b.file, b.passphrase, b.own, b.decisions FROM carried_bundles b
             WHERE b.relayed_at IS NULL AND b.own = 1 AND b.decisions = 0 AND NOT EXISTS (
                 SELECT 1 FROM carried_instances c WHERE c.bundle = b.sha256 AND NOT EXISTS (
                     SELECT 1 FROM outbox o WHERE o.instance_id = c.instance_id AND o.state = 'sent'))",
        )?
        .query_map([], carried_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The server took `sha256` (or no longer needs it).
pub fn relayed(tx: &Transaction<'_>, sha256: &str, now_ms: i64) -> Result<()> {
    tx.execute(
        "UPDATE carried_bundles SET relayed_at = ?2, problem = NULL WHERE sha256 = ?1",
        params![sha256, now_ms],
    )?;
    Ok(())
}

/// The server refused `sha256` for a reason a person must see; it stays carried.
pub fn relay_problem(tx: &Transaction<'_>, sha256: &str, problem: &str) -> Result<()> {
    tx.execute(
        "UPDATE carried_bundles SET problem = ?2 WHERE sha256 = ?1",
        params![sha256, problem],
    )?;
    Ok(())
}

/// Marks the outbox rows of `instances` as handed over in a bundle.
pub fn handed(tx: &Transaction<'_>, instances: &[String], now_ms: i64) -> Result<()> {
    for instance_id in instances {
        tx.execute(
            "UPDATE outbox SET handed_at = coalesce(handed_at, ?2) WHERE instance_id = ?1",
            params![instance_id, now_ms],
        )?;
    }
    Ok(())
}

/// A pengawas's decision on a team interview, as it travels in a bundle (JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub instance_id: String,
    /// `approved` or `returned`.
    pub state: String,
    pub decided_at: i64,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub comments: Vec<super::returns::ReturnComment>,
}

/// The most comments one decision carries, and the longest text kept.
pub const MAX_COMMENTS: usize = 500;
pub const MAX_COMMENT_CHARS: usize = 2_000;

impl Decision {
    /// A known state, a return with at least one comment with text, within bounds.
    pub fn is_valid(&self) -> bool {
        let texts_fit = self.comments.iter().all(|c| c.text.chars().count() <= MAX_COMMENT_CHARS)
            && self.note.as_deref().is_none_or(|n| n.chars().count() <= MAX_COMMENT_CHARS);
        let commented = self.comments.iter().any(|c| !c.text.trim().is_empty());
        let state_fits = match self.state.as_str() {
            "approved" => true,
            "returned" => commented,
            _ => false,
        };
        state_fits && texts_fit && self.comments.len() <= MAX_COMMENTS
    }

    /// The return it is, as the receiver would list it to the enumerator's phone.
    pub fn as_return(&self) -> Option<super::returns::ReturnNotice> {
        (self.state == "returned").then(|| super::returns::ReturnNotice {
            instance_id: self.instance_id.clone(),
            returned_at: self.decided_at,
            note: self.note.clone(),
            comments: self.comments.clone(),
        })
    }
}

/// Records a decision (the caller checked it against the review model).
pub fn decide(tx: &Transaction<'_>, decision: &Decision) -> Result<()> {
    tx.execute(
        "INSERT INTO team_decisions (instance_id, state, decided_at, note, comments)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            decision.instance_id,
            decision.state,
            decision.decided_at,
            decision.note,
            serde_json::to_string(&decision.comments).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    Ok(())
}

/// Every decision made on this phone.
pub fn decisions(conn: &Connection) -> Result<Vec<Decision>> {
    Ok(conn
        .prepare(
            "SELECT instance_id, state, decided_at, note, comments FROM team_decisions
             ORDER BY instance_id",
        )?
        .query_map([], |r| {
            let comments: String = r.get(4)?;
            Ok(Decision {
                instance_id: r.get(0)?,
                state: r.get(1)?,
                decided_at: r.get(2)?,
                note: r.get(3)?,
                comments: serde_json::from_str(&comments).unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// One team interview as the pengawas's list needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    pub instance_id: String,
    pub signer_label: String,
    pub form_id: String,
    pub version: String,
    pub deprecated_id: Option<String>,
    pub xml: Vec<u8>,
    pub checks: Option<Vec<u8>>,
    pub imported_at: i64,
    pub decision: Option<String>,
}

/// The columns [`team_row`] reads, from `team_submissions t` joined with `team_decisions d`.
const TEAM_ROW_SQL: &str = "SELECT t.instance_id, t.signer_label, t.form_id, t.version, t.deprecated_id,
        t.xml, t.checks, t.imported_at, d.state
 FROM team_submissions t LEFT JOIN team_decisions d ON d.instance_id = t.instance_id";

fn team_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TeamRow> {
    Ok(TeamRow {
        instance_id: r.get(0)?,
        signer_label: r.get(1)?,
        form_id: r.get(2)?,
        version: r.get(3)?,
        deprecated_id: r.get(4)?,
        xml: r.get(5)?,
        checks: r.get(6)?,
        imported_at: r.get(7)?,
        decision: r.get(8)?,
    })
}

/// The team's interviews, the newest import first, with this phone's decision on each.
pub fn team_rows(conn: &Connection) -> Result<Vec<TeamRow>> {
    let sql = format!("{TEAM_ROW_SQL} ORDER BY t.imported_at DESC, t.instance_id");
    Ok(conn.prepare(&sql)?.query_map([], team_row)?.collect::<rusqlite::Result<_>>()?)
}

/// The seed of this phone's spot-check sample (made once; a pengawas may set the office's).
pub fn review_seed(tx: &Transaction<'_>) -> Result<u64> {
    let existing: Option<String> = tx
        .query_row("SELECT value FROM device_settings WHERE name = 'review_seed'", [], |r| r.get(0))
        .optional()?;
    if let Some(seed) = existing.and_then(|s| s.parse().ok()) {
        return Ok(seed);
    }
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| super::Error::Random(e.to_string()))?;
    let seed = u64::from_be_bytes(bytes) >> 1;
    tx.execute(
        "INSERT OR REPLACE INTO device_settings (name, value) VALUES ('review_seed', ?1)",
        [seed.to_string()],
    )?;
    Ok(seed)
}

/// One team interview as stored.
pub fn team_submission(conn: &Connection, instance_id: &str) -> Result<Option<TeamRow>> {
    let sql = format!("{TEAM_ROW_SQL} WHERE t.instance_id = ?1");
    Ok(conn.query_row(&sql, [instance_id], team_row).optional()?)
}

/// The XML of a team interview, when this phone has it.
pub fn team_xml(conn: &Connection, instance_id: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT xml FROM team_submissions WHERE instance_id = ?1", [instance_id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The names of a team interview's photos.
pub fn photo_names(conn: &Connection, instance_id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare(
            "SELECT name FROM team_attachments WHERE instance_id = ?1
             AND (lower(name) LIKE '%.jpg' OR lower(name) LIKE '%.jpeg' OR lower(name) LIKE '%.png')
             ORDER BY name",
        )?
        .query_map([instance_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// One attachment of a team interview.
pub fn attachment(conn: &Connection, instance_id: &str, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM team_attachments WHERE instance_id = ?1 AND name = ?2",
            [instance_id, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// A back-check as it travels in a bundle (JSON): the pengawas's answers by question key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackcheckRecord {
    pub instance_id: String,
    pub answers: std::collections::BTreeMap<String, String>,
    pub done_at: i64,
}

/// The most answers one back-check carries, and the longest answer kept.
pub const MAX_BACKCHECK_ANSWERS: usize = 100;
pub const MAX_BACKCHECK_ANSWER_CHARS: usize = 500;

impl BackcheckRecord {
    pub fn is_valid(&self) -> bool {
        self.answers.len() <= MAX_BACKCHECK_ANSWERS
            && self.answers.iter().all(|(k, v)| {
                k.chars().count() <= MAX_BACKCHECK_ANSWER_CHARS
                    && v.chars().count() <= MAX_BACKCHECK_ANSWER_CHARS
            })
    }
}

/// Back-check state of each team interview that has one: (instanceID, picked, answers).
pub fn backchecks(conn: &Connection) -> Result<Vec<(String, bool, Option<BackcheckRecord>)>> {
    Ok(conn
        .prepare("SELECT instance_id, picked, answers, done_at FROM team_backchecks ORDER BY instance_id")?
        .query_map([], |r| {
            let id: String = r.get(0)?;
            let answers: Option<String> = r.get(2)?;
            let done_at: Option<i64> = r.get(3)?;
            let record = match (answers, done_at) {
                (Some(a), Some(done_at)) => Some(BackcheckRecord {
                    instance_id: id.clone(),
                    answers: serde_json::from_str(&a).unwrap_or_default(),
                    done_at,
                }),
                _ => None,
            };
            Ok((id, r.get(1)?, record))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Picks a team interview for a back-check beyond the sample.
pub fn pick_backcheck(tx: &Transaction<'_>, instance_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO team_backchecks (instance_id, picked) VALUES (?1, 1)
         ON CONFLICT (instance_id) DO UPDATE SET picked = 1",
        [instance_id],
    )?;
    Ok(())
}

/// Records a back-check's answers, once: `false` when it was answered before.
pub fn record_backcheck(tx: &Transaction<'_>, record: &BackcheckRecord) -> Result<bool> {
    let answers = serde_json::to_string(&record.answers).unwrap_or_else(|_| "{}".into());
    let changed = tx.execute(
        "INSERT INTO team_backchecks (instance_id, picked, answers, done_at) VALUES (?1, 0, ?2, ?3)
         ON CONFLICT (instance_id) DO UPDATE SET answers = ?2, done_at = ?3 WHERE done_at IS NULL",
        params![record.instance_id, answers, record.done_at],
    )?;
    Ok(changed > 0)
}

/// Sets the edits whose replaced version only an undelivered own bundle carries to wait until
/// `until`; returns how many.
pub fn hold_edits_of_undelivered(tx: &Transaction<'_>, until: i64) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE outbox SET state = 'retry_later', next_attempt_at = ?1,
                reason = 'Menunggu bundel yang diserahkan sampai di server / Waiting for the handed-over bundle to reach the server'
         WHERE state IN ('queued', 'retry_later') AND deprecated_id IN (
             SELECT c.instance_id FROM carried_instances c
             JOIN carried_bundles b ON b.sha256 = c.bundle
             WHERE b.own = 1 AND b.relayed_at IS NULL)",
        [until],
    )?)
}

/// Whether this phone carries any bundle a server has not taken.
pub fn carries_any(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM carried_bundles WHERE relayed_at IS NULL)",
        [],
        |r| r.get(0),
    )?)
}
