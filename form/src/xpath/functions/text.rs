//! String, multiple-choice and digest functions.

use base64::Engine as _;

use super::{Evaluator, Expr, Result, Value, XPathError};

/// Every string an argument stands for: each node of a node-set, or the one value.
pub(super) fn strings(ev: &Evaluator<'_, '_>, expr: &Expr) -> Result<Vec<String>> {
    match ev.eval(expr)? {
        Value::Nodes(nodes) => nodes.into_iter().map(|n| ev.string(&ev.node_value(n)?)).collect(),
        other => Ok(vec![ev.string(&other)?]),
    }
}

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

pub(super) fn boolean_from_string(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let s = ev.str(&a[0])?;
    Ok(Value::Bool(s.eq_ignore_ascii_case("true") || s == "1"))
}

/// `coalesce(a, b)`: `a` unless it is empty or NaN, else `b`.
pub(super) fn coalesce(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let first = ev.unpack(ev.eval(&a[0])?)?;
    let missing = match &first {
        Value::Str(s) => s.is_empty(),
        Value::Num(n) => n.is_nan(),
        _ => false,
    };
    Ok(Value::Str(if missing { ev.str(&a[1])? } else { ev.string(&first)? }))
}

/// The string argument of `string-length` and `normalize-space`; without one, the context
/// node's value.
pub(super) fn string_or_context(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<String> {
    match a.first() {
        Some(arg) => ev.str(arg),
        None => ev.string(&ev.node_value(ev.node)?),
    }
}

/// `concat(nodes)` joins every node's value; `concat(a, b, …)` joins single values (a repeated
/// field among several arguments is an error, as in JavaRosa).
pub(super) fn concat(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let parts = match a {
        [only] => strings(ev, only)?,
        many => many.iter().map(|arg| ev.str(arg)).collect::<Result<_>>()?,
    };
    Ok(Value::Str(parts.concat()))
}

/// `join(separator, nodes)` joins every node's value; `join(separator, a, b, …)` single values.
pub(super) fn join(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let separator = ev.str(&a[0])?;
    let parts = match &a[1..] {
        [only] => strings(ev, only)?,
        many => many.iter().map(|arg| ev.str(arg)).collect::<Result<_>>()?,
    };
    Ok(Value::Str(parts.join(&separator)))
}

/// `substr(s, start[, end])`: 0-based, end exclusive; negative positions count from the end.
pub(super) fn substr(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let chars = chars_of(&ev.str(&a[0])?);
    let len = chars.len() as i64;
    let resolve = |n: f64| {
        let n = n as i64;
        if n < 0 { (len + n).max(0) } else { n.min(len) }
    };
    let start = resolve(ev.num(&a[1])?);
    let end = match a.get(2) {
        Some(end) => resolve(ev.num(end)?),
        None => len,
    };
    let text = if start < end {
        chars[start as usize..end as usize].iter().collect()
    } else {
        String::new()
    };
    Ok(Value::Str(text))
}

pub(super) fn substring_before(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (s, sep) = (ev.str(&a[0])?, ev.str(&a[1])?);
    Ok(Value::Str(
        s.find(&sep).filter(|_| !sep.is_empty()).map_or(String::new(), |i| s[..i].to_owned()),
    ))
}

pub(super) fn substring_after(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (s, sep) = (ev.str(&a[0])?, ev.str(&a[1])?);
    Ok(Value::Str(s.find(&sep).map_or(String::new(), |i| s[i + sep.len()..].to_owned())))
}

pub(super) fn translate(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (s, from, to) = (ev.str(&a[0])?, chars_of(&ev.str(&a[1])?), chars_of(&ev.str(&a[2])?));
    let out = s
        .chars()
        .filter_map(|c| match from.iter().position(|&f| f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect();
    Ok(Value::Str(out))
}

pub(super) fn normalize_space(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let s = string_or_context(ev, a)?;
    let words: Vec<&str> =
        s.split([' ', '\t', '\n', '\r', '\x0b', '\x0c']).filter(|w| !w.is_empty()).collect();
    Ok(Value::Str(words.join(" ")))
}

/// `regex(s, pattern)`: true when the whole of `s` matches (JavaRosa anchors the pattern).
pub(super) fn regex(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (s, pattern) = (ev.str(&a[0])?, ev.str(&a[1])?);
    Ok(Value::Bool(regex_matches(&pattern, &s)?))
}

/// Most patterns a form uses, compiled once per thread: a constraint like a NIK's
/// `regex(., '^[0-9]{16}$')` runs on every answer and every finalize check.
const REGEX_CACHE_SIZE: usize = 64;

thread_local! {
    static REGEXES: std::cell::RefCell<rustc_hash::FxHashMap<String, regex::Regex>> =
        Default::default();
}

/// Whether the whole of `text` matches `pattern`, with the pattern compiled at most once (and
/// its matching state reused) per thread.
fn regex_matches(pattern: &str, text: &str) -> Result<bool> {
    if let Some(found) = REGEXES.with_borrow(|cache| cache.get(pattern).map(|re| re.is_match(text)))
    {
        return Ok(found);
    }
    let re = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| XPathError::InvalidArgument { function: "regex", reason: e.to_string() })?;
    let found = re.is_match(text);
    REGEXES.with_borrow_mut(|cache| {
        if cache.len() >= REGEX_CACHE_SIZE {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), re);
    });
    Ok(found)
}

fn choices(list: &str) -> Vec<&str> {
    list.split_whitespace().collect()
}

pub(super) fn selected(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (list, value) = (ev.str(&a[0])?, ev.str(&a[1])?);
    // As in JavaRosa, an empty list holds one empty choice: `selected('', '')` is true.
    let empty_in_empty = list.trim().is_empty() && value.trim().is_empty();
    Ok(Value::Bool(empty_in_empty || choices(&list).contains(&value.trim())))
}

pub(super) fn selected_at(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let list = ev.str(&a[0])?;
    let index = ev.num(&a[1])?;
    let chosen = choices(&list);
    let picked = if index >= 0.0 { chosen.get(index as usize).copied() } else { None };
    Ok(Value::Str(picked.unwrap_or("").to_owned()))
}

pub(super) fn count_selected(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    Ok(Value::Num(choices(&ev.str(&a[0])?).len() as f64))
}

/// True when the count lies within `[min, max]`; -1 leaves a bound open.
fn within(count: f64, min: f64, max: f64) -> bool {
    (min < 0.0 || count >= min) && (max < 0.0 || count <= max)
}

pub(super) fn checklist(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (min, max) = (ev.num(&a[0])?, ev.num(&a[1])?);
    let mut count = 0.0;
    for arg in &a[2..] {
        match ev.eval(arg)? {
            Value::Nodes(nodes) => {
                for node in nodes {
                    count += f64::from(u8::from(ev.node_value(node)?.to_bool()));
                }
            }
            other => count += f64::from(u8::from(other.to_bool())),
        }
    }
    Ok(Value::Bool(within(count, min, max)))
}

pub(super) fn weighted_checklist(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let (min, max) = (ev.num(&a[0])?, ev.num(&a[1])?);
    let rest = &a[2..];
    if !rest.len().is_multiple_of(2) {
        return Err(XPathError::Arity { name: "weighted-checklist".into(), given: a.len() });
    }
    let mut total = 0.0;
    for pair in rest.chunks(2) {
        if ev.bool(&pair[0])? {
            total += ev.num(&pair[1])?;
        }
    }
    // Unlike `checklist`, a negative bound is a bound here (JavaRosa).
    Ok(Value::Bool(total >= min && total <= max))
}

/// `digest(s, algorithm[, encoding])`: MD5, SHA-1, SHA-256, SHA-384 or SHA-512, in base64
/// (the default) or hex.
pub(super) fn digest(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    use sha2::Digest as _;
    let data = ev.str(&a[0])?;
    let algorithm = ev.str(&a[1])?;
    let bytes: Vec<u8> = match algorithm.as_str() {
        "MD5" => md5::Md5::digest(data.as_bytes()).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data.as_bytes()).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data.as_bytes()).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data.as_bytes()).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data.as_bytes()).to_vec(),
        other => {
            return Err(XPathError::InvalidArgument {
                function: "digest",
                reason: format!("unknown algorithm {other}"),
            });
        }
    };
    let encoding = match a.get(2) {
        Some(e) => ev.str(e)?,
        None => "base64".into(),
    };
    match encoding.as_str() {
        "base64" => Ok(Value::Str(base64::engine::general_purpose::STANDARD.encode(bytes))),
        "hex" => Ok(Value::Str(crate::hex::hex(&bytes))),
        other => Err(XPathError::InvalidArgument {
            function: "digest",
            reason: format!("unknown encoding {other}"),
        }),
    }
}

pub(super) fn base64_decode(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(ev.str(&a[0])?.trim()).unwrap_or_default();
    Ok(Value::Str(String::from_utf8(decoded).unwrap_or_default()))
}
