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
}

impl From<BundleError> for VerivaliError {
    fn from(error: BundleError) -> Self {
        match error {
            BundleError::Store(e) => e.into(),
            BundleError::Io(e) => VerivaliError::File { reason: e.to_string() },
            BundleError::Empty => VerivaliError::NotFound {
                what: "wawancara final yang menunggu / finalized interviews waiting".into(),
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

    /// Opens a bundle and checks every part against its manifest.
    pub fn verify_bundle(&self, path: String, passphrase: String) -> ApiResult<BundleCheck> {
        let checked = bundle::verify(Path::new(&path), &passphrase)?;
        Ok(BundleCheck {
            submissions: checked.submissions,
            attachments: checked.attachments,
            damaged: checked.damaged,
        })
    }
}
