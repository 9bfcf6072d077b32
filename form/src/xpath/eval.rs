//! Evaluating a parsed expression against instances.

use super::{
    Context, NodeKind, NodeRef, Value, XPathError,
    ast::{Axis, BinaryOp, Expr, NodeTest, PathStart, Step},
    functions,
    value::numbers_equal,
};
use crate::tree::Tree;

type Result<T> = std::result::Result<T, XPathError>;

/// Evaluation state: the context, the context node, and its position in the current node-set.
/// (JavaRosa has no `last()`, so the node-set's size is not kept.)
pub(super) struct Evaluator<'c, 'a> {
    pub ctx: &'c Context<'a>,
    pub node: NodeRef,
    pub position: usize,
}

impl<'c, 'a> Evaluator<'c, 'a> {
    pub fn new(ctx: &'c Context<'a>) -> Self {
        Evaluator { ctx, node: ctx.node, position: 1 }
    }

    fn at(&self, node: NodeRef, position: usize) -> Evaluator<'c, 'a> {
        Evaluator { ctx: self.ctx, node, position }
    }

    pub fn eval(&self, expr: &Expr) -> Result<Value> {
        match expr {
            Expr::Number(n) => Ok(Value::Num(*n)),
            Expr::Literal(s) => Ok(Value::Str(s.clone())),
            Expr::Negate(inner) => Ok(Value::Num(-self.num(inner)?)),
            Expr::Binary(op, left, right) => self.binary(*op, left, right),
            Expr::Call { name, args } => functions::call(self, name, args),
            Expr::Path { start, steps } => self.path(start, steps).map(Value::Nodes),
        }
    }

