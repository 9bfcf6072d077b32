//! The device's exchange with its server from the terminal: `verivali sync` (forms down),
//! `verivali upload` (finalized interviews up) and `verivali outbox` (what is waiting, and
//! why). Exit codes a script can rely on: 0 all done, 3 something needs a person (a refused
//! token, a closed form, a form that would not install), 1 the exchange failed.

use std::{process::ExitCode, sync::Arc};

use clap::Args;
use verivali_core::api::{
    OutboxEntry, SyncProgressListener, UploadProgressListener, UploadState, UploadSummary,
    VerivaliError,
};

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Args)]
pub struct UploadArgs {
    /// Alamat server OpenRosa / OpenRosa server URL
    #[arg(long)]
    server: String,
    /// Token perangkat / Device token
    #[arg(long, env = "VERIVALI_TOKEN")]
    token: Option<String>,
    /// Batas waktu dalam detik / Time budget in seconds
    #[arg(long, default_value_t = 300)]
    seconds: u64,
    /// Kirim sekarang juga yang menunggu atau perlu tindakan (setelah token atau server
    /// diperbaiki) / Send now what waits for a retry or a person (after fixing the token or
    /// the server)
    #[arg(long)]
    now: bool,
    /// Cetak hasil sebagai JSON / Print the result as JSON
    #[arg(long)]
    json: bool,
}

/// A terminal progress bar over the interviews waiting.
pub(crate) struct UploadBar(pub(crate) indicatif::ProgressBar);

impl UploadProgressListener for UploadBar {
    fn on_progress(&self, progress: UploadSummary) {
        self.0.set_position(u64::from(
            progress.acknowledged + progress.retry_later + progress.needs_person,
        ));
        self.0.set_message(format!("{} B", progress.bytes_sent));
    }
}

pub fn upload(store: &StoreArgs, args: UploadArgs) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    if args.now {
        let due = verivali.send_now()?;
        if !args.json {
            eprintln!("Dijadwalkan sekarang / Due now: {due}");
        }
    }
    let waiting = verivali
        .outbox_status()?
        .iter()
        .filter(|e| matches!(e.state, UploadState::Queued | UploadState::RetryLater))
        .count();
    let bar = if args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(waiting as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} wawancara/interviews {msg}")
            .expect("a valid template"),
    );
    let listener = Arc::new(UploadBar(bar.clone()));
    // Handed-over versions first (the team's bundles, or an own one a correction replaced).
    let relayed = verivali.relay_bundles(args.server.clone(), args.token.clone());
    let report = verivali.upload_pending(
        args.server.clone(),
        args.token.clone(),
        args.seconds * 1000,
        Some(listener),
        None,
    )?;
    bar.finish_and_clear();
    // As the phone's background job does: returns from a pengawas come back with each upload.
    let returned = match verivali.fetch_returns(args.server, args.token) {
        Ok(returns) => returns.reopened,
        Err(error) => {
            eprintln!("Pengembalian tidak dapat diambil / Returns could not be fetched: {error}");
            Vec::new()
        }
    };
    let outbox = verivali.outbox_status()?;
    let still_needs_person =
        outbox.iter().filter(|e| e.state == UploadState::NeedsPerson).count() as u64;
    if args.json {
        let report = serde_json::json!({
            "acknowledged": report.acknowledged,
            "retry_later": report.retry_later,
            "needs_person": report.needs_person,
            "still_needs_person": still_needs_person,
            "bytes_sent": report.bytes_sent,
            "returned": returned,
            "bundles_relayed": relayed.as_ref().map(|r| r.relayed).unwrap_or(0),
            "outbox": outbox.iter().map(entry_json).collect::<Vec<_>>(),
        });
        println!("{report}");
        return Ok(exit_for(still_needs_person));
    }
    println!(
        "Terkirim / Acknowledged: {}, dicoba lagi nanti / retry later: {}, perlu tindakan / needs a person: {} ({} byte)",
        report.acknowledged, report.retry_later, report.needs_person, report.bytes_sent
    );
    match &relayed {
        Ok(relayed) => crate::bundle_cmd::print_relayed(relayed),
        Err(error) => eprintln!("Bundel tidak diserahkan / Bundles not handed over: {error}"),
    }
    if !returned.is_empty() {
        print_returned(&returned);
    }
    for entry in outbox.iter().filter(|e| e.state != UploadState::Sent) {
        if let Some(reason) = &entry.reason {
            println!("  {}: {reason}", entry.interview_id);
        }
    }
    if still_needs_person > 0 {
        println!(
            "{still_needs_person} wawancara perlu tindakan; setelah diperbaiki: verivali upload --now / \
             {still_needs_person} interview(s) need a person; once fixed: verivali upload --now"
        );
    }
    Ok(exit_for(still_needs_person))
}

