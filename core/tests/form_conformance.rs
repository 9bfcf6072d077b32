//! The forms and scenarios of `test-fixtures/conformance/forms` (provenance in its SOURCE.md), replayed on our engine and compared
//! with what JavaRosa 5.1.0 recorded: every node's value and relevant/required/readonly flags,
//! before and after the steps, and each step's result. Nondeterministic values (instanceID,
//! start, end, deviceid) are compared by shape.
//!
//! Compared: `nodes`, `questions` (kind, flags, value, choices, label), `violations`, `validate`,
//! `submission_xml` (canonicalized), and each step's result.
//!
//! `MUST_MATCH` lists the scenarios the engine reproduces today; the test fails if any of them
//! regresses, and prints how far the others are (set `FORM_CONFORMANCE_VERBOSE` for details).
//! The list only grows.

use std::{path::PathBuf, sync::Arc};

use serde_json::Value as Json;
use verivali_core::interview::FolderMedia;
use verivali_form::{
    definition::ExternalInstances,
    session::{
        AnswerOutcome, Clock, EntryKind, Form, NodeSnapshot, Session, Violation, ViolationKind,
    },
};

const MUST_MATCH: &[&str] = &[
    "04-jr-child-vaccination/load",
    "05-jr-whova/load",
    "06-jr-eimci/load",
    "07-jr-three-level-cascading/cascade",
    "07-jr-three-level-cascading/cascade-change",
    "08-jr-simpler-cascading/load",
    "09-jr-choice-name/choose",
    "10-jr-template-repeat/add-two",
    "11-jr-repeat-secondary-instance/two",
    "12-jr-constraint-message/violate-all",
    "13-jr-odk-new-repeat/events",
    "14-jr-nested-repeats/nest",
    "15-jr-relative-current-ref/fruit",
    "16-jr-count-non-empty/load",
    "17-pyx-xlsform-spec-test/email-regex",
    "17-pyx-xlsform-spec-test/email-regex-unanchored",
    "17-pyx-xlsform-spec-test/skip",
    "18-pyx-tutorial/load",
    "19-pyx-choice-filter/cascade",
    "20-pyx-cascading-equivalent/zone2",
    "21-pyx-calculate/load",
    "22-pyx-repeat-date/load",
    "23-pyx-or-other/load",
    "24-pyx-ucl-biomass/load",
    "26-vv-empty-dates/answered",
    "26-vv-empty-dates/cleared",
    "27-vv-lexical-forms/utc",
    "27-vv-lexical-forms/jakarta",
    "28-vv-choice-filters/change",
    "29-vv-household-roster/roster",
    "29-vv-household-roster/change",
    "25-pyx-group/load",
];

/// External instances as the recorded runs had them: present but empty.
struct EmptyExternal;

impl ExternalInstances for EmptyExternal {
    fn fetch(&self, _: &str) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/conformance/forms")
}

/// Every (form directory, scenario name) in the suite.
fn scenarios() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(suite()).unwrap() {
        let dir = entry.unwrap().path();
        for file in std::fs::read_dir(&dir).unwrap() {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            if let Some(scenario) =
                name.strip_prefix("scenario.").and_then(|s| s.strip_suffix(".json"))
            {
                out.push((dir.clone(), scenario.to_owned()));
            }
        }
    }
    out.sort();
    out
}

