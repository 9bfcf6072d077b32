//! A recursive-descent parser for XPath 1.0 expressions (the grammar of the XPath 1.0 spec §3,
//! restricted to the axes ODK forms use).

use super::{
    XPathError,
    ast::{Axis, BinaryOp, Expr, NodeTest, PathStart, Step},
    lexer::{Tok, Token, tokenize},
};

/// How deeply an expression may nest: brackets, function arguments, predicates, unary minuses
/// and the operators of one chain all count. Parsing, evaluating, analysing and dropping an
/// expression recurse once per level, so without a bound a hostile form (5,000 nested
/// parentheses, 20,000 unary minuses) would overflow the stack and abort the app instead of
/// failing to load. Real forms stay below it (a sum of two hundred fields, fifty nested
/// `if()`s); the shells run the core on threads with an 8 MB stack, which holds this depth
/// even in a debug build.
pub const MAX_NESTING: usize = 256;

/// Parses a whole expression.
pub fn parse(expr: &str) -> Result<Expr, XPathError> {
    if let Some(simple) = common_shape(expr) {
        return Ok(simple);
    }
    let tokens = tokenize(expr)?;
    let mut parser = Parser { tokens, pos: 0, end: expr.len(), depth: 0 };
    let parsed = parser.or_expr()?;
    match parser.peek() {
        None => Ok(parsed),
        Some(_) => Err(parser.error("unexpected text after the expression")),
    }
}

/// The two shapes that make up most of a form's expressions, built without the tokenizer:
/// a plain absolute path (`/data/a/b`, what `${b}` becomes) and a label reference
/// (`jr:itext('id')`). Anything else, or anything unusual in these, takes the full parser.
fn common_shape(expr: &str) -> Option<Expr> {
    let expr = expr.trim_matches(|c: char| c.is_ascii_whitespace());
    if let Some(id) = expr.strip_prefix("jr:itext('").and_then(|e| e.strip_suffix("')")) {
        return (!id.contains('\'')).then(|| Expr::Call {
            name: "jr:itext".to_owned(),
            args: vec![Expr::Literal(id.to_owned())],
        });
    }
    let steps = expr.strip_prefix('/')?.split('/').map(|name| {
        is_plain_name(name).then(|| Step {
            axis: Axis::Child,
            test: NodeTest::Name(name.to_owned()),
            predicates: Vec::new(),
        })
    });
    Some(Expr::Path { start: PathStart::Root, steps: steps.collect::<Option<Vec<_>>>()? })
}

/// An ASCII name without a prefix, which the tokenizer would read as one name token.
fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    /// The nesting so far on the way down to the token being parsed (see [`MAX_NESTING`]).
    depth: usize,
}

