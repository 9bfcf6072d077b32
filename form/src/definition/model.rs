//! The `<model>`: instances, binds, translations and model-level actions.

use super::{
    ExternalInstances, FormError, JR_NS, Source, compile, external, line, structure, text::Itext,
};
use crate::{dom::Document, frozen::FrozenDocument, xpath::XPath};

/// A value type, from the bind's `type` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    String,
    Int,
    Decimal,
    Date,
    Time,
    DateTime,
    Boolean,
    Geopoint,
    Geotrace,
    Geoshape,
    Binary,
    Barcode,
    /// A type this engine does not know; handled as text.
    Other(String),
}

impl DataType {
    fn from_attribute(value: &str) -> DataType {
        let local = value.rsplit(':').next().unwrap_or(value);
        match local {
            "string" | "select1" | "select" | "rank" => DataType::String,
            "int" | "integer" | "long" | "short" => DataType::Int,
            "decimal" | "double" | "float" => DataType::Decimal,
            "date" => DataType::Date,
            "time" => DataType::Time,
            "dateTime" => DataType::DateTime,
            "boolean" => DataType::Boolean,
            "geopoint" => DataType::Geopoint,
            "geotrace" => DataType::Geotrace,
            "geoshape" => DataType::Geoshape,
            "binary" => DataType::Binary,
            "barcode" => DataType::Barcode,
            other => DataType::Other(other.to_owned()),
        }
    }
}

/// A `<bind>`: the rules for the nodes its `nodeset` selects.
#[derive(Debug, Clone, PartialEq)]
pub struct Bind {
    /// The absolute path it applies to, as written (`/data/member/name`).
    pub nodeset: String,
    pub id: Option<String>,
    pub data_type: DataType,
    pub relevant: Option<XPath>,
    pub required: Option<XPath>,
    pub readonly: Option<XPath>,
    pub constraint: Option<XPath>,
    pub calculate: Option<XPath>,
    /// `jr:constraintMsg` as written: a message or a `jr:itext(…)` call.
    pub constraint_msg: Option<String>,
    pub required_msg: Option<String>,
    /// `jr:preload` and `jr:preloadParams` (`uid`, `timestamp start`, `property deviceid`, …).
    pub preload: Option<(String, Option<String>)>,
    /// `verivali:role`: what the field means to the DTKS rules.
    pub role: Option<String>,
    /// `verivali:backcheck`: a back-check re-asks it (`yes`; `count` on a repeat: how many
    /// instances; `head` in the members' repeat: the household head's value). ADR 0024.
    pub backcheck: Option<String>,
    /// `orx:max-pixels` (or `odk:`): the longest side of a photo answer.
    pub max_pixels: Option<u32>,
    /// Line of the bind in the form, for messages.
    pub line: u32,
}

/// A `<setvalue>` action.
#[derive(Debug, Clone, PartialEq)]
pub struct SetValue {
    /// `odk-instance-first-load`, `odk-new-repeat`, `xforms-value-changed`, …
    pub events: Vec<String>,
    /// The node it sets.
    pub target: String,
    /// The expression to set, or `None` to set the literal text.
    pub value: Option<XPath>,
    pub literal: String,
    /// For `xforms-value-changed`: the control whose change fires it.
    pub trigger: Option<String>,
    pub line: u32,
}

pub(crate) struct ModelParts {
    pub primary: Document,
    pub secondary: Vec<(String, FrozenDocument)>,
    pub binds: Vec<Bind>,
    pub itext: Itext,
    pub actions: Vec<SetValue>,
}

pub(crate) fn parse_model(
    doc: &Source<'_>,
    model: roxmltree::Node<'_, '_>,
    external: &dyn ExternalInstances,
    prebuilt: Vec<Option<FrozenDocument>>,
    itext_read: Option<Itext>,
) -> Result<ModelParts, FormError> {
    let mut prebuilt = prebuilt.into_iter();
    let mut primary = None;
    let mut secondary = Vec::new();
    let mut binds = Vec::new();
    let itext = itext_read.unwrap_or_default();
    let mut actions = Vec::new();
    for node in model.children().filter(|c| c.is_element()) {
        match node.tag_name().name() {
            "instance" if primary.is_none() => {
                prebuilt.next();
                primary = Some(inline_instance(doc, node)?);
            }
            "instance" => {
                let tree = prebuilt.next().flatten();
                secondary.push(secondary_instance(doc, node, external, tree)?);
            }
            "bind" => binds.push(parse_bind(doc, node)?),
            "setvalue" => actions.push(parse_setvalue(doc, node, None)?),
            _ => {}
        }
    }
    let primary = primary.ok_or_else(|| structure(doc, model, "the model has no <instance>"))?;
    resolve_bind_targets(&mut actions, &binds);
    Ok(ModelParts { primary, secondary, binds, itext, actions })
}

