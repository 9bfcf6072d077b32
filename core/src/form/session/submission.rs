//! The instance as XML: as ODK Collect submits it (non-relevant nodes pruned, templates already
//! gone, the root's `id` and `version` kept), or whole, as a draft that [`Session::resume`]
//! reads back.

use super::Session;
use crate::form::dom::NodeId;

impl Session {
    /// The submission XML.
    pub fn submission_xml(&self) -> String {
        let mut out = String::from("<?xml version='1.0' encoding='UTF-8' ?>");
        self.write_node(self.doc.root(), true, &mut out);
        out
    }

    /// The whole instance, non-relevant answers included: what a draft stores.
    pub fn instance_xml(&self) -> String {
        let mut out = String::new();
        self.write_node(self.doc.root(), false, &mut out);
        out
    }

    fn write_node(&self, id: NodeId, prune: bool, out: &mut String) {
        if prune && !self.is_relevant(id) {
            return;
        }
        let element = self.doc.get(id);
        out.push('<');
        out.push_str(&element.name);
        for (name, value) in &element.attributes {
            out.push_str(&format!(" {name}=\"{}\"", escape(value, true)));
        }
        if element.children.is_empty() && element.text.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        if element.children.is_empty() {
            out.push_str(&escape(&element.text, false));
        } else {
            for &child in &element.children {
                self.write_node(child, prune, out);
            }
        }
        out.push_str(&format!("</{}>", element.name));
    }
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}
