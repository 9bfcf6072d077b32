//! The upload surface: send what is waiting, and say what is waiting and why.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use super::{ApiResult, Verivali, bundle::RelaySummary, now_ms};
use crate::{
    outbox::{
        self, OutboxState,
        client::{self, Server},
        upload,
    },
    sync,
};

/// What an upload run did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UploadSummary {
    pub acknowledged: u32,
    pub retry_later: u32,
    pub needs_person: u32,
    pub bytes_sent: u64,
    /// Stopped at the time budget with items still due.
    pub stopped_early: bool,
}

/// Hears how an upload run goes, after each interview. In Kotlin: implement the interface.
#[uniffi::export(with_foreign)]
pub trait UploadProgressListener: Send + Sync {
    fn on_progress(&self, progress: UploadSummary);
}

/// Stops an upload run between two interviews: the shell interrupts when its background job is
/// cancelled or the user leaves the screen.
#[derive(Debug, Default, uniffi::Object)]
pub struct UploadInterrupt {
    interrupted: AtomicBool,
}

#[uniffi::export]
impl UploadInterrupt {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(UploadInterrupt::default())
    }

    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }
}

fn summary(report: &upload::UploadReport) -> UploadSummary {
    UploadSummary {
        acknowledged: report.acknowledged,
        retry_later: report.retry_later,
        needs_person: report.needs_person,
        bytes_sent: report.bytes_sent,
        stopped_early: report.stopped_early,
    }
}

/// Hears which form a sync down is fetching.
#[uniffi::export(with_foreign)]
pub trait SyncProgressListener: Send + Sync {
    fn on_form(&self, form_id: String, done: u32, total: u32);
}

/// What a sync down did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// `form_id version` of each form version installed.
    pub installed: Vec<String>,
    /// `form_id version: files` for installed versions whose media changed on the server.
    pub media_updated: Vec<String>,
    pub up_to_date: u32,
    /// `form_id: why` for forms that could not be installed (the previous version stays).
    pub failed: Vec<String>,
    /// Households of the device's own prelist received with a form (new or updated), and
    /// those rejected (the receiver's `verivali-prelist.jsonl`, docs/prelist-format.md).
    pub prelist_households: u64,
    pub prelist_rejected: u64,
    /// Interviews a pengawas returned, reopened by this sync (see [`Verivali::fetch_returns`]).
    pub returned: Vec<String>,
}

/// What fetching returns did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReturnsSummary {
    /// Interviews reopened for correction now, with the pengawas's comments.
    pub reopened: Vec<String>,
    /// The server has returns (Verivali's receiver); `false` for a plain OpenRosa server.
    pub supported: bool,
}

/// What fetching the team's interviews from the receiver did (a pengawas's phone).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TeamFetchSummary {
    /// Interviews the receiver listed since the last fetch.
    pub listed: u32,
    /// Of those, new to this phone (the others came by bundle or by an earlier fetch).
    pub new: u32,
    /// Listed with other content than this phone holds under the same instanceID (kept as
    /// this phone had it).
    pub conflicts: u32,
    /// The server lists the team's interviews (Verivali's receiver); `false` for a plain
    /// OpenRosa server.
    pub supported: bool,
}

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UploadState {
    Queued,
    Sending,
    Sent,
    RetryLater,
    NeedsPerson,
}

/// One interview in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxEntry {
    pub interview_id: String,
    /// The instanceID this submission carries (the interview id, unless it is an edit).
    pub instance_id: String,
    /// For an edit: the instanceID of the acknowledged submission it replaces.
    pub deprecated_id: Option<String>,
    pub state: UploadState,
    pub attempts: u32,
    /// Milliseconds since the epoch, for `RetryLater`.
    pub next_attempt_at: Option<i64>,
    /// What a person should do (`NeedsPerson`) or what went wrong (`RetryLater`), bilingual.
    pub reason: Option<String>,
}

impl Verivali {
    /// The server this device talks to, carrying its deviceID.
    fn server(&self, base_url: String, token: Option<String>) -> Server {
        Server { base_url, token, device_id: Some(self.device_id.clone()) }
    }
}

