//! The instance's `meta` block as the device writes it when an interview is finalized, the way
//! ODK Collect does: the submission's identity (`instanceID`, and `deprecatedID` naming the
//! submission an edit replaces) and the name of a file the device attaches in a field the form
//! declares for it (Collect's `meta/audit` holds `audit.csv`; ours holds the checks file).
//! These values come from the device, not from an answer, so they bypass binds and recompute:
//! no expression of a form reads them.

use super::Session;
use crate::dom::NodeId;

impl Session {
    /// The `meta` group under the instance's root, if the form has one.
    fn meta_group(&self) -> Option<NodeId> {
        self.doc.child(self.doc.root(), "meta")
    }

    /// Whether the form declares `meta/<name>` (e.g. the checks file's field).
    pub fn declares_meta(&self, name: &str) -> bool {
        self.meta_group().and_then(|meta| self.doc.child(meta, name)).is_some()
    }

    /// Writes `value` into `meta/<name>` when the form declares that field; returns whether it
    /// did.
    pub fn set_declared_meta(&mut self, name: &str, value: &str) -> bool {
        let Some(node) = self.meta_group().and_then(|meta| self.doc.child(meta, name)) else {
            return false;
        };
        self.doc.get_mut(node).text = value.to_owned();
        true
    }

    /// Sets `meta/instanceID` and, for an edit, `meta/deprecatedID` right after it (created
    /// when the form does not have it, as ODK Collect adds it). Without a `meta` group (a form
    /// that is not from pyxform) one is added at the end of the root.
    pub fn set_submission_identity(&mut self, instance_id: &str, deprecated_id: Option<&str>) {
        let meta = match self.meta_group() {
            Some(meta) => meta,
            None => self.push_node("meta", self.doc.root()),
        };
        let id_node = match self.doc.child(meta, "instanceID") {
            Some(node) => node,
            None => self.push_node("instanceID", meta),
        };
        self.doc.get_mut(id_node).text = instance_id.to_owned();
        let existing = self.doc.child(meta, "deprecatedID");
        match (deprecated_id, existing) {
            (Some(previous), Some(node)) => self.doc.get_mut(node).text = previous.to_owned(),
            (Some(previous), None) => {
                let node = self.push_node("deprecatedID", meta);
                self.doc.get_mut(node).text = previous.to_owned();
                let children = &mut self.doc.get_mut(meta).children;
                children.retain(|&c| c != node);
                let after = children.iter().position(|&c| c == id_node).map_or(0, |i| i + 1);
                children.insert(after, node);
            }
            (None, Some(node)) => self.doc.get_mut(node).text.clear(),
            (None, None) => {}
        }
    }

    /// Appends an element under `parent`, relevant like its parent.
    fn push_node(&mut self, name: &str, parent: NodeId) -> NodeId {
        let node = self.doc.push(name, Some(parent));
        self.state.resize(self.doc.len(), Default::default());
        self.inherit_relevance(node);
        node
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::{
        definition::NoExternalInstances,
        session::{Clock, Form, Session},
    };

    fn session(meta: &str) -> Session {
        let xml = format!(
            r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>t</h:title><model><instance><data id="t"><a/>{meta}</data></instance>
<bind nodeset="/data/a" type="string"/></model></h:head>
<h:body><input ref="/data/a"><label>A</label></input></h:body></h:html>"#
        );
        let form = Arc::new(Form::load(&xml, &NoExternalInstances).unwrap());
        Session::start(form, Clock { now_ms: 0, tz_offset_minutes: 0, seed: 1 }).unwrap()
    }

    #[test]
    fn an_edit_names_the_submission_it_replaces_right_after_its_own_id() {
        let mut s = session("<meta><instanceID>uuid:old</instanceID><instanceName/></meta>");
        s.set_submission_identity("uuid:new", Some("uuid:old"));
        assert!(
            s.submission_xml().contains(
                "<meta><instanceID>uuid:new</instanceID><deprecatedID>uuid:old</deprecatedID><instanceName /></meta>"
            ),
            "{}",
            s.submission_xml()
        );
        s.set_submission_identity("uuid:newer", Some("uuid:new"));
        assert_eq!(s.submission_xml().matches("<deprecatedID>").count(), 1);
        assert!(s.submission_xml().contains("<deprecatedID>uuid:new</deprecatedID>"));
    }

    #[test]
    fn a_first_submission_carries_no_deprecated_id_and_a_form_without_meta_gets_one() {
        let mut s = session("");
        s.set_submission_identity("uuid:1", None);
        assert!(
            s.submission_xml().ends_with("<meta><instanceID>uuid:1</instanceID></meta></data>")
        );
    }

    #[test]
    fn a_declared_meta_file_field_is_filled_and_an_undeclared_one_is_not_invented() {
        let mut s = session("<meta><instanceID/><verivali_checks/></meta>");
        assert!(s.declares_meta("verivali_checks"));
        assert!(s.set_declared_meta("verivali_checks", "verivali-checks.json"));
        assert!(
            s.submission_xml().contains("<verivali_checks>verivali-checks.json</verivali_checks>")
        );
        let mut bare = session("<meta><instanceID/></meta>");
        assert!(!bare.declares_meta("verivali_checks"));
        assert!(!bare.set_declared_meta("verivali_checks", "verivali-checks.json"));
        assert!(!bare.submission_xml().contains("verivali_checks"));
    }
}
