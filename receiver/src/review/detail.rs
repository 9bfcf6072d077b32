//! One received interview as a pengawas reads it: the answers by section as the form shows
//! them (relevant questions only, choice labels), each answer that differs from the prelist or
//! from the returned version it corrects marked with the earlier value, members the prelist had
//! and the interview does not, the rule findings with the enumerator's reasons, the photos, the
//! house's point beside the prelist's, and the review history. Built by the form engine from
//! the stored XML; the receiver keeps each form loaded once per publication.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, PoisonError},
};

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value as Json;
use verivali_form::{
    definition::ExternalInstances,
    geo::Geopoint,
    session::{Clock, Form, QuestionKind, Screen, Session},
};

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

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SectionView {
    pub title: String,
    pub answers: Vec<AnswerView>,
}

/// One answered question.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnswerView {
    pub reference: String,
    pub label: String,
    /// As the form shows it (a choice's label with its value).
    pub shown: String,
    pub value: String,
    pub kind: &'static str,
    /// The prelist's value, when the answer differs from it.
    pub prelist: Option<String>,
    /// In a repeat instance the prelist did not have (a member added).
    pub added: bool,
    /// The returned version's value, when this correction changed it.
    pub before_correction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FindingView {
    pub rule: String,
    pub severity: String,
    pub reference: Option<String>,
    pub message: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocationView {
    pub house: Option<String>,
    pub prelist: Option<String>,
    pub metres: Option<f64>,
}

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

struct StoredMedia<'a> {
    conn: &'a Connection,
    form_id: &'a str,
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
        findings: findings(super::attachment(conn, instance_id, super::CHECKS_FILE)?.as_deref()),
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
    let Some(session) = session_of(&form, &xml) else {
        return unreadable(detail, "terenkripsi atau tidak terbaca / encrypted or not readable");
    };
    let before = previous_xml.map(|xml| values_of(&form, &xml)).unwrap_or_default();
    let flat = prelist.as_ref().map(|record| Flat::of(record, &session)).unwrap_or_default();
    detail.sections = sections(&session, &flat, &before);
    let present: BTreeSet<String> =
        session.node_snapshots().into_iter().map(|n| n.reference).collect();
    detail.removed = flat.instances.iter().filter(|i| !present.contains(*i)).cloned().collect();
    detail.location = location(&form, &session, prelist.as_ref());
    detail
}

fn unreadable(mut detail: InterviewDetail, why: &str) -> InterviewDetail {
    detail.unreadable = Some(why.to_owned());
    detail
}

