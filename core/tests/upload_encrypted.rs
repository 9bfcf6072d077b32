//! A form with `base64RsaPublicKey`: the submission leaves the phone encrypted as ODK Collect
//! encrypts it, and the independent decryptor (`tools/crypto/decrypt_submission.py`, ADR 0014)
//! recovers the exact submission XML and checks checks file and signature; no plain text is in
//! the multipart body, and a wrong private key fails.

#[path = "support/openrosa.rs"]
mod openrosa;

use std::{path::Path, process::Command};

use openrosa::{created, scripted};
use verivali_core::api::{FinalizeResult, Verivali};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Debian's python3 when it has `cryptography` (CI installs it), else the one on PATH.
fn python() -> Command {
    let system = Path::new("/usr/bin/python3");
    let has = |py: &Path| {
        Command::new(py).args(["-c", "import cryptography"]).status().is_ok_and(|s| s.success())
    };
    let mut command = Command::new(if has(system) { system } else { Path::new("python3") });
    command.arg(root().join("tools/crypto/decrypt_submission.py"));
    command
}

fn keygen(dir: &Path, name: &str) -> String {
    let out = python().args(["keygen", "--out-private"]).arg(dir.join(name)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn an_encrypted_form_sends_no_plain_text_and_the_independent_decryptor_recovers_it() {
    let keys = tempfile::tempdir().unwrap();
    let public = keygen(keys.path(), "priv.pem");
    keygen(keys.path(), "other.pem");
    let form_dir = tempfile::tempdir().unwrap();
    let plain =
        std::fs::read_to_string(root().join("test-fixtures/forms/mini-verivali/form.xml")).unwrap();
    let encrypted = plain.replacen(
        "</model>",
        &format!("<submission base64RsaPublicKey=\"{public}\"/></model>"),
        1,
    );
    assert_ne!(plain, encrypted);
    std::fs::write(form_dir.path().join("form.xml"), encrypted).unwrap();

    let data = tempfile::tempdir().unwrap();
    let device = Verivali::open(data.path().display().to_string(), vec![9; 32], None).unwrap();
    device.install_form(form_dir.path().join("form.xml").display().to_string()).unwrap();
    device
        .import_prelist(
            root().join("test-fixtures/prelist/sample.jsonl").display().to_string(),
            None,
        )
        .unwrap();
    let interview =
        device.start_interview("mini_verivali".into(), Some("5271011009000001".into())).unwrap();
    interview.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    assert!(matches!(interview.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let submission = interview.submission_xml().unwrap();
    assert!(submission.contains("<status_keberadaan>4</status_keberadaan>"));

    let server = scripted("127.0.0.1:0", |_, _| created());
    assert_eq!(
        device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap().acknowledged,
        1
    );
    let post = &server.posts()[0];
    let body = String::from_utf8_lossy(&post.body);
    assert!(
        !body.contains("status_keberadaan") && !body.contains("\"findings\""),
        "plain text on the wire"
    );
    let received = tempfile::tempdir().unwrap();
    for (name, bytes) in post.parts() {
        let file = if name == "xml_submission_file" { "submission.xml".to_owned() } else { name };
        std::fs::write(received.path().join(file), bytes).unwrap();
    }

    let out = tempfile::tempdir().unwrap();
    let decrypted = python()
        .args(["decrypt", "--strict", "--key"])
        .arg(keys.path().join("priv.pem"))
        .arg("--submission")
        .arg(received.path())
        .arg("--out")
        .arg(out.path().join("plain"))
        .output()
        .unwrap();
    assert!(decrypted.status.success(), "{}", String::from_utf8_lossy(&decrypted.stderr));
    assert!(String::from_utf8_lossy(&decrypted.stdout).contains("\"signature\": \"ok\""));
    let recovered = std::fs::read_to_string(out.path().join("plain/submission.xml")).unwrap();
    assert_eq!(recovered, submission, "byte-identical submission XML");
    let checks = std::fs::read_to_string(out.path().join("plain/verivali-checks.json")).unwrap();
    assert!(checks.contains("\"instance_id\""));

    let wrong = python()
        .args(["decrypt", "--key"])
        .arg(keys.path().join("other.pem"))
        .arg("--submission")
        .arg(received.path())
        .arg("--out")
        .arg(out.path().join("wrong"))
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "a wrong private key fails");
}
