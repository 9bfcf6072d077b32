//! `verivali interview run` as a trainer scripts it: a prelist visit replayed from an answers
//! file, its rule findings, and finalize blocked until the warning has a reason.

mod support;

use support::{fixtures, verivali};

fn run(data: &std::path::Path, answers: &serde_json::Value) -> (i32, serde_json::Value) {
    let file = data.join("answers.json");
    std::fs::write(&file, answers.to_string()).unwrap();
    let out = verivali(data)
        .args(["interview", "run", "--household", "5271011009000001", "--answers"])
        .arg(&file)
        .arg("--form")
        .arg(fixtures().join("forms/mini-verivali/form.xml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code().unwrap(), json)
}

#[test]
fn a_replayed_visit_reports_steps_findings_and_finalize() {
    let dir = tempfile::tempdir().unwrap();
    let imported = verivali(dir.path())
        .args(["prelist", "import"])
        .arg(fixtures().join("prelist/sample.jsonl"))
        .output()
        .unwrap();
    assert!(imported.status.success());
    let mut answers = serde_json::json!({
        "steps": [
            {"answer": "/data/status_keberadaan", "value": "1"},
            {"answer": "/data/members[2]/nama", "value": "Rizky Firmansyah Putra"},
            {"answer": "/data/members[2]/tanggal_lahir", "value": "2020-02-30"}
        ],
        "finalize": true
    });
    let (code, report) = run(dir.path(), &answers);
    assert_eq!(code, 3, "blocked: {report}");
    assert_eq!(report["steps"][0]["result"], "saved");
    assert!(report["steps"][2]["result"]["invalid"].is_string(), "{report}");
    assert_eq!(report["findings"][0]["rule"], "status.1_changed");
    assert_eq!(report["finalize"]["unconfirmed"][0]["suggestion"], "2");
    answers["steps"].as_array_mut().unwrap().pop();
    answers["confirmations"] = serde_json::json!([{
        "rule": "status.1_changed",
        "reference": "/data/status_keberadaan",
        "reason": "Ejaan nama diperbaiki sesuai KK"
    }]);
    let (code, report) = run(dir.path(), &answers);
    assert_eq!((code, &report["finalize"]["result"]), (0, &serde_json::json!("finalized")));
}

#[test]
fn a_broken_answers_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.json");
    std::fs::write(&file, "{\"steps\": [").unwrap();
    let out =
        verivali(dir.path()).args(["interview", "run", "--answers"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("answers.json") && stderr.contains("not valid"), "{stderr}");
}
