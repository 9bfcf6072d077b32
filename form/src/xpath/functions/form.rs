//! Functions that reach into the form: translations, choice labels, repeat instances by index,
//! and lookups in external data (`pulldata`).

use super::{Evaluator, Expr, Result, Value, XPathError};
use crate::xpath::{
    NodeKind,
    ast::{Axis, NodeTest, PathStart, Step},
};

pub(super) fn itext(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let id = ev.str(&a[0])?;
    // JavaRosa shows a missing translation as `[itext:id]`.
    let text = ev.ctx.form.map(|f| f.itext(&id).unwrap_or_else(|| format!("[itext:{id}]")));
    Ok(Value::Str(text.unwrap_or_default()))
}

/// `jr:choice-name(value, 'question path')`: the label of the chosen value.
pub(super) fn choice_name(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let value = ev.str(&a[0])?;
    let question = ev.str(&a[1])?;
    let label = ev.ctx.form.and_then(|f| f.choice_label(&value, question.trim(), ev.node));
    Ok(Value::Str(label.unwrap_or_default()))
}

/// The steps of a path argument from the root: an absolute path as written, a relative one
/// (`../item`) resolved against the context node's names, as JavaRosa contextualizes it.
fn absolute_steps(
    ev: &Evaluator<'_, '_>,
    expr: &Expr,
    function: &'static str,
) -> Result<Vec<Step>> {
    let not_a_path = || XPathError::InvalidArgument { function, reason: "expected a path".into() };
    let Expr::Path { start, steps } = expr else { return Err(not_a_path()) };
    let mut absolute: Vec<Step> = match start {
        PathStart::Root => Vec::new(),
        PathStart::Context => context_names(ev).into_iter().map(named_step).collect(),
        PathStart::Call(_) => return Err(not_a_path()),
    };
    for step in steps {
        match step.axis {
            Axis::Parent => {
                absolute.pop();
            }
            Axis::SelfNode => {}
            _ => absolute.push(step.clone()),
        }
    }
    Ok(absolute)
}

/// The element names from the root down to the context node.
fn context_names(ev: &Evaluator<'_, '_>) -> Vec<String> {
    let NodeKind::Element(mut id) = ev.node.kind else { return Vec::new() };
    let doc = ev.ctx.instances.document(ev.node.doc);
    let mut names = vec![doc.name(id).to_string()];
    while let Some(parent) = doc.parent(id) {
        names.push(doc.name(parent).to_string());
        id = parent;
    }
    names.reverse();
    names
}

fn named_step(name: String) -> Step {
    Step { axis: Axis::Child, test: NodeTest::Name(name), predicates: Vec::new() }
}

/// `indexed-repeat(value, repeat1, index1[, repeat2, index2 …])`: the value inside the
/// index1-th instance of repeat1 (and so on, for nested repeats), with 1-based indexes.
pub(super) fn indexed_repeat(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    if a.len().is_multiple_of(2) {
        return Err(XPathError::Arity { name: "indexed-repeat".into(), given: a.len() });
    }
    let target = absolute_steps(ev, &a[0], "indexed-repeat")?;
    let mut current = vec![super::NodeRef::document(0)];
    let mut consumed = 0;
    for pair in a[1..].chunks(2) {
        let repeat = absolute_steps(ev, &pair[0], "indexed-repeat")?;
        if repeat.len() <= consumed || repeat.len() > target.len() {
            return Err(XPathError::InvalidArgument {
                function: "indexed-repeat",
                reason: "each repeat must be inside the previous one and contain the value".into(),
            });
        }
        let index = ev.num(&pair[1])?;
        let instances = ev.walk(current, &repeat[consumed..])?;
        current = match (index >= 1.0).then(|| instances.get(index as usize - 1)).flatten() {
            Some(&node) => vec![node],
            None => return Ok(Value::Nodes(Vec::new())),
        };
        consumed = repeat.len();
    }
    Ok(Value::Nodes(ev.walk(current, &target[consumed..])?))
}

/// `pulldata('instance', 'column', 'key column', key)`: the column of the first item whose key
/// column equals `key`, in an external (CSV) instance.
pub(super) fn pulldata(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let instance = ev.str(&a[0])?;
    let (column, key_column, key) = (ev.str(&a[1])?, ev.str(&a[2])?, ev.str(&a[3])?);
    let doc_index =
        ev.ctx.instances.by_id(&instance).ok_or(XPathError::UnknownInstance { id: instance })?;
    let doc = ev.ctx.instances.document(doc_index);
    let root = doc.root();
    let found = doc.children(root).find_map(|item| {
        let key_node = doc.child(item, &key_column)?;
        (doc.string_value(key_node) == key).then(|| doc.child(item, &column)).flatten()
    });
    Ok(Value::Str(found.map(|n| doc.string_value(n)).unwrap_or_default()))
}