    pub fn read(&self) -> impl Fn(NodeRef) -> String + '_ {
        |node| self.ctx.instances.string_value(node)
    }

    /// JavaRosa's unpacking of a node-set used as a value: no node is empty text, one node is
    /// its (typed) value, several are an error.
    pub fn unpack(&self, value: Value) -> Result<Value> {
        match value {
            Value::Nodes(nodes) => self.unpack_nodes(&nodes),
            other => Ok(other),
        }
    }

    fn unpack_nodes(&self, nodes: &[NodeRef]) -> Result<Value> {
        match nodes {
            [] => Ok(Value::Str(String::new())),
            [node] => self.node_value(*node),
            _ => Err(XPathError::RepeatedField),
        }
    }

    /// One node's (typed) value; the document itself has none.
    pub fn node_value(&self, node: NodeRef) -> Result<Value> {
        if node.kind == NodeKind::Document {
            return Err(XPathError::Unsupported {
                what: "the value of the document itself (no context node)".into(),
            });
        }
        Ok(self.ctx.instances.node_value(node))
    }

    /// A value as a string, a single node by its typed value (a decimal node holding `2.0` is
    /// `2`, a date-time node its date), as JavaRosa converts.
    pub fn string(&self, value: &Value) -> Result<String> {
        match value {
            Value::Nodes(nodes) => self.unpack_nodes(nodes)?.to_str(&self.read()),
            other => other.to_str(&self.read()),
        }
    }

    pub fn number(&self, value: &Value) -> Result<f64> {
        match value {
            Value::Nodes(nodes) => self.unpack_nodes(nodes)?.to_num(&self.read()),
            other => other.to_num(&self.read()),
        }
    }

    pub fn str(&self, expr: &Expr) -> Result<String> {
        self.string(&self.eval(expr)?)
    }

    pub fn num(&self, expr: &Expr) -> Result<f64> {
        self.number(&self.eval(expr)?)
    }

    pub fn bool(&self, expr: &Expr) -> Result<bool> {
        Ok(self.unpack(self.eval(expr)?)?.to_bool())
    }

    /// Evaluates to a node-set, or fails naming what was found instead.
    pub fn nodes(&self, expr: &Expr) -> Result<Vec<NodeRef>> {
        match self.eval(expr)? {
            Value::Nodes(nodes) => Ok(nodes),
            _ => Err(XPathError::Unsupported {
                what: "a path step after a value that is not a node-set".into(),
            }),
        }
    }

    fn binary(&self, op: BinaryOp, left: &Expr, right: &Expr) -> Result<Value> {
        use BinaryOp::*;
        Ok(match op {
            Or => Value::Bool(self.bool(left)? || self.bool(right)?),
            And => Value::Bool(self.bool(left)? && self.bool(right)?),
            Eq => Value::Bool(
                self.equal(&self.unpack(self.eval(left)?)?, &self.unpack(self.eval(right)?)?)?,
            ),
            Ne => Value::Bool(
                !self.equal(&self.unpack(self.eval(left)?)?, &self.unpack(self.eval(right)?)?)?,
            ),
            Lt | Le | Gt | Ge => {
                let (a, b) = (self.num(left)?, self.num(right)?);
                Value::Bool(match op {
                    Lt => a < b,
                    Le => a <= b,
                    Gt => a > b,
                    _ => a >= b,
                })
            }
            Add => Value::Num(self.num(left)? + self.num(right)?),
            Sub => Value::Num(self.num(left)? - self.num(right)?),
            Mul => Value::Num(self.num(left)? * self.num(right)?),
            Div => Value::Num(self.num(left)? / self.num(right)?),
            Mod => Value::Num(self.num(left)? % self.num(right)?),
        })
    }

    /// JavaRosa's `=`: booleans win, then numbers (a date then counts its days), then strings
    /// (so two dates, or a date and a text, compare as `YYYY-MM-DD`).
    fn equal(&self, a: &Value, b: &Value) -> Result<bool> {
        let either = |f: fn(&Value) -> bool| f(a) || f(b);
        if either(|v| matches!(v, Value::Bool(_))) {
            return Ok(a.to_bool() == b.to_bool());
        }
        if either(|v| matches!(v, Value::Num(_))) {
            return Ok(numbers_equal(self.number(a)?, self.number(b)?));
        }
        Ok(self.string(a)? == self.string(b)?)
    }

    fn path(&self, start: &PathStart, steps: &[Step]) -> Result<Vec<NodeRef>> {
        let nodes = match start {
            PathStart::Root => vec![NodeRef::document(0)],
            PathStart::Context => vec![self.node],
            PathStart::Call(call) => self.nodes(call)?,
        };
        self.walk(nodes, steps)
    }

    /// Applies `steps` to every node of `nodes` (distinct, in document order), keeping document
    /// order and no duplicates.
    pub fn walk(&self, mut nodes: Vec<NodeRef>, steps: &[Step]) -> Result<Vec<NodeRef>> {
        for step in steps {
            let mut next = Vec::new();
            for node in &nodes {
                match self.indexed(*node, step)? {
                    Some(found) => next.extend(found),
                    None => {
                        let selected = self.axis(*node, step)?;
                        next.extend(self.filter(selected, &step.predicates)?);
                    }
                }
            }
            // Distinct nodes have distinct children and attributes; only `..` from several
            // siblings can reach the same node twice.
            if step.axis == Axis::Parent && nodes.len() > 1 {
                dedup_keep_order(&mut next);
            }
            nodes = next;
        }
        Ok(nodes)
    }

    /// A step `item[key = value]` over a secondary instance, answered from the index when the
    /// value does not depend on the item (a literal, an absolute path, `current()/…`) and is
    /// text (numbers compare as numbers, so those are filtered item by item).
    fn indexed(&self, node: NodeRef, step: &Step) -> Result<Option<Vec<NodeRef>>> {
        let (Some(index), NodeKind::Element(parent), [predicate]) =
            (self.ctx.instances.index, node.kind, step.predicates.as_slice())
        else {
            return Ok(None);
        };
        let (Axis::Child, NodeTest::Name(item), true) = (step.axis, &step.test, node.doc != 0)
        else {
            return Ok(None);
        };
        let Some((key, other)) = super::index::equality_key(predicate) else { return Ok(None) };
        let Value::Str(value) = self.unpack(self.eval(other)?)? else { return Ok(None) };
        let Tree::Frozen(doc) = self.ctx.instances.document(node.doc) else { return Ok(None) };
        Ok(Some(index.lookup(node.doc, doc, parent, item, key, &value)))
    }

    fn filter(&self, mut nodes: Vec<NodeRef>, predicates: &[Expr]) -> Result<Vec<NodeRef>> {
        for predicate in predicates {
            let mut kept = Vec::with_capacity(nodes.len());
            for (i, node) in nodes.into_iter().enumerate() {
                let inner = self.at(node, i + 1);
                let keep = match inner.eval(predicate)? {
                    // JavaRosa (ODK Collect) selects nothing with a numeric predicate
                    // (`/data/member[2]/name` is empty there); forms use `position()` or
                    // `indexed-repeat()` (ADR 0006, amended).
                    Value::Num(_) => false,
                    other => inner.unpack(other)?.to_bool(),
                };
                if keep {
                    kept.push(node);
                }
            }
            nodes = kept;
        }
        Ok(nodes)
    }

    fn axis(&self, node: NodeRef, step: &Step) -> Result<Vec<NodeRef>> {
        let doc = self.ctx.instances.document(node.doc);
        let element = |id| NodeRef::element(node.doc, id);
        // As in JavaRosa, a step never reaches a non-relevant node of the primary instance:
        // `count()` skips non-relevant repeat instances and `position(..)` inside one is 0.
        let hidden = |id| node.doc == 0 && self.ctx.instances.nonrelevant.is_some_and(|f| f(id));
        let matches = |id: super::NodeId| {
            !hidden(id)
                && match &step.test {
                    NodeTest::Name(name) => doc.name(id) == &**name,
                    NodeTest::Any | NodeTest::Node => true,
                }
        };
        Ok(match (step.axis, node.kind) {
            (Axis::Child, NodeKind::Document) => {
                let root = doc.root();
                if doc.is_empty() || !matches(root) { vec![] } else { vec![element(root)] }
            }
            (Axis::Child, NodeKind::Element(id)) => {
                doc.children(id).filter(|&c| matches(c)).map(element).collect()
            }
            (Axis::Attribute, NodeKind::Element(id)) => doc
                .attributes(id)
                .iter()
                .enumerate()
                .filter(|(_, (name, _))| match &step.test {
                    NodeTest::Name(wanted) => name == wanted,
                    _ => true,
                })
                .map(|(i, _)| NodeRef { doc: node.doc, kind: NodeKind::Attribute(id, i as u16) })
                .collect(),
            (Axis::Parent, NodeKind::Element(id)) => match doc.parent(id) {
                Some(parent) if matches(parent) => vec![element(parent)],
                Some(_) => vec![],
                None if step.test == NodeTest::Node => vec![NodeRef::document(node.doc)],
                None => vec![],
            },
            (Axis::Parent, NodeKind::Attribute(id, _)) => vec![element(id)],
            (Axis::Parent, NodeKind::Document) => {
                return Err(XPathError::Unsupported { what: "a step above the root (..)".into() });
            }
            (Axis::SelfNode, NodeKind::Element(id)) => {
                if matches(id) {
                    vec![node]
                } else {
                    vec![]
                }
            }
            (Axis::SelfNode, _) => {
                if step.test == NodeTest::Node {
                    vec![node]
                } else {
                    vec![]
                }
            }
            _ => vec![],
        })
    }
}

fn dedup_keep_order(nodes: &mut Vec<NodeRef>) {
    let mut seen = rustc_hash::FxHashSet::default();
    nodes.retain(|n| seen.insert(*n));
}
