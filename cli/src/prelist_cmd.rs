//! `verivali prelist …`: import a prelist with a progress bar, search it, show a household.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use verivali_cli::key::{self, KeyOrigin};
use verivali_core::api::{
    ImportProgress, ImportProgressListener, ImportSummary, MatchKind, SearchRequest, SearchResults,
    Verivali,
};

use crate::{CliError, StoreArgs};

/// Exit code when an import finished but rejected some lines.
const EXIT_SOME_REJECTED: u8 = 3;
/// Rejections printed in the human summary (all of them with `--json`).
const PRINTED_REJECTIONS: usize = 20;

#[derive(Subcommand)]
pub enum PrelistCommand {
    /// Impor prelist JSON Lines, atau CSV rumah tangga + --members CSV / Import a JSON Lines prelist, or a households CSV + --members CSV
    ///
    /// Baris yang rusak ditolak dan dilaporkan; baris yang baik tetap masuk. Seluruh impor satu
    /// transaksi: jika terhenti, tidak ada yang tersimpan. Kode keluar 3 bila ada baris ditolak.
    ///
    /// Bad lines are rejected and reported; good lines still import. The whole import is one
    /// transaction: if it is interrupted, nothing is kept. Exit code 3 when lines were rejected.
    Import {
        /// Berkas prelist (.jsonl, atau .csv rumah tangga) / Prelist file (.jsonl, or households .csv)
        file: PathBuf,
        /// Berkas CSV anggota rumah tangga / Members CSV file
        #[arg(long, value_name = "FILE")]
        members: Option<PathBuf>,
        /// Ringkasan sebagai JSON / Summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// Cari menurut ID DTKS, NIK, atau awal nama / Search by ID DTKS, NIK, or the start of a name
    Search {
        /// ID DTKS, NIK (16 digit), atau awal kata nama / ID DTKS, NIK (16 digits), or name prefixes
        query: String,
        /// Hanya dalam wilayah ini (kode provinsi/kab/kec/desa) / Only inside this area (prov/kab/kec/desa code)
        #[arg(long, value_name = "CODE")]
        area: Option<String>,
        /// Halaman, mulai 1 / Page, from 1
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        /// Hasil per halaman (1–200) / Hits per page (1–200)
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200))]
        page_size: u32,
        /// Hasil sebagai JSON / Results as JSON
        #[arg(long)]
        json: bool,
    },
    /// Tampilkan satu rumah tangga / Show one household
    Show {
        /// ID DTKS
        id_dtks: String,
        /// Rekaman lengkap sebagai JSON / The full record as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &StoreArgs, command: PrelistCommand) -> Result<ExitCode, CliError> {
    let verivali = open(store)?;
    match command {
        PrelistCommand::Import { file, members, json } => import(&verivali, file, members, json),
        PrelistCommand::Search { query, area, page, page_size, json } => {
            let request = SearchRequest { text: query, area, page_size };
            let results = verivali.search(request, page - 1)?;
            print_results(&results, json);
            Ok(ExitCode::SUCCESS)
        }
        PrelistCommand::Show { id_dtks, json } => show(&verivali, id_dtks, json),
    }
}

pub(crate) fn open(args: &StoreArgs) -> Result<Arc<Verivali>, CliError> {
    let env_key = std::env::var("VERIVALI_KEY").ok();
    let (key, origin) = key::resolve(
        args.key_file.as_deref(),
        env_key.as_deref(),
        args.insecure_dev_key,
        &args.data_dir,
    )?;
    if origin == KeyOrigin::InsecureDevKey {
        eprintln!(
            "PERINGATAN: kunci uji coba yang diketahui umum dipakai; jangan simpan data sungguhan.\n\
             WARNING: using the publicly known trial key; do not store real data."
        );
    }
    Ok(Verivali::open(args.data_dir.display().to_string(), key, None)?)
}

fn import(
    verivali: &Verivali,
    file: PathBuf,
    members: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let is_csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let bar = Arc::new(Bar::new());
    let listener: Arc<dyn ImportProgressListener> = bar.clone();
    let path = |p: &PathBuf| p.display().to_string();
    let summary = match (is_csv, members) {
        (true, Some(members)) => {
            verivali.import_prelist_csv(path(&file), path(&members), Some(listener))?
        }
        (true, None) => {
            return Err(CliError::Usage(
                "Impor CSV butuh --members FILE (CSV anggota). / A CSV import needs --members FILE (the members CSV)."
                    .into(),
            ));
        }
        (false, Some(_)) => {
            return Err(CliError::Usage(
                "--members hanya untuk impor CSV. / --members is only for a CSV import.".into(),
            ));
        }
        (false, None) => verivali.import_prelist(path(&file), Some(listener))?,
    };
    bar.0.finish_and_clear();
    if json {
        println!("{}", summary_json(&summary));
    } else {
        print_summary(&summary);
    }
    Ok(if summary.rejected > 0 { ExitCode::from(EXIT_SOME_REJECTED) } else { ExitCode::SUCCESS })
}

