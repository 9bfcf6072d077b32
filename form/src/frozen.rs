//! Read-only XML trees for secondary instances, compact enough for all 83,762 villages.
//!
//! A secondary instance (choice lists, the region cascade, an external CSV) never changes while
//! a form is filled in, and it can be most of a form: `dtks-synth` carries 366,000 elements of
//! them. [`Document`](super::dom::Document) spends about a hundred bytes and two allocations on
//! each element; this tree spends 14 bytes, in a few flat vectors:
//! - nodes are numbered in document order, so a subtree is the contiguous range from the node to
//!   its `end`, children are found by hopping from `id + 1` to each child's `end`, and sorting
//!   node ids sorts them in document order;
//! - the text of every node sits in one buffer, in node order, so a node's text ends where its
//!   `text_end` says and starts where the previous node's ends;
//! - element names are indices into a small table; attributes, rare in instances, sit in a side
//!   list sorted by node.

use super::{
    dom::{MAX_DEPTH, MAX_NODES, NodeId, ParseError},
    scan::local_name,
};

const NO_PARENT: u32 = u32::MAX;

/// A read-only XML tree; node 0 is the root element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrozenDocument {
    names: Vec<u16>,
    parents: Vec<u32>,
    ends: Vec<u32>,
    text_ends: Vec<u32>,
    text: String,
    symbols: Vec<Box<str>>,
    attributes: Vec<(u32, Box<str>, Box<str>)>,
    /// Text that follows a child element (mixed content), rare: (node, text).
    late_text: Vec<(u32, Box<str>)>,
}

impl FrozenDocument {
    /// The root element.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The element's local name.
    pub fn name(&self, id: NodeId) -> &str {
        &self.symbols[usize::from(self.names[id.0 as usize])]
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let parent = self.parents[id.0 as usize];
        (parent != NO_PARENT).then_some(NodeId(parent))
    }

    /// The child elements, in order.
    pub fn children(&self, id: NodeId) -> FrozenChildren<'_> {
        FrozenChildren { doc: self, next: id.0 + 1, end: self.ends[id.0 as usize] }
    }

    pub fn has_children(&self, id: NodeId) -> bool {
        id.0 + 1 < self.ends[id.0 as usize]
    }

    /// The text directly inside the element, before its first child.
    pub fn text(&self, id: NodeId) -> &str {
        let i = id.0 as usize;
        let start = if i == 0 { 0 } else { self.text_ends[i - 1] as usize };
        &self.text[start..self.text_ends[i] as usize]
    }

    /// The string value: the element's text and all its descendants' text, in order.
    pub fn string_value(&self, id: NodeId) -> String {
        if !self.has_children(id) && self.late_text.is_empty() {
            return self.text(id).to_owned();
        }
        let mut out = String::new();
        self.append_text(id, &mut out);
        out
    }

    fn append_text(&self, id: NodeId, out: &mut String) {
        out.push_str(self.text(id));
        for (_, late) in self.late_text.iter().filter(|(node, _)| *node == id.0) {
            out.push_str(late);
        }
        for child in self.children(id) {
            self.append_text(child, out);
        }
    }

    /// The element's attributes, in order: (local name, value).
    pub fn attributes(&self, id: NodeId) -> impl Iterator<Item = (&str, &str)> {
        let start = self.attributes.partition_point(|(node, _, _)| *node < id.0);
        self.attributes[start..]
            .iter()
            .take_while(move |(node, _, _)| *node == id.0)
            .map(|(_, name, value)| (&**name, &**value))
    }

    /// The attribute `name` of an element.
    pub fn attribute(&self, id: NodeId, name: &str) -> Option<&str> {
        self.attributes(id).find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The first child element called `name`.
    pub fn child(&self, id: NodeId, name: &str) -> Option<NodeId> {
        self.children(id).find(|&c| self.name(c) == name)
    }

    /// Heap bytes held, for the form statistics and the memory benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.names.capacity() * 2
            + (self.parents.capacity() + self.ends.capacity() + self.text_ends.capacity()) * 4
            + self.text.capacity()
            + self.symbols.iter().map(|s| s.len() + 16).sum::<usize>()
            + self.attributes.iter().map(|(_, n, v)| 36 + n.len() + v.len()).sum::<usize>()
    }
}

/// The child elements of a [`FrozenDocument`] node.
pub struct FrozenChildren<'a> {
    doc: &'a FrozenDocument,
    next: u32,
    end: u32,
}

