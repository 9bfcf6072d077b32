//! Splitting an XPath expression into tokens, with XPath 1.0's rules for telling the
//! operators `*`, `and`, `or`, `div` and `mod` from names (§3.7 of the XPath 1.0 spec).

use super::XPathError;

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: Tok,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Number(f64),
    Literal(String),
    /// A name or QName, possibly `prefix:*`.
    Name(String),
    /// A name followed by `(`.
    Function(String),
    /// `node`, `text` followed by `(`.
    NodeType(String),
    Slash,
    DoubleSlash,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    Pipe,
    Plus,
    Minus,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Div,
    Mod,
    Dollar,
    ColonColon,
}

/// Tokenizes `expr`.
pub fn tokenize(expr: &str) -> Result<Vec<Token>, XPathError> {
    let bytes = expr.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let operator_context = tokens.last().is_some_and(|t| ends_operand(&t.kind));
        let (kind, len) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b'@' => (Tok::At, 1),
            b',' => (Tok::Comma, 1),
            b'|' => (Tok::Pipe, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'=' => (Tok::Eq, 1),
            b'$' => (Tok::Dollar, 1),
            b':' if bytes.get(i + 1) == Some(&b':') => (Tok::ColonColon, 2),
            b'/' if bytes.get(i + 1) == Some(&b'/') => (Tok::DoubleSlash, 2),
            b'/' => (Tok::Slash, 1),
            b'!' if bytes.get(i + 1) == Some(&b'=') => (Tok::Ne, 2),
            b'<' if bytes.get(i + 1) == Some(&b'=') => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if bytes.get(i + 1) == Some(&b'=') => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'*' if operator_context => (Tok::Star, 1),
            b'*' => (Tok::Name("*".into()), 1),
            b'.' if bytes.get(i + 1) == Some(&b'.') => (Tok::DotDot, 2),
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => number(expr, i)?,
            b'.' => (Tok::Dot, 1),
            b'0'..=b'9' => number(expr, i)?,
            b'\'' | b'"' => literal(expr, i)?,
            _ if operator_context && operator_name_at(&expr[i..]).is_some() => {
                operator_name_at(&expr[i..]).expect("checked just above")
            }
            _ => {
                let len = name_len(expr, i);
                if len == 0 {
                    let ch = expr[i..].chars().next().unwrap_or('?');
                    return Err(XPathError::Syntax {
                        offset: i,
                        reason: format!("unexpected '{ch}'"),
                    });
                }
                let name = &expr[i..i + len];
                (classify_name(name, operator_context, next_non_space(bytes, i + len)), len)
            }
        };
        tokens.push(Token { kind, offset: start });
        i += len;
    }
    Ok(tokens)
}

/// Whether a token ends an operand, so that a following `*` or name is an operator.
fn ends_operand(t: &Tok) -> bool {
    !matches!(
        t,
        Tok::At
            | Tok::LParen
            | Tok::LBracket
            | Tok::Comma
            | Tok::Slash
            | Tok::DoubleSlash
            | Tok::Pipe
            | Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Eq
            | Tok::Ne
            | Tok::Lt
            | Tok::Le
            | Tok::Gt
            | Tok::Ge
            | Tok::And
            | Tok::Or
            | Tok::Div
            | Tok::Mod
            | Tok::Dollar
            | Tok::ColonColon
    )
}

/// An operator name at the start of `rest`, where an operator is expected. As in JavaRosa
/// (and ODK Collect), it is matched as a prefix: `1div1` is `1 div 1` and `. and.` is `. and .`.
fn operator_name_at(rest: &str) -> Option<(Tok, usize)> {
    [("and", Tok::And), ("or", Tok::Or), ("div", Tok::Div), ("mod", Tok::Mod)]
        .into_iter()
        .find(|(word, _)| rest.starts_with(word))
        .map(|(word, tok)| (tok, word.len()))
}

fn classify_name(name: &str, operator_context: bool, next: Option<u8>) -> Tok {
    if next == Some(b'(') && !operator_context {
        return match name {
            "node" | "text" => Tok::NodeType(name.to_owned()),
            _ => Tok::Function(name.to_owned()),
        };
    }
    Tok::Name(name.to_owned())
}

