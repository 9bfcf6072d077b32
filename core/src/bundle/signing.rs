//! The signature over a bundle's manifest (ADR 0023): the text signed is the format, the
//! signer's deviceID and public key, the time, and every manifest row in order, each line a
//! JSON array so that no name can forge a line break. The same text is rebuilt to verify.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rusqlite::{Connection, params};

use super::{BundleError, FORMAT};
use crate::hex::hex;

/// Signs the manifest written so far in `tx` with the device's key and stores the signature.
pub fn sign(
    tx: &Connection,
    device_id: &str,
    seed: &[u8; 32],
    now_ms: i64,
) -> Result<(), BundleError> {
    let key = SigningKey::from_bytes(seed);
    let public_key = hex(key.verifying_key().as_bytes());
    let text = signed_text(tx, device_id, &public_key, now_ms)?;
    let signature = key.sign(text.as_bytes());
    tx.execute(
        "INSERT INTO signature (device_id, public_key, created_at, signature) VALUES (?1, ?2, ?3, ?4)",
        params![device_id, public_key, now_ms, hex(&signature.to_bytes())],
    )?;
    Ok(())
}

/// Whether `signature` (hex) is `public_key`'s (hex) over the bundle's manifest as it stands.
pub fn signed_by(
    conn: &Connection,
    device_id: &str,
    public_key: &str,
    created_at: i64,
    signature: &str,
) -> Result<bool, BundleError> {
    let (Some(key), Some(signature)) = (verifying_key(public_key), signature_of(signature)) else {
        return Ok(false);
    };
    let text = signed_text(conn, device_id, public_key, created_at)?;
    Ok(key.verify_strict(text.as_bytes(), &signature).is_ok())
}

/// The public key (hex) of the device key with `seed`.
pub fn public_key(seed: &[u8; 32]) -> String {
    hex(SigningKey::from_bytes(seed).verifying_key().as_bytes())
}

fn signed_text(
    conn: &Connection,
    device_id: &str,
    public_key: &str,
    created_at: i64,
) -> Result<String, BundleError> {
    let mut text = format!("verivali-bundle {FORMAT}\n");
    text.push_str(&serde_json::json!([device_id, public_key, created_at]).to_string());
    text.push('\n');
    let mut rows = conn.prepare(
        "SELECT instance_id, part, sha256, bytes FROM manifest ORDER BY instance_id, part",
    )?;
    let lines = rows.query_map([], |r| {
        Ok(serde_json::json!([
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?
        ])
        .to_string())
    })?;
    for line in lines {
        text.push_str(&line?);
        text.push('\n');
    }
    Ok(text)
}

/// The text a device signs to register its key with a receiver: bound to the receiver's
/// token (by its SHA-256) and the deviceID, so that nobody can register another device's
/// public key under their own token.
fn registration_text(token_sha256: &str, device_id: &str) -> String {
    format!("verivali-key-registration 1\n{}\n", serde_json::json!([token_sha256, device_id]))
}

/// The proof (signature, hex) that the holder of `seed` registers its key for the token whose
/// SHA-256 (hex) is `token_sha256`.
pub fn key_registration_proof(seed: &[u8; 32], token_sha256: &str, device_id: &str) -> String {
    let key = SigningKey::from_bytes(seed);
    hex(&key.sign(registration_text(token_sha256, device_id).as_bytes()).to_bytes())
}

/// Whether `proof` is `public_key`'s registration for the token and deviceID. A key that is
/// not a valid ed25519 point, or hex of the wrong length, never holds.
pub fn key_registration_holds(
    public_key: &str,
    proof: &str,
    token_sha256: &str,
    device_id: &str,
) -> bool {
    let (Some(key), Some(signature)) = (verifying_key(public_key), signature_of(proof)) else {
        return false;
    };
    key.verify_strict(registration_text(token_sha256, device_id).as_bytes(), &signature).is_ok()
}

/// Whether `public_key` is the hex of an ed25519 public key.
pub fn is_public_key(public_key: &str) -> bool {
    verifying_key(public_key).is_some()
}

/// An ed25519 public key from its hex, when it is one.
fn verifying_key(public_key: &str) -> Option<VerifyingKey> {
    let bytes = <[u8; 32]>::try_from(crate::hex::decode(public_key)?).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// An ed25519 signature from its hex, when it has the length of one.
fn signature_of(signature: &str) -> Option<Signature> {
    let bytes = <[u8; 64]>::try_from(crate::hex::decode(signature)?).ok()?;
    Some(Signature::from_bytes(&bytes))
}