impl Iterator for FrozenChildren<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let child = self.next;
        self.next = self.doc.ends[child as usize];
        Some(NodeId(child))
    }
}

/// Builds a [`FrozenDocument`] from start, text and end events in document order.
pub struct FrozenBuilder {
    doc: FrozenDocument,
    lookup: rustc_hash::FxHashMap<Box<str>, u16>,
    /// Open elements, innermost last, each with whether its own text is already written.
    open: Vec<(u32, bool)>,
    pending: String,
    /// Whether the root element has ended.
    closed: bool,
}

impl FrozenBuilder {
    /// A builder with room for `elements` elements and `text_bytes` bytes of text.
    pub fn with_capacity(elements: usize, text_bytes: usize) -> FrozenBuilder {
        let doc = FrozenDocument {
            names: Vec::with_capacity(elements),
            parents: Vec::with_capacity(elements),
            ends: Vec::with_capacity(elements),
            text_ends: Vec::with_capacity(elements),
            text: String::with_capacity(text_bytes),
            ..FrozenDocument::default()
        };
        FrozenBuilder {
            doc,
            lookup: Default::default(),
            open: Vec::new(),
            pending: String::new(),
            closed: false,
        }
    }

    /// Opens an element called `name` (a prefix is dropped) inside the current one.
    pub fn start(&mut self, name: &str) -> Result<NodeId, ParseError> {
        let id = self.doc.names.len();
        if id >= MAX_NODES {
            return Err(ParseError::TooLarge);
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(ParseError::TooDeep { line: 0 });
        }
        if self.closed {
            return Err(self.malformed("a second root element"));
        }
        let parent = match self.open.last().copied() {
            Some((parent, written)) => {
                self.seal_text(parent, written);
                parent
            }
            None => NO_PARENT,
        };
        let symbol = self.symbol(local_name(name))?;
        self.doc.names.push(symbol);
        self.doc.parents.push(parent);
        self.doc.ends.push(0);
        self.doc.text_ends.push(self.doc.text.len() as u32);
        self.open.push((id as u32, false));
        Ok(NodeId(id as u32))
    }

    /// Adds an attribute to the element just opened; namespace declarations are skipped.
    pub fn attribute(&mut self, name: &str, value: &str) {
        if name == "xmlns" || name.starts_with("xmlns:") {
            return;
        }
        if let Some(&(id, _)) = self.open.last() {
            self.doc.attributes.push((id, local_name(name).into(), value.into()));
        }
    }

    /// Text inside the current element; text outside the root is ignored.
    pub fn text(&mut self, text: &str) {
        if !self.open.is_empty() {
            self.pending.push_str(text);
        }
    }

    /// Closes the current element.
    pub fn end(&mut self) -> Result<(), ParseError> {
        let (id, written) = self.open.pop().ok_or_else(|| self.malformed("an unopened end tag"))?;
        if written {
            self.keep_late_text(id);
        } else {
            self.doc.text.push_str(&self.pending);
            self.pending.clear();
            self.doc.text_ends[id as usize] = self.doc.text.len() as u32;
        }
        self.doc.ends[id as usize] = self.doc.names.len() as u32;
        self.closed = self.open.is_empty();
        Ok(())
    }

    /// The finished tree.
    pub fn finish(self) -> Result<FrozenDocument, ParseError> {
        if !self.open.is_empty() {
            return Err(self.malformed("an element that is never closed"));
        }
        if self.doc.names.is_empty() {
            return Err(self.malformed("no root element"));
        }
        Ok(self.doc)
    }

    /// Writes the text an element has before its first child (indentation is not a value).
    fn seal_text(&mut self, parent: u32, written: bool) {
        if written {
            self.keep_late_text(parent);
            return;
        }
        if !self.pending.trim().is_empty() {
            self.doc.text.push_str(&self.pending);
        }
        self.pending.clear();
        self.doc.text_ends[parent as usize] = self.doc.text.len() as u32;
        if let Some(top) = self.open.last_mut() {
            top.1 = true;
        }
    }

    fn keep_late_text(&mut self, id: u32) {
        if !self.pending.trim().is_empty() {
            self.doc.late_text.push((id, self.pending.as_str().into()));
        }
        self.pending.clear();
    }