#[uniffi::export]
impl Verivali {
    /// Sends finalized interviews to `server_url` (an OpenRosa server) until none is due,
    /// `budget_ms` has passed, or `interrupt` is set; `listener` hears after each interview.
    /// Call it from a background job when the network is back.
    pub fn upload_pending(
        &self,
        server_url: String,
        token: Option<String>,
        budget_ms: u64,
        listener: Option<Arc<dyn UploadProgressListener>>,
        interrupt: Option<Arc<UploadInterrupt>>,
    ) -> ApiResult<UploadSummary> {
        let agent = client::agent(Duration::from_secs(15), Duration::from_secs(60));
        let server = self.server(server_url, token);
        let deadline = now_ms() + budget_ms as i64;
        // A pengawas's decisions and back-checks travel in a bundle this phone signs, online too,
        // to a server that takes bundles.
        let takes = crate::bundle::takes_bundles(&self.store, &server.base_url, None)?;
        if takes
            && server.token.is_some()
            && let Err(error) = crate::bundle::hand_up_decisions(&self.store, now_ms())
        {
            tracing::warn!(%error, "the pengawas's decisions could not be bundled");
        }
        // Handed-over versions go first, so that an edit never arrives before what it edits:
        // the key the receiver checks them with, the bundles, and edits of what did not arrive
        // wait. A phone that carries no bundle sends nothing more than its outbox.
        if self.store.read(crate::store::team::carries_any)? {
            if let Err(error) = sync::signing_key::register(&self.store, &agent, &server, now_ms())
            {
                tracing::info!(%error, "the signing key could not be registered");
            }
            match sync::relay::relay(&self.store, &agent, &server, now_ms()) {
                Ok(report) if report.unsupported || report.relayed > 0 => {
                    crate::bundle::takes_bundles(
                        &self.store,
                        &server.base_url,
                        Some(!report.unsupported),
                    )?;
                }
                Ok(_) => {}
                Err(error) => tracing::info!(%error, "carried bundles were not relayed"),
            }
            let held = sync::relay::hold_edits_of_undelivered(&self.store, now_ms())?;
            if held > 0 {
                tracing::info!(
                    held,
                    "edits wait for their handed-over versions to reach the server"
                );
            }
        }
        let report = upload::upload_pending(
            &self.store,
            &agent,
            &server,
            deadline,
            &now_ms,
            &|| interrupt.as_ref().is_some_and(|i| i.is_interrupted()),
            &mut |report| {
                if let Some(listener) = &listener {
                    listener.on_progress(summary(report));
                }
            },
        )?;
        if let Err(error) = self.purge_acknowledged_photos() {
            tracing::warn!(%error, "purging acknowledged photos failed");
        }
        Ok(summary(&report))
    }

    /// Downloads the forms (and their media) the server lists that are not installed yet,
    /// and media that changed on the server for installed ones. A form or media file larger
    /// than `max_file_mb` (default 100) is refused with its form.
    #[uniffi::method(default(max_file_mb = None))]
    pub fn sync_down(
        &self,
        server_url: String,
        token: Option<String>,
        listener: Option<Arc<dyn SyncProgressListener>>,
        max_file_mb: Option<u32>,
    ) -> ApiResult<SyncSummary> {
        let agent = client::agent(Duration::from_secs(15), Duration::from_secs(120));
        let server = self.server(server_url, token);
        let options = sync::SyncOptions {
            max_file_bytes: max_file_mb
                .map_or(sync::DEFAULT_MAX_FILE_BYTES, |mb| u64::from(mb.max(1)) * 1024 * 1024),
        };
        let mut progress = |form: &str, done: usize, total: usize| {
            if let Some(listener) = &listener {
                listener.on_form(form.to_owned(), done as u32, total as u32);
            }
        };
        let report =
            sync::sync_down(&self.store, &agent, &server, options, now_ms(), &mut progress)?;
        let mut failed: Vec<String> =
            report.failed.into_iter().map(|(id, why)| format!("{id}: {why}")).collect();
        let returned = match sync::returns::fetch_returns(&self.store, &agent, &server, now_ms()) {
            Ok(returns) => returns.reopened,
            Err(error) => {
                failed.push(format!("returns: {error}"));
                Vec::new()
            }
        };
        if let Err(error) = sync::signing_key::register(&self.store, &agent, &server, now_ms()) {
            failed.push(format!("signing key: {error}"));
        }
        if !report.media_updated.is_empty() {
            self.forms.clear();
        }
        Ok(SyncSummary {
            installed: report.installed.into_iter().map(|(id, v)| format!("{id} {v}")).collect(),
            media_updated: report
                .media_updated
                .into_iter()
                .map(|(id, v, files)| format!("{id} {v}: {files}"))
                .collect(),
            up_to_date: report.up_to_date,
            failed,
            prelist_households: report.prelist_households,
            prelist_rejected: report.prelist_rejected,
            returned,
        })
    }