fn next_non_space(bytes: &[u8], mut i: usize) -> Option<u8> {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    bytes.get(i).copied()
}

/// Length of an NCName or QName (`prefix:local`, `prefix:*`) at `i`.
fn name_len(expr: &str, i: usize) -> usize {
    let is_start = |c: char| c.is_alphabetic() || c == '_';
    let is_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut chars = expr[i..].char_indices().peekable();
    match chars.peek() {
        Some(&(_, c)) if is_start(c) => {}
        _ => return 0,
    }
    let mut end = 0;
    let mut seen_colon = false;
    while let Some(&(pos, c)) = chars.peek() {
        if is_char(c) {
            end = pos + c.len_utf8();
            chars.next();
        } else if c == ':' && !seen_colon {
            let rest = &expr[i + pos + 1..];
            match rest.chars().next() {
                Some('*') => return pos + 2,
                Some(n) if is_start(n) => {
                    seen_colon = true;
                    chars.next();
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    end
}

fn number(expr: &str, i: usize) -> Result<(Tok, usize), XPathError> {
    let bytes = expr.as_bytes();
    let mut j = i;
    while j < bytes.len() && bytes[j].is_ascii_digit() {
        j += 1;
    }
    if j < bytes.len() && bytes[j] == b'.' {
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
    }
    let value = expr[i..j]
        .parse::<f64>()
        .map_err(|_| XPathError::Syntax { offset: i, reason: "bad number".into() })?;
    Ok((Tok::Number(value), j - i))
}

fn literal(expr: &str, i: usize) -> Result<(Tok, usize), XPathError> {
    let quote = expr.as_bytes()[i];
    match expr[i + 1..].find(quote as char) {
        Some(end) => Ok((Tok::Literal(expr[i + 1..i + 1 + end].to_owned()), end + 2)),
        None => Err(XPathError::Syntax { offset: i, reason: "unterminated string".into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(expr: &str) -> Vec<Tok> {
        tokenize(expr).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn star_and_div_are_operators_only_after_an_operand() {
        assert_eq!(kinds("2 * 3"), vec![Tok::Number(2.0), Tok::Star, Tok::Number(3.0)]);
        assert_eq!(
            kinds("/data/*"),
            vec![Tok::Slash, Tok::Name("data".into()), Tok::Slash, Tok::Name("*".into())]
        );
        assert_eq!(
            kinds("div div div"),
            vec![Tok::Name("div".into()), Tok::Div, Tok::Name("div".into())]
        );
    }

    #[test]
    fn an_operator_name_right_after_an_operand_is_the_operator_as_in_javarosa() {
        assert_eq!(kinds("1div1"), vec![Tok::Number(1.0), Tok::Div, Tok::Number(1.0)]);
        assert_eq!(kinds("2mod1"), vec![Tok::Number(2.0), Tok::Mod, Tok::Number(1.0)]);
        assert_eq!(kinds("1and1"), vec![Tok::Number(1.0), Tok::And, Tok::Number(1.0)]);
        assert_eq!(kinds("1or0"), vec![Tok::Number(1.0), Tok::Or, Tok::Number(0.0)]);
        assert_eq!(kinds("x orx"), vec![Tok::Name("x".into()), Tok::Or, Tok::Name("x".into())]);
    }

    #[test]
    fn hyphenated_and_prefixed_function_names_are_one_token() {
        assert_eq!(kinds("jr:choice-name(.)")[0], Tok::Function("jr:choice-name".into()));
        assert_eq!(kinds("count-selected (x)")[0], Tok::Function("count-selected".into()));
    }

    #[test]
    fn minus_after_a_name_is_part_of_the_name_but_not_after_a_space() {
        assert_eq!(kinds("a-b"), vec![Tok::Name("a-b".into())]);
        assert_eq!(kinds("a - b"), vec![Tok::Name("a".into()), Tok::Minus, Tok::Name("b".into())]);
    }

    #[test]
    fn unterminated_literal_names_its_offset() {
        assert_eq!(
            tokenize("concat('a, b)"),
            Err(XPathError::Syntax { offset: 7, reason: "unterminated string".into() })
        );
    }
}
