//! `verivali bundle`: offline bundles from the terminal (issue 18, ADR 0023): write the
//! interviews waiting for a server into one signed, encrypted file, and check such a file
//! (every part, nothing beside the manifest, the signature) before anyone trusts it.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode};

use clap::Subcommand;
use serde_json::json;

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Subcommand)]
pub enum BundleCommand {
    /// Tulis wawancara yang menunggu ke satu bundel bertanda tangan / Write the waiting interviews into one signed bundle
    Export {
        /// Folder tujuan / Where to write it
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Frasa sandi bundel (≥ 8 karakter); tanpa ini: VERIVALI_BUNDLE_PASSPHRASE / The bundle's passphrase (8+ characters); else VERIVALI_BUNDLE_PASSPHRASE
        #[arg(long, value_name = "TEXT")]
        passphrase: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Periksa bundel: tiap bagian, tak ada yang disisipkan, tanda tangan / Check a bundle: every part, nothing slipped in, the signature
    Verify {
        file: PathBuf,
        #[arg(long, value_name = "TEXT")]
        passphrase: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Kunci publik perangkat ini untuk tanda tangan bundel / This device's public key for bundle signatures
    Key,
}

pub fn run(store: &StoreArgs, command: BundleCommand) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    match command {
        BundleCommand::Export { out, passphrase, json } => {
            let passphrase = passphrase_of(passphrase)?;
            let info = verivali.export_bundle(out.display().to_string(), passphrase)?;
            if json {
                println!(
                    "{}",
                    json!({"path": info.path, "submissions": info.submissions,
                           "attachments": info.attachments, "bytes": info.bytes})
                );
            } else {
                println!(
                    "Bundel / Bundle: {} ({} wawancara/interviews, {} lampiran/attachments, {} KB)",
                    info.path,
                    info.submissions,
                    info.attachments,
                    info.bytes / 1024
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Verify { file, passphrase, json } => {
            let passphrase = passphrase_of(passphrase)?;
            let check = verivali.verify_bundle(file.display().to_string(), passphrase)?;
            if json {
                println!(
                    "{}",
                    json!({"sound": check.sound, "submissions": check.submissions,
                           "attachments": check.attachments, "damaged": check.damaged,
                           "problems": check.problems, "signer_key": check.signer_key,
                           "signer_device": check.signer_device})
                );
            } else if check.sound {
                println!(
                    "Utuh / Sound: {} wawancara/interviews, {} lampiran/attachments; \
                     ditandatangani / signed by {} ({})",
                    check.submissions,
                    check.attachments,
                    check.signer_device.as_deref().unwrap_or("-"),
                    check.signer_key.as_deref().unwrap_or("-")
                );
            } else {
                println!("TIDAK UTUH / NOT SOUND: {}", file.display());
                for part in &check.damaged {
                    println!("  rusak / damaged: {part}");
                }
                for problem in &check.problems {
                    println!("  {problem}");
                }
            }
            Ok(if check.sound { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        BundleCommand::Key => {
            println!("{}", verivali.signing_public_key()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The passphrase from the option, the environment, or the terminal.
pub(crate) fn passphrase_of(given: Option<String>) -> Result<String, CliError> {
    if let Some(passphrase) = given.or_else(|| std::env::var("VERIVALI_BUNDLE_PASSPHRASE").ok()) {
        return Ok(passphrase);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "Beri --passphrase atau VERIVALI_BUNDLE_PASSPHRASE / Give --passphrase or VERIVALI_BUNDLE_PASSPHRASE"
                .into(),
        ));
    }
    inquire::Password::new("Frasa sandi bundel / Bundle passphrase:")
        .without_confirmation()
        .prompt()
        .map_err(|e| CliError::Usage(e.to_string()))
}
