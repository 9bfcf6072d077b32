//! An interview of a household: the form session, saved after every answer, started from the
//! prelist record (or blank for a new household), checked by the registry's rules, and
//! finalized with a reason for every warning (ADR 0009).

mod evidence;
mod folder;
mod lookup;
mod navigation;
mod store_media;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;

#[cfg(any(test, feature = "internals"))]
pub use evidence::{LocationSet, PhotoAttached};
pub use folder::FolderMedia;
pub use lookup::StorePrelist;
pub use store_media::StoreMedia;

use crate::{
    form::session::{AnswerOutcome, Clock, Form, ResumeError, Session, SessionError},
    outbox::{self, encryption},
    rules::{self, Date, Finding, Household, PrelistLookup, Severity},
    store::{
        self, Store, attachments,
        interviews::{self, InterviewState, StoredInterview},
        prelist,
    },
};

/// Why an interview cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum InterviewError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("The form cannot run this interview: {0}")]
    Session(#[from] SessionError),
    #[error("The saved interview cannot be reopened: {0}")]
    Resume(#[from] ResumeError),
    #[error(transparent)]
    Encryption(#[from] encryption::EncryptionError),
    #[error("There is no household {0} in the prelist.")]
    NoHousehold(String),
    #[error(
        "Pertanyaan {reference} bukan pertanyaan {expected}. / \
         Question {reference} is not a {expected} question."
    )]
    WrongQuestionKind { reference: String, expected: &'static str },
    #[error(
        "Akurasi GPS {accuracy} m lebih buruk dari batas {limit} m; tunggu sinyal GPS yang lebih \
         baik. / The GPS accuracy of {accuracy} m is worse than the limit of {limit} m; wait \
         for a better fix."
    )]
    UnacceptableFix { accuracy: f64, limit: f64 },
    #[error(
        "Jawaban pertanyaan foto harus foto yang diambil dalam wawancara ini. / \
         A photo question only takes a photo taken in this interview."
    )]
    UnknownAttachment,
}

/// A reason the enumerator gave for going on despite a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmation {
    pub rule: String,
    /// The field the warning is about, as the finding names it.
    pub reference: Option<String>,
    pub reason: String,
}

/// A finding with the enumerator's reason, as it travels in `verivali-checks.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What finalizing did.
#[derive(Debug, Clone, PartialEq)]
pub enum FinalizeOutcome {
    /// Saved as final; the checks (with reasons) are what the submission carries.
    Finalized { checks: Vec<CheckedFinding> },
    /// Not finalized: the form's own violations and the rules' errors block; warnings without
    /// a reason need one.
    Blocked { form_violations: Vec<String>, errors: Vec<Finding>, unconfirmed: Vec<Finding> },
}

/// One interview, open for answers (or read-only once finalized).
pub struct InterviewSession {
    pub id: String,
    pub id_dtks: Option<String>,
    session: Session,
    preload: Option<Json>,
    state: InterviewState,
    /// The rules' thresholds for this interview.
    pub rule_settings: rules::Settings,
    /// The screen shown, as an index into the current screens (see `navigation`).
    screen: usize,
}

impl InterviewSession {
    /// Starts an interview of prelist household `id_dtks`, or to a new household when `None`, and
    /// saves it as a draft before returning.
    pub fn start(
        store: &Store,
        form: Arc<Form>,
        form_row: i64,
        id_dtks: Option<&str>,
        clock: Clock,
    ) -> Result<InterviewSession, InterviewError> {
        let preload = match id_dtks {
            Some(id) => {
                let household = store
                    .read(|c| prelist::household(c, id))?
                    .ok_or_else(|| InterviewError::NoHousehold(id.to_owned()))?;
                Some(Json::Object(household.record))
            }
            None => None,
        };
        let session = match &preload {
            Some(record) => {
                let (session, unmatched) = Session::start_prefilled(form, clock, record)?;
                if !unmatched.is_empty() {
                    tracing::info!(
                        fields = unmatched.len(),
                        "prelist fields the form does not have"
                    );
                }
                session
            }
            None => Session::start(form, clock)?,
        };
        let id = instance_id(&session);
        let interview = InterviewSession {
            id,
            id_dtks: id_dtks.map(str::to_owned),
            session,
            preload,
            state: InterviewState::Draft,
            rule_settings: rules::Settings::default(),
            screen: 0,
        };
        let stored = StoredInterview {
            id: interview.id.clone(),
            form_row,
            id_dtks: interview.id_dtks.clone(),
            state: InterviewState::Draft,
            instance_xml: interview.session.instance_xml(),
            preload: interview.preload.as_ref().map(Json::to_string),
            checks: None,
            position: None,
            updated_at: clock.now_ms,
        };
        store.write(|tx| interviews::insert_interview(tx, &stored))?;
        Ok(interview)
    }

