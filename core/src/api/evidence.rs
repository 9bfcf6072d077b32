//! The evidence surface: attach a camera photo to a photo question, offer a GPS fix to a
//! location question, and keep acknowledged photos only as long as the retention period.

use super::{
    ApiResult, Verivali, VerivaliError,
    interview::{Interview, lock},
    now_ms,
    records::{AnswerResult, ScreenView},
};
use crate::{
    media::{self, FixQuality, Geopoint, LocationPolicy, PhotoError},
    store::attachments,
};

/// Why a photo was refused, so the shell can say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PhotoProblem {
    Unreadable,
    Empty,
    NotJpeg,
    TooManyBytes,
    TooManyPixels,
    Truncated,
    Corrupt,
    Unsupported,
}

impl From<media::PhotoProblem> for PhotoProblem {
    fn from(problem: media::PhotoProblem) -> Self {
        use media::PhotoProblem as P;
        match problem {
            P::Unreadable => PhotoProblem::Unreadable,
            P::Empty => PhotoProblem::Empty,
            P::NotJpeg => PhotoProblem::NotJpeg,
            P::TooManyBytes => PhotoProblem::TooManyBytes,
            P::TooManyPixels => PhotoProblem::TooManyPixels,
            P::Truncated => PhotoProblem::Truncated,
            P::Corrupt => PhotoProblem::Corrupt,
            P::Unsupported => PhotoProblem::Unsupported,
        }
    }
}

impl From<PhotoError> for VerivaliError {
    fn from(error: PhotoError) -> Self {
        tracing::info!(problem = ?error.problem(), "photo refused");
        VerivaliError::PhotoRejected { problem: error.problem().into(), reason: error.to_string() }
    }
}

/// A photo as stored for a question.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoResult {
    /// What the question now holds (the file name the submission carries).
    pub file_name: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The camera's file, before processing.
    pub source_bytes: u64,
    /// False when the interview already held this very photo (stored once).
    pub stored_new: bool,
    pub answer: AnswerResult,
    /// The screen as it stands now, findings included: one call per photo.
    pub screen: ScreenView,
}

/// A GPS fix as the phone reports it.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeopointInput {
    pub latitude: f64,
    pub longitude: f64,
    /// Metres; 0 when unknown.
    pub altitude: f64,
    /// Metres (68 % radius).
    pub accuracy: f64,
}

/// How good a fix is for its question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FixQualityView {
    /// Within the capture accuracy: the shell can stop listening.
    Good,
    /// Saved, but a better fix may come: the shell may keep listening.
    Acceptable,
    /// Worse than the form allows: not saved.
    Unacceptable,
}

/// A location question's accuracy rule, for the shell's GPS loop.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct LocationPolicyView {
    pub capture_accuracy_m: f64,
    pub warning_accuracy_m: f64,
}

impl From<LocationPolicy> for LocationPolicyView {
    fn from(p: LocationPolicy) -> Self {
        LocationPolicyView {
            capture_accuracy_m: p.capture_accuracy_m,
            warning_accuracy_m: p.warning_accuracy_m,
        }
    }
}

/// What offering a fix did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocationResult {
    pub quality: FixQualityView,
    pub policy: LocationPolicyView,
    /// `None` when the fix was refused as unacceptable.
    pub answer: Option<AnswerResult>,
    /// For the enumerator when the fix is not good; Bahasa Indonesia / English.
    pub message: Option<String>,
    /// The screen as it stands now, findings included: one call per fix.
    pub screen: ScreenView,
}

#[uniffi::export]
impl Interview {
    /// Processes the camera's JPEG at `path` (upright, at most the form's `max-pixels`, no
    /// metadata) and stores it as the answer of photo question `reference`. The shell may
    /// delete the camera's file afterwards. A bad file is refused and changes nothing.
    pub fn attach_photo(&self, reference: String, path: String) -> ApiResult<PhotoResult> {
        let mut inner = self.session()?;
        let settings = inner.interview.photo_settings(&reference)?;
        let path = std::path::Path::new(&path);
        let source_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let photo = media::process_photo_file(path, &settings)?;
        let attached = inner.interview.attach_photo(&self.store, &reference, &photo, now_ms())?;
        let screen = self.view(&inner)?;
        Ok(PhotoResult {
            file_name: attached.name,
            width: photo.width,
            height: photo.height,
            bytes: photo.jpeg.len() as u64,
            source_bytes,
            stored_new: attached.stored_new,
            answer: attached.outcome.into(),
            screen,
        })
    }

    /// Offers a GPS fix for location question `reference`: saved unless its accuracy is worse
    /// than the form allows (ADR 0012). A point out of range is an error.
    pub fn set_location(
        &self,
        reference: String,
        point: GeopointInput,
    ) -> ApiResult<LocationResult> {
        let point = Geopoint::new(point.latitude, point.longitude, point.altitude, point.accuracy)
            .map_err(|e| VerivaliError::InvalidInput { reason: e.to_string() })?;
        let mut inner = self.session()?;
        let set = inner.interview.set_location(&self.store, &reference, &point, now_ms())?;
        let message = set.quality.message(point.accuracy, &set.policy);
        let screen = self.view(&inner)?;
        Ok(LocationResult {
            quality: match set.quality {
                FixQuality::Good => FixQualityView::Good,
                FixQuality::Acceptable => FixQualityView::Acceptable,
                FixQuality::Unacceptable => FixQualityView::Unacceptable,
            },
            policy: set.policy.into(),
            answer: set.outcome.map(Into::into),
            message,
            screen,
        })
    }

    /// The photos this interview holds now, and their bytes.
    pub fn photo_totals(&self) -> ApiResult<PhotoTotals> {
        let inner = self.session()?;
        let (count, bytes) = self.store.read(|c| attachments::totals(c, &inner.interview.id))?;
        Ok(PhotoTotals { count, bytes })
    }
}

/// Photos an interview holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PhotoTotals {
    pub count: u32,
    pub bytes: u64,
}

#[uniffi::export]
impl Verivali {
    /// Drops the bytes of photos whose interview the server acknowledged more than the
    /// retention period ago; returns how many. `upload_pending` calls it after each run.
    pub fn purge_acknowledged_photos(&self) -> ApiResult<u32> {
        let now = now_ms();
        let days = i64::from(lock(&self.settings).photo_retention_days);
        let cutoff = now - days * 86_400_000;
        let purged = self.store.write(|tx| attachments::purge_acknowledged(tx, cutoff, now))?;
        if purged > 0 {
            tracing::info!(purged, "acknowledged photos purged");
        }
        Ok(purged as u32)
    }
}
