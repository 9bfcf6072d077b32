//! Devices' bundle-signing keys (ADR 0023): a device registers its public key with its own
//! token (`PUT /verivali/v1/signing-key`, with a proof that it holds the key for that token),
//! and a bundle is then accepted as that device's when its signature is by that key.

use std::sync::Arc;

use axum::{body::Body, extract::State, http::HeaderMap};
use http_body_util::{BodyExt, Limited};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use verivali_core::{api::now_ms, host::bundle::key_registration_holds};

use crate::{
    routes::{App, Reply},
    store::Device,
};

/// The largest registration body.
const REGISTRATION_LIMIT: usize = 4 * 1024;

#[derive(Deserialize)]
struct Registration {
    format: u32,
    device_id: String,
    public_key: String,
    proof: String,
}

/// What registering a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    New,
    AlreadyKnown,
    /// The key is registered for another device token.
    Taken,
}

/// `PUT /verivali/v1/signing-key`.
pub(crate) async fn register_key(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        Limited::new(body, REGISTRATION_LIMIT).collect(),
    )
    .await;
    let Some(bytes) = read.ok().and_then(Result::ok).map(|c| c.to_bytes()) else {
        return super::json_refusal(
            400,
            "Pendaftaran kunci terlalu besar atau terputus / The key registration is too large or was cut off",
        );
    };
    let Some(mut registration) = serde_json::from_slice::<Registration>(&bytes)
        .ok()
        .filter(|r| r.format == 1 && usable_device_id(&r.device_id))
    else {
        return super::json_refusal(
            400,
            "Pendaftaran kunci tidak terbaca / The key registration cannot be read",
        );
    };
    // One spelling per key, so that "a key belongs to one token" holds.
    registration.public_key = registration.public_key.trim().to_ascii_lowercase();
    if !key_registration_holds(
        &registration.public_key,
        &registration.proof,
        &device.id,
        &registration.device_id,
    ) {
        return super::json_refusal(
            400,
            "Bukti kepemilikan kunci tidak sah / The proof of holding the key is not valid",
        );
    }
    let now = now_ms();
    let outcome = app
        .db(move |conn| {
            record(conn, &registration.public_key, &device, &registration.device_id, now)
        })
        .await;
    match outcome {
        Ok(Registered::New) => {
            super::json_reply(201, serde_json::json!({"format": 1, "registered": true}))
        }
        Ok(Registered::AlreadyKnown) => {
            super::json_reply(200, serde_json::json!({"format": 1, "registered": true}))
        }
        Ok(Registered::Taken) => super::json_refusal(
            409,
            "Kunci ini terdaftar untuk perangkat lain / This key is registered for another device",
        ),
        Err(reply) => reply,
    }
}

/// A deviceID as devices make them: printable ASCII, at most 128 characters.
fn usable_device_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Records `public_key` for `device` (checked: the caller verified the proof).
pub fn record(
    conn: &Connection,
    public_key: &str,
    device: &Device,
    device_id: &str,
    now: i64,
) -> rusqlite::Result<Registered> {
    let existing: Option<String> = conn
        .query_row("SELECT device FROM device_keys WHERE public_key = ?1", [public_key], |r| {
            r.get(0)
        })
        .optional()?;
    match existing {
        Some(holder) if holder == device.id => Ok(Registered::AlreadyKnown),
        Some(_) => Ok(Registered::Taken),
        None => {
            conn.execute(
                "INSERT INTO device_keys (public_key, device, device_id, registered_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![public_key, device.id, device_id, now],
            )?;
            Ok(Registered::New)
        }
    }
}

/// The device whose registered key is `public_key`, with the deviceID it registered.
pub fn signer(conn: &Connection, public_key: &str) -> rusqlite::Result<Option<(Device, String)>> {
    conn.query_row(
        "SELECT t.token_sha, t.enumerator, t.areas, t.allow_untagged, k.device_id
         FROM device_keys k JOIN tokens t ON t.token_sha = k.device WHERE k.public_key = ?1",
        [public_key],
        |r| {
            let areas: String = r.get(2)?;
            Ok((
                Device {
                    id: r.get(0)?,
                    enumerator: r.get(1)?,
                    areas: areas.split_whitespace().map(str::to_owned).collect(),
                    allow_untagged_forms: r.get(3)?,
                },
                r.get(4)?,
            ))
        },
    )
    .optional()
}
