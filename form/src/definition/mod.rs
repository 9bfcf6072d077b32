//! The form definition: an ODK XForm (as pyxform 4.x writes it) read into instances, binds,
//! body controls, translations and actions, with every expression compiled.
//!
//! Loading fails with an error that names where: the line and column of the element, or the
//! bind and attribute whose expression is wrong. A form that calls a function we do not support
//! fails to load and names it, as in ODK Collect. External instances (`jr://file/*.csv`,
//! `*.xml`) come from the caller through [`ExternalInstances`]; nothing here touches a file.

mod body;
mod external;
mod model;
mod split;
#[cfg(test)]
mod tests;
mod text;

pub use body::{Choices, Control, ControlKind, Item, Itemset, RepeatInfo};
pub use model::{Bind, DataType, SetValue};
pub use text::{Itext, Text, TextForms, TextPart, Translation};

use super::{
    dom::{self, Document, ParseError},
    frozen::FrozenDocument,
    xpath::{XPath, XPathError},
};

/// The XForms namespace.
pub const XFORMS_NS: &str = "http://www.w3.org/2002/xforms";
/// The JavaRosa namespace (`jr:`).
pub const JR_NS: &str = "http://openrosa.org/javarosa";

/// Supplies the bytes of external secondary instances, by their `src` (e.g. `jr://file/desa.csv`).
pub trait ExternalInstances {
    fn fetch(&self, src: &str) -> Option<Vec<u8>>;
}

/// A form without external instances.
pub struct NoExternalInstances;

impl ExternalInstances for NoExternalInstances {
    fn fetch(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
}

/// Why a form cannot be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormError {
    #[error("{0}")]
    Xml(#[from] ParseError),
    #[error("The form is not a valid XForm at line {line}, column {column}: {reason}.")]
    Structure { line: u32, column: u32, reason: String },
    #[error("The expression of {place} (line {line}) cannot be used: {source}")]
    Expression {
        line: u32,
        place: String,
        #[source]
        source: XPathError,
    },
    #[error("The external instance '{id}' ({src}) was not provided.")]
    MissingInstance { id: String, src: String },
    #[error("The external instance '{id}' cannot be read: {reason}.")]
    BadInstance { id: String, reason: String },
}

/// A loaded form.
#[derive(Debug, Clone)]
pub struct FormDef {
    pub title: String,
    /// The `id` attribute of the primary instance's root.
    pub form_id: String,
    pub version: Option<String>,
    /// The primary instance as written in the form, templates included.
    pub primary: Document,
    /// Secondary instances by id, internal and external.
    pub secondary: Vec<(String, FrozenDocument)>,
    pub binds: Vec<Bind>,
    /// The body's top-level controls, in form order.
    pub body: Vec<Control>,
    pub itext: Itext,
    pub actions: Vec<SetValue>,
    /// The RSA public key of `<submission base64RsaPublicKey="…">`: submissions of this form
    /// leave the device encrypted with it (ADR 0014).
    pub submission_public_key: Option<String>,
    /// Expressions calling an unknown function or with a wrong argument count, each as the
    /// error it will raise if evaluated (a form loads with them, as in ODK Collect; `form check`
    /// warns).
    pub call_warnings: Vec<FormError>,
}

impl FormDef {
    /// Loads an XForm from its text.
    pub fn parse(xml: &str, external: &dyn ExternalInstances) -> Result<FormDef, FormError> {
        let compiler = Compiler::default();
        let mut itext_reader = text::ItextReader::new(&compiler, xml);
        let mut split = split::split(xml, &mut |at, token| itext_reader.token(at, token))?;
        let itext = split.itext.is_some().then(|| itext_reader.finish());
        let prebuilt = std::mem::take(&mut split.instances);
        let tree = dom::parse_guarded(&split.rest).map_err(|e| relocate(e, &split, xml))?;
        let doc = Source::new(tree, xml, &split, &compiler);
        let root = doc.tree.root_element();
        let head = child(root, "head").ok_or_else(|| structure(&doc, root, "no <h:head>"))?;
        let model_node = child(head, "model").ok_or_else(|| structure(&doc, head, "no <model>"))?;
        let title = child(head, "title").and_then(|t| t.text()).unwrap_or("").trim().to_owned();
        let submission_public_key = child(model_node, "submission")
            .and_then(|s| s.attribute("base64RsaPublicKey"))
            .map(|key| key.split_ascii_whitespace().collect::<String>())
            .filter(|key| !key.is_empty());
        let parts = model::parse_model(&doc, model_node, external, prebuilt, itext)?;
        let instance_root = format!("/{}", parts.primary.get(parts.primary.root()).name);
        let mut binds = parts.binds;
        for bind in &mut binds {
            bind.nodeset = absolute(&bind.nodeset, &instance_root);
        }
        let mut actions = parts.actions;
        let mut body = match child(root, "body") {
            Some(body) => body::parse_body(&doc, body, &binds, &mut actions)?,
            None => Vec::new(),
        };
        absolute_controls(&mut body, &instance_root);
        for action in &mut actions {
            action.target = absolute(&action.target, &instance_root);
        }
        Ok(FormDef {
            title,
            form_id: parts.primary.attribute(parts.primary.root(), "id").unwrap_or("").to_owned(),
            version: parts.primary.attribute(parts.primary.root(), "version").map(str::to_owned),
            primary: parts.primary,
            secondary: parts.secondary,
            binds,
            body,
            itext: parts.itext,
            actions,
            submission_public_key,
            call_warnings: compiler.call_warnings.take(),
        })
    }

