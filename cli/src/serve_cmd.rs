//! `verivali serve`: the reference receiver, its forms and its device tokens.

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use verivali_cli::serve::{self, Receiver};

use verivali_cli::key::{self, KeyOrigin};

use crate::{CliError, StoreArgs};

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
    /// Alamat publik yang dipakai perangkat (mis. https://dinsos.example.go.id/verivali) untuk
    /// tautan unduhan / The public address devices use, for download links
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
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
    // The receiver's database is encrypted with the same kind of key as a device's store.
    let env_key = std::env::var("VERIVALI_KEY").ok();
    let (key, origin) =
        key::resolve(store.key_file.as_deref(), env_key.as_deref(), store.insecure_dev_key, dir)?;
    if origin == KeyOrigin::InsecureDevKey {
        eprintln!(
            "PERINGATAN: kunci uji coba yang diketahui umum dipakai; jangan simpan data sungguhan.\n\
             WARNING: using the publicly known trial key; do not store real data."
        );
    }
    match args.action {
        Some(ServeAction::Form(FormAction::Add { form })) => {
            let (id, version) = serve::publish_form(dir, &key, &form).map_err(usage)?;
            println!("Formulir diterbitkan / Form published: {id} (versi/version {version})");
        }
        Some(ServeAction::Token(TokenAction::Add { enumerator, areas })) => {
            let token = serve::add_token(dir, &key, &enumerator, &areas).map_err(usage)?;
            println!("Token untuk / Token for {enumerator}: {token}");
        }
        None => {
            let receiver = Receiver::start_public(
                dir,
                &key,
                &args.bind,
                args.port,
                args.public_url.as_deref(),
            )
            .map_err(usage)?;
            eprintln!(
                "Penerima OpenRosa di / OpenRosa receiver at {0}  (status: {0}/status; Ctrl-C berhenti / stops)",
                receiver.url
            );
            receiver.wait();
        }
    }
    Ok(ExitCode::SUCCESS)
}
