//! `verivali bundle` from a terminal: export the waiting interviews into a signed bundle, verify
//! it (exit 0, sound, the signer named), a tampered one (exit 3, what is wrong) and a missing path
//! (an error, nothing created).

mod support;

use std::{path::Path, process::Output};

use support::{fixtures, verivali_bin};
use verivali_core::api::{FinalizeResult, Verivali};

const KEY: [u8; 32] = [6; 32];

fn run(dir: &Path, args: &[&str]) -> Output {
    run_on(dir, "phone", args)
}

/// Runs the CLI on the phone whose data folder is `dir/phone`.
fn run_on(dir: &Path, phone: &str, args: &[&str]) -> Output {
    let key_file = support::key_file(dir, &KEY);
    verivali_bin()
        .arg("--data")
        .arg(dir.join(phone))
        .arg("--key-file")
        .arg(&key_file)
        .env("VERIVALI_BUNDLE_PASSPHRASE", "rahasia-desa")
        .args(args)
        .output()
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A phone in `dir/name` with the mini form, the sample prelist and `household` finalized.
fn finalized_phone(dir: &Path, name: &str, household: Option<&str>) {
    let phone = Verivali::open(dir.join(name).display().to_string(), KEY.to_vec(), None).unwrap();
    let form = fixtures().join("forms/mini-verivali/form.xml");
    phone.install_form(form.display().to_string()).unwrap();
    phone
        .import_prelist(fixtures().join("prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    if let Some(household) = household {
        let visit = phone.start_interview("mini_verivali".into(), Some(household.into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_pengawas_reviews_a_handed_interview_and_returns_it_by_bundle_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    finalized_phone(dir, "phone", Some("5271011009000001"));
    finalized_phone(dir, "pengawas", None);
    let enumerator_key = stdout(&run(dir, &["bundle", "key"])).trim().to_owned();
    let pengawas_key = stdout(&run_on(dir, "pengawas", &["bundle", "key"])).trim().to_owned();
    let out = dir.join("out");
    let exported = run(dir, &["bundle", "export", "--out", out.to_str().unwrap(), "--json"]);
    let path = json(&exported)["path"].as_str().unwrap().to_owned();

    let untrusted = run_on(dir, "pengawas", &["bundle", "import", &path]);
    assert!(!untrusted.status.success());
    assert!(String::from_utf8_lossy(&untrusted.stderr).contains("does not trust"));
    stdout(&run_on(dir, "pengawas", &["bundle", "trust", &enumerator_key, "--name", "Ayu"]));
    let trusted = json(&run_on(dir, "pengawas", &["bundle", "trusted", "--json"]));
    assert_eq!(trusted[0]["label"], "Ayu");
    let imported = json(&run_on(dir, "pengawas", &["bundle", "import", &path, "--json"]));
    assert_eq!(
        (imported["new"].as_u64(), imported["signer_label"].as_str()),
        (Some(1), Some("Ayu"))
    );

    let team = json(&run_on(dir, "pengawas", &["team", "list", "--json"]));
    let id = team[0]["instance_id"].as_str().unwrap().to_owned();
    assert_eq!(team[0]["state"], "waiting");
    assert!(team[0]["reasons"].as_array().unwrap().iter().any(|r| r == "status_4"));
    let shown = json(&run_on(dir, "pengawas", &["team", "show", &id, "--json"]));
    assert!(shown["sections"].as_array().unwrap().iter().any(|s| {
        s["answers"].as_array().unwrap().iter().any(|a| a["reference"] == "/data/status_keberadaan")
    }));
    let comment = "/data/status_keberadaan=Tetangga bilang masih tinggal";
    let returned = run_on(dir, "pengawas", &["team", "return", &id, "--comment", comment]);
    assert!(stdout(&returned).contains("returned"));
    let again = run_on(dir, "pengawas", &["team", "approve", &id]);
    assert!(!again.status.success(), "a returned interview waits for its correction");

    let back =
        run_on(dir, "pengawas", &["bundle", "export", "--out", out.to_str().unwrap(), "--json"]);
    let back = json(&back)["path"].as_str().unwrap().to_owned();
    let member_only = run(dir, &["bundle", "trust", &pengawas_key, "--name", "Siti"]);
    stdout(&member_only);
    let ignored = json(&run(dir, &["bundle", "import", &back, "--json"]));
    assert_eq!(ignored["reopened"].as_array().unwrap().len(), 0, "returns need a pengawas's key");
    stdout(&run(dir, &["bundle", "trust", &pengawas_key, "--name", "Siti", "--pengawas"]));
    let reopened = json(&run(dir, &["bundle", "import", &back, "--json"]));
    assert_eq!(reopened["reopened"].as_array().unwrap().len(), 1);
    let visits = json(&run(dir, &["visits", "--returned", "--json"]));
    assert_eq!(visits.as_array().unwrap().len(), 1, "{visits}");
}

#[test]
fn a_bundle_is_written_verified_and_its_tampering_named_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    finalized_phone(dir.path(), "phone", Some("5271011009000001"));
    let out = dir.path().join("out");
    let exported = run(dir.path(), &["bundle", "export", "--out", out.to_str().unwrap(), "--json"]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let path = json(&exported)["path"].as_str().unwrap().to_owned();
    let key = String::from_utf8(run(dir.path(), &["bundle", "key"]).stdout).unwrap();

    let verified = run(dir.path(), &["bundle", "verify", &path, "--json"]);
    assert!(verified.status.success());
    let verified = json(&verified);
    assert_eq!(verified["sound"], true);
    assert_eq!(verified["signer_key"], key.trim());

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "key", "rahasia-desa").unwrap();
    conn.execute_batch("INSERT INTO attachments VALUES ('uuid:x', 'foto.jpg', x'ffd8');").unwrap();
    drop(conn);
    let tampered = run(dir.path(), &["bundle", "verify", &path]);
    assert_eq!(tampered.status.code(), Some(3));
    let said = String::from_utf8_lossy(&tampered.stdout);
    assert!(
        said.contains("NOT SOUND") && said.contains("uuid:x/foto.jpg is not in the manifest"),
        "{said}"
    );

    let missing = dir.path().join("tidak-ada.vvbundle");
    let refused = run(dir.path(), &["bundle", "verify", missing.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("tidak-ada.vvbundle"));
    assert!(!missing.exists());
}
