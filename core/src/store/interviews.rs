//! Interviews: drafts, finalized and returned. The forms they answer are in
//! [`super::forms`].
//!
//! Every answer is saved in its own transaction before the call that made it returns, so a
//! killed app loses at most the answer being typed. A finalized interview is read-only until a
//! supervisor returns it: the update statements only touch drafts and returned interviews.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::error::{Error, Result};

/// Where an interview stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterviewState {
    Draft,
    Finalized,
    /// Returned by a supervisor: editable again.
    Returned,
}

impl InterviewState {
    fn as_str(self) -> &'static str {
        match self {
            InterviewState::Draft => "draft",
            InterviewState::Finalized => "finalized",
            InterviewState::Returned => "returned",
        }
    }

    fn parse(text: &str) -> InterviewState {
        match text {
            "finalized" => InterviewState::Finalized,
            "returned" => InterviewState::Returned,
            _ => InterviewState::Draft,
        }
    }
}

/// An interview as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInterview {
    pub id: String,
    pub form_row: i64,
    pub id_dtks: Option<String>,
    pub state: InterviewState,
    pub instance_xml: String,
    pub preload: Option<String>,
    pub checks: Option<String>,
    pub position: Option<String>,
    pub updated_at: i64,
}

/// Saves a new draft.
pub fn insert_interview(tx: &Transaction<'_>, interview: &StoredInterview) -> Result<()> {
    tx.execute(
        "INSERT INTO interviews (id, form, id_dtks, state, instance_xml, preload, checks, position, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            interview.id,
            interview.form_row,
            interview.id_dtks,
            interview.state.as_str(),
            interview.instance_xml,
            interview.preload,
            interview.checks,
            interview.position,
            interview.updated_at,
        ],
    )?;
    Ok(())
}

/// Saves a draft's instance after an answer; refused once the interview is finalized.
pub fn save_draft(
    tx: &Transaction<'_>,
    id: &str,
    instance_xml: &str,
    position: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    let changed = tx.execute(
        "UPDATE interviews SET instance_xml = ?2, position = ?3, updated_at = ?4
         WHERE id = ?1 AND state IN ('draft', 'returned')",
        params![id, instance_xml, position, now_ms],
    )?;
    editable(tx, id, changed)
}

/// What finalizing saves and queues.
#[derive(Debug, Clone, Copy)]
pub struct Finalized<'a> {
    /// The whole instance, as a draft stores it.
    pub instance_xml: &'a str,
    /// What goes to the server (non-relevant answers pruned).
    pub submission_xml: &'a str,
    /// The rule outcomes with the enumerator's reasons.
    pub checks_json: &'a str,
    /// The instanceID (and deprecatedID) the submission carries.
    pub instance_id: &'a str,
    pub deprecated_id: Option<&'a str>,
    /// The checks attachment's name when the form declares it; `None` sends no checks file.
    pub checks_file: Option<&'a str>,
    /// The encrypted-submission key and manifest when the form encrypts (ADR 0014).
    pub encryption: Option<&'a str>,
}

impl<'a> Finalized<'a> {
    /// A plain submission under the interview's own id, with no checks file.
    #[cfg(any(test, feature = "internals"))]
    pub fn plain(id: &'a str, xml: &'a str, checks_json: &'a str) -> Finalized<'a> {
        Finalized {
            instance_xml: xml,
            submission_xml: xml,
            checks_json,
            instance_id: id,
            deprecated_id: None,
            checks_file: None,
            encryption: None,
        }
    }
}

/// Finalizes: the last instance, the rule outcomes with reasons; read-only from here on, and
/// queued for upload in the same transaction.
pub fn finalize(tx: &Transaction<'_>, id: &str, done: &Finalized<'_>, now_ms: i64) -> Result<()> {
    let changed = tx.execute(
        "UPDATE interviews SET instance_xml = ?2, checks = ?3, state = 'finalized',
                updated_at = ?4, finalized_at = ?4
         WHERE id = ?1 AND state IN ('draft', 'returned')",
        params![id, done.instance_xml, done.checks_json, now_ms],
    )?;
    editable(tx, id, changed)?;
    // Into the outbox in the same transaction: finalized means queued, never one without the
    // other. A returned-and-refinalized interview is queued again, under the identity the
    // caller chose (a new instanceID once the server had acknowledged the previous one).
    tx.execute(
        "INSERT INTO outbox (interview_id, submission_xml, state, queued_at, instance_id,
                             deprecated_id, checks_file, encryption)
         VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (interview_id) DO UPDATE SET submission_xml = ?2, state = 'queued',
             attempts = 0, next_attempt_at = NULL, reason = NULL, queued_at = ?3, sent_at = NULL,
             handed_at = NULL, instance_id = ?4, deprecated_id = ?5, checks_file = ?6, encryption = ?7",
        params![
            id,
            done.submission_xml,
            now_ms,
            done.instance_id,
            done.deprecated_id,
            done.checks_file,
            done.encryption
        ],
    )?;
    Ok(())
}

