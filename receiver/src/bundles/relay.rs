//! `POST /verivali/v1/bundles`: a device that reaches the receiver hands over a bundle it
//! carries, its own or one received from a team member in a blank spot. The passphrase travels
//! in `X-Verivali-Bundle-Passphrase` (the receiver is reached over TLS in the field). Who
//! relays only authenticates the request: the bundle is imported as its signer's
//! (docs/review-api.md).

use std::sync::Arc;

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, header},
};
use verivali_core::api::now_ms;

use super::{MAX_BUNDLE_BYTES, json_refusal, json_reply, spool};
use crate::routes::{App, Reply};

/// The header carrying the bundle's passphrase.
pub const PASSPHRASE_HEADER: &str = "x-verivali-bundle-passphrase";

pub(crate) async fn relay_bundle(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let Some(passphrase) = headers
        .get(PASSPHRASE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|p| !p.is_empty() && p.len() <= 1024)
        .map(str::to_owned)
    else {
        return json_refusal(
            400,
            "Frasa sandi bundel tidak dikirim / The bundle passphrase was not sent",
        );
    };
    if !crate::quota::disk_has_room(&app.dir, app.quotas.min_free_disk_bytes + MAX_BUNDLE_BYTES) {
        return json_refusal(
            507,
            "Ruang disk server hampir habis / The server's disk is nearly full",
        );
    }
    // At most two bodies per device at once, as for submissions.
    let Some(_sending) = crate::submission::Sending::start(&app, &device.id) else {
        return json_refusal(
            429,
            "Perangkat ini sedang mengirim; coba lagi sebentar / This device is already sending; try again shortly",
        );
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let spooled = match spool::spool(&app.dir, body, declared, MAX_BUNDLE_BYTES).await {
        Ok(spooled) => spooled,
        Err(error) => {
            let (status, message) = error.status_and_message();
            return json_refusal(status, message);
        }
    };
    let worker = Arc::clone(&app);
    let relayed_by = format!("device: {}", device.enumerator);
    let imported = app
        .blocking(move || {
            // Read and hashed outside the database lock; stored under it.
            let verified = match super::verify(&spooled.path, &passphrase) {
                Ok(verified) => verified,
                Err(error) => return Ok(Err(error)),
            };
            let mut conn = worker.lock();
            Ok(super::store_verified(&mut conn, &verified, &relayed_by, now_ms()))
        })
        .await;
    match imported {
        Ok(Ok(imported)) => json_reply(
            200,
            serde_json::json!({
                "format": 1,
                "submissions": imported.submissions,
                "new": imported.new,
                "duplicates": imported.duplicates,
                "decisions": imported.decisions,
                "decisions_skipped": imported.decisions_skipped,
                "backchecks": imported.backchecks,
                "waiting_for": imported.waiting_for,
            }),
        ),
        Ok(Err(error)) => json_refusal(error.status(), &error.to_string()),
        Err(reply) => reply,
    }
}
