//! `randomize(nodes[, seed])`: the nodes in a shuffled order. With a seed the order is the one
//! ODK Collect gives (JavaRosa's Park–Miller generator driving its Fisher–Yates variant), so a
//! form that shows choices in a seeded random order shows the same order on both; without one
//! it is drawn from the session's random source.

use sha2::Digest as _;

use super::{Evaluator, Expr, Result, Value, XPathError, math};

const MODULUS: f64 = 2_147_483_647.0;
const MULTIPLIER: f64 = 16_807.0;

/// JavaRosa's Park–Miller generator, computed in doubles as it does.
struct ParkMiller {
    state: f64,
}

impl ParkMiller {
    fn new(seed: i64) -> Self {
        let mut state = (seed as f64) % MODULUS;
        if state <= 0.0 {
            state += MODULUS - 1.0;
        }
        ParkMiller { state }
    }

    fn next_double(&mut self) -> f64 {
        self.state = self.state * MULTIPLIER % MODULUS;
        let next_int = self.state as i64 as i32; // Java's (int) of the double, then Random.nextInt
        (f64::from(next_int) - 1.0) / (MODULUS - 1.0)
    }
}

pub(super) fn randomize(ev: &Evaluator<'_, '_>, a: &[Expr]) -> Result<Value> {
    let Value::Nodes(nodes) = ev.eval(&a[0])? else {
        return Err(XPathError::InvalidArgument {
            function: "randomize",
            reason: "its first argument must be a node-set".into(),
        });
    };
    let seed = match a.get(1) {
        Some(seed) => seed_of(ev, ev.unpack(ev.eval(seed)?)?)?,
        None => math::next_random(ev) as i64,
    };
    Ok(Value::Nodes(fisher_yates(nodes, &mut ParkMiller::new(seed))))
}

/// A seed as JavaRosa reads it: the number, cut to a whole one, or else the first eight bytes
/// of the SHA-256 of the text.
fn seed_of(ev: &Evaluator<'_, '_>, value: Value) -> Result<i64> {
    let n = ev.number(&value)?;
    if !n.is_nan() {
        return Ok(n as i64);
    }
    let text = ev.string(&value)?;
    if text.is_empty() {
        return Ok(0);
    }
    let digest = sha2::Sha256::digest(text.as_bytes());
    Ok(i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 32 bytes")))
}

/// JavaRosa's variant: each element in turn goes to a position drawn among the first i + 1,
/// and the one there moves to the end.
fn fisher_yates<T: Copy>(input: Vec<T>, random: &mut ParkMiller) -> Vec<T> {
    let mut output: Vec<Option<T>> = vec![None; input.len()];
    for (i, item) in input.into_iter().enumerate() {
        let j = (random.next_double() * (i + 1) as f64) as usize;
        if j != i {
            output[i] = output[j];
        }
        output[j] = Some(item);
    }
    output.into_iter().map(|item| item.expect("every position is filled")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_order_every_time_and_keeps_every_element() {
        let once = fisher_yates((0..10).collect(), &mut ParkMiller::new(42));
        let again = fisher_yates((0..10).collect(), &mut ParkMiller::new(42));
        assert_eq!(once, again);
        let mut sorted = once.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(once, (0..10).collect::<Vec<_>>(), "shuffled");
    }
}
