//! A pengawas's decisions and back-checks reach the receiver the same way online as offline: in
//! a bundle this phone signs. When the phone has signal, nobody should have to remember to
//! write one: before an upload, a decision or back-check that no bundle has handed over yet is
//! written into a new bundle under the data folder, carried, and relayed with the others
//! ([`crate::sync::relay`]). The receiver records each decision once, however often it comes.

use std::path::Path;

use super::{BundleError, Written, current_decisions_digest, export};
use crate::store::{Store, device};

/// The digest of the decisions and back-checks the last bundle written here handed over.
pub(super) const HANDED_DIGEST: &str = "decisions_handed_digest";
/// Where bundles written for the receiver are made, under the data folder (the carried copy
/// is kept beside the other carried bundles; this file is removed).
const OUTGOING_DIR: &str = "bundles/outgoing";

/// Writes a bundle of this phone's decisions and back-checks when some were not handed over
/// yet; `None` when every one was. The bundle is carried for the next relay.
pub fn hand_up_decisions(store: &Store, now_ms: i64) -> Result<Option<Written>, BundleError> {
    let Some(current) = store.read(current_decisions_digest)? else { return Ok(None) };
    let handed = store.read(|c| device::setting(c, HANDED_DIGEST))?;
    if handed.as_deref() == Some(current.as_str()) {
        return Ok(None);
    }
    let dir = store.path().parent().unwrap_or(Path::new(".")).join(OUTGOING_DIR);
    let written = export(store, &dir, &random_passphrase()?, now_ms)?;
    // The carried copy is what travels.
    let _ = std::fs::remove_file(&written.path);
    tracing::info!(
        decisions = written.decisions,
        backchecks = written.backchecks,
        "the pengawas's decisions were bundled for the server"
    );
    Ok(Some(written))
}

/// A passphrase nobody types: the bundle goes from this phone to the receiver only.
fn random_passphrase() -> Result<String, BundleError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)
        .map_err(|e| BundleError::from(crate::store::Error::Random(e.to_string())))?;
    Ok(crate::hex::hex(&bytes))
}
