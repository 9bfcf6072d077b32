//! `verivali bundle` from a terminal: export the waiting interviews into a signed bundle, verify
//! it (exit 0, sound, the signer named), a tampered one (exit 3, what is wrong) and a missing path
//! (an error, nothing created).

mod support;

use std::{path::Path, process::Output};

use support::{fixtures, verivali_bin};
use verivali_core::api::{FinalizeResult, Verivali};

const KEY: [u8; 32] = [6; 32];

fn run(dir: &Path, args: &[&str]) -> Output {
    let key_file = support::key_file(dir, &KEY);
    verivali_bin()
        .arg("--data")
        .arg(dir.join("phone"))
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

#[test]
fn a_bundle_is_written_verified_and_its_tampering_named_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    {
        let phone =
            Verivali::open(dir.path().join("phone").display().to_string(), KEY.to_vec(), None)
                .unwrap();
        let form = fixtures().join("forms/mini-verivali/form.xml");
        phone.install_form(form.display().to_string()).unwrap();
        phone
            .import_prelist(fixtures().join("prelist/sample.jsonl").display().to_string(), None)
            .unwrap();
        let visit = phone.start_interview("mini_verivali".into(), Some("5271011009000001".into()));
        let visit = visit.unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
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