/// The scenario's zone as an offset: "UTC", or "+07:00" as `tools/javarosa` sets it.
fn zone_offset(scenario: &Json) -> Option<i32> {
    let tz = scenario["tz"].as_str()?;
    if tz == "UTC" {
        return Some(0);
    }
    let sign = if tz.starts_with('-') { -1 } else { 1 };
    let (h, m) = tz.trim_start_matches(['+', '-']).split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

fn read_json(path: PathBuf) -> Json {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Replays one scenario of the suite; returns the mismatches found.
fn replay(dir: &std::path::Path, scenario_name: &str) -> Vec<String> {
    let clock = Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 0, seed: 42 };
    replay_with(dir, dir, scenario_name, &EmptyExternal, clock)
}

/// Replays scenario `scenario_name` (in `scenarios`) on the form in `form_dir`, its external
/// instances from `external`.
fn replay_with(
    form_dir: &std::path::Path,
    scenarios: &std::path::Path,
    scenario_name: &str,
    external: &dyn ExternalInstances,
    clock: Clock,
) -> Vec<String> {
    let dir = form_dir;
    let scenario = read_json(scenarios.join(format!("scenario.{scenario_name}.json")));
    let clock = Clock {
        tz_offset_minutes: zone_offset(&scenario).unwrap_or(clock.tz_offset_minutes),
        ..clock
    };
    let expected = read_json(scenarios.join(format!("expected.{scenario_name}.javarosa.json")));
    let masked: Vec<String> = scenario["nondeterministic_refs"]
        .as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    let xml = std::fs::read_to_string(dir.join("form.xml")).unwrap();
    let form = match Form::load(&xml, external) {
        Ok(form) => Arc::new(form),
        Err(e) => return vec![format!("load failed: {e}")],
    };
    let mut session = match Session::start(form, clock) {
        Ok(s) => s,
        Err(e) => return vec![format!("start failed: {e}")],
    };
    let mut problems = Vec::new();
    if scenario["initial_snapshot"].as_bool() == Some(true) {
        if let Err(e) = session.sync_repeat_counts() {
            return vec![format!("paging failed: {e}")];
        }
        compare_nodes(
            "initial",
            &session.node_snapshots(),
            &expected["initial"]["nodes"],
            &masked,
            &mut problems,
        );
        compare_violations("initial", &session, &expected["initial"], &mut problems);
        compare_questions(
            "initial",
            &session,
            &expected["initial"]["questions"],
            &masked,
            &mut problems,
        );
    }
    for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
        let reference = step["ref"].as_str().unwrap_or("");
        let result = match step["op"].as_str().unwrap() {
            "answer" => match session.answer(reference, step["value"].as_str().unwrap_or("")) {
                Ok(AnswerOutcome::Saved) => "ok".to_owned(),
                Ok(AnswerOutcome::ConstraintViolated { .. }) => "constraint_violated".to_owned(),
                Ok(AnswerOutcome::RequiredButEmpty) => "required_but_empty".to_owned(),
                Ok(AnswerOutcome::Invalid(_)) => "invalid".to_owned(),
                Err(e) => format!("error: {e}"),
            },
            "add_repeat" => session
                .add_repeat(reference)
                .map(|_| "ok".to_owned())
                .unwrap_or_else(|e| format!("error: {e}")),
            "remove_repeat" => session
                .remove_repeat(reference)
                .map(|_| "ok".to_owned())
                .unwrap_or_else(|e| format!("error: {e}")),
            "set_language" => {
                session.set_language(step["value"].as_str().unwrap());
                "ok".to_owned()
            }
            other => format!("unknown op {other}"),
        };
        let want = expected["steps"][i]["result"].as_str().unwrap_or("ok");
        if result != want {
            problems.push(format!(
                "step {} ({} {reference}): got {result}, JavaRosa {want}",
                i + 1,
                step["op"]
            ));
        }
    }
    if let Err(e) = session.sync_repeat_counts() {
        problems.push(format!("paging failed: {e}"));
    }
    compare_nodes(
        "final",
        &session.node_snapshots(),
        &expected["final"]["nodes"],
        &masked,
        &mut problems,
    );
    // Our own driver records nodes and the submission only; the suite's oracle recorded more.
    if expected["final"].get("violations").is_some() {
        compare_violations("final", &session, &expected["final"], &mut problems);
        compare_questions(
            "final",
            &session,
            &expected["final"]["questions"],
            &masked,
            &mut problems,
        );
    }
    let ours = canonical(&session.submission_xml(), &masked);
    let theirs = canonical(expected["final"]["submission_xml"].as_str().unwrap(), &masked);
    if ours != theirs {
        problems.push(format!(
            "final: submission differs:\n    ours     {ours}\n    JavaRosa {theirs}"
        ));
    }
    problems
}

/// A submission in a comparable form: local names, attributes sorted without namespace
/// declarations, leaf text, and masked nodes' text replaced by its shape.
fn canonical(xml: &str, masked: &[String]) -> String {
    fn walk(node: roxmltree::Node<'_, '_>, path: &str, masked: &[String], out: &mut String) {
        let name = node.tag_name().name();
        let path = format!("{path}/{name}");
        let mut attributes: Vec<String> =
            node.attributes().map(|a| format!("{}={:?}", a.name(), a.value())).collect();
        attributes.sort();
        out.push_str(&format!(
            "<{name}{}>",
            attributes.iter().map(|a| format!(" {a}")).collect::<String>()
        ));
        let children: Vec<_> = node.children().filter(|c| c.is_element()).collect();
        if children.is_empty() {
            let text = node.text().unwrap_or("");
            if masked.contains(&path) && !text.is_empty() {
                out.push_str(if text.starts_with("uuid:") { "{uuid}" } else { "{value}" });
            } else {
                out.push_str(text);
            }
        }
        for child in children {
            walk(child, &path, masked, out);
        }
        out.push_str(&format!("</{name}>"));
    }
    let doc = roxmltree::Document::parse(xml).expect("a submission parses");
    let mut out = String::new();
    walk(doc.root_element(), "", masked, &mut out);
    out
}

