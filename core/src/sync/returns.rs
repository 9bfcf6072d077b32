//! Fetching returns from the receiver (`GET …/verivali/v1/returns`, docs/review-api.md): the
//! interviews a pengawas sent back to this device, each applied in its own transaction
//! ([`crate::store::returns`]). A plain OpenRosa server (ODK Central) has no such endpoint: a
//! 404 means the feature is absent, not an error.

use serde::Deserialize;

use super::{SyncError, http::Fetcher};
use crate::{
    outbox::client::Server,
    store::{
        Store,
        returns::{self, Applied, ReturnNotice},
    },
};

/// Where the receiver lists a device's returns, under the server URL.
pub const RETURNS_PATH: &str = "verivali/v1/returns";
/// The returns document's version this build reads.
const FORMAT: u32 = 1;
/// The largest returns document accepted.
const RETURNS_LIMIT: u64 = 4 * 1024 * 1024;

/// What fetching returns did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnsReport {
    /// Interviews reopened by returns received now.
    pub reopened: Vec<String>,
    /// The server has no returns endpoint (a plain OpenRosa server).
    pub unsupported: bool,
}

#[derive(Deserialize)]
struct Document {
    format: u32,
    returns: Vec<ReturnNotice>,
}

/// Fetches this device's returns and applies those not applied yet.
pub fn fetch_returns(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    now_ms: i64,
) -> Result<ReturnsReport, SyncError> {
    let fetcher = Fetcher::new(agent, server, RETURNS_LIMIT)?;
    let url = format!("{}/{RETURNS_PATH}", server.base_url.trim_end_matches('/'));
    let fetched = match fetcher.fetch_small(&url, "returns", RETURNS_LIMIT) {
        Ok(fetched) => fetched,
        Err(SyncError::NotFound { .. }) => {
            return Ok(ReturnsReport { unsupported: true, ..ReturnsReport::default() });
        }
        Err(error) => return Err(error),
    };
    let document: Document = serde_json::from_slice(&fetched.content)
        .map_err(|_| SyncError::ReturnsUnreadable)?;
    if document.format != FORMAT {
        return Err(SyncError::ReturnsUnreadable);
    }
    let mut report = ReturnsReport::default();
    for notice in &document.returns {
        match store.write(|tx| returns::apply_return(tx, notice, now_ms))? {
            Applied::Reopened { interview_id } => report.reopened.push(interview_id),
            Applied::AlreadyApplied | Applied::NotOurs => {}
        }
    }
    if !report.reopened.is_empty() {
        tracing::info!(count = report.reopened.len(), "interviews returned by a pengawas");
    }
    Ok(report)
}
