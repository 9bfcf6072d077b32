//! How expressions see the session: non-relevant nodes read as empty, typed nodes read typed,
//! and the form answers `jr:itext` and `jr:choice-name`.

use super::Session;
use crate::{
    definition::DataType,
    dom::NodeId,
    xpath::{
        Context, DateTime, FormLookup, Instances, NodeKind, NodeRef, Value, XPath, XPathError,
        parse_number,
    },
};

impl Session {
    /// Evaluates `expr` with `node` as context and current node.
    pub fn eval(&self, expr: &XPath, node: NodeId) -> Result<Value, XPathError> {
        self.eval_at(expr, NodeRef::element(0, node), node)
    }

    /// Evaluates `expr` at any context node (an itemset item, say), with `current` as current().
    pub fn eval_at(
        &self,
        expr: &XPath,
        context: NodeRef,
        current: NodeId,
    ) -> Result<Value, XPathError> {
        self.with_context(context, current, |ctx| expr.eval(ctx))
    }

    /// Evaluates a condition at `node`.
    pub fn condition(&self, expr: &XPath, node: NodeId) -> Result<bool, XPathError> {
        self.with_context(NodeRef::element(0, node), node, |ctx| expr.eval_bool(ctx))
    }

    pub(super) fn with_context<T>(
        &self,
        context: NodeRef,
        current: NodeId,
        f: impl FnOnce(&Context<'_>) -> T,
    ) -> T {
        self.with_instances(|instances| {
            let ctx = Context {
                instances,
                node: context,
                current: NodeRef::element(0, current),
                now_ms: self.clock.now_ms,
                tz_offset_minutes: self.clock.tz_offset_minutes,
                random_state: &self.random,
                form: Some(self),
            };
            f(&ctx)
        })
    }

    /// A value as text, reading node-sets through this session.
    pub(super) fn text_of(&self, value: &Value) -> Result<String, XPathError> {
        self.with_instances(|instances| value.to_str(&|n| instances.string_value(n)))
    }

    /// Runs `f` with the instances as expressions see them: non-relevant nodes empty, typed
    /// nodes typed.
    pub(super) fn with_instances<T>(&self, f: impl FnOnce(&Instances<'_>) -> T) -> T {
        let hidden = |id: NodeId| self.state.get(id.0 as usize).is_some_and(|s| !s.relevant);
        let typed = |id: NodeId| self.typed_value(id);
        let instances = Instances {
            primary: &self.doc,
            secondary: &self.form.def.secondary,
            nonrelevant: Some(&hidden),
            typed: Some(&typed),
            index: Some(&self.form.index),
        };
        f(&instances)
    }

    /// What a node's text means as a value: a number for int and decimal nodes, a date for date
    /// nodes, a boolean for boolean nodes and boolean calculates (JavaRosa's typed answers).
    pub(super) fn typed_value(&self, id: NodeId) -> Option<Value> {
        let element = self.doc.get(id);
        if element.text.is_empty() || !element.children.is_empty() {
            return None;
        }
        let text = element.text.as_str();
        if self.state.get(id.0 as usize).is_some_and(|s| s.boolean) {
            return Some(Value::Bool(text == "1" || text == "true"));
        }
        match self.form.data_type(&self.generic_path(id)) {
            DataType::Int | DataType::Decimal => {
                let n = parse_number(text);
                (!n.is_nan()).then_some(Value::Num(n))
            }
            DataType::Date | DataType::DateTime => {
                DateTime::parse(text, self.clock.tz_offset_minutes).map(Value::Date)
            }
            // A time is a date-time on 1970-01-01 (JavaRosa's on today's date; only the time of
            // day is read from it).
            DataType::Time => {
                DateTime::parse(&format!("1970-01-01T{text}"), self.clock.tz_offset_minutes)
                    .map(Value::Date)
            }
            DataType::Boolean => Some(Value::Bool(text == "1" || text == "true")),
            _ => None,
        }
    }
}

impl FormLookup for Session {
    fn itext(&self, id: &str) -> Option<String> {
        let language = self.language.as_deref()?;
        let parts = self.form.def.itext.plain(language, id)?;
        Some(self.render(parts, self.doc.root()))
    }

    fn choice_label(&self, value: &str, question: &str, context: NodeRef) -> Option<String> {
        let path = XPath::compile(question).ok()?;
        let current = match context.kind {
            NodeKind::Element(id) if context.doc == 0 => id,
            _ => self.doc.root(),
        };
        let Value::Nodes(nodes) = self.eval_at(&path, context, current).ok()? else { return None };
        let question_node = match nodes.first()?.kind {
            NodeKind::Element(id) => id,
            _ => return None,
        };
        let generic = self.generic_path(question_node);
        let controls = self.form.def.controls();
        let control = controls.into_iter().find(|c| c.reference.as_deref() == Some(&generic))?;
        let choices = self.choices(control.choices.as_ref()?, question_node).ok()?;
        choices.into_iter().find(|c| c.value == value).map(|c| c.label)
    }
}