    /// Fetches the interviews a pengawas returned to this device (Verivali's receiver only)
    /// and reopens each for correction with the comments; safe to repeat, and to interrupt.
    /// Call it with every upload job, so that returns arrive without a manual sync.
    pub fn fetch_returns(
        &self,
        server_url: String,
        token: Option<String>,
    ) -> ApiResult<ReturnsSummary> {
        let agent = client::agent(Duration::from_secs(15), Duration::from_secs(60));
        let server = self.server(server_url, token);
        let report = sync::returns::fetch_returns(&self.store, &agent, &server, now_ms())?;
        // The key lets the receiver accept this device's bundles; a failure here must not
        // hide the returns just applied.
        if let Err(error) = sync::signing_key::register(&self.store, &agent, &server, now_ms()) {
            tracing::warn!(%error, "the signing key could not be registered");
        }
        Ok(ReturnsSummary { reopened: report.reopened, supported: !report.unsupported })
    }

    /// On a pengawas's phone with signal: fetches the team's interviews the receiver took
    /// (those in the pengawas token's areas), with their photos, since the last fetch; they
    /// join those received by bundle, each once. Safe to repeat and to interrupt. The
    /// decisions made on them reach the receiver with the next `upload_pending`.
    pub fn fetch_team_interviews(
        &self,
        server_url: String,
        token: Option<String>,
    ) -> ApiResult<TeamFetchSummary> {
        let agent = client::agent(Duration::from_secs(15), Duration::from_secs(120));
        let server = self.server(server_url, token);
        let report = sync::team::fetch_team(&self.store, &agent, &server, now_ms())?;
        Ok(TeamFetchSummary {
            listed: report.listed,
            new: report.new,
            conflicts: report.conflicts,
            supported: !report.unsupported,
        })
    }

    /// Hands the bundles this phone carries to the receiver: the team's (on a pengawas's
    /// phone) and its own when a correction replaced what they handed over. `upload_pending`
    /// does this first by itself; this call reports it.
    pub fn relay_bundles(
        &self,
        server_url: String,
        token: Option<String>,
    ) -> ApiResult<RelaySummary> {
        let agent = client::agent(Duration::from_secs(15), Duration::from_secs(60));
        let server = self.server(server_url, token);
        let report = sync::relay::relay(&self.store, &agent, &server, now_ms())?;
        Ok(RelaySummary {
            relayed: report.relayed,
            dropped: report.dropped,
            refused: report.refused,
            supported: !report.unsupported,
        })
    }

    /// "Send now": makes every interview waiting for a retry or a person due at once, for
    /// the next `upload_pending`. Returns how many.
    pub fn send_now(&self) -> ApiResult<u32> {
        Ok(self.store.write(outbox::retry_all_now)? as u32)
    }

    /// Every interview in the outbox, oldest first.
    pub fn outbox_status(&self) -> ApiResult<Vec<OutboxEntry>> {
        let items = self.store.read(outbox::items)?;
        Ok(items
            .into_iter()
            .map(|item| OutboxEntry {
                interview_id: item.interview_id,
                instance_id: item.instance_id,
                deprecated_id: item.deprecated_id,
                state: from_outbox(item.state),
                attempts: item.attempts,
                next_attempt_at: item.next_attempt_at,
                reason: item.reason,
            })
            .collect())
    }
}

fn from_outbox(state: OutboxState) -> UploadState {
    match state {
        OutboxState::Queued => UploadState::Queued,
        OutboxState::Sending => UploadState::Sending,
        OutboxState::Sent => UploadState::Sent,
        OutboxState::RetryLater => UploadState::RetryLater,
        OutboxState::NeedsPerson => UploadState::NeedsPerson,
    }
}

/// An outbox state as stored (`queued`, `retry_later`, …).
pub(super) fn upload_state(stored: &str) -> ApiResult<UploadState> {
    Ok(from_outbox(OutboxState::parse(stored)?))
}
