//! The commands scripts call print JSON when asked: `upload --json` and `sync --json`, over a
//! real loopback receiver and a closed port.

mod support;

use support::{RECEIVER_KEY, fixtures, verivali};

use verivali_cli::serve::{self, Receiver};

fn json(out: std::process::Output) -> (i32, serde_json::Value) {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code().unwrap(), value)
}

#[test]
fn sync_and_upload_report_as_json() {
    let server_dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token = serve::add_token(server_dir.path(), &RECEIVER_KEY, "Ayu", &["52".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let phone = tempfile::tempdir().unwrap();

    let (code, synced) = json(
        verivali(phone.path())
            .args(["sync", "--json", "--server", &receiver.url, "--token", &token])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0);
    assert_eq!(synced["installed"][0], "mini_verivali 1", "{synced}");

    let imported = verivali(phone.path())
        .args(["prelist", "import"])
        .arg(fixtures().join("prelist/sample.jsonl"))
        .output()
        .unwrap();
    assert!(imported.status.success());
    let answers = phone.path().join("visit.json");
    std::fs::write(
        &answers,
        r#"{"steps": [{"answer": "/data/status_keberadaan", "value": "4"}], "finalize": true}"#,
    )
    .unwrap();
    let (code, _) = json(
        verivali(phone.path())
            .args(["interview", "run", "--household", "5271011009000001", "--answers"])
            .arg(&answers)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let offline = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, report) = json(
        verivali(phone.path())
            .args(["upload", "--json", "--server", &offline, "--token", &token])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0);
    assert_eq!(report["retry_later"], 1, "{report}");
    assert_eq!(report["outbox"][0]["state"], "retry_later");
    assert!(report["outbox"][0]["next_attempt_at"].is_i64());
}
