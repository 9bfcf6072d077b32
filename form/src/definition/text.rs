//! Labels, hints and messages: literal text with `<output>` values, or itext references, in
//! every language the form has.

use rustc_hash::FxHashMap as HashMap;

use super::{Compiler, FormError, Source, compile};
use crate::scan::{self, Token, local_name};
use crate::xpath::XPath;

/// One piece of a text.
#[derive(Debug, Clone, PartialEq)]
pub enum TextPart {
    Literal(String),
    /// `<output value="…"/>`: the value of an expression, filled in when shown.
    Output(XPath),
}

/// A label, hint or message.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// Inline text with outputs.
    Parts(Vec<TextPart>),
    /// `ref="jr:itext('id')"` or another expression that yields the text.
    Expr(XPath),
}

/// The forms of one text: `None` is the plain form; others are `image`, `audio`, `guidance`, ….
pub type TextForms = Vec<(Option<String>, Vec<TextPart>)>;

/// One language's texts by id.
pub type Translation = HashMap<String, TextForms>;

/// Translations: language → text id → forms of the text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Itext {
    pub languages: Vec<String>,
    pub default_language: Option<String>,
    pub texts: HashMap<String, Translation>,
}

impl Itext {
    /// The text `id` in `language`: its plain form, or else its `long` form (JavaRosa's default).
    pub fn plain(&self, language: &str, id: &str) -> Option<&[TextPart]> {
        let forms = self.texts.get(language)?.get(id)?;
        forms
            .iter()
            .find(|(form, _)| form.is_none())
            .or_else(|| forms.iter().find(|(form, _)| form.as_deref() == Some("long")))
            .map(|(_, parts)| parts.as_slice())
    }
}

/// Reads mixed content: text and `<output value="…"/>` in document order.
pub(crate) fn parts_of(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    place: &dyn Fn() -> String,
) -> Result<Vec<TextPart>, FormError> {
    let mut parts = Vec::new();
    for child in node.children() {
        if child.is_text() {
            // Like JavaRosa's parser, drop text that is only whitespace (between two outputs).
            let text = child.text().unwrap_or("");
            if !text.trim().is_empty() {
                parts.push(TextPart::Literal(text.to_owned()));
            }
        } else if child.is_element() && child.tag_name().name() == "output" {
            let value = child.attribute("value").or_else(|| child.attribute("ref")).unwrap_or("");
            parts.push(TextPart::Output(compile(
                doc,
                child,
                || format!("the output in {}", place()),
                value,
            )?));
        }
    }
    Ok(parts)
}

/// Reads a `<label>`, `<hint>` or similar element.
pub(crate) fn text_of(
    doc: &Source<'_>,
    node: roxmltree::Node<'_, '_>,
    place: &dyn Fn() -> String,
) -> Result<Text, FormError> {
    match node.attribute("ref") {
        Some(reference) => Ok(Text::Expr(compile(
            doc,
            node,
            || format!("the text reference of {}", place()),
            reference,
        )?)),
        None => Ok(Text::Parts(parts_of(doc, node, place)?)),
    }
}

/// The translation, text and value being read.
#[derive(Default)]
struct Open {
    language: String,
    texts: Translation,
    id: String,
    forms: TextForms,
    form: Option<String>,
    parts: Vec<TextPart>,
}

/// Reads `<itext>` from its tokens, as the form is first tokenized.
pub(crate) struct ItextReader<'d> {
    compiler: &'d Compiler,
    xml: &'d str,
    out: Itext,
    /// Local names of the open elements inside `<itext>`.
    open: Vec<&'d str>,
    current: Open,
}

impl<'d> ItextReader<'d> {
    pub fn new(compiler: &'d Compiler, xml: &'d str) -> Self {
        ItextReader {
            compiler,
            xml,
            out: Itext::default(),
            open: Vec::new(),
            current: Open::default(),
        }
    }

    /// The translations read.
    pub fn finish(mut self) -> Itext {
        if self.out.default_language.is_none() {
            self.out.default_language = self.out.languages.first().cloned();
        }
        self.out
    }

    /// Takes the next token inside `<itext>`.
    pub fn token(&mut self, at: usize, token: Token<'d>) -> Result<(), FormError> {
        match token {
            Token::Start { name, attributes, empty } => {
                let attributes = scan::attributes(attributes)
                    .map_err(|reason| scan::malformed(self.xml, at, reason))?;
                let attribute = |wanted: &str| {
                    attributes
                        .iter()
                        .find(|(n, _)| local_name(n) == wanted)
                        .map(|(_, v)| v.to_string())
                };
                let name = local_name(name);
                self.start(at, name, &attribute)?;
                if empty {
                    self.end(name);
                } else {
                    self.open.push(name);
                }
            }
            Token::End { .. } => {
                if let Some(name) = self.open.pop() {
                    self.end(name);
                }
            }
            Token::Text(raw) if self.in_value() => {
                let text = scan::unescape(raw)
                    .map_err(|(i, reason)| scan::malformed(self.xml, at + i, reason))?;
                self.literal(&scan::normalize_newlines(text));
            }
            Token::CData(text) if self.in_value() => self.literal(text),
            _ => {}
        }
        Ok(())
    }

    fn in_value(&self) -> bool {
        self.open.len() == 3 && self.open[2] == "value"
    }

    fn literal(&mut self, text: &str) {
        // Like JavaRosa's parser, drop text that is only whitespace (between two outputs).
        if !text.trim().is_empty() {
            self.current.parts.push(TextPart::Literal(text.to_owned()));
        }
    }

    fn start(
        &mut self,
        at: usize,
        name: &str,
        attribute: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), FormError> {
        let open = &mut self.current;
        match (self.open.len(), name) {
            (0, "translation") => {
                let language = attribute("lang").unwrap_or_else(|| "default".to_owned());
                if attribute("default").is_some() && self.out.default_language.is_none() {
                    self.out.default_language = Some(language.clone());
                }
                *open = Open { language, ..Open::default() };
            }
            (1, "text") => {
                open.id = attribute("id").unwrap_or_default();
                open.forms.clear();
            }
            (2, "value") => {
                open.form = attribute("form");
                open.parts.clear();
            }
            (3, "output") if self.open[2] == "value" => {
                let source = attribute("value").or_else(|| attribute("ref")).unwrap_or_default();
                let output = self.compiler.compile(
                    || scan::line_at(self.xml, at),
                    || format!("the output in itext '{}' ({})", open.id, open.language),
                    &source,
                )?;
                open.parts.push(TextPart::Output(output));
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        let open = &mut self.current;
        match (self.open.len(), name) {
            (0, "translation") => {
                let language = std::mem::take(&mut open.language);
                self.out.languages.push(language.clone());
                self.out.texts.insert(language, std::mem::take(&mut open.texts));
            }
            (1, "text") => {
                let forms = std::mem::take(&mut open.forms);
                open.texts.insert(std::mem::take(&mut open.id), forms);
            }
            (2, "value") => {
                let parts = std::mem::take(&mut open.parts);
                open.forms.push((open.form.take(), parts));
            }
            _ => {}
        }
    }
}
