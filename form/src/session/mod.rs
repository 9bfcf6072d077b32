//! A form being filled in: the live instance, the state of every node, and recomputation.
//!
//! The instance is the arena tree of [`crate::dom`], started from the form's primary
//! instance with the `jr:template` nodes taken out. Per node we keep its own and inherited
//! relevance, requiredness and readonly-ness. After every answer, only the expressions that
//! read the changed node (and what they in turn change) are recomputed, in the order the
//! dependency graph ([`deps`]) fixed at load: see docs/adr/0007-form-instance-and-recompute.md.

mod answer;
mod controls;
mod deps;
mod meta;
mod navigation;
mod offered;
mod prefill;
mod questions;
mod reading;
mod repeats;
mod scope;
mod screens;
mod submission;
#[cfg(test)]
mod tests;
mod validation;
mod values;

use std::{cell::Cell, sync::Arc};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

pub use answer::Answer;
pub use deps::{CycleError, Dag, Kind};
pub use navigation::NodeSnapshot;
pub use questions::{Choice, EntryKind, QuestionState};
pub use repeats::repeat_instance_of;
pub use screens::{QuestionKind, Screen, ScreenQuestion};
pub use validation::{Placed, Violation, ViolationKind};
pub use values::InvalidAnswer;

use super::{
    definition::{ControlKind, DataType, ExternalInstances, FormDef, FormError},
    dom::{Document, NodeId},
    xpath::{ItemIndex, Value, XPath, XPathError, itemset_key},
};

/// A form ready to be filled in many times: its definition and its dependency graph.
#[derive(Debug)]
pub struct Form {
    pub def: FormDef,
    pub dag: Dag,
    /// Generic path → index of its bind.
    binds: HashMap<String, usize>,
    /// Generic paths of repeats.
    repeats: HashSet<String>,
    /// Generic repeat path → the node in `def.primary` new instances are copied from.
    templates: HashMap<String, NodeId>,
    /// Equality-filter indexes over the secondary instances, shared by every session.
    pub(crate) index: ItemIndex,
    /// Select questions whose choices come from an itemset: (node path, itemset).
    filtered_selects: Vec<(String, super::definition::Itemset)>,
}

/// Why a form cannot be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Form(#[from] FormError),
    #[error("{0}")]
    Cycle(#[from] CycleError),
}

impl Form {
    /// Parses and prepares a form.
    pub fn load(xml: &str, external: &dyn ExternalInstances) -> Result<Form, LoadError> {
        let mut def = FormDef::parse(xml, external)?;
        canonicalize_defaults(&mut def);
        let dag = Dag::build(&def)?;
        let binds = def.binds.iter().enumerate().map(|(i, b)| (b.nodeset.clone(), i)).collect();
        let repeats: HashSet<String> = def
            .controls()
            .into_iter()
            .filter(|c| c.kind == ControlKind::Repeat)
            .filter_map(|c| c.reference.clone())
            .collect();
        let templates = find_templates(&def.primary, &repeats);
        let index = ItemIndex::default();
        prepare_itemset_indexes(&def, &index);
        let filtered_selects = offered::filtered_selects(&def);
        Ok(Form { def, dag, binds, repeats, templates, index, filtered_selects })
    }

    fn bind_of(&self, generic: &str) -> Option<&super::definition::Bind> {
        self.binds.get(generic).map(|&i| &self.def.binds[i])
    }

    fn data_type(&self, generic: &str) -> DataType {
        self.bind_of(generic).map_or(DataType::String, |b| b.data_type.clone())
    }
}

/// Builds the indexes the form's itemsets filter by, so that the first cascade is fast too.
fn prepare_itemset_indexes(def: &FormDef, index: &ItemIndex) {
    for control in def.controls() {
        let Some(super::definition::Choices::Itemset(set)) = &control.choices else { continue };
        let Some((id, item, key)) = itemset_key(set.nodeset.expr()) else { continue };
        let Some(position) = def.secondary.iter().position(|(name, _)| name == id) else {
            continue;
        };
        let doc = &def.secondary[position].1;
        index.prepare(position as u16 + 1, doc, doc.root(), item, key);
    }
}