    /// The bind for an absolute node path (without repeat indexes), if any.
    pub fn bind(&self, nodeset: &str) -> Option<&Bind> {
        self.binds.iter().find(|b| b.nodeset == nodeset)
    }

    /// Every control, depth first in form order.
    pub fn controls(&self) -> Vec<&Control> {
        fn visit<'a>(controls: &'a [Control], out: &mut Vec<&'a Control>) {
            for c in controls {
                out.push(c);
                visit(&c.children, out);
            }
        }
        let mut out = Vec::new();
        visit(&self.body, &mut out);
        out
    }
}

/// Makes a bind or control path absolute: relative paths start at `base` (the instance root for
/// binds, the enclosing group for controls), as in JavaRosa.
fn absolute(path: &str, base: &str) -> String {
    let path = path.trim();
    if path.starts_with('/') {
        return path.to_owned();
    }
    let mut out = base.to_owned();
    for step in path.split('/') {
        match step {
            "" | "." => {}
            ".." => out.truncate(out.rfind('/').unwrap_or(0)),
            name => {
                out.push('/');
                out.push_str(name);
            }
        }
    }
    out
}

fn absolute_controls(controls: &mut [Control], base: &str) {
    for control in controls {
        if let Some(reference) = &control.reference {
            control.reference = Some(absolute(reference, base));
        }
        let inner = control.reference.clone().unwrap_or_else(|| base.to_owned());
        absolute_controls(&mut control.children, &inner);
    }
}

/// The first child element with this local name.
pub(crate) fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

pub(crate) fn position(doc: &Source<'_>, node: roxmltree::Node<'_, '_>) -> (u32, u32) {
    doc.position(node.range().start)
}

/// The 1-based line of an element.
pub(crate) fn line(doc: &Source<'_>, node: roxmltree::Node<'_, '_>) -> u32 {
    doc.line(node.range().start)
}

/// Moves a parse error of the cut text to its place in the original form.
fn relocate(error: ParseError, split: &split::Split<'_>, original: &str) -> ParseError {
    let ParseError::Malformed { line, column, reason } = error else { return error };
    let rest = &split.rest;
    let line_start =
        rest.split_inclusive('\n').take(line as usize - 1).map(str::len).sum::<usize>();
    let offset = rest[line_start..]
        .char_indices()
        .nth(column as usize - 1)
        .map_or(rest.len(), |(i, _)| line_start + i);
    // The parser's message repeats its own position (" at 6:38"), which is of the cut text.
    let reason = match reason.rsplit_once(" at ") {
        Some((message, at)) if at.bytes().all(|b| b.is_ascii_digit() || b == b':') => message,
        _ => &reason,
    };
    crate::scan::malformed(original, split.original_offset(offset), reason)
}

/// A parsed form with an index of its line starts, so that every element's line and column
/// is found by binary search instead of a scan from the start of a 7 MB form. The tree is of
/// the text with secondary instances cut out; positions are mapped back to the original.
pub(crate) struct Source<'i> {
    pub tree: roxmltree::Document<'i>,
    text: &'i str,
    split: &'i split::Split<'i>,
    line_starts: Vec<usize>,
    compiler: &'i Compiler,
}

/// Compiles a form's expressions, each distinct one once: forms repeat the same relevance,
/// filters and references many times.
#[derive(Default)]
pub(crate) struct Compiler {
    compiled: std::cell::RefCell<rustc_hash::FxHashMap<String, XPath>>,
    call_warnings: std::cell::RefCell<Vec<FormError>>,
}

impl Compiler {
    /// Compiles `source`; an error names `place` and the line `line` finds.
    pub fn compile(
        &self,
        line: impl FnOnce() -> u32,
        place: impl FnOnce() -> String,
        source: &str,
    ) -> Result<XPath, FormError> {
        if let Some(known) = self.compiled.borrow().get(source) {
            return Ok(known.clone());
        }
        let compiled = match XPath::compile(source) {
            Ok(compiled) => compiled,
            Err(source) => {
                return Err(FormError::Expression { line: line(), place: place(), source });
            }
        };
        let problems = compiled.call_problems();
        if !problems.is_empty() {
            let (line, place) = (line(), place());
            let warnings = problems.into_iter().map(|source| FormError::Expression {
                line,
                place: place.clone(),
                source,
            });
            self.call_warnings.borrow_mut().extend(warnings);
        }
        self.compiled.borrow_mut().insert(source.to_owned(), compiled.clone());
        Ok(compiled)
    }
}

impl<'i> Source<'i> {
    fn new(
        tree: roxmltree::Document<'i>,
        text: &'i str,
        split: &'i split::Split<'i>,
        compiler: &'i Compiler,
    ) -> Self {
        let line_starts =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Source { tree, text, split, line_starts, compiler }
    }

    /// 1-based line of a byte offset in the cut text.
    fn line(&self, offset: usize) -> u32 {
        let offset = self.split.original_offset(offset);
        self.line_starts.partition_point(|&start| start <= offset) as u32
    }

    /// 1-based line and column (in characters) of a byte offset in the cut text.
    fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.line(offset);
        let offset = self.split.original_offset(offset).min(self.text.len());
        let start = self.line_starts[line as usize - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line, column as u32)
    }
}

pub(crate) fn structure(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    reason: &str,
) -> FormError {
    let (line, column) = position(doc, node);
    FormError::Structure { line, column, reason: reason.to_owned() }
}

/// Compiles an expression found on `node`, naming `place` in the error.
pub(crate) fn compile(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    place: impl FnOnce() -> String,
    source: &str,
) -> Result<XPath, FormError> {
    doc.compiler.compile(|| line(doc, node), place, source)
}