type Parsed = Result<Expr, XPathError>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    fn next(&mut self) -> Option<Tok> {
        let token = self.tokens.get(self.pos).map(|t| t.kind.clone());
        self.pos += 1;
        token
    }

    fn eat(&mut self, kind: &Tok) -> bool {
        if self.peek() == Some(kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: &Tok, what: &str) -> Result<(), XPathError> {
        if self.eat(kind) { Ok(()) } else { Err(self.error(&format!("expected {what}"))) }
    }

    fn error(&self, reason: &str) -> XPathError {
        XPathError::Syntax { offset: self.offset(), reason: reason.to_owned() }
    }

    /// One level deeper; refused past [`MAX_NESTING`].
    fn descend(&mut self) -> Result<(), XPathError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(XPathError::TooDeep { offset: self.offset(), limit: MAX_NESTING });
        }
        Ok(())
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map(|t| t.offset).unwrap_or(self.end)
    }

    /// Parses a left-associative chain of `next` joined by the operators `ops` maps. Each
    /// operator makes the tree one level deeper, so each counts against the nesting bound.
    fn chain(
        &mut self,
        ops: fn(&Tok) -> Option<BinaryOp>,
        next: fn(&mut Self) -> Parsed,
    ) -> Parsed {
        let depth_before = self.depth;
        let mut left = next(self)?;
        while let Some(op) = self.peek().and_then(ops) {
            self.descend()?;
            self.pos += 1;
            let right = next(self)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth = depth_before;
        Ok(left)
    }

    /// A whole expression, nested in brackets, an argument list or a predicate.
    fn or_expr(&mut self) -> Parsed {
        let depth_before = self.depth;
        self.descend()?;
        let parsed = self.chain(|t| (*t == Tok::Or).then_some(BinaryOp::Or), Self::and_expr);
        self.depth = depth_before;
        parsed
    }

    fn and_expr(&mut self) -> Parsed {
        self.chain(|t| (*t == Tok::And).then_some(BinaryOp::And), Self::equality)
    }

    fn equality(&mut self) -> Parsed {
        self.chain(
            |t| match t {
                Tok::Eq => Some(BinaryOp::Eq),
                Tok::Ne => Some(BinaryOp::Ne),
                _ => None,
            },
            Self::relational,
        )
    }

    fn relational(&mut self) -> Parsed {
        self.chain(
            |t| match t {
                Tok::Lt => Some(BinaryOp::Lt),
                Tok::Le => Some(BinaryOp::Le),
                Tok::Gt => Some(BinaryOp::Gt),
                Tok::Ge => Some(BinaryOp::Ge),
                _ => None,
            },
            Self::additive,
        )
    }

    fn additive(&mut self) -> Parsed {
        self.chain(
            |t| match t {
                Tok::Plus => Some(BinaryOp::Add),
                Tok::Minus => Some(BinaryOp::Sub),
                _ => None,
            },
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> Parsed {
        self.chain(
            |t| match t {
                Tok::Star => Some(BinaryOp::Mul),
                Tok::Div => Some(BinaryOp::Div),
                Tok::Mod => Some(BinaryOp::Mod),
                _ => None,
            },
            Self::unary,
        )
    }

    fn unary(&mut self) -> Parsed {
        if self.eat(&Tok::Minus) {
            let depth_before = self.depth;
            self.descend()?;
            let negated = Expr::Negate(Box::new(self.unary()?));
            self.depth = depth_before;
            return Ok(negated);
        }
        let path = self.path()?;
        if self.peek() == Some(&Tok::Pipe) {
            return Err(unsupported("the node-set union '|'"));
        }
        Ok(path)
    }

    fn path(&mut self) -> Parsed {
        match self.peek() {
            Some(Tok::Slash) => {
                self.pos += 1;
                let steps = if self.starts_step() { self.relative_steps()? } else { Vec::new() };
                Ok(Expr::Path { start: PathStart::Root, steps })
            }
            Some(Tok::DoubleSlash) => Err(unsupported("descendant steps '//'")),
            _ if self.starts_step() => {
                Ok(Expr::Path { start: PathStart::Context, steps: self.relative_steps()? })
            }
            _ => self.filter_path(),
        }
    }

    /// A primary expression; a function call may start a path (`current()/..`,
    /// `instance('id')/root/item`). JavaRosa evaluates no other filter expressions.
    fn filter_path(&mut self) -> Parsed {
        let primary = self.primary()?;
        match self.peek() {
            Some(Tok::LBracket) => Err(unsupported("predicates on a filter expression")),
            Some(Tok::DoubleSlash) => Err(unsupported("descendant steps '//'")),
            Some(Tok::Slash) if matches!(primary, Expr::Call { .. }) => {
                self.pos += 1;
                let steps = self.relative_steps()?;
                Ok(Expr::Path { start: PathStart::Call(Box::new(primary)), steps })
            }
            Some(Tok::Slash) => Err(unsupported("a path after a filter expression")),
            _ => Ok(primary),
        }
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Name(_) | Tok::NodeType(_) | Tok::Dot | Tok::DotDot | Tok::At)
        )
    }

    fn relative_steps(&mut self) -> Result<Vec<Step>, XPathError> {
        let mut steps = vec![self.step()?];
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.peek() == Some(&Tok::DoubleSlash) {
                return Err(unsupported("descendant steps '//'"));
            } else {
                return Ok(steps);
            }
        }
    }

    fn step(&mut self) -> Result<Step, XPathError> {
        if self.eat(&Tok::Dot) {
            return Ok(Step { axis: Axis::SelfNode, test: NodeTest::Node, predicates: Vec::new() });
        }
        if self.eat(&Tok::DotDot) {
            return Ok(Step { axis: Axis::Parent, test: NodeTest::Node, predicates: Vec::new() });
        }
        let axis = self.axis()?;
        let test = match self.next() {
            Some(Tok::Name(name)) if name == "*" => NodeTest::Any,
            Some(Tok::Name(name)) if name.ends_with(":*") => {
                return Err(unsupported("namespace wildcards (prefix:*)"));
            }
            Some(Tok::Name(name)) => NodeTest::Name(local_name(&name)),
            Some(Tok::NodeType(kind)) if kind == "text" => return Err(unsupported("text()")),
            Some(Tok::NodeType(_)) => {
                self.expect(&Tok::LParen, "'('")?;
                self.expect(&Tok::RParen, "')'")?;
                NodeTest::Node
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("expected a node name"));
            }
        };
        check_javarosa_step(axis, &test)?;
        Ok(Step { axis, test, predicates: self.predicates()? })
    }

    fn axis(&mut self) -> Result<Axis, XPathError> {
        if self.eat(&Tok::At) {
            return Ok(Axis::Attribute);
        }
        let named = match (self.peek(), self.tokens.get(self.pos + 1).map(|t| &t.kind)) {
            (Some(Tok::Name(name)), Some(Tok::ColonColon)) => name.clone(),
            _ => return Ok(Axis::Child),
        };
        let axis = match named.as_str() {
            "child" => Axis::Child,
            "parent" => Axis::Parent,
            "self" => Axis::SelfNode,
            "attribute" => Axis::Attribute,
            other => return Err(unsupported(&format!("the {other} axis"))),
        };
        self.pos += 2;
        Ok(axis)
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
        let mut predicates = Vec::new();
        while self.eat(&Tok::LBracket) {
            predicates.push(self.or_expr()?);
            self.expect(&Tok::RBracket, "']'")?;
        }
        Ok(predicates)
    }

    fn primary(&mut self) -> Parsed {
        match self.next() {
            Some(Tok::Number(n)) => Ok(Expr::Number(n)),
            Some(Tok::Literal(s)) => Ok(Expr::Literal(s)),
            Some(Tok::LParen) => {
                let inner = self.or_expr()?;
                self.expect(&Tok::RParen, "')'")?;
                Ok(inner)
            }
            Some(Tok::Function(name)) => {
                self.expect(&Tok::LParen, "'('")?;
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        args.push(self.or_expr()?);
                        if self.eat(&Tok::RParen) {
                            break;
                        }
                        self.expect(&Tok::Comma, "',' or ')'")?;
                    }
                }
                Ok(Expr::Call { name, args })
            }
            Some(Tok::Dollar) => Err(unsupported("variables ($name)")),
            _ => {
                self.pos -= 1;
                Err(self.error("expected an expression"))
            }
        }
    }
}

