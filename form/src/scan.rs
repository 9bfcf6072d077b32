//! A small, guarded XML tokenizer for the parts of a form that are data, not structure.
//!
//! Secondary instances can be megabytes of `<item>`s. Building a general DOM for them first and
//! copying it into the compact [`FrozenDocument`] afterwards cost a 7.6 MB form over 100 MB of
//! heap, so they are tokenized straight into the compact tree. The tokenizer understands
//! elements, attributes, text, CDATA, comments and processing instructions; a DTD (and so any
//! entity expansion) is refused, and only the five predefined entities and character references
//! are accepted. Errors carry the byte offset; [`malformed`] turns it into a line and column.

use std::borrow::Cow;

use super::{
    dom::{MAX_DEPTH, ParseError},
    frozen::{FrozenBuilder, FrozenDocument},
};

/// One piece of markup or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A start tag: its qualified name, the raw attribute text, and whether it is `<a/>`.
    Start {
        name: &'a str,
        attributes: &'a str,
        empty: bool,
    },
    End {
        name: &'a str,
    },
    /// Text with its entity references still in place.
    Text(&'a str),
    /// The inside of a CDATA section, taken literally.
    CData(&'a str),
}

/// Reads tokens from a byte range of a text; comments and processing instructions are skipped.
pub struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    end: usize,
}

impl<'a> Tokenizer<'a> {
    pub fn new(text: &'a str, start: usize, end: usize) -> Tokenizer<'a> {
        Tokenizer { text, pos: start, end }
    }

    /// Where the next token starts.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The next token and the offset where it starts.
    pub fn next_token(&mut self) -> Result<Option<(usize, Token<'a>)>, ParseError> {
        loop {
            if self.pos >= self.end {
                return Ok(None);
            }
            let start = self.pos;
            let rest = &self.text[start..self.end];
            if !rest.starts_with('<') {
                let len = memchr::memchr(b'<', rest.as_bytes()).unwrap_or(rest.len());
                self.pos += len;
                return Ok(Some((start, Token::Text(&rest[..len]))));
            }
            if let Some(token) = self.markup(start, rest)? {
                return Ok(Some((start, token)));
            }
        }
    }

    /// Reads the markup at `start`; `None` for a comment or processing instruction.
    fn markup(&mut self, start: usize, rest: &'a str) -> Result<Option<Token<'a>>, ParseError> {
        if let Some(body) = rest.strip_prefix("<!--") {
            self.skip_past(start, body, "-->", 4, "a comment that is never closed")?;
            return Ok(None);
        }
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let len = memchr::memmem::find(body.as_bytes(), b"]]>").ok_or_else(|| {
                malformed(self.text, start, "a CDATA section that is never closed")
            })?;
            self.pos = start + 9 + len + 3;
            return Ok(Some(Token::CData(&body[..len])));
        }
        if rest.starts_with("<!") {
            return Err(ParseError::Dtd { line: line_at(self.text, start) });
        }
        if let Some(body) = rest.strip_prefix("<?") {
            self.skip_past(start, body, "?>", 2, "a processing instruction that is never closed")?;
            return Ok(None);
        }
        if let Some(body) = rest.strip_prefix("</") {
            let close = memchr::memchr(b'>', body.as_bytes())
                .ok_or_else(|| malformed(self.text, start, "an end tag that is never closed"))?;
            let name = body[..close].trim_end();
            check_name(self.text, start + 2, name)?;
            self.pos = start + 2 + close + 1;
            return Ok(Some(Token::End { name }));
        }
        self.start_tag(start, &rest[1..]).map(Some)
    }

    fn start_tag(&mut self, start: usize, body: &'a str) -> Result<Token<'a>, ParseError> {
        let name_len = body
            .bytes()
            .position(|b| b.is_ascii_whitespace() || b == b'/' || b == b'>')
            .unwrap_or(body.len());
        let name = &body[..name_len];
        check_name(self.text, start + 1, name)?;
        let close = tag_end(&body[name_len..])
            .ok_or_else(|| malformed(self.text, start, "a start tag that is never closed"))?;
        let inside = &body[name_len..name_len + close];
        let (attributes, empty) = match inside.strip_suffix('/') {
            Some(attributes) => (attributes, true),
            None => (inside, false),
        };
        self.pos = start + 1 + name_len + close + 1;
        Ok(Token::Start { name, attributes, empty })
    }

    fn skip_past(
        &mut self,
        start: usize,
        body: &str,
        terminator: &str,
        opener: usize,
        reason: &str,
    ) -> Result<(), ParseError> {
        let len = memchr::memmem::find(body.as_bytes(), terminator.as_bytes())
            .ok_or_else(|| malformed(self.text, start, reason))?;
        self.pos = start + opener + len + terminator.len();
        Ok(())
    }
}

/// The offset of the `>` that ends a tag, skipping any inside quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let bytes = tag.as_bytes();
    let mut at = 0;
    loop {
        let found = at + memchr::memchr3(b'>', b'"', b'\'', &bytes[at..])?;
        match bytes[found] {
            b'>' => return Some(found),
            quote => at = found + 1 + memchr::memchr(quote, &bytes[found + 1..])? + 1,
        }
    }
}

fn check_name(text: &str, at: usize, name: &str) -> Result<(), ParseError> {
    let starts_well =
        name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    if starts_well && !name.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '&' | '"')) {
        Ok(())
    } else {
        Err(malformed(text, at, "an invalid element name"))
    }
}

