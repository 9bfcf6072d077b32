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

    /// The server exchange failed; `problem` says which way, `reason` what to do (bilingual).
    #[error("{reason}")]
    Server { problem: ServerProblem, reason: String },

    #[error("Kesalahan internal: {reason} / Internal error: {reason}")]
    Internal { reason: String },
}

/// Which way a server exchange failed, for the shell to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ServerProblem {
    /// No connection: no signal, a wrong host, the server down.
    Unreachable,
    /// The server refused the device's token (401/403).
    TokenRefused,
    /// The address is not the server's project or form (404, or not OpenRosa).
    WrongAddress,
    /// A form or a file the server offered was refused (too large, elsewhere, broken).
    BadContent,
}

impl From<crate::outbox::sync::SyncError> for VerivaliError {
    fn from(error: crate::outbox::sync::SyncError) -> Self {
        use crate::outbox::sync::SyncError as E;
        let problem = match &error {
            E::Store(_) => {
                let E::Store(inner) = error else { unreachable!() };
                return inner.into();
            }
            E::Unreachable => ServerProblem::Unreachable,
            E::Refused { .. } => ServerProblem::TokenRefused,
            E::BadServerUrl | E::NotFound { .. } | E::NotOpenRosa { .. } => {
                ServerProblem::WrongAddress
            }
            _ => ServerProblem::BadContent,
        };
        VerivaliError::Server { problem, reason: error.to_string() }
    }
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
            E::FormVersionConflict { .. } | E::UploadUnsettled => {
                VerivaliError::InvalidInput { reason: error.to_string() }
            }
            E::NoInterview(id) => VerivaliError::NotFound { what: format!("interview {id}") },
            E::InterviewFinalized => VerivaliError::Finalized,
            E::Sql(_) | E::Random(_) | E::UnknownStoredValue { .. } | E::Sealing(_) => {
                tracing::error!(%error, "internal store error");
                VerivaliError::Internal { reason: error.to_string() }
            }
        }
    }
}