/// A supervisor sends a finalized interview back to the enumerator.
pub fn return_interview(tx: &Transaction<'_>, id: &str, now_ms: i64) -> Result<()> {
    let changed = tx.execute(
        "UPDATE interviews SET state = 'returned', updated_at = ?2 WHERE id = ?1 AND state = 'finalized'",
        params![id, now_ms],
    )?;
    if changed == 0 {
        return Err(Error::NoInterview(id.to_owned()));
    }
    Ok(())
}

/// The enumerator reopens a finalized interview to correct it. What it does with the upload:
/// never tried nor handed over in a bundle, it leaves the outbox (nothing left the phone, so the
/// correction goes out as the first submission); acknowledged or handed over, it stays and the
/// next finalize sends an edit under a new instanceID. Tried but not acknowledged, the server may hold it already, so reopening
/// waits until the upload is settled.
pub fn reopen_for_correction(tx: &Transaction<'_>, id: &str, now_ms: i64) -> Result<()> {
    let upload: Option<(String, i64, bool)> = tx
        .query_row(
            "SELECT state, attempts, handed_at IS NOT NULL FROM outbox WHERE interview_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match upload.as_ref().map(|(state, attempts, handed)| (state.as_str(), *attempts, *handed)) {
        // Handed over in a bundle, it will reach the server as it was: kept, like a sent one,
        // so that the correction goes out as an edit.
        None | Some(("sent", _, _)) | Some(("queued", 0, true)) => {}
        Some(("queued", 0, false)) => {
            tx.execute("DELETE FROM outbox WHERE interview_id = ?1", [id])?;
        }
        Some(_) => return Err(Error::UploadUnsettled),
    }
    return_interview(tx, id, now_ms)
}

fn editable(tx: &Transaction<'_>, id: &str, changed: usize) -> Result<()> {
    if changed == 1 {
        return Ok(());
    }
    let exists: bool =
        tx.query_row("SELECT count(*) FROM interviews WHERE id = ?1", [id], |r| {
            r.get::<_, i64>(0)
        })? > 0;
    Err(if exists { Error::InterviewFinalized } else { Error::NoInterview(id.to_owned()) })
}

/// An interview by id.
pub fn interview(conn: &Connection, id: &str) -> Result<Option<StoredInterview>> {
    Ok(conn
        .query_row(
            "SELECT id, form, id_dtks, state, instance_xml, preload, checks, position, updated_at
             FROM interviews WHERE id = ?1",
            [id],
            |r| {
                Ok(StoredInterview {
                    id: r.get(0)?,
                    form_row: r.get(1)?,
                    id_dtks: r.get(2)?,
                    state: InterviewState::parse(&r.get::<_, String>(3)?),
                    instance_xml: r.get(4)?,
                    preload: r.get(5)?,
                    checks: r.get(6)?,
                    position: r.get(7)?,
                    updated_at: r.get(8)?,
                })
            },
        )
        .optional()?)
}

