//! One read-only view over the two kinds of tree an expression can walk: the editable primary
//! instance ([`Document`]) and the compact secondary instances ([`FrozenDocument`]).

use super::{
    dom::{Document, NodeId},
    frozen::{FrozenChildren, FrozenDocument},
};

/// A tree an XPath step can walk.
#[derive(Debug, Clone, Copy)]
pub enum Tree<'a> {
    Mutable(&'a Document),
    Frozen(&'a FrozenDocument),
}

/// The child elements of a node, in order.
pub enum Children<'a> {
    Slice(std::slice::Iter<'a, NodeId>),
    Frozen(FrozenChildren<'a>),
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        match self {
            Children::Slice(ids) => ids.next().copied(),
            Children::Frozen(ids) => ids.next(),
        }
    }
}

impl<'a> Tree<'a> {
    pub fn root(self) -> NodeId {
        NodeId(0)
    }

    pub fn is_empty(self) -> bool {
        match self {
            Tree::Mutable(doc) => doc.is_empty(),
            Tree::Frozen(doc) => doc.is_empty(),
        }
    }

    pub fn name(self, id: NodeId) -> &'a str {
        match self {
            Tree::Mutable(doc) => &doc.get(id).name,
            Tree::Frozen(doc) => doc.name(id),
        }
    }

    pub fn parent(self, id: NodeId) -> Option<NodeId> {
        match self {
            Tree::Mutable(doc) => doc.get(id).parent,
            Tree::Frozen(doc) => doc.parent(id),
        }
    }

    pub fn children(self, id: NodeId) -> Children<'a> {
        match self {
            Tree::Mutable(doc) => Children::Slice(doc.get(id).children.iter()),
            Tree::Frozen(doc) => Children::Frozen(doc.children(id)),
        }
    }

    pub fn has_children(self, id: NodeId) -> bool {
        match self {
            Tree::Mutable(doc) => !doc.get(id).children.is_empty(),
            Tree::Frozen(doc) => doc.has_children(id),
        }
    }

    /// The first child element called `name`.
    pub fn child(self, id: NodeId, name: &str) -> Option<NodeId> {
        self.children(id).find(|&c| self.name(c) == name)
    }

    pub fn string_value(self, id: NodeId) -> String {
        match self {
            Tree::Mutable(doc) => doc.string_value(id),
            Tree::Frozen(doc) => doc.string_value(id),
        }
    }

    /// The element's attributes, in order: (local name, value).
    pub fn attributes(self, id: NodeId) -> Vec<(&'a str, &'a str)> {
        match self {
            Tree::Mutable(doc) => {
                doc.get(id).attributes.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
            }
            Tree::Frozen(doc) => doc.attributes(id).collect(),
        }
    }
}
