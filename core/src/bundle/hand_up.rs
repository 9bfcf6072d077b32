//! A pengawas's decisions and back-checks reach the receiver the same way online as offline: in
//! a bundle this phone signs. When the phone has signal, nobody should have to remember to
//! write one: before an upload, a decision or back-check that no bundle has handed over yet is
//! written into a new bundle under the data folder (decisions and back-checks only: the
//! pengawas's own interviews go by the outbox), carried, and relayed with the others
//! ([`crate::sync::relay`]). The receiver records each decision once, however often it comes.
//! A server that takes no bundles (a plain OpenRosa server) is remembered, and no bundle is
//! written for it.

use std::path::Path;

use super::{BundleError, Written, current_decisions_digest, write_bundle};
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
    let written = write_bundle(store, &dir, &random_passphrase()?, now_ms, false)?;
    // The carried copy is what travels.
    let _ = std::fs::remove_file(&written.path);
    tracing::info!(
        decisions = written.decisions,
        backchecks = written.backchecks,
        "the pengawas's decisions were bundled for the server"
    );
    Ok(Some(written))
}

/// Whether the server at `base_url` takes bundles, as far as this phone knows; `takes` records
/// what a relay found (`Some(false)`: it answered that it takes none).
pub fn takes_bundles(store: &Store, base_url: &str, takes: Option<bool>) -> Result<bool, BundleError> {
    // Remembers a server which answered that it takes no bundles.
    let name = device::server_setting("no_bundles", base_url);
    match takes {
        Some(false) => store.write(|tx| device::set_setting(tx, &name, "1"))?,
        Some(true) => store.write(|tx| {
            tx.execute("DELETE FROM device_settings WHERE name = ?1", [&name])?;
            Ok(())
        })?,
        None => {}
    }
    Ok(store.read(|c| device::setting(c, &name))?.is_none())
}

/// A passphrase nobody types: the bundle goes from this phone to the receiver only.
fn random_passphrase() -> Result<String, BundleError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)
        .map_err(|e| BundleError::from(crate::store::Error::Random(e.to_string())))?;
    Ok(crate::hex::hex(&bytes))
}
