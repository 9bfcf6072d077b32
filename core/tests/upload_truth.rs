//! Uploads that never lie, over real loopback sockets: a 409 (a closed form, other content
//! under the same instanceID) is never counted as sent; a correction after acknowledgement goes
//! out under a new instanceID naming the old one in `deprecatedID`; the checks file travels
//! as an attachment the instance names; `Retry-After` of 0, -1 or 10^19 gives a bounded
//! number of attempts; each submission carries the installation's deviceID.

#[path = "support/openrosa.rs"]
mod openrosa;

use std::{path::Path, sync::Arc};

use openrosa::{created, message, scripted};
use verivali_core::api::{FinalizeResult, Settings, UploadState, Verivali, now_ms};

const CLOSED: &str = "This form is not currently accepting submissions. Please talk to your program staff if this is unexpected.";
const OTHER_XML: &str = "A submission already exists with this ID, but with different XML. Resubmissions to attach additional multimedia must resubmit an identical xml_submission_file.";

fn device(dir: &Path) -> Arc<Verivali> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let verivali = Verivali::open(dir.display().to_string(), vec![9; 32], None).unwrap();
    let form = root.join("test-fixtures/forms/mini-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    verivali
        .import_prelist(root.join("test-fixtures/prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    verivali
}

fn finalize(device: &Verivali, household: &str, status: &str) -> String {
    let interview = device.start_interview("mini_verivali".into(), Some(household.into())).unwrap();
    interview.answer("/data/status_keberadaan".into(), status.into()).unwrap();
    let outcome = interview.finalize(vec![]).unwrap();
    assert!(matches!(outcome, FinalizeResult::Finalized { .. }), "{outcome:?}");
    interview.id()
}

fn text_between<'a>(xml: &'a str, open: &str, close: &str) -> Option<&'a str> {
    xml.split(open).nth(1)?.split(close).next()
}

#[test]
fn a_409_for_a_closed_form_or_other_content_needs_a_person_and_is_never_sent() {
    for said in [CLOSED, OTHER_XML] {
        let dir = tempfile::tempdir().unwrap();
        let device = device(dir.path());
        finalize(&device, "5271011009000001", "4");
        let server = scripted("127.0.0.1:0", move |_, _| {
            ("409 Conflict".into(), String::new(), message(said))
        });
        let report = device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap();
        assert_eq!((report.acknowledged, report.needs_person), (0, 1));
        let entry = &device.outbox_status().unwrap()[0];
        assert_eq!(entry.state, UploadState::NeedsPerson);
        let reason = entry.reason.as_deref().unwrap();
        assert!(reason.contains(said), "the server's own words: {reason}");
        assert!(reason.contains("Hubungi pengawas") && reason.contains("Contact your supervisor"));
        // Photos of an unacknowledged interview are never purged.
        device.update_settings(Settings { photo_retention_days: 0, ..device.settings() }).unwrap();
        device.purge_acknowledged_photos().unwrap();
        let again = device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap();
        assert_eq!(again.acknowledged + again.needs_person, 0, "it waits for a person");
        assert_eq!(server.posts().len(), 1);
    }
}

