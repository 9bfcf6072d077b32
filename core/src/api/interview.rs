//! The interview surface: install a form, start or reopen an interview, and drive it screen by
//! screen. Every call that changes answers saves them before it returns.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use super::{
    ApiResult, Verivali, VerivaliError, now_ms,
    records::{
        AnswerValue, Answered, FinalizeResult, FormInfo, InputKind, InterviewStatus,
        InterviewSummary, QuestionView, RepeatPromptView, ReviewReturnView, RuleFinding,
        ScreenView, SectionView, WarningConfirmation,
    },
};
use crate::{
    form::session::{self, Answer, Clock, Form, Screen},
    interview::{FolderMedia, InterviewError, InterviewSession, StoreMedia, StorePrelist},
    rules::{Date, Finding},
    store::{
        Store,
        forms::{self, StoredForm},
        interviews::{self, InterviewState},
    },
};

/// Loaded forms by store row, shared by the interviews of one `Verivali`.
#[derive(Default)]
pub(super) struct FormCache(Mutex<HashMap<i64, Arc<Form>>>);

impl FormCache {
    /// The cache, locked. After a panic it may be half-updated; a cache can always start over,
    /// so it is emptied and the forms load again from the store.
    fn entries(&self) -> MutexGuard<'_, HashMap<i64, Arc<Form>>> {
        self.0.lock().unwrap_or_else(|poisoned| {
            let mut entries = poisoned.into_inner();
            entries.clear();
            self.0.clear_poison();
            entries
        })
    }

    pub(super) fn get(&self, store: &Store, row: i64) -> ApiResult<Arc<Form>> {
        if let Some(form) = self.entries().get(&row) {
            return Ok(Arc::clone(form));
        }
        let source = store
            .read(|c| forms::form_source(c, row))?
            .ok_or_else(|| VerivaliError::NotFound { what: format!("form #{row}") })?;
        let form = Arc::new(
            Form::load(&source.xml, &StoreMedia { store, row })
                .map_err(|e| VerivaliError::InvalidInput { reason: e.to_string() })?,
        );
        self.entries().insert(row, Arc::clone(&form));
        Ok(form)
    }

    /// Forgets every loaded form: their media changed on the server.
    pub(super) fn clear(&self) {
        self.entries().clear();
    }
}

/// Locks a plain setting (a number or a small `Copy` record). A panic elsewhere cannot leave
/// such a value half-written, so a poisoned lock still holds a sound value.
pub(super) fn lock<T: Copy>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The clock of an interview: now, in the device's time zone, with a fresh random seed (for the
/// form's `random()` and `uuid()`). No random bytes is an error, never a fixed seed.
fn clock_now(utc_offset_minutes: i32) -> ApiResult<Clock> {
    let now_ms = now_ms();
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| VerivaliError::internal("random", &e))?;
    Ok(Clock { now_ms, tz_offset_minutes: utc_offset_minutes, seed: u64::from_le_bytes(seed) })
}

/// The local date of a clock, for the rules.
fn today(clock: Clock) -> Date {
    Date::from_unix_days(
        (clock.now_ms + i64::from(clock.tz_offset_minutes) * 60_000).div_euclid(86_400_000),
    )
}

impl From<InterviewError> for VerivaliError {
    fn from(error: InterviewError) -> Self {
        match error {
            InterviewError::Store(e) => e.into(),
            InterviewError::NoHousehold(_) => {
                VerivaliError::NotFound { what: "prelist household / rumah tangga prelist".into() }
            }
            other => VerivaliError::InvalidInput { reason: other.to_string() },
        }
    }
}

#[uniffi::export]
impl Verivali {
    /// Installs a form from an XForm file; the external CSVs it names are read from its folder.
    /// Installing the same version again changes nothing.
    pub fn install_form(&self, xml_path: String) -> ApiResult<FormInfo> {
        let path = Path::new(&xml_path);
        let xml = std::fs::read_to_string(path)
            .map_err(|e| VerivaliError::File { reason: format!("{}: {e}", path.display()) })?;
        let folder = path.parent().unwrap_or(Path::new("."));
        // Installed already, byte for byte (with the same media)? Then a lookup, not a parse.
        if let Some(installed) = self.installed_as_is(&xml, folder)? {
            return Ok(FormInfo {
                row: installed.row,
                form_id: installed.form_id,
                version: installed.version,
                title: installed.title,
            });
        }
        let media = FolderMedia::new(folder);
        let form = Form::load(&xml, &media)
            .map_err(|e| VerivaliError::InvalidInput { reason: e.to_string() })?;
        let def = &form.def;
        let stored = StoredForm {
            row: 0,
            form_id: def.form_id.clone(),
            version: def.version.clone().unwrap_or_default(),
            title: def.title.clone(),
            xml,
            media: media.into_files(),
        };
        let now = now_ms();
        let row = self.store.write(|tx| forms::install_form(tx, &stored, now))?;
        self.forms.entries().insert(row, Arc::new(form));
        Ok(FormInfo { row, form_id: stored.form_id, version: stored.version, title: stored.title })
    }

