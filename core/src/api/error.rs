//! The one public error type, and the one place where internal errors become public ones.
//!
//! Variants exist only where the shell acts differently (ask for the key again, tell the user
//! the database was saved aside, show which file is unreadable). Everything else is `Internal`.
//! Messages are Bahasa Indonesia first, English second, and carry no household data.

use crate::store;

/// An error the Android shell or the CLI can act on. In Kotlin: `VerivaliException`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VerivaliError {
    #[error("Kunci basis data salah. / The database key is wrong.")]
    WrongKey,

    #[error("Kunci basis data tidak sah: {reason} / The database key is invalid: {reason}")]
    InvalidKey { reason: String },

    #[error(
        "Basis data rusak dan sudah disimpan terpisah di {moved_to}; hubungi dukungan. / \
         The database was damaged and has been set aside at {moved_to}; contact support."
    )]
    Corrupt { moved_to: String },

    #[error(
        "Basis data ini dibuat oleh versi Verivali yang lebih baru; perbarui aplikasi. / \
         This database was made by a newer Verivali; update the app. ({reason})"
    )]
    NewerDatabase { reason: String },

    #[error("Berkas tidak dapat dibaca: {reason} / A file cannot be read: {reason}")]
    File { reason: String },

    #[error("Masukan tidak sah: {reason} / Invalid input: {reason}")]
    InvalidInput { reason: String },

    /// A photo the pipeline refused; `reason` says what to do, in both languages.
    #[error("{reason}")]
    PhotoRejected { problem: super::evidence::PhotoProblem, reason: String },

    #[error("Tidak ditemukan: {what} / Not found: {what}")]
    NotFound { what: String },

    #[error(
        "Wawancara sudah final dan tidak dapat diubah sampai dikembalikan pengawas. / \
         The interview is finalized and cannot change until a supervisor returns it."
    )]
    Finalized,

    #[error("Kesalahan internal: {reason} / Internal error: {reason}")]
    Internal { reason: String },
}

/// The API's result type.
pub type ApiResult<T> = Result<T, VerivaliError>;

impl From<store::Error> for VerivaliError {
    fn from(error: store::Error) -> Self {
        use store::Error as E;
        match error {
            E::WrongKey => {
                tracing::warn!("store opened with a wrong key");
                VerivaliError::WrongKey
            }
            E::InvalidKeyLength(_) => VerivaliError::InvalidKey { reason: error.to_string() },
            E::Corrupt { moved_to } => {
                VerivaliError::Corrupt { moved_to: moved_to.display().to_string() }
            }
            E::IncompatibleVersion { .. } => {
                VerivaliError::NewerDatabase { reason: error.to_string() }
            }
            E::Io { .. } => {
                tracing::warn!(%error, "file access failed");
                VerivaliError::File { reason: error.to_string() }
            }
            E::FormVersionConflict { .. } => {
                VerivaliError::InvalidInput { reason: error.to_string() }
            }
            E::NoInterview(id) => VerivaliError::NotFound { what: format!("interview {id}") },
            E::InterviewFinalized => VerivaliError::Finalized,
            E::Sql(_) | E::Random(_) => {
                tracing::error!(%error, "internal store error");
                VerivaliError::Internal { reason: error.to_string() }
            }
        }
    }
}
