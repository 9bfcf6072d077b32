//! The parsed form of an XPath expression.

/// A binary operator, from loosest to tightest binding: or, and, equality, relational,
/// additive, multiplicative. (JavaRosa does not evaluate the union `|`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// A location-step axis: the ones JavaRosa evaluates. `//`, `descendant::` and the other
/// XPath axes are refused when an expression is parsed, as JavaRosa refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Child,
    Parent,
    SelfNode,
    Attribute,
}

/// What a step selects on its axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeTest {
    /// A local name (prefix dropped, as instance paths use local names).
    Name(String),
    /// `*`
    Any,
    /// `node()`
    Node,
}

/// One location step: axis, node test and predicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub axis: Axis,
    pub test: NodeTest,
    pub predicates: Vec<Expr>,
}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStart {
    /// `/…`: the document root.
    Root,
    /// `a/b`: the context node.
    Context,
    /// `current()/…`, `instance('id')/…`: a function call.
    Call(Box<Expr>),
}

/// An XPath expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Literal(String),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    /// A function call; `name` keeps its prefix (`jr:choice-name`).
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// A location path, possibly starting from a function call.
    Path {
        start: PathStart,
        steps: Vec<Step>,
    },
}