/// Rewrites the default values written in the form in the lexical form JavaRosa gives them
/// when it loads the form (`0` in a decimal node is `0.0`), templates included.
fn canonicalize_defaults(def: &mut FormDef) {
    let root = def.primary.root();
    let mut stack = vec![(root, format!("/{}", def.primary.get(root).name))];
    while let Some((id, path)) = stack.pop() {
        let element = def.primary.get(id);
        if element.children.is_empty() {
            let data_type = def.bind(&path).map_or(DataType::String, |b| b.data_type.clone());
            if let Some(canonical) = values::canonical_default(&element.text, &data_type) {
                def.primary.get_mut(id).text = canonical;
            }
            continue;
        }
        for &child in &element.children {
            stack.push((child, format!("{path}/{}", def.primary.get(child).name)));
        }
    }
}

/// For each repeat: its `jr:template` node, or else its first instance.
fn find_templates(primary: &Document, repeats: &HashSet<String>) -> HashMap<String, NodeId> {
    let mut templates = HashMap::default();
    let mut stack = vec![(primary.root(), format!("/{}", primary.get(primary.root()).name))];
    while let Some((id, path)) = stack.pop() {
        if repeats.contains(&path) {
            let is_template = primary.attribute(id, "template").is_some();
            if is_template || !templates.contains_key(&path) {
                templates.insert(path.clone(), id);
            }
        }
        for &child in primary.get(id).children.iter().rev() {
            stack.push((child, format!("{path}/{}", primary.get(child).name)));
        }
    }
    templates
}

/// The clock and random seed a session runs on; fixed in tests, real on a phone.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now_ms: i64,
    pub tz_offset_minutes: i32,
    pub seed: u64,
}

/// State of one instance node.
#[derive(Debug, Clone, Copy)]
struct NodeState {
    relevant_self: bool,
    relevant: bool,
    required: bool,
    readonly: bool,
    /// The value came from a boolean calculate (stored `1`/`0`, read back as a boolean).
    boolean: bool,
}

impl Default for NodeState {
    fn default() -> Self {
        NodeState {
            relevant_self: true,
            relevant: true,
            required: false,
            readonly: false,
            boolean: false,
        }
    }
}

/// What happened to an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    Saved,
    /// The value breaks the constraint and was not saved; the message is the form's, if any.
    ConstraintViolated {
        message: Option<String>,
    },
    /// The question is required and the value is empty; nothing was saved.
    RequiredButEmpty,
    /// The text does not fit the question's type (a word for a number, 30 February); nothing
    /// was saved.
    Invalid(values::InvalidAnswer),
}

/// Why a draft could not be reopened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResumeError {
    #[error("The draft is not readable XML: {0}")]
    Xml(crate::dom::ParseError),
    #[error("The draft belongs to another form.")]
    OtherForm,
    #[error("{0}")]
    Session(SessionError),
}

/// Why a session call could not be carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error("The form has no node {reference}.")]
    NoSuchNode { reference: String },
    #[error("{reference} is not a repeat.")]
    NotARepeat { reference: String },
    #[error("The expression of {place} failed: {source}")]
    Expression {
        place: String,
        #[source]
        source: XPathError,
    },
}

/// A form being filled in.
pub struct Session {
    form: Arc<Form>,
    doc: Document,
    state: Vec<NodeState>,
    clock: Clock,
    random: Cell<u64>,
    language: Option<String>,
}

impl Session {
    /// Starts a new, empty instance of `form`: templates out, preloads and first-load actions
    /// applied, everything computed once.
    pub fn start(form: Arc<Form>, clock: Clock) -> Result<Session, SessionError> {
        let mut doc = form.def.primary.clone();
        for &template in form.templates.values() {
            if doc.attribute(template, "template").is_some() {
                doc.detach(template);
            }
        }
        let language = form.def.itext.default_language.clone();
        let state = vec![NodeState::default(); doc.len()];
        let mut session =
            Session { form, doc, state, clock, random: Cell::new(clock.seed), language };
        session.canonicalize_zoned_defaults();
        session.apply_preloads()?;
        session.run_actions("odk-instance-first-load", None)?;
        let all: Vec<usize> = session.form.dag.order.clone();
        session.run(&all, None)?;
        Ok(session)
    }