#[test]
fn a_correction_after_acknowledgement_is_an_edit_with_a_new_instance_id() {
    let dir = tempfile::tempdir().unwrap();
    let device = device(dir.path());
    let id = finalize(&device, "5271011009000001", "4");
    let server = scripted("127.0.0.1:0", |_, _| created());
    assert_eq!(
        device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap().acknowledged,
        1
    );

    device.reopen_for_correction(id.clone()).unwrap();
    let reopened = device.interview(id.clone()).unwrap();
    reopened.answer("/data/status_keberadaan".into(), "3".into()).unwrap();
    assert!(matches!(reopened.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let entry = &device.outbox_status().unwrap()[0];
    assert_eq!(
        (entry.state, entry.deprecated_id.as_deref()),
        (UploadState::Queued, Some(id.as_str()))
    );
    assert_ne!(entry.instance_id, id);
    assert!(entry.instance_id.starts_with("uuid:") && entry.instance_id.len() == 41);
    assert_eq!(entry.interview_id, id, "the interview keeps its local id");

    assert_eq!(
        device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap().acknowledged,
        1
    );
    let posts = server.posts();
    assert_eq!(posts.len(), 2);
    let parts = posts[1].parts();
    let xml = String::from_utf8(parts[0].1.clone()).unwrap();
    assert_eq!(text_between(&xml, "<instanceID>", "<"), Some(entry.instance_id.as_str()));
    assert_eq!(text_between(&xml, "<deprecatedID>", "<"), Some(id.as_str()));
    assert!(xml.contains("<status_keberadaan>3</status_keberadaan>"));
    let checks = &parts.iter().find(|(n, _)| n == "verivali-checks.json").unwrap().1;
    let checks: serde_json::Value = serde_json::from_slice(checks).unwrap();
    assert_eq!(checks["instance_id"], entry.instance_id.as_str());
    assert_eq!(checks["deprecated_id"], id.as_str());

    // A second correction replaces the edit, not the original.
    device.reopen_for_correction(id.clone()).unwrap();
    let again = device.interview(id.clone()).unwrap();
    again.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    assert!(matches!(again.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let third = &device.outbox_status().unwrap()[0];
    assert_eq!(third.deprecated_id.as_deref(), Some(entry.instance_id.as_str()));
}

#[test]
fn reopening_before_any_attempt_keeps_the_first_identity_and_after_a_failed_one_waits() {
    let dir = tempfile::tempdir().unwrap();
    let device = device(dir.path());
    let id = finalize(&device, "5271011009000001", "4");
    device.reopen_for_correction(id.clone()).unwrap();
    assert!(device.outbox_status().unwrap().is_empty(), "nothing left the phone");
    let reopened = device.interview(id.clone()).unwrap();
    assert!(matches!(reopened.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let entry = &device.outbox_status().unwrap()[0];
    assert_eq!((entry.instance_id.as_str(), entry.deprecated_id.as_deref()), (id.as_str(), None));

    let busy = scripted("127.0.0.1:0", |_, _| {
        ("503 Service Unavailable".into(), String::new(), String::new())
    });
    device.upload_pending(busy.url.clone(), None, 10_000, None, None).unwrap();
    let refused = device.reopen_for_correction(id).unwrap_err();
    assert!(refused.to_string().contains("reopen it once it is sent"), "{refused}");
}

#[test]
fn the_checks_file_is_declared_in_the_instance_and_the_device_id_rides_along() {
    let dir = tempfile::tempdir().unwrap();
    let device = device(dir.path());
    finalize(&device, "5271011009000001", "4");
    let server = scripted("127.0.0.1:0", |_, _| created());
    device.upload_pending(server.url.clone(), None, 10_000, None, None).unwrap();
    let post = &server.posts()[0];
    let parts = post.parts();
    let xml = String::from_utf8(parts[0].1.clone()).unwrap();
    assert!(xml.contains("<verivali_checks>verivali-checks.json</verivali_checks>"), "{xml}");
    assert!(parts.iter().any(|(name, _)| name == "verivali-checks.json"));
    let device_id = device.device_id();
    assert!(device_id.starts_with("verivali:"));
    let expected = format!("deviceID={}", device_id.replace(':', "%3A"));
    assert!(post.request_line.contains(&expected), "{}", post.request_line);
}

#[test]
fn retry_after_of_zero_minus_one_or_ten_to_the_nineteenth_gives_a_bounded_number_of_attempts() {
    for header in ["0", "-1", "10000000000000000000"] {
        let dir = tempfile::tempdir().unwrap();
        let device = device(dir.path());
        for household in ["5271011009000001", "5271011009000002", "5271011009000003"] {
            finalize(&device, household, "4");
        }
        let extra = format!("Retry-After: {header}\r\n");
        let server = scripted("127.0.0.1:0", move |_, _| {
            ("503 Service Unavailable".into(), extra.clone(), String::new())
        });
        let before = now_ms();
        let report = device.upload_pending(server.url.clone(), None, 3_000, None, None).unwrap();
        assert_eq!(report.retry_later, 3, "Retry-After {header}: each item once");
        assert_eq!(server.posts().len(), 3, "Retry-After {header}: no tight loop");
        for entry in device.outbox_status().unwrap() {
            let next = entry.next_attempt_at.unwrap();
            assert!(next >= before + 5_000, "Retry-After {header}: at least five seconds");
            assert!(next <= now_ms() + 24 * 3_600_000, "Retry-After {header}: at most a day");
        }
    }
}
