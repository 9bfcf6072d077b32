//! Starting an instance from a record, such as a prelist household (docs/prelist-format.md): keys are node
//! names, objects are groups, arrays are repeat instances. The record is also what the answers
//! are compared with to tell "nothing changed" (status 1) from "updated" (status 2).

use serde_json::Value as Json;

use super::{Session, SessionError};
use crate::session::{Clock, Form};

impl Session {
    /// Starts a new instance as [`Session::start`] does (preloads and first-load actions
    /// applied), then writes `record` into it, the record winning over defaults. Returns the
    /// session and the record's paths that match no node of the form (left out).
    pub fn start_prefilled(
        form: std::sync::Arc<Form>,
        clock: Clock,
        record: &Json,
    ) -> Result<(Session, Vec<String>), SessionError> {
        let mut session = Session::start(form, clock)?;
        let mut unmatched = Vec::new();
        let root = format!("/{}", session.doc.get(session.doc.root()).name);
        session.fill(&root, record, &mut unmatched)?;
        let all: Vec<usize> = session.form.dag.order.clone();
        session.run(&all, None)?;
        Ok((session, unmatched))
    }

    fn fill(
        &mut self,
        reference: &str,
        record: &Json,
        unmatched: &mut Vec<String>,
    ) -> Result<(), SessionError> {
        let Json::Object(fields) = record else { return Ok(()) };
        for (key, value) in fields {
            let child = format!("{reference}/{key}");
            if self.is_repeat_path(&child) {
                match value {
                    Json::Array(items) => self.fill_repeat(&child, items, unmatched)?,
                    _ => unmatched.push(generic_of(&child)),
                }
                continue;
            }
            let Some(node) = self.resolve(&child) else {
                unmatched.push(generic_of(&child));
                continue;
            };
            match scalar(value) {
                Some(text) if self.doc.get(node).children.is_empty() => {
                    self.doc.get_mut(node).text = text;
                }
                Some(_) => unmatched.push(generic_of(&child)),
                None => self.fill(&child, value, unmatched)?,
            }
        }
        Ok(())
    }

    /// Makes the repeat at `reference` have exactly one instance per item, and fills each.
    fn fill_repeat(
        &mut self,
        reference: &str,
        items: &[Json],
        unmatched: &mut Vec<String>,
    ) -> Result<(), SessionError> {
        let existing = self.instance_count(reference);
        for index in (items.len() + 1..=existing).rev() {
            self.remove_repeat(&format!("{reference}[{index}]"))?;
        }
        for (index, item) in items.iter().enumerate() {
            let instance = format!("{reference}[{}]", index + 1);
            self.resolve_or_create(&instance)?;
            self.fill(&instance, item, unmatched)?;
        }
        Ok(())
    }

    /// Whether the answers differ from `record` on any field the record holds (a value edited,
    /// a member added or removed).
    pub fn differs_from(&self, record: &Json) -> bool {
        let root = format!("/{}", self.doc.get(self.doc.root()).name);
        self.differs_under(&root, record)
    }

    fn differs_under(&self, reference: &str, record: &Json) -> bool {
        let Json::Object(fields) = record else { return false };
        fields.iter().any(|(key, value)| {
            let child = format!("{reference}/{key}");
            match value {
                Json::Array(items) if self.is_repeat_path(&child) => {
                    self.instance_count(&child) != items.len()
                        || items.iter().enumerate().any(|(i, item)| {
                            self.differs_under(&format!("{child}[{}]", i + 1), item)
                        })
                }
                Json::Object(_) => self.differs_under(&child, value),
                other => match (scalar(other), self.resolve(&child)) {
                    (Some(expected), Some(node)) if self.doc.get(node).children.is_empty() => {
                        self.doc.get(node).text.trim() != expected.trim()
                    }
                    _ => false,
                },
            }
        })
    }

    fn is_repeat_path(&self, reference: &str) -> bool {
        self.form.repeats.contains(&generic_of(reference))
    }

    /// How many instances the repeat at `reference` (last step without index) has.
    fn instance_count(&self, reference: &str) -> usize {
        let Some((parent, name)) = reference.rsplit_once('/') else { return 0 };
        self.resolve(parent).map_or(0, |p| self.children_named(p, name).count())
    }
}

/// A record's leaf value as instance text; `None` for objects and arrays.
fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        Json::Null => Some(String::new()),
        Json::Array(_) | Json::Object(_) => None,
    }
}

/// `/data/members[2]/nik` → `/data/members/nik`.
fn generic_of(reference: &str) -> String {
    reference
        .split('/')
        .map(|step| step.split_once('[').map_or(step, |(name, _)| name))
        .collect::<Vec<_>>()
        .join("/")
}