    /// Reopens a draft: the instance saved by [`Session::instance_xml`], with every expression
    /// recomputed as ODK Collect does on reopening (a bare `random()` is drawn again; forms use
    /// `once()` to keep a value) and nothing preloaded again (start time and instanceID stay).
    pub fn resume(
        form: Arc<Form>,
        clock: Clock,
        instance_xml: &str,
    ) -> Result<Session, ResumeError> {
        let doc = Document::parse(instance_xml).map_err(ResumeError::Xml)?;
        let expected = form.def.primary.get(form.def.primary.root());
        let root = doc.get(doc.root());
        if root.name != expected.name
            || doc.attribute(doc.root(), "id")
                != form.def.primary.attribute(form.def.primary.root(), "id")
        {
            return Err(ResumeError::OtherForm);
        }
        let language = form.def.itext.default_language.clone();
        let state = vec![NodeState::default(); doc.len()];
        let mut session =
            Session { form, doc, state, clock, random: Cell::new(clock.seed), language };
        let all: Vec<usize> = session.form.dag.order.clone();
        session.run(&all, None).map_err(ResumeError::Session)?;
        Ok(session)
    }

    /// Rewrites date-time and time defaults written in the form with the zone's offset, as
    /// JavaRosa stores them.
    fn canonicalize_zoned_defaults(&mut self) {
        let tz = self.clock.tz_offset_minutes;
        for (path, data_type) in self.zoned_binds() {
            for node in self.nodes_at(&path) {
                let text = self.doc.get(node).text.trim().to_owned();
                if text.is_empty() {
                    continue;
                }
                if let Ok(canonical) = values::normalize_answer(&text, &data_type, tz) {
                    self.doc.get_mut(node).text = canonical;
                }
            }
        }
    }

    fn zoned_binds(&self) -> Vec<(String, DataType)> {
        let binds = self.form.def.binds.iter();
        let zoned = binds.filter(|b| matches!(b.data_type, DataType::DateTime | DataType::Time));
        zoned.map(|b| (b.nodeset.clone(), b.data_type.clone())).collect()
    }

    /// The live instance.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The form being filled in.
    pub fn form(&self) -> &Arc<Form> {
        &self.form
    }

    /// Switches the language labels are shown in.
    pub fn set_language(&mut self, language: &str) {
        self.language = Some(language.to_owned());
    }

    /// Answers the question at `reference` (e.g. `/data/member[2]/age`) with its lexical value,
    /// checking the constraint and requiredness first, then recomputing what depends on it.
    pub fn answer(&mut self, reference: &str, text: &str) -> Result<AnswerOutcome, SessionError> {
        let node = self.resolve_or_create(reference)?;
        let generic = self.generic_path(node);
        let value = match values::normalize_answer(
            text,
            &self.form.data_type(&generic),
            self.clock.tz_offset_minutes,
        ) {
            Ok(value) => value,
            Err(invalid) => return Ok(AnswerOutcome::Invalid(invalid)),
        };
        if value.is_empty()
            && self.state[node.0 as usize].required
            && self.state[node.0 as usize].relevant
        {
            return Ok(AnswerOutcome::RequiredButEmpty);
        }
        let previous = std::mem::replace(&mut self.doc.get_mut(node).text, value.clone());
        self.state[node.0 as usize].boolean = false;
        if !value.is_empty()
            && let Some(constraint) = self.form.bind_of(&generic).and_then(|b| b.constraint.clone())
        {
            let ok = self
                .condition(&constraint, node)
                .map_err(|e| self.failure(&generic, "constraint", e))?;
            if !ok {
                self.doc.get_mut(node).text = previous;
                let message = self.form.bind_of(&generic).and_then(|b| b.constraint_msg.clone());
                return Ok(AnswerOutcome::ConstraintViolated {
                    message: message.map(|m| self.resolve_message(&m)),
                });
            }
        }
        let work = self.form.dag.affected_by_answer(&generic);
        self.run_around(&work, node)?;
        let triggered = self.run_actions("xforms-value-changed", Some(&generic))?;
        if !triggered.is_empty() {
            let paths: Vec<&str> = triggered.iter().map(String::as_str).collect();
            self.changed(&paths, None)?;
        }
        self.drop_answers_no_longer_offered()?;
        Ok(AnswerOutcome::Saved)
    }

    /// Recomputes what depends on `paths`.
    pub(super) fn changed(
        &mut self,
        paths: &[&str],
        only_under: Option<NodeId>,
    ) -> Result<(), SessionError> {
        let work = self.form.dag.affected(paths);
        self.run(&work, only_under)
    }

