//! `verivali form …`: check a form, evaluate an XPath expression, replay a scenario. The JSON
//! of `eval` and `run` is the contract of `test-fixtures/conformance/README.md`, so the output can be
//! diffed against JavaRosa's recordings.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use clap::Subcommand;
use serde_json::{Value as Json, json};
use verivali_form::{
    definition::ControlKind,
    dom::Document,
    session::{AnswerOutcome, Clock, EntryKind, Form, Session, ViolationKind},
    xpath::{Context, Instances, NodeRef, Value, XPath},
};

use verivali_core::host::FolderMedia;

use crate::CliError;

#[derive(Subcommand)]
pub enum FormCommand {
    /// Muat formulir dan laporkan galat serta statistik / Load a form, report errors and statistics
    Check {
        /// Berkas XForm / XForm file
        form: PathBuf,
        /// Folder media (CSV/XML eksternal); bawaan: folder formulir / Media folder (external CSV/XML); default: the form's folder
        #[arg(long, value_name = "DIR")]
        media: Option<PathBuf>,
        /// Laporan sebagai JSON / Report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Hitung satu ekspresi XPath (JSON) / Evaluate one XPath expression (JSON)
    Eval {
        /// Ekspresi / Expression
        #[arg(long)]
        expr: String,
        /// Dokumen konteks / Context document
        #[arg(long, value_name = "FILE.xml")]
        context: Option<PathBuf>,
        /// Jalur node konteks / Path of the context node
        #[arg(long, value_name = "PATH")]
        context_path: Option<String>,
        /// Instance sekunder, ID=FILE.xml (boleh berulang) / Secondary instance, ID=FILE.xml (repeatable)
        #[arg(long = "instance", value_name = "ID=FILE")]
        instances: Vec<String>,
        /// Selisih zona waktu dari UTC dalam menit / Time zone offset from UTC in minutes
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        tz_minutes: i32,
    },
    /// Jalankan skenario (JSON dari stdin) pada formulir / Replay a scenario (JSON on stdin) on a form
    Run {
        /// Berkas XForm / XForm file
        form: PathBuf,
        /// Folder media / Media folder
        #[arg(long, value_name = "DIR")]
        media: Option<PathBuf>,
    },
}

pub fn run(command: FormCommand) -> Result<ExitCode, CliError> {
    match command {
        FormCommand::Check { form, media, json } => check(&form, media, json),
        FormCommand::Eval { expr, context, context_path, instances, tz_minutes } => {
            println!(
                "{}",
                eval(&expr, context.as_deref(), context_path.as_deref(), &instances, tz_minutes)?
            );
            Ok(ExitCode::SUCCESS)
        }
        FormCommand::Run { form, media } => {
            let mut scenario = String::new();
            std::io::stdin().read_to_string(&mut scenario).map_err(|e| {
                CliError::Usage(format!(
                    "Skenario tidak terbaca / The scenario cannot be read: {e}"
                ))
            })?;
            let scenario: Json = serde_json::from_str(&scenario).map_err(|e| {
                CliError::Usage(format!("Skenario bukan JSON / The scenario is not JSON: {e}"))
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&replay(&form, media, &scenario)?).expect("JSON")
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "Berkas {0} tidak terbaca / The file {0} cannot be read: {e}",
            path.display()
        ))
    })
}

/// A loaded form, the time loading took, and the form's text.
type Loaded = (Arc<Form>, std::time::Duration, String);

fn load(path: &Path, media: Option<PathBuf>) -> Result<Loaded, CliError> {
    let xml = read_text(path)?;
    let folder = media.unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    let started = std::time::Instant::now();
    let form = Form::load(&xml, &FolderMedia::new(folder)).map_err(|e| {
        CliError::Usage(format!(
            "Formulir {} tidak dapat dimuat / The form cannot be loaded: {e}",
            path.display()
        ))
    })?;
    Ok((Arc::new(form), started.elapsed(), xml))
}

/// The ids named in `instance('…')` calls anywhere in the form, found in one pass.
fn used_instance_ids(source: &str) -> std::collections::HashSet<&str> {
    source
        .match_indices("instance(")
        .filter_map(|(at, call)| {
            let rest = source[at + call.len()..].trim_start();
            let quote = rest.chars().next().filter(|q| *q == '\'' || *q == '"')?;
            rest[1..].split(quote).next()
        })
        .collect()
}

const KNOWN_APPEARANCES: &[&str] = &[
    "minimal",
    "quick",
    "compact",
    "quickcompact",
    "field-list",
    "table-list",
    "label",
    "list-nolabel",
    "list",
    "likert",
    "multiline",
    "numbers",
    "thousands-sep",
    "no-calendar",
    "month-year",
    "year",
    "horizontal",
    "horizontal-compact",
    "signature",
    "draw",
    "annotate",
    "new",
    "new-front",
    "placement-map",
    "maps",
    "hidden-answer",
    "printer",
    "masked",
    "counter",
    "url",
    "rating",
    "vertical",
    "no-ticks",
    "picker",
    "autocomplete",
    "columns",
    "columns-pack",
    "no-buttons",
    "image-map",
    "map",
    "ethiopian",
    "coptic",
    "islamic",
    "bikram-sambat",
    "myanmar",
    "persian",
];

