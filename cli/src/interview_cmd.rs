//! `verivali interview run`: replays a visit from a JSON file of answers and prints what
//! happened, as JSON. The same answer format drives tests, training scripts and the demo.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::{Value as Json, json};
use verivali_core::api::{
    AnswerResult, FinalizeResult, FindingSeverity, GeopointInput, Interview, RuleFinding,
    VerivaliError, WarningConfirmation,
};

use crate::{CliError, StoreArgs, prelist_cmd};

/// The form the field uses unless told otherwise.
const DEFAULT_FORM_ID: &str = "dtks_verivali";

/// `verivali interview`: interactive, or a subcommand.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InterviewArgs {
    #[command(subcommand)]
    command: Option<InterviewCommand>,
    /// ID DTKS rumah tangga prelist (tanpa pencarian) / Prelist household (skips the search)
    #[arg(long, value_name = "ID_DTKS")]
    household: Option<String>,
    /// Langsung rumah tangga baru / Go straight to a new household
    #[arg(long, conflicts_with = "household")]
    new: bool,
    /// Pasang formulir ini dulu (CSV eksternal di foldernya) / Install this form first (external CSVs beside it)
    #[arg(long, value_name = "FORM.xml")]
    form: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum InterviewCommand {
    /// Putar ulang kunjungan dari berkas jawaban / Replay a visit from an answers file
    ///
    /// The file holds `{"steps": [{"answer": REF, "value": V} | {"add_repeat": REF} |
    /// {"remove_repeat": REF} | {"photo": REF, "path": FILE} | {"location": REF, "latitude": LAT,
    /// "longitude": LON, "altitude": ALT, "accuracy": M}], "confirmations": [{"rule", "reference", "reason"}], "finalize":
    /// true}`. Prints the interview id, each step's result, the rule findings and, when asked,
    /// the finalize outcome, as JSON.
    Run {
        /// ID DTKS rumah tangga prelist; tanpa ini: rumah tangga baru / Prelist household; without it: a new household
        #[arg(long, value_name = "ID_DTKS", conflicts_with = "interview")]
        household: Option<String>,
        /// Lanjutkan wawancara ini (draf, atau dikembalikan pengawas) / Continue this interview (a draft, or one a pengawas returned)
        #[arg(long, value_name = "ID")]
        interview: Option<String>,
        /// Berkas jawaban JSON / The answers file (JSON)
        #[arg(long, value_name = "FILE")]
        answers: PathBuf,
        /// Pasang formulir ini dulu (CSV eksternal di foldernya) / Install this form first (external CSVs beside it)
        #[arg(long, value_name = "FORM.xml")]
        form: Option<PathBuf>,
    },
}