fn inline_instance(doc: &Source<'_>, node: roxmltree::Node<'_, '_>) -> Result<Document, FormError> {
    let root = node
        .children()
        .find(|c| c.is_element())
        .ok_or_else(|| structure(doc, node, "an empty <instance>"))?;
    Ok(Document::from_element(&doc.tree, root)?)
}

fn secondary_instance(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    external: &dyn ExternalInstances,
    prebuilt: Option<FrozenDocument>,
) -> Result<(String, FrozenDocument), FormError> {
    let id = node
        .attribute("id")
        .ok_or_else(|| structure(doc, node, "a secondary <instance> without id"))?
        .to_owned();
    let Some(src) = node.attribute("src") else {
        let tree = prebuilt.ok_or_else(|| structure(doc, node, "an empty <instance>"))?;
        return Ok((id, tree));
    };
    // The last saved instance of the form: until one is kept, an empty one (as Collect has it
    // before the first instance is saved).
    let bytes = match external.fetch(src) {
        Some(bytes) => bytes,
        None if src == "jr://instance/last-saved" => b"<root/>".to_vec(),
        None => return Err(FormError::MissingInstance { id: id.clone(), src: src.to_owned() }),
    };
    let instance = external::read(&bytes, src)
        .map_err(|reason| FormError::BadInstance { id: id.clone(), reason })?;
    Ok((id, instance))
}

fn parse_bind(doc: &Source<'_>, node: roxmltree::Node<'_, '_>) -> Result<Bind, FormError> {
    let nodeset = node
        .attribute("nodeset")
        .or_else(|| node.attribute("ref"))
        .ok_or_else(|| structure(doc, node, "a <bind> without nodeset"))?
        .to_owned();
    let expression = |name: &str| -> Result<Option<XPath>, FormError> {
        node.attribute(name)
            .map(|source| compile(doc, node, || format!("bind {nodeset} {name}"), source))
            .transpose()
    };
    let jr = |name: &str| node.attribute((JR_NS, name)).map(str::to_owned);
    let verivali = |name: &str| {
        node.attributes()
            .find(|a| a.name() == name && a.namespace().is_some_and(|ns| ns.contains("verivali")))
            .map(|a| a.value().trim().to_owned())
    };
    let role = verivali("role");
    let backcheck = verivali("backcheck").filter(|v| !v.is_empty());
    Ok(Bind {
        id: node.attribute("id").map(str::to_owned),
        data_type: DataType::from_attribute(node.attribute("type").unwrap_or("string")),
        relevant: expression("relevant")?,
        required: expression("required")?,
        readonly: expression("readonly")?,
        constraint: expression("constraint")?,
        calculate: expression("calculate")?,
        constraint_msg: jr("constraintMsg"),
        required_msg: jr("requiredMsg"),
        preload: jr("preload").map(|p| (p, jr("preloadParams"))),
        role,
        backcheck,
        max_pixels: node
            .attributes()
            .find(|a| a.name() == "max-pixels")
            .and_then(|a| a.value().trim().parse().ok()),
        line: line(doc, node),
        nodeset,
    })
}

/// A `<setvalue bind="id">` sets the node of the bind with that id.
pub(crate) fn resolve_bind_targets(actions: &mut [SetValue], binds: &[Bind]) {
    for action in actions.iter_mut().filter(|a| !a.target.starts_with('/')) {
        if let Some(bind) = binds.iter().find(|b| b.id.as_deref() == Some(&*action.target)) {
            action.target = bind.nodeset.clone();
        }
    }
}

/// Reads a `<setvalue>`; `trigger` is the control it sits in, for `xforms-value-changed`.
pub(crate) fn parse_setvalue(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    trigger: Option<&str>,
) -> Result<SetValue, FormError> {
    let target = node
        .attribute("ref")
        .or_else(|| node.attribute("bind"))
        .ok_or_else(|| structure(doc, node, "a <setvalue> without ref"))?
        .to_owned();
    let value = node
        .attribute("value")
        .map(|source| compile(doc, node, || format!("setvalue {target}"), source))
        .transpose()?;
    Ok(SetValue {
        events: node
            .attribute("event")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        literal: node.text().unwrap_or("").to_owned(),
        trigger: trigger.map(str::to_owned),
        line: line(doc, node),
        value,
        target,
    })
}
