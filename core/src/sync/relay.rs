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
        let Ok(file) = std::fs::File::open(&carried.file) else {
            // Gone from the data folder: nothing can bring it back; the others still go.
            let problem = "berkas bundel hilang / the bundle file is missing";
            store.write(|tx| team::relay_problem(tx, &carried.sha256, problem))?;
            report.refused.push(problem.into());
            continue;
        };
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
        let mut response = response;
        let said = response.body_mut().with_config().limit(16 * 1024).read_to_string();
        // Our receiver always answers JSON with a format; anything else is another server.
        let answer = said.ok().and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok());
        let ours = answer.as_ref().is_some_and(|json| json.get("format").is_some());
        match status {
            200 => relayed(store, &carried, answer.as_ref(), now_ms, &mut report)?,
            404 | 405 if !ours => {
                report.unsupported = true;
                return Ok(report);
            }
            401 => return Err(SyncError::Refused { status }),
            _ => {
                let reason = answer
                    .as_ref()
                    .and_then(|json| json["error"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("HTTP {status}"));
                store.write(|tx| team::relay_problem(tx, &carried.sha256, &reason))?;
                report.refused.push(reason);
            }
        }
    }
    Ok(report)
}

/// The receiver took a bundle. It stays carried while its pengawas's decisions or back-checks
/// wait for interviews the receiver does not hold yet (they arrive by another bundle or upload).
fn relayed(
    store: &Store,
    carried: &team::Carried,
    answer: Option<&serde_json::Value>,
    now_ms: i64,
    report: &mut RelayReport,
) -> Result<(), SyncError> {
    let waiting = answer.and_then(|json| json["waiting_for"].as_u64()).unwrap_or(0);
    if waiting > 0 {
        let problem = format!(
            "{waiting} keputusan menunggu wawancaranya sampai di server / {waiting} decision(s) wait for their interviews to reach the server"
        );
        store.write(|tx| team::relay_problem(tx, &carried.sha256, &problem))?;
        return Ok(());
    }
    store.write(|tx| team::relayed(tx, &carried.sha256, now_ms))?;
    let _ = std::fs::remove_file(&carried.file);
    report.relayed += 1;
    Ok(())
}

/// After a relay that left some of this phone's own bundles undelivered, the edits of what
/// they carry wait: an edit must not reach the server before the version it replaces.
pub fn hold_edits_of_undelivered(store: &Store, now_ms: i64) -> Result<usize, SyncError> {
    Ok(store.write(|tx| team::hold_edits_of_undelivered(tx, now_ms + HOLD_EDITS_MS))?)
}

/// How long an edit waits for its handed version's bundle before the next try.
const HOLD_EDITS_MS: i64 = 10 * 60 * 1000;
