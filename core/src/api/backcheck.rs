//! Back-checks on the pengawas's phone (issue 18, ADR 0024): a seeded share of the team's
//! households (`Settings.backcheck_percent`, 5 % by default) plus any the pengawas picks; the back-check visit asks only the questions the
//! form tags, built from the form alone; the enumerator's answers are compared only once the
//! pengawas's are saved, and a back-check is answered once. The report per household and per
//! enumerator is the share of questions that differ, with the answers side by side; the same
//! numbers the receiver shows once the pengawas's bundle reaches it.

use std::collections::BTreeMap;

use super::{ApiResult, Verivali, VerivaliError, now_ms, team::TeamInterview};
use crate::{
    form::dom::Document,
    rules::backcheck::{self, Input, Question, Tally},
    store::team::{self, BackcheckRecord},
};

/// One household in the back-check list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckEntry {
    pub instance_id: String,
    pub enumerator: String,
    pub household: Option<String>,
    /// Drawn by the sample (else picked by the pengawas).
    pub sampled: bool,
    pub done: bool,
}

/// A back-check question: the form's label and choices, no answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckQuestion {
    pub key: String,
    /// Bahasa Indonesia, then English.
    pub label: String,
    pub label_en: String,
    /// `choice`, `text`, `number` or `digits` (a NIK).
    pub input: String,
    pub choices: Vec<BackcheckChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckChoice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckAnswer {
    pub key: String,
    /// Blank: not known; not compared.
    pub value: String,
}

/// Where one team interview stands for back-checks.
struct BackcheckStanding {
    sampled: bool,
    picked: bool,
    done: bool,
}

/// One question compared: the enumerator's answer beside the pengawas's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckRow {
    pub key: String,
    pub label: String,
    pub first: String,
    pub second: String,
    pub differs: bool,
}

/// A household's back-check, compared.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackcheckResult {
    pub instance_id: String,
    pub enumerator: String,
    pub household: Option<String>,
    pub rows: Vec<BackcheckRow>,
    pub asked: u32,
    pub differ: u32,
}

/// One enumerator's back-checks.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BackcheckRate {
    pub enumerator: String,
    pub households: u32,
    pub asked: u32,
    pub differ: u32,
    /// `differ / asked` (0 when nothing was asked).
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BackcheckReport {
    pub households: Vec<BackcheckResult>,
    pub enumerators: Vec<BackcheckRate>,
}

#[uniffi::export]
impl Verivali {
    /// The households to back-check: the sample (5 % of the team's interviews, seeded) and
    /// those the pengawas picked, with whether each is done. Corrections are not drawn: the
    /// household is the one first handed.
    pub fn backchecks(&self) -> ApiResult<Vec<BackcheckEntry>> {
        let team = self.team_interviews_as_answered()?;
        let standing = self.backcheck_standing(&team)?;
        Ok(team
            .iter()
            .zip(standing)
            .filter(|(_, s)| s.sampled || s.picked || s.done)
            .map(|(t, s)| BackcheckEntry {
                instance_id: t.instance_id.clone(),
                enumerator: t.enumerator.clone(),
                household: t.household.clone(),
                sampled: s.sampled,
                done: s.done,
            })
            .collect())
    }

    /// Adds a team interview's household to the back-checks, beyond the sample.
    pub fn pick_backcheck(&self, instance_id: String) -> ApiResult<()> {
        self.team_entry(&instance_id)?;
        self.store.write(|tx| team::pick_backcheck(tx, &instance_id))?;
        Ok(())
    }

    /// The back-check visit's questions for a household: the form's labels and choices, and
    /// nothing the enumerator answered.
    pub fn backcheck_questions(&self, instance_id: String) -> ApiResult<Vec<BackcheckQuestion>> {
        let (questions, _) = self.backcheck_form(&instance_id)?;
        Ok(questions
            .into_iter()
            .map(|q| BackcheckQuestion {
                key: q.key,
                label: q.label_id,
                label_en: q.label_en,
                input: input_name(q.input).into(),
                choices: q
                    .choices
                    .into_iter()
                    .map(|(value, label)| BackcheckChoice { value, label })
                    .collect(),
            })
            .collect())
    }

    /// Saves the back-check's answers (once) and only then compares them with the
    /// enumerator's.
    pub fn submit_backcheck(
        &self,
        instance_id: String,
        answers: Vec<BackcheckAnswer>,
    ) -> ApiResult<BackcheckResult> {
        let (questions, _) = self.backcheck_form(&instance_id)?;
        let known: Vec<&str> = questions.iter().map(|q| q.key.as_str()).collect();
        if let Some(other) = answers.iter().find(|a| !known.contains(&a.key.as_str())) {
            return Err(VerivaliError::InvalidInput {
                reason: format!(
                    "{} bukan pertanyaan cek ulang / is not a back-check question",
                    other.key
                ),
            });
        }
        let record = BackcheckRecord {
            instance_id: instance_id.clone(),
            answers: answers.into_iter().map(|a| (a.key, a.value.trim().to_owned())).collect(),
            done_at: now_ms(),
        };
        if !record.is_valid() {
            return Err(VerivaliError::InvalidInput {
                reason: "jawaban cek ulang terlalu panjang / back-check answers too long".into(),
            });
        }
        if !self.store.write(|tx| team::record_backcheck(tx, &record))? {
            return Err(VerivaliError::InvalidInput {
                reason: "cek ulang ini sudah dijawab / this back-check was answered already".into(),
            });
        }
        self.backcheck_result(instance_id)
    }

