//! Errors of the storage layer.
//!
//! Messages read as sentences and never carry household data: a NIK, a name or an ID DTKS must
//! not reach a log or an error string, because errors travel to logcat and to support uploads.

use std::path::PathBuf;

/// What can go wrong while opening, migrating or using the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The key does not open this database.")]
    WrongKey,

    #[error("A database key must be exactly 32 bytes; this one has {0}.")]
    InvalidKeyLength(usize),

    #[error("The database file was damaged and has been moved aside to {moved_to}.")]
    Corrupt { moved_to: PathBuf },

    #[error(
        "The database has schema version {found}, newer than this build understands ({known})."
    )]
    IncompatibleVersion { found: u32, known: u32 },

    #[error("Could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("The database reported an error: {0}")]
    Sql(#[from] rusqlite::Error),

    #[error("The operating system did not provide random bytes: {0}")]
    Random(String),

    #[error("The bundle could not be read: {0}")]
    BundleRead(String),

    #[error("Interview {0} is already on this phone with other content.")]
    BundleConflict(String),

    #[error(
        "Form {form_id} version {version} is already installed with different content; a changed form needs a new version."
    )]
    FormVersionConflict { form_id: String, version: String },

    #[error("There is no interview {0}.")]
    NoInterview(String),

    #[error("The interview is finalized and can no longer be changed.")]
    InterviewFinalized,

    #[error(
        "Wawancara ini sedang atau pernah dicoba dikirim; buka kembali setelah terkirim. / This \
         interview is being or was tried to be sent; reopen it once it is sent."
    )]
    UploadUnsettled,

    #[error("A queued submission could not be encrypted: {0}")]
    Sealing(String),

    #[error("The database holds an unknown {what} \"{value}\"; a newer build may have written it.")]
    UnknownStoredValue { what: &'static str, value: String },

    #[error("The prelist could not be read to check the rules.")]
    PrelistUnreadable(#[from] crate::rules::LookupFailed),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io { action, path: path.into(), source }
    }

    /// True when SQLite says the bytes on disk are not a sound database.
    pub(crate) fn is_damage(&self) -> bool {
        matches!(
            self,
            Error::Sql(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        )
    }
}
