//! Screens: what the shell shows at once. A screen is one question, or every relevant question
//! of a `field-list` group; after the last instance of a repeat that the user may grow comes a
//! prompt ("add another?"). Top-level groups are the sections the user can jump to.
//!
//! The list is computed from the current state, so relevance changes are reflected at once;
//! the shell keeps only the index of the screen it shows.

use super::{Session, SessionError, ViolationKind};
use crate::{
    definition::{Control, ControlKind, DataType, Text},
    dom::NodeId,
};

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
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
    /// Read-only text (a pyxform `note`).
    Note,
    /// A `trigger`: the user acknowledges.
    Acknowledge,
    Range,
}

/// A question as a screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenQuestion {
    /// The node, with repeat indexes: what `answer` takes.
    pub reference: String,
    pub kind: QuestionKind,
    pub label: String,
    pub hint: Option<String>,
    pub value: String,
    pub choices: Vec<super::Choice>,
    pub required: bool,
    pub readonly: bool,
    pub appearance: Option<String>,
    /// The constraint message when the current value breaks it.
    pub error: Option<String>,
}

/// One screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Questions {
        section: Option<String>,
        title: Option<String>,
        questions: Vec<ScreenQuestion>,
    },
    /// Offer another instance of a repeat: `repeat` is where `add_repeat` adds it.
    RepeatPrompt {
        section: Option<String>,
        repeat: String,
        label: Option<String>,
        count: usize,
    },
}

impl Session {
    /// The screens of the form as it stands, in order.
    pub fn screens(&self) -> Result<Vec<Screen>, SessionError> {
        let mut out = Vec::new();
        for control in &self.form.def.body {
            let section = self.section_name(control);
            self.screens_of(control, self.doc.root(), &section, &mut out)?;
        }
        Ok(out)
    }

    /// The sections to jump to: each top-level group's label and the index of its first screen.
    pub fn sections(&self) -> Result<Vec<(String, usize)>, SessionError> {
        let mut sections: Vec<(String, usize)> = Vec::new();
        for (index, screen) in self.screens()?.iter().enumerate() {
            let (Screen::Questions { section: Some(name), .. }
            | Screen::RepeatPrompt { section: Some(name), .. }) = screen
            else {
                continue;
            };
            if sections.last().is_none_or(|(last, _)| last != name) {
                sections.push((name.clone(), index));
            }
        }
        Ok(sections)
    }

    fn section_name(&self, control: &Control) -> Option<String> {
        let is_section = matches!(control.kind, ControlKind::Group | ControlKind::Repeat);
        is_section
            .then(|| control.label.as_ref().map(|l| self.label_text(l, self.doc.root())))
            .flatten()
    }

    fn screens_of(
        &self,
        control: &Control,
        context: NodeId,
        section: &Option<String>,
        out: &mut Vec<Screen>,
    ) -> Result<(), SessionError> {
        match control.kind {
            ControlKind::Repeat => self.repeat_screens(control, context, section, out),
            ControlKind::Group => {
                let node = control.reference.as_deref().and_then(|r| self.descend(context, r));
                if node.is_some_and(|n| !self.is_relevant(n)) {
                    return Ok(());
                }
                let inner = node.unwrap_or(context);
                if control
                    .appearance
                    .as_deref()
                    .is_some_and(|a| a.split_whitespace().any(|w| w == "field-list"))
                {
                    let questions = self.questions_in(&control.children, inner)?;
                    if !questions.is_empty() {
                        let title = control.label.as_ref().map(|l| self.label_text(l, inner));
                        out.push(Screen::Questions { section: section.clone(), title, questions });
                    }
                    return Ok(());
                }
                for child in &control.children {
                    self.screens_of(child, inner, section, out)?;
                }
                Ok(())
            }
            _ => {
                let questions = self.questions_in(std::slice::from_ref(control), context)?;
                if !questions.is_empty() {
                    out.push(Screen::Questions {
                        section: section.clone(),
                        title: None,
                        questions,
                    });
                }
                Ok(())
            }
        }
    }

