//! Photos from the camera to the receiver: `verivali media process` on a desktop file, a
//! scripted visit with photo and location steps, and a real upload over loopback where each
//! relevant photo arrives once, byte for byte, and is purged from the phone after the
//! retention period.

mod support;

use support::{RECEIVER_KEY, fixtures, verivali_bin};

use std::{path::PathBuf, sync::Arc};

use verivali_cli::serve::{self, Receiver};
use verivali_core::api::{
    AnswerResult, FinalizeResult, GeopointInput, Interview, Settings, Verivali,
};
use verivali_form::hex::sha256_hex;

fn photo(name: &str) -> String {
    fixtures().join("photos").join(name).display().to_string()
}

fn mini_form() -> PathBuf {
    fixtures().join("forms/mini-verivali/form.xml")
}

#[test]
fn media_process_writes_a_small_upright_jpeg_and_refuses_a_bomb_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jpg");
    let run = verivali_bin()
        .args(["media", "process", &photo("exif-8.jpg"), "--max-side", "240", "--json", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!((report["width"].as_u64(), report["height"].as_u64()), (Some(240), Some(180)));
    assert_eq!(report["source"]["orientation"], 8);
    let written = std::fs::read(&out).unwrap();
    assert_eq!(report["bytes"].as_u64(), Some(written.len() as u64));
    assert_eq!(report["sha256"], sha256_hex(&written));

    let refused_out = dir.path().join("bomb-out.jpg");
    let run = verivali_bin()
        .args(["media", "process", &photo("bomb.jpg"), "--out"])
        .arg(&refused_out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("bomb.jpg") && stderr.contains("60000×60000"), "{stderr}");
    assert!(stderr.contains("melebihi batas") && stderr.contains("decompression bomb"));
    assert!(!refused_out.exists());
}

#[test]
fn a_scripted_visit_takes_photos_and_a_fix_and_reports_a_refused_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("device");
    let imported = verivali_bin()
        .arg("--data")
        .arg(&data)
        .args(["--insecure-dev-key", "prelist", "import"])
        .arg(fixtures().join("prelist/sample.jsonl"))
        .output()
        .unwrap();
    assert!(imported.status.success());
    // Photo paths are relative to the answers file.
    std::fs::copy(photo("exif-6.jpg"), dir.path().join("rumah.jpg")).unwrap();
    std::fs::copy(photo("truncated.jpg"), dir.path().join("kk.jpg")).unwrap();
    let answers = serde_json::json!({
        "steps": [
            {"answer": "/data/status_keberadaan", "value": "4"},
            {"photo": "/data/bukti/foto_rumah", "path": "rumah.jpg"},
            {"photo": "/data/bukti/foto_kk", "path": "kk.jpg"},
            {"location": "/data/bukti/lokasi_rumah", "latitude": -8.58, "longitude": 116.12, "accuracy": 45.0},
            {"location": "/data/bukti/lokasi_rumah", "latitude": -8.58, "longitude": 116.12, "altitude": 9.5, "accuracy": 4.0}
        ],
        "finalize": true
    });
    let file = dir.path().join("answers.json");
    std::fs::write(&file, answers.to_string()).unwrap();
    let run = verivali_bin()
        .arg("--data")
        .arg(&data)
        .args(["--insecure-dev-key", "interview", "run", "--household", "5271011009000001"])
        .arg("--answers")
        .arg(&file)
        .arg("--form")
        .arg(mini_form())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stderr)));
    let steps = &report["steps"];
    assert_eq!(steps[1]["result"], "saved", "{report}");
    assert!(steps[1]["bytes"].as_u64().unwrap() < steps[1]["source_bytes"].as_u64().unwrap());
    assert_eq!(steps[2]["result"]["refused"], "Truncated", "{report}");
    assert_eq!(
        (&steps[3]["quality"], &steps[3]["result"]),
        (&"unacceptable".into(), &"refused".into())
    );
    assert_eq!((&steps[4]["quality"], &steps[4]["result"]), (&"good".into(), &"saved".into()));
    assert_eq!(report["finalize"]["result"], "finalized", "{report}");
}

/// A phone with the sample prelist.
fn phone(dir: &std::path::Path) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![6; 32], None).unwrap();
    verivali.install_form(mini_form().display().to_string()).unwrap();
    verivali
        .import_prelist(fixtures().join("prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    verivali
}

fn visit(verivali: &Verivali, household: &str, status: &str) -> Arc<Interview> {
    let interview =
        verivali.start_interview("mini_verivali".into(), Some(household.into())).unwrap();
    assert_eq!(
        interview.answer("/data/status_keberadaan".into(), status.into()).unwrap().result,
        AnswerResult::Saved
    );
    interview
}

fn received(dir: &std::path::Path, instance: &str) -> Vec<(String, Vec<u8>)> {
    let conn = serve::store::open(dir, &RECEIVER_KEY).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, bytes FROM attachments WHERE instance_id = ?1 ORDER BY name")
        .unwrap();
    stmt.query_map([instance], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn relevant_photos_arrive_once_byte_for_byte_and_are_purged_after_the_retention_period() {
    let server_dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token =
        serve::add_token(server_dir.path(), &RECEIVER_KEY, "Ayu", &["52.71".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let device = phone(dir.path());

    // Found (status 4): two photos (the second without max-pixels keeps 480 px), a location.
    let found = visit(&device, "5271011009000001", "4");
    let house = found.attach_photo("/data/bukti/foto_rumah".into(), photo("exif-6.jpg")).unwrap();
    assert_eq!(house.width, 320, "the form's max-pixels");
    let kk = found.attach_photo("/data/bukti/foto_kk".into(), photo("exif-6.jpg")).unwrap();
    assert_eq!(kk.width, 480);
    let fix = GeopointInput { latitude: -8.58, longitude: 116.12, altitude: 0.0, accuracy: 3.0 };
    found.set_location("/data/bukti/lokasi_rumah".into(), fix).unwrap();
    assert!(matches!(found.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));

    // Not found (status 3) after a photo was taken: the evidence block is not relevant.
    let gone = visit(&device, "5271011009000002", "4");
    gone.attach_photo("/data/bukti/foto_rumah".into(), photo("exif-1.jpg")).unwrap();
    gone.answer("/data/status_keberadaan".into(), "3".into()).unwrap();
    assert!(matches!(gone.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));

    let report =
        device.upload_pending(receiver.url.clone(), Some(token), 30_000, None, None).unwrap();
    assert_eq!(report.acknowledged, 2);

    let arrived = received(server_dir.path(), &found.id());
    let mut expected = vec![house.file_name.clone(), kk.file_name.clone()];
    expected.sort();
    expected.push("verivali-checks.json".into());
    let names: Vec<String> = arrived.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, expected);
    for (name, bytes) in &arrived[..2] {
        assert_eq!(&sha256_hex(bytes)[..20], &name[..20], "byte for byte");
    }
    let names: Vec<String> =
        received(server_dir.path(), &gone.id()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["verivali-checks.json"], "a photo of a non-relevant question stays home");

    // Within the retention period the photo stays; after it, only its record does.
    assert_eq!(device.purge_acknowledged_photos().unwrap(), 0);
    assert_eq!(found.photo_totals().unwrap().bytes, house.bytes + kk.bytes);
    device.update_settings(Settings { photo_retention_days: 0, ..device.settings() }).unwrap();
    assert_eq!(device.purge_acknowledged_photos().unwrap(), 3, "two photos and one");
    let totals = found.photo_totals().unwrap();
    assert_eq!((totals.count, totals.bytes), (2, 0));
}
