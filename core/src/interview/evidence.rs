//! Evidence in an interview: a processed photo becomes the answer of a photo question and a blob in
//! the same transaction; a GPS fix becomes the answer of a location question when the form's
//! accuracy rule accepts it. Photos a question no longer holds are deleted with the save that
//! let them go, and finalizing marks the ones the submission refers to.

use crate::{
    form::{definition::DataType, session::AnswerOutcome},
    media::{FixQuality, Geopoint, LocationPolicy, Photo, PhotoSettings},
    store::{
        Store,
        attachments::{self, NewAttachment},
        interviews,
    },
};

use super::{InterviewSession, InterviewError};

/// What attaching a photo did.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoAttached {
    /// The file name the question now holds.
    pub name: String,
    pub outcome: AnswerOutcome,
    /// False when the interview already held the same photo (stored once).
    pub stored_new: bool,
}

/// What offering a GPS fix did.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationSet {
    pub quality: FixQuality,
    pub policy: LocationPolicy,
    /// `None` when the fix was refused as unacceptable; nothing was saved then.
    pub outcome: Option<AnswerOutcome>,
}

impl InterviewSession {
    /// The photo settings of the photo question at `reference`: the defaults with the form's
    /// `max-pixels`.
    pub fn photo_settings(&self, reference: &str) -> Result<PhotoSettings, InterviewError> {
        self.expect_type(reference, &DataType::Binary)?;
        Ok(PhotoSettings::with_max_side(self.session.max_pixels(reference)))
    }

    /// The accuracy rule of the location question at `reference`.
    pub fn location_policy(&self, reference: &str) -> Result<LocationPolicy, InterviewError> {
        self.expect_type(reference, &DataType::Geopoint)?;
        let parameter = |name| self.session.control_parameter(reference, name);
        Ok(LocationPolicy::from_parameters(
            parameter("accuracyThreshold").as_deref(),
            parameter("unacceptableAccuracyThreshold").as_deref(),
        ))
    }

    /// Answers photo question `reference` with `photo` and stores it, in one transaction.
    pub fn attach_photo(
        &mut self,
        store: &Store,
        reference: &str,
        photo: &Photo,
        now_ms: i64,
    ) -> Result<PhotoAttached, InterviewError> {
        self.ensure_editable()?;
        self.expect_type(reference, &DataType::Binary)?;
        let name = photo.file_name();
        let outcome = self.session.answer(reference, &name)?;
        if outcome != AnswerOutcome::Saved {
            return Ok(PhotoAttached { name, outcome, stored_new: false });
        }
        let file = NewAttachment {
            name: &name,
            sha256: &photo.sha256,
            media_type: "image/jpeg",
            bytes: &photo.jpeg,
        };
        let stale = self.stale_attachments(store)?;
        let xml = self.session.instance_xml();
        let stored_new = store.write(|tx| {
            // Let go of the photo this question held before, then hold the new one.
            attachments::release(tx, &self.id, &stale)?;
            let stored_new = attachments::attach(tx, &self.id, reference, &file, now_ms)?;
            interviews::save_draft(tx, &self.id, &xml, Some(reference), now_ms)?;
            Ok(stored_new)
        })?;
        tracing::info!(bytes = photo.jpeg.len(), stored_new, "photo attached");
        Ok(PhotoAttached { name, outcome, stored_new })
    }

    /// Offers a GPS fix for location question `reference`; saved unless the form's accuracy
    /// rule finds it unacceptable.
    pub fn set_location(
        &mut self,
        store: &Store,
        reference: &str,
        point: &Geopoint,
        now_ms: i64,
    ) -> Result<LocationSet, InterviewError> {
        self.ensure_editable()?;
        let policy = self.location_policy(reference)?;
        let quality = policy.judge(point);
        if quality == FixQuality::Unacceptable {
            return Ok(LocationSet { quality, policy, outcome: None });
        }
        let outcome = self.answer_unchecked(store, reference, &point.to_answer(), now_ms)?;
        Ok(LocationSet { quality, policy, outcome: Some(outcome) })
    }

    /// Checks a typed answer to an evidence question: a location must meet the accuracy rule,
    /// and a photo question only takes a file this interview holds (or nothing).
    pub(super) fn check_evidence_answer(
        &self,
        store: &Store,
        reference: &str,
        value: &str,
    ) -> Result<(), InterviewError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        match self.session.question_type(reference) {
            Some(DataType::Geopoint) => {
                // A malformed point is the session's to report, as for any typed answer.
                let Ok(point) = Geopoint::parse(value) else { return Ok(()) };
                let policy = self.location_policy(reference)?;
                match policy.judge(&point) {
                    FixQuality::Unacceptable => Err(InterviewError::UnacceptableFix {
                        accuracy: point.accuracy,
                        limit: policy.warning_accuracy_m,
                    }),
                    _ => Ok(()),
                }
            }
            Some(DataType::Binary) => {
                let held = store.read(|c| attachments::holds(c, &self.id, value))?;
                if held { Ok(()) } else { Err(InterviewError::UnknownAttachment) }
            }
            _ => Ok(()),
        }
    }

    /// Questions that no longer hold the file recorded for them.
    pub(super) fn stale_attachments(&self, store: &Store) -> Result<Vec<String>, InterviewError> {
        let uses = store.read(|c| attachments::uses(c, &self.id))?;
        Ok(uses
            .into_iter()
            .filter(|(question, name)| {
                self.session.value_at(question).as_deref() != Some(name.as_str())
            })
            .map(|(question, _)| question)
            .collect())
    }

    /// The files the submission refers to: held by a question and present in `submission`.
    pub(super) fn submitted_attachments(
        &self,
        store: &Store,
        submission: &str,
    ) -> Result<Vec<String>, InterviewError> {
        let uses = store.read(|c| attachments::uses(c, &self.id))?;
        let mut names: Vec<String> = uses
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| submission.contains(&format!(">{name}<")))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn expect_type(&self, reference: &str, expected: &DataType) -> Result<(), InterviewError> {
        match self.session.question_type(reference) {
            Some(found) if &found == expected => Ok(()),
            _ => Err(InterviewError::WrongQuestionKind {
                reference: reference.to_owned(),
                expected: if *expected == DataType::Binary {
                    "photo / foto"
                } else {
                    "location / lokasi"
                },
            }),
        }
    }
}
