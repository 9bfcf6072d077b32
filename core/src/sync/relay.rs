//! Handing carried bundles to the receiver (`POST …/verivali/v1/bundles`, docs/review-api.md)
//! when the phone finds signal: the team's bundles a pengawas's phone received, and this
//! phone's own bundles whose handed interviews the outbox no longer holds as they were (a
//! correction replaced them), so that the handed version reaches the server before its edit.
//! An own bundle whose interviews the outbox sent itself is dropped without sending.
//! Streams the file; the receiver imports it as its signer's, each interview once.

use std::time::Duration;

use super::SyncError;
use crate::{
    outbox::client::{Server, split_credentials},
    store::{Store, team},
};

/// Where the receiver takes bundles, under the server URL.
pub const BUNDLES_PATH: &str = "verivali/v1/bundles";

/// What relaying did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Bundles the server took.
    pub relayed: u32,
    /// Own bundles no longer needed (the outbox sent every interview in them).
    pub dropped: u32,
    /// Bundles the server refused, with its reason; they stay carried.
    pub refused: Vec<String>,
    /// The server takes no bundles (a plain OpenRosa server).
    pub unsupported: bool,
}

/// Relays every carried bundle the server needs; stops at the first network failure.
pub fn relay(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    now_ms: i64,
) -> Result<RelayReport, SyncError> {
    let mut report = RelayReport::default();
    for done in store.read(team::own_delivered)? {
        store.write(|tx| team::relayed(tx, &done.sha256, now_ms))?;
        let _ = std::fs::remove_file(&done.file);
        report.dropped += 1;
    }
    let Some(token) = server.token.as_deref() else { return Ok(report) };
    let (url, _) =
        split_credentials(&format!("{}/{BUNDLES_PATH}", server.base_url.trim_end_matches('/')));
    for carried in store.read(team::to_relay)? {
        let file = std::fs::File::open(&carried.file).map_err(|error| {
            tracing::warn!(%error, "a carried bundle is missing");
            SyncError::BrokeOff { file: "bundle".into() }
        })?;
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = &file;
        let response = agent
            .post(&url)
            .header("Content-Length", &length.to_string())
            .header("Authorization", &format!("Bearer {token}"))
            .header("X-Verivali-Bundle-Passphrase", &carried.passphrase)
            .header("Content-Type", "application/octet-stream")
            .config()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(600)))
            .build()
            .send(ureq::SendBody::from_reader(&mut reader))
            .map_err(|error| {
                tracing::info!(%error, "relaying a bundle failed");
                SyncError::Unreachable
            })?;
        let status = response.status().as_u16();
        match status {
            200 => {
                store.write(|tx| team::relayed(tx, &carried.sha256, now_ms))?;
                let _ = std::fs::remove_file(&carried.file);
                report.relayed += 1;
            }
            404 | 405 => {
                report.unsupported = true;
                return Ok(report);
            }
            401 => return Err(SyncError::Refused { status }),
            _ => {
                let mut response = response;
                let said = response.body_mut().with_config().limit(16 * 1024).read_to_string();
                let reason = said
                    .ok()
                    .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .and_then(|json| json["error"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("HTTP {status}"));
                store.write(|tx| team::relay_problem(tx, &carried.sha256, &reason))?;
                report.refused.push(reason);
            }
        }
    }
    Ok(report)
}
