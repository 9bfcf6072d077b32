//! The pengawas review loop end to end, over a real loopback socket with real stores: a device
//! sends a visit, the receiver's sample picks it, a pengawas returns it with comments from the
//! terminal, the device's next sync reopens it with the comments on their questions, the
//! enumerator corrects it, the correction arrives as an edit linked to the returned version, and
//! the pengawas approves it.

mod support;

use std::{path::Path, sync::Arc};

use serde_json::Value as Json;
use support::{RECEIVER_KEY, verivali_bin};
use verivali_cli::serve::{self, Receiver};
use verivali_core::api::{FinalizeResult, InterviewStatus, Verivali};

const HOUSEHOLD: &str = "5271011009000001";

/// A phone that got its form and its area's prelist from the receiver.
fn phone(dir: &Path, url: &str, token: &str) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![5; 32], None).unwrap();
    let synced = verivali.sync_down(url.into(), Some(token.into()), None, None).unwrap();
    assert!(synced.failed.is_empty(), "{:?}", synced.failed);
    assert!(synced.prelist_households > 0);
    verivali
}

/// `verivali serve …` on the receiver's folder, as an office runs it from a terminal.
fn serve_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let key_file = support::key_file(dir, &RECEIVER_KEY);
    let out = verivali_bin()
        .arg("--data")
        .arg(dir)
        .arg("--key-file")
        .arg(&key_file)
        .arg("serve")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn serve_json(dir: &Path, args: &[&str]) -> Json {
    let (ok, stdout, stderr) = serve_cli(dir, args);
    assert!(ok, "serve {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn a_returned_visit_reaches_the_phone_with_its_comments_and_its_correction_is_linked_and_approved()
{
    let office = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(office.path());
    let token = serve::add_token(office.path(), &RECEIVER_KEY, "Ayu", &["52.71".into()]).unwrap();
    let receiver = Receiver::start(office.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let device = phone(dir.path(), &receiver.url, &token);

    // A status-4 visit (the household moved away) is sent; the sample must pick it.
    let visit = device.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    let first = visit.id();
    visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let sent = device.upload_pending(receiver.url.clone(), Some(token.clone()), 30_000, None, None);
    assert_eq!(sent.unwrap().acknowledged, 1);
    let queue = serve_json(office.path(), &["review", "list", "--state", "waiting", "--json"]);
    let row = &queue["rows"][0];
    assert_eq!(row["instance_id"], first.as_str());
    assert_eq!(row["reasons"], serde_json::json!(["status_4"]));
    assert_eq!(row["household"], HOUSEHOLD);

    // The pengawas returns it with a comment on the status and a note on the whole visit.
    let comment = "/data/status_keberadaan=Tetangga bilang masih tinggal di sini";
    let (ok, stdout, stderr) = serve_cli(
        office.path(),
        &["review", "return", &first, "--comment", comment, "--note", "Foto rumah kurang jelas"],
    );
    assert!(ok && stdout.contains("returned"), "{stdout} {stderr}");

    // The phone's next sync reopens it with the comments; a second sync changes nothing.
    let synced = device.sync_down(receiver.url.clone(), Some(token.clone()), None, None).unwrap();
    assert_eq!(synced.returned, vec![first.clone()]);
    let again = device.sync_down(receiver.url.clone(), Some(token.clone()), None, None).unwrap();
    assert!(again.returned.is_empty());
    let listed = device.interviews().unwrap();
    let mine = listed.iter().find(|v| v.interview_id == first).unwrap();
    assert_eq!(mine.status, InterviewStatus::Returned);
    assert!(mine.returned_by_pengawas);
    let reopened = device.interview(first.clone()).unwrap();
    let screen = reopened.screen().unwrap();
    let review = screen.review.expect("the return's comments are on the screen");
    assert_eq!(review.comments.len(), 2);
    assert!(
        review
            .comments
            .iter()
            .any(|c| c.reference.is_none() && c.text == "Foto rumah kurang jelas")
    );
    let status_question = (0..screen.count)
        .find_map(|_| {
            let here = reopened.screen().unwrap();
            let found =
                here.questions.into_iter().find(|q| q.reference == "/data/status_keberadaan");
            if found.is_none() {
                reopened.next().unwrap();
            }
            found
        })
        .expect("the status question is on a screen");
    assert_eq!(
        status_question.review_comment.as_deref(),
        Some("Tetangga bilang masih tinggal di sini")
    );

    // The enumerator corrects it; it goes out as an edit naming the returned version.
    reopened.answer("/data/status_keberadaan".into(), "1".into()).unwrap();
    assert!(matches!(reopened.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    assert!(device.review_return(first.clone()).unwrap().is_none(), "comments leave with the fix");
    let resent =
        device.upload_pending(receiver.url.clone(), Some(token.clone()), 30_000, None, None);
    assert_eq!(resent.unwrap().acknowledged, 1);
    let outbox = device.outbox_status().unwrap();
    let correction = outbox[0].instance_id.clone();
    assert_ne!(correction, first);
    assert_eq!(outbox[0].deprecated_id.as_deref(), Some(first.as_str()));

    // The receiver links the versions and shows what changed; the pengawas approves.
    let shown = serve_json(office.path(), &["review", "show", &correction, "--json"]);
    assert_eq!(shown["edit_of"], first.as_str());
    assert_eq!(shown["summary"]["state"], "waiting");
    assert_eq!(shown["summary"]["corrects"], first.as_str());
    assert!(shown["summary"]["reasons"].as_array().unwrap().contains(&"correction".into()));
    let status = shown["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["answers"].as_array().unwrap().iter())
        .find(|a| a["reference"] == "/data/status_keberadaan")
        .unwrap()
        .clone();
    assert_eq!(status["value"], "1");
    assert_eq!(status["before_correction"], "4");
    let old = serve_json(office.path(), &["review", "show", &first, "--json"]);
    assert_eq!(old["replaced_by"], correction.as_str());
    assert_eq!(old["summary"]["state"], "returned");
    let (ok, _, stderr) = serve_cli(office.path(), &["review", "approve", &first]);
    assert!(!ok && stderr.contains("replaced"), "the returned version takes no decision: {stderr}");
    let (ok, stdout, _) = serve_cli(office.path(), &["review", "approve", &correction]);
    assert!(ok && stdout.contains("approved"));
    let approved = serve_json(office.path(), &["review", "list", "--state", "approved", "--json"]);
    assert_eq!(approved["rows"][0]["instance_id"], correction.as_str());

    // Reopened later by the enumerator, the interview shows no old comments.
    device.reopen_for_correction(first.clone()).unwrap();
    assert!(device.review_return(first.clone()).unwrap().is_none());
    let listed = device.interviews().unwrap();
    assert!(!listed.iter().find(|v| v.interview_id == first).unwrap().returned_by_pengawas);

    // Nothing more comes back to the phone.
    let after = device.fetch_returns(receiver.url.clone(), Some(token)).unwrap();
    assert!(after.supported && after.reopened.is_empty());
    let key_file = support::key_file(dir.path(), &[5; 32]);
    let visits = verivali_bin()
        .arg("--data")
        .arg(dir.path())
        .arg("--key-file")
        .arg(&key_file)
        .args(["visits", "--json"])
        .output()
        .unwrap();
    assert!(visits.status.success(), "{}", String::from_utf8_lossy(&visits.stderr));
    let visits: Json = serde_json::from_slice(&visits.stdout).unwrap();
    assert_eq!(visits[0]["interview"], first.as_str());
    assert_eq!(visits[0]["state"], "reopened");
    assert_eq!(visits[0]["review_comments"], Json::Null);
}