fn check(path: &Path, media: Option<PathBuf>, json: bool) -> Result<ExitCode, CliError> {
    let (form, took, source) = load(path, media)?;
    let def = &form.def;
    let controls = def.controls();
    let questions = controls
        .iter()
        .filter(|c| !matches!(c.kind, ControlKind::Group | ControlKind::Repeat))
        .count();
    let repeats = controls.iter().filter(|c| c.kind == ControlKind::Repeat).count();
    let mut warnings = Vec::new();
    for control in &controls {
        for appearance in control.appearance.iter().flat_map(|a| a.split_whitespace()) {
            let base = appearance.split('(').next().unwrap_or(appearance);
            if !KNOWN_APPEARANCES.contains(&base)
                && !base.starts_with("columns-")
                && !base.starts_with("search")
            {
                warnings.push(format!(
                    "line {}: appearance '{appearance}' is not known and will be ignored",
                    control.line
                ));
            }
        }
    }
    warnings.extend(def.call_warnings.iter().map(ToString::to_string));
    let used = used_instance_ids(&source);
    for (id, _) in &def.secondary {
        if !used.contains(id.as_str()) {
            warnings.push(format!("the secondary instance '{id}' is never used"));
        }
    }
    let instances: Vec<Json> = def
        .secondary
        .iter()
        .map(|(id, doc)| json!({"id": id, "items": doc.children(doc.root()).count()}))
        .collect();
    let report = json!({
        "form": path.display().to_string(), "title": def.title, "form_id": def.form_id, "version": def.version,
        "questions": questions, "binds": def.binds.len(), "repeats": repeats,
        "languages": def.itext.languages, "secondary_instances": instances,
        "triggerables": form.dag.triggerables.len(), "load_ms": took.as_secs_f64() * 1000.0,
        "warnings": warnings,
    });
    if json {
        println!("{report}");
    } else {
        println!(
            "Formulir dimuat / Form loaded: {} ({}) in {:.1} ms",
            def.title,
            def.form_id,
            took.as_secs_f64() * 1000.0
        );
        println!(
            "  {questions} pertanyaan/questions, {} bind, {repeats} repeat, {} triggerable, bahasa/languages: {:?}",
            def.binds.len(),
            form.dag.triggerables.len(),
            def.itext.languages
        );
        for (id, doc) in &def.secondary {
            println!("  instance('{id}'): {} item", doc.children(doc.root()).count());
        }
        for warning in &warnings {
            println!("  PERINGATAN / WARNING: {warning}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(
    expr: &str,
    context: Option<&Path>,
    context_path: Option<&str>,
    instance_args: &[String],
    tz_minutes: i32,
) -> Result<Json, CliError> {
    let primary = match context {
        Some(path) => {
            Document::parse(&read_text(path)?).map_err(|e| CliError::Usage(e.to_string()))?
        }
        None => Document::with_root("data"),
    };
    let mut secondary = Vec::new();
    for arg in instance_args {
        let (id, file) = arg.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--instance butuh ID=FILE / --instance needs ID=FILE, got {arg}"
            ))
        })?;
        let doc = verivali_form::scan::parse_frozen(&read_text(Path::new(file))?)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        secondary.push((id.to_owned(), doc));
    }
    let instances = Instances {
        primary: &primary,
        secondary: &secondary,
        nonrelevant: None,
        typed: None,
        index: None,
    };
    let random = std::cell::Cell::new(0);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut ctx = Context {
        instances: &instances,
        node: NodeRef::document(0),
        current: NodeRef::document(0),
        now_ms,
        tz_offset_minutes: tz_minutes,
        random_state: &random,
        form: None,
    };
    if let Some(path) = context_path {
        match XPath::compile(path).and_then(|x| x.eval(&ctx)) {
            Ok(Value::Nodes(nodes)) if !nodes.is_empty() => {
                ctx.node = nodes[0];
                ctx.current = nodes[0];
            }
            _ => return Ok(json!({"error": format!("the context path {path} selects no node")})),
        }
    }
    let read = |n: NodeRef| instances.string_value(n);
    let outcome = XPath::compile(expr).and_then(|x| x.eval(&ctx)).and_then(|value| {
        let number = value.to_num(&read)?;
        Ok(json!({
            "string": value.to_str(&read)?,
            "number": if number.is_finite() { json!(number) } else { json!(verivali_form::xpath::format_number(number)) },
            "boolean": value.to_bool(),
        }))
    });
    Ok(outcome.unwrap_or_else(|e| json!({"error": e.to_string()})))
}

