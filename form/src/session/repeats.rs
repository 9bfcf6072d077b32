//! Adding and removing repeat instances: copies of the template (nested templates left out),
//! placed after the last instance, with `odk-new-repeat` fired and what depends on them
//! recomputed.

use std::sync::Arc;

use super::{NodeState, Session, SessionError, no_node, split_index};
use crate::dom::NodeId;

impl Session {
    /// Adds an instance of the repeat at `reference` (its last step without an index), at the
    /// end, from the template; fires `odk-new-repeat` for it.
    pub fn add_repeat(&mut self, reference: &str) -> Result<NodeId, SessionError> {
        let (parent_ref, name) = reference.rsplit_once('/').ok_or_else(|| no_node(reference))?;
        let parent = if parent_ref.is_empty() {
            return Err(SessionError::NotARepeat { reference: reference.to_owned() });
        } else {
            self.resolve(parent_ref).ok_or_else(|| no_node(parent_ref))?
        };
        let generic = format!("{}/{name}", self.generic_path(parent));
        let template = *self
            .form
            .templates
            .get(&generic)
            .ok_or_else(|| SessionError::NotARepeat { reference: reference.to_owned() })?;
        let index = self.insertion_index(parent, name, &generic);
        let form = Arc::clone(&self.form);
        let instance = self.doc.copy_subtree(&form.def.primary, template, parent, index);
        self.doc.get_mut(instance).attributes.retain(|(n, _)| n != "template");
        self.drop_nested_templates(instance);
        self.state.resize(self.doc.len(), NodeState::default());
        self.inherit_relevance(instance);
        self.run_actions("odk-new-repeat", Some(&generic))?;
        // As JavaRosa does: the expressions of the repeat run in the new instance only (an answer
        // typed over a calculate in another instance stays), the others that depend on the
        // repeat (a count, a sum) everywhere.
        let inside = format!("{generic}/");
        let in_repeat = |t: &usize| {
            let target = &self.form.dag.triggerables[*t].target;
            *target == generic || target.starts_with(&inside)
        };
        let own: Vec<usize> = (0..self.form.dag.triggerables.len()).filter(in_repeat).collect();
        let mut outside = self.form.dag.affected(&[generic.as_str()]);
        outside.retain(|t| !in_repeat(t));
        self.run_ordered(own, Some(instance))?;
        self.run_ordered(outside, None)?;
        Ok(instance)
    }

    /// A new instance starts without instances of the repeats nested in it: their templates
    /// came along in the copy and are taken out again.
    fn drop_nested_templates(&mut self, instance: NodeId) {
        let mut stack = self.doc.get(instance).children.clone();
        while let Some(id) = stack.pop() {
            if self.doc.attribute(id, "template").is_some() {
                self.doc.detach(id);
            } else {
                stack.extend(self.doc.get(id).children.iter().copied());
            }
        }
    }

    /// Removes the repeat instance at `reference` (e.g. `/data/member[2]`).
    pub fn remove_repeat(&mut self, reference: &str) -> Result<(), SessionError> {
        let node = self.resolve(reference).ok_or_else(|| no_node(reference))?;
        let generic = self.generic_path(node);
        if !self.form.repeats.contains(&generic) {
            return Err(SessionError::NotARepeat { reference: reference.to_owned() });
        }
        self.doc.detach(node);
        self.changed(&[generic.as_str()], None)
    }

    /// Like [`Self::resolve`], adding repeat instances that do not exist yet.
    pub(super) fn resolve_or_create(&mut self, reference: &str) -> Result<NodeId, SessionError> {
        if let Some(node) = self.resolve(reference) {
            return Ok(node);
        }
        let mut prefix = String::new();
        for step in reference.trim_start_matches('/').split('/') {
            let (name, index) = split_index(step);
            let parent = prefix.clone();
            prefix = format!("{prefix}/{step}");
            while self.resolve(&prefix).is_none() {
                let parent_node = self.resolve(&parent).ok_or_else(|| no_node(reference))?;
                let existing = self.children_named(parent_node, name).count();
                let generic = format!("{}/{name}", self.generic_path(parent_node));
                if existing >= index || !self.form.repeats.contains(&generic) {
                    return Err(no_node(reference));
                }
                self.add_repeat(&format!("{parent}/{name}"))?;
            }
        }
        self.resolve(reference).ok_or_else(|| no_node(reference))
    }

    /// Where a new instance goes: after the last instance, or where the template stood.
    fn insertion_index(&self, parent: NodeId, name: &str, generic: &str) -> usize {
        let children = &self.doc.get(parent).children;
        if let Some(last) = children.iter().rposition(|&c| &*self.doc.get(c).name == name) {
            return last + 1;
        }
        // Inside a repeat instance the nested template was left out of the copy, so JavaRosa
        // (ODK Collect) appends the first nested instance after everything else there.
        if !self.enclosing_instances(parent).is_empty() {
            return children.len();
        }
        let primary = &self.form.def.primary;
        let template = self.form.templates[generic];
        let Some(template_parent) = primary.get(template).parent else { return children.len() };
        let before: Vec<&str> = primary
            .get(template_parent)
            .children
            .iter()
            .take_while(|&&c| c != template)
            .map(|&c| &*primary.get(c).name)
            .collect();
        children.iter().take_while(|&&c| before.contains(&&*self.doc.get(c).name)).count()
    }
}

/// The innermost repeat instance that a node reference lies in: `/data/members[2]/nama` lies in
/// `/data/members[2]`, what "remove this member" removes. `None` outside any repeat. (Screen
/// references carry an index only on repeat instances.)
pub fn repeat_instance_of(reference: &str) -> Option<&str> {
    reference.rfind(']').map(|end| &reference[..=end])
}

#[cfg(test)]
mod instance_tests {
    use super::repeat_instance_of;

    #[test]
    fn a_question_in_a_nested_repeat_lies_in_the_innermost_instance() {
        assert_eq!(repeat_instance_of("/data/members[2]/nama"), Some("/data/members[2]"));
        assert_eq!(
            repeat_instance_of("/data/members[2]/jobs[3]/kind"),
            Some("/data/members[2]/jobs[3]")
        );
        assert_eq!(repeat_instance_of("/data/status_keberadaan"), None);
    }
}
