//! The instance as XML: as ODK Collect submits it (non-relevant nodes pruned, templates already
//! gone, the root's `id` and `version` kept), or whole, as a draft that [`Session::resume`]
//! reads back.

use super::Session;
use crate::dom::NodeId;

impl Session {
    /// The submission XML.
    pub fn submission_xml(&self) -> String {
        let mut out = String::with_capacity(64 * self.doc.len());
        out.push_str("<?xml version='1.0' encoding='UTF-8' ?>");
        self.write_node(self.doc.root(), true, &mut out);
        out
    }

    /// The whole instance, non-relevant answers included: what a draft stores.
    pub fn instance_xml(&self) -> String {
        let mut out = String::with_capacity(64 * self.doc.len());
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
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(value, true, out);
            out.push('"');
        }
        if element.children.is_empty() && element.text.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        if element.children.is_empty() {
            escape_into(&element.text, false, out);
        } else {
            for &child in &element.children {
                self.write_node(child, prune, out);
            }
        }
        out.push_str("</");
        out.push_str(&element.name);
        out.push('>');
    }
}

/// Appends `text` with `&`, `<`, `>` (and in attributes `"`) escaped.
fn escape_into(text: &str, attribute: bool, out: &mut String) {
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>') || (attribute && b == b'"');
    if !text.bytes().any(special) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
}
