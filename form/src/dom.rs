//! A small XML tree for form instances: an arena of elements with names, attributes and text.
//!
//! The questionnaire engine reads and writes instance values millions of times per session, so
//! nodes are indices into a vector, not reference-counted objects. Parsing refuses anything a
//! hostile form could use against a phone: DTDs (and so entity expansion) are rejected outright,
//! and nesting depth and node count are bounded. Errors name the line and column.

use std::{fmt, sync::Arc};

use rustc_hash::FxHashMap as HashMap;

/// Deepest element nesting accepted. Real ODK forms nest a few dozen levels at most.
pub const MAX_DEPTH: usize = 128;
/// Most nodes accepted in one document (the 1.5 MB WHO VA form has about 60,000).
pub const MAX_NODES: usize = 2_000_000;

/// Index of a node in its [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// An element of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Local name (namespace prefixes dropped, as XForms instance paths use local names),
    /// shared between all elements of the same name: 83,762 `<item>`s hold one string.
    pub name: Arc<str>,
    pub attributes: Vec<(String, String)>,
    /// Concatenated text content directly inside this element.
    pub text: String,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
}

/// An XML document as an arena; node 0 is the root element.
#[derive(Debug, Clone, Default)]
pub struct Document {
    nodes: Vec<Element>,
    names: HashMap<Arc<str>, ()>,
}

impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
    }
}

impl Eq for Document {}

/// Why a document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("The XML is not well formed at line {line}, column {column}: {reason}.")]
    Malformed { line: u32, column: u32, reason: String },
    #[error("The XML declares a DTD at line {line}; DTDs and entities are not accepted.")]
    Dtd { line: u32 },
    #[error("The XML nests deeper than {MAX_DEPTH} elements at line {line}.")]
    TooDeep { line: u32 },
    #[error("The XML has more than {MAX_NODES} nodes.")]
    TooLarge,
}

impl Document {
    /// Parses `text`, refusing DTDs, excessive depth and excessive size.
    pub fn parse(text: &str) -> Result<Document, ParseError> {
        let parsed = parse_guarded(text)?;
        Document::from_element(&parsed, parsed.root_element())
    }

    /// Copies an element of an already parsed document (and everything inside it).
    pub fn from_element(
        source: &roxmltree::Document<'_>,
        element: roxmltree::Node<'_, '_>,
    ) -> Result<Document, ParseError> {
        let mut doc = Document::default();
        doc.copy_element(source, element, None, 1)?;
        Ok(doc)
    }

    /// A document with a single empty root element.
    pub fn with_root(name: &str) -> Document {
        let mut doc = Document::default();
        doc.push(name, None);
        doc
    }