    /// Installed forms, newest first.
    pub fn forms(&self) -> ApiResult<Vec<FormInfo>> {
        let rows = self.store.read(forms::installed)?;
        Ok(rows
            .into_iter()
            .map(|f| FormInfo {
                row: f.row,
                form_id: f.form_id,
                version: f.version,
                title: f.title,
            })
            .collect())
    }

    /// Starts an interview with the newest version of form `form_id`: to prelist household
    /// `id_dtks`, or to a new household (usulan baru) when it is absent. Saved as a draft.
    pub fn start_interview(
        &self,
        form_id: String,
        id_dtks: Option<String>,
    ) -> ApiResult<Arc<Interview>> {
        let row = self
            .store
            .read(|c| forms::latest_form(c, &form_id))?
            .ok_or_else(|| VerivaliError::NotFound { what: format!("form {form_id}") })?;
        let form = self.forms.get(&self.store, row)?;
        let clock = clock_now(lock(&self.settings).utc_offset_minutes)?;
        let interview = InterviewSession::start(&self.store, form, row, id_dtks.as_deref(), clock)?;
        Ok(self.wrap(interview))
    }

    /// Every interview on the device, newest first: its household, state and upload state.
    /// The household list filters by these (not visited, draft, final, waiting, sent, returned).
    pub fn interviews(&self) -> ApiResult<Vec<InterviewSummary>> {
        let rows = self.store.read(interviews::summaries)?;
        let returned: std::collections::HashSet<String> =
            self.store.read(crate::store::returns::returned_by_pengawas)?.into_iter().collect();
        rows.into_iter()
            .map(|row| {
                Ok(InterviewSummary {
                    interview_id: row.id.clone(),
                    id_dtks: row.id_dtks,
                    status: match row.state {
                        InterviewState::Draft => InterviewStatus::Draft,
                        InterviewState::Finalized => InterviewStatus::Finalized,
                        InterviewState::Returned => InterviewStatus::Returned,
                    },
                    upload: row.upload.as_deref().map(super::upload::upload_state).transpose()?,
                    returned_by_pengawas: returned.contains(&row.id),
                })
            })
            .collect()
    }

    /// Reopens finalized interview `interview_id` for a correction. One the server already
    /// acknowledged goes out again, when finalized, as an edit: a new instanceID with
    /// `deprecatedID` naming the one it replaces. One still waiting to be tried simply leaves
    /// the outbox; one whose upload was tried but not acknowledged cannot be reopened yet.
    pub fn reopen_for_correction(&self, interview_id: String) -> ApiResult<()> {
        self.store.write(|tx| interviews::reopen_for_correction(tx, &interview_id, now_ms()))?;
        Ok(())
    }

    /// What the pengawas wrote when returning `interview_id`, while it waits for its correction.
    pub fn review_return(&self, interview_id: String) -> ApiResult<Option<ReviewReturnView>> {
        let open = self.store.read(|c| crate::store::returns::open_return(c, &interview_id))?;
        Ok(open.map(ReviewReturnView::from))
    }

    /// The interview to go on with for prelist household `id_dtks`: its newest draft or
    /// returned interview, if any. Opening a household goes there instead of starting another.
    pub fn open_draft_of(&self, id_dtks: String) -> ApiResult<Option<String>> {
        let rows = self.store.read(|c| interviews::interviews_of(c, Some(&id_dtks)))?;
        Ok(rows.into_iter().next().and_then(|(id, state)| match state {
            InterviewState::Draft | InterviewState::Returned => Some(id),
            InterviewState::Finalized => None,
        }))
    }

    /// Reopens a saved interview where it stopped.
    pub fn interview(&self, id: String) -> ApiResult<Arc<Interview>> {
        let stored = self
            .store
            .read(|c| interviews::interview(c, &id))?
            .ok_or_else(|| VerivaliError::NotFound { what: format!("interview {id}") })?;
        let form = self.forms.get(&self.store, stored.form_row)?;
        let clock = clock_now(lock(&self.settings).utc_offset_minutes)?;
        let interview = InterviewSession::resume(stored, form, clock)?;
        Ok(self.wrap(interview))
    }
}

impl Verivali {
    fn wrap(&self, mut interview: InterviewSession) -> Arc<Interview> {
        let settings = *lock(&self.settings);
        interview.rule_settings = settings.rules();
        Arc::new(Interview {
            id: interview.id.clone(),
            store: Arc::clone(&self.store),
            utc_offset: settings.utc_offset_minutes,
            inner: Mutex::new(Inner { interview }),
        })
    }
}

