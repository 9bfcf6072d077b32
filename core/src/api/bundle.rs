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
    /// Decisions this phone's pengawas made, handed over in it.
    pub decisions: u32,
    /// Back-checks this phone's pengawas answered, handed over in it.
    pub backchecks: u32,
    /// Bytes of submissions, checks and attachments inside.
    pub bytes: u64,
}

/// What checking a bundle found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleCheck {
    pub submissions: u32,
    pub attachments: u32,
    /// A pengawas's decisions it carries.
    pub decisions: u32,
    pub backchecks: u32,
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
            BundleError::NotSound(problems) => VerivaliError::InvalidInput {
                reason: format!(
                    "bundel rusak atau telah diubah; tidak diimpor / the bundle is damaged or was changed; nothing imported: {}",
                    problems.join("; ")
                ),
            },
            BundleError::OwnBundle => VerivaliError::InvalidInput {
                reason: "bundel ini dibuat di ponsel ini / this bundle was written on this phone".into(),
            },
            BundleError::Untrusted(key) => VerivaliError::InvalidInput {
                reason: format!(
                    "bundel ditandatangani kunci {key}… yang tidak dipercaya ponsel ini; tambahkan kunci anggota tim dulu / the bundle is signed by key {key}…, which this phone does not trust; add the team member's key first"
                ),
            },
            BundleError::Conflict(id) => VerivaliError::InvalidInput {
                reason: format!(
                    "wawancara {id} sudah ada dengan isi lain; bundel tidak diimpor / interview {id} is already here with other content; the bundle was not imported"
                ),
            },
            BundleError::Sql(_) => VerivaliError::InvalidInput {
                reason: "berkas bukan bundel atau frasa sandi salah / not a bundle, or the wrong passphrase"
                    .into(),
            },
        }
    }
}

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleImport {
    /// Interviews in it (a team member's, on a pengawas's phone).
    pub submissions: u32,
    /// Of those, new to this phone.
    pub new: u32,
    /// This phone's interviews a pengawas returned in it, reopened for correction.
    pub reopened: Vec<String>,
    /// Decisions in it for other phones' interviews, approvals, or returns applied before.
    pub decisions_skipped: u32,
    /// Who signed it: the deviceID, and the label its key is trusted under.
    pub signer_device: String,
    pub signer_label: String,
}

/// A key whose bundles this phone accepts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrustedKey {
    pub public_key: String,
    pub label: String,
    /// The team's pengawas: its returns reopen this phone's interviews.
    pub pengawas: bool,
    pub added_at: i64,
}

/// What handing carried bundles to the server did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RelaySummary {
    pub relayed: u32,
    /// Own bundles no longer needed: the outbox sent their interviews itself.
    pub dropped: u32,
    /// The server's reasons for each bundle it refused (they stay on the phone).
    pub refused: Vec<String>,
    /// The server takes no bundles (ODK Central).
    pub supported: bool,
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
            decisions: written.decisions,
            backchecks: written.backchecks,
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
            decisions: checked.decisions,
            backchecks: checked.backchecks,
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

    /// Imports a bundle from a team member's phone (its interviews, on a pengawas's phone) or
    /// from the pengawas's phone (returns, on an enumerator's): only when it is sound and
    /// signed by a key this phone trusts ([`Verivali::trust_signing_key`]); whole or not at
    /// all; importing it again changes nothing. The interviews' bundle is kept and handed to
    /// the receiver with the next upload.
    pub fn import_bundle(&self, path: String, passphrase: String) -> ApiResult<BundleImport> {
        let imported = bundle::import(&self.store, Path::new(&path), &passphrase, now_ms())?;
        Ok(BundleImport {
            submissions: imported.submissions,
            new: imported.new,
            reopened: imported.reopened,
            decisions_skipped: imported.decisions_skipped,
            signer_device: imported.signer_device,
            signer_label: imported.signer_label,
        })
    }

    /// Trusts bundles signed by `public_key` (hex, as [`Verivali::signing_public_key`] shows
    /// it on the other phone), under a label a person recognises (a name, a phone); with
    /// `pengawas`, as the team's pengawas, whose returns reopen this phone's interviews (a team
    /// member's key only brings interviews).
    #[uniffi::method(default(pengawas = false))]
    pub fn trust_signing_key(
        &self,
        public_key: String,
        label: String,
        pengawas: bool,
    ) -> ApiResult<()> {
        let key = public_key.trim().to_ascii_lowercase();
        if !bundle::is_public_key(&key) {
            return Err(VerivaliError::InvalidInput {
                reason: "kunci publik harus 64 digit heksadesimal dari ponsel lain / the public key must be the other phone's 64 hexadecimal digits".into(),
            });
        }
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(VerivaliError::InvalidInput {
                reason:
                    "nama kunci 1 sampai 80 karakter / the key's label needs 1 to 80 characters"
                        .into(),
            });
        }
        self.store.write(|tx| crate::store::team::trust(tx, &key, label, pengawas, now_ms()))?;
        Ok(())
    }

    /// The keys whose bundles this phone accepts.
    pub fn trusted_signing_keys(&self) -> ApiResult<Vec<TrustedKey>> {
        let keys = self.store.read(crate::store::team::trusted)?;
        Ok(keys
            .into_iter()
            .map(|t| TrustedKey {
                public_key: t.public_key,
                label: t.label,
                pengawas: t.pengawas,
                added_at: t.added_at,
            })
            .collect())
    }
}
