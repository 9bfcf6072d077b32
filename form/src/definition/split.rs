//! Takes the internal secondary instances out of a form before the rest is parsed.
//!
//! Choice lists and region cascades can be nearly all of a form (`dtks-synth`: 7.5 of its
//! 7.6 MB). One pass of the guarded tokenizer finds every `<instance>` of the model; the
//! secondary ones are built straight into compact trees, and their content is cut out of the
//! text that the general parser then reads. The translations (`<itext>`, half of a big
//! multilingual form) are cut out the same way and read from the tokens. The cut positions are
//! kept, so errors in the rest still name the line and column of the original text.

use std::borrow::Cow;

use super::FormError;
use crate::{
    dom::{MAX_DEPTH, ParseError},
    frozen::FrozenDocument,
    scan::{self, Token, Tokenizer, local_name},
};

/// A form with its internal secondary instances taken out.
pub(crate) struct Split<'a> {
    /// The form text without the secondary instances' content.
    pub rest: Cow<'a, str>,
    /// For each `<instance>` child of the model, in order: its tree, if it was taken out.
    pub instances: Vec<Option<FrozenDocument>>,
    /// Where the content of the model's `<itext>` is in the original text, if it was cut.
    pub itext: Option<(usize, usize)>,
    /// (offset in `rest` where content was cut, bytes cut), in order.
    cuts: Vec<(usize, usize)>,
}

impl Split<'_> {
    /// The offset in the original text of an offset in `rest`.
    pub fn original_offset(&self, rest_offset: usize) -> usize {
        let shift: usize =
            self.cuts.iter().take_while(|(at, _)| *at <= rest_offset).map(|(_, len)| len).sum();
        rest_offset + shift
    }
}

/// Splits `xml`, handing the tokens inside `<itext>` to `itext`; refuses DTDs and nesting
/// deeper than [`MAX_DEPTH`] anywhere in the form.
pub(crate) fn split<'a>(
    xml: &'a str,
    itext: &mut dyn FnMut(usize, Token<'a>) -> Result<(), FormError>,
) -> Result<Split<'a>, FormError> {
    let mut tokens = Tokenizer::new(xml, 0, xml.len());
    let mut open: Vec<&str> = Vec::new();
    let mut instances = Vec::new();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut itext_span = None;
    while let Some((at, token)) = tokens.next_token()? {
        let Token::Start { name, attributes, empty } = token else {
            if let Token::End { .. } = token {
                open.pop();
            }
            continue;
        };
        if open.len() >= MAX_DEPTH {
            return Err(ParseError::TooDeep { line: scan::line_at(xml, at) }.into());
        }
        let in_model = open.last().is_some_and(|parent| local_name(parent) == "model");
        if in_model && local_name(name) == "itext" && !empty && itext_span.is_none() {
            let content = tokens.offset();
            let close = closing_tag(xml, &mut tokens, open.len() + 1, itext)?;
            itext_span = Some((content, close));
            taken.push((content, close));
            continue;
        }
        if in_model && local_name(name) == "instance" {
            let secondary = !instances.is_empty() && !empty && !has_src(attributes);
            if !secondary {
                instances.push(None);
            } else {
                let content = tokens.offset();
                let close = closing_tag(xml, &mut tokens, open.len() + 1, &mut |_, _| Ok(()))?;
                let tree = scan::build_tree(xml, content, close, open.len() + 1)?;
                instances.push(Some(tree));
                taken.push((content, close));
                continue;
            }
        }
        if !empty {
            open.push(name);
        }
    }
    let mut split = cut(xml, &taken, instances);
    split.itext = itext_span;
    Ok(split)
}

/// Goes to the end tag that closes the element just opened, handing every token on the way
/// to `each`; returns where that end tag starts.
fn closing_tag<'a>(
    xml: &'a str,
    tokens: &mut Tokenizer<'a>,
    depth: usize,
    each: &mut dyn FnMut(usize, Token<'a>) -> Result<(), FormError>,
) -> Result<usize, FormError> {
    let mut nesting = 0usize;
    while let Some((at, token)) = tokens.next_token()? {
        if !(nesting == 0 && matches!(token, Token::End { .. })) {
            each(at, token)?;
        }
        match token {
            Token::Start { empty: false, .. } => {
                nesting += 1;
                if depth + nesting > MAX_DEPTH {
                    return Err(ParseError::TooDeep { line: scan::line_at(xml, at) }.into());
                }
            }
            Token::End { .. } if nesting == 0 => return Ok(at),
            Token::End { .. } => nesting -= 1,
            _ => {}
        }
    }
    Err(scan::malformed(xml, xml.len(), "an element of the model that is never closed").into())
}

fn cut<'a>(
    xml: &'a str,
    taken: &[(usize, usize)],
    instances: Vec<Option<FrozenDocument>>,
) -> Split<'a> {
    if taken.is_empty() {
        return Split { rest: Cow::Borrowed(xml), instances, itext: None, cuts: Vec::new() };
    }
    let removed: usize = taken.iter().map(|(start, end)| end - start).sum();
    let mut rest = String::with_capacity(xml.len() - removed);
    let mut cuts = Vec::with_capacity(taken.len());
    let mut copied = 0;
    for &(start, end) in taken {
        rest.push_str(&xml[copied..start]);
        cuts.push((rest.len(), end - start));
        copied = end;
    }
    rest.push_str(&xml[copied..]);
    Split { rest: Cow::Owned(rest), instances, itext: None, cuts }
}

fn has_src(attributes: &str) -> bool {
    scan::attributes(attributes).is_ok_and(|list| list.iter().any(|(name, _)| *name == "src"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "<h:html xmlns:h=\"x\"><h:head><model>\n\
        <instance><data id=\"f\"><a/></data></instance>\n\
        <instance id=\"yn\">\n<root><item><name>1</name></item></root>\n</instance>\n\
        <instance id=\"ext\" src=\"jr://file/x.csv\"/>\n\
        <bind nodeset=\"/data/a\"/></model></h:head></h:html>";

    #[test]
    fn secondary_instances_are_built_and_cut_out_but_the_primary_stays() {
        let split = split(FORM, &mut |_, _| Ok(())).unwrap();
        assert_eq!(split.instances.len(), 3);
        assert!(split.instances[0].is_none() && split.instances[2].is_none());
        let yn = split.instances[1].as_ref().unwrap();
        assert_eq!(yn.name(yn.root()), "root");
        assert!(split.rest.contains("<instance id=\"yn\"></instance>"));
        assert!(split.rest.contains("<data id=\"f\"><a/></data>"));
    }

    #[test]
    fn offsets_after_a_cut_map_back_to_the_original_text() {
        let split = split(FORM, &mut |_, _| Ok(())).unwrap();
        let in_rest = split.rest.find("<bind").unwrap();
        assert_eq!(split.original_offset(in_rest), FORM.find("<bind").unwrap());
    }

    #[test]
    fn a_form_without_secondary_instances_is_not_copied() {
        let xml = "<h:html><h:head><model><instance><d/></instance></model></h:head></h:html>";
        assert!(matches!(split(xml, &mut |_, _| Ok(())).unwrap().rest, Cow::Borrowed(_)));
    }

    #[test]
    fn malformed_instance_content_names_its_line() {
        let bad = FORM.replace("<name>1</name>", "<name>1</nmae>");
        let err = split(&bad, &mut |_, _| Ok(())).err().unwrap();
        assert!(matches!(err, FormError::Xml(ParseError::Malformed { line: 4, .. })), "{err:?}");
    }
}
