//! Importing a bundle on a phone (issue 18): a pengawas's phone receives its team's
//! interviews; an enumerator's phone receives the returns its pengawas decided offline. Only a
//! sound bundle signed by a trusted key (ADR 0023) is imported, whole, in one transaction;
//! importing it again changes nothing. A copy of a bundle carrying interviews is kept so that
//! this phone can hand it to the receiver when it finds signal ([`crate::sync::relay`]).

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction, params};

use super::{BundleError, Bundled, open_verified, signing};
use crate::{
    form::dom::Document,
    hex::sha256_hex,
    store::{
        Store, device,
        returns::{self, Applied},
        team::{self, Decision},
    },
};

/// Where a phone keeps the bundles it carries, under its data folder.
const CARRIED_DIR: &str = "bundles";

/// What importing a bundle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub submissions: u32,
    /// Interviews new to this phone; the others it had already.
    pub new: u32,
    /// Interviews of this phone reopened by returns in the bundle.
    pub reopened: Vec<String>,
    /// Decisions for interviews of other phones, approvals, or returns applied before.
    pub decisions_skipped: u32,
    pub signer_device: String,
    /// The label the signer's key is trusted under.
    pub signer_label: String,
}

/// Imports the bundle at `path` into `store`. The file is copied under the data folder first
/// and the copy is what is verified and read, so what is imported (and later relayed) is
/// exactly what was checked, whatever happens to `path` meanwhile.
pub fn import(
    store: &Store,
    path: &Path,
    passphrase: &str,
    now_ms: i64,
) -> Result<Imported, BundleError> {
    if !path.is_file() {
        return Err(BundleError::Missing(path.to_path_buf()));
    }
    let copy = keep_copy(store, path)?;
    let outcome = import_copy(store, &copy, passphrase, now_ms);
    match &outcome {
        // Kept only while it carries interviews a server still needs.
        Ok(imported) if imported.submissions > 0 => {}
        _ => copy.discard_unless_carried(store),
    }
    outcome
}

fn import_copy(
    store: &Store,
    copy: &KeptCopy,
    passphrase: &str,
    now_ms: i64,
) -> Result<Imported, BundleError> {
    let opened = open_verified(&copy.file, passphrase)?;
    let checked = &opened.checked;
    if !checked.is_sound() {
        let mut problems = checked.problems.clone();
        problems.extend(checked.damaged.iter().map(|part| format!("{part} is damaged")));
        return Err(BundleError::NotSound(problems));
    }
    let signer_key = checked.signer_key.clone().unwrap_or_default();
    let signer_device = checked.signer_device.clone().unwrap_or_default();
    let own_key = signing::public_key(&store.write(device::signing_seed)?);
    if signer_key == own_key {
        return Err(BundleError::OwnBundle);
    }
    let Some(trusted) = store.read(|c| team::trusted_label(c, &signer_key))? else {
        return Err(BundleError::Untrusted(signer_key.chars().take(16).collect()));
    };
    let ids = opened.instance_ids()?;
    let decisions = opened.decisions()?;
    let mut imported = Imported {
        signer_device: signer_device.clone(),
        signer_label: trusted.label.clone(),
        ..Imported::default()
    };
    let outcome = store.write(|tx| {
        for instance_id in &ids {
            let one = opened
                .submission(instance_id)
                .map_err(|e| crate::store::Error::BundleRead(e.to_string()))?;
            if add_team_submission(tx, &one, &copy.sha256, &signer_device, &trusted.label, now_ms)? {
                imported.new += 1;
            }
            imported.submissions += 1;
        }
        // Returns count only from a key trusted as the team's pengawas.
        let returns = decisions.iter().filter(|_| trusted.pengawas).filter_map(Decision::as_return);
        for notice in returns {
            if let Applied::Reopened { interview_id } = returns::apply_return(tx, &notice, now_ms)? {
                imported.reopened.push(interview_id);
            }
        }
        imported.decisions_skipped = decisions.len() as u32 - imported.reopened.len() as u32;
        if !ids.is_empty() {
            team::carry(tx, &copy.carried(passphrase, false, 0), &signer_device, &ids, now_ms)?;
        }
        Ok(())
    });
    if let Err(error) = outcome {
        return Err(match error {
            crate::store::Error::BundleConflict(id) => BundleError::Conflict(id),
            other => other.into(),
        });
    }
    tracing::info!(
        submissions = imported.submissions,
        new = imported.new,
        reopened = imported.reopened.len(),
        "bundle imported"
    );
    Ok(imported)
}

