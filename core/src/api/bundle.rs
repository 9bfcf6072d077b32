//! The bundle surface: write the interviews that wait for a server into one encrypted file the
//! shell can share (device to device, without network), and check such a file.

use std::path::Path;

use super::{ApiResult, Verivali, VerivaliError, now_ms};
use crate::bundle::{self, BundleError};

/// A written bundle.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleInfo {
    pub path: String,
    pub submissions: u32,
    pub attachments: u32,
    /// Bytes of submissions, checks and attachments inside.
    pub bytes: u64,
}

/// What checking a bundle found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleCheck {
    pub submissions: u32,
    pub attachments: u32,
    /// Parts (`instance/name`) whose SHA-256 does not match the manifest.
    pub damaged: Vec<String>,
    /// Every other reason not to trust the bundle: rows the manifest does not list, a schema
    /// not ours, a signature that does not match (English; empty when sound).
    pub problems: Vec<String>,
    /// The signer's public key (hex) and deviceID, when the signature holds; whether that
    /// signer is trusted is the importer's decision.
    pub signer_key: Option<String>,
    pub signer_device: Option<String>,
    /// Nothing damaged, nothing unlisted, and a valid signature.
    pub sound: bool,
}

impl From<BundleError> for VerivaliError {
    fn from(error: BundleError) -> Self {
        match error {
            BundleError::Store(e) => e.into(),
            BundleError::Io(e) => VerivaliError::File { reason: e.to_string() },
            BundleError::Empty => VerivaliError::NotFound {
                what: "wawancara final yang menunggu / finalized interviews waiting".into(),
            },
            BundleError::Missing(path) => VerivaliError::NotFound {
                what: format!("bundel / bundle {}", path.display()),
            },
            BundleError::WeakPassphrase => VerivaliError::InvalidInput {
                reason: "frasa sandi minimal 8 karakter / the passphrase needs 8 characters or more".into(),
            },
            BundleError::Sql(_) => VerivaliError::InvalidInput {
                reason: "berkas bukan bundel atau frasa sandi salah / not a bundle, or the wrong passphrase"
                    .into(),
            },
        }
    }
}

#[uniffi::export]
impl Verivali {
    /// Writes every finalized interview the server has not acknowledged, with its attachments,
    /// into a new bundle in `dir`, encrypted with `passphrase` (8 characters or more).
    pub fn export_bundle(&self, dir: String, passphrase: String) -> ApiResult<BundleInfo> {
        let written = bundle::export(&self.store, Path::new(&dir), &passphrase, now_ms())?;
        Ok(BundleInfo {
            path: written.path.display().to_string(),
            submissions: written.submissions,
            attachments: written.attachments,
            bytes: written.bytes,
        })
    }

    /// Opens a bundle read-only and checks it: every part against its manifest, nothing
    /// stored beside the manifest, the signature over it. A missing path is an error; nothing
    /// is created.
    pub fn verify_bundle(&self, path: String, passphrase: String) -> ApiResult<BundleCheck> {
        let checked = bundle::verify(Path::new(&path), &passphrase)?;
        Ok(BundleCheck {
            sound: checked.is_sound(),
            submissions: checked.submissions,
            attachments: checked.attachments,
            damaged: checked.damaged,
            problems: checked.problems,
            signer_key: checked.signer_key,
            signer_device: checked.signer_device,
        })
    }

    /// This device's public key (hex) for its bundles' signatures (ADR 0023): what the receiver
    /// and the team's pengawas register to trust its bundles.
    pub fn signing_public_key(&self) -> ApiResult<String> {
        let seed = self.store.write(crate::store::device::signing_seed)?;
        Ok(bundle::public_key(&seed))
    }
}
