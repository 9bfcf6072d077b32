//! Reading a bundle for import: the checks of [`super::verify`] and the reading of what they
//! checked happen in one read transaction on one connection, so what is imported is exactly
//! what was verified, even if the file changes meanwhile. One submission is in memory at a
//! time (with its attachments), whatever the size of the bundle.

use std::path::Path;

use rusqlite::{Connection, params};

use super::{BundleError, Checked, open_existing, verify};
use crate::store::team::{BackcheckRecord, Decision};

/// A verified bundle held open for reading.
pub struct Opened {
    conn: Connection,
    /// What verifying it found; import only when [`Checked::is_sound`].
    pub checked: Checked,
}

/// One submission of a bundle, as its device would have uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundled {
    pub instance_id: String,
    pub form_id: String,
    pub version: String,
    pub xml: Vec<u8>,
    /// The rule checks file (`verivali-checks.json`), when the interview has one.
    pub checks: Option<Vec<u8>>,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Opens the bundle at `path` read-only, starts one read transaction and verifies it.
pub fn open_verified(path: &Path, passphrase: &str) -> Result<Opened, BundleError> {
    let conn = open_existing(path, passphrase)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    conn.execute_batch("BEGIN")?;
    let checked = verify::verify_open(&conn)?;
    Ok(Opened { conn, checked })
}

impl Opened {
    /// The instanceIDs of the submissions, in order.
    pub fn instance_ids(&self) -> Result<Vec<String>, BundleError> {
        let mut stmt = self.conn.prepare("SELECT instance_id FROM submissions ORDER BY instance_id")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The pengawas's decisions it carries; one that cannot be read refuses the bundle.
    pub fn decisions(&self) -> Result<Vec<Decision>, BundleError> {
        let mut stmt =
            self.conn.prepare("SELECT instance_id, decision FROM decisions ORDER BY instance_id")?;
        let rows: Vec<(String, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(instance_id, bytes)| {
                serde_json::from_slice::<Decision>(&bytes)
                    .ok()
                    .filter(|d| d.instance_id == instance_id && d.is_valid())
                    .ok_or_else(|| {
                        BundleError::NotSound(vec![format!(
                            "the decision on {instance_id} cannot be read"
                        )])
                    })
            })
            .collect()
    }

    /// The pengawas's back-checks it carries; one that cannot be read refuses the bundle.
    pub fn backchecks(&self) -> Result<Vec<BackcheckRecord>, BundleError> {
        let mut stmt =
            self.conn.prepare("SELECT instance_id, record FROM backchecks ORDER BY instance_id")?;
        let rows: Vec<(String, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(instance_id, bytes)| {
                serde_json::from_slice::<BackcheckRecord>(&bytes)
                    .ok()
                    .filter(|b| b.instance_id == instance_id && b.is_valid())
                    .ok_or_else(|| {
                        BundleError::NotSound(vec![format!(
                            "the back-check of {instance_id} cannot be read"
                        )])
                    })
            })
            .collect()
    }

    /// One submission with its checks and attachments.
    pub fn submission(&self, instance_id: &str) -> Result<Bundled, BundleError> {
        let (form_id, version, xml, checks) = self.conn.query_row(
            "SELECT form_id, version, xml, checks FROM submissions WHERE instance_id = ?1",
            [instance_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, bytes FROM attachments WHERE instance_id = ?1 ORDER BY name")?;
        let attachments = stmt
            .query_map(params![instance_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Bundled { instance_id: instance_id.to_owned(), form_id, version, xml, checks, attachments })
    }
}
