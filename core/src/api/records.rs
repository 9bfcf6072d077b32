//! Records the interview surface hands to the shell: the screen model, rule findings, answer
//! and finalize outcomes. Plain data, converted from the engine's and the rules' types here.

use crate::{
    form::session::{self, Answer, AnswerOutcome, QuestionKind},
    interview::{self, CheckedFinding, FinalizeOutcome},
    rules::{self, Finding},
};

/// An installed form version.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormInfo {
    pub row: i64,
    pub form_id: String,
    pub version: String,
    pub title: String,
}

/// How a question is answered; the shell picks its widget from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InputKind {
    Text,
    Integer,
    Decimal,
    Date,
    Time,
    DateTime,
    SelectOne,
    SelectMultiple,
    Geopoint,
    Photo,
    File,
    Barcode,
    Note,
    Acknowledge,
    Range,
}

impl From<QuestionKind> for InputKind {
    fn from(kind: QuestionKind) -> Self {
        match kind {
            QuestionKind::Text => InputKind::Text,
            QuestionKind::Integer => InputKind::Integer,
            QuestionKind::Decimal => InputKind::Decimal,
            QuestionKind::Date => InputKind::Date,
            QuestionKind::Time => InputKind::Time,
            QuestionKind::DateTime => InputKind::DateTime,
            QuestionKind::SelectOne => InputKind::SelectOne,
            QuestionKind::SelectMultiple => InputKind::SelectMultiple,
            QuestionKind::Geopoint => InputKind::Geopoint,
            QuestionKind::Photo => InputKind::Photo,
            QuestionKind::File => InputKind::File,
            QuestionKind::Barcode => InputKind::Barcode,
            QuestionKind::Note => InputKind::Note,
            QuestionKind::Acknowledge => InputKind::Acknowledge,
            QuestionKind::Range => InputKind::Range,
        }
    }
}

/// A choice of a select.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChoiceItem {
    pub value: String,
    pub label: String,
}

/// How much a rule finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FindingSeverity {
    /// Blocks finalizing.
    Error,
    /// Finalizing needs a reason.
    Warning,
    Info,
}

/// A registry rule's finding, bilingual.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RuleFinding {
    pub rule: String,
    pub severity: FindingSeverity,
    pub reference: Option<String>,
    pub message_id: String,
    pub message_en: String,
    pub suggestion: Option<String>,
    /// The enumerator's reason, once finalized.
    pub reason: Option<String>,
}

impl From<Finding> for RuleFinding {
    fn from(f: Finding) -> Self {
        RuleFinding {
            rule: f.rule.to_owned(),
            severity: match f.severity {
                rules::Severity::Error => FindingSeverity::Error,
                rules::Severity::Warning => FindingSeverity::Warning,
                rules::Severity::Info => FindingSeverity::Info,
            },
            reference: f.reference,
            message_id: f.message.id,
            message_en: f.message.en,
            suggestion: f.suggestion,
            reason: None,
        }
    }
}

impl From<CheckedFinding> for RuleFinding {
    fn from(checked: CheckedFinding) -> Self {
        RuleFinding { reason: checked.reason, ..checked.finding.into() }
    }
}

/// A question as the screen shows it, with its own rule findings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct QuestionView {
    pub reference: String,
    pub kind: InputKind,
    pub label: String,
    pub hint: Option<String>,
    /// The value as text, as shown (a date as `YYYY-MM-DD`, choices as their values).
    pub value: String,
    /// The value as an answer: which choices are selected, whether it is acknowledged.
    pub answer: AnswerValue,
    pub choices: Vec<ChoiceItem>,
    pub required: bool,
    pub readonly: bool,
    pub appearance: Option<String>,
    /// The form's constraint message when the value breaks it.
    pub error: Option<String>,
    pub findings: Vec<RuleFinding>,
    /// For a location question: the accuracy the shell's GPS loop should wait for.
    pub location_policy: Option<super::LocationPolicyView>,
    /// What the pengawas wrote about this question when returning the interview.
    pub review_comment: Option<String>,
}

impl QuestionView {
    pub(super) fn new(q: session::ScreenQuestion, findings: &[Finding]) -> Self {
        let own = findings
            .iter()
            .filter(|f| f.reference.as_deref() == Some(q.reference.as_str()))
            .cloned()
            .map(RuleFinding::from)
            .collect();
        QuestionView {
            answer: Answer::read(q.kind, &q.value).into(),
            kind: q.kind.into(),
            choices: q
                .choices
                .into_iter()
                .map(|c| ChoiceItem { value: c.value, label: c.label })
                .collect(),
            label: q.label,
            hint: q.hint,
            value: q.value,
            required: q.required,
            readonly: q.readonly,
            appearance: q.appearance,
            error: q.error,
            findings: own,
            location_policy: None,
            review_comment: None,
            reference: q.reference,
        }
    }
}

/// "Add another?" after the last instance of a repeat.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RepeatPromptView {
    /// What `add_repeat` takes.
    pub repeat: String,
    pub label: Option<String>,
    pub count: u32,
}

/// A section the user can jump to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SectionView {
    pub label: String,
    pub screen: u32,
}

/// Where an interview stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InterviewStatus {
    Draft,
    Finalized,
    Returned,
}

/// The screen the shell draws.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScreenView {
    pub interview_id: String,
    pub index: u32,
    pub count: u32,
    pub section: Option<String>,
    pub title: Option<String>,
    pub questions: Vec<QuestionView>,
    pub repeat_prompt: Option<RepeatPromptView>,
    /// The repeat instance the questions belong to (e.g. `/data/members[2]`): what "remove this
    /// member" passes to `remove_repeat`.
    pub repeat_instance: Option<String>,
    pub sections: Vec<SectionView>,
    pub can_go_back: bool,
    pub can_go_forward: bool,
    pub status: InterviewStatus,
    /// While a pengawas's return waits for its correction: what they wrote.
    pub review: Option<ReviewReturnView>,
}

