//! Answers a choice filter no longer offers. When an itemset's filter changes (the province
//! of a cascade is changed, or a select built from other answers loses an entry), ODK Collect
//! drops the stored selection that the list no longer offers the next time it shows the
//! question. We drop it as soon as the filter changes, shown or not, and recompute what depends
//! on it, so no answer that was never offered is submitted (ADR 0017).

use std::sync::Arc;

use super::{Session, SessionError};
use crate::{
    definition::{Choices, ControlKind, FormDef, Itemset},
    dom::NodeId,
    xpath::{NodeRef, Value, XPathError},
};

/// The select questions whose choices come from an itemset, by node path (found once, when
/// the form is loaded).
pub(super) fn filtered_selects(def: &FormDef) -> Vec<(String, Itemset)> {
    let controls = def.controls();
    let selects = controls
        .into_iter()
        .filter(|c| matches!(c.kind, ControlKind::Select1 | ControlKind::Select));
    selects
        .filter_map(|c| match (&c.reference, &c.choices) {
            (Some(path), Some(Choices::Itemset(set))) => Some((path.clone(), set.clone())),
            _ => None,
        })
        .collect()
}

impl Session {
    /// Drops, in every select with an itemset, the selected values its filter no longer
    /// offers, then recomputes what depends on them; repeats until nothing more drops (a
    /// cascade clears level by level).
    pub(super) fn drop_answers_no_longer_offered(&mut self) -> Result<(), SessionError> {
        let form = Arc::clone(&self.form);
        let selects = &form.filtered_selects;
        for _ in 0..=selects.len() {
            let mut dropped = Vec::new();
            for (path, set) in selects {
                for node in self.nodes_at(path) {
                    if self.drop_unoffered(set, node)? {
                        dropped.push(path.as_str());
                    }
                }
            }
            if dropped.is_empty() {
                return Ok(());
            }
            dropped.dedup();
            self.changed(&dropped, None)?;
        }
        Ok(())
    }

    /// Keeps only the offered values of `node`'s answer; true if something was dropped.
    fn drop_unoffered(&mut self, set: &Itemset, node: NodeId) -> Result<bool, SessionError> {
        let stored = self.doc.get(node).text.clone();
        if stored.is_empty() || !self.state[node.0 as usize].relevant {
            return Ok(false);
        }
        let offered = self.offered_values(set, node)?;
        let values: Vec<&str> = stored.split_whitespace().collect();
        let kept: Vec<&str> =
            values.iter().copied().filter(|v| offered.iter().any(|o| o == v)).collect();
        if kept.len() == values.len() {
            return Ok(false);
        }
        self.doc.get_mut(node).text = kept.join(" ");
        Ok(true)
    }

    /// The values an itemset offers at `node` now.
    fn offered_values(&self, set: &Itemset, node: NodeId) -> Result<Vec<String>, SessionError> {
        let items = self.itemset_items(set, node)?;
        items
            .into_iter()
            .map(|item| {
                self.eval_at(&set.value, item, node)
                    .and_then(|v| self.text_of(&v))
                    .map_err(|e| self.choices_failure(node, e))
            })
            .collect()
    }

    /// The items an itemset selects at `node` now.
    pub(super) fn itemset_items(
        &self,
        set: &Itemset,
        node: NodeId,
    ) -> Result<Vec<NodeRef>, SessionError> {
        let here = NodeRef::element(0, node);
        match self.eval_at(&set.nodeset, here, node) {
            Ok(Value::Nodes(items)) => Ok(items),
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(self.choices_failure(node, e)),
        }
    }

    pub(super) fn choices_failure(&self, node: NodeId, source: XPathError) -> SessionError {
        SessionError::Expression {
            place: format!("the choices of {}", self.generic_path(node)),
            source,
        }
    }
}
