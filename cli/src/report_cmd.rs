//! `verivali serve report`: the kab/kota office's reports from the receiver's folder (issue 19):
//! the field progress, the ratification recap (printable HTML, XLSX, CSV, JSON) and the
//! registry's exports (households or members, CSV or XLSX, streamed to a file).

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Subcommand;
use verivali_cli::serve::{
    self,
    recap::{self, export, print::Signature},
};

use crate::CliError;

#[derive(Subcommand)]
pub enum ReportAction {
    /// Kemajuan per kecamatan, desa dan pencacah / Progress per kecamatan, desa and enumerator
    Progress {
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// Rekap hasil verivali untuk pengesahan Bupati/Walikota (hanya yang disetujui) / The recap the Bupati/Walikota ratifies (approved interviews only)
    Recap {
        /// html (cetak A4 lanskap / print, A4 landscape) | xlsx | csv | json
        #[arg(long, default_value = "html", value_parser = ["html", "xlsx", "csv", "json"])]
        format: String,
        /// Berkas keluaran (bawaan: stdout; xlsx wajib) / Output file (default stdout; required for xlsx)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Hanya wilayah ini (mis. 52.71) / Only this area (e.g. 52.71)
        #[arg(long, value_name = "CODE")]
        area: Option<String>,
        /// Jabatan penanda tangan (mis. "Bupati Lombok Barat") / The signer's office
        #[arg(long)]
        signer_office: Option<String>,
        /// Nama penanda tangan / The signer's name
        #[arg(long)]
        signer_name: Option<String>,
        /// Tempat penetapan / Where it is ratified
        #[arg(long)]
        place: Option<String>,
    },
    /// Ekspor untuk SIKS-NG: satu baris per rumah tangga atau per ART, perubahan ditandai / Export for SIKS-NG: one row per household or member, changes marked
    Export {
        #[arg(long, default_value = "households", value_parser = ["households", "members"])]
        rows: String,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// Formulir (bawaan: satu-satunya yang punya kiriman) / The form (default: the only one with submissions)
        #[arg(long)]
        form: Option<String>,
        /// Berkas keluaran / Output file
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn run(dir: &Path, key: &[u8], action: ReportAction) -> Result<ExitCode, CliError> {
    let usage = |e: serve::ServeError| CliError::Usage(e.to_string());
    match action {
        ReportAction::Progress { json, csv } => {
            let progress = recap::progress::progress_in(dir, key).map_err(usage)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&progress).unwrap_or_default());
            } else if csv {
                recap::progress::csv(&progress, &mut std::io::stdout().lock())
                    .map_err(|e| output("stdout", e))?;
            } else {
                print_progress(&progress);
            }
        }
        ReportAction::Recap { format, out, area, signer_office, signer_name, place } => {
            let recap = recap::recap_in(dir, key, area.as_deref()).map_err(usage)?;
            let signature = Signature { office: signer_office, name: signer_name, place };
            let bytes = recap_bytes(&recap, &format, &signature)?;
            write_out(out.as_deref(), &bytes, format == "xlsx")?;
            let pending: u64 = recap.kabupaten.iter().map(|k| k.total.pending).sum();
            if pending > 0 {
                eprintln!(
                    "{pending} wawancara belum disetujui, tidak dihitung / {pending} interviews not yet approved, not counted"
                );
            }
        }
        ReportAction::Export { rows, format, form, out } => {
            let rows =
                if rows == "members" { export::Rows::Members } else { export::Rows::Households };
            let format = if format == "xlsx" {
                export::ExportFormat::Xlsx
            } else {
                export::ExportFormat::Csv
            };
            let conn = serve::store::open(dir, key).map_err(usage)?;
            // Written under a temporary name: a failed or interrupted export leaves no file that
            // looks complete.
            let partial = out.with_extension("part");
            let name = out.display().to_string();
            let file = private_file(&partial).map_err(|e| output(&name, e))?;
            let mut writer = std::io::BufWriter::new(file);
            let temp_dir =
                out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let result =
                export::export(&conn, form.as_deref(), rows, format, &mut writer, temp_dir)
                    .map_err(|e| CliError::Usage(e.to_string()))
                    .and_then(|written| {
                        writer.flush().map(|_| written).map_err(|e| output(&name, e))
                    });
            let written = match result {
                Ok(written) => written,
                Err(error) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(error);
                }
            };
            std::fs::rename(&partial, &out).map_err(|e| output(&name, e))?;
            eprintln!("{written} baris / rows → {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn recap_bytes(
    recap: &recap::Recap,
    format: &str,
    signature: &Signature,
) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    match format {
        "json" => bytes = serde_json::to_vec_pretty(recap).unwrap_or_default(),
        "html" => bytes = recap::print::page(recap, signature).into_bytes(),
        "csv" => recap::sheets::csv(recap, &mut bytes).map_err(|e| output("csv", e))?,
        _ => bytes = recap::sheets::xlsx(recap).map_err(|e| CliError::Usage(e.to_string()))?,
    }
    Ok(bytes)
}

/// A file only its owner reads: the recap and the exports name households and people.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn output(what: &str, error: std::io::Error) -> CliError {
    CliError::Output { path: what.into(), source: error }
}

/// Writes to `out`, or to stdout unless the content is binary.
fn write_out(out: Option<&Path>, bytes: &[u8], binary: bool) -> Result<(), CliError> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|e| output(&path.display().to_string(), e))
        }
        None if binary => {
            Err(CliError::Usage("XLSX perlu --out FILE / XLSX needs --out FILE".into()))
        }
        None => std::io::stdout().lock().write_all(bytes).map_err(|e| output("stdout", e)),
    }
}

fn print_progress(progress: &recap::progress::Progress) {
    let t = &progress.total;
    println!(
        "Dikunjungi / Visited: {} / {} ({:.1} %), sisa / remaining {}, baru / new {}, disetujui / approved {}, dikembalikan / returned {}, menunggu / waiting {}",
        t.visited,
        t.prelist,
        t.visited_percent(),
        t.remaining,
        t.new_households,
        t.approved,
        t.returned,
        t.waiting
    );
    println!(
        "\n{:<34} {:>8} {:>8} {:>8} {:>6}  status 1/2/3/4/5",
        "kecamatan", "prelist", "visited", "remain", "%"
    );
    for row in &progress.kecamatan {
        println!(
            "{:<34} {:>8} {:>8} {:>8} {:>5.1}%  {}",
            format!("{} {}", row.code, row.name).chars().take(34).collect::<String>(),
            row.prelist,
            row.visited,
            row.remaining,
            row.visited_percent(),
            row.status.map(|s| s.to_string()).join("/")
        );
    }
    println!(
        "\n{:<24} {:>8} {:>9} {:>9} {:>8}",
        "pencacah / enumerator", "approved", "returned", "waiting", "new"
    );
    for row in &progress.enumerators {
        println!(
            "{:<24} {:>8} {:>9} {:>9} {:>8}",
            row.name, row.approved, row.returned, row.waiting, row.new_households
        );
    }
}