/// A pengawas's return of an interview: every comment, those on questions with their
/// reference, the rest on the whole interview.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewReturnView {
    /// Milliseconds since the epoch.
    pub returned_at: i64,
    pub comments: Vec<ReviewCommentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewCommentView {
    /// The question's reference (`/data/members[2]/nik`), or `None` for the whole interview.
    pub reference: Option<String>,
    pub text: String,
}

impl From<crate::store::returns::ReturnNotice> for ReviewReturnView {
    fn from(notice: crate::store::returns::ReturnNotice) -> Self {
        let note = notice.note.into_iter().map(|text| ReviewCommentView { reference: None, text });
        ReviewReturnView {
            returned_at: notice.returned_at,
            comments: notice
                .comments
                .into_iter()
                .map(|c| ReviewCommentView { reference: c.reference, text: c.text })
                .chain(note)
                .collect(),
        }
    }
}

/// An answer as the person gave it; the core spells it in the instance (select-multiple values
/// separated by spaces, an acknowledgement as `OK`), so no shell does.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerValue {
    /// Typed text: a string, a number, a date (`YYYY-MM-DD`), a time.
    Text { text: String },
    /// One choice's value (select one).
    Choice { value: String },
    /// The chosen values (select multiple).
    Choices { values: Vec<String> },
    /// An acknowledgement, ticked or not.
    Acknowledged { acknowledged: bool },
    /// No answer: clears the question.
    Empty,
}

/// Text as typed, for Rust callers (the CLI's scripts, tests): `"4".into()`.
impl From<&str> for AnswerValue {
    fn from(text: &str) -> Self {
        AnswerValue::Text { text: text.to_owned() }
    }
}

impl From<String> for AnswerValue {
    fn from(text: String) -> Self {
        AnswerValue::Text { text }
    }
}

impl From<AnswerValue> for Answer {
    fn from(value: AnswerValue) -> Self {
        match value {
            AnswerValue::Text { text } => Answer::Text(text),
            AnswerValue::Choice { value } => Answer::Choice(value),
            AnswerValue::Choices { values } => Answer::Choices(values),
            AnswerValue::Acknowledged { acknowledged } => Answer::Acknowledged(acknowledged),
            AnswerValue::Empty => Answer::Empty,
        }
    }
}

impl From<Answer> for AnswerValue {
    fn from(answer: Answer) -> Self {
        match answer {
            Answer::Text(text) => AnswerValue::Text { text },
            Answer::Choice(value) => AnswerValue::Choice { value },
            Answer::Choices(values) => AnswerValue::Choices { values },
            Answer::Acknowledged(acknowledged) => AnswerValue::Acknowledged { acknowledged },
            Answer::Empty => AnswerValue::Empty,
        }
    }
}

/// What an answer did, and the screen after it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Answered {
    pub result: AnswerResult,
    /// The screen as it stands now (relevance, calculations and findings updated).
    pub screen: ScreenView,
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerResult {
    Saved,
    /// Refused; the form's message, when it has one.
    ConstraintViolated {
        message: Option<String>,
    },
    RequiredButEmpty,
    /// The text does not fit the question's type; bilingual message.
    Invalid {
        message: String,
    },
}

impl From<AnswerOutcome> for AnswerResult {
    fn from(outcome: AnswerOutcome) -> Self {
        match outcome {
            AnswerOutcome::Saved => AnswerResult::Saved,
            AnswerOutcome::ConstraintViolated { message } => {
                AnswerResult::ConstraintViolated { message }
            }
            AnswerOutcome::RequiredButEmpty => AnswerResult::RequiredButEmpty,
            AnswerOutcome::Invalid(invalid) => AnswerResult::Invalid { message: invalid.message() },
        }
    }
}

/// A reason for going on despite a warning.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WarningConfirmation {
    pub rule: String,
    pub reference: Option<String>,
    pub reason: String,
}

impl From<WarningConfirmation> for interview::Confirmation {
    fn from(c: WarningConfirmation) -> Self {
        interview::Confirmation { rule: c.rule, reference: c.reference, reason: c.reason }
    }
}

/// What finalizing did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FinalizeResult {
    /// Final: read-only from now on; the findings with their reasons travel with it.
    Finalized { findings: Vec<RuleFinding> },
    /// Not final: fix the form's violations and the errors; give a reason for each warning.
    Blocked {
        form_violations: Vec<String>,
        errors: Vec<RuleFinding>,
        unconfirmed: Vec<RuleFinding>,
    },
}

impl From<FinalizeOutcome> for FinalizeResult {
    fn from(outcome: FinalizeOutcome) -> Self {
        let list = |v: Vec<Finding>| v.into_iter().map(RuleFinding::from).collect();
        match outcome {
            FinalizeOutcome::Finalized { checks } => FinalizeResult::Finalized {
                findings: checks.into_iter().map(RuleFinding::from).collect(),
            },
            FinalizeOutcome::Blocked { form_violations, errors, unconfirmed } => {
                FinalizeResult::Blocked {
                    form_violations,
                    errors: list(errors),
                    unconfirmed: list(unconfirmed),
                }
            }
        }
    }
}

/// One interview on the device, for the household list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InterviewSummary {
    pub interview_id: String,
    /// `None` for a new household.
    pub id_dtks: Option<String>,
    pub status: InterviewStatus,
    /// Where its upload stands, once finalized.
    pub upload: Option<super::UploadState>,
    /// A pengawas returned it and it waits for the correction.
    pub returned_by_pengawas: bool,
}