/// The attributes of a start tag: (qualified name, value with references replaced).
pub fn attributes(raw: &str) -> Result<Vec<(&str, Cow<'_, str>)>, &'static str> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while !rest.is_empty() {
        let eq = memchr::memchr(b'=', rest.as_bytes()).ok_or("an attribute without a value")?;
        let name = rest[..eq].trim_end();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err("an attribute without a value");
        }
        let value_part = rest[eq + 1..].trim_start();
        let quote = value_part.bytes().next().filter(|c| matches!(c, b'"' | b'\''));
        let quote = quote.ok_or("an attribute value without quotes")?;
        let len = memchr::memchr(quote, &value_part.as_bytes()[1..])
            .ok_or("an attribute value that is never closed")?;
        let value = unescape(&value_part[1..1 + len]).map_err(|(_, reason)| reason)?;
        let value = match value {
            Cow::Borrowed(v) if memchr::memchr3(b'\t', b'\n', b'\r', v.as_bytes()).is_none() => {
                Cow::Borrowed(v)
            }
            other => Cow::Owned(other.replace(['\t', '\n', '\r'], " ")),
        };
        if out.iter().any(|(n, _)| *n == name) {
            return Err("an attribute given twice");
        }
        out.push((name, value));
        rest = value_part[1 + len + 1..].trim_start();
    }
    Ok(out)
}

/// Replaces the predefined entities and character references; any other entity is refused,
/// with the offset of the reference in `raw`.
pub fn unescape(raw: &str) -> Result<Cow<'_, str>, (usize, &'static str)> {
    if memchr::memchr(b'&', raw.as_bytes()).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let at = raw.len() - rest.len() + amp;
        let semi = rest[amp..].find(';').ok_or((at, "an entity reference without ';'"))?;
        let entity = &rest[amp + 1..amp + semi];
        out.push(match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => character_reference(entity).ok_or((at, "an unknown entity reference"))?,
        });
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

fn character_reference(entity: &str) -> Option<char> {
    let code = match entity.strip_prefix("#x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => entity.strip_prefix('#')?.parse().ok()?,
    };
    char::from_u32(code).filter(|&c| c != '\0')
}

/// Line-break normalization for text, as XML parsers do.
pub fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        text
    }
}

/// The local part of a qualified name (`jr:count` → `count`).
pub fn local_name(name: &str) -> &str {
    memchr::memrchr(b':', name.as_bytes()).map_or(name, |colon| &name[colon + 1..])
}

/// Upper bounds for a region's element count and text bytes, so the tree is allocated once.
/// Whitespace between tags is not counted: indentation is not kept.
pub fn estimate(text: &str, start: usize, end: usize) -> (usize, usize) {
    let (mut elements, mut text_bytes) = (0, 0);
    let region = &text.as_bytes()[start..end];
    let mut pos = 0;
    while pos < region.len() {
        let lt = memchr::memchr(b'<', &region[pos..]).map_or(region.len(), |i| pos + i);
        if region[pos..lt].iter().any(|b| !b.is_ascii_whitespace()) {
            text_bytes += lt - pos;
        }
        if lt >= region.len() {
            break;
        }
        if region.get(lt + 1).is_some_and(|b| !matches!(b, b'/' | b'!' | b'?')) {
            elements += 1;
        }
        pos = memchr::memchr(b'>', &region[lt..]).map_or(region.len(), |i| lt + i + 1);
    }
    (elements, text_bytes)
}

