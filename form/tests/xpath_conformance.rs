//! XPath conformance against JavaRosa 5.1.0, the engine inside ODK Collect.
//!
//! The cases come from JavaRosa's own `XPathEvalTest`, re-run live against JavaRosa and Enketo
//! (`test-fixtures/conformance/xpath`, copied with its README; provenance in `test-fixtures/conformance/SOURCE.md`). `v1-core` holds the cases where both engines
//! agree with the expected value: every one must pass. `divergences` holds the cases where the
//! engines disagree: there we must match what JavaRosa actually did.

use std::{cell::Cell, path::PathBuf};

use serde_json::Value as Json;
use verivali_form::{
    dom::Document,
    frozen::FrozenDocument,
    scan::parse_frozen,
    xpath::{Context, Instances, NodeRef, XPath},
};

fn cases(file: &str) -> Vec<Json> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-fixtures/conformance/xpath")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is needed: {e}", path.display()));
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// What evaluating a case gave, in the shape the case's `result_type` asks for.
#[derive(Debug)]
enum Outcome {
    Threw(String),
    Got(Json),
}

fn run(case: &Json) -> Outcome {
    // Enketo's cases are HTML documents with a `<!DOCTYPE html>` line; a form's instance never
    // has one (and the engine refuses DTDs), so it is left out.
    let context = case["context_xml"].as_str().map(without_doctype);
    let primary = match context.as_deref().map(Document::parse) {
        Some(Ok(doc)) => doc,
        Some(Err(refused)) => {
            return Outcome::Threw(format!("context document refused: {refused}"));
        }
        None => Document::with_root("data"),
    };
    let secondary_docs: Vec<(String, FrozenDocument)> = case["secondary_instances"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(id, xml)| (id.clone(), parse_frozen(xml.as_str().unwrap()).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let instances = Instances {
        primary: &primary,
        secondary: &secondary_docs,
        nonrelevant: None,
        typed: None,
        index: None,
    };
    let random = Cell::new(7);
    let mut ctx = Context {
        instances: &instances,
        node: NodeRef::document(0),
        current: NodeRef::document(0),
        now_ms: 1_764_288_000_000,
        tz_offset_minutes: zone_offset(case["tz"].as_str().unwrap_or("UTC")),
        random_state: &random,
        form: None,
    };
    if let Some(path) = case["context_path"].as_str() {
        let Some(node) = node_at(&primary, path) else {
            return Outcome::Threw(format!("context path {path} selects no node"));
        };
        ctx.node = node;
        ctx.current = node;
    }
    let expr = match XPath::compile(case["expr"].as_str().unwrap()) {
        Ok(expr) => expr,
        Err(e) => return Outcome::Threw(e.to_string()),
    };
    let result_type = case["result_type"].as_str().unwrap();
    if result_type == "boolean" {
        // As a condition: a single node by its value, as JavaRosa reads it.
        return match expr.eval_bool(&ctx) {
            Ok(truth) => Outcome::Got(Json::Bool(truth)),
            Err(e) => Outcome::Threw(e.to_string()),
        };
    }
    let value = match expr.eval(&ctx) {
        Ok(value) => value,
        Err(e) => return Outcome::Threw(e.to_string()),
    };
    let read = |n: NodeRef| instances.string_value(n);
    let shaped = match result_type {
        "number" => value.to_num(&read).map(number_json),
        "string" | "date" => value.to_str(&read).map(Json::String),
        "throws" => Ok(Json::String(format!("no error, value {value:?}"))),
        other => panic!("unknown result type {other}"),
    };
    match shaped {
        Ok(json) => Outcome::Got(json),
        Err(e) => Outcome::Threw(e.to_string()),
    }
}

/// The case's time zone as a fixed offset: the corpora use UTC and America/Phoenix (no daylight
/// saving time, as Enketo's suite runs).
fn zone_offset(tz: &str) -> i32 {
    match tz {
        "UTC" => 0,
        "America/Phoenix" => -7 * 60,
        other => panic!("the time zone {other} has no fixed offset here"),
    }
}

/// The element at a canonical path (`/data/item[2]/name`, 1-based positions among same-named
/// siblings), found by walking the document: XPath's numeric predicates select nothing in
/// JavaRosa, so the engine is not asked.
fn node_at(doc: &Document, path: &str) -> Option<NodeRef> {
    let mut steps = path.trim_start_matches('/').split('/');
    let mut at = doc.root();
    let (root_name, _) = name_and_position(steps.next()?);
    if &*doc.get(at).name != root_name {
        return None;
    }
    for step in steps {
        let (name, position) = name_and_position(step);
        let mut same = doc.get(at).children.iter().filter(|&&c| &*doc.get(c).name == name);
        at = *same.nth(position - 1)?;
    }
    Some(NodeRef::element(0, at))
}

fn name_and_position(step: &str) -> (&str, usize) {
    match step.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().unwrap_or(1)),
        None => (step, 1),
    }
}