/// One interview, as the shell drives it.
#[derive(uniffi::Object)]
pub struct Interview {
    id: String,
    pub(super) store: Arc<Store>,
    utc_offset: i32,
    pub(super) inner: Mutex<Inner>,
}

pub(super) struct Inner {
    pub(super) interview: InterviewSession,
}

#[uniffi::export]
impl Interview {
    /// The interview's id (its `meta/instanceID`).
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The screen to show now.
    pub fn screen(&self) -> ApiResult<ScreenView> {
        let inner = self.session()?;
        self.view(&inner)
    }

    /// Answers a question (saved before returning unless refused) and returns the screen as it
    /// stands after it, findings included: one call per tap.
    pub fn answer(&self, reference: String, value: AnswerValue) -> ApiResult<Answered> {
        let mut inner = self.session()?;
        let now = now_ms();
        let text = Answer::from(value).to_instance_text();
        let result = inner.interview.answer(&self.store, &reference, &text, now)?.into();
        Ok(Answered { result, screen: self.view(&inner)? })
    }

    pub fn next(&self) -> ApiResult<ScreenView> {
        self.move_by(1)
    }

    pub fn previous(&self) -> ApiResult<ScreenView> {
        self.move_by(-1)
    }

    /// Jumps to section `section` (an index into `ScreenView.sections`).
    pub fn jump(&self, section: u32) -> ApiResult<ScreenView> {
        let mut inner = self.session()?;
        if !inner.interview.jump_to_section(section as usize)? {
            return Err(VerivaliError::InvalidInput { reason: format!("section {section}") });
        }
        self.view(&inner)
    }

    /// Adds an instance of the repeat (a member) and shows its first screen.
    pub fn add_repeat(&self, reference: String) -> ApiResult<ScreenView> {
        let mut inner = self.session()?;
        let now = now_ms();
        inner.interview.add_repeat(&self.store, &reference, now)?;
        self.view(&inner)
    }

    /// Removes a repeat instance (e.g. `/data/members[3]`).
    pub fn remove_repeat(&self, reference: String) -> ApiResult<ScreenView> {
        let mut inner = self.session()?;
        let now = now_ms();
        inner.interview.remove_repeat(&self.store, &reference, now)?;
        self.view(&inner)
    }

    /// The registry rules' findings now.
    pub fn findings(&self) -> ApiResult<Vec<RuleFinding>> {
        let inner = self.session()?;
        Ok(self.current_findings(&inner)?.into_iter().map(RuleFinding::from).collect())
    }

    /// Finalizes, given a reason for each warning the enumerator goes on despite.
    pub fn finalize(&self, confirmations: Vec<WarningConfirmation>) -> ApiResult<FinalizeResult> {
        let mut inner = self.session()?;
        let clock = clock_now(self.utc_offset)?;
        let confirmations: Vec<_> = confirmations.into_iter().map(Into::into).collect();
        let outcome =
            inner.interview.finalize(&self.store, &confirmations, today(clock), clock.now_ms)?;
        Ok(outcome.into())
    }

    /// The form's languages, as it names them (e.g. "Bahasa Indonesia", "English").
    pub fn languages(&self) -> ApiResult<Vec<String>> {
        Ok(self.session()?.interview.session().form().def.itext.languages.clone())
    }

    /// Shows labels, hints and choices in `language`, one of `languages()`.
    pub fn set_language(&self, language: String) -> ApiResult<()> {
        let mut inner = self.session()?;
        if !inner.interview.session().form().def.itext.languages.contains(&language) {
            return Err(VerivaliError::InvalidInput {
                reason: format!("bahasa/language '{language}'"),
            });
        }
        inner.interview.set_language(&language);
        Ok(())
    }

    /// The submission XML as it would be sent now.
    pub fn submission_xml(&self) -> ApiResult<String> {
        Ok(self.session()?.interview.session().submission_xml())
    }
}