    /// A household's back-check compared; refused until the pengawas answered it, so the
    /// enumerator's answers are never shown first.
    pub fn backcheck_result(&self, instance_id: String) -> ApiResult<BackcheckResult> {
        let record = self
            .store
            .read(team::backchecks)?
            .into_iter()
            .find(|(id, _, _)| *id == instance_id)
            .and_then(|(_, _, record)| record)
            .ok_or_else(|| VerivaliError::InvalidInput {
                reason: "jawab cek ulang dulu / answer the back-check first".into(),
            })?;
        let (questions, entry) = self.backcheck_form(&instance_id)?;
        let xml = self.store.read(|c| team::team_xml(c, &instance_id))?.unwrap_or_default();
        let first = std::str::from_utf8(&xml)
            .ok()
            .and_then(|t| Document::parse(t).ok())
            .map(|doc| backcheck::first_answers(&questions, &doc))
            .unwrap_or_default();
        Ok(result(&entry, &questions, &first, &record.answers))
    }

    /// Every back-check answered, per household and per enumerator.
    pub fn backcheck_report(&self) -> ApiResult<BackcheckReport> {
        let done: Vec<String> = self
            .store
            .read(team::backchecks)?
            .into_iter()
            .filter(|(_, _, record)| record.is_some())
            .map(|(id, _, _)| id)
            .collect();
        let households: Vec<BackcheckResult> =
            done.into_iter().map(|id| self.backcheck_result(id)).collect::<ApiResult<_>>()?;
        Ok(BackcheckReport { enumerators: rates(&households), households })
    }
}

impl Verivali {
    /// The households drawn or picked for a back-check that is not answered yet.
    pub(super) fn pending_backchecks(&self, team: &[TeamInterview]) -> ApiResult<Vec<String>> {
        let standing = self.backcheck_standing(team)?;
        Ok(team
            .iter()
            .zip(standing)
            .filter(|(_, s)| (s.sampled || s.picked) && !s.done)
            .map(|(t, _)| t.instance_id.clone())
            .collect())
    }

    /// Where each of `team` stands for back-checks, in the same order: drawn by the sample
    /// (corrections never are), picked by the pengawas, answered.
    fn backcheck_standing(&self, team: &[TeamInterview]) -> ApiResult<Vec<BackcheckStanding>> {
        let seed = self.store.write(team::review_seed)?;
        let share = f64::from(self.settings().backcheck_percent) / 100.0;
        let states = self.store.read(team::backchecks)?;
        Ok(team
            .iter()
            .map(|t| {
                let state = states.iter().find(|(id, _, _)| *id == t.instance_id);
                BackcheckStanding {
                    sampled: t.corrects.is_none() && backcheck::drawn(seed, &t.instance_id, share),
                    picked: state.is_some_and(|(_, picked, _)| *picked),
                    done: state.is_some_and(|(_, _, record)| record.is_some()),
                }
            })
            .collect())
    }

    /// The generic paths (`/data/members/nik`) of the answers a back-check re-asks.
    pub(super) fn backcheck_paths(&self, form_id: &str) -> ApiResult<Vec<String>> {
        let Some(form) = self.team_form(form_id)? else { return Ok(Vec::new()) };
        Ok(backcheck::questions(&form)
            .into_iter()
            .filter_map(|q| {
                let (kind, path) = q.key.split_once(':')?;
                (kind != "count").then(|| path.to_owned())
            })
            .collect())
    }

    fn team_entry(&self, instance_id: &str) -> ApiResult<TeamInterview> {
        self.team_interviews_as_answered()?
            .into_iter()
            .find(|t| t.instance_id == instance_id)
            .ok_or_else(|| VerivaliError::NotFound {
                what: format!("wawancara tim / team interview {instance_id}"),
            })
    }

    fn backcheck_form(&self, instance_id: &str) -> ApiResult<(Vec<Question>, TeamInterview)> {
        let entry = self.team_entry(instance_id)?;
        let form = self.team_form(&entry.form_id)?.ok_or_else(|| VerivaliError::NotFound {
            what: format!("formulir / form {}", entry.form_id),
        })?;
        let questions = backcheck::questions(&form);
        if questions.is_empty() {
            return Err(VerivaliError::InvalidInput {
                reason: "formulir ini tidak menandai pertanyaan cek ulang (verivali:backcheck) / this form tags no back-check question (verivali:backcheck)".into(),
            });
        }
        Ok((questions, entry))
    }
}

fn input_name(input: Input) -> &'static str {
    match input {
        Input::Choice => "choice",
        Input::Text => "text",
        Input::Number => "number",
        Input::Digits => "digits",
    }
}

fn result(
    entry: &TeamInterview,
    questions: &[Question],
    first: &BTreeMap<String, String>,
    second: &BTreeMap<String, String>,
) -> BackcheckResult {
    let rows = backcheck::compare(questions, first, second);
    let tally = Tally::of(&rows);
    BackcheckResult {
        instance_id: entry.instance_id.clone(),
        enumerator: entry.enumerator.clone(),
        household: entry.household.clone(),
        asked: tally.asked,
        differ: tally.differ,
        rows: rows
            .into_iter()
            .map(|r| BackcheckRow {
                key: r.key,
                label: r.label,
                first: r.first,
                second: r.second,
                differs: r.differs,
            })
            .collect(),
    }
}

/// Per enumerator: households, questions compared, how many differ, the share.
fn rates(households: &[BackcheckResult]) -> Vec<BackcheckRate> {
    let mut by: BTreeMap<&str, (u32, Tally)> = BTreeMap::new();
    for h in households {
        let (count, tally) = by.entry(h.enumerator.as_str()).or_default();
        *count += 1;
        tally.add(Tally { asked: h.asked, differ: h.differ });
    }
    by.into_iter()
        .map(|(enumerator, (households, tally))| BackcheckRate {
            enumerator: enumerator.to_owned(),
            households,
            asked: tally.asked,
            differ: tally.differ,
            share: tally.share(),
        })
        .collect()
}
