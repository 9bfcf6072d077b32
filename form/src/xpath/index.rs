//! Indexes for equality filters over secondary instances, so that a cascading select over all
//! 83,762 villages (`instance('desa')/root/item[kec = /data/q103]`) is a hash lookup instead of
//! evaluating the predicate on every item. Secondary instances never change while a form is
//! filled in, so an index is built once — at form load for the itemsets the form declares, on
//! first use for any other filter of that shape — and shared by every session of the form.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap as HashMap;

use super::{
    DocIndex, NodeRef,
    ast::{Axis, BinaryOp, Expr, NodeTest, PathStart, Step},
};
use crate::{dom::NodeId, frozen::FrozenDocument};

type Key = (DocIndex, NodeId, String, String);

/// Key value → the items that have it, in document order.
pub type Index = HashMap<String, Vec<NodeId>>;

type Indexes = HashMap<Key, Arc<Index>>;

/// Lazily built indexes: (document, parent, item name, key child) → key value → items.
#[derive(Default)]
pub struct ItemIndex {
    built: Mutex<Indexes>,
}

impl std::fmt::Debug for ItemIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ItemIndex({} indexes)", self.lock().len())
    }
}

impl ItemIndex {
    fn lock(&self) -> std::sync::MutexGuard<'_, Indexes> {
        self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The children of `parent` called `item` whose child `key` has the text `value`, in order.
    pub fn lookup(
        &self,
        doc_index: DocIndex,
        doc: &FrozenDocument,
        parent: NodeId,
        item: &str,
        key: &str,
        value: &str,
    ) -> Vec<NodeRef> {
        let index = self.prepare(doc_index, doc, parent, item, key);
        index.get(value).map_or_else(Vec::new, |items| {
            items.iter().map(|&n| NodeRef::element(doc_index, n)).collect()
        })
    }

    /// Builds (once) the index of `parent`'s `item` children by their `key` child.
    pub fn prepare(
        &self,
        doc_index: DocIndex,
        doc: &FrozenDocument,
        parent: NodeId,
        item: &str,
        key: &str,
    ) -> Arc<Index> {
        let id = (doc_index, parent, item.to_owned(), key.to_owned());
        if let Some(index) = self.lock().get(&id) {
            return Arc::clone(index);
        }
        let index = Arc::new(build(doc, parent, item, key));
        Arc::clone(self.lock().entry(id).or_insert(index))
    }
}

/// For a predicate `key = value` (either way round) whose value is the same for every item,
/// the key child's name and the value's expression.
pub(super) fn equality_key(predicate: &Expr) -> Option<(&str, &Expr)> {
    let Expr::Binary(BinaryOp::Eq, left, right) = predicate else { return None };
    match (key_child(left), key_child(right)) {
        (Some(key), None) if independent_of_item(right) => Some((key, right)),
        (None, Some(key)) if independent_of_item(left) => Some((key, left)),
        _ => None,
    }
}

/// `name` as a predicate operand: one child step from the item, without predicates.
fn key_child(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Path { start: PathStart::Context, steps } => match steps.as_slice() {
            [Step { axis: Axis::Child, test: NodeTest::Name(name), predicates }]
                if predicates.is_empty() =>
            {
                Some(name)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether an operand has the same value for every item.
fn independent_of_item(expr: &Expr) -> bool {
    match expr {
        Expr::Literal(_) => true,
        Expr::Path { start: PathStart::Root, .. } => true,
        Expr::Path { start: PathStart::Call(call), .. } => {
            matches!(call.as_ref(), Expr::Call { name, .. } if name == "current")
        }
        _ => false,
    }
}

/// For an itemset `instance('id')/root/item[key = …]`: the instance id, the item name and the
/// key, so that the form can build the index when it loads.
pub fn itemset_key(expr: &Expr) -> Option<(&str, &str, &str)> {
    let Expr::Path { start: PathStart::Call(call), steps } = expr else { return None };
    let Expr::Call { name, args } = call.as_ref() else { return None };
    let [Expr::Literal(id)] = args.as_slice() else { return None };
    let [root, Step { test: NodeTest::Name(item), predicates, .. }] = steps.as_slice() else {
        return None;
    };
    if name != "instance" || !root.predicates.is_empty() || !matches!(root.test, NodeTest::Name(_))
    {
        return None;
    }
    let [predicate] = predicates.as_slice() else { return None };
    let (key, _) = equality_key(predicate)?;
    Some((id, item, key))
}

fn build(doc: &FrozenDocument, parent: NodeId, item: &str, key: &str) -> Index {
    let mut index = Index::default();
    for child in doc.children(parent) {
        if doc.name(child) != item {
            continue;
        }
        match doc.child(child, key) {
            Some(k) if !doc.has_children(k) => match index.get_mut(doc.text(k)) {
                Some(items) => items.push(child),
                None => {
                    index.insert(doc.text(k).to_owned(), vec![child]);
                }
            },
            found => {
                let text = found.map(|k| doc.string_value(k)).unwrap_or_default();
                index.entry(text).or_default().push(child);
            }
        }
    }
    index.shrink_to_fit();
    for items in index.values_mut() {
        items.shrink_to_fit();
    }
    index
}
