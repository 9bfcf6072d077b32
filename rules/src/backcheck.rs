//! Back-checks (issue 18, docs/adr/0024-back-checks.md): a pengawas re-asks a few questions of
//! a sample of households and compares. Which questions, the form says with
//! `verivali:backcheck` on their binds:
//! - `yes` on a field: the question as the form asks it (its labels and choices);
//! - `count` on a repeat: how many instances there are (for the members' repeat, how many live
//!   in the household now: members whose `member_status` is 1 or 4);
//! - `head` on a field in the members' repeat: that field of the household head (the member
//!   whose `relationship` is 1).
//!
//! The questions are built from the form alone, on an empty instance, so nothing the enumerator
//! answered can show in them (a label's `<output>` included); the enumerator's answers are read
//! only to compare, after the pengawas answered. Pure: the phone and the receiver use the same
//! code, so their rates agree.

use std::{collections::BTreeMap, sync::Arc};

use sha2::{Digest, Sha256};
use verivali_form::{
    definition::{Control, FormDef},
    dom::{Document, NodeId},
    session::{Clock, Form, Session},
};

/// The default share of households drawn for a back-check.
pub const DEFAULT_SHARE: f64 = 0.05;

/// What a back-check question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    Choice,
    Text,
    Number,
    /// A NIK or No. KK: compared by its digits.
    Digits,
}

/// How a question's first answer is read from the enumerator's instance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Field(String),
    /// The repeat's path; its member-status field, if the repeat has one.
    Count {
        repeat: String,
        status: Option<String>,
    },
    /// The repeat's path, the field's name, and the relationship field's name.
    Head {
        repeat: String,
        field: String,
        relationship: String,
    },
}

/// One back-check question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable across phones and the receiver: `field:/data/…`, `count:/data/members`,
    /// `head:/data/members/nik`.
    pub key: String,
    /// Bahasa Indonesia, then English.
    pub label_id: String,
    pub label_en: String,
    pub input: Input,
    /// Value and label (Bahasa Indonesia) of each choice, for a choice question.
    pub choices: Vec<(String, String)>,
    source: Source,
}

/// The back-check questions of `form`, in form order; empty when no bind is tagged.
pub fn questions(form: &Arc<Form>) -> Vec<Question> {
    let def = &form.def;
    let tagged: Vec<_> = def.binds.iter().filter(|b| b.backcheck.is_some()).collect();
    if tagged.is_empty() {
        return Vec::new();
    }
    let Some(mut session) = blank_session(form, &tagged) else { return Vec::new() };
    let mut out = Vec::new();
    for control in def.controls() {
        let Some(reference) = control.reference.as_deref() else { continue };
        let Some(bind) = tagged.iter().find(|b| b.nodeset == reference) else { continue };
        let how = bind.backcheck.as_deref().unwrap_or_default();
        // A repeat is written as a group and a repeat with the same reference: ask it once.
        if let Some(question) = question(def, &mut session, control, reference, how)
            && !out.iter().any(|q: &Question| q.key == question.key)
        {
            out.push(question);
        }
    }
    out
}

/// An empty instance of the form with one instance of each tagged repeat, where labels and
/// choices are rendered without any answer.
fn blank_session(form: &Arc<Form>, tagged: &[&verivali_form::definition::Bind]) -> Option<Session> {
    let clock = Clock { now_ms: 0, tz_offset_minutes: 0, seed: 0 };
    let mut session = Session::start(Arc::clone(form), clock).ok()?;
    let repeats: Vec<String> = form
        .def
        .controls()
        .into_iter()
        .filter(|c| c.repeat.is_some())
        .filter_map(|c| c.reference.clone())
        .filter(|r| {
            tagged.iter().any(|b| b.nodeset.starts_with(&format!("{r}/")) || &b.nodeset == r)
        })
        .collect();
    for repeat in repeats {
        if session.resolve(&format!("{repeat}[1]")).is_none() {
            let _ = session.add_repeat(&repeat);
        }
    }
    Some(session)
}

