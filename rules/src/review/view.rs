//! One interview as a pengawas reads it, from its XML, the form, the prelist's record and the
//! version it corrects: the answers by section as the form shows them (relevant questions only,
//! choice labels), each answer that differs from the prelist or from the returned version marked
//! with the earlier value, members the prelist had and the interview does not, the rule
//! findings with the enumerator's reasons, and the house's point beside the prelist's. Pure, so
//! that the receiver's pages and a pengawas's phone offline (issue 18) show the same review.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use serde_json::Value as Json;
use verivali_form::{
    geo::Geopoint,
    session::{Clock, Form, QuestionKind, Screen, Session},
};

/// What the form engine reads from one interview for its review.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReadView {
    pub sections: Vec<SectionView>,
    /// Repeat instances (members) the prelist had and the interview does not.
    pub removed: Vec<String>,
    pub location: Option<LocationView>,
}

/// Reads `xml` with `form`: the answers by section against the prelist's `record` and the
/// `previous` version's answers (a correction), the removed members, the location. `None` when
/// the XML does not resume (encrypted, or not this form's).
pub fn read(
    form: &Arc<Form>,
    xml: &[u8],
    previous: Option<&[u8]>,
    record: Option<&Json>,
    now_ms: i64,
) -> Option<ReadView> {
    let session = session_of(form, xml, now_ms)?;
    let before = previous.map(|xml| values_of(form, xml, now_ms)).unwrap_or_default();
    let flat = record.map(|record| Flat::of(record, &session)).unwrap_or_default();
    let present: BTreeSet<String> =
        session.node_snapshots().into_iter().map(|n| n.reference).collect();
    Some(ReadView {
        sections: sections(&session, &flat, &before),
        removed: flat.instances.iter().filter(|i| !present.contains(*i)).cloned().collect(),
        location: location(form, &session, record),
    })
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
    pub kind: String,
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

fn session_of(form: &Arc<Form>, xml: &[u8], now_ms: i64) -> Option<Session> {
    let text = std::str::from_utf8(xml).ok()?;
    let clock = Clock { now_ms, tz_offset_minutes: 0, seed: 0 };
    Session::resume(Arc::clone(form), clock, text).ok()
}

/// Every leaf value of a stored version, by indexed reference.
fn values_of(form: &Arc<Form>, xml: &[u8], now_ms: i64) -> HashMap<String, String> {
    session_of(form, xml, now_ms)
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
                kind: kind_name(q.kind).to_owned(),
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
pub fn findings(checks: Option<&[u8]>) -> Vec<FindingView> {
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
