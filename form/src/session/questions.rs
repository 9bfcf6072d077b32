//! The questions in form order with their current state: what a screen shows, and what the
//! conformance snapshots list. Choices are computed here, itemsets filtered at the question.

use super::{Session, SessionError};
use crate::{
    definition::{Choices, ControlKind},
    dom::NodeId,
};

/// What a listed entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Question,
    Group,
    RepeatInstance,
}

/// One entry of the form, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionState {
    pub reference: String,
    pub kind: EntryKind,
    pub relevant: bool,
    pub required: bool,
    pub readonly: bool,
    pub value: String,
    pub label: Option<String>,
    /// The values of the choices offered, for selects.
    pub choices: Option<Vec<String>>,
}

/// A choice offered by a select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Session {
    /// Every group, repeat instance and question bound to a node, in form order.
    pub fn questions(&self) -> Result<Vec<QuestionState>, SessionError> {
        let mut out = Vec::new();
        for placed in self.form_order() {
            let Some(node) = placed.node else { continue };
            let kind = match placed.control.kind {
                ControlKind::Group => EntryKind::Group,
                ControlKind::Repeat => EntryKind::RepeatInstance,
                _ => EntryKind::Question,
            };
            let state = self.state[node.0 as usize];
            let choices = match &placed.control.choices {
                Some(choices) => {
                    Some(self.choices(choices, node)?.into_iter().map(|c| c.value).collect())
                }
                None => None,
            };
            out.push(QuestionState {
                reference: self.indexed_reference(node),
                kind,
                relevant: state.relevant,
                required: state.required,
                readonly: state.readonly,
                value: self.doc.get(node).text.clone(),
                label: placed.control.label.as_ref().map(|l| self.label_text(l, node)),
                choices,
            });
        }
        Ok(out)
    }

    /// The choices a select offers at `node`: its static items, or its itemset filtered now.
    pub fn choices(&self, choices: &Choices, node: NodeId) -> Result<Vec<Choice>, SessionError> {
        match choices {
            Choices::Static(items) => Ok(items
                .iter()
                .map(|item| Choice {
                    value: item.value.clone(),
                    label: item
                        .label
                        .as_ref()
                        .map(|l| self.label_text(l, node))
                        .unwrap_or_default(),
                })
                .collect()),
            Choices::Itemset(set) => {
                let failure = |e| self.choices_failure(node, e);
                let items = self.itemset_items(set, node)?;
                items
                    .into_iter()
                    .map(|item| {
                        let value = self
                            .eval_at(&set.value, item, node)
                            .and_then(|v| self.text_of(&v))
                            .map_err(failure)?;
                        let label = self
                            .eval_at(&set.label, item, node)
                            .and_then(|v| self.text_of(&v))
                            .map_err(failure)?;
                        Ok(Choice { value, label })
                    })
                    .collect()
            }
        }
    }
}
