//! The uniffi surface: coarse, synchronous calls that the Android shell makes from a background
//! thread, and that the CLI makes directly.
//!
//! Following mozilla/application-services: one object per open store, records for data,
//! one small error enum, and no threads or async of our own. See docs/adr/0002-ffi-style.md and
//! docs/adr/0015-layers-and-one-thin-api.md.
//!
//! The whole exported surface (records and enums are re-exported below):
//!
//! | object or function | calls | file |
//! |---|---|---|
//! | `Verivali` (one per store) | `open(data_dir, key, settings)`, `device_id`, `integrity_problems` | `mod.rs` |
//! | | `settings`, `update_settings` | `settings.rs` |
//! | | `import_prelist`, `import_prelist_csv`, `search`, `household`, `household_count` | `prelist.rs` |
//! | | `install_form`, `forms`, `start_interview`, `interviews`, `open_draft_of`, `interview`, `reopen_for_correction` | `interview.rs` |
//! | | `purge_acknowledged_photos` | `evidence.rs` |
//! | | `upload_pending`, `send_now`, `outbox_status`, `sync_down` | `upload.rs` |
//! | | `export_bundle`, `verify_bundle` | `bundle.rs` |
//! | `Interview` (one visit) | `id`, `screen`, `answer` (→ the screen), `next`, `previous`, `jump`, `add_repeat`, `remove_repeat`, `findings`, `finalize`, `languages`, `set_language`, `submission_xml` | `interview.rs` |
//! | | `attach_photo`, `set_location` (→ the screen), `photo_totals` | `evidence.rs` |
//! | `UploadInterrupt` | `new`, `interrupt`, `is_interrupted` | `upload.rs` |
//! | functions | `core_version`; `set_core_logger` | `mod.rs`, `logging.rs` |
//! | foreign traits (the shell implements) | `ImportProgressListener`, `UploadProgressListener`, `SyncProgressListener`, `CoreLogger` | |

mod backcheck;
mod bundle;
mod error;
mod evidence;
mod interview;
mod logging;
mod prelist;
mod records;
mod settings;
mod team;
mod upload;

use std::{path::PathBuf, sync::Arc};

pub use backcheck::{
    BackcheckAnswer, BackcheckChoice, BackcheckEntry, BackcheckQuestion, BackcheckRate,
    BackcheckReport, BackcheckResult, BackcheckRow,
};
pub use bundle::{BundleCheck, BundleImport, BundleInfo, RelaySummary, TrustedKey};
pub use error::{ApiResult, ServerProblem, VerivaliError};
pub use evidence::{
    FixQualityView, GeopointInput, LocationPolicyView, LocationResult, PhotoProblem, PhotoResult,
    PhotoTotals,
};
pub use interview::Interview;
pub use logging::{CoreLogger, LogEvent, LogLevel, set_core_logger};
pub use prelist::{
    HouseholdSummary, ImportProgress, ImportProgressListener, ImportRejection, ImportSummary,
    MatchKind, PrelistHousehold, PrelistMember, SearchRequest, SearchResults,
};
pub use records::{
    AnswerResult, AnswerValue, Answered, ChoiceItem, FinalizeResult, FindingSeverity, FormInfo,
    InputKind, InterviewStatus, InterviewSummary, QuestionView, RepeatPromptView,
    ReviewCommentView, ReviewReturnView, RuleFinding, ScreenView, SectionView, WarningConfirmation,
};
pub use settings::Settings;
pub use team::{ReviewAnswer, ReviewFinding, ReviewSection, TeamInterview, TeamInterviewDetail};
pub use upload::{
    OutboxEntry, SyncProgressListener, SyncSummary, UploadInterrupt, UploadProgressListener,
    UploadState, UploadSummary,
};

use crate::store::{Store, StoreKey};

/// Milliseconds since the Unix epoch, now: the one clock reading of the API and the CLI.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The version of this core, e.g. `0.1.0`.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The device's Verivali: one encrypted store and everything built on it.
#[derive(uniffi::Object)]
pub struct Verivali {
    store: Arc<Store>,
    forms: interview::FormCache,
    /// This installation's deviceID, sent with every submission.
    device_id: String,
    /// The time zone, the rules' thresholds and the photo retention (see [`Settings`]).
    settings: std::sync::Mutex<Settings>,
}

#[uniffi::export]
impl Verivali {
    /// Opens (or creates) the store in `data_dir` with a 32-byte key, under `settings` (the
    /// defaults when `None`; a bad value is refused before anything is opened).
    ///
    /// Fails with `WrongKey` for a key that does not open an existing store (nothing on disk is
    /// touched), and with `Corrupt` when the file is damaged; it has then been moved aside and
    /// the next call to `open` starts a fresh store.
    #[uniffi::constructor(default(settings = None))]
    pub fn open(
        data_dir: String,
        key: Vec<u8>,
        settings: Option<Settings>,
    ) -> ApiResult<Arc<Self>> {
        let settings = settings.unwrap_or_default();
        settings.validate()?;
        let key = StoreKey::from_bytes(&key)?;
        let store = Store::open(&PathBuf::from(data_dir), &key)?;
        let interrupted = store.write(crate::outbox::recover_interrupted)?;
        if interrupted > 0 {
            tracing::info!(interrupted, "uploads interrupted by a crash are queued again");
        }
        let left_over = store.write(crate::store::downloads::discard_all)?;
        if left_over > 0 {
            tracing::info!(left_over, "chunks of a sync interrupted by a crash are discarded");
        }
        let device_id = store.write(crate::store::device::device_id)?;
        Ok(Arc::new(Verivali {
            store: Arc::new(store),
            device_id,
            forms: interview::FormCache::default(),
            settings: std::sync::Mutex::new(settings),
        }))
    }

    /// This installation's deviceID (`verivali:…`), as the server records it.
    pub fn device_id(&self) -> String {
        self.device_id.clone()
    }

    /// Runs SQLite's full integrity check; an empty list means the database is sound.
    pub fn integrity_problems(&self) -> ApiResult<Vec<String>> {
        Ok(self.store.integrity_problems()?)
    }
}