fn session_of(form: &Arc<Form>, xml: &[u8]) -> Option<Session> {
    let text = std::str::from_utf8(xml).ok()?;
    let clock = Clock { now_ms: verivali_core::api::now_ms(), tz_offset_minutes: 0, seed: 0 };
    Session::resume(Arc::clone(form), clock, text).ok()
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

/// Every leaf value of a stored version, by indexed reference.
fn values_of(form: &Arc<Form>, xml: &[u8]) -> HashMap<String, String> {
    session_of(form, xml)
        .map(|session| {
            session
                .node_snapshots()
                .into_iter()
                .filter_map(|n| Some((n.reference, n.value?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A prelist record flattened to the references the interview uses: each leaf's value, each
/// repeat instance it has, and the repeats it holds (to tell an added member).
#[derive(Default)]
struct Flat {
    leaves: HashMap<String, String>,
    instances: Vec<String>,
    repeats: HashMap<String, usize>,
}

impl Flat {
    fn of(record: &Json, session: &Session) -> Flat {
        let root = format!("/{}", session.document().get(session.document().root()).name);
        let mut flat = Flat::default();
        flat.walk(&root, record);
        flat
    }

    fn walk(&mut self, at: &str, value: &Json) {
        match value {
            Json::Object(fields) => {
                for (key, value) in fields {
                    self.walk(&format!("{at}/{key}"), value);
                }
            }
            Json::Array(items) => {
                self.repeats.insert(at.to_owned(), items.len());
                for (i, item) in items.iter().enumerate() {
                    let instance = format!("{at}[{}]", i + 1);
                    self.instances.push(instance.clone());
                    self.walk(&instance, item);
                }
            }
            Json::Null => {}
            Json::String(text) => {
                self.leaves.insert(at.to_owned(), text.clone());
            }
            other => {
                self.leaves.insert(at.to_owned(), other.to_string());
            }
        }
    }

    /// Whether `reference` lies in a repeat instance past those the prelist had.
    fn is_added(&self, reference: &str) -> bool {
        self.repeats.iter().any(|(repeat, count)| {
            reference
                .strip_prefix(repeat.as_str())
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split(']').next())
                .and_then(|index| index.parse::<usize>().ok())
                .is_some_and(|index| index > *count)
        })
    }
}

fn sections(session: &Session, flat: &Flat, before: &HashMap<String, String>) -> Vec<SectionView> {
    let Ok(screens) = session.screens() else { return Vec::new() };
    let mut sections: Vec<SectionView> = Vec::new();
    for screen in screens {
        let Screen::Questions { section, questions, .. } = screen else { continue };
        let title = section.unwrap_or_else(|| "-".into());
        if sections.last().is_none_or(|s| s.title != title) {
            sections.push(SectionView { title, answers: Vec::new() });
        }
        let answers = &mut sections.last_mut().expect("pushed above").answers;
        for q in questions.into_iter().filter(|q| q.kind != QuestionKind::Note) {
            let prelist =
                flat.leaves.get(&q.reference).filter(|p| p.trim() != q.value.trim()).cloned();
            // An answer the returned version did not have shows as changed from nothing.
            let before_correction = match before.get(&q.reference) {
                _ if before.is_empty() => None,
                Some(b) if b.trim() == q.value.trim() => None,
                Some(b) => Some(b.clone()),
                None => Some(String::new()),
            };
            answers.push(AnswerView {
                shown: shown(&q.value, &q.choices, q.kind),
                kind: kind_name(q.kind),
                added: flat.is_added(&q.reference),
                prelist,
                before_correction,
                label: q.label,
                value: q.value,
                reference: q.reference,
            });
        }
    }
    sections.retain(|s| !s.answers.is_empty());
    sections
}

fn shown(value: &str, choices: &[verivali_form::session::Choice], kind: QuestionKind) -> String {
    let label = |v: &str| {
        choices
            .iter()
            .find(|c| c.value == v)
            .map_or_else(|| v.to_owned(), |c| format!("{} ({v})", c.label))
    };
    match kind {
        QuestionKind::SelectOne if !value.is_empty() => label(value.trim()),
        QuestionKind::SelectMultiple => {
            value.split_whitespace().map(label).collect::<Vec<_>>().join("; ")
        }
        _ => value.to_owned(),
    }
}

fn kind_name(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Photo => "photo",
        QuestionKind::Geopoint => "geopoint",
        QuestionKind::SelectOne | QuestionKind::SelectMultiple => "select",
        QuestionKind::Date | QuestionKind::DateTime | QuestionKind::Time => "date",
        _ => "text",
    }
}

/// The findings of a `verivali-checks.json`, with the enumerator's reasons.
fn findings(checks: Option<&[u8]>) -> Vec<FindingView> {
    let Some(parsed) = checks.and_then(|c| serde_json::from_slice::<Json>(c).ok()) else {
        return Vec::new();
    };
    let text = |v: &Json, key: &str| v.get(key).and_then(Json::as_str).map(str::to_owned);
    parsed
        .get("findings")
        .and_then(Json::as_array)
        .map(|all| {
            all.iter()
                .map(|f| FindingView {
                    rule: text(f, "rule").unwrap_or_default(),
                    severity: text(f, "severity").unwrap_or_default(),
                    reference: text(f, "reference"),
                    message: f
                        .get("message")
                        .map(|m| {
                            let id = text(m, "id").unwrap_or_default();
                            let en = text(m, "en").unwrap_or_default();
                            format!("{id} / {en}")
                        })
                        .unwrap_or_default(),
                    reason: text(f, "reason"),
                })
                .collect()
        })
        .unwrap_or_default()
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

fn location(form: &Form, session: &Session, prelist: Option<&Json>) -> Option<LocationView> {
    let path = form
        .def
        .binds
        .iter()
        .find(|b| b.role.as_deref() == Some("house_location"))
        .map(|b| b.nodeset.clone());
    let house = path.and_then(|p| session.value_at(&p)).filter(|v| !v.trim().is_empty());
    let prelist_point =
        prelist.and_then(|r| r.pointer("/lokasi/titik")).and_then(Json::as_str).map(str::to_owned);
    if house.is_none() && prelist_point.is_none() {
        return None;
    }
    let metres = match (&house, &prelist_point) {
        (Some(h), Some(p)) => match (Geopoint::parse(h), Geopoint::parse(p)) {
            (Ok(h), Ok(p)) => Some(h.distance_m(&p).round()),
            _ => None,
        },
        _ => None,
    };
    Some(LocationView { house, prelist: prelist_point, metres })
}