fn without_doctype(xml: &str) -> String {
    let Some(start) = xml.find("<!DOCTYPE") else { return xml.to_owned() };
    let end = xml[start..].find('>').map_or(xml.len(), |e| start + e + 1);
    format!("{}{}", &xml[..start], &xml[end..])
}

fn number_json(n: f64) -> Json {
    if n.is_nan() {
        Json::String("NaN".into())
    } else if n.is_infinite() {
        Json::String(if n > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        serde_json::json!(n)
    }
}

/// Numbers agree within a relative 1e-12 (absolute near zero); everything else exactly.
fn agrees(outcome: &Outcome, result_type: &str, expected: &Json) -> bool {
    if expected.get("error").is_some() {
        return matches!(outcome, Outcome::Threw(_));
    }
    match (outcome, result_type) {
        (Outcome::Threw(_), "throws") => true,
        (Outcome::Got(_), "throws") | (Outcome::Threw(_), _) => false,
        (Outcome::Got(Json::Number(got)), "number") => expected.as_f64().is_some_and(|want| {
            let got = got.as_f64().unwrap();
            (got - want).abs() <= 1e-12 * want.abs().max(got.abs()).max(1.0)
        }),
        (Outcome::Got(got), _) => got == expected,
    }
}

fn failures(file: &str, expected_field: &str) -> Vec<String> {
    failures_among(&cases(file), file, expected_field)
}

fn failures_among(cases: &[Json], file: &str, expected_field: &str) -> Vec<String> {
    assert!(cases.len() >= 30, "{file} holds only {} cases", cases.len());
    if std::env::var_os("XPATH_CONFORMANCE_VERBOSE").is_some() {
        for case in cases {
            eprintln!("{} {:?} -> {:?}", case["id"], case["expr"].as_str().unwrap(), run(case));
        }
    }
    cases
        .iter()
        .filter_map(|case| {
            let expected = &case[expected_field];
            let result_type = case["result_type"].as_str().unwrap();
            let outcome = run(case);
            (!agrees(&outcome, result_type, expected)).then(|| {
                let got = match &outcome {
                    Outcome::Threw(error) => format!("an error: {error}"),
                    Outcome::Got(value) => value.to_string(),
                };
                format!(
                    "{} `{}`: expected {expected}, got {got}",
                    case["id"],
                    case["expr"].as_str().unwrap()
                )
            })
        })
        .collect()
}

#[test]
fn every_case_where_javarosa_and_enketo_agree_passes() {
    let failed = failures("javarosa-evaltest.v1-core.jsonl", "expected");
    assert!(
        failed.is_empty(),
        "{} of the v1-core cases fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn where_the_engines_disagree_we_do_what_javarosa_did() {
    let failed = failures("javarosa-evaltest.divergences.jsonl", "javarosa_actual");
    assert!(
        failed.is_empty(),
        "{} of the divergence cases differ from JavaRosa:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The public corpora recorded live from JavaRosa 5.1.0 (`SOURCES-xpath.md`): every case must
/// give what JavaRosa gave, except the ones `known-differences.json` lists with the reason (ADR
/// 0017). A listed case that now matches must leave the list.
fn matches_javarosa_except_known_differences(file: &str) {
    let known: Json = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../test-fixtures/conformance/xpath/known-differences.json"),
        )
        .expect("known-differences.json is needed"),
    )
    .unwrap();
    let known = known["cases"].as_object().expect("a map of case id to reason");
    let all = cases(file);
    let failed = failures_among(&all, file, "javarosa_actual");
    let id_of = |line: &str| line.split_whitespace().next().unwrap().trim_matches('"').to_owned();
    let unexpected: Vec<&String> =
        failed.iter().filter(|f| !known.contains_key(&id_of(f))).collect();
    let ids: std::collections::HashSet<String> =
        all.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    let failed_ids: std::collections::HashSet<String> = failed.iter().map(|f| id_of(f)).collect();
    let fixed: Vec<&String> =
        known.keys().filter(|id| ids.contains(*id) && !failed_ids.contains(*id)).collect();
    eprintln!(
        "{file}: {} cases, {} match JavaRosa ({:.1} %), {} known differences",
        all.len(),
        all.len() - failed.len(),
        100.0 * (all.len() - failed.len()) as f64 / all.len() as f64,
        failed.len() - unexpected.len()
    );
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} cases of {file} differ from JavaRosa:\n{}\nlisted but now matching: {fixed:?}",
        unexpected.len(),
        unexpected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn enketos_openrosa_xpath_evaluator_suite_gives_what_javarosa_gives() {
    matches_javarosa_except_known_differences("enketo-oxe.cases.jsonl");
}

#[test]
fn odk_web_forms_xpath_suite_gives_what_javarosa_gives() {
    matches_javarosa_except_known_differences("webforms-xpath.cases.jsonl");
}

#[test]
fn javarosas_other_xpath_tests_give_what_javarosa_gives() {
    matches_javarosa_except_known_differences("javarosa-more.cases.jsonl");
}