#[derive(Deserialize)]
struct Script {
    #[serde(default)]
    steps: Vec<Step>,
    #[serde(default)]
    confirmations: Vec<Confirmation>,
    #[serde(default)]
    finalize: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Step {
    Answer {
        answer: String,
        value: String,
    },
    AddRepeat {
        add_repeat: String,
    },
    RemoveRepeat {
        remove_repeat: String,
    },
    /// A photo file (relative to the answers file) for a photo question.
    Photo {
        photo: String,
        path: PathBuf,
    },
    /// A GPS fix for a location question.
    Location {
        location: String,
        latitude: f64,
        longitude: f64,
        #[serde(default)]
        altitude: f64,
        accuracy: f64,
    },
}

#[derive(Deserialize)]
struct Confirmation {
    rule: String,
    reference: Option<String>,
    reason: String,
}

pub fn run(store: &StoreArgs, args: InterviewArgs) -> Result<ExitCode, CliError> {
    match args.command {
        Some(command) => replay_command(store, command),
        None => interactive(store, args.form, args.household, args.new),
    }
}

/// The interactive interview (`crate::interview_tui`).
fn interactive(
    store: &StoreArgs,
    form: Option<PathBuf>,
    household: Option<String>,
    new: bool,
) -> Result<ExitCode, CliError> {
    let verivali = prelist_cmd::open(store)?;
    let form_id = match form {
        Some(path) => verivali.install_form(path.display().to_string())?.form_id,
        None => installed_form(&verivali)?,
    };
    let household = match (household, new) {
        (Some(id), _) => Some(Some(id)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    crate::interview_tui::run(&verivali, &form_id, household)
}

/// The DTKS form when installed, else the newest installed form.
fn installed_form(verivali: &verivali_core::api::Verivali) -> Result<String, CliError> {
    let forms = verivali.forms()?;
    if forms.iter().any(|f| f.form_id == DEFAULT_FORM_ID) {
        return Ok(DEFAULT_FORM_ID.to_owned());
    }
    forms.first().map(|f| f.form_id.clone()).ok_or_else(|| {
        CliError::Usage(
            "Belum ada formulir terpasang: beri --form FORM.xml atau jalankan `verivali sync`. / \
             No form is installed: give --form FORM.xml or run `verivali sync`."
                .into(),
        )
    })
}

fn replay_command(store: &StoreArgs, command: InterviewCommand) -> Result<ExitCode, CliError> {
    let InterviewCommand::Run { household, interview, answers, form } = command;
    let text = std::fs::read_to_string(&answers).map_err(|e| {
        CliError::Usage(format!(
            "Berkas jawaban {0} tidak terbaca / The answers file {0} cannot be read: {e}",
            answers.display()
        ))
    })?;
    let script: Script = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "Berkas jawaban {0} tidak sah / The answers file {0} is not valid: {e}",
            answers.display()
        ))
    })?;
    let verivali = prelist_cmd::open(store)?;
    let form_id = match form {
        Some(path) => Some(verivali.install_form(path.display().to_string())?.form_id),
        None => None,
    };
    let (interview, review) = match interview {
        Some(id) => continued(&verivali, id)?,
        None => {
            let form_id = match form_id {
                Some(form_id) => form_id,
                None => installed_form(&verivali)?,
            };
            (verivali.start_interview(form_id, household)?, None)
        }
    };
    let base = answers.parent().map(PathBuf::from).unwrap_or_default();
    let mut report = replay(&interview, script, &base)?;
    if let Some(review) = review {
        report["review_comments"] = review;
    }
    println!("{}", serde_json::to_string_pretty(&report).expect("JSON"));
    let blocked = report["finalize"]["result"] == "blocked";
    Ok(if blocked { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

/// A saved interview to go on with, and the pengawas's comments when one returned it. A
/// finalized interview is refused: only a draft or a returned one takes answers.
fn continued(
    verivali: &verivali_core::api::Verivali,
    id: String,
) -> Result<(std::sync::Arc<Interview>, Option<Json>), CliError> {
    let interview = verivali.interview(id.clone())?;
    let screen = interview.screen()?;
    if screen.status == verivali_core::api::InterviewStatus::Finalized {
        return Err(CliError::Usage(format!(
            "Wawancara {id} sudah final; hanya draf atau yang dikembalikan yang bisa dilanjutkan / \
             Interview {id} is finalized; only a draft or a returned one can be continued"
        )));
    }
    let review = screen.review.map(|r| {
        json!(
            r.comments
                .iter()
                .map(|c| json!({"reference": c.reference, "text": c.text}))
                .collect::<Vec<_>>()
        )
    });
    Ok((interview, review))
}

fn replay(interview: &Interview, script: Script, base: &Path) -> Result<Json, CliError> {
    let mut steps = Vec::new();
    for step in script.steps {
        steps.push(match step {
            Step::Answer { answer, value } => {
                let result = interview.answer(answer.clone(), value.into())?.result;
                json!({"answer": answer, "result": answer_result(&result)})
            }
            Step::AddRepeat { add_repeat } => {
                interview.add_repeat(add_repeat.clone())?;
                json!({"add_repeat": add_repeat, "result": "ok"})
            }
            Step::RemoveRepeat { remove_repeat } => {
                interview.remove_repeat(remove_repeat.clone())?;
                json!({"remove_repeat": remove_repeat, "result": "ok"})
            }
            Step::Photo { photo, path } => photo_step(interview, photo, &base.join(path))?,
            Step::Location { location, latitude, longitude, altitude, accuracy } => {
                let point = GeopointInput { latitude, longitude, altitude, accuracy };
                let result = interview.set_location(location.clone(), point)?;
                json!({
                    "location": location,
                    "quality": format!("{:?}", result.quality).to_lowercase(),
                    "result": result.answer.as_ref().map_or(json!("refused"), answer_result),
                })
            }
        });
    }
    let findings: Vec<Json> = interview.findings()?.iter().map(finding_json).collect();
    let mut report = json!({"interview": interview.id(), "steps": steps, "findings": findings});
    if script.finalize {
        let confirmations = script
            .confirmations
            .into_iter()
            .map(|c| WarningConfirmation { rule: c.rule, reference: c.reference, reason: c.reason })
            .collect();
        report["finalize"] = finalize_json(&interview.finalize(confirmations)?);
    }
    Ok(report)
}

/// Attaches a photo; a refused file is reported as the step's result, not an abort.
fn photo_step(interview: &Interview, reference: String, path: &Path) -> Result<Json, CliError> {
    match interview.attach_photo(reference.clone(), path.display().to_string()) {
        Ok(photo) => Ok(json!({
            "photo": reference,
            "file": photo.file_name,
            "bytes": photo.bytes,
            "source_bytes": photo.source_bytes,
            "result": answer_result(&photo.answer),
        })),
        Err(VerivaliError::PhotoRejected { problem, reason }) => Ok(json!({
            "photo": reference,
            "result": {"refused": format!("{problem:?}"), "message": reason},
        })),
        Err(other) => Err(other.into()),
    }
}

fn answer_result(result: &AnswerResult) -> Json {
    match result {
        AnswerResult::Saved => json!("saved"),
        AnswerResult::RequiredButEmpty => json!("required_but_empty"),
        AnswerResult::ConstraintViolated { message } => {
            json!({"constraint_violated": message})
        }
        AnswerResult::Invalid { message } => json!({"invalid": message}),
    }
}

fn finding_json(f: &RuleFinding) -> Json {
    let severity = match f.severity {
        FindingSeverity::Error => "error",
        FindingSeverity::Warning => "warning",
        FindingSeverity::Info => "info",
    };
    let mut out = json!({
        "rule": f.rule,
        "severity": severity,
        "reference": f.reference,
        "message": {"id": f.message_id, "en": f.message_en},
    });
    if let Some(suggestion) = &f.suggestion {
        out["suggestion"] = json!(suggestion);
    }
    if let Some(reason) = &f.reason {
        out["reason"] = json!(reason);
    }
    out
}

fn finalize_json(result: &FinalizeResult) -> Json {
    match result {
        FinalizeResult::Finalized { findings } => json!({
            "result": "finalized",
            "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
        }),
        FinalizeResult::Blocked { form_violations, errors, unconfirmed } => json!({
            "result": "blocked",
            "form_violations": form_violations,
            "errors": errors.iter().map(finding_json).collect::<Vec<_>>(),
            "unconfirmed": unconfirmed.iter().map(finding_json).collect::<Vec<_>>(),
        }),
    }
}
