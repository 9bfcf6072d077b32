//! Replaying a recorded scenario on our engine and comparing it with what JavaRosa 5.1.0
//! recorded: every node's value and relevant/required/readonly flags, before and after the
//! steps, each step's result, and (where recorded) questions, violations and the submission.
//! Nondeterministic values (instanceID, start, end, deviceid) are compared by shape. Shared by
//! the conformance tests of our own suite and of the public forms.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use serde_json::Value as Json;
use verivali_form::{
    definition::ExternalInstances,
    session::{
        AnswerOutcome, Clock, EntryKind, Form, NodeSnapshot, Session, Violation, ViolationKind,
    },
};

/// The scenario's zone as an offset: "UTC", or "+07:00" as `tools/javarosa` sets it.
pub fn zone_offset(scenario: &Json) -> Option<i32> {
    let tz = scenario["tz"].as_str()?;
    if tz == "UTC" {
        return Some(0);
    }
    let sign = if tz.starts_with('-') { -1 } else { 1 };
    let (h, m) = tz.trim_start_matches(['+', '-']).split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

pub fn read_json(path: PathBuf) -> Json {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Replays scenario `scenario_name` (in `scenarios`) on the form in `form_dir`, its external
/// instances from `external`.
pub fn replay_with(
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
        compare_snapshot("initial", &session, &expected["initial"], &masked, &mut problems);
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
    compare_snapshot("final", &session, &expected["final"], &masked, &mut problems);
    let ours = canonical(&session.submission_xml(), &masked);
    let theirs = canonical(expected["final"]["submission_xml"].as_str().unwrap(), &masked);
    if ours != theirs {
        problems.push(format!(
            "final: submission differs:\n    ours     {ours}\n    JavaRosa {theirs}"
        ));
    }
    problems
}

/// Compares a snapshot: every node, and the violations and questions where they were recorded
/// (our own driver records nodes and the submission only; the suite's oracle recorded more).
pub fn compare_snapshot(
    when: &str,
    session: &Session,
    expected: &Json,
    masked: &[String],
    problems: &mut Vec<String>,
) {
    compare_nodes(when, &session.node_snapshots(), &expected["nodes"], masked, problems);
    compare_violations(when, session, expected, problems);
    compare_questions(when, session, &expected["questions"], masked, problems);
}

/// Every (form directory, scenario name) below `root`, sorted.
pub fn scenarios_in(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
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

/// A submission in a comparable form: local names, attributes sorted without namespace
/// declarations, leaf text, and masked nodes' text replaced by its shape.
pub fn canonical(xml: &str, masked: &[String]) -> String {
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
pub fn compare_questions(
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
pub fn compare_violations(
    when: &str,
    session: &Session,
    expected: &Json,
    problems: &mut Vec<String>,
) {
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

pub fn compare_nodes(
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

pub fn strip_indexes(reference: &str) -> String {
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
pub fn same_shape(ours: &str, theirs: &str) -> bool {
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
