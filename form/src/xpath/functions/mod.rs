//! The function library: XPath 1.0 core functions plus the ODK/JavaRosa extensions.
//!
//! Every function is listed once in [`LIBRARY`] with its arity. A call the library cannot answer
//! fails when it is evaluated, as in JavaRosa; [`call_problems`] lists such calls beforehand so
//! that `form check` can warn about them.
//! `jr:itext` and `jr:choice-name` ask the form definition through [`super::FormLookup`].

mod form;
mod geo;
mod math;
mod shuffle;
mod text;
mod time;

use super::{
    NodeKind, NodeRef, Value, XPathError,
    ast::{Expr, PathStart},
    eval::Evaluator,
};

type Result<T> = std::result::Result<T, XPathError>;
type Function = fn(&Evaluator<'_, '_>, &[Expr]) -> Result<Value>;

/// Name, fewest arguments, most arguments (`None`: any number), implementation.
const LIBRARY: &[(&str, usize, Option<usize>, Function)] = &[
    ("true", 0, Some(0), |_, _| Ok(Value::Bool(true))),
    ("false", 0, Some(0), |_, _| Ok(Value::Bool(false))),
    ("boolean", 1, Some(1), |ev, a| Ok(Value::Bool(ev.bool(&a[0])?))),
    ("not", 1, Some(1), |ev, a| Ok(Value::Bool(!ev.bool(&a[0])?))),
    ("number", 1, Some(1), |ev, a| Ok(Value::Num(ev.num(&a[0])?))),
    ("string", 1, Some(1), |ev, a| Ok(Value::Str(ev.str(&a[0])?))),
    ("boolean-from-string", 1, Some(1), text::boolean_from_string),
    ("if", 3, Some(3), |ev, a| if ev.bool(&a[0])? { ev.eval(&a[1]) } else { ev.eval(&a[2]) }),
    ("coalesce", 2, Some(2), text::coalesce),
    ("once", 1, Some(1), once),
    ("count", 1, Some(1), |ev, a| Ok(Value::Num(ev.nodes(&a[0])?.len() as f64))),
    ("position", 0, Some(1), position),
    ("current", 0, Some(0), |ev, _| Ok(Value::Nodes(vec![ev.ctx.current]))),
    ("instance", 1, Some(1), instance),
    ("concat", 0, None, text::concat),
    ("join", 1, None, text::join),
    ("substr", 2, Some(3), text::substr),
    ("substring-before", 2, Some(2), text::substring_before),
    ("substring-after", 2, Some(2), text::substring_after),
    ("string-length", 0, Some(1), |ev, a| {
        Ok(Value::Num(text::string_or_context(ev, a)?.chars().count() as f64))
    }),
    ("contains", 2, Some(2), |ev, a| Ok(Value::Bool(ev.str(&a[0])?.contains(&ev.str(&a[1])?)))),
    ("starts-with", 2, Some(2), |ev, a| {
        Ok(Value::Bool(ev.str(&a[0])?.starts_with(&ev.str(&a[1])?)))
    }),
    ("ends-with", 2, Some(2), |ev, a| Ok(Value::Bool(ev.str(&a[0])?.ends_with(&ev.str(&a[1])?)))),
    ("translate", 3, Some(3), text::translate),
    ("normalize-space", 0, Some(1), text::normalize_space),
    ("regex", 2, Some(2), text::regex),
    ("jr:itext", 1, Some(1), form::itext),
    ("jr:choice-name", 2, Some(2), form::choice_name),
    ("indexed-repeat", 3, None, form::indexed_repeat),
    ("pulldata", 4, Some(4), form::pulldata),
    ("geofence", 2, Some(2), geo::geofence),
    ("distance", 1, None, geo::distance),
    ("area", 1, Some(1), geo::area),
    ("enclosed-area", 1, Some(1), geo::area),
    ("depend", 1, None, |ev, a| ev.eval(&a[0])),
    ("selected", 2, Some(2), text::selected),
    ("is-selected", 2, Some(2), text::selected),
    ("selected-at", 2, Some(2), text::selected_at),
    ("count-selected", 1, Some(1), text::count_selected),
    ("checklist", 2, None, text::checklist),
    ("weighted-checklist", 2, None, text::weighted_checklist),
    ("digest", 2, Some(3), text::digest),
    ("base64-decode", 1, Some(1), text::base64_decode),
    ("uuid", 0, Some(1), math::uuid),
    ("int", 1, Some(1), math::int),
    ("round", 1, Some(2), math::round),
    ("abs", 1, Some(1), |ev, a| math::unary(ev, a, f64::abs)),
    ("sqrt", 1, Some(1), |ev, a| math::unary(ev, a, f64::sqrt)),
    ("exp", 1, Some(1), |ev, a| math::unary(ev, a, f64::exp)),
    ("exp10", 1, Some(1), |ev, a| math::unary(ev, a, |x| 10f64.powf(x))),
    ("log", 1, Some(1), |ev, a| math::unary(ev, a, f64::ln)),
    ("log10", 1, Some(1), |ev, a| math::unary(ev, a, f64::log10)),
    ("sin", 1, Some(1), |ev, a| math::unary(ev, a, f64::sin)),
    ("cos", 1, Some(1), |ev, a| math::unary(ev, a, f64::cos)),
    ("tan", 1, Some(1), |ev, a| math::unary(ev, a, f64::tan)),
    ("asin", 1, Some(1), |ev, a| math::unary(ev, a, f64::asin)),
    ("acos", 1, Some(1), |ev, a| math::unary(ev, a, f64::acos)),
    ("atan", 1, Some(1), |ev, a| math::unary(ev, a, f64::atan)),
    ("atan2", 2, Some(2), |ev, a| Ok(Value::Num(ev.num(&a[0])?.atan2(ev.num(&a[1])?)))),
    ("pow", 2, Some(2), |ev, a| Ok(Value::Num(ev.num(&a[0])?.powf(ev.num(&a[1])?)))),
    ("pi", 0, Some(0), |_, _| Ok(Value::Num(std::f64::consts::PI))),
    ("sum", 1, Some(1), math::sum),
    ("min", 1, None, math::min),
    ("max", 1, None, math::max),
    ("count-non-empty", 1, Some(1), math::count_non_empty),
    ("random", 0, Some(0), math::random),
    ("randomize", 1, Some(2), shuffle::randomize),
    ("today", 0, Some(0), time::today),
    ("now", 0, Some(0), time::now),
    ("date", 1, Some(1), time::date),
    ("date-time", 1, Some(1), time::date_time),
    ("decimal-date-time", 1, Some(1), time::decimal_date_time),
    ("decimal-time", 1, Some(1), time::decimal_time),
    ("format-date", 2, Some(2), time::format_date),
    ("format-date-time", 2, Some(2), time::format_date),
];