/// Stores one team interview; `false` when it was here already with the same content.
pub(crate) fn add_team_submission(
    tx: &Transaction<'_>,
    one: &Bundled,
    bundle: &str,
    signer_device: &str,
    signer_label: &str,
    now_ms: i64,
) -> crate::store::Result<bool> {
    let existing: Option<Vec<u8>> = tx
        .query_row(
            "SELECT xml FROM team_submissions WHERE instance_id = ?1",
            [&one.instance_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = existing {
        if sha256_hex(&existing) != sha256_hex(&one.xml) {
            return Err(crate::store::Error::BundleConflict(one.instance_id.clone()));
        }
        return Ok(false);
    }
    // The form and version as the signed XML states them (the bundle's own columns are not
    // covered by the signature).
    let identity = identity(&one.xml);
    tx.execute(
        "INSERT INTO team_submissions (instance_id, bundle, signer_device, signer_label, form_id,
                                       version, deprecated_id, xml, checks, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            one.instance_id,
            bundle,
            signer_device,
            signer_label,
            identity.form_id,
            identity.version,
            identity.deprecated_id,
            one.xml,
            one.checks,
            now_ms
        ],
    )?;
    for (name, bytes) in &one.attachments {
        tx.execute(
            "INSERT INTO team_attachments (instance_id, name, bytes) VALUES (?1, ?2, ?3)",
            params![one.instance_id, name, bytes],
        )?;
    }
    Ok(true)
}

/// What a submission's XML says it is.
#[derive(Default)]
struct Identity {
    form_id: String,
    version: String,
    deprecated_id: Option<String>,
}

fn identity(xml: &[u8]) -> Identity {
    let Some(doc) = std::str::from_utf8(xml).ok().and_then(|t| Document::parse(t).ok()) else {
        return Identity::default();
    };
    let root = doc.root();
    Identity {
        form_id: doc.attribute(root, "id").unwrap_or_default().to_owned(),
        version: doc.attribute(root, "version").unwrap_or_default().to_owned(),
        deprecated_id: doc.text_at("/*/meta/deprecatedID"),
    }
}

/// A copy of a bundle file under the data folder, named by its SHA-256.
pub(super) struct KeptCopy {
    pub sha256: String,
    pub file: PathBuf,
}

impl KeptCopy {
    pub(super) fn carried(&self, passphrase: &str, own: bool, decisions: u32) -> team::Carried {
        team::Carried {
            sha256: self.sha256.clone(),
            file: self.file.display().to_string(),
            passphrase: passphrase.to_owned(),
            own,
            decisions,
        }
    }

    /// Removes the copy unless an earlier import already carries the same file.
    fn discard_unless_carried(&self, store: &Store) {
        let carried = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM carried_bundles WHERE sha256 = ?1",
                    [&self.sha256],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .unwrap_or(1);
        if carried == 0 {
            let _ = std::fs::remove_file(&self.file);
        }
    }
}

/// Copies the bundle at `path` into the data folder (written under a temporary name, then
/// renamed), unless the same content is there already.
pub(super) fn keep_copy(store: &Store, path: &Path) -> Result<KeptCopy, BundleError> {
    let bytes_sha = {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
        crate::hex::hex(&hasher.finalize())
    };
    let dir = store.path().parent().unwrap_or(Path::new(".")).join(CARRIED_DIR);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{bytes_sha}.vvbundle"));
    if !file.is_file() {
        let temporary = dir.join(format!("{bytes_sha}.vvbundle.part"));
        std::fs::copy(path, &temporary)?;
        std::fs::File::open(&temporary)?.sync_all()?;
        std::fs::rename(&temporary, &file)?;
    }
    Ok(KeptCopy { sha256: bytes_sha, file })
}
