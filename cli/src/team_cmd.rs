//! `verivali team`: a pengawas's phone from the terminal (issue 18): the team's interviews
//! received by bundle with the sample's reasons, one interview as the pengawas reads it, and
//! approve or return with comments; the decisions travel in this phone's next bundle.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use verivali_core::api::{ReviewCommentView, TeamInterview, TeamInterviewDetail};

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Subcommand)]
pub enum TeamCommand {
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