/// A terminal progress bar over the bytes of the input.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{bar:30}] {bytes}/{total_bytes} ({eta}) {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        Bar(bar)
    }
}

impl ImportProgressListener for Bar {
    fn on_progress(&self, p: ImportProgress) {
        self.0.set_length(p.bytes_total);
        self.0.set_position(p.bytes_read);
        self.0.set_message(format!(
            "{} baru/new, {} diperbarui/updated, {} ditolak/rejected",
            p.imported, p.updated, p.rejected
        ));
    }
}

fn print_summary(s: &ImportSummary) {
    println!(
        "Impor selesai: {} baru, {} diperbarui, {} ditolak.\nImport finished: {} new, {} updated, {} rejected.",
        s.imported, s.updated, s.rejected, s.imported, s.updated, s.rejected
    );
    for r in s.rejections.iter().take(PRINTED_REJECTIONS) {
        println!("  {}:{}: {}\n      {}", r.file, r.line, r.message_id, r.message_en);
    }
    let unprinted = s.rejected.saturating_sub(PRINTED_REJECTIONS.min(s.rejections.len()) as u64);
    if unprinted > 0 {
        println!(
            "  … dan {unprinted} lagi (--json untuk semua) / … and {unprinted} more (--json for all)"
        );
    }
}

fn summary_json(s: &ImportSummary) -> serde_json::Value {
    json!({
        "imported": s.imported,
        "updated": s.updated,
        "rejected": s.rejected,
        "rejections": s.rejections.iter().map(|r| json!({
            "file": r.file, "line": r.line, "code": r.code,
            "message_id": r.message_id, "message_en": r.message_en,
        })).collect::<Vec<_>>(),
    })
}

fn match_label(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Listed => "listed",
        MatchKind::IdDtks => "id_dtks",
        MatchKind::Nik => "nik",
        MatchKind::Name => "name",
    }
}

fn print_results(results: &SearchResults, json: bool) {
    if json {
        let hits: Vec<_> = results
            .hits
            .iter()
            .map(|h| {
                json!({
                    "id_dtks": h.id_dtks, "desa": h.desa_code, "head": h.head_name,
                    "members": h.member_count, "matched_by": match_label(h.matched_by),
                    "matched_member": h.matched_member,
                })
            })
            .collect();
        println!(
            "{}",
            json!({"page": results.page + 1, "has_more": results.has_more, "hits": hits})
        );
        return;
    }
    if results.hits.is_empty() {
        println!("Tidak ditemukan. / Nothing found.");
        return;
    }
    println!(
        "{:<18} {:<14} {:<28} {:>3}  cocok/matched",
        "ID DTKS", "desa", "kepala RT/head", "ART"
    );
    for h in &results.hits {
        let matched = match (&h.matched_by, &h.matched_member) {
            (MatchKind::IdDtks, _) => "ID DTKS".to_owned(),
            (kind, Some(member)) => format!("{}: {member}", match_label(*kind)),
            (kind, None) => match_label(*kind).to_owned(),
        };
        println!(
            "{:<18} {:<14} {:<28} {:>3}  {}",
            h.id_dtks,
            h.desa_code,
            h.head_name.as_deref().unwrap_or("-"),
            h.member_count,
            matched
        );
    }
    if results.has_more {
        println!(
            "Masih ada hasil: --page {} / More results: --page {}",
            results.page + 2,
            results.page + 2
        );
    }
}

fn show(verivali: &Verivali, id_dtks: String, json: bool) -> Result<ExitCode, CliError> {
    let Some(h) = verivali.household(id_dtks)? else {
        println!("Tidak ada di prelist. / Not in the prelist.");
        return Ok(ExitCode::FAILURE);
    };
    if json {
        println!("{}", h.record_json);
        return Ok(ExitCode::SUCCESS);
    }
    println!("ID DTKS {}  desa {}", h.id_dtks, h.desa_code);
    for m in &h.members {
        println!("  {:>2}. {:<30} NIK {}", m.position, m.name, m.nik.as_deref().unwrap_or("-"));
    }
    Ok(ExitCode::SUCCESS)
}
