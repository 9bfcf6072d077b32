//! `verivali team`: a pengawas's phone from the terminal (issue 18): the team's interviews
//! received by bundle with the sample's reasons, one interview as the pengawas reads it, and
//! approve or return with comments; the decisions travel in this phone's next bundle. With
//! signal, `team fetch` brings the team's interviews from the receiver, and `verivali upload`
//! hands the decisions over.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use verivali_core::api::{ReviewCommentView, TeamInterview, TeamInterviewDetail};

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Ambil wawancara tim dari server (token pengawas) / Fetch the team's interviews from the server (a pengawas's token)
    Fetch {
        #[arg(long)]
        server: String,
        #[arg(long, env = "VERIVALI_TOKEN")]
        token: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Wawancara tim di ponsel ini, alasan sampel, keputusan / The team's interviews on this phone, the sample's reasons, the decisions
    List {
        /// waiting | not_sampled | approved | returned
        #[arg(long, value_parser = ["waiting", "not_sampled", "approved", "returned"])]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Satu wawancara: jawaban, perubahan terhadap prelist, temuan, foto / One interview: answers, changes against the prelist, findings, photos
    Show {
        instance_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Setujui / Approve
    Approve {
        instance_id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Rumah tangga untuk cek ulang (sampel 5 % dan pilihan pengawas) / Households to back-check (the 5 % sample and the pengawas's picks)
    Backchecks {
        #[arg(long)]
        json: bool,
    },
    /// Pilih rumah tangga untuk cek ulang / Pick a household for a back-check
    Pick { instance_id: String },
    /// Cek ulang: tanpa --answer tampilkan pertanyaan; dengan --answer simpan lalu bandingkan / A back-check: without --answer show the questions; with --answer save, then compare
    Backcheck {
        instance_id: String,
        #[arg(long = "answer", value_name = "KEY=VALUE")]
        answers: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Laporan cek ulang per rumah tangga dan per pencacah / The back-check report per household and per enumerator
    BackcheckReport {
        #[arg(long)]
        json: bool,
    },
    /// Kembalikan dengan komentar (REF=TEKS pada pertanyaan; --note untuk seluruhnya) / Return with comments (REF=TEXT on a question; --note for the whole)
    Return {
        instance_id: String,
        #[arg(long = "comment", value_name = "REF=TEXT")]
        comments: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
}

pub fn run(store: &StoreArgs, command: TeamCommand) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    match command {
        TeamCommand::Fetch { server, token, json: as_json } => {
            let fetched = verivali.fetch_team_interviews(server, token)?;
            if as_json {
                let out = json!({
                    "supported": fetched.supported,
                    "listed": fetched.listed,
                    "new": fetched.new,
                    "conflicts": fetched.conflicts,
                });
                println!("{out}");
            } else if !fetched.supported {
                println!(
                    "Server ini tidak mendaftar wawancara tim / This server lists no team interviews"
                );
            } else {
                println!(
                    "{} wawancara tim dari server, {} baru / {} team interviews from the server, {} new",
                    fetched.listed, fetched.new, fetched.listed, fetched.new
                );
                if fetched.conflicts > 0 {
                    println!(
                        "  {} berbeda dari salinan di ponsel ini (salinan ponsel dipertahankan) / {} differ from this phone's copy (this phone's kept)",
                        fetched.conflicts, fetched.conflicts
                    );
                }
            }
        }
        TeamCommand::List { state, json } => {
            let listed: Vec<TeamInterview> = verivali
                .team_interviews()?
                .into_iter()
                .filter(|t| state.as_ref().is_none_or(|s| &t.state == s))
                .collect();
            if json {
                let rows: Vec<_> = listed.iter().map(interview_json).collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                println!("{} wawancara tim / team interviews", listed.len());
                for t in &listed {
                    println!(
                        "{}  {:<12} {:<18} status {:<2} {:<11} {}",
                        t.instance_id,
                        t.enumerator,
                        t.household.as_deref().unwrap_or("baru/new"),
                        t.status.as_deref().unwrap_or("-"),
                        t.state,
                        t.reasons.join(", ")
                    );
                }
            }
        }
        TeamCommand::Show { instance_id, json } => {
            let detail = verivali.team_interview_detail(instance_id)?;
            if json {
                println!("{}", detail_json(&detail));
            } else {
                print_detail(&detail);
            }
        }
        TeamCommand::Approve { instance_id, note } => {
            let state = verivali.review_team_interview(instance_id.clone(), true, vec![], note)?;
            println!("{instance_id}: {state}");
        }
        TeamCommand::Backchecks { json } => {
            let listed = verivali.backchecks()?;
            if json {
                let rows: Vec<_> = listed
                    .iter()
                    .map(|b| {
                        json!({"instance_id": b.instance_id, "enumerator": b.enumerator,
                                    "household": b.household, "sampled": b.sampled, "done": b.done})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for b in &listed {
                    let why = if b.sampled { "sampel/sample" } else { "dipilih/picked" };
                    let done = if b.done { "selesai/done" } else { "belum/pending" };
                    println!(
                        "{}  {:<12} {:<18} {why} {done}",
                        b.instance_id,
                        b.enumerator,
                        b.household.as_deref().unwrap_or("baru/new")
                    );
                }
            }
        }
        TeamCommand::Pick { instance_id } => {
            verivali.pick_backcheck(instance_id.clone())?;
            println!("{instance_id}: dipilih untuk cek ulang / picked for a back-check");
        }
        TeamCommand::Backcheck { instance_id, answers, json } if answers.is_empty() => {
            let questions = verivali.backcheck_questions(instance_id)?;
            if json {
                let rows: Vec<_> = questions
                    .iter()
                    .map(|q| {
                        let choices: Vec<_> = q.choices.iter().map(|c| json!({"value": c.value, "label": c.label})).collect();
                        json!({"key": q.key, "label": q.label, "label_en": q.label_en, "input": q.input, "choices": choices})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for q in &questions {
                    println!("{}  {} / {}", q.key, q.label, q.label_en);
                    for c in &q.choices {
                        println!("      {} = {}", c.value, c.label);
                    }
                }
            }
        }
        TeamCommand::Backcheck { instance_id, answers, json } => {
            let answers = answers
                .iter()
                .map(|a| {
                    let (key, value) = a.split_once('=').unwrap_or((a, ""));
                    verivali_core::api::BackcheckAnswer {
                        key: key.to_owned(),
                        value: value.to_owned(),
                    }
                })
                .collect();
            let result = verivali.submit_backcheck(instance_id, answers)?;
            print_backcheck(&result, json);
        }
        TeamCommand::BackcheckReport { json } => {
            let report = verivali.backcheck_report()?;
            if json {
                let households: Vec<_> = report.households.iter().map(result_json).collect();
                let enumerators: Vec<_> = report
                    .enumerators
                    .iter()
                    .map(|e| {
                        json!({"enumerator": e.enumerator, "households": e.households,
                                    "asked": e.asked, "differ": e.differ, "share": e.share})
                    })
                    .collect();
                println!("{}", json!({"households": households, "enumerators": enumerators}));
            } else {
                for e in &report.enumerators {
                    println!(
                        "{:<16} {} rumah tangga/households, {}/{} berbeda/differ ({:.1} %)",
                        e.enumerator,
                        e.households,
                        e.differ,
                        e.asked,
                        e.share * 100.0
                    );
                }
                for h in &report.households {
                    print_backcheck(h, false);
                }
            }
        }
        TeamCommand::Return { instance_id, comments, note } => {
            let comments: Vec<ReviewCommentView> = comments.iter().map(|c| comment(c)).collect();
            let state =
                verivali.review_team_interview(instance_id.clone(), false, comments, note)?;
            println!("{instance_id}: {state}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `REF=TEXT` on a question, or plain text on the whole interview.
fn comment(given: &str) -> ReviewCommentView {
    match given.split_once('=') {
        Some((reference, text)) if reference.starts_with('/') => ReviewCommentView {
            reference: Some(reference.trim().to_owned()),
            text: text.to_owned(),
        },
        _ => ReviewCommentView { reference: None, text: given.to_owned() },
    }
}

fn interview_json(t: &TeamInterview) -> serde_json::Value {
    json!({
        "instance_id": t.instance_id, "enumerator": t.enumerator, "form_id": t.form_id,
        "household": t.household, "status": t.status, "reasons": t.reasons, "state": t.state,
        "corrects": t.corrects, "imported_at": t.imported_at,
    })
}

fn detail_json(d: &TeamInterviewDetail) -> serde_json::Value {
    let sections: Vec<_> = d
        .sections
        .iter()
        .map(|s| {
            let answers: Vec<_> = s
                .answers
                .iter()
                .map(|a| {
                    json!({"reference": a.reference, "label": a.label, "shown": a.shown,
                           "value": a.value, "kind": a.kind, "prelist": a.prelist,
                           "added": a.added, "before_correction": a.before_correction})
                })
                .collect();
            json!({"title": s.title, "answers": answers})
        })
        .collect();
    let findings: Vec<_> = d
        .findings
        .iter()
        .map(|f| {
            json!({"rule": f.rule, "severity": f.severity, "reference": f.reference,
                        "message": f.message, "reason": f.reason})
        })
        .collect();
    json!({
        "interview": interview_json(&d.interview), "sections": sections, "removed": d.removed,
        "findings": findings, "photos": d.photos, "house_point": d.house_point,
        "prelist_point": d.prelist_point, "distance_m": d.distance_m, "unreadable": d.unreadable,
    })
}

fn print_detail(d: &TeamInterviewDetail) {
    let t = &d.interview;
    println!(
        "{} — {} — {} — {} ({})",
        t.instance_id,
        t.enumerator,
        t.household.as_deref().unwrap_or("baru/new"),
        t.state,
        t.reasons.join(", ")
    );
    if let Some(why) = &d.unreadable {
        println!("  {why}");
    }
    for section in &d.sections {
        println!("[{}]", section.title);
        for a in &section.answers {
            let mut marks = Vec::new();
            if let Some(p) = &a.prelist {
                marks.push(format!("prelist: {p}"));
            }
            if a.added {
                marks.push("baru / new".into());
            }
            if let Some(b) = &a.before_correction {
                marks.push(format!("sebelum koreksi / before correction: {b}"));
            }
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!("  ← {}", marks.join("; "))
            };
            println!("  {}: {}{marks}", a.label, a.shown);
        }
    }
    for removed in &d.removed {
        println!("  tidak ada lagi / no longer present: {removed}");
    }
    for f in &d.findings {
        let reason =
            f.reason.as_deref().map(|r| format!(" — alasan / reason: {r}")).unwrap_or_default();
        println!("  {} {}: {}{reason}", f.severity, f.rule, f.message);
    }
    if let Some(metres) = d.distance_m {
        println!(
            "  rumah / house {} — prelist {} ({metres:.0} m)",
            d.house_point.as_deref().unwrap_or("-"),
            d.prelist_point.as_deref().unwrap_or("-")
        );
    }
    println!("  foto / photos: {}", d.photos.join(", "));
}

fn result_json(r: &verivali_core::api::BackcheckResult) -> serde_json::Value {
    let rows: Vec<_> = r
        .rows
        .iter()
        .map(|row| {
            json!({"key": row.key, "label": row.label, "first": row.first,
                          "second": row.second, "differs": row.differs})
        })
        .collect();
    json!({"instance_id": r.instance_id, "enumerator": r.enumerator, "household": r.household,
           "asked": r.asked, "differ": r.differ, "rows": rows})
}

fn print_backcheck(r: &verivali_core::api::BackcheckResult, json: bool) {
    if json {
        println!("{}", result_json(r));
        return;
    }
    println!(
        "{} — {} ({}/{} berbeda/differ)",
        r.household.as_deref().unwrap_or("baru/new"),
        r.enumerator,
        r.differ,
        r.asked
    );
    for row in &r.rows {
        let mark = if row.differs { "≠" } else { "=" };
        println!("  {mark} {}: {} | {}", row.label, row.first, row.second);
    }
}
