//! XPath 1.0 with the ODK function library, evaluated the way JavaRosa evaluates it.
//!
//! An expression is compiled once ([`XPath::compile`]). A call to an unknown function or with a
//! wrong argument count fails when it is evaluated, as in ODK Collect, so a form that names one in
//! a branch never taken still loads; [`XPath::call_problems`] lists such calls for `form check`.
//! Evaluation is pure: the caller hands in the instances,
//! the context node, the clock and the random state.

pub mod ast;
mod dates;
mod eval;
mod functions;
mod index;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;
mod value;

use std::cell::Cell;

pub use ast::Expr;
pub use dates::{DateTime, days_in_month, is_leap};
pub use index::{ItemIndex, itemset_key};
pub use value::{Value, format_number, java_double_to_string, parse_number};

use super::{
    dom::{Document, NodeId},
    frozen::FrozenDocument,
    tree::Tree,
};

/// Why an expression cannot be compiled or evaluated. Messages name the expression's parts,
/// never instance values (they may be a NIK or a name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XPathError {
    #[error("XPath syntax error at offset {offset}: {reason}.")]
    Syntax { offset: usize, reason: String },
    #[error(
        "The expression nests deeper than {limit} levels at offset {offset}; split it into \
         several calculations."
    )]
    TooDeep { offset: usize, limit: usize },
    #[error("XPath feature not supported: {what}.")]
    Unsupported { what: String },
    #[error("The function {name}() is not supported.")]
    UnknownFunction { name: String },
    #[error("The function {name}() does not take {given} argument(s).")]
    Arity { name: String, given: usize },
    #[error("This field is repeated: an expression expected one node and found several.")]
    RepeatedField,
    #[error("The function {function}() got an invalid argument: {reason}.")]
    InvalidArgument { function: &'static str, reason: String },
    #[error("The secondary instance '{id}' does not exist.")]
    UnknownInstance { id: String },
}

/// Which document a node belongs to: 0 is the primary instance, `n` the n-th secondary one.
pub type DocIndex = u16;

/// A node an expression can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeRef {
    pub doc: DocIndex,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// The document node above the root element (`/`).
    Document,
    Element(NodeId),
    /// The `index`-th attribute of an element.
    Attribute(NodeId, u16),
}

impl NodeRef {
    pub fn element(doc: DocIndex, id: NodeId) -> NodeRef {
        NodeRef { doc, kind: NodeKind::Element(id) }
    }

    pub fn document(doc: DocIndex) -> NodeRef {
        NodeRef { doc, kind: NodeKind::Document }
    }
}

/// The documents an expression can reach: the primary instance and the named secondary ones.
pub struct Instances<'a> {
    pub primary: &'a Document,
    /// The secondary instances by id, as the form holds them.
    pub secondary: &'a [(String, FrozenDocument)],
    /// Primary-instance nodes that are not relevant: they read as empty, as in JavaRosa.
    pub nonrelevant: Option<&'a dyn Fn(NodeId) -> bool>,
    /// The typed value of a primary-instance node (a number for an int, a date for a date, a
    /// boolean for a boolean calculate), as JavaRosa's typed answers read; `None` means text.
    pub typed: Option<&'a dyn Fn(NodeId) -> Option<Value>>,
    /// Equality-filter indexes over secondary instances, when the caller keeps them.
    pub index: Option<&'a ItemIndex>,
}

impl<'a> Instances<'a> {
    pub fn document(&self, doc: DocIndex) -> Tree<'a> {
        match doc {
            0 => Tree::Mutable(self.primary),
            n => Tree::Frozen(&self.secondary[usize::from(n) - 1].1),
        }
    }

    pub fn by_id(&self, id: &str) -> Option<DocIndex> {
        self.secondary.iter().position(|(name, _)| name == id).map(|i| i as DocIndex + 1)
    }

    /// The value a single node stands for when used as a value: typed where the instance knows
    /// the type, else its text.
    pub fn node_value(&self, node: NodeRef) -> Value {
        if let (0, NodeKind::Element(id), Some(typed)) = (node.doc, node.kind, self.typed)
            && !self.nonrelevant.is_some_and(|f| f(id))
            && let Some(value) = typed(id)
        {
            return value;
        }
        Value::Str(self.string_value(node))
    }

    /// The value of a node as an expression reads it: a leaf's text, an attribute's value.
    pub fn string_value(&self, node: NodeRef) -> String {
        let doc = self.document(node.doc);
        let hidden = |id| node.doc == 0 && self.nonrelevant.is_some_and(|f| f(id));
        match node.kind {
            NodeKind::Document => doc.string_value(doc.root()),
            NodeKind::Element(id) if hidden(id) => String::new(),
            // As in JavaRosa, an element with child elements (a group, a repeat instance, an
            // item) has no value of its own.
            NodeKind::Element(id) if doc.children(id).next().is_some() => String::new(),
            NodeKind::Element(id) => doc.string_value(id),
            NodeKind::Attribute(id, index) => doc
                .attributes(id)
                .get(usize::from(index))
                .map_or_else(String::new, |(_, value)| (*value).to_owned()),
        }
    }
}

/// What only the form definition knows, for `jr:itext` and `jr:choice-name`.
pub trait FormLookup {
    /// The text with itext id `id` in the active language.
    fn itext(&self, id: &str) -> Option<String>;
    /// The label, in the active language, of choice `value` of the question that the path
    /// `question` (absolute, or relative to `context`) points at.
    fn choice_label(&self, value: &str, question: &str, context: NodeRef) -> Option<String>;
}

/// Everything an evaluation depends on besides the expression.
pub struct Context<'a> {
    pub instances: &'a Instances<'a>,
    /// The context node (`.`).
    pub node: NodeRef,
    /// The node `current()` returns: the one the expression is bound to.
    pub current: NodeRef,
    /// Milliseconds since the Unix epoch, for `now()` and `today()`.
    pub now_ms: i64,
    /// The form's time zone as an offset from UTC.
    pub tz_offset_minutes: i32,
    /// State of the generator behind `random()` and `uuid()`; seed it for repeatable runs.
    pub random_state: &'a Cell<u64>,
    /// The form definition, when evaluating inside a form.
    pub form: Option<&'a dyn FormLookup>,
}

/// A compiled expression; cloning it shares the parsed tree.
#[derive(Debug, Clone, PartialEq)]
pub struct XPath {
    source: std::sync::Arc<str>,
    expr: std::sync::Arc<Expr>,
}

impl XPath {
    /// Parses `source`.
    pub fn compile(source: &str) -> Result<XPath, XPathError> {
        let expr = parser::parse(source)?;
        Ok(XPath { source: source.into(), expr: expr.into() })
    }

    /// The calls in this expression that will fail if they are evaluated: unknown functions and
    /// wrong argument counts.
    pub fn call_problems(&self) -> Vec<XPathError> {
        let mut problems = Vec::new();
        functions::call_problems(&self.expr, &mut problems);
        problems
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Evaluates the expression.
    pub fn eval(&self, ctx: &Context<'_>) -> Result<Value, XPathError> {
        eval::Evaluator::new(ctx).eval(&self.expr)
    }

    /// Evaluates the expression as a condition (`relevant`, `required`, `constraint`): a single
    /// node counts by its value, as in JavaRosa, not by its existence.
    pub fn eval_bool(&self, ctx: &Context<'_>) -> Result<bool, XPathError> {
        eval::Evaluator::new(ctx).bool(&self.expr)
    }
}
