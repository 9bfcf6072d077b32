//! Numeric functions, aggregates over node-sets, and the seeded random source.

use super::{Evaluator, Expr, NodeKind, Result, Value};
use crate::xpath::value::parse_number;

pub(super) fn unary(ev: &Evaluator<'_, '_>, a: &[Expr], f: fn(f64) -> f64) -> Result<Value> {
    Ok(Value::Num(f(ev.num(&a[0])?)))
}

/// `int(x)`: truncates toward zero.
pub(super) fn int(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    Ok(Value::Num(ev.num(&a[0])?.trunc()))
}

/// `round(x[, digits])` as JavaRosa computes it: `Math.round(x * 10^digits) / 10^digits`, with
/// `digits` truncated to an integer and halves rounded toward +∞ (`round(-0.5)` is 0). JavaRosa
/// also reads a decimal comma here (`round('4,6')` is 5), and so do we.
pub(super) fn round(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let x = match ev.eval(&a[0])? {
        Value::Str(s) if s.matches(',').count() == 1 && !s.contains('.') => {
            parse_number(&s.replace(',', "."))
        }
        other => ev.number(&other)?,
    };
    let digits = match a.get(1) {
        Some(d) => ev.num(d)?.trunc(),
        None => 0.0,
    };
    if !x.is_finite() || !digits.is_finite() {
        return Ok(Value::Num(f64::NAN));
    }
    Ok(Value::Num(round_to(x, digits as i32)))
}

fn round_to(x: f64, digits: i32) -> f64 {
    let java_round = |v: f64| (v + 0.5).floor();
    if digits >= 0 {
        let scale = 10f64.powi(digits);
        java_round(x * scale) / scale
    } else {
        // JavaRosa truncates `x·10^digits + 0.5` toward zero here (`round(-50.55, -2)` is 0).
        let scale = 10f64.powi(-digits);
        (x / scale + 0.5).trunc() * scale
    }
}

/// Numbers of the non-empty values of the arguments, each node by its typed value (a boolean
/// calculate counts 1 or 0); JavaRosa skips empty values.
fn numbers(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for arg in a {
        let values = match ev.eval(arg)? {
            Value::Nodes(nodes) => {
                nodes.into_iter().map(|n| ev.node_value(n)).collect::<Result<Vec<_>>>()?
            }
            other => vec![other],
        };
        for value in values {
            if !matches!(&value, Value::Str(s) if s.is_empty()) {
                out.push(ev.number(&value)?);
            }
        }
    }
    Ok(out)
}

pub(super) fn sum(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    Ok(Value::Num(numbers(ev, a)?.iter().sum()))
}

fn extreme(ev: &Evaluator<'_, '_>, a: &[Expr], pick: fn(f64, f64) -> f64) -> Result<Value> {
    // JavaRosa skips values that are not numbers; none at all is NaN.
    let values = numbers(ev, a)?.into_iter().filter(|v| !v.is_nan());
    Ok(Value::Num(values.reduce(pick).unwrap_or(f64::NAN)))
}

pub(super) fn min(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    extreme(ev, a, f64::min)
}

pub(super) fn max(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    extreme(ev, a, f64::max)
}

/// `count-non-empty(nodes)`: JavaRosa counts a node as non-empty when it has text or children.
pub(super) fn count_non_empty(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let nodes = ev.nodes(&a[0])?;
    let filled = nodes
        .iter()
        .filter(|&&n| match n.kind {
            NodeKind::Element(id) => {
                let doc = ev.ctx.instances.document(n.doc);
                doc.has_children(id) || !doc.string_value(id).is_empty()
            }
            _ => !ev.ctx.instances.string_value(n).is_empty(),
        })
        .count();
    Ok(Value::Num(filled as f64))
}

/// The next 64 random bits from the context's SplitMix64 state.
pub(super) fn next_random(ev: &Evaluator<'_, '_>) -> u64 {
    let state = ev.ctx.random_state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    ev.ctx.random_state.set(state);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) fn random(ev: &Evaluator<'_, '_>, _: &[Expr]) -> Result<Value> {
    Ok(Value::Num((next_random(ev) >> 11) as f64 / (1u64 << 53) as f64))
}

/// `uuid()`: a version-4 UUID; `uuid(n)`: `n` random letters and digits.
pub(super) fn uuid(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    if let Some(len) = a.first() {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let len = ev.num(len)?.max(0.0) as usize;
        let text =
            (0..len).map(|_| char::from(ALPHABET[(next_random(ev) % 62) as usize])).collect();
        return Ok(Value::Str(text));
    }
    let (hi, lo) = (next_random(ev), next_random(ev));
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    Ok(Value::Str(format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )))
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn rounding_scales_then_rounds_halves_up() {
        assert_eq!(round_to(12345.15, 1), 12345.2);
        assert_eq!(round_to(-12345.15, 1), -12345.1);
        assert_eq!(round_to(-0.5, 0), 0.0);
        assert_eq!(round_to(12345.12345, -1), 12350.0);
        assert_eq!(round_to(12350.12345, -2), 12400.0);
    }
}