    fn copy_element(
        &mut self,
        source: &roxmltree::Document<'_>,
        node: roxmltree::Node<'_, '_>,
        parent: Option<NodeId>,
        depth: usize,
    ) -> Result<NodeId, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep { line: source.text_pos_at(node.range().start).row });
        }
        let id = self.push(node.tag_name().name(), parent);
        self.nodes[id.0 as usize].attributes =
            node.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect();
        for child in node.children() {
            if child.is_element() {
                self.copy_element(source, child, Some(id), depth + 1)?;
            } else if child.is_text() {
                self.nodes[id.0 as usize].text.push_str(child.text().unwrap_or(""));
            }
        }
        // Indentation between child elements is layout, not a value.
        let element = &mut self.nodes[id.0 as usize];
        if !element.children.is_empty() && element.text.trim().is_empty() {
            element.text.clear();
        }
        Ok(id)
    }

    /// The shared copy of `name`.
    fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some((shared, _)) = self.names.get_key_value(name) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(name);
        self.names.insert(Arc::clone(&shared), ());
        shared
    }

    /// Appends an element under `parent` (or as the root) and returns it.
    pub fn push(&mut self, name: &str, parent: Option<NodeId>) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let name = self.intern(name);
        self.nodes.push(Element {
            name,
            attributes: Vec::new(),
            text: String::new(),
            parent,
            children: Vec::new(),
        });
        if let Some(parent) = parent {
            self.nodes[parent.0 as usize].children.push(id);
        }
        id
    }

    /// Removes `id` from its parent's children; the node stays in the arena, unreachable.
    pub fn detach(&mut self, id: NodeId) {
        if let Some(parent) = self.nodes[id.0 as usize].parent.take() {
            self.nodes[parent.0 as usize].children.retain(|&c| c != id);
        }
    }

    /// Copies the subtree at `source` (of `from`) under `parent`, inserted at child position
    /// `index`; returns the copy's root.
    pub fn copy_subtree(
        &mut self,
        from: &Document,
        source: NodeId,
        parent: NodeId,
        index: usize,
    ) -> NodeId {
        let copy = self.copy_detached(from, source, parent);
        let children = &mut self.nodes[parent.0 as usize].children;
        children.insert(index.min(children.len()), copy);
        copy
    }

    fn copy_detached(&mut self, from: &Document, source: NodeId, parent: NodeId) -> NodeId {
        let element = from.get(source);
        let id = NodeId(self.nodes.len() as u32);
        let name = self.intern(&element.name);
        self.nodes.push(Element {
            name,
            attributes: element.attributes.clone(),
            text: element.text.clone(),
            parent: Some(parent),
            children: Vec::new(),
        });
        for &child in &element.children {
            let copied = self.copy_detached(from, child, id);
            self.nodes[id.0 as usize].children.push(copied);
        }
        id
    }

    /// The root element.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    pub fn get(&self, id: NodeId) -> &Element {
        &self.nodes[id.0 as usize]
    }

    pub fn get_mut(&mut self, id: NodeId) -> &mut Element {
        &mut self.nodes[id.0 as usize]
    }

    /// The string value of a node: its own text and all its descendants' text, in order.
    pub fn string_value(&self, id: NodeId) -> String {
        let element = self.get(id);
        if element.children.is_empty() {
            return element.text.clone();
        }
        let mut out = element.text.clone();
        for &child in &element.children {
            out.push_str(&self.string_value(child));
        }
        out
    }

    /// The attribute `name` of a node.
    pub fn attribute(&self, id: NodeId, name: &str) -> Option<&str> {
        self.get(id).attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub fn child(&self, id: NodeId, name: &str) -> Option<NodeId> {
        self.get(id).children.iter().copied().find(|&c| &*self.get(c).name == name)
    }

    /// The trimmed text at a plain path of child names (`/data/meta/instanceID`; the root step
    /// may be `*`), following the first child of each name; `None` when absent or blank.
    pub fn text_at(&self, path: &str) -> Option<String> {
        let mut steps = path.trim_start_matches('/').split('/');
        let root_name = steps.next()?;
        let mut at = self.root();
        if root_name != "*" && &*self.get(at).name != root_name {
            return None;
        }
        for step in steps {
            at = self.child(at, step)?;
        }
        let text = self.string_value(at);
        (!text.trim().is_empty()).then(|| text.trim().to_owned())
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Parses XML with the guards every form input gets: no DTD, bounded node count.
pub fn parse_guarded(text: &str) -> Result<roxmltree::Document<'_>, ParseError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES as u32,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        match e {
            roxmltree::Error::DtdDetected => ParseError::Dtd { line: line_of(text, "<!DOCTYPE") },
            roxmltree::Error::NodesLimitReached => ParseError::TooLarge,
            other => {
                ParseError::Malformed { line: pos.row, column: pos.col, reason: other.to_string() }
            }
        }
    })
}

/// The 1-based line where `needle` first appears in `text` (1 when it does not).
fn line_of(text: &str, needle: &str) -> u32 {
    let offset = text.find(needle).unwrap_or(0);
    text[..offset].bytes().filter(|&b| b == b'\n').count() as u32 + 1
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_elements_attributes_and_text_in_document_order() {
        let doc =
            Document::parse(r#"<data id="f"><a>1</a><b><c>x</c><c>y</c></b></data>"#).unwrap();
        let root = doc.root();
        assert_eq!(&*doc.get(root).name, "data");
        assert_eq!(doc.attribute(root, "id"), Some("f"));
        let b = doc.child(root, "b").unwrap();
        assert_eq!(doc.get(b).children.len(), 2);
        assert_eq!(doc.string_value(b), "xy");
        assert_eq!(doc.string_value(doc.child(root, "a").unwrap()), "1");
    }

    #[test]
    fn copied_subtree_is_independent_and_detached_nodes_are_unreachable() {
        let mut doc = Document::parse("<data><r><x>1</x></r><end/></data>").unwrap();
        let template = Document::parse("<r><x>default</x></r>").unwrap();
        let root = doc.root();
        let copy = doc.copy_subtree(&template, template.root(), root, 1);
        assert_eq!(doc.get(root).children.len(), 3);
        assert_eq!(doc.string_value(copy), "default");
        let first = doc.get(root).children[0];
        doc.detach(first);
        assert_eq!(doc.get(root).children, vec![copy, doc.child(root, "end").unwrap()]);
        assert_eq!(doc.get(first).parent, None);
    }

    #[test]
    fn namespace_prefixes_are_dropped_from_names() {
        let doc = Document::parse(r#"<h:data xmlns:h="urn:x"><h:a/></h:data>"#).unwrap();
        assert_eq!(&*doc.get(doc.root()).name, "data");
    }

    #[test]
    fn entity_expansion_attack_is_refused_as_a_dtd() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<data>&lol2;</data>"#;
        assert_eq!(Document::parse(bomb), Err(ParseError::Dtd { line: 2 }));
    }

    #[test]
    fn excessive_nesting_is_refused_with_its_line() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(Document::parse(&deep), Err(ParseError::TooDeep { .. })));
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        let err = Document::parse("<data>\n  <a></b>\n</data>").unwrap_err();
        let ParseError::Malformed { line, column, .. } = err else { panic!("{err:?}") };
        assert_eq!((line, column), (2, 6), "the position of the mismatched closing tag");
    }
}