fn lookup(name: &str) -> Option<&'static (&'static str, usize, Option<usize>, Function)> {
    LIBRARY.iter().find(|(n, ..)| *n == name)
}

/// Every call in `expr` that the library cannot answer: an unknown function or a wrong number
/// of arguments. They are not load errors (JavaRosa fails only when such a call is evaluated,
/// so one in a branch never taken is harmless); `form check` reports them as warnings.
pub(super) fn call_problems(expr: &Expr, problems: &mut Vec<XPathError>) {
    match expr {
        Expr::Number(_) | Expr::Literal(_) => {}
        Expr::Negate(inner) => call_problems(inner, problems),
        Expr::Binary(_, a, b) => {
            call_problems(a, problems);
            call_problems(b, problems);
        }
        Expr::Call { name, args } => {
            if let Err(problem) = checked(name, args.len()) {
                problems.push(problem);
            }
            args.iter().for_each(|arg| call_problems(arg, problems));
        }
        Expr::Path { start, steps } => {
            if let PathStart::Call(call) = start {
                call_problems(call, problems);
            }
            let predicates = steps.iter().flat_map(|s| &s.predicates);
            predicates.for_each(|p| call_problems(p, problems));
        }
    }
}

/// The library's function `name`, if it takes `given` arguments.
fn checked(name: &str, given: usize) -> Result<Function> {
    let (_, min, max, function) =
        lookup(name).ok_or_else(|| XPathError::UnknownFunction { name: name.to_owned() })?;
    if given < *min || max.is_some_and(|max| given > max) {
        return Err(XPathError::Arity { name: name.to_owned(), given });
    }
    Ok(*function)
}

/// Calls a library function; an unknown one or a wrong argument count fails here, when the
/// call is evaluated, as in JavaRosa.
pub(super) fn call(ev: &Evaluator<'_, '_>, name: &str, args: &[Expr]) -> Result<Value> {
    checked(name, args.len())?(ev, args)
}

/// `once(x)`: keeps the current node's value once it has one.
fn once(ev: &Evaluator<'_, '_>, args: &[Expr]) -> Result<Value> {
    let existing = ev.ctx.instances.string_value(ev.ctx.current);
    if existing.is_empty() { ev.eval(&args[0]) } else { Ok(Value::Str(existing)) }
}

/// `position()`: the context position; `position(node)`: the node's 1-based index among its
/// same-named siblings (its repeat index, as JavaRosa has it).
fn position(ev: &Evaluator<'_, '_>, args: &[Expr]) -> Result<Value> {
    let Some(arg) = args.first() else { return Ok(Value::Num(ev.position as f64)) };
    let nodes = ev.nodes(arg)?;
    let node = match nodes.as_slice() {
        [] => return Ok(Value::Num(0.0)), // a non-relevant node, as JavaRosa counts it
        [node] => node,
        _ => return Err(XPathError::RepeatedField),
    };
    let NodeKind::Element(id) = node.kind else {
        return Err(XPathError::InvalidArgument {
            function: "position",
            reason: "not an element".into(),
        });
    };
    let doc = ev.ctx.instances.document(node.doc);
    let name = doc.name(id);
    let index = match doc.parent(id) {
        Some(parent) => {
            doc.children(parent).take_while(|&s| s != id).filter(|&s| doc.name(s) == name).count()
        }
        None => 0,
    };
    Ok(Value::Num((index + 1) as f64))
}

fn instance(ev: &Evaluator<'_, '_>, args: &[Expr]) -> Result<Value> {
    let id = ev.str(&args[0])?;
    let doc = ev.ctx.instances.by_id(&id).ok_or(XPathError::UnknownInstance { id })?;
    Ok(Value::Nodes(vec![NodeRef::document(doc)]))
}
