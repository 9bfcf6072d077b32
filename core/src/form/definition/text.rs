//! Labels, hints and messages: literal text with `<output>` values, or itext references, in
//! every language the form has.

use std::collections::HashMap;

use super::{FormError, Source, compile};
use crate::form::xpath::XPath;

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
    place: &str,
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
                || format!("the output in {place}"),
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
    place: &str,
) -> Result<Text, FormError> {
    match node.attribute("ref") {
        Some(reference) => Ok(Text::Expr(compile(
            doc,
            node,
            || format!("the text reference of {place}"),
            reference,
        )?)),
        None => Ok(Text::Parts(parts_of(doc, node, place)?)),
    }
}

/// Reads `<itext>`.
pub(crate) fn parse_itext(
    doc: &Source<'_>,
    itext: roxmltree::Node<'_, '_>,
) -> Result<Itext, FormError> {
    let mut out = Itext::default();
    for translation in
        itext.children().filter(|c| c.is_element() && c.tag_name().name() == "translation")
    {
        let language = translation.attribute("lang").unwrap_or("default").to_owned();
        if translation.attribute("default").is_some() && out.default_language.is_none() {
            out.default_language = Some(language.clone());
        }
        let mut texts = HashMap::new();
        for text in
            translation.children().filter(|c| c.is_element() && c.tag_name().name() == "text")
        {
            let id = text.attribute("id").unwrap_or("").to_owned();
            let mut forms = Vec::new();
            for value in
                text.children().filter(|c| c.is_element() && c.tag_name().name() == "value")
            {
                let place = format!("itext '{id}' ({language})");
                forms.push((
                    value.attribute("form").map(str::to_owned),
                    parts_of(doc, value, &place)?,
                ));
            }
            texts.insert(id, forms);
        }
        out.languages.push(language.clone());
        out.texts.insert(language, texts);
    }
    if out.default_language.is_none() {
        out.default_language = out.languages.first().cloned();
    }
    Ok(out)
}
