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
    xpath::{Context, Instances, NodeRef, Value, XPath},
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
    let primary = match case["context_xml"].as_str() {
        Some(xml) => Document::parse(xml).expect("context XML parses"),
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
        tz_offset_minutes: 0,
        random_state: &random,
        form: None,
    };
    if let Some(path) = case["context_path"].as_str() {
        let Ok(Value::Nodes(nodes)) = XPath::compile(path).unwrap().eval(&ctx) else {
            panic!("context path")
        };
        ctx.node = nodes[0];
        ctx.current = nodes[0];
    }
    let value = match XPath::compile(case["expr"].as_str().unwrap()).and_then(|x| x.eval(&ctx)) {
        Ok(value) => value,
        Err(e) => return Outcome::Threw(e.to_string()),
    };
    let read = |n: NodeRef| instances.string_value(n);
    let shaped = match case["result_type"].as_str().unwrap() {
        "boolean" => Ok(Json::Bool(value.to_bool())),
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
    let cases = cases(file);
    assert!(cases.len() >= 30, "{file} holds only {} cases", cases.len());
    if std::env::var_os("XPATH_CONFORMANCE_VERBOSE").is_some() {
        for case in &cases {
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
