//! `kill -9` while returns travel: of the device's `verivali upload` while it applies the
//! returns it fetched, and of `verivali serve` while devices fetch them. Afterwards every
//! returned interview is reopened on the device exactly once with its comments, the receiver
//! still holds every return as it was, and both databases are sound.

#![cfg(unix)]

mod support;

use std::{
    path::Path,
    process::{Command, Stdio},
    thread::sleep,
    time::Duration,
};

use support::{RECEIVER_KEY, fixtures, key_file, serve_process};
use verivali_cli::serve::{
    self, Receiver,
    review::{self, Action, Comment},
};
use verivali_core::api::{FinalizeResult, Verivali};

const DEVICE_KEY: [u8; 32] = [5; 32];
const VISITS: usize = 60;

/// A receiver folder and a device that sent `VISITS` status-4 visits, all returned with a
/// comment by the pengawas; the device's token and its interview ids.
fn returned_visits(office: &Path, phone: &Path) -> (String, Vec<String>) {
    support::receiver_dir_with_sample_prelist(office);
    let token = serve::add_token(office, &RECEIVER_KEY, "Ayu", &["52.71".into()]).unwrap();
    let receiver = Receiver::start(office, &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let device = Verivali::open(phone.display().to_string(), DEVICE_KEY.to_vec(), None).unwrap();
    device.sync_down(receiver.url.clone(), Some(token.clone()), None, None).unwrap();
    let sample = std::fs::read_to_string(fixtures().join("prelist/sample.jsonl")).unwrap();
    let mut ids = Vec::new();
    for line in sample.lines() {
        if ids.len() == VISITS {
            break;
        }
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let household = record["id_dtks"].as_str().unwrap().to_owned();
        let visit = device.start_interview("mini_verivali".into(), Some(household)).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        if matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }) {
            ids.push(visit.id());
        }
    }
    let sent = device.upload_pending(receiver.url.clone(), Some(token.clone()), 60_000, None, None);
    assert_eq!(sent.unwrap().acknowledged as usize, ids.len());
    for id in &ids {
        let comments = vec![Comment {
            reference: Some("/data/status_keberadaan".into()),
            text: format!("Cek {id}"),
        }];
        review::decide(office, &RECEIVER_KEY, id, "siti", &Action::Return { comments }, None)
            .unwrap();
    }
    (token, ids)
}

/// How many interviews the device holds as returned by the pengawas.
fn returned_count(phone: &Path) -> usize {
    let device = Verivali::open(phone.display().to_string(), DEVICE_KEY.to_vec(), None).unwrap();
    device.interviews().unwrap().iter().filter(|v| v.returned_by_pengawas).count()
}

/// Every interview is returned once on the device, with its own comment; the store is sound.
fn assert_each_returned_once(phone: &Path, ids: &[String]) {
    let device = Verivali::open(phone.display().to_string(), DEVICE_KEY.to_vec(), None).unwrap();
    assert!(device.integrity_problems().unwrap().is_empty());
    let listed = device.interviews().unwrap();
    for id in ids {
        let visit = listed.iter().find(|v| &v.interview_id == id).unwrap();
        assert!(visit.returned_by_pengawas, "{id} came back");
        let review = device.review_return(id.clone()).unwrap().expect("its comments");
        assert_eq!(review.comments.len(), 1, "{id}: its comment once");
        assert_eq!(review.comments[0].text, format!("Cek {id}"));
    }
}

#[test]
fn sigkill_of_the_device_while_it_applies_returns_reopens_each_exactly_once() {
    let (office, phone) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (token, ids) = returned_visits(office.path(), phone.path());
    let (mut receiver, url) =
        serve_process::start(office.path(), &key_file(office.path(), &RECEIVER_KEY));
    let device_key = key_file(phone.path(), &DEVICE_KEY);
    let upload = || {
        Command::new(env!("CARGO_BIN_EXE_verivali"))
            .arg("--data")
            .arg(phone.path())
            .arg("--key-file")
            .arg(&device_key)
            .args(["upload", "--json", "--server", &url, "--token", &token])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Kill earlier and later until one kill has landed with some returns applied and some not.
    let mut landed_mid_way = false;
    for round in 0..40u64 {
        let mut child = upload();
        sleep(Duration::from_millis(20 + 15 * round));
        let _ = child.kill();
        child.wait().unwrap();
        let applied = returned_count(phone.path());
        if applied == ids.len() {
            break;
        }
        landed_mid_way |= applied > 0;
    }
    assert!(landed_mid_way, "a kill landed while the returns were being applied");
    let finished = upload().wait_with_output().unwrap();
    assert!(finished.status.success());
    receiver.kill().unwrap();
    receiver.wait().unwrap();
    assert_each_returned_once(phone.path(), &ids);
}

#[test]
fn sigkill_of_the_receiver_while_returns_are_fetched_loses_no_return() {
    let (office, phone) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (token, ids) = returned_visits(office.path(), phone.path());
    let office_key = key_file(office.path(), &RECEIVER_KEY);
    let device = Verivali::open(phone.path().display().to_string(), DEVICE_KEY.to_vec(), None);
    let device = device.unwrap();
    let mut reopened = Vec::new();
    for round in 0..4u64 {
        let (mut receiver, url) = serve_process::start(office.path(), &office_key);
        let fetching = std::thread::scope(|scope| {
            let fetch = scope.spawn(|| device.fetch_returns(url.clone(), Some(token.clone())));
            sleep(Duration::from_millis(5 + 10 * round));
            receiver.kill().unwrap();
            receiver.wait().unwrap();
            fetch.join().unwrap()
        });
        if let Ok(summary) = fetching {
            reopened.extend(summary.reopened);
        }
    }
    let (mut receiver, url) = serve_process::start(office.path(), &office_key);
    reopened.extend(device.fetch_returns(url, Some(token)).unwrap().reopened);
    receiver.kill().unwrap();
    receiver.wait().unwrap();
    reopened.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(reopened, expected, "each return applied once over the kills");
    drop(device);
    assert_each_returned_once(phone.path(), &ids);
    let conn = serve::store::open(office.path(), &RECEIVER_KEY).unwrap();
    let sound: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(sound, "ok");
    let still: i64 = conn
        .query_row("SELECT count(*) FROM reviews WHERE state = 'returned'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(still as usize, ids.len(), "delivering a return changes nothing on the receiver");
}