/// Builds a tree from the tokens of `text[start..end]`, which must hold exactly one element
/// (plus comments and whitespace). `depth` is how deep that element sits in its file.
pub fn build_tree(
    text: &str,
    start: usize,
    end: usize,
    depth: usize,
) -> Result<FrozenDocument, ParseError> {
    let (elements, text_bytes) = estimate(text, start, end);
    let mut builder = FrozenBuilder::with_capacity(elements, text_bytes);
    let mut open: Vec<&str> = Vec::new();
    let mut tokens = Tokenizer::new(text, start, end);
    while let Some((at, token)) = tokens.next_token()? {
        let fail = |reason| malformed(text, at, reason);
        match token {
            Token::Start { name, attributes: raw, empty } => {
                if depth + open.len() >= MAX_DEPTH {
                    return Err(ParseError::TooDeep { line: line_at(text, at) });
                }
                builder.start(name).map_err(|e| locate(e, text, at))?;
                for (name, value) in attributes(raw).map_err(fail)? {
                    builder.attribute(name, &value);
                }
                if empty {
                    builder.end().map_err(|e| locate(e, text, at))?;
                } else {
                    open.push(name);
                }
            }
            Token::End { name } => {
                if open.pop() != Some(name) {
                    return Err(fail("an end tag that does not match its start tag"));
                }
                builder.end().map_err(|e| locate(e, text, at))?;
            }
            Token::Text(raw) => {
                let text = unescape(raw).map_err(|(i, reason)| malformed(text, at + i, reason))?;
                builder.text(&normalize_newlines(text));
            }
            Token::CData(data) => builder.text(data),
        }
    }
    if !open.is_empty() {
        return Err(malformed(text, end, "an element that is never closed"));
    }
    builder.finish().map_err(|e| locate(e, text, start))
}

/// Parses a whole XML document (an external `.xml` instance) into a compact tree.
pub fn parse_frozen(text: &str) -> Result<FrozenDocument, ParseError> {
    build_tree(text, 0, text.len(), 0)
}

/// Puts the line and column of `at` into an error from the tree builder.
fn locate(error: ParseError, text: &str, at: usize) -> ParseError {
    match error {
        ParseError::Malformed { reason, .. } => malformed(text, at, &reason),
        ParseError::TooDeep { .. } => ParseError::TooDeep { line: line_at(text, at) },
        other => other,
    }
}

/// A "not well formed" error at byte `at` of `text`, with its 1-based line and column.
pub fn malformed(text: &str, at: usize, reason: &str) -> ParseError {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    ParseError::Malformed {
        line: line_at(text, at),
        column: text[line_start..at].chars().count() as u32 + 1,
        reason: reason.to_owned(),
    }
}

/// The 1-based line of byte `at`.
pub fn line_at(text: &str, at: usize) -> u32 {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_text_becomes_a_compact_tree_with_entities_and_cdata_resolved() {
        let xml = "<root>\n  <item a=\"x &amp; y\"><label>Rp &lt; 5 &#x41;</label></item>\n  \
                   <!-- note --><item><label><![CDATA[<b>]]></label></item>\n</root>";
        let doc = parse_frozen(xml).unwrap();
        let items: Vec<_> = doc.children(doc.root()).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(doc.attribute(items[0], "a"), Some("x & y"));
        assert_eq!(doc.string_value(items[0]), "Rp < 5 A");
        assert_eq!(doc.string_value(items[1]), "<b>");
    }

    #[test]
    fn dtd_and_unknown_entities_are_refused() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\">]>\n<r>&a;</r>";
        assert_eq!(parse_frozen(bomb), Err(ParseError::Dtd { line: 2 }));
        let err = parse_frozen("<r>\n&a;</r>").unwrap_err();
        assert!(matches!(err, ParseError::Malformed { line: 2, column: 1, .. }), "{err:?}");
    }

    #[test]
    fn mismatched_and_unclosed_tags_name_their_position() {
        let err = parse_frozen("<root>\n  <item></itme>\n</root>").unwrap_err();
        assert!(matches!(err, ParseError::Malformed { line: 2, column: 9, .. }), "{err:?}");
        assert!(matches!(parse_frozen("<root><item>"), Err(ParseError::Malformed { .. })));
        assert!(matches!(parse_frozen("<root a='1></root>"), Err(ParseError::Malformed { .. })));
    }

    #[test]
    fn excessive_nesting_is_refused_with_its_line() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse_frozen(&deep), Err(ParseError::TooDeep { line: 1 })));
    }

    #[test]
    fn quoted_greater_than_signs_do_not_end_a_tag() {
        let doc = parse_frozen("<r><i v='a>b'/></r>").unwrap();
        let item = doc.child(doc.root(), "i").unwrap();
        assert_eq!(doc.attribute(item, "v"), Some("a>b"));
    }

    #[test]
    fn estimate_counts_elements_and_text_but_not_indentation() {
        let xml = "<root>\n  <item><n>12</n></item>\n  <item/>\n</root>";
        assert_eq!(estimate(xml, 0, xml.len()), (4, 2));
    }
}