impl Interview {
    /// The interview, locked. A panic while it was locked may have left the session between two
    /// states; rather than go on from there, every later call fails and the shell reopens the
    /// interview from the store, where each answer was saved whole.
    pub(super) fn session(&self) -> ApiResult<MutexGuard<'_, Inner>> {
        self.inner.lock().map_err(|_| VerivaliError::Internal { code: "interview.poisoned".into() })
    }

    fn move_by(&self, step: isize) -> ApiResult<ScreenView> {
        let mut inner = self.session()?;
        inner.interview.move_by(step)?;
        self.view(&inner)
    }

    fn current_findings(&self, inner: &Inner) -> ApiResult<Vec<Finding>> {
        let today = today(clock_now(self.utc_offset)?);
        Ok(self.store.read(|c| Ok(inner.interview.findings(&StorePrelist(c), today)?))?)
    }

    pub(super) fn view(&self, inner: &Inner) -> ApiResult<ScreenView> {
        let session = inner.interview.session();
        let screens = session.screens().map_err(interview_error)?;
        let sections = session.sections().map_err(interview_error)?;
        let findings = self.current_findings(inner)?;
        let index = inner.interview.screen_index()?;
        let review = match inner.interview.state() {
            InterviewState::Returned => self
                .store
                .read(|c| crate::store::returns::open_return(c, &inner.interview.id))?
                .map(ReviewReturnView::from),
            _ => None,
        };
        let (section, title, questions, prompt) = match screens.get(index).cloned() {
            Some(Screen::Questions { section, title, questions }) => (
                section,
                title,
                questions
                    .into_iter()
                    .map(|q| {
                        let mut view = QuestionView::new(q, &findings);
                        view.review_comment = review.as_ref().and_then(|r| {
                            let texts: Vec<&str> = r
                                .comments
                                .iter()
                                .filter(|c| c.reference.as_deref() == Some(&view.reference))
                                .map(|c| c.text.as_str())
                                .collect();
                            (!texts.is_empty()).then(|| texts.join("\n"))
                        });
                        if view.kind == InputKind::Geopoint {
                            view.location_policy = inner
                                .interview
                                .location_policy(&view.reference)
                                .ok()
                                .map(Into::into);
                        }
                        view
                    })
                    .collect(),
                None,
            ),
            Some(Screen::RepeatPrompt { section, repeat, label, count }) => (
                section,
                None,
                Vec::new(),
                Some(RepeatPromptView { repeat, label, count: count as u32 }),
            ),
            None => (None, None, Vec::new(), None),
        };
        let repeat_instance = questions
            .first()
            .and_then(|q: &QuestionView| session::repeat_instance_of(&q.reference))
            .map(str::to_owned);
        Ok(ScreenView {
            repeat_instance,
            interview_id: inner.interview.id.clone(),
            index: index as u32,
            count: screens.len() as u32,
            section,
            title,
            questions,
            repeat_prompt: prompt,
            sections: sections
                .into_iter()
                .map(|(label, screen)| SectionView { label, screen: screen as u32 })
                .collect(),
            can_go_back: index > 0,
            can_go_forward: index + 1 < screens.len(),
            status: match inner.interview.state() {
                InterviewState::Draft => InterviewStatus::Draft,
                InterviewState::Finalized => InterviewStatus::Finalized,
                InterviewState::Returned => InterviewStatus::Returned,
            },
            review,
        })
    }
}

fn interview_error(error: impl Into<InterviewError>) -> VerivaliError {
    error.into().into()
}

impl Verivali {
    /// The installed form with exactly this XML and the external files it names in `folder`
    /// (issue 21: re-installing an installed form is a lookup). The files are found by a scan
    /// of the XML for `jr://file/` and `jr://file-csv/` sources; if the scan finds other files
    /// than the parser would read, the hash differs from every stored one and the form is
    /// parsed and installed as before, so a wrong scan costs time, never correctness.
    fn installed_as_is(
        &self,
        xml: &str,
        folder: &Path,
    ) -> ApiResult<Option<crate::store::forms::InstalledForm>> {
        let mut media = Vec::new();
        for name in external_sources(xml) {
            match std::fs::read(folder.join(&name)) {
                Ok(bytes) => media.push((name, bytes)),
                Err(_) => return Ok(None),
            }
        }
        let sha = forms::content_hash(xml, &media);
        Ok(self.store.read(|c| forms::installed_with_hash(c, &sha))?)
    }
}

/// The file names of a form's external sources (`src="jr://file-csv/desa.csv"`), each once.
fn external_sources(xml: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for prefix in ["jr://file/", "jr://file-csv/"] {
        for (at, _) in xml.match_indices(prefix) {
            let rest = &xml[at + prefix.len()..];
            let name: String =
                rest.chars().take_while(|c| !matches!(c, '"' | '\'' | '<' | ' ')).collect();
            let name = name.rsplit('/').next().unwrap_or_default().to_owned();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod external_source_tests {
    #[test]
    fn the_external_files_a_form_names_are_found_each_once() {
        let xml = r#"<instance id="desa" src="jr://file-csv/desa.csv"/><instance id="x" src='jr://file/x.xml'/><i src="jr://file-csv/desa.csv"/>"#;
        assert_eq!(super::external_sources(xml), ["x.xml", "desa.csv"]);
        assert!(super::external_sources("<data/>").is_empty());
    }
}