/// JavaRosa evaluates only `child::name`, `child::*`, `.`, `..` and `@name` steps.
fn check_javarosa_step(axis: Axis, test: &NodeTest) -> Result<(), XPathError> {
    match (axis, test) {
        (Axis::Child, NodeTest::Node) => Err(unsupported("node() as a step")),
        (Axis::SelfNode | Axis::Parent, NodeTest::Name(_) | NodeTest::Any) => {
            Err(unsupported("self:: or parent:: with a name test (use . or ..)"))
        }
        (Axis::Attribute, NodeTest::Any | NodeTest::Node) => {
            Err(unsupported("attribute wildcards (@*)"))
        }
        _ => Ok(()),
    }
}

fn unsupported(what: &str) -> XPathError {
    XPathError::Unsupported { what: what.to_owned() }
}

/// Instance paths match on local names: `h:data` and `data` are the same step.
fn local_name(name: &str) -> String {
    crate::scan::local_name(name).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> Box<Expr> {
        Box::new(Expr::Number(n))
    }

    /// The full parser, bypassing the shortcut for common shapes.
    fn full_parse(expr: &str) -> Parsed {
        let mut parser = Parser { tokens: tokenize(expr)?, pos: 0, end: expr.len(), depth: 0 };
        let parsed = parser.or_expr()?;
        assert!(parser.peek().is_none(), "{expr} parses whole");
        Ok(parsed)
    }

    #[test]
    fn common_shapes_parse_exactly_as_the_full_parser_parses_them() {
        for expr in [
            "/data/a",
            " /data/blok1/q101 ",
            "/data/art/rinci/q405",
            "/data/div/mod/and",
            "/data/_x-y.z",
            "jr:itext('/data/q1:label')",
            "jr:itext('static_instance-yn-0')",
        ] {
            let shortcut = common_shape(expr).unwrap_or_else(|| panic!("{expr} is common"));
            assert_eq!(shortcut, full_parse(expr).unwrap(), "{expr}");
        }
    }

    #[test]
    fn unusual_shapes_take_the_full_parser() {
        for expr in [
            "/data/a[1]",
            "/data/x:a",
            "/data//a",
            "/data/../a",
            "/",
            "/data/a/",
            "/data/1a",
            "/data/a + 1",
            "jr:itext('a') = 'b'",
            "jr:itext('it''s')",
            "jr:itext(/data/a)",
        ] {
            assert_eq!(common_shape(expr), None, "{expr}");
        }
    }

    #[test]
    fn multiplication_binds_tighter_than_addition() {
        assert_eq!(
            parse("3 + 3 * 3").unwrap(),
            Expr::Binary(
                BinaryOp::Add,
                num(3.0),
                Box::new(Expr::Binary(BinaryOp::Mul, num(3.0), num(3.0)))
            )
        );
    }

    #[test]
    fn subtraction_is_left_associative() {
        assert_eq!(
            parse("1 - 2 - 3").unwrap(),
            Expr::Binary(
                BinaryOp::Sub,
                Box::new(Expr::Binary(BinaryOp::Sub, num(1.0), num(2.0))),
                num(3.0)
            )
        );
    }

    #[test]
    fn absolute_path_with_predicate_and_attribute() {
        let Expr::Path { start: PathStart::Root, steps } =
            parse("/data/item[@id = 'a']/name").unwrap()
        else {
            panic!()
        };
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].predicates.len(), 1);
        assert_eq!(steps[2].test, NodeTest::Name("name".into()));
    }

    #[test]
    fn function_result_can_start_a_path() {
        let Expr::Path { start: PathStart::Call(f), steps } =
            parse("instance('x')/root/item").unwrap()
        else {
            panic!()
        };
        assert!(matches!(*f, Expr::Call { ref name, .. } if name == "instance"));
        assert_eq!(steps.len(), 2);
    }

    #[test]
    fn syntax_errors_name_the_offset() {
        assert_eq!(
            parse("1 +").unwrap_err(),
            XPathError::Syntax { offset: 3, reason: "expected an expression".into() }
        );
        assert!(matches!(parse("(1"), Err(XPathError::Syntax { .. })));
        assert!(matches!(parse("1 2"), Err(XPathError::Syntax { offset: 2, .. })));
    }

    #[test]
    fn constructs_javarosa_does_not_evaluate_are_refused_by_name() {
        for (expr, what) in [
            ("/a | /b", "the node-set union '|'"),
            ("/a//b", "descendant steps '//'"),
            ("/text()", "text()"),
            ("/ns:*", "namespace wildcards (prefix:*)"),
            ("(/a)[1]", "predicates on a filter expression"),
            ("(/a)/b", "a path after a filter expression"),
        ] {
            assert_eq!(parse(expr).unwrap_err(), unsupported(what), "{expr}");
        }
    }

    #[test]
    fn unsupported_axis_is_named() {
        assert_eq!(
            parse("following-sibling::a").unwrap_err(),
            XPathError::Unsupported { what: "the following-sibling axis".into() }
        );
    }
}
