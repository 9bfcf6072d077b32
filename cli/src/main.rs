//! `verivali`: the desktop front end of the Verivali core, for operators, trainers and
//! developers. It calls the same API as the Android shell.

mod bundle_cmd;
mod closed_pipe;
mod demo;
mod exchange_cmd;
mod form_cmd;
mod interview_cmd;
mod interview_tui;
mod media_cmd;
mod prelist_cmd;
mod report_cmd;
mod review_cmd;
mod serve_cmd;
mod team_cmd;
mod visits_cmd;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use verivali_cli::{fixtures, key};

/// Verivali: verifikasi dan validasi DTKS di lapangan, luring. / DTKS field verification, offline.
#[derive(Parser)]
#[command(name = "verivali", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the store is and how to unlock it.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// Folder basis data / Data folder
    #[arg(long = "data", global = true, value_name = "DIR", default_value = "verivali-data")]
    pub data_dir: PathBuf,
    /// Berkas berisi kunci (64 digit heksa) atau frasa sandi / File holding the key (64 hex digits) or a passphrase
    #[arg(long, global = true, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Pakai kunci uji coba yang diketahui umum (TIDAK AMAN) / Use a publicly known trial key (INSECURE)
    #[arg(long, global = true)]
    pub insecure_dev_key: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Demo satu hari lapangan penuh, tanpa argumen / A whole field day, no arguments needed
    ///
    /// Starts a receiver on a loopback port, provisions a device with the DTKS form and the
    /// sample prelist, runs scripted visits (all five statuses, a new household, a warning with a
    /// reason, an error fixed), uploads while offline and online, and prints a summary. Leaves
    /// everything in --dir.
    Demo(demo::DemoArgs),
    /// Prelist: impor dan cari rumah tangga / import and search households
    #[command(subcommand)]
    Prelist(prelist_cmd::PrelistCommand),
    /// Formulir: periksa, hitung XPath, jalankan skenario / Forms: check, evaluate XPath, replay scenarios
    #[command(subcommand)]
    Form(form_cmd::FormCommand),
    /// Wawancara interaktif di terminal, atau putar ulang dari berkas / An interactive interview, or a replay from a file
    ///
    /// Without a subcommand: find a household (name, NIK, ID DTKS) or start a new one, answer
    /// screen by screen, see errors and warnings inline, go back, jump to sections, add and
    /// remove members, switch the form's language, and finalize. Esc opens the menu; every
    /// answer is saved at once.
    Interview(interview_cmd::InterviewArgs),
    /// Foto: proses seperti di ponsel / Photos: process as the phone does
    #[command(subcommand)]
    Media(media_cmd::MediaCommand),
    /// Penerima OpenRosa rujukan (data di --data) / The reference OpenRosa receiver (data in --data)
    Serve(serve_cmd::ServeArgs),
    /// Kirim wawancara final yang menunggu / Send finalized interviews that are waiting
    Upload(exchange_cmd::UploadArgs),
    /// Kotak keluar: status tiap wawancara final, percobaan, alasan / The outbox: each
    /// finalized interview's upload state, attempts, next attempt and reason
    Outbox(exchange_cmd::OutboxArgs),
    /// Unduh formulir baru dari server / Download new forms from the server
    Sync(exchange_cmd::SyncArgs),
    /// Bundel luring bertanda tangan: tulis, periksa, kunci perangkat / Signed offline bundles: write, check, the device's key
    #[command(subcommand)]
    Bundle(bundle_cmd::BundleCommand),
    /// Ponsel pengawas: wawancara tim dari bundel, sampel, setujui atau kembalikan / A pengawas's phone: the team's interviews from bundles, the sample, approve or return
    #[command(subcommand)]
    Team(team_cmd::TeamCommand),
    /// Kunjungan di perangkat ini dan statusnya; yang dikembalikan pengawas dengan komentarnya / Visits on this device with their states; those a pengawas returned with the comments
    Visits(visits_cmd::VisitsArgs),
    /// Data sintetis untuk uji dan pelatihan / Synthetic data for tests and training
    #[command(subcommand)]
    Fixtures(FixturesCommand),
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Tulis prelist sintetis JSON Lines / Write a synthetic JSON Lines prelist
    ///
    /// Real Kemendagri region codes, NIKs valid for each birth date and sex, and a few planted
    /// defects (duplicate NIK, deceased pengurus, "Almh." in a mother's name), listed on stderr.
    Prelist {
        /// Jumlah rumah tangga / Number of households
        #[arg(long, default_value_t = 200)]
        households: u64,
        /// Benih acak; benih sama, hasil sama / Random seed; same seed, same output
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Berkas keluaran (bawaan: stdout) / Output file (default: stdout)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Tulis data penerima setelah satu periode lapangan ke --data / Write a receiver's data after a field period into --data
    ///
    /// A synthetic kabupaten: the DTKS form, a synthetic prelist, enumerators' tokens, and
    /// interviews across desa and statuses stored through the same checks as uploads, with
    /// corrections and pengawas decisions (about 80 % approved). For the office's reports.
    FieldDay {
        /// Jumlah rumah tangga prelist / Prelist households
        #[arg(long, default_value_t = 2_000)]
        households: u64,
        /// Benih acak / Random seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    closed_pipe::install();
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Prelist(command) => prelist_cmd::run(&cli.store, command),
        Command::Form(command) => form_cmd::run(command),
        Command::Interview(command) => interview_cmd::run(&cli.store, command),
        Command::Media(command) => media_cmd::run(command),
        Command::Serve(args) => serve_cmd::serve(&cli.store, args),
        Command::Upload(args) => exchange_cmd::upload(&cli.store, args),
        Command::Outbox(args) => exchange_cmd::outbox(&cli.store, args),
        Command::Sync(args) => exchange_cmd::sync(&cli.store, args),
        Command::Bundle(command) => bundle_cmd::run(&cli.store, command),
        Command::Visits(args) => visits_cmd::visits(&cli.store, args),
        Command::Team(command) => team_cmd::run(&cli.store, command),
        Command::Fixtures(FixturesCommand::Prelist { households, seed, out }) => {
            write_fixture(households, seed, out)
        }
        Command::Fixtures(FixturesCommand::FieldDay { households, seed }) => {
            field_day(&cli.store, households, seed)
        }
    };
    match result {
        Ok(code) => code,
        Err(CliError::Output { source, .. }) if closed_pipe::is_closed_pipe(&source) => {
            ExitCode::from(closed_pipe::CLOSED_PIPE_STATUS)
        }
        Err(error) => {
            eprintln!("{error}");
            error.exit_code()
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VERIVALI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

fn field_day(store: &StoreArgs, households: u64, seed: u64) -> Result<ExitCode, CliError> {
    let key = serve_cmd::receiver_key(store)?;
    let bar = indicatif::ProgressBar::new(0);
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let written =
        fixtures::field_day::write(&store.data_dir, &key, households, seed, &mut progress)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    bar.finish_and_clear();
    println!(
        "{dir}: {p} rumah tangga prelist, {i} wawancara ({n} baru, {c} koreksi), {a} disetujui, {r} dikembalikan, {e} pencacah / \
         {p} prelist households, {i} interviews ({n} new households, {c} corrections), {a} approved, {r} returned, {e} enumerators",
        dir = store.data_dir.display(),
        p = written.prelist,
        i = written.interviews,
        n = written.new_households,
        c = written.corrections,
        a = written.approved,
        r = written.returned,
        e = written.enumerators,
    );
    Ok(ExitCode::SUCCESS)
}

fn write_fixture(households: u64, seed: u64, out: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let manifest = match &out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::Output { path: path.clone(), source: e })?;
            let mut writer = std::io::BufWriter::new(file);
            fixtures::generate(households, seed, &mut writer)
                .map_err(|e| CliError::Output { path: path.clone(), source: e })?
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            fixtures::generate(households, seed, &mut writer)
                .map_err(|e| CliError::Output { path: "stdout".into(), source: e })?
        }
    };
    eprintln!(
        "{} rumah tangga, {} anggota, {} cacat sengaja / {} households, {} members, {} planted defects",
        manifest.households,
        manifest.members,
        manifest.defects.len(),
        manifest.households,
        manifest.members,
        manifest.defects.len()
    );
    for defect in &manifest.defects {
        eprintln!("  {defect:?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything that ends a command early.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Key(#[from] key::KeyError),
    #[error("{0}")]
    Core(#[from] verivali_core::api::VerivaliError),
    #[error("Tidak dapat menulis {path}: {source} / Cannot write {path}: {source}")]
    Output { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Key(_) | CliError::Usage(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }
}