    pub(super) fn run_ordered(
        &mut self,
        work: Vec<usize>,
        only_under: Option<NodeId>,
    ) -> Result<(), SessionError> {
        let work = self.form.dag.in_run_order(work);
        self.run(&work, only_under)
    }

    /// Runs triggerables (in the given order) on every node they apply to.
    pub(super) fn run(
        &mut self,
        work: &[usize],
        only_under: Option<NodeId>,
    ) -> Result<(), SessionError> {
        let form = Arc::clone(&self.form);
        for &t in work {
            let triggerable = &form.dag.triggerables[t];
            let bind = &form.def.binds[triggerable.bind];
            for node in self.nodes_at(&triggerable.target) {
                if only_under.is_some_and(|root| !self.is_within(node, root)) {
                    continue;
                }
                self.apply(triggerable.kind, bind, node)?;
            }
        }
        Ok(())
    }

    fn apply(
        &mut self,
        kind: Kind,
        bind: &super::definition::Bind,
        node: NodeId,
    ) -> Result<(), SessionError> {
        let place = |what: &str| (bind.nodeset.clone(), what.to_owned());
        let expression = match kind {
            Kind::Relevant => (bind.relevant.as_ref(), place("relevant")),
            Kind::Calculate => (bind.calculate.as_ref(), place("calculate")),
            Kind::Required => (bind.required.as_ref(), place("required")),
            Kind::Readonly => (bind.readonly.as_ref(), place("readonly")),
        };
        let (Some(expr), (nodeset, what)) = expression else { return Ok(()) };
        let i = node.0 as usize;
        if kind != Kind::Calculate {
            let truth = self.condition(expr, node).map_err(|e| self.failure(&nodeset, &what, e))?;
            match kind {
                Kind::Relevant => {
                    self.state[i].relevant_self = truth;
                    self.inherit_relevance(node);
                }
                Kind::Required => self.state[i].required = truth,
                _ => self.state[i].readonly = truth,
            }
            return Ok(());
        }
        let value = self.eval(expr, node).map_err(|e| self.failure(&nodeset, &what, e))?;
        match kind {
            Kind::Calculate => {
                let text =
                    values::stored(&value, &bind.data_type, self.clock.tz_offset_minutes, |v| {
                        self.text_of(v)
                    })
                    .map_err(|e| self.failure(&nodeset, &what, e))?;
                self.state[i].boolean = matches!(value, Value::Bool(_));
                self.doc.get_mut(node).text = text;
            }
            _ => unreachable!("conditions returned above"),
        }
        Ok(())
    }

    pub(super) fn failure(&self, nodeset: &str, what: &str, source: XPathError) -> SessionError {
        SessionError::Expression { place: format!("bind {nodeset} {what}"), source }
    }

    /// Recomputes inherited relevance for `node` and everything below it.
    pub(super) fn inherit_relevance(&mut self, node: NodeId) {
        let mut stack = vec![node];
        while let Some(id) = stack.pop() {
            let parent_relevant =
                self.doc.get(id).parent.is_none_or(|p| self.state[p.0 as usize].relevant);
            let state = &mut self.state[id.0 as usize];
            state.relevant = state.relevant_self && parent_relevant;
            stack.extend(self.doc.get(id).children.iter().copied());
        }
    }

    fn apply_preloads(&mut self) -> Result<(), SessionError> {
        let form = Arc::clone(&self.form);
        for bind in &form.def.binds {
            let Some((kind, params)) = &bind.preload else { continue };
            let expression = match (kind.as_str(), params.as_deref()) {
                ("uid", _) => "concat('uuid:', uuid())",
                ("timestamp", Some("start")) => "now()",
                ("date", Some("today")) => "today()",
                _ => continue,
            };
            let expr = XPath::compile(expression).expect("the preload expressions are valid");
            let value = self
                .eval(&expr, self.doc.root())
                .and_then(|v| self.text_of(&v))
                .map_err(|e| self.failure(&bind.nodeset, "preload", e))?;
            for node in self.nodes_at(&bind.nodeset) {
                self.doc.get_mut(node).text = value.clone();
            }
        }
        Ok(())
    }

