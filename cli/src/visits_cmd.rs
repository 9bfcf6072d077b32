//! `verivali visits`: every interview on this device with its state, its upload and, for one a
//! pengawas returned, the comments to act on — what the phone's household list shows.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use verivali_core::api::{InterviewStatus, InterviewSummary};

use crate::{CliError, StoreArgs, prelist_cmd};

#[derive(Args)]
pub struct VisitsArgs {
    /// Hanya yang dikembalikan pengawas / Only those a pengawas returned
    #[arg(long)]
    returned: bool,
    /// Cetak sebagai JSON / Print as JSON
    #[arg(long)]
    json: bool,
}

pub fn visits(store: &StoreArgs, args: VisitsArgs) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    let visits: Vec<InterviewSummary> = verivali
        .interviews()?
        .into_iter()
        .filter(|v| !args.returned || v.returned_by_pengawas)
        .collect();
    let mut rows = Vec::with_capacity(visits.len());
    for visit in &visits {
        let review = if visit.returned_by_pengawas {
            verivali.review_return(visit.interview_id.clone())?
        } else {
            None
        };
        rows.push((visit, review));
    }
    if args.json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|(v, review)| {
                json!({
                    "interview": v.interview_id,
                    "household": v.id_dtks,
                    "state": state_word(v),
                    "upload": v.upload.map(crate::exchange_cmd::state_name),
                    "review_comments": review.as_ref().map(|r| r.comments.iter()
                        .map(|c| json!({"reference": c.reference, "text": c.text}))
                        .collect::<Vec<_>>()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("Belum ada kunjungan / No visits yet");
    }
    for (v, review) in rows {
        println!(
            "{}\t{}\t{}\t{}",
            v.interview_id,
            v.id_dtks.as_deref().unwrap_or("baru/new"),
            state_word(v),
            v.upload.map(crate::exchange_cmd::state_name).unwrap_or("-")
        );
        for comment in review.iter().flat_map(|r| r.comments.iter()) {
            println!("    ↳ {}: {}", comment.reference.as_deref().unwrap_or("*"), comment.text);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn state_word(v: &InterviewSummary) -> &'static str {
    match v.status {
        InterviewStatus::Draft => "draft",
        InterviewStatus::Finalized => "finalized",
        InterviewStatus::Returned if v.returned_by_pengawas => "returned_by_pengawas",
        InterviewStatus::Returned => "reopened",
    }
}
