//! `verivali bundle`: offline bundles from the terminal (issue 18, ADR 0023): write the
//! interviews waiting for a server (and a pengawas's decisions) into one signed, encrypted
//! file, check such a file (every part, nothing beside the manifest, the signature), import one
//! from a trusted key, manage the trusted keys, and hand carried bundles to the server.

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
    /// Impor bundel dari ponsel tim (utuh atau tidak sama sekali) / Import a bundle from a team member's phone (whole or not at all)
    ///
    /// On a pengawas's phone the team's interviews are kept for review; on an enumerator's
    /// phone the pengawas's returns reopen the interviews. Only bundles signed by a trusted key
    /// (verivali bundle trust) are imported; importing one again changes nothing.
    Import {
        file: PathBuf,
        #[arg(long, value_name = "TEXT")]
        passphrase: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Percayai bundel dari kunci ponsel lain / Trust bundles signed by another phone's key
    Trust {
        /// Kunci publik (64 digit heksadesimal, dari `verivali bundle key` di ponsel itu) / The public key (64 hex digits, from `verivali bundle key` on that phone)
        key: String,
        /// Nama yang dikenali (mis. "Ayu", "Siti (pengawas)") / A name people recognise
        #[arg(long)]
        name: String,
        /// Kunci pengawas tim: pengembaliannya membuka kembali wawancara di ponsel ini / The team's pengawas's key: its returns reopen this phone's interviews
        #[arg(long)]
        pengawas: bool,
    },
    /// Kunci yang dipercaya / The trusted keys
    Trusted {
        #[arg(long)]
        json: bool,
    },
    /// Serahkan bundel yang dibawa ke server (juga dilakukan `verivali upload`) / Hand carried bundles to the server (`verivali upload` does this too)
    Relay {
        #[arg(long)]
        server: String,
        #[arg(long, env = "VERIVALI_TOKEN")]
        token: Option<String>,
        #[arg(long)]
        json: bool,
    },
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
        BundleCommand::Import { file, passphrase, json } => {
            let passphrase = passphrase_of(passphrase)?;
            let done = verivali.import_bundle(file.display().to_string(), passphrase)?;
            if json {
                println!(
                    "{}",
                    json!({"submissions": done.submissions, "new": done.new,
                           "reopened": done.reopened, "decisions_skipped": done.decisions_skipped,
                           "signer_device": done.signer_device, "signer_label": done.signer_label})
                );
            } else {
                println!(
                    "Dari / From {}: {} wawancara/interviews ({} baru/new), {} dibuka kembali untuk koreksi / reopened for correction",
                    done.signer_label,
                    done.submissions,
                    done.new,
                    done.reopened.len()
                );
                for id in &done.reopened {
                    println!("  dikembalikan pengawas / returned by the pengawas: {id}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Trust { key, name, pengawas } => {
            verivali.trust_signing_key(key, name.clone(), pengawas)?;
            println!("Dipercaya / Trusted: {name}");
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Trusted { json } => {
            let keys = verivali.trusted_signing_keys()?;
            if json {
                let rows: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({"public_key": k.public_key, "label": k.label,
                               "pengawas": k.pengawas, "added_at": k.added_at})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for key in keys {
                    println!("{}  {}", key.public_key, key.label);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Relay { server, token, json } => {
            let relayed = verivali.relay_bundles(server, token)?;
            if json {
                println!(
                    "{}",
                    json!({"relayed": relayed.relayed, "dropped": relayed.dropped,
                           "refused": relayed.refused, "supported": relayed.supported})
                );
            } else {
                print_relayed(&relayed);
            }
            Ok(if relayed.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
    }
}

/// What handing carried bundles to the server did, in words.
pub(crate) fn print_relayed(relayed: &verivali_core::api::RelaySummary) {
    if !relayed.supported {
        println!("Server ini tidak menerima bundel / This server takes no bundles");
    }
    if relayed.relayed > 0 || relayed.dropped > 0 {
        println!(
            "Bundel diserahkan / Bundles handed over: {} (tidak diperlukan lagi / no longer needed: {})",
            relayed.relayed, relayed.dropped
        );
    }
    for reason in &relayed.refused {
        println!("  ditolak server / refused by the server: {reason}");
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
