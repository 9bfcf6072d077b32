//! Lowercase hex for digests, keys and ids: one spelling of it for the whole project, so a
//! hash written by the store, the photo pipeline, a bundle or the receiver compares equal.

use sha2::{Digest, Sha256};

/// `bytes` as lowercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The bytes of hex text (either case, an even number of digits); `None` when it is not hex.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    // Digits only: `from_str_radix` alone would take a sign (`+1`).
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// The SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lowercase_digits_a_byte_and_sha256_matches_its_test_vector() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(hex(&[]), "");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn decode_reads_back_what_hex_writes_and_refuses_anything_else() {
        assert_eq!(decode(&hex(&[0, 15, 171, 255])), Some(vec![0, 15, 171, 255]));
        assert_eq!(decode("ABff"), Some(vec![0xab, 0xff]));
        for bad in ["abc", "zz", "+1", "é1"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