    fn repeat_screens(
        &self,
        control: &Control,
        context: NodeId,
        section: &Option<String>,
        out: &mut Vec<Screen>,
    ) -> Result<(), SessionError> {
        let Some(reference) = control.reference.as_deref() else { return Ok(()) };
        let instances = self.instances_below(context, reference);
        for &instance in &instances {
            if !self.is_relevant(instance) {
                continue;
            }
            for child in &control.children {
                self.screens_of(child, instance, section, out)?;
            }
        }
        let fixed = control.repeat.as_ref().is_some_and(|r| r.no_add_remove || r.count.is_some());
        if !fixed {
            let parent = match reference.rsplit_once('/') {
                Some((parent, _)) => self.descend(context, parent),
                None => None,
            };
            if let Some(parent) = parent {
                let name = reference.rsplit('/').next().unwrap_or_default();
                out.push(Screen::RepeatPrompt {
                    section: section.clone(),
                    repeat: format!("{}/{name}", self.indexed_reference(parent)),
                    label: control.label.as_ref().map(|l| self.label_text(l, parent)),
                    count: instances.len(),
                });
            }
        }
        Ok(())
    }

    /// The relevant questions among `controls` (nested groups flattened), bound under `context`.
    fn questions_in(
        &self,
        controls: &[Control],
        context: NodeId,
    ) -> Result<Vec<ScreenQuestion>, SessionError> {
        let mut out = Vec::new();
        for control in controls {
            if control.kind == ControlKind::Group {
                let inner = control
                    .reference
                    .as_deref()
                    .and_then(|r| self.descend(context, r))
                    .unwrap_or(context);
                if self.is_relevant(inner) {
                    out.extend(self.questions_in(&control.children, inner)?);
                }
                continue;
            }
            if control.kind == ControlKind::Repeat {
                continue;
            }
            let Some(node) = control.reference.as_deref().and_then(|r| self.descend(context, r))
            else {
                continue;
            };
            if !self.is_relevant(node) {
                continue;
            }
            out.push(self.screen_question(control, node)?);
        }
        Ok(out)
    }

    fn screen_question(
        &self,
        control: &Control,
        node: NodeId,
    ) -> Result<ScreenQuestion, SessionError> {
        let state = self.state[node.0 as usize];
        let data_type = self.form.data_type(&self.generic_path(node));
        let choices = match &control.choices {
            Some(choices) => self.choices(choices, node)?,
            None => Vec::new(),
        };
        let error = match self.violation_at(node)? {
            Some(ViolationKind::Constraint { message }) => Some(message.unwrap_or_else(|| {
                "Jawaban tidak sesuai aturan. / The answer breaks a rule.".into()
            })),
            _ => None,
        };
        let text = |t: &Option<Text>| t.as_ref().map(|t| self.label_text(t, node));
        Ok(ScreenQuestion {
            reference: self.indexed_reference(node),
            kind: question_kind(control, &data_type, state.readonly),
            label: text(&control.label).unwrap_or_default(),
            hint: text(&control.hint),
            value: self.doc.get(node).text.clone(),
            choices,
            required: state.required,
            readonly: state.readonly,
            appearance: control.appearance.clone(),
            error,
        })
    }
}

fn question_kind(control: &Control, data_type: &DataType, readonly: bool) -> QuestionKind {
    let mediatype =
        control.parameters.iter().find(|(n, _)| n == "mediatype").map(|(_, v)| v.as_str());
    match (&control.kind, data_type) {
        (ControlKind::Select1, _) => QuestionKind::SelectOne,
        (ControlKind::Select, _) => QuestionKind::SelectMultiple,
        (ControlKind::Trigger, _) => QuestionKind::Acknowledge,
        (ControlKind::Range, _) => QuestionKind::Range,
        (ControlKind::Upload, _) if mediatype.is_some_and(|m| m.starts_with("image")) => {
            QuestionKind::Photo
        }
        (ControlKind::Upload, _) => QuestionKind::File,
        (_, DataType::Int) => QuestionKind::Integer,
        (_, DataType::Decimal) => QuestionKind::Decimal,
        (_, DataType::Date) => QuestionKind::Date,
        (_, DataType::Time) => QuestionKind::Time,
        (_, DataType::DateTime) => QuestionKind::DateTime,
        (_, DataType::Geopoint) => QuestionKind::Geopoint,
        (_, DataType::Barcode) => QuestionKind::Barcode,
        _ if readonly => QuestionKind::Note,
        _ => QuestionKind::Text,
    }
}