    /// Reopens a saved interview exactly where it stopped.
    pub fn resume(
        stored: StoredInterview,
        form: Arc<Form>,
        clock: Clock,
    ) -> Result<InterviewSession, InterviewError> {
        let session = Session::resume(form, clock, &stored.instance_xml)?;
        let preload = stored.preload.as_deref().and_then(|p| serde_json::from_str(p).ok());
        let mut interview = InterviewSession {
            id: stored.id,
            id_dtks: stored.id_dtks,
            session,
            preload,
            state: stored.state,
            rule_settings: rules::Settings::default(),
            screen: 0,
        };
        if let Some(reference) = &stored.position {
            interview.go_to(reference);
        }
        Ok(interview)
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Shows labels in `language`, one of the form's itext languages.
    pub fn set_language(&mut self, language: &str) {
        self.session.set_language(language);
    }

    pub fn state(&self) -> InterviewState {
        self.state
    }

    /// Answers a question and saves the draft before returning (refused once finalized).
    pub fn answer(
        &mut self,
        store: &Store,
        reference: &str,
        value: &str,
        now_ms: i64,
    ) -> Result<AnswerOutcome, InterviewError> {
        self.ensure_editable()?;
        self.check_evidence_answer(store, reference, value)?;
        self.answer_unchecked(store, reference, value, now_ms)
    }

    fn answer_unchecked(
        &mut self,
        store: &Store,
        reference: &str,
        value: &str,
        now_ms: i64,
    ) -> Result<AnswerOutcome, InterviewError> {
        let outcome = self.session.answer(reference, value)?;
        if outcome == AnswerOutcome::Saved {
            self.save(store, Some(reference), now_ms)?;
        }
        Ok(outcome)
    }

    /// Adds a repeat instance (a member) and saves.
    pub fn add_repeat(
        &mut self,
        store: &Store,
        reference: &str,
        now_ms: i64,
    ) -> Result<(), InterviewError> {
        self.ensure_editable()?;
        self.session.add_repeat(reference)?;
        self.save(store, Some(reference), now_ms)
    }

    /// Removes a repeat instance and saves.
    pub fn remove_repeat(
        &mut self,
        store: &Store,
        reference: &str,
        now_ms: i64,
    ) -> Result<(), InterviewError> {
        self.ensure_editable()?;
        self.session.remove_repeat(reference)?;
        self.save(store, None, now_ms)
    }

    fn ensure_editable(&self) -> Result<(), InterviewError> {
        match self.state {
            InterviewState::Finalized => Err(store::Error::InterviewFinalized.into()),
            _ => Ok(()),
        }
    }

    fn save(&self, store: &Store, position: Option<&str>, now_ms: i64) -> Result<(), InterviewError> {
        let xml = self.session.instance_xml();
        let stale = self.stale_attachments(store)?;
        store.write(|tx| {
            interviews::save_draft(tx, &self.id, &xml, position, now_ms)?;
            if !stale.is_empty() {
                attachments::release(tx, &self.id, &stale)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The household's answers by role, with whether they differ from the preload.
    pub fn household(&self) -> Household {
        let changed = self.preload.as_ref().map(|record| self.session.differs_from(record));
        let mut household = Household::from_session(&self.session, changed);
        household.known_location = self
            .preload
            .as_ref()
            .and_then(|record| record.pointer("/lokasi/titik"))
            .and_then(Json::as_str)
            .map(str::to_owned);
        household
    }

    /// The rules' findings now.
    pub fn findings(
        &self,
        prelist: &dyn PrelistLookup,
        today: Date,
    ) -> Result<Vec<Finding>, rules::LookupFailed> {
        rules::check_with(&self.household(), prelist, today, &self.rule_settings)
    }

    /// Finalizes when the form has no violation, the rules no error, and every warning has a
    /// reason in `confirmations`; saves the instance and the checks as final.
    pub fn finalize(
        &mut self,
        store: &Store,
        confirmations: &[Confirmation],
        today: Date,
        now_ms: i64,
    ) -> Result<FinalizeOutcome, InterviewError> {
        self.ensure_editable()?;
        let form_violations: Vec<String> =
            self.session.violations()?.into_iter().map(|v| v.reference).collect();
        let findings = store.read(|c| Ok(self.findings(&StorePrelist(c), today)?))?;
        let reason_for = |f: &Finding| {
            confirmations
                .iter()
                .find(|c| {
                    c.rule == f.rule && c.reference == f.reference && !c.reason.trim().is_empty()
                })
                .map(|c| c.reason.trim().to_owned())
        };
        let errors: Vec<Finding> =
            findings.iter().filter(|f| f.severity == Severity::Error).cloned().collect();
        let unconfirmed: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning && reason_for(f).is_none())
            .cloned()
            .collect();
        if !form_violations.is_empty() || !errors.is_empty() || !unconfirmed.is_empty() {
            return Ok(FinalizeOutcome::Blocked { form_violations, errors, unconfirmed });
        }
        let checks: Vec<CheckedFinding> = findings
            .into_iter()
            .map(|finding| CheckedFinding { reason: reason_for(&finding), finding })
            .collect();
        let identity =
            store.read(|c| outbox::identity_for_next_finalize(c, &self.id, random_uuid))?;
        self.session
            .set_submission_identity(&identity.instance_id, identity.deprecated_id.as_deref());
        let checks_file =
            self.session.set_declared_meta(CHECKS_FIELD, CHECKS_FILE).then_some(CHECKS_FILE);
        let document = serde_json::json!({
            "instance_id": identity.instance_id,
            "deprecated_id": identity.deprecated_id,
            "changed_since_prelist": self.household().changed,
            "findings": checks,
        })
        .to_string();
        let xml = self.session.instance_xml();
        let submission = self.session.submission_xml();
        let files = self.submitted_attachments(store, &submission)?;
        let encryption = self.encryption_plan(
            store,
            &identity.instance_id,
            &submission,
            &files,
            checks_file.map(|name| (name, document.as_bytes())),
        )?;
        let done = interviews::Finalized {
            instance_xml: &xml,
            submission_xml: &submission,
            checks_json: &document,
            instance_id: &identity.instance_id,
            deprecated_id: identity.deprecated_id.as_deref(),
            checks_file,
            encryption: encryption.as_deref(),
        };
        store.write(|tx| {
            interviews::finalize(tx, &self.id, &done, now_ms)?;
            attachments::mark_for_submission(tx, &self.id, &files)
        })?;
        self.state = InterviewState::Finalized;
        Ok(FinalizeOutcome::Finalized { checks })
    }

    /// For a form whose submissions are encrypted: the key and manifest that every attempt to
    /// send this submission will use (ADR 0014); `None` for a form without a public key.
    fn encryption_plan(
        &self,
        store: &Store,
        instance_id: &str,
        submission: &str,
        photos: &[String],
        checks: Option<(&str, &[u8])>,
    ) -> Result<Option<String>, InterviewError> {
        let def = &self.session.form().def;
        let Some(public_key) = &def.submission_public_key else { return Ok(None) };
        let held = store.read(|c| attachments::bytes_of(c, &self.id, photos))?;
        let mut media: Vec<(&str, &[u8])> =
            held.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
        media.extend(checks);
        let form =
            encryption::FormIdentity { form_id: &def.form_id, version: def.version.as_deref() };
        Ok(Some(encryption::plan(public_key, form, instance_id, submission.as_bytes(), &media)?))
    }
}

/// The `meta` field in which a form declares the checks attachment, as ODK Collect's forms
/// declare `meta/audit` for `audit.csv`; a form without it gets no checks file.
pub const CHECKS_FIELD: &str = "verivali_checks";
/// The checks attachment's file name.
pub const CHECKS_FILE: &str = "verivali-checks.json";

/// The instance's `meta/instanceID`, or a fresh random UUID when the form has none.
fn instance_id(session: &Session) -> String {
    let root = session.document().get(session.document().root()).name.clone();
    session
        .resolve(&format!("/{root}/meta/instanceID"))
        .map(|node| session.document().get(node).text.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(random_uuid)
}

fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        tracing::warn!("no OS randomness; interview id from the clock");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = now.to_le_bytes();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = crate::hex::hex(&bytes);
    format!("uuid:{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
