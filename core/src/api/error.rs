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

    /// Something the person cannot fix. `code` is stable and names the kind (`store.sql`,
    /// `store.random`, `interview.poisoned`, …) for support; the library's own text is logged,
    /// never shown.
    #[error(
        "Kesalahan internal (kode {code}); coba lagi, dan bila berulang hubungi dukungan. / \
         Internal error (code {code}); try again, and contact support if it happens again."
    )]
    Internal { code: String },
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

impl From<crate::sync::SyncError> for VerivaliError {
    fn from(error: crate::sync::SyncError) -> Self {
        use crate::sync::SyncError as E;
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

impl VerivaliError {
    /// An internal failure: its cause goes to the log, only `code` to the person.
    pub(crate) fn internal(code: &'static str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(code, %cause, "internal error");
        VerivaliError::Internal { code: code.to_owned() }
    }
}

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
            E::Sql(_) => VerivaliError::internal("store.sql", &error),
            E::Random(_) => VerivaliError::internal("store.random", &error),
            E::UnknownStoredValue { .. } => VerivaliError::internal("store.unknown_value", &error),
            E::Sealing(_) => VerivaliError::internal("store.sealing", &error),
            E::PrelistUnreadable(_) => VerivaliError::internal("rules.prelist_unreadable", &error),
            E::BundleRead(_) => VerivaliError::InvalidInput {
                reason: format!("bundel tidak terbaca / the bundle cannot be read: {error}"),
            },
            E::BundleConflict(id) => VerivaliError::InvalidInput {
                reason: format!(
                    "wawancara {id} sudah ada dengan isi lain; bundel tidak diimpor / interview {id} is already here with other content; the bundle was not imported"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::sync::SyncError;

    fn sql_error() -> rusqlite::Error {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute("SELECT * FROM no_such_table_xyz", []).unwrap_err()
    }

    #[test]
    fn each_store_error_becomes_the_public_error_the_shell_acts_on() {
        use store::Error as E;
        let io = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let cases: Vec<(E, &str)> = vec![
            (E::WrongKey, "WrongKey"),
            (E::InvalidKeyLength(7), "InvalidKey"),
            (E::Corrupt { moved_to: PathBuf::from("/d/verivali.db.corrupt") }, "Corrupt"),
            (E::IncompatibleVersion { found: 9, known: 5 }, "NewerDatabase"),
            (E::io("read", "/d/form.xml", io()), "File"),
            (E::FormVersionConflict { form_id: "f".into(), version: "1".into() }, "InvalidInput"),
            (E::UploadUnsettled, "InvalidInput"),
            (E::NoInterview("uuid:1".into()), "NotFound"),
            (E::InterviewFinalized, "Finalized"),
            (E::Sql(sql_error()), "Internal store.sql"),
            (E::Random("no entropy".into()), "Internal store.random"),
            (
                E::UnknownStoredValue { what: "outbox state", value: "lost".into() },
                "Internal store.unknown_value",
            ),
            (E::Sealing("rsa".into()), "Internal store.sealing"),
            (E::PrelistUnreadable(crate::rules::LookupFailed), "Internal rules.prelist_unreadable"),
        ];
        for (internal, expected) in cases {
            let shown = format!("{internal:?}");
            let public = VerivaliError::from(internal);
            let kind = match &public {
                VerivaliError::WrongKey => "WrongKey".to_owned(),
                VerivaliError::InvalidKey { .. } => "InvalidKey".to_owned(),
                VerivaliError::Corrupt { .. } => "Corrupt".to_owned(),
                VerivaliError::NewerDatabase { .. } => "NewerDatabase".to_owned(),
                VerivaliError::File { .. } => "File".to_owned(),
                VerivaliError::InvalidInput { .. } => "InvalidInput".to_owned(),
                VerivaliError::NotFound { .. } => "NotFound".to_owned(),
                VerivaliError::Finalized => "Finalized".to_owned(),
                VerivaliError::Internal { code } => format!("Internal {code}"),
                other => format!("{other:?}"),
            };
            assert_eq!(kind, expected, "{shown}");
        }
    }

    #[test]
    fn an_internal_error_shows_a_code_and_never_the_librarys_text() {
        let public = VerivaliError::from(store::Error::Sql(sql_error()));
        let message = public.to_string();
        assert!(message.contains("store.sql"), "{message}");
        assert!(!message.contains("no_such_table_xyz"), "library text leaked: {message}");
        assert!(message.contains("Kesalahan internal") && message.contains("Internal error"));
    }

    #[test]
    fn each_sync_failure_says_which_way_it_failed() {
        let cases = [
            (SyncError::Unreachable, ServerProblem::Unreachable),
            (SyncError::Refused { status: 401 }, ServerProblem::TokenRefused),
            (SyncError::BadServerUrl, ServerProblem::WrongAddress),
            (SyncError::NotFound { file: "formList".into() }, ServerProblem::WrongAddress),
            (SyncError::NotOpenRosa { what: "formList" }, ServerProblem::WrongAddress),
            (
                SyncError::TooLarge { file: "a.csv".into(), limit_mb: 100 },
                ServerProblem::BadContent,
            ),
            (SyncError::ForeignUrl { file: "a.csv".into() }, ServerProblem::BadContent),
            (SyncError::HashMismatch { file: "a.csv".into() }, ServerProblem::BadContent),
            (SyncError::DoesNotLoad { reason: "DTD".into() }, ServerProblem::BadContent),
        ];
        for (error, expected) in cases {
            match VerivaliError::from(error) {
                VerivaliError::Server { problem, .. } => assert_eq!(problem, expected),
                other => panic!("{other:?} is not a server error"),
            }
        }
        let store_failure = SyncError::Store(store::Error::WrongKey);
        assert!(matches!(VerivaliError::from(store_failure), VerivaliError::WrongKey));
    }
}