/// 3 while anything needs a person, whether it happened in this run or before.
fn exit_for(needs_person: u64) -> ExitCode {
    if needs_person > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS }
}

/// The interviews a pengawas returned, as `upload` and `sync` report them.
fn print_returned(returned: &[String]) {
    println!(
        "Dikembalikan pengawas untuk dikoreksi / Returned by the pengawas for correction: {} ({}); \
         lihat / see: verivali visits --returned",
        returned.len(),
        returned.join(", ")
    );
}

/// An upload state as scripts read it.
pub(crate) fn state_name(state: UploadState) -> &'static str {
    match state {
        UploadState::Queued => "queued",
        UploadState::Sending => "sending",
        UploadState::Sent => "sent",
        UploadState::RetryLater => "retry_later",
        UploadState::NeedsPerson => "needs_person",
    }
}

fn entry_json(e: &OutboxEntry) -> serde_json::Value {
    serde_json::json!({
        "interview": e.interview_id,
        "instance_id": e.instance_id,
        "deprecated_id": e.deprecated_id,
        "state": state_name(e.state),
        "attempts": e.attempts,
        "next_attempt_at": e.next_attempt_at,
        "reason": e.reason,
    })
}

#[derive(Args)]
pub struct OutboxArgs {
    /// Cetak sebagai JSON / Print as JSON
    #[arg(long)]
    json: bool,
}

/// `verivali outbox`: every finalized interview with its upload state, attempts, next
/// attempt and reason.
pub fn outbox(store: &StoreArgs, args: OutboxArgs) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    let outbox = verivali.outbox_status()?;
    let needs_person = outbox.iter().filter(|e| e.state == UploadState::NeedsPerson).count();
    if args.json {
        println!("{}", serde_json::Value::Array(outbox.iter().map(entry_json).collect()));
        return Ok(exit_for(needs_person as u64));
    }
    if outbox.is_empty() {
        println!("Kotak keluar kosong / The outbox is empty");
        return Ok(ExitCode::SUCCESS);
    }
    let now = verivali_core::api::now_ms();
    println!(
        "{:<45} {:<13} {:>7}  berikut/next",
        "wawancara/interview", "status/state", "coba/tries"
    );
    for entry in &outbox {
        let next = match entry.next_attempt_at {
            Some(at) if at > now => format!("{} s", (at - now + 999) / 1000),
            Some(_) => "sekarang/now".to_owned(),
            None => "-".to_owned(),
        };
        println!(
            "{:<45} {:<13} {:>7}  {next}",
            entry.interview_id,
            state_name(entry.state),
            entry.attempts
        );
        if let Some(deprecated) = &entry.deprecated_id {
            println!("    koreksi dari / edit of {deprecated} → {}", entry.instance_id);
        }
        if entry.state != UploadState::Sent
            && let Some(reason) = &entry.reason
        {
            println!("    {reason}");
        }
    }
    let count = |state| outbox.iter().filter(|e| e.state == state).count();
    println!(
        "Menunggu / waiting: {}, terkirim / sent: {}, perlu tindakan / needs a person: {needs_person}",
        count(UploadState::Queued) + count(UploadState::RetryLater) + count(UploadState::Sending),
        count(UploadState::Sent),
    );
    Ok(exit_for(needs_person as u64))
}

