//! Reading the session's state: node references with repeat indexes, per-node flags, labels,
//! and materializing `jr:count` repeats as paging through the form does in ODK Collect.

use super::{Session, SessionError};
use crate::{
    definition::{Control, ControlKind, Text, TextPart},
    dom::NodeId,
    xpath::NodeRef,
};

/// One instance node as the conformance snapshots list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSnapshot {
    /// `/data/member[2]/name`: indexes on repeat instances only.
    pub reference: String,
    /// The value, for leaves.
    pub value: Option<String>,
    pub relevant: bool,
    pub required: bool,
    pub readonly: bool,
}

impl Session {
    /// The reference of a node with 1-based indexes on repeat instances.
    pub fn indexed_reference(&self, node: NodeId) -> String {
        let mut steps = Vec::new();
        let mut at = Some(node);
        while let Some(id) = at {
            let element = self.doc.get(id);
            let step = if self.form.repeats.contains(&self.generic_path(id)) {
                let parent = element.parent.expect("a repeat has a parent");
                let index = self
                    .doc
                    .get(parent)
                    .children
                    .iter()
                    .take_while(|&&c| c != id)
                    .filter(|&&c| self.doc.get(c).name == element.name)
                    .count();
                format!("{}[{}]", element.name, index + 1)
            } else {
                element.name.to_string()
            };
            steps.push(step);
            at = element.parent;
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    /// Every node of the instance in document order.
    pub fn node_snapshots(&self) -> Vec<NodeSnapshot> {
        let mut out = Vec::new();
        let mut stack = vec![self.doc.root()];
        while let Some(id) = stack.pop() {
            let element = self.doc.get(id);
            let state = self.state[id.0 as usize];
            out.push(NodeSnapshot {
                reference: self.indexed_reference(id),
                value: element.children.is_empty().then(|| element.text.clone()),
                relevant: state.relevant,
                required: state.required,
                readonly: state.readonly,
            });
            stack.extend(element.children.iter().rev());
        }
        out
    }

    /// Whether a node is relevant (its own relevance and all its ancestors').
    pub fn is_relevant(&self, node: NodeId) -> bool {
        self.state[node.0 as usize].relevant
    }

    /// Adds the instances `jr:count` asks for, as ODK Collect does when the user pages through
    /// the form. Like JavaRosa, it never removes instances when the count goes down.
    pub fn sync_repeat_counts(&mut self) -> Result<(), SessionError> {
        let form = std::sync::Arc::clone(&self.form);
        let counted: Vec<&Control> = form
            .def
            .controls()
            .into_iter()
            .filter(|c| {
                c.kind == ControlKind::Repeat
                    && c.repeat.as_ref().is_some_and(|r| r.count.is_some())
            })
            .collect();
        for control in counted {
            let (Some(reference), Some(count)) =
                (&control.reference, control.repeat.as_ref().and_then(|r| r.count.as_ref()))
            else {
                continue;
            };
            let Some((parent_generic, name)) = reference.rsplit_once('/') else { continue };
            for parent in self.nodes_at(parent_generic) {
                // As in JavaRosa the count is read from the repeat (`current()/../count`): its
                // first instance when there is one, else the node that will hold it.
                let at = self.children_named(parent, name).next().unwrap_or(parent);
                let wanted = self
                    .eval_at(count, NodeRef::element(0, at), at)
                    .and_then(|v| self.number_of(&v))
                    .map_err(|e| self.failure(reference, "jr:count", e))?;
                let wanted = if wanted.is_finite() && wanted > 0.0 { wanted as usize } else { 0 };
                let parent_ref = self.indexed_reference(parent);
                while self.children_named(parent, name).count() < wanted {
                    self.add_repeat(&format!("{parent_ref}/{name}"))?;
                }
            }
        }
        Ok(())
    }

    fn number_of(&self, value: &crate::xpath::Value) -> Result<f64, crate::xpath::XPathError> {
        let text = self.text_of(value)?;
        Ok(match value {
            crate::xpath::Value::Num(n) => *n,
            _ => crate::xpath::parse_number(&text),
        })
    }

    /// Renders text parts, filling `<output>`s evaluated at `node`. As in JavaRosa, the
    /// whitespace at the two ends of the written text is dropped, not that of the result.
    pub(super) fn render(&self, parts: &[TextPart], node: NodeId) -> String {
        let mut out = String::new();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            match part {
                TextPart::Literal(text) => {
                    let text = if i == 0 { text.trim_start() } else { text };
                    out.push_str(if i == last { text.trim_end() } else { text });
                }
                TextPart::Output(expr) => {
                    if let Ok(value) = self.eval(expr, node) {
                        out.push_str(&self.text_of(&value).unwrap_or_default());
                    }
                }
            }
        }
        out
    }

    /// A label or hint in the active language.
    pub fn label_text(&self, text: &Text, node: NodeId) -> String {
        match text {
            Text::Parts(parts) => self.render(parts, node),
            Text::Expr(expr) => {
                self.eval(expr, node).ok().and_then(|v| self.text_of(&v).ok()).unwrap_or_default()
            }
        }
    }
}