/// The interviews of a household (newest first), or of new households when `id_dtks` is None.
pub fn interviews_of(
    conn: &Connection,
    id_dtks: Option<&str>,
) -> Result<Vec<(String, InterviewState)>> {
    let mut stmt = conn
        .prepare("SELECT id, state FROM interviews WHERE id_dtks IS ?1 ORDER BY updated_at DESC")?;
    let rows = stmt.query_map([id_dtks], |r| {
        Ok((r.get(0)?, InterviewState::parse(&r.get::<_, String>(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// An interview for the household list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewRow {
    pub id: String,
    pub id_dtks: Option<String>,
    pub state: InterviewState,
    /// The outbox state as stored, once finalized.
    pub upload: Option<String>,
}

/// Every interview with its household, state and upload state (if queued), newest first.
pub fn summaries(conn: &Connection) -> Result<Vec<InterviewRow>> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.id_dtks, i.state, o.state FROM interviews i
         LEFT JOIN outbox o ON o.interview_id = i.id ORDER BY i.updated_at DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(InterviewRow {
            id: r.get(0)?,
            id_dtks: r.get(1)?,
            state: InterviewState::parse(&r.get::<_, String>(2)?),
            upload: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        Store,
        forms::{StoredForm, form, install_form, latest_form},
        test_support::test_key,
    };

    fn form_v(version: &str, xml: &str) -> StoredForm {
        StoredForm {
            row: 0,
            form_id: "dtks_verivali".into(),
            version: version.into(),
            title: "DTKS".into(),
            xml: xml.into(),
            media: vec![("desa.csv".into(), b"name,label\n1,A\n".to_vec())],
        }
    }

    fn draft(id: &str, form_row: i64) -> StoredInterview {
        StoredInterview {
            id: id.into(),
            form_row,
            id_dtks: Some("H-1".into()),
            state: InterviewState::Draft,
            instance_xml: "<data/>".into(),
            preload: Some("{}".into()),
            checks: None,
            position: None,
            updated_at: 1,
        }
    }

    #[test]
    fn versions_are_kept_reinstalling_is_a_no_op_and_changed_content_needs_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let v1 = store.write(|tx| install_form(tx, &form_v("1", "<a/>"), 1)).unwrap();
        let again = store.write(|tx| install_form(tx, &form_v("1", "<a/>"), 2)).unwrap();
        assert_eq!(v1, again);
        let err = store.write(|tx| install_form(tx, &form_v("1", "<b/>"), 3)).unwrap_err();
        assert!(matches!(err, Error::FormVersionConflict { .. }), "{err}");
        let v2 = store.write(|tx| install_form(tx, &form_v("2", "<b/>"), 4)).unwrap();
        assert_eq!(store.read(|c| latest_form(c, "dtks_verivali")).unwrap(), Some(v2));
        let old = store.read(|c| form(c, v1)).unwrap().unwrap();
        assert_eq!((old.xml.as_str(), old.media.len()), ("<a/>", 1));
    }

    #[test]
    fn a_finalized_interview_refuses_changes_until_returned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let row = store.write(|tx| install_form(tx, &form_v("1", "<a/>"), 1)).unwrap();
        store.write(|tx| insert_interview(tx, &draft("uuid:1", row))).unwrap();
        store.write(|tx| save_draft(tx, "uuid:1", "<data>1</data>", Some("/data/a"), 2)).unwrap();
        store
            .write(|tx| {
                finalize(tx, "uuid:1", &Finalized::plain("uuid:1", "<data>2</data>", "{}"), 3)
            })
            .unwrap();
        let queued: String = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT state FROM outbox WHERE interview_id = 'uuid:1'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(queued, "queued", "finalizing queues the interview in the same transaction");
        let err =
            store.write(|tx| save_draft(tx, "uuid:1", "<data>3</data>", None, 4)).unwrap_err();
        assert!(matches!(err, Error::InterviewFinalized), "{err}");
        let stored = store.read(|c| interview(c, "uuid:1")).unwrap().unwrap();
        assert_eq!(
            (stored.state, stored.instance_xml.as_str()),
            (InterviewState::Finalized, "<data>2</data>")
        );
        store.write(|tx| return_interview(tx, "uuid:1", 5)).unwrap();
        store.write(|tx| save_draft(tx, "uuid:1", "<data>4</data>", None, 6)).unwrap();
        let missing = store.write(|tx| save_draft(tx, "uuid:9", "<x/>", None, 7)).unwrap_err();
        assert!(matches!(missing, Error::NoInterview(_)));
    }
}