/// The questions in form order: kind, flags, value, choices, and the label where JavaRosa gave one.
fn compare_questions(
    when: &str,
    session: &Session,
    theirs: &Json,
    masked: &[String],
    problems: &mut Vec<String>,
) {
    let Some(theirs) = theirs.as_array() else {
        return; // not recorded (see compare_violations)
    };
    let ours = match session.questions() {
        Ok(q) => q,
        Err(e) => return problems.push(format!("{when}: questions failed: {e}")),
    };
    let our_refs: Vec<&str> = ours.iter().map(|q| q.reference.as_str()).collect();
    let their_refs: Vec<&str> = theirs.iter().map(|q| q["ref"].as_str().unwrap()).collect();
    if our_refs != their_refs {
        problems
            .push(format!("{when}: questions differ: ours {our_refs:?}, JavaRosa {their_refs:?}"));
        return;
    }
    for (q, want) in ours.iter().zip(theirs) {
        let kind = match q.kind {
            EntryKind::Question => None,
            EntryKind::Group => Some("group"),
            EntryKind::RepeatInstance => Some("repeat_instance"),
        };
        if kind != want["kind"].as_str() {
            problems
                .push(format!("{when}: {} is {kind:?}, JavaRosa {:?}", q.reference, want["kind"]));
            continue;
        }
        if want["relevant"].as_bool() != Some(q.relevant) {
            problems.push(format!("{when}: question {} relevant {}", q.reference, q.relevant));
        }
        if kind.is_some() {
            continue;
        }
        for (name, ours) in [("required", q.required), ("readonly", q.readonly)] {
            if want[name].as_bool() != Some(ours) {
                problems.push(format!("{when}: question {} {name} {ours}", q.reference));
            }
        }
        let masked_value = masked.contains(&strip_indexes(&q.reference));
        if !masked_value && want["value"].as_str() != Some(q.value.as_str()) {
            problems.push(format!(
                "{when}: question {} value {:?}, JavaRosa {:?}",
                q.reference, q.value, want["value"]
            ));
        }
        if let Some(choices) = want["choices"].as_array() {
            let theirs: Vec<&str> = choices.iter().map(|c| c.as_str().unwrap()).collect();
            let ours: Vec<&str> = q.choices.iter().flatten().map(String::as_str).collect();
            if ours != theirs {
                problems
                    .push(format!("{when}: {} choices {ours:?}, JavaRosa {theirs:?}", q.reference));
            }
        }
        if let (Some(label), Some(want)) = (&q.label, want["label"].as_str())
            && label != want
        {
            problems.push(format!("{when}: {} label {label:?}, JavaRosa {want:?}", q.reference));
        }
    }
}

/// The finalize check: the violations in form order, and the first one as JavaRosa's `validate`.
fn compare_violations(when: &str, session: &Session, expected: &Json, problems: &mut Vec<String>) {
    // Recordings made with `tools/javarosa` (JavaRosaRun) hold nodes and the submission only.
    if expected.get("violations").is_none() {
        return;
    }
    let ours = match session.violations() {
        Ok(v) => v,
        Err(e) => return problems.push(format!("{when}: violations failed: {e}")),
    };
    let describe = |v: &Violation| {
        let kind = match v.kind {
            ViolationKind::Required => "required",
            ViolationKind::Constraint { .. } => "constraint",
        };
        format!("{} {kind}", v.reference)
    };
    let ours: Vec<String> = ours.iter().map(describe).collect();
    let theirs: Vec<String> = expected["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{} {}", v["ref"].as_str().unwrap(), v["kind"].as_str().unwrap()))
        .collect();
    if ours != theirs {
        problems.push(format!("{when}: violations {ours:?}, JavaRosa {theirs:?}"));
    }
    let validate = match &expected["validate"] {
        Json::Null => None,
        v => Some(v["ref"].as_str().unwrap().to_owned()),
    };
    let first = ours.first().map(|v| v.split(' ').next().unwrap().to_owned());
    if first != validate {
        problems.push(format!("{when}: first violation {first:?}, JavaRosa validate {validate:?}"));
    }
}

