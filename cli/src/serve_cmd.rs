//! `verivali serve`: the office receiver, its forms, prelist, device tokens and people.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use verivali_cli::serve::{self, Quotas, Receiver, Role, ServeOptions, TlsFiles, TokenRights};

use verivali_cli::key::{self, KeyOrigin};

use crate::{CliError, StoreArgs};

#[derive(Args)]
#[command(after_help = "Contoh / Example:\n  \
    verivali --data /srv/verivali --key-file /etc/verivali/key serve form add form.xml\n  \
    verivali --data /srv/verivali --key-file /etc/verivali/key serve prelist add prelist.jsonl\n  \
    verivali --data /srv/verivali --key-file /etc/verivali/key serve token add --enumerator \"Ani\" --area 52.71.01\n  \
    verivali --data /srv/verivali --key-file /etc/verivali/key serve user add operator1 --role operator\n  \
    verivali --data /srv/verivali --key-file /etc/verivali/key serve --bind 0.0.0.0 --port 8443 \\\n      \
    --tls-cert cert.pem --tls-key key.pem --public-url https://dinsos.example.go.id:8443\n\n\
    README: \"Running the receiver for an office\".")]
pub struct ServeArgs {
    #[command(subcommand)]
    action: Option<ServeAction>,
    /// Port yang didengar / Port to listen on
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Alamat yang didengar / Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Alamat publik yang dipakai perangkat (mis. https://dinsos.example.go.id/verivali) untuk
    /// tautan unduhan / The public address devices use, for download links
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Sertifikat TLS (PEM, rantai lengkap) untuk HTTPS / TLS certificate chain (PEM) for HTTPS
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Kunci privat TLS (PEM) / TLS private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Kiriman per perangkat per 24 jam / Submissions per device per 24 hours
    #[arg(long, value_name = "N", default_value_t = Quotas::default().submissions_per_day)]
    quota_submissions: u32,
    /// MB per perangkat per 24 jam / MB per device per 24 hours
    #[arg(long, value_name = "MB", default_value_t = Quotas::default().bytes_per_day >> 20)]
    quota_mb: u64,
    /// Di belakang reverse proxy di mesin ini: alamat klien dibaca dari X-Forwarded-For / Behind a reverse proxy on this machine: client addresses come from X-Forwarded-For
    #[arg(long)]
    behind_proxy: bool,
    /// Tolak data baru bila ruang disk kosong di bawah ini / Refuse new data below this free disk space
    #[arg(long, value_name = "MB", default_value_t = Quotas::default().min_free_disk_bytes >> 20)]
    min_free_disk_mb: u64,
}

#[derive(Subcommand)]
enum ServeAction {
    /// Formulir yang diterima server / Forms the server accepts
    #[command(subcommand)]
    Form(FormAction),
    /// Prelist rumah tangga; tiap perangkat mengunduh wilayahnya saat sinkron / The household prelist; each device downloads its own area when it syncs
    #[command(subcommand)]
    Prelist(PrelistAction),
    /// Token perangkat / Device tokens
    #[command(subcommand)]
    Token(TokenAction),
    /// Akun orang (operator, pengawas, viewer) untuk halaman server / People's accounts for the server's pages
    #[command(subcommand)]
    User(UserAction),
    /// Pemeriksaan pengawas: antrean, tampilkan, setujui, kembalikan / The pengawas review: queue, show, approve, return
    #[command(subcommand)]
    Review(crate::review_cmd::ReviewAction),
    /// Bundel luring dari ponsel tim / Offline bundles from the team's phones
    #[command(subcommand)]
    Bundle(BundleAction),
    /// Cek ulang pengawas: laporan perbedaan per rumah tangga dan per pencacah / The pengawas's back-checks: the discrepancy report per household and per enumerator
    #[command(subcommand)]
    Backcheck(BackcheckAction),
    /// Laporan kantor: kemajuan, rekap pengesahan, ekspor SIKS-NG / The office's reports: progress, the ratification recap, exports for SIKS-NG
    #[command(subcommand)]
    Report(crate::report_cmd::ReportAction),
    /// Salin basis data (terenkripsi, kunci sama) saat server berjalan / Copy the database (encrypted, same key) while the server runs
    Backup {
        /// Berkas tujuan, belum ada / The copy's file, not existing yet
        target: PathBuf,
    },
}

#[derive(Subcommand)]
enum BackcheckAction {
    /// Laporan: bagian pertanyaan yang berbeda, jawaban berdampingan / The report: the share of questions that differ, answers side by side
    Report {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BundleAction {
    /// Impor satu bundel: utuh atau tidak sama sekali, tiap wawancara sekali / Import one bundle: whole or not at all, each interview once
    Import {
        file: PathBuf,
        /// Frasa sandi bundel; tanpa ini: VERIVALI_BUNDLE_PASSPHRASE / The bundle's passphrase; else VERIVALI_BUNDLE_PASSPHRASE
        #[arg(long, value_name = "TEXT")]
        passphrase: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum FormAction {
    /// Terbitkan formulir (CSV eksternal dari foldernya) / Publish a form (external CSVs from its folder)
    Add { form: PathBuf },
}

#[derive(Subcommand)]
enum PrelistAction {
    /// Tambah atau ganti rumah tangga dari JSONL, atau CSV rumah tangga dengan --members / Add or replace households from JSON Lines, or a households CSV with --members
    Add {
        file: PathBuf,
        /// CSV anggota rumah tangga / The members CSV
        #[arg(long, value_name = "FILE")]
        members: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Buat token untuk satu perangkat; token dicetak sebagai kata terakhir / Create a device token; printed as the last word
    Add {
        /// Nama pencacah / Enumerator's name
        #[arg(long)]
        enumerator: String,
        /// Kode wilayah tugas: desa, kecamatan, kabupaten atau provinsi (mis. 52.71.01) / Area codes: desa, kecamatan, kabupaten or province (e.g. 52.71.01)
        #[arg(long = "area", num_args = 1.., required = true)]
        areas: Vec<String>,
        /// Izinkan formulir tanpa tanda rumah tangga/desa dan kiriman terenkripsi (wilayahnya tidak diperiksa) / Allow forms without household/desa tags and encrypted submissions (their area is not checked)
        #[arg(long)]
        allow_untagged_forms: bool,
        /// Ponsel pengawas: keputusannya di luar jaringan (dalam bundel) dicatat sebagai keputusan pengawas / A pengawas's phone: its offline decisions (in bundles) are recorded as the pengawas's
        #[arg(long)]
        pengawas: bool,
        /// Alamat server seperti dilihat ponsel: cetak juga baris pengaturan (isi kode QR) / The server's address as phones see it: also print the setup line (the QR code's content)
        #[arg(long, value_name = "URL")]
        setup_line_for: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Tambah orang; kata sandi ditanyakan (atau dibaca dari --password-file / stdin) / Add a person; the password is asked for (or read from --password-file / stdin)
    Add {
        /// Nama pengguna / User name
        name: String,
        #[arg(long, value_parser = ["operator", "pengawas", "viewer"])]
        role: String,
        /// Berkas berisi kata sandi (baris pertama) / A file holding the password (first line)
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
}

/// The receiver's key, as `serve` resolves it (a key file, `VERIVALI_KEY`, or the trial key
/// with a warning): the database is encrypted with the same kind of key as a device's store.
pub fn receiver_key(store: &StoreArgs) -> Result<Vec<u8>, CliError> {
    let env_key = std::env::var("VERIVALI_KEY").ok();
    let (key, origin) = key::resolve(
        store.key_file.as_deref(),
        env_key.as_deref(),
        store.insecure_dev_key,
        &store.data_dir,
    )?;
    if origin == KeyOrigin::InsecureDevKey {
        eprintln!(
            "PERINGATAN: kunci uji coba yang diketahui umum dipakai; jangan simpan data sungguhan.\n\
             WARNING: using the publicly known trial key; do not store real data."
        );
    }
    Ok(key.to_vec())
}

pub fn serve(store: &StoreArgs, args: ServeArgs) -> Result<ExitCode, CliError> {
    let dir = &store.data_dir;
    let usage = |e: serve::ServeError| CliError::Usage(e.to_string());
    let key = receiver_key(store)?;
    match args.action {
        Some(ServeAction::Form(FormAction::Add { form })) => {
            let (id, version) = serve::publish_form(dir, &key, &form).map_err(usage)?;
            println!("Formulir diterbitkan / Form published: {id} (versi/version {version})");
        }
        Some(ServeAction::Prelist(PrelistAction::Add { file, members })) => {
            let added = serve::add_prelist(dir, &key, &file, members.as_deref()).map_err(usage)?;
            println!(
                "Prelist: {} rumah tangga baru / new households, {} diganti / replaced",
                added.added, added.replaced
            );
        }
        Some(ServeAction::Token(TokenAction::Add {
            enumerator,
            areas,
            allow_untagged_forms,
            pengawas,
            setup_line_for,
        })) => {
            let rights = TokenRights { areas, allow_untagged_forms, pengawas };
            let token = serve::add_token_with(dir, &key, &enumerator, &rights).map_err(usage)?;
            if let Some(server) = setup_line_for {
                let line = setup_line(&server, &token, &enumerator, &rights);
                println!("Baris pengaturan / Setup line: {line}");
            }
            println!("Token untuk / Token for {enumerator}: {token}");
        }
        Some(ServeAction::User(UserAction::Add { name, role, password_file })) => {
            let role = Role::parse(&role).expect("clap allows only the three roles");
            let password = read_password(password_file.as_ref())?;
            serve::add_user(dir, &key, &name, role, &password).map_err(usage)?;
            println!("Pengguna ditambahkan / User added: {name} ({})", role.as_str());
        }
        Some(ServeAction::Review(action)) => crate::review_cmd::review(dir, &key, action)?,
        Some(ServeAction::Bundle(BundleAction::Import { file, passphrase, json })) => {
            let passphrase = crate::bundle_cmd::passphrase_of(passphrase)?;
            let by = crate::review_cmd::actor_name(None);
            let imported =
                serve::bundles::import_file(dir, &key, &file, &passphrase, &by).map_err(usage)?;
            if json {
                println!("{}", serde_json::to_string(&imported).unwrap_or_default());
            } else {
                println!(
                    "Diimpor / Imported: {} wawancara/interviews dari/from {} ({} baru/new, {} sudah ada/already here)",
                    imported.submissions, imported.enumerator, imported.new, imported.duplicates
                );
            }
        }
        Some(ServeAction::Backcheck(BackcheckAction::Report { json })) => {
            let report = serve::review::backcheck::report_in(dir, &key).map_err(usage)?;
            crate::review_cmd::print_backchecks(&report, json);
        }
        Some(ServeAction::Report(action)) => return crate::report_cmd::run(dir, &key, action),
        Some(ServeAction::Backup { target }) => {
            let bytes = serve::store::backup(dir, &key, &target).map_err(usage)?;
            println!(
                "Cadangan / Backup: {} ({:.1} MB; kunci sama / same key)",
                target.display(),
                bytes as f64 / 1_048_576.0
            );
        }
        None => run(dir, &key, args)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run(dir: &std::path::Path, key: &[u8], args: ServeArgs) -> Result<(), CliError> {
    let options = ServeOptions {
        bind: args.bind,
        port: args.port,
        public_url: args.public_url,
        tls: args.tls_cert.zip(args.tls_key).map(|(cert, key)| TlsFiles { cert, key }),
        quotas: Quotas {
            submissions_per_day: args.quota_submissions,
            bytes_per_day: args.quota_mb << 20,
            min_free_disk_bytes: args.min_free_disk_mb << 20,
        },
        behind_proxy: args.behind_proxy,
        stop_on_signals: true,
    };
    let receiver =
        Receiver::start_with(dir, key, options).map_err(|e| CliError::Usage(e.to_string()))?;
    eprintln!(
        "Penerima OpenRosa di / OpenRosa receiver at {0}  (halaman / pages: {0}/login; Ctrl-C berhenti / stops)",
        receiver.url
    );
    receiver.wait();
    eprintln!("Penerima berhenti / Receiver stopped");
    Ok(())
}

/// The password from `file` (first line), from standard input when it is not a terminal, or
/// asked for twice on the terminal.
fn read_password(file: Option<&PathBuf>) -> Result<String, CliError> {
    let first_line = |text: String| text.lines().next().unwrap_or("").to_owned();
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
        return Ok(first_line(text));
    }
    if !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        return Ok(first_line(text));
    }
    inquire::Password::new("Kata sandi / Password:")
        .with_custom_confirmation_message("Ulangi / Repeat:")
        .prompt()
        .map_err(|e| CliError::Usage(e.to_string()))
}

/// The line a phone's setup screen reads (pasted, or from a QR code):
/// `verivali://setup?server=…&token=…&enumerator=…&area=…[&role=pengawas]`.
fn setup_line(server: &str, token: &str, enumerator: &str, rights: &TokenRights) -> String {
    let mut line = format!(
        "verivali://setup?server={}&token={}&enumerator={}&area={}",
        query_value(server.trim_end_matches('/')),
        query_value(token),
        query_value(enumerator),
        query_value(&rights.areas.join(","))
    );
    if rights.pengawas {
        line.push_str("&role=pengawas");
    }
    line
}

/// A query value percent-encoded (spaces as `%20`, which the phone's decoder reads as well).
fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:/,".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod setup_line_tests {
    use super::*;

    #[test]
    fn a_pengawas_setup_line_names_the_role_and_encodes_names() {
        let rights = TokenRights {
            areas: vec!["52.71".into(), "52.72".into()],
            pengawas: true,
            ..Default::default()
        };
        assert_eq!(
            setup_line("https://dinsos.example.go.id/verivali/", "t0k&n", "Siti Aminah", &rights),
            "verivali://setup?server=https://dinsos.example.go.id/verivali&token=t0k%26n&enumerator=Siti%20Aminah&area=52.71,52.72&role=pengawas"
        );
        let enumerator = TokenRights { pengawas: false, ..rights };
        assert!(!setup_line("https://x", "t", "Ani", &enumerator).contains("role"));
    }
}
