//! One received interview as a pengawas reads it: the answers by section as the form shows
//! them (relevant questions only, choice labels), each answer that differs from the prelist or
//! from the returned version it corrects marked with the earlier value, members the prelist had
//! and the interview does not, the rule findings with the enumerator's reasons, the photos, the
//! house's point beside the prelist's, and the review history. Built by the form engine from
//! the stored XML; the receiver keeps each form loaded once per publication.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value as Json;
use verivali_form::{definition::ExternalInstances, session::Form};
use verivali_rules::review::view;

use super::{
    queue::QueueRow,
    store::{self, Event},
};

/// One interview, ready to show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InterviewDetail {
    pub summary: QueueRow,
    /// The correction that replaced this version, if any.
    pub replaced_by: Option<String>,
    /// The version this one is an edit of.
    pub edit_of: Option<String>,
    pub sections: Vec<SectionView>,
    /// Repeat instances (members) the prelist had and the interview does not.
    pub removed: Vec<String>,
    pub findings: Vec<FindingView>,
    pub photos: Vec<String>,
    pub location: Option<LocationView>,
    pub history: Vec<Event>,
    /// Why the answers cannot be shown (an encrypted submission, a form that no longer loads).
    pub unreadable: Option<String>,
}

impl InterviewDetail {
    /// How many answers differ from the prelist (an added member counts by its answers given,
    /// a removed one once).
    pub fn changed_from_prelist(&self) -> usize {
        let answered_new = |a: &&AnswerView| a.added && !a.value.trim().is_empty();
        self.answers().filter(|a| a.prelist.is_some() || answered_new(a)).count()
            + self.removed.len()
    }

    pub fn answers(&self) -> impl Iterator<Item = &AnswerView> {
        self.sections.iter().flat_map(|s| s.answers.iter())
    }
}

pub use verivali_rules::review::view::{AnswerView, FindingView, LocationView, SectionView};

/// Forms loaded for reading submissions, each once per publication.
#[derive(Default)]
pub struct FormCache {
    loaded: Mutex<HashMap<String, (i64, Arc<Form>)>>,
}

impl FormCache {
    /// The form `form_id` as published now, loaded with its media.
    pub fn get(&self, conn: &Connection, form_id: &str) -> Result<Option<Arc<Form>>, String> {
        let Some((xml, published_at)) = conn
            .query_row("SELECT xml, published_at FROM forms WHERE form_id = ?1", [form_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, form)) = loaded.get(form_id)
            && *at == published_at
        {
            return Ok(Some(Arc::clone(form)));
        }
        let media = StoredMedia { conn, form_id };
        let form = Arc::new(Form::load(&xml, &media).map_err(|e| e.to_string())?);
        loaded.insert(form_id.to_owned(), (published_at, Arc::clone(&form)));
        Ok(Some(form))
    }
}

/// A published form's media files, for the form engine's external instances.
pub(crate) struct StoredMedia<'a> {
    pub conn: &'a Connection,
    pub form_id: &'a str,
}

impl ExternalInstances for StoredMedia<'_> {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        let name = src.rsplit('/').next()?;
        crate::store::media_bytes(self.conn, self.form_id, name).ok().flatten()
    }
}

/// What showing one interview needs from the database, read under its lock; the form engine's
/// work ([`build`]) then runs without it, so a large submission never holds up the receiver.
pub struct Gathered {
    detail: InterviewDetail,
    xml: Vec<u8>,
    previous_xml: Option<Vec<u8>>,
    prelist: Option<Json>,
    form: Result<Option<Arc<Form>>, String>,
}

/// The interview `instance_id` as a pengawas reads it; `None` when there is no such version.
pub fn detail(
    conn: &Connection,
    forms: &FormCache,
    instance_id: &str,
) -> rusqlite::Result<Option<InterviewDetail>> {
    Ok(gather(conn, forms, instance_id)?.map(build))
}

/// Reads what [`build`] needs for `instance_id`.
pub fn gather(
    conn: &Connection,
    forms: &FormCache,
    instance_id: &str,
) -> rusqlite::Result<Option<Gathered>> {
    let Some(summary) = summary(conn, instance_id)? else { return Ok(None) };
    let (xml, edit_of): (Vec<u8>, Option<String>) = conn.query_row(
        "SELECT xml, deprecated_id FROM submissions WHERE instance_id = ?1",
        [instance_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let previous_xml = match &edit_of {
        Some(previous) => conn
            .query_row("SELECT xml FROM submissions WHERE instance_id = ?1", [previous], |r| {
                r.get(0)
            })
            .optional()?,
        None => None,
    };
    let prelist = match &summary.household {
        Some(id) => prelist_record(conn, id)?,
        None => None,
    };
    let form = forms.get(conn, &summary.form_id);
    let detail = InterviewDetail {
        replaced_by: store::replaced_by(conn, instance_id)?,
        edit_of,
        sections: Vec::new(),
        removed: Vec::new(),
        findings: view::findings(
            super::attachment(conn, instance_id, super::CHECKS_FILE)?.as_deref(),
        ),
        photos: photos(conn, instance_id)?,
        location: None,
        history: store::history(conn, instance_id)?,
        unreadable: None,
        summary,
    };
    Ok(Some(Gathered { detail, xml, previous_xml, prelist, form }))
}

/// The answers by section, the changes, the location: the form engine's part, no database.
pub fn build(gathered: Gathered) -> InterviewDetail {
    let Gathered { mut detail, xml, previous_xml, prelist, form } = gathered;
    let form = match form {
        Ok(Some(form)) => form,
        Ok(None) => {
            return unreadable(detail, "formulir tidak diterbitkan / the form is not published");
        }
        Err(why) => {
            let why = format!("formulir tidak dapat dimuat / the form cannot be loaded: {why}");
            return unreadable(detail, &why);
        }
    };
    let now = verivali_core::api::now_ms();
    let Some(read) = view::read(&form, &xml, previous_xml.as_deref(), prelist.as_ref(), now) else {
        return unreadable(detail, "terenkripsi atau tidak terbaca / encrypted or not readable");
    };
    detail.sections = read.sections;
    detail.removed = read.removed;
    detail.location = read.location;
    detail
}

fn unreadable(mut detail: InterviewDetail, why: &str) -> InterviewDetail {
    detail.unreadable = Some(why.to_owned());
    detail
}

/// A queue row for one version, whatever its state.
pub fn summary(conn: &Connection, instance_id: &str) -> rusqlite::Result<Option<QueueRow>> {
    conn.query_row(
        &format!("SELECT {} FROM reviews r WHERE r.instance_id = ?1", super::queue::ROW_COLUMNS),
        [instance_id],
        super::queue::row,
    )
    .optional()
}

fn prelist_record(conn: &Connection, id_dtks: &str) -> rusqlite::Result<Option<Json>> {
    Ok(conn
        .query_row("SELECT record FROM prelist WHERE id_dtks = ?1", [id_dtks], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// The names of the photos the submission carries.
fn photos(conn: &Connection, instance_id: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT name FROM attachments WHERE instance_id = ?1
         AND (lower(name) LIKE '%.jpg' OR lower(name) LIKE '%.jpeg' OR lower(name) LIKE '%.png')
         ORDER BY name",
    )?
    .query_map([instance_id], |r| r.get(0))?
    .collect()
}