/// Prints each form as sync reaches it.
struct SyncLines;

impl SyncProgressListener for SyncLines {
    fn on_form(&self, form: String, done: u32, total: u32) {
        eprintln!("  [{done}/{total}] {form}");
    }
}

#[derive(Args)]
pub struct SyncArgs {
    /// Alamat server OpenRosa / OpenRosa server URL
    #[arg(long)]
    server: String,
    /// Token perangkat / Device token
    #[arg(long, env = "VERIVALI_TOKEN")]
    token: Option<String>,
    /// Ukuran terbesar satu berkas formulir, MB / Largest form or media file accepted, MB
    #[arg(long, value_name = "MB", default_value_t = 100)]
    max_file_mb: u32,
    /// Cetak hasil sebagai JSON, juga saat gagal / Print the result as JSON, failures too
    #[arg(long)]
    json: bool,
}

pub fn sync(store: &StoreArgs, args: SyncArgs) -> Result<ExitCode, CliError> {
    let verivali = match prelist_cmd::open(store) {
        Ok(verivali) => verivali,
        Err(error) if args.json => return Ok(json_failure(&error.to_string(), "store", 2)),
        Err(error) => return Err(error),
    };
    let listener: Option<Arc<dyn SyncProgressListener>> =
        if args.json { None } else { Some(Arc::new(SyncLines)) };
    let report = match verivali.sync_down(args.server, args.token, listener, Some(args.max_file_mb))
    {
        Ok(report) => report,
        Err(error) if args.json => {
            let (cause, code) = sync_cause(&error);
            return Ok(json_failure(&error.to_string(), cause, code));
        }
        Err(error) => return Err(error.into()),
    };
    let code = if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) };
    if args.json {
        let out = serde_json::json!({
            "ok": true,
            "installed": report.installed,
            "media_updated": report.media_updated,
            "up_to_date": report.up_to_date,
            "failed": report.failed,
            "prelist_households": report.prelist_households,
            "prelist_rejected": report.prelist_rejected,
            "returned": report.returned,
        });
        println!("{out}");
        return Ok(code);
    }
    for form in &report.installed {
        println!("Dipasang / Installed: {form}");
    }
    for form in &report.media_updated {
        println!("Media diperbarui / Media updated: {form}");
    }
    println!("Sudah terbaru / Up to date: {}", report.up_to_date);
    if report.prelist_households + report.prelist_rejected > 0 {
        println!(
            "Prelist dari server / Prelist from the server: {} rumah tangga / households ({} ditolak / rejected)",
            report.prelist_households, report.prelist_rejected
        );
    }
    if !report.returned.is_empty() {
        print_returned(&report.returned);
    }
    for failure in &report.failed {
        println!("Gagal / Failed: {failure}");
    }
    Ok(code)
}

/// The cause a script branches on, and the exit code: 3 when a person must act (token,
/// address), 1 when the network or server failed.
fn sync_cause(error: &VerivaliError) -> (&'static str, u8) {
    use verivali_core::api::ServerProblem as P;
    match error {
        VerivaliError::Server { problem: P::TokenRefused, .. } => ("token_refused", 3),
        VerivaliError::Server { problem: P::WrongAddress, .. } => ("wrong_address", 3),
        VerivaliError::Server { problem: P::Unreachable, .. } => ("unreachable", 1),
        VerivaliError::Server { problem: P::BadContent, .. } => ("bad_content", 3),
        _ => ("device", 1),
    }
}

fn json_failure(message: &str, cause: &str, code: u8) -> ExitCode {
    println!("{}", serde_json::json!({ "ok": false, "cause": cause, "error": message }));
    ExitCode::from(code)
}
