//! `verivali form …` as a user runs it: the JSON contracts of the conformance README.

mod support;

use support::verivali_bin;

use std::{io::Write, path::PathBuf, process::Stdio};

fn suite(form: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/conformance/forms").join(form)
}

#[test]
fn eval_prints_string_number_and_boolean() {
    let out =
        verivali_bin().args(["form", "eval", "--expr", "concat('a', 1 + 2)"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["string"], "a3");
    assert_eq!(json["boolean"], true);
}

#[test]
fn eval_reports_an_unknown_function_as_an_error() {
    let out = verivali_bin().args(["form", "eval", "--expr", "fancy(1)"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["error"].as_str().unwrap().contains("fancy()"));
}

#[test]
fn run_replays_a_scenario_with_the_recorded_results() {
    let dir = suite("12-jr-constraint-message");
    let scenario = std::fs::read(dir.join("scenario.violate-all.json")).unwrap();
    let mut child = verivali_bin()
        .args(["form", "run"])
        .arg(dir.join("form.xml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&scenario).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("expected.violate-all.javarosa.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ours["load"], "ok");
    let results = |v: &serde_json::Value| -> Vec<(String, Option<String>)> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (s["result"].as_str().unwrap().to_owned(), s["message"].as_str().map(str::to_owned))
            })
            .collect()
    };
    assert_eq!(results(&ours), results(&theirs));
    assert_eq!(ours["final"]["questions"], theirs["final"]["questions"]);
}

#[test]
fn check_reports_statistics_and_a_broken_form_names_its_line() {
    let out = verivali_bin()
        .args(["form", "check", "--json"])
        .arg(suite("18-pyx-tutorial/form.xml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["binds"], 11);
    assert_eq!(report["repeats"], 1);

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<h:html xmlns:h=\"x\">\n<h:head>\n<model></h:head></h:html>").unwrap();
    let out = verivali_bin().args(["form", "check"]).arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.xml") && err.contains("line 3"), "{err}");
}

#[test]
fn check_loads_a_form_calling_an_unknown_function_and_warns_naming_the_bind() {
    let form = std::fs::read_to_string(suite("26-vv-empty-dates/form.xml")).unwrap();
    let odd = form.replace(
        r#"calculate="date('')""#,
        r#"calculate="if(/data/visit = '', '', fancy-thing(/data/visit))""#,
    );
    assert_ne!(form, odd, "the fixture still has the calculate this test edits");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.xml");
    std::fs::write(&path, odd).unwrap();
    let out = verivali_bin().args(["form", "check", "--json"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("fancy-thing()") && warnings.contains("/data/blank_date"),
        "{warnings}"
    );
}