    fn symbol(&mut self, name: &str) -> Result<u16, ParseError> {
        if let Some(&symbol) = self.lookup.get(name) {
            return Ok(symbol);
        }
        let symbol = u16::try_from(self.doc.symbols.len()).map_err(|_| ParseError::TooLarge)?;
        self.doc.symbols.push(name.into());
        self.lookup.insert(name.into(), symbol);
        Ok(symbol)
    }

    fn malformed(&self, reason: &str) -> ParseError {
        ParseError::Malformed { line: 0, column: 0, reason: reason.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(events: &[(&str, &str)]) -> FrozenDocument {
        let mut b = FrozenBuilder::with_capacity(0, 0);
        for (kind, arg) in events {
            match *kind {
                "start" => {
                    b.start(arg).unwrap();
                }
                "text" => b.text(arg),
                "end" => b.end().unwrap(),
                attr => b.attribute(attr, arg),
            }
        }
        b.finish().unwrap()
    }

    fn villages() -> FrozenDocument {
        let mut events = vec![("start", "root"), ("text", "\n  ")];
        for (name, kec) in [("2001", "01"), ("2002", "01"), ("3001", "02")] {
            events.extend([
                ("start", "item"),
                ("start", "name"),
                ("text", name),
                ("end", ""),
                ("start", "kec"),
                ("text", kec),
                ("end", ""),
                ("end", ""),
                ("text", "\n  "),
            ]);
        }
        events.push(("end", ""));
        build(&events)
    }

    #[test]
    fn children_are_found_in_document_order_with_their_text() {
        let doc = villages();
        let items: Vec<NodeId> = doc.children(doc.root()).collect();
        assert_eq!(items.len(), 3);
        let names: Vec<String> =
            items.iter().map(|&item| doc.string_value(doc.child(item, "name").unwrap())).collect();
        assert_eq!(names, ["2001", "2002", "3001"]);
        assert_eq!(doc.parent(items[2]), Some(doc.root()));
        assert_eq!(doc.parent(doc.root()), None);
        assert!(items.windows(2).all(|w| w[0] < w[1]), "ids follow document order");
    }

    #[test]
    fn indentation_between_children_is_not_text_but_leaf_text_is_kept_verbatim() {
        let doc = villages();
        assert_eq!(doc.text(doc.root()), "");
        assert_eq!(doc.string_value(doc.root()), "200101200201300102");
        let spaced = build(&[("start", "a"), ("text", "  x  "), ("end", "")]);
        assert_eq!(spaced.text(spaced.root()), "  x  ");
    }

    #[test]
    fn mixed_content_keeps_text_after_a_child() {
        let doc = build(&[
            ("start", "p"),
            ("text", "a"),
            ("start", "b"),
            ("text", "B"),
            ("end", ""),
            ("text", "c"),
            ("end", ""),
        ]);
        assert_eq!(doc.string_value(doc.root()), "acB");
    }

    #[test]
    fn attributes_drop_prefixes_and_namespace_declarations() {
        let doc = build(&[
            ("start", "h:root"),
            ("xmlns:h", "urn:x"),
            ("id", "desa"),
            ("start", "item"),
            ("jr:lang", "id"),
            ("end", ""),
            ("end", ""),
        ]);
        assert_eq!(doc.name(doc.root()), "root");
        assert_eq!(doc.attributes(doc.root()).collect::<Vec<_>>(), [("id", "desa")]);
        let item = doc.child(doc.root(), "item").unwrap();
        assert_eq!(doc.attribute(item, "lang"), Some("id"));
        assert_eq!(doc.attribute(doc.root(), "lang"), None);
    }

    #[test]
    fn unbalanced_events_are_malformed() {
        let mut b = FrozenBuilder::with_capacity(0, 0);
        b.start("a").unwrap();
        assert!(matches!(b.finish(), Err(ParseError::Malformed { .. })));
        let mut b = FrozenBuilder::with_capacity(0, 0);
        assert!(b.end().is_err());
        let mut b = FrozenBuilder::with_capacity(0, 0);
        b.start("a").unwrap();
        b.end().unwrap();
        assert!(b.start("b").is_err(), "a second root");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let mut b = FrozenBuilder::with_capacity(0, 0);
        for _ in 0..MAX_DEPTH {
            b.start("a").unwrap();
        }
        assert!(matches!(b.start("a"), Err(ParseError::TooDeep { .. })));
    }
}
