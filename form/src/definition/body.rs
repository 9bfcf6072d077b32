//! The `<h:body>`: questions, groups and repeats in form order.

use super::{
    FormError, JR_NS, Source, compile, line,
    model::{SetValue, parse_setvalue},
    structure,
    text::{Text, text_of},
};
use crate::xpath::XPath;

/// What a control is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlKind {
    Input,
    Select1,
    Select,
    Upload,
    Trigger,
    Range,
    Rank,
    Group,
    Repeat,
}

impl ControlKind {
    fn from_element(name: &str) -> Option<ControlKind> {
        Some(match name {
            "input" => ControlKind::Input,
            "select1" => ControlKind::Select1,
            "select" => ControlKind::Select,
            "upload" => ControlKind::Upload,
            "trigger" => ControlKind::Trigger,
            "range" => ControlKind::Range,
            "rank" => ControlKind::Rank,
            "group" => ControlKind::Group,
            "repeat" => ControlKind::Repeat,
            _ => return None,
        })
    }
}

/// A static `<item>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub value: String,
    pub label: Option<Text>,
}

/// An `<itemset>`: choices read from an instance, usually filtered.
#[derive(Debug, Clone, PartialEq)]
pub struct Itemset {
    pub nodeset: XPath,
    /// Relative to each item: the choice's value.
    pub value: XPath,
    /// Relative to each item: the choice's label (often `jr:itext(itextId)`).
    pub label: XPath,
}

/// Where a select's choices come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Choices {
    Static(Vec<Item>),
    Itemset(Itemset),
}

/// Repeat settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatInfo {
    /// `jr:count`: the number of instances, computed.
    pub count: Option<XPath>,
    /// `jr:noAddRemove`: the user cannot add or remove instances.
    pub no_add_remove: bool,
}

/// A body control.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub kind: ControlKind,
    /// The node it binds to (`ref`, or `nodeset` for repeats), as written.
    pub reference: Option<String>,
    pub label: Option<Text>,
    pub hint: Option<Text>,
    pub appearance: Option<String>,
    /// Other attributes (`mediatype`, `odk:max-pixels`, `start`, `end`, …) by local name.
    pub parameters: Vec<(String, String)>,
    pub choices: Option<Choices>,
    pub repeat: Option<RepeatInfo>,
    pub children: Vec<Control>,
    pub line: u32,
}

pub(crate) fn parse_body(
    doc: &Source<'_>,
    body: roxmltree::Node<'_, '_>,
    binds: &[super::Bind],
    actions: &mut Vec<SetValue>,
) -> Result<Vec<Control>, FormError> {
    controls_in(doc, body, binds, actions)
}

fn controls_in(
    doc: &Source<'_>,
    parent: roxmltree::Node<'_, '_>,
    binds: &[super::Bind],
    actions: &mut Vec<SetValue>,
) -> Result<Vec<Control>, FormError> {
    let mut controls = Vec::new();
    for node in parent.children().filter(|c| c.is_element()) {
        if let Some(kind) = ControlKind::from_element(node.tag_name().name()) {
            controls.push(parse_control(doc, node, kind, binds, actions)?);
        }
    }
    Ok(controls)
}

fn parse_control(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    kind: ControlKind,
    binds: &[super::Bind],
    actions: &mut Vec<SetValue>,
) -> Result<Control, FormError> {
    let reference = reference_of(doc, node, binds)?;
    let place =
        || format!("the {} {}", node.tag_name().name(), reference.as_deref().unwrap_or("(no ref)"));
    let mut control = Control {
        kind: kind.clone(),
        label: None,
        hint: None,
        appearance: node.attribute("appearance").map(str::to_owned),
        parameters: node
            .attributes()
            .filter(|a| {
                !matches!(
                    a.name(),
                    "ref" | "nodeset" | "bind" | "appearance" | "count" | "noAddRemove"
                )
            })
            .map(|a| (a.name().to_owned(), a.value().to_owned()))
            .collect(),
        choices: None,
        repeat: None,
        children: Vec::new(),
        line: line(doc, node),
        reference: reference.clone(),
    };
    let mut items = Vec::new();
    for child in node.children().filter(|c| c.is_element()) {
        match child.tag_name().name() {
            "label" => control.label = Some(text_of(doc, child, &place)?),
            "hint" => control.hint = Some(text_of(doc, child, &place)?),
            "item" => items.push(parse_item(doc, child, &place)?),
            "itemset" => {
                control.choices = Some(Choices::Itemset(parse_itemset(doc, child, &place)?))
            }
            "setvalue" => actions.push(parse_setvalue(doc, child, reference.as_deref())?),
            _ => {}
        }
    }
    if !items.is_empty() {
        control.choices = Some(Choices::Static(items));
    }
    if kind == ControlKind::Repeat {
        let count = node
            .attribute((JR_NS, "count"))
            .map(|source| compile(doc, node, || format!("jr:count of {}", place()), source))
            .transpose()?;
        let no_add_remove =
            node.attribute((JR_NS, "noAddRemove")).is_some_and(|v| v.trim() == "true()");
        control.repeat = Some(RepeatInfo { count, no_add_remove });
    }
    if matches!(kind, ControlKind::Group | ControlKind::Repeat) {
        control.children = controls_in(doc, node, binds, actions)?;
    }
    Ok(control)
}

fn reference_of(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    binds: &[super::Bind],
) -> Result<Option<String>, FormError> {
    if let Some(reference) = node.attribute("ref").or_else(|| node.attribute("nodeset")) {
        return Ok(Some(reference.to_owned()));
    }
    match node.attribute("bind") {
        Some(id) => binds
            .iter()
            .find(|b| b.id.as_deref() == Some(id))
            .map(|b| Some(b.nodeset.clone()))
            .ok_or_else(|| {
                structure(
                    doc,
                    node,
                    &format!("the control names bind '{id}', which does not exist"),
                )
            }),
        None => Ok(None),
    }
}

fn parse_item(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    place: &dyn Fn() -> String,
) -> Result<Item, FormError> {
    let value = super::child(node, "value").and_then(|v| v.text()).unwrap_or("").trim().to_owned();
    let label = super::child(node, "label").map(|l| text_of(doc, l, place)).transpose()?;
    Ok(Item { value, label })
}

fn parse_itemset(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    place: &dyn Fn() -> String,
) -> Result<Itemset, FormError> {
    let nodeset = node
        .attribute("nodeset")
        .ok_or_else(|| structure(doc, node, "an <itemset> without nodeset"))?;
    let reference = |name: &str| -> Result<XPath, FormError> {
        let element = super::child(node, name)
            .ok_or_else(|| structure(doc, node, &format!("an <itemset> without <{name}>")))?;
        let source = element.attribute("ref").unwrap_or(".");
        compile(doc, element, || format!("the itemset {name} of {}", place()), source)
    };
    Ok(Itemset {
        nodeset: compile(doc, node, || format!("the itemset of {}", place()), nodeset)?,
        value: reference("value")?,
        label: reference("label")?,
    })
}
