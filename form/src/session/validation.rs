//! Walking the form in order, as the enumerator sees it, and the finalize check: every relevant
//! question that is required and empty, or whose value breaks its constraint.

use super::{Session, SessionError};
use crate::{
    definition::{Control, ControlKind},
    dom::NodeId,
};

/// A question (or group, or repeat instance) in form order, with the node it is bound to.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'f> {
    pub control: &'f Control,
    pub node: Option<NodeId>,
}

/// Why a question blocks finalizing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationKind {
    Required,
    Constraint { message: Option<String> },
}

/// A question that blocks finalizing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The node, with repeat indexes.
    pub reference: String,
    pub kind: ViolationKind,
}

impl Session {
    /// Every control in form order; a repeat appears once per instance, its children after it.
    pub fn form_order(&self) -> Vec<Placed<'_>> {
        let mut out = Vec::new();
        self.place(&self.form.def.body, self.doc.root(), &mut out);
        out
    }

    fn place<'f>(&'f self, controls: &'f [Control], context: NodeId, out: &mut Vec<Placed<'f>>) {
        for control in controls {
            let Some(reference) = &control.reference else {
                out.push(Placed { control, node: None });
                self.place(&control.children, context, out);
                continue;
            };
            if control.kind == ControlKind::Group
                && let [only] = control.children.as_slice()
                && only.kind == ControlKind::Repeat
                && only.reference.as_deref() == Some(reference)
            {
                // pyxform wraps each repeat in a group with the same ref; JavaRosa shows one.
                self.place(&control.children, context, out);
                continue;
            }
            if control.kind == ControlKind::Repeat {
                for instance in self.instances_below(context, reference) {
                    out.push(Placed { control, node: Some(instance) });
                    self.place(&control.children, instance, out);
                }
                continue;
            }
            let node = self.descend(context, reference);
            out.push(Placed { control, node });
            if let Some(node) = node {
                self.place(&control.children, node, out);
            }
        }
    }

    /// The node at generic path `reference` as seen from `context`: from the nearest
    /// ancestor-or-self of `context` that contains it (so a control inside repeat instance `n`
    /// finds the node of instance `n`; absolute refs that leave the group still resolve).
    pub(super) fn descend(&self, context: NodeId, reference: &str) -> Option<NodeId> {
        let mut ancestors = Vec::with_capacity(16);
        let mut next = Some(context);
        while let Some(id) = next {
            ancestors.push(id);
            next = self.doc.get(id).parent;
        }
        // Follow the context's own ancestors from the root as far as the reference agrees with
        // them, then the reference's remaining steps (first child of each name).
        let mut steps = reference.strip_prefix('/')?.split('/').peekable();
        let mut at = None;
        for &ancestor in ancestors.iter().rev() {
            if steps.peek() != Some(&&*self.doc.get(ancestor).name) {
                break;
            }
            steps.next();
            at = Some(ancestor);
        }
        let mut at = at?;
        for name in steps.filter(|s| !s.is_empty()) {
            at = self.children_named(at, name).next()?;
        }
        Some(at)
    }

    /// The instances of the repeat `reference` under `context`.
    pub(super) fn instances_below(&self, context: NodeId, reference: &str) -> Vec<NodeId> {
        let Some((parent, name)) = reference.rsplit_once('/') else { return Vec::new() };
        match self.descend(context, parent) {
            Some(parent) => self.children_named(parent, name).collect(),
            None => Vec::new(),
        }
    }

    /// Every violation, in form order: the finalize check.
    pub fn violations(&self) -> Result<Vec<Violation>, SessionError> {
        let mut out = Vec::new();
        for placed in self.form_order() {
            let Some(node) = placed.node else { continue };
            if matches!(placed.control.kind, ControlKind::Group | ControlKind::Repeat)
                || !self.is_relevant(node)
            {
                continue;
            }
            let generic = placed.control.reference.as_deref().unwrap_or_default();
            if let Some(kind) = self.violation_at_path(node, generic)? {
                out.push(Violation { reference: self.indexed_reference(node), kind });
            }
        }
        Ok(out)
    }

    pub(super) fn violation_at(&self, node: NodeId) -> Result<Option<ViolationKind>, SessionError> {
        self.violation_at_path(node, &self.generic_path(node))
    }

    /// [`Session::violation_at`] for a node whose generic path the caller knows.
    fn violation_at_path(
        &self,
        node: NodeId,
        generic: &str,
    ) -> Result<Option<ViolationKind>, SessionError> {
        let value = &self.doc.get(node).text;
        let state = self.state[node.0 as usize];
        if value.is_empty() {
            return Ok(state.required.then_some(ViolationKind::Required));
        }
        let Some(bind) = self.form.bind_of(generic) else { return Ok(None) };
        let Some(constraint) = &bind.constraint else { return Ok(None) };
        let ok =
            self.condition(constraint, node).map_err(|e| self.failure(generic, "constraint", e))?;
        let message = bind.constraint_msg.as_deref().map(|m| self.resolve_message(m));
        Ok((!ok).then_some(ViolationKind::Constraint { message }))
    }
}
