//! Registering this device's bundle-signing key with the receiver (`PUT
//! …/verivali/v1/signing-key`, docs/review-api.md), so that the receiver can accept the
//! device's offline bundles as the device's own (ADR 0023). The request carries a proof: the
//! key's signature over the SHA-256 of the device's token and its deviceID, so no one can
//! register another device's public key under their own token. Sent once per server and
//! token; a plain OpenRosa server (404) has no such endpoint.

use rusqlite::OptionalExtension;

use super::SyncError;
use crate::{
    bundle,
    hex::sha256_hex,
    outbox::client::{Server, split_credentials},
    store::{Store, device},
};

/// Where the receiver takes signing keys, under the server URL.
pub const SIGNING_KEY_PATH: &str = "verivali/v1/signing-key";

/// What registering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// The receiver has the key (now or from before).
    Registered,
    /// Already registered with this server and token.
    AlreadyDone,
    /// The server has no such endpoint (ODK Central), or the device has no bearer token.
    Unsupported,
}

/// Registers the device's key with `server` unless that was done already.
pub fn register(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    now_ms: i64,
) -> Result<Registration, SyncError> {
    let Some(token) = server.token.as_deref() else { return Ok(Registration::Unsupported) };
    let marker = format!("signing_key_registered:{}", sha256_hex(format!("{}\n{token}", server.base_url).as_bytes()));
    if done_before(store, &marker)? {
        return Ok(Registration::AlreadyDone);
    }
    let (device_id, seed) =
        store.write(|tx| Ok((device::device_id(tx)?, device::signing_seed(tx)?)))?;
    let body = serde_json::json!({
        "format": 1,
        "device_id": device_id,
        "public_key": bundle::public_key(&seed),
        "proof": bundle::key_registration_proof(&seed, &sha256_hex(token.as_bytes()), &device_id),
    });
    let (url, _) = split_credentials(&format!(
        "{}/{SIGNING_KEY_PATH}",
        server.base_url.trim_end_matches('/')
    ));
    let response = agent
        .put(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .config()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .send(body.to_string().as_bytes())
        .map_err(|error| {
            tracing::info!(%error, "signing key registration failed");
            SyncError::Unreachable
        })?;
    match response.status().as_u16() {
        200 | 201 => {
            store.write(|tx| {
                tx.execute(
                    "INSERT OR REPLACE INTO device_settings (name, value) VALUES (?1, ?2)",
                    rusqlite::params![marker, now_ms.to_string()],
                )?;
                Ok(())
            })?;
            tracing::info!("bundle signing key registered with the server");
            Ok(Registration::Registered)
        }
        404 | 405 => Ok(Registration::Unsupported),
        401 | 403 => Err(SyncError::Refused { status: response.status().as_u16() }),
        409 => Err(SyncError::KeyTaken),
        status => Err(SyncError::Status { status, file: "signing key".into() }),
    }
}

fn done_before(store: &Store, marker: &str) -> Result<bool, SyncError> {
    let found: Option<String> = store.read(|conn| {
        Ok(conn
            .query_row("SELECT value FROM device_settings WHERE name = ?1", [marker], |r| r.get(0))
            .optional()?)
    })?;
    Ok(found.is_some())
}