fn replay(path: &Path, media: Option<PathBuf>, scenario: &Json) -> Result<Json, CliError> {
    let form = match load(path, media) {
        Ok((form, ..)) => form,
        Err(e) => return Ok(json!({"load": "error", "error": e.to_string()})),
    };
    let tz_minutes = match scenario["tz"].as_str() {
        None | Some("UTC") => 0,
        Some(other) => parse_offset(other).unwrap_or(0),
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let clock = Clock { now_ms, tz_offset_minutes: tz_minutes, seed: now_ms as u64 };
    let mut session = Session::start(form, clock).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut out = json!({"load": "ok"});
    if scenario["initial_snapshot"].as_bool() == Some(true) {
        session.sync_repeat_counts().map_err(|e| CliError::Usage(e.to_string()))?;
        out["initial"] = snapshot(&session)?;
    }
    let mut steps = Vec::new();
    for step in scenario["steps"].as_array().into_iter().flatten() {
        steps.push(run_step(&mut session, step));
    }
    out["steps"] = Json::Array(steps);
    session.sync_repeat_counts().map_err(|e| CliError::Usage(e.to_string()))?;
    out["final"] = snapshot(&session)?;
    Ok(out)
}

/// `+07:00` or `-03:30` → minutes.
fn parse_offset(text: &str) -> Option<i32> {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let (h, m) = text.trim_start_matches(['+', '-']).split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

fn run_step(session: &mut Session, step: &Json) -> Json {
    let op = step["op"].as_str().unwrap_or("");
    let reference = step["ref"].as_str().unwrap_or("");
    let mut out = json!({"op": op, "ref": reference});
    let result = match op {
        "answer" => match session.answer(reference, step["value"].as_str().unwrap_or("")) {
            Ok(AnswerOutcome::Saved) => Ok("ok"),
            Ok(AnswerOutcome::RequiredButEmpty) => Ok("required_but_empty"),
            Ok(AnswerOutcome::Invalid(invalid)) => {
                out["message"] =
                    json!(format!("{} / {}", invalid.expected_id, invalid.expected_en));
                Ok("invalid")
            }
            Ok(AnswerOutcome::ConstraintViolated { message }) => {
                out["message"] = json!(message);
                Ok("constraint_violated")
            }
            Err(e) => Err(e),
        },
        "add_repeat" => session.add_repeat(reference).map(|_| "ok"),
        "remove_repeat" => session.remove_repeat(reference).map(|_| "ok"),
        "set_language" => {
            session.set_language(step["value"].as_str().unwrap_or(""));
            Ok("ok")
        }
        other => {
            out["result"] = json!("error");
            out["message"] = json!(format!("unknown op {other}"));
            return out;
        }
    };
    match result {
        Ok(result) => out["result"] = json!(result),
        Err(e) => {
            out["result"] = json!("error");
            out["message"] = json!(e.to_string());
        }
    }
    out
}

fn snapshot(session: &Session) -> Result<Json, CliError> {
    let fail = |e: verivali_form::session::SessionError| CliError::Usage(e.to_string());
    let nodes: Vec<Json> = session
        .node_snapshots()
        .into_iter()
        .map(|n| {
            let mut node = json!({"ref": n.reference});
            if let Some(value) = n.value {
                node["value"] = json!(value);
            }
            node["relevant"] = json!(n.relevant);
            if n.required {
                node["required"] = json!(true);
            }
            if n.readonly {
                node["readonly"] = json!(true);
            }
            node
        })
        .collect();
    let questions: Vec<Json> = session
        .questions()
        .map_err(fail)?
        .into_iter()
        .map(|q| match q.kind {
            EntryKind::Group => {
                json!({"ref": q.reference, "kind": "group", "relevant": q.relevant})
            }
            EntryKind::RepeatInstance => {
                json!({"ref": q.reference, "kind": "repeat_instance", "relevant": q.relevant})
            }
            EntryKind::Question => {
                let mut question = json!({
                    "ref": q.reference, "relevant": q.relevant, "required": q.required,
                    "readonly": q.readonly, "value": q.value,
                });
                if let Some(label) = q.label {
                    question["label"] = json!(label);
                }
                if let Some(choices) = q.choices {
                    question["choices"] = json!(choices);
                }
                question
            }
        })
        .collect();
    let violations: Vec<Json> = session
        .violations()
        .map_err(fail)?
        .into_iter()
        .map(|v| match v.kind {
            ViolationKind::Required => json!({"ref": v.reference, "kind": "required"}),
            ViolationKind::Constraint { message } => {
                json!({"ref": v.reference, "kind": "constraint", "message": message})
            }
        })
        .collect();
    let validate = violations.first().map(|v| {
        let outcome =
            if v["kind"] == "required" { "required_but_empty" } else { "constraint_violated" };
        json!({"outcome": outcome, "ref": v["ref"]})
    });
    Ok(json!({
        "nodes": nodes, "questions": questions, "violations": violations,
        "validate": validate, "submission_xml": session.submission_xml(),
    }))
}

#[cfg(test)]
mod tests {
    use super::used_instance_ids;

    #[test]
    fn instance_ids_are_found_with_either_quote_and_spaces() {
        let source = r#"<itemset nodeset="instance('desa')/root/item"/><bind calculate="pulldata('x')"/> instance("kab")"#;
        let used = used_instance_ids(source);
        assert!(used.contains("desa") && used.contains("kab"));
        assert!(!used.contains("x"));
    }
}