fn question(
    def: &FormDef,
    session: &mut Session,
    control: &Control,
    reference: &str,
    how: &str,
) -> Option<Question> {
    let (language_id, language_en) = languages(def);
    if how == "count" {
        let status = role_path_under(def, reference, "member_status");
        return Some(Question {
            key: format!("count:{reference}"),
            label_id: "Berapa anggota rumah tangga yang tinggal di sini sekarang?".into(),
            label_en: "How many household members live here now?".into(),
            input: Input::Number,
            choices: Vec::new(),
            source: Source::Count { repeat: reference.to_owned(), status },
        });
    }
    let node_ref = indexed(def, reference);
    let node = session.resolve(&node_ref)?;
    let label_in = |session: &mut Session, language: &Option<String>| {
        if let Some(language) = language {
            session.set_language(language);
        }
        control.label.as_ref().map(|l| session.label_text(l, node)).unwrap_or_default()
    };
    let mut label_id = label_in(session, &language_id);
    let choices: Vec<(String, String)> = control
        .choices
        .as_ref()
        .and_then(|c| session.choices(c, node).ok())
        .map(|all| all.into_iter().map(|c| (c.value, c.label)).collect())
        .unwrap_or_default();
    let mut label_en = label_in(session, &language_en);
    let role = def.bind(reference).and_then(|b| b.role.clone()).unwrap_or_default();
    let input = if control.choices.is_some() {
        Input::Choice
    } else if matches!(role.as_str(), "nik" | "no_kk") {
        Input::Digits
    } else {
        Input::Text
    };
    let source = if how == "head" {
        let (repeat, field) = reference.rsplit_once('/')?;
        let relationship = role_path_under(def, repeat, "relationship")?;
        label_id.push_str(" — kepala rumah tangga");
        label_en.push_str(" — household head");
        Source::Head {
            repeat: repeat.to_owned(),
            field: field.to_owned(),
            relationship: relationship.rsplit('/').next()?.to_owned(),
        }
    } else {
        Source::Field(reference.to_owned())
    };
    let prefix = if how == "head" { "head" } else { "field" };
    Some(Question {
        key: format!("{prefix}:{reference}"),
        label_id,
        label_en,
        input,
        choices,
        source,
    })
}

/// The Indonesian and English language names of the form, when it has them.
fn languages(def: &FormDef) -> (Option<String>, Option<String>) {
    let find =
        |code: &str| def.itext.languages.iter().find(|l| l.contains(&format!("({code})"))).cloned();
    (find("id").or_else(|| def.itext.default_language.clone()), find("en"))
}

/// `/data/members/nama` as `/data/members[1]/nama` when it lies in a tagged repeat.
fn indexed(def: &FormDef, reference: &str) -> String {
    let repeat = def
        .controls()
        .into_iter()
        .filter(|c| c.repeat.is_some())
        .filter_map(|c| c.reference.clone())
        .find(|r| reference.starts_with(&format!("{r}/")));
    match repeat {
        Some(r) => format!("{r}[1]{}", &reference[r.len()..]),
        None => reference.to_owned(),
    }
}

/// The path of the bind with `role` directly under `repeat`.
fn role_path_under(def: &FormDef, repeat: &str, role: &str) -> Option<String> {
    def.binds
        .iter()
        .find(|b| {
            b.role.as_deref() == Some(role)
                && b.nodeset.rsplit_once('/').is_some_and(|(parent, _)| parent == repeat)
        })
        .map(|b| b.nodeset.clone())
}

/// The enumerator's answer to each question, from the submitted instance (empty when absent).
pub fn first_answers(questions: &[Question], instance: &Document) -> BTreeMap<String, String> {
    questions.iter().map(|q| (q.key.clone(), first_answer(&q.source, instance))).collect()
}

fn first_answer(source: &Source, doc: &Document) -> String {
    match source {
        Source::Field(path) => doc.text_at(path).unwrap_or_default(),
        Source::Count { repeat, status } => {
            let members = instances(doc, repeat);
            let status_name = status.as_deref().and_then(|s| s.rsplit('/').next());
            let living = |m: &NodeId| match status_name {
                Some(name) => doc
                    .child(*m, name)
                    .map(|n| doc.string_value(n))
                    .is_some_and(|v| matches!(v.trim(), "1" | "4")),
                None => true,
            };
            members.iter().filter(|m| living(m)).count().to_string()
        }
        Source::Head { repeat, field, relationship } => instances(doc, repeat)
            .into_iter()
            .find(|m| {
                doc.child(*m, relationship).is_some_and(|n| doc.string_value(n).trim() == "1")
            })
            .and_then(|m| doc.child(m, field))
            .map(|n| doc.string_value(n).trim().to_owned())
            .unwrap_or_default(),
    }
}

/// The instances of a repeat at an absolute path (`/data/members`).
fn instances(doc: &Document, repeat: &str) -> Vec<NodeId> {
    let Some((parent, name)) = repeat.rsplit_once('/') else { return Vec::new() };
    // The parent's steps below the root (whose name may differ from the form's).
    let mut at = doc.root();
    for step in parent.trim_start_matches('/').split('/').skip(1) {
        match doc.child(at, step) {
            Some(next) => at = next,
            None => return Vec::new(),
        }
    }
    doc.get(at)
        .children
        .iter()
        .copied()
        .filter(|&c| &*doc.get(c).name == name && doc.attribute(c, "template").is_none())
        .collect()
}

