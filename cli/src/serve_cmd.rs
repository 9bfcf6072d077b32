//! `verivali serve` (the reference receiver) and `verivali upload` (send what is waiting).

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use verivali_cli::serve::{self, Receiver};
use verivali_core::api::UploadState;

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Args)]
pub struct ServeArgs {
    #[command(subcommand)]
    action: Option<ServeAction>,
    /// Port yang didengar / Port to listen on
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Alamat yang didengar / Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
}

#[derive(Subcommand)]
enum ServeAction {
    /// Formulir yang diterima server / Forms the server accepts
    #[command(subcommand)]
    Form(FormAction),
    /// Token perangkat / Device tokens
    #[command(subcommand)]
    Token(TokenAction),
}

#[derive(Subcommand)]
enum FormAction {
    /// Terbitkan formulir (CSV eksternal dari foldernya) / Publish a form (external CSVs from its folder)
    Add { form: PathBuf },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Buat token untuk satu perangkat; token dicetak sebagai kata terakhir / Create a device token; printed as the last word
    Add {
        /// Nama pencacah / Enumerator's name
        #[arg(long)]
        enumerator: String,
        /// Kode desa (atau awalan kode) wilayah tugas / Desa codes (or code prefixes) of the area
        #[arg(long = "area", num_args = 1.., required = true)]
        areas: Vec<String>,
    },
}

pub fn serve(store: &StoreArgs, args: ServeArgs) -> Result<ExitCode, CliError> {
    let dir = &store.data_dir;
    let usage = |e: serve::ServeError| CliError::Usage(e.to_string());
    match args.action {
        Some(ServeAction::Form(FormAction::Add { form })) => {
            let (id, version) = serve::publish_form(dir, &form).map_err(usage)?;
            println!("Formulir diterbitkan / Form published: {id} (versi/version {version})");
        }
        Some(ServeAction::Token(TokenAction::Add { enumerator, areas })) => {
            let token = serve::add_token(dir, &enumerator, &areas).map_err(usage)?;
            println!("Token untuk / Token for {enumerator}: {token}");
        }
        None => {
            let receiver = Receiver::start(dir, &args.bind, args.port).map_err(usage)?;
            eprintln!(
                "Penerima OpenRosa di / OpenRosa receiver at {0}  (status: {0}/status; Ctrl-C berhenti / stops)",
                receiver.url
            );
            receiver.wait();
        }
    }
    Ok(ExitCode::SUCCESS)
}

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
    /// Cetak hasil sebagai JSON / Print the result as JSON
    #[arg(long)]
    json: bool,
}

/// A terminal progress bar over the interviews waiting.
pub(crate) struct UploadBar(pub(crate) indicatif::ProgressBar);

impl verivali_core::api::UploadProgressListener for UploadBar {
    fn on_progress(&self, progress: verivali_core::api::UploadSummary) {
        self.0.set_position(u64::from(
            progress.acknowledged + progress.retry_later + progress.needs_person,
        ));
        self.0.set_message(format!("{} B", progress.bytes_sent));
    }
}

pub fn upload(store: &StoreArgs, args: UploadArgs) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
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
    let listener = std::sync::Arc::new(UploadBar(bar.clone()));
    let report = verivali.upload_pending(
        args.server,
        args.token,
        args.seconds * 1000,
        Some(listener),
        None,
    )?;
    bar.finish_and_clear();
    let outbox = verivali.outbox_status()?;
    if args.json {
        let entries: Vec<_> = outbox
            .iter()
            .map(|e| {
                serde_json::json!({
                    "interview": e.interview_id,
                    "state": format!("{:?}", e.state).to_lowercase(),
                    "attempts": e.attempts,
                    "next_attempt_at": e.next_attempt_at,
                    "reason": e.reason,
                })
            })
            .collect();
        let report = serde_json::json!({
            "acknowledged": report.acknowledged,
            "retry_later": report.retry_later,
            "needs_person": report.needs_person,
            "bytes_sent": report.bytes_sent,
            "outbox": entries,
        });
        println!("{report}");
        return Ok(exit_for(report["needs_person"].as_u64().unwrap_or(0)));
    }
    println!(
        "Terkirim / Acknowledged: {}, dicoba lagi nanti / retry later: {}, perlu tindakan / needs a person: {} ({} byte)",
        report.acknowledged, report.retry_later, report.needs_person, report.bytes_sent
    );
    for entry in outbox {
        if let Some(reason) = entry.reason {
            println!("  {}: {reason}", entry.interview_id);
        }
    }
    Ok(exit_for(u64::from(report.needs_person)))
}

fn exit_for(needs_person: u64) -> ExitCode {
    if needs_person > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS }
}

/// Prints each form as sync reaches it.
struct SyncLines;

impl verivali_core::api::SyncProgressListener for SyncLines {
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
    /// Cetak hasil sebagai JSON / Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn sync(store: &StoreArgs, args: SyncArgs) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    let listener: Option<std::sync::Arc<dyn verivali_core::api::SyncProgressListener>> =
        if args.json { None } else { Some(std::sync::Arc::new(SyncLines)) };
    let report = verivali.sync_down(args.server, args.token, listener)?;
    if args.json {
        let out = serde_json::json!({
            "installed": report.installed,
            "up_to_date": report.up_to_date,
            "failed": report.failed,
        });
        println!("{out}");
        return Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) });
    }
    for form in &report.installed {
        println!("Dipasang / Installed: {form}");
    }
    println!("Sudah terbaru / Up to date: {}", report.up_to_date);
    for failure in &report.failed {
        println!("Gagal / Failed: {failure}");
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}
