//! `verivali serve review …`: the pengawas's review from the terminal, on the receiver's data
//! folder: the queue, one interview, approve, return with comments, queue one the sample left
//! out. The same store and rules as the browser pages; `--json` for scripts.

use std::path::Path;

use clap::Subcommand;
use verivali_cli::serve::{
    self,
    review::{self, Action, ReviewState, queue::Filter},
};

use crate::CliError;

#[derive(Subcommand)]
pub enum ReviewAction {
    /// Antrean, terlama dulu / The queue, oldest first
    List {
        /// waiting | returned | approved | not_sampled
        #[arg(long, value_parser = ["waiting", "returned", "approved", "not_sampled"])]
        state: Option<String>,
        /// Kode desa atau awalannya / A desa code or its prefix
        #[arg(long)]
        desa: Option<String>,
        #[arg(long)]
        enumerator: Option<String>,
        /// Kode alasan atau awalannya (status, new_household, warning, far_from_prelist, random, correction, picked) / A reason code or its start
        #[arg(long)]
        reason: Option<String>,
        /// Paling banyak / At most
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// Satu wawancara: jawaban, perubahan terhadap prelist, temuan, riwayat / One interview: answers, changes against the prelist, findings, history
    Show {
        instance_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Setujui semua yang tidak terpilih sampel di satu wilayah (menutup periode) / Approve every interview the sample did not draw in an area (closing the period)
    AcceptUnsampled {
        /// Kode wilayah (mis. 52.71) / Region code (e.g. 52.71)
        #[arg(long, value_name = "CODE")]
        area: String,
        /// Nama pemeriksa yang dicatat / The reviewer's name to record
        #[arg(long = "as", value_name = "NAME")]
        actor: Option<String>,
    },
    /// Setujui / Approve
    Approve {
        instance_id: String,
        #[arg(long)]
        note: Option<String>,
        /// Nama pemeriksa yang dicatat / The reviewer's name to record
        #[arg(long = "as", value_name = "NAME")]
        actor: Option<String>,
    },
    /// Kembalikan ke pencacah dengan komentar (REF=TEKS pada pertanyaan, atau --note untuk seluruhnya) / Return to the enumerator with comments (REF=TEXT on a question, or --note for the whole)
    Return {
        instance_id: String,
        /// Mis. / E.g. "/data/members[2]/nik=NIK tidak sama dengan KK"
        #[arg(long = "comment", value_name = "REF=TEXT")]
        comments: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long = "as", value_name = "NAME")]
        actor: Option<String>,
    },
    /// Masukkan wawancara yang tidak terpilih ke antrean / Put an interview the sample left out into the queue
    Queue {
        instance_id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: Option<String>,
    },
}

pub fn review(dir: &Path, key: &[u8], action: ReviewAction) -> Result<(), CliError> {
    let failed = |e: serve::ServeError| CliError::Usage(e.to_string());
    match action {
        ReviewAction::List { state, desa, enumerator, reason, limit, offset, json } => {
            let filter = Filter {
                state: state.as_deref().and_then(ReviewState::parse),
                desa,
                enumerator,
                reason,
                offset,
                limit,
            };
            let queue = review::list(dir, key, &filter).map_err(failed)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&queue).unwrap_or_default());
            } else {
                print_queue(&queue);
            }
        }
        ReviewAction::Show { instance_id, json } => {
            let Some(detail) = review::show(dir, key, &instance_id).map_err(failed)? else {
                return Err(CliError::Usage(format!(
                    "Tidak ada wawancara {instance_id} / There is no interview {instance_id}"
                )));
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&detail).unwrap_or_default());
            } else {
                print_detail(&detail);
            }
        }
        ReviewAction::AcceptUnsampled { area, actor } => {
            let accepted = review::accept_unsampled(dir, key, &area, &actor_name(actor))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!(
                "{accepted} wawancara disetujui tanpa sampel / interviews accepted without a spot-check ({area})"
            );
        }
        ReviewAction::Approve { instance_id, note, actor } => {
            decided(dir, key, &instance_id, actor, &Action::Approve, note.as_deref())?;
        }
        ReviewAction::Return { instance_id, comments, note, actor } => {
            let mut comments: Vec<review::Comment> =
                comments.iter().map(|c| review::store::parse_comment(c)).collect();
            comments.extend(note.map(|text| review::Comment { reference: None, text }));
            decided(dir, key, &instance_id, actor, &Action::Return { comments }, None)?;
        }
        ReviewAction::Queue { instance_id, actor } => {
            decided(dir, key, &instance_id, actor, &Action::Queue, None)?;
        }
    }
    Ok(())
}