/// Whether two answers to a question agree: choices and numbers exactly, NIKs by their digits,
/// text ignoring case, punctuation and spacing.
pub fn same(input: Input, first: &str, second: &str) -> bool {
    match input {
        Input::Choice => first.trim() == second.trim(),
        Input::Number => match (first.trim().parse::<i64>(), second.trim().parse::<i64>()) {
            (Ok(a), Ok(b)) => a == b,
            _ => first.trim() == second.trim(),
        },
        Input::Digits => digits(first) == digits(second),
        Input::Text => words(first) == words(second),
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn words(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_uppercase() } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One question compared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Compared {
    pub key: String,
    pub label: String,
    pub first: String,
    pub second: String,
    pub differs: bool,
}

/// Each question the pengawas answered (a blank is "not known" and is not compared), against
/// the enumerator's answer.
pub fn compare(
    questions: &[Question],
    first: &BTreeMap<String, String>,
    second: &BTreeMap<String, String>,
) -> Vec<Compared> {
    questions
        .iter()
        .filter_map(|q| {
            let asked = second.get(&q.key).map(|s| s.trim()).filter(|s| !s.is_empty())?;
            let given = first.get(&q.key).cloned().unwrap_or_default();
            Some(Compared {
                key: q.key.clone(),
                label: format!("{} / {}", q.label_id, q.label_en),
                differs: !same(q.input, &given, asked),
                first: given,
                second: asked.to_owned(),
            })
        })
        .collect()
}

/// Questions compared and how many differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub asked: u32,
    pub differ: u32,
}

impl Tally {
    pub fn of(rows: &[Compared]) -> Tally {
        Tally { asked: rows.len() as u32, differ: rows.iter().filter(|r| r.differs).count() as u32 }
    }

    pub fn add(&mut self, other: Tally) {
        self.asked += other.asked;
        self.differ += other.differ;
    }

    /// The share of questions that differ (0 when none was asked).
    pub fn share(&self) -> f64 {
        if self.asked == 0 { 0.0 } else { f64::from(self.differ) / f64::from(self.asked) }
    }
}

/// Whether the seeded draw picks this interview for a back-check: SHA-256 of the seed, a
/// domain tag and the instanceID, as a number in [0, 1), below `share`.
pub fn drawn(seed: u64, instance_id: &str, share: f64) -> bool {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_be_bytes());
    hasher.update(b"backcheck\0");
    hasher.update(instance_id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    ((u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64) < share
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_answers_agree_ignoring_case_punctuation_and_spacing_and_niks_by_digits() {
        assert!(same(Input::Text, "Siti  Aminah", "siti aminah."));
        assert!(!same(Input::Text, "Siti Aminah", "Siti Amina"));
        assert!(same(Input::Digits, "5271 0115 0585 0003", "5271011505850003"));
        assert!(!same(Input::Digits, "5271011505850003", "5271011505850004"));
        assert!(same(Input::Number, "04", "4"));
        assert!(!same(Input::Choice, "1", "2"));
    }

    #[test]
    fn a_blank_back_check_answer_is_not_compared_and_rates_count_only_what_was_asked() {
        let q = |key: &str| Question {
            key: key.into(),
            label_id: key.into(),
            label_en: key.into(),
            input: Input::Choice,
            choices: Vec::new(),
            source: Source::Field(key.into()),
        };
        let questions = [q("a"), q("b"), q("c")];
        let first = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        let second = BTreeMap::from([
            ("a".into(), "1".into()),
            ("b".into(), "3".into()),
            ("c".into(), " ".into()),
        ]);
        let rows = compare(&questions, &first, &second);
        assert_eq!(rows.len(), 2);
        let tally = Tally::of(&rows);
        assert_eq!((tally.asked, tally.differ), (2, 1));
        assert!((tally.share() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_draw_is_reproducible_and_near_its_share() {
        let picked = (0..20_000).filter(|i| drawn(7, &format!("uuid:{i}"), 0.05)).count();
        assert_eq!(picked, (0..20_000).filter(|i| drawn(7, &format!("uuid:{i}"), 0.05)).count());
        // 5 % of 20,000 is 1,000; the standard deviation is about 31.
        assert!((850..1150).contains(&picked), "{picked}");
    }
}