    /// Runs the `setvalue` actions for `event` (limited to those whose target is inside
    /// `scope`, or triggered by it for value changes); returns the generic paths they set.
    pub(super) fn run_actions(
        &mut self,
        event: &str,
        scope: Option<&str>,
    ) -> Result<Vec<String>, SessionError> {
        let form = Arc::clone(&self.form);
        let mut set = Vec::new();
        for action in form.def.actions.iter().filter(|a| a.events.iter().any(|e| e == event)) {
            let applies = match (event, scope) {
                ("xforms-value-changed", Some(trigger)) => {
                    action.trigger.as_deref() == Some(trigger)
                }
                // An action fires for the repeat it sits in: the innermost one around its target.
                ("odk-new-repeat", Some(repeat)) => {
                    self.innermost_repeat(&action.target).as_deref() == Some(repeat)
                }
                _ => true,
            };
            if !applies {
                continue;
            }
            let targets = self.nodes_at(&action.target);
            let targets = match (event, targets.last()) {
                ("odk-new-repeat", Some(&last)) => vec![last],
                _ => targets,
            };
            for node in targets {
                let text = match &action.value {
                    Some(expr) => {
                        let value = self
                            .eval(expr, node)
                            .map_err(|e| self.failure(&action.target, "setvalue", e))?;
                        let data_type = self.form.data_type(&action.target);
                        values::stored(&value, &data_type, self.clock.tz_offset_minutes, |v| {
                            self.text_of(v)
                        })
                        .map_err(|e| self.failure(&action.target, "setvalue", e))?
                    }
                    None => action.literal.clone(),
                };
                self.doc.get_mut(node).text = text;
            }
            set.push(action.target.clone());
        }
        Ok(set)
    }

    /// Message text for a `jr:constraintMsg`: itext when it is a `jr:itext(…)` call.
    pub(super) fn resolve_message(&self, message: &str) -> String {
        if message.trim_start().starts_with("jr:itext(")
            && let Ok(expr) = XPath::compile(message)
            && let Ok(value) = self.eval(&expr, self.doc.root())
        {
            return self.text_of(&value).unwrap_or_default();
        }
        message.to_owned()
    }

    /// Generic path of a node: `/data/member/name`.
    pub fn generic_path(&self, node: NodeId) -> String {
        let mut names = Vec::new();
        let mut at = Some(node);
        while let Some(id) = at {
            names.push(&*self.doc.get(id).name);
            at = self.doc.get(id).parent;
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }

    /// All live nodes at a generic path.
    pub(super) fn nodes_at(&self, generic: &str) -> Vec<NodeId> {
        let mut names = generic.trim_start_matches('/').split('/');
        let root = self.doc.root();
        if names.next() != Some(&*self.doc.get(root).name) {
            return Vec::new();
        }
        let mut level = vec![root];
        for name in names {
            level = level.iter().flat_map(|&id| self.children_named(id, name)).collect();
        }
        level
    }

    pub(super) fn is_within(&self, node: NodeId, root: NodeId) -> bool {
        let mut at = Some(node);
        while let Some(id) = at {
            if id == root {
                return true;
            }
            at = self.doc.get(id).parent;
        }
        false
    }

    /// The children of `parent` called `name`, in order.
    pub(super) fn children_named<'s>(
        &'s self,
        parent: NodeId,
        name: &'s str,
    ) -> impl Iterator<Item = NodeId> + 's {
        self.doc
            .get(parent)
            .children
            .iter()
            .copied()
            .filter(move |&c| &*self.doc.get(c).name == name)
    }

    /// Finds the node at `/data/member[2]/name` (an index of 1 may be left out).
    pub fn resolve(&self, reference: &str) -> Option<NodeId> {
        let mut steps = reference.trim_start_matches('/').split('/').map(split_index);
        let root = self.doc.root();
        let (first, _) = steps.next()?;
        if first != &*self.doc.get(root).name {
            return None;
        }
        let mut at = root;
        for (name, index) in steps {
            at = self.children_named(at, name).nth(index - 1)?;
        }
        Some(at)
    }
}

fn split_index(step: &str) -> (&str, usize) {
    match step.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().unwrap_or(1)),
        None => (step, 1),
    }
}

fn no_node(reference: &str) -> SessionError {
    SessionError::NoSuchNode { reference: reference.to_owned() }
}