/// Takes `action` and prints the interview's new state.
fn decided(
    dir: &Path,
    key: &[u8],
    instance_id: &str,
    actor: Option<String>,
    action: &Action,
    note: Option<&str>,
) -> Result<(), CliError> {
    let state = review::decide(dir, key, instance_id, &actor_name(actor), action, note)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    println!("{instance_id}: {}", state.as_str());
    Ok(())
}

/// Who the terminal's actions are recorded as: `--as`, or the logged-in user.
pub(crate) fn actor_name(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .map(|name| format!("{name} (terminal)"))
        .unwrap_or_else(|| "terminal".into())
}

fn print_queue(queue: &review::queue::Queue) {
    let counts: Vec<String> = queue.per_state.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!("{} cocok / matching; semua / all: {}", queue.matching, counts.join(", "));
    for row in &queue.rows {
        println!(
            "{}\t{}\t{}\t{}\tstatus {}\t{}\t{}",
            row.instance_id,
            row.state,
            row.desa.as_deref().unwrap_or("-"),
            row.household.as_deref().unwrap_or("baru/new"),
            row.status.as_deref().unwrap_or("-"),
            row.enumerator,
            row.reasons.join(",")
        );
    }
}

fn print_detail(d: &review::detail::InterviewDetail) {
    let s = &d.summary;
    println!(
        "{} — {} (desa {}, ID DTKS {}, status {}, {})",
        s.instance_id,
        s.state,
        s.desa.as_deref().unwrap_or("-"),
        s.household.as_deref().unwrap_or("baru/new"),
        s.status.as_deref().unwrap_or("-"),
        s.enumerator
    );
    println!("Alasan / Reasons: {}", s.reasons.join(", "));
    if let Some(previous) = &d.edit_of {
        println!("Koreksi dari / Corrects: {previous}");
    }
    if let Some(newer) = &d.replaced_by {
        println!("Diganti oleh / Replaced by: {newer}");
    }
    println!(
        "Perubahan terhadap prelist / Changes against the prelist: {}",
        d.changed_from_prelist()
    );
    for section in &d.sections {
        println!("\n# {}", section.title);
        for a in &section.answers {
            let mut marks = String::new();
            if let Some(p) = &a.prelist {
                marks.push_str(&format!("   [prelist: {p}]"));
            }
            if a.added {
                marks.push_str("   [baru / new]");
            }
            if let Some(b) = &a.before_correction {
                marks.push_str(&format!("   [sebelum koreksi / before the correction: {b}]"));
            }
            println!("{}  {} = {}{marks}", a.reference, a.label, a.shown);
        }
    }
    if !d.removed.is_empty() {
        println!("\nTidak ada lagi / No longer present: {}", d.removed.join(", "));
    }
    for f in &d.findings {
        println!(
            "\n{} {} {}: {} — alasan / reason: {}",
            f.severity,
            f.rule,
            f.reference.as_deref().unwrap_or("-"),
            f.message,
            f.reason.as_deref().unwrap_or("-")
        );
    }
    if let Some(location) = &d.location {
        println!(
            "\nLokasi / Location: {} — prelist {} — {}",
            location.house.as_deref().unwrap_or("-"),
            location.prelist.as_deref().unwrap_or("-"),
            location.metres.map(|m| format!("{m:.0} m")).unwrap_or_else(|| "-".into())
        );
    }
    println!("\nRiwayat / History:");
    for e in &d.history {
        let comments: Vec<String> = e
            .comments
            .iter()
            .map(|c| format!("{}: {}", c.reference.as_deref().unwrap_or("*"), c.text))
            .collect();
        let at = review::time_text(e.at);
        println!("  {at} UTC {} {} → {} {}", e.actor, e.action, e.state, comments.join(" | "));
    }
}

/// The back-check report (`serve backcheck report`).
pub(crate) fn print_backchecks(report: &review::backcheck::Report, json: bool) {
    if json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    println!("Per pencacah / Per enumerator:");
    for e in &report.enumerators {
        println!(
            "  {:<16} {} rumah tangga/households, {}/{} berbeda/differ ({:.1} %)",
            e.enumerator,
            e.households,
            e.tally.differ,
            e.tally.asked,
            e.share * 100.0
        );
    }
    for h in &report.households {
        println!(
            "{} — {} ({}/{} berbeda/differ)",
            h.household.as_deref().unwrap_or("baru/new"),
            h.enumerator,
            h.tally.differ,
            h.tally.asked
        );
        for row in &h.rows {
            let mark = if row.differs { "≠" } else { "=" };
            println!("  {mark} {}: {} | {}", row.label, row.first, row.second);
        }
    }
}
