//! The pengawas's pages in a real browser (headless Chromium through chromedriver): log in,
//! the queue, an interview a real device sent (its changes against the prelist marked, its
//! photo shown), a comment typed and the interview returned from the keyboard, another
//! approved. Screenshots go to `$VERIVALI_SCREENS` (docs/screens when refreshing them), else a
//! temporary folder.

mod support;

use std::{path::PathBuf, sync::Arc};

use support::{KEY, OWN_HOUSEHOLD, Office, browser::Browser, fixtures};
use verivali_core::api::{FinalizeResult, GeopointInput, Verivali, WarningConfirmation};
use verivali_receiver::{self as serve, Role};

const PASSWORD: &str = "pengawas-rahasia-1";

/// A phone that synced its form and prelist from the receiver.
fn phone(dir: &std::path::Path, url: &str, token: &str) -> Arc<Verivali> {
    let device = Verivali::open(dir.display().to_string(), vec![9; 32], None).unwrap();
    let synced = device.sync_down(url.into(), Some(token.into()), None, None).unwrap();
    assert!(synced.failed.is_empty(), "{:?}", synced.failed);
    device
}

/// Finalizes, confirming each warning with a reason as an enumerator would.
fn finalize(visit: &verivali_core::api::Interview) {
    let mut confirmations: Vec<WarningConfirmation> = Vec::new();
    for _ in 0..3 {
        match visit.finalize(confirmations.clone()).unwrap() {
            FinalizeResult::Finalized { .. } => return,
            FinalizeResult::Blocked { unconfirmed, errors, form_violations } => {
                assert!(errors.is_empty() && form_violations.is_empty(), "{errors:?}");
                confirmations.extend(unconfirmed.into_iter().map(|f| WarningConfirmation {
                    rule: f.rule,
                    reference: f.reference,
                    reason: "Sudah dicek dengan KK".into(),
                }));
            }
        }
    }
    panic!("the visit did not finalize");
}

/// A status-2 visit of the sample's first household: a member's name corrected, a baby added,
/// the house photographed and located; returns its instanceID.
fn updated_visit(device: &Verivali) -> String {
    let visit = device.start_interview("mini_verivali".into(), Some(OWN_HOUSEHOLD.into())).unwrap();
    visit.answer("/data/status_keberadaan".into(), "2".into()).unwrap();
    visit.answer("/data/members[2]/nama".into(), "Rizky Firmansyah Putra".into()).unwrap();
    visit.add_repeat("/data/members".into()).unwrap();
    visit.answer("/data/members[7]/nama".into(), "Bayi Santoso".into()).unwrap();
    visit.answer("/data/members[7]/hubungan_krt".into(), "3".into()).unwrap();
    let photo = fixtures().join("photos/exif-6.jpg");
    visit.attach_photo("/data/bukti/foto_rumah".into(), photo.display().to_string()).unwrap();
    let fix =
        GeopointInput { latitude: -8.5833, longitude: 116.1167, altitude: 12.0, accuracy: 4.0 };
    visit.set_location("/data/bukti/lokasi_rumah".into(), fix).unwrap();
    finalize(&visit);
    visit.id()
}

fn screens_dir() -> PathBuf {
    std::env::var_os("VERIVALI_SCREENS").map(PathBuf::from).unwrap_or_else(std::env::temp_dir)
}

fn save(name: &str, png: &[u8]) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let path = screens_dir().join(name);
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

#[test]
fn a_pengawas_reviews_in_a_browser_sees_the_changes_and_returns_and_approves_from_the_keyboard() {
    let office = Office::new();
    serve::add_user(office.path(), &KEY, "siti", Role::Pengawas, PASSWORD).unwrap();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let device = phone(dir.path(), &receiver.url, &office.ayu);
    let updated = updated_visit(&device);
    let moved = device.start_interview("mini_verivali".into(), Some("5271011009000002".into()));
    let moved = moved.unwrap();
    moved.answer("/data/status_keberadaan".into(), "3".into()).unwrap();
    finalize(&moved);
    let sent =
        device.upload_pending(receiver.url.clone(), Some(office.ayu.clone()), 30_000, None, None);
    assert_eq!(sent.unwrap().acknowledged, 2);
    // The pengawas picks the updated visit if the sample did not.
    let _ = serve::review::decide(
        office.path(),
        &KEY,
        &updated,
        "siti",
        &serve::review::Action::Queue,
        None,
    );

    let browser = Browser::start(1366, 900);
    browser.go(&format!("{}/login", receiver.url));
    browser.type_into(&browser.find("input[name=user]"), "siti");
    browser.type_into(&browser.find("input[name=password]"), PASSWORD);
    browser.press_enter(&browser.find("form button"));
    browser.wait_for_url("/status");

    browser.go(&format!("{}/review?state=waiting", receiver.url));
    let rows = browser.find_all("table.queue tbody tr");
    assert_eq!(rows.len(), 2);
    let queue_text = browser.text(&browser.find("table.queue"));
    assert!(queue_text.contains("Status 3"), "{queue_text}");
    save("review-queue.png", &browser.screenshot());
    browser.go(&format!("{}/review?state=waiting&reason=status_3", receiver.url));
    assert_eq!(browser.find_all("table.queue tbody tr").len(), 1);

    browser.go(&format!("{}/review/{updated}", receiver.url));
    let changed: Vec<String> =
        browser.find_all("tr.changed").iter().map(|row| browser.text(row)).collect();
    // The corrected name, beside the prelist's.
    assert!(
        changed
            .iter()
            .any(|t| t.contains("Rizky Firmansyah Putra") && t.ends_with("Rizky Firmansyah")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|t| t.contains("Bayi Santoso") && t.contains("baru / new")),
        "{changed:?}"
    );
    let answers = browser.text(&browser.find("table.answers"));
    assert!(answers.contains("Ditemukan, ada update (2)"), "the status shows its label: {answers}");
    assert!(
        !changed.iter().any(|t| t.contains("Dewi Wijaya")),
        "an unchanged member is not marked"
    );
    let photo_shown = browser.script(
        "return document.images.length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0);",
    );
    assert_eq!(photo_shown, serde_json::json!(true), "the house photo loads");
    browser.resize(1366, 2600);
    save("review-interview.png", &browser.screenshot());

    let comment = browser.find(r#"textarea[name="comment:/data/members[2]/nama"]"#);
    browser.type_into(&comment, "Nama di KTP tanpa 'Putra'; cek lagi");
    browser.press_enter(&browser.find(r#"button[value="return"]"#));
    browser.wait_for_text("p.summary", "Dikembalikan / Returned");
    let history = browser.text(&browser.find("h2 + table:last-of-type"));
    assert!(history.contains("Nama di KTP tanpa 'Putra'; cek lagi"), "{history}");
    assert!(browser.find_all("textarea").is_empty(), "a returned interview takes no decision");
    save("review-returned.png", &browser.screenshot());

    browser.go(&format!("{}/review?state=waiting", receiver.url));
    browser.press_enter(&browser.find("table.queue tbody a"));
    browser.wait_for_text("p.summary", "Menunggu / Waiting");
    browser.click(&browser.find(r#"button[value="approve"]"#));
    browser.wait_for_text("p.summary", "Disetujui / Approved");
}
