//! SIGKILL mid-upload and mid-receive: after a rerun (or a restart of the receiver) every
//! finalized interview is on the server exactly once and marked sent on the device (ADR 0010).

#![cfg(unix)]

mod support;

use support::{RECEIVER_KEY, fixtures};

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use verivali_cli::serve::{self, Receiver};
use verivali_core::api::{FinalizeResult, UploadState, Verivali};

const KEY: &str = "0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000";

fn raw_key() -> Vec<u8> {
    (0..32).map(|i| u8::from_str_radix(&KEY[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// A device store with a finalized visit for each of the first `count` sample households that
/// finalizes cleanly; returns their ids.
fn device(dir: &Path, count: usize) -> Vec<String> {
    let verivali = Verivali::open(dir.display().to_string(), raw_key(), None).unwrap();
    let form = fixtures().join("forms/mini-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    let sample = fixtures().join("prelist/sample.jsonl");
    verivali.import_prelist(sample.display().to_string(), None).unwrap();
    let text = std::fs::read_to_string(sample).unwrap();
    let mut ids = Vec::new();
    for line in text.lines().take(count) {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let household = record["id_dtks"].as_str().unwrap().to_owned();
        let visit = verivali.start_interview("mini_verivali".into(), Some(household)).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        // A few sample households carry planted defects that block finalizing; they stay drafts.
        if matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }) {
            ids.push(visit.id());
        }
    }
    ids
}

fn received(server_dir: &Path) -> (i64, i64) {
    let conn = serve::store::open(server_dir, &RECEIVER_KEY).unwrap();
    conn.query_row("SELECT count(*), count(DISTINCT instance_id) FROM submissions", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .unwrap_or((0, 0))
}

fn upload(device: &Path, url: &str, token: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(device)
        .env("VERIVALI_KEY", KEY)
        .args(["upload", "--server", url, "--token", token])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        sleep(Duration::from_millis(5));
    }
}

fn all_sent(device_dir: &Path) -> bool {
    let verivali = Verivali::open(device_dir.display().to_string(), raw_key(), None).unwrap();
    verivali.outbox_status().unwrap().iter().all(|e| e.state == UploadState::Sent)
}

#[test]
fn sigkill_of_upload_mid_transfer_then_a_rerun_loses_and_duplicates_nothing() {
    let (server_dir, device_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token = serve::add_token(server_dir.path(), &RECEIVER_KEY, "Ayu", &["52".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let ids = device(device_dir.path(), 120);
    let mut child = upload(device_dir.path(), &receiver.url, &token);
    wait_until("the first submissions", || received(server_dir.path()).0 >= 3);
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = received(server_dir.path()).0;
    let status = upload(device_dir.path(), &receiver.url, &token).wait().unwrap();
    assert!(status.success(), "the rerun finishes");
    assert_eq!(received(server_dir.path()), (ids.len() as i64, ids.len() as i64));
    assert!(all_sent(device_dir.path()));
    eprintln!("killed after {at_kill} of {} submissions", ids.len());
}

#[test]
fn sigkill_of_serve_mid_receive_then_a_restart_lets_the_retry_complete() {
    let (server_dir, device_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token = serve::add_token(server_dir.path(), &RECEIVER_KEY, "Budi", &["52".into()]).unwrap();
    let ids = device(device_dir.path(), 120);
    let serve = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_verivali"))
            .arg("--data")
            .arg(server_dir.path())
            .args(["serve", "--port", &port.to_string()])
            .env(
                "VERIVALI_KEY",
                RECEIVER_KEY.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(port);
    wait_until("the receiver", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let mut client = upload(device_dir.path(), &url, &token);
    wait_until("the first submissions", || received(server_dir.path()).0 >= 3);
    server.kill().unwrap();
    server.wait().unwrap();
    client.wait().unwrap();
    let mut server = serve(port);
    wait_until("the restarted receiver", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    // The device's retries are due later; a person (or the next job) asks again with time passed.
    let verivali =
        Verivali::open(device_dir.path().display().to_string(), raw_key(), None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !all_sent(device_dir.path()) {
        assert!(Instant::now() < deadline, "the retries complete");
        requeue_retries(device_dir.path());
        verivali.upload_pending(url.clone(), Some(token.clone()), 30_000, None, None).unwrap();
    }
    server.kill().unwrap();
    let _ = server.wait();
    assert_eq!(received(server_dir.path()), (ids.len() as i64, ids.len() as i64));
}

/// Makes every retry due now (as time passing would).
fn requeue_retries(device_dir: &Path) {
    let key = verivali_core::store::StoreKey::from_bytes(&raw_key()).unwrap();
    let store = verivali_core::store::Store::open(device_dir, &key).unwrap();
    store
        .write(|tx| {
            tx.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'retry_later'", [])?;
            Ok(())
        })
        .unwrap();
}
