//! This installation's own settings, kept in the store: the deviceID that every submission
//! carries, made once, the way ODK Collect makes `collect:…` once per install; and the key that
//! signs its offline bundles (ADR 0023), made once, never leaving the encrypted store.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Error, Result};

const DEVICE_ID: &str = "device_id";

/// A named setting this installation keeps (a server's cursor, say), when set.
pub fn setting(conn: &rusqlite::Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM device_settings WHERE name = ?1", [name], |r| r.get(0))
        .optional()?)
}

/// The name of a setting kept per server (`team_cursor`, `no_bundles`): `prefix` and a short
/// hash of the server's URL without credentials, so a phone pointed at another server starts
/// afresh there.
pub fn server_setting(prefix: &str, base_url: &str) -> String {
    let (url, _) = crate::outbox::client::split_credentials(base_url.trim_end_matches('/'));
    format!("{prefix}:{}", &crate::hex::sha256_hex(url.as_bytes())[..16])
}

/// Sets a named setting, replacing what it held.
pub fn set_setting(tx: &Transaction<'_>, name: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO device_settings (name, value) VALUES (?1, ?2)",
        params![name, value],
    )?;
    Ok(())
}
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The installation's deviceID, made on first use: `verivali:` and 16 random letters and
/// digits (about 95 bits).
pub fn device_id(tx: &Transaction<'_>) -> Result<String> {
    let existing: Option<String> = tx
        .query_row("SELECT value FROM device_settings WHERE name = ?1", [DEVICE_ID], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| Error::Random(e.to_string()))?;
    let suffix: String =
        random.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    let id = format!("verivali:{suffix}");
    tx.execute(
        "INSERT INTO device_settings (name, value) VALUES (?1, ?2)",
        params![DEVICE_ID, id],
    )?;
    Ok(id)
}

const SIGNING_SEED: &str = "signing_seed";

/// The seed of the installation's ed25519 signing key, made on first use from the operating
/// system's random source and kept (hex) in the encrypted store.
pub fn signing_seed(tx: &Transaction<'_>) -> Result<[u8; 32]> {
    let existing: Option<String> = tx
        .query_row("SELECT value FROM device_settings WHERE name = ?1", [SIGNING_SEED], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(seed) = existing.as_deref().and_then(seed_from_hex) {
        return Ok(seed);
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Random(e.to_string()))?;
    tx.execute(
        "INSERT OR REPLACE INTO device_settings (name, value) VALUES (?1, ?2)",
        params![SIGNING_SEED, crate::hex::hex(&seed)],
    )?;
    Ok(seed)
}

fn seed_from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = crate::hex::decode(text)?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, test_support::test_key};

    #[test]
    fn the_device_id_is_made_once_and_kept_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path(), &test_key()).unwrap().write(device_id).unwrap();
        let again = Store::open(dir.path(), &test_key()).unwrap().write(device_id).unwrap();
        assert_eq!(first, again);
        assert!(first.starts_with("verivali:") && first.len() == 25, "{first}");
        let other_dir = tempfile::tempdir().unwrap();
        let other = Store::open(other_dir.path(), &test_key()).unwrap().write(device_id).unwrap();
        assert_ne!(first, other);
    }
}