fn compare_nodes(
    when: &str,
    ours: &[NodeSnapshot],
    theirs: &Json,
    masked: &[String],
    problems: &mut Vec<String>,
) {
    let theirs = theirs.as_array().unwrap();
    let our_refs: Vec<&str> = ours.iter().map(|n| n.reference.as_str()).collect();
    let their_refs: Vec<&str> = theirs.iter().map(|n| n["ref"].as_str().unwrap()).collect();
    if our_refs != their_refs {
        problems.push(format!("{when}: nodes differ: ours {our_refs:?}, JavaRosa {their_refs:?}"));
        return;
    }
    for (node, want) in ours.iter().zip(theirs) {
        let flag = |name: &str| want[name].as_bool().unwrap_or(false);
        let generic = strip_indexes(&node.reference);
        let value_matches = match (&node.value, want["value"].as_str()) {
            (Some(ours), Some(theirs)) if masked.contains(&generic) => same_shape(ours, theirs),
            (ours, theirs) => ours.as_deref() == theirs,
        };
        if !value_matches {
            problems.push(format!(
                "{when}: {} value {:?}, JavaRosa {:?}",
                node.reference, node.value, want["value"]
            ));
        }
        for (name, ours) in
            [("relevant", node.relevant), ("required", node.required), ("readonly", node.readonly)]
        {
            if ours != flag(name) {
                problems.push(format!(
                    "{when}: {} {name} {ours}, JavaRosa {}",
                    node.reference,
                    flag(name)
                ));
            }
        }
    }
}

fn strip_indexes(reference: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in reference.chars() {
        match c {
            '[' => skipping = true,
            ']' => skipping = false,
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out
}

/// Nondeterministic values: a `uuid:` v4, or an ISO date/date-time, or both empty.
fn same_shape(ours: &str, theirs: &str) -> bool {
    let kind = |v: &str| {
        if v.is_empty() {
            "empty"
        } else if v.starts_with("uuid:") && v.len() == 41 {
            "uuid"
        } else if v.len() >= 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' {
            "date"
        } else {
            "other"
        }
    };
    kind(ours) == kind(theirs) && kind(ours) != "other"
}

#[test]
fn recorded_javarosa_behaviour_is_reproduced_for_the_supported_scenarios() {
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (dir, scenario) in scenarios() {
        let key = format!("{}/{scenario}", dir.file_name().unwrap().to_string_lossy());
        let problems = replay(&dir, &scenario);
        report.push(format!(
            "{key}: {}",
            if problems.is_empty() {
                "match".to_owned()
            } else {
                format!("{} mismatches", problems.len())
            }
        ));
        if std::env::var_os("FORM_CONFORMANCE_VERBOSE").is_some() {
            problems.iter().take(8).for_each(|p| report.push(format!("    {p}")));
        }
        if MUST_MATCH.contains(&key.as_str()) && !problems.is_empty() {
            failures.push(format!(
                "{key}:\n  {}",
                problems.iter().take(12).cloned().collect::<Vec<_>>().join("\n  ")
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "scenarios that must match JavaRosa do not:\n{}",
        failures.join("\n")
    );
}

#[test]
fn dtks_status_scenarios_match_javarosa_in_relevance_and_submission() {
    let form_dir = suite().join("../../forms/dtks-verivali");
    let scenarios = form_dir.join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&scenarios)
        .unwrap()
        .filter_map(|f| {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            Some(name.strip_prefix("scenario.")?.strip_suffix(".json")?.to_owned())
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "five statuses, two new households, separators: {names:?}");
    // JavaRosa ran on 2026-12-07 (tools/forms/status_scenarios.py, tools/javarosa JavaRosaRun).
    let recorded_on = Clock { now_ms: 1_796_601_600_000, tz_offset_minutes: 7 * 60, seed: 42 };
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let problems =
                replay_with(&form_dir, &scenarios, name, &FolderMedia::new(&form_dir), recorded_on);
            (!problems.is_empty()).then(|| format!("{name}:\n  {}", problems.join("\n  ")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
