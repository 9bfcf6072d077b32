//! Offline bundles on real stores: the interviews waiting for a server, with their photos, go
//! into one encrypted file that checks out part by part; a damaged part, a wrong passphrase and
//! an empty outbox are each told apart.

use std::{path::PathBuf, sync::Arc};

use verivali_core::api::{FinalizeResult, Verivali, VerivaliError};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn device(dir: &std::path::Path) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![4; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/mini-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    verivali
        .import_prelist(
            root().join("test-fixtures/prelist/sample.jsonl").display().to_string(),
            None,
        )
        .unwrap();
    verivali
}

fn finalize_with_photo(verivali: &Verivali, household: &str) {
    let visit = verivali.start_interview("mini_verivali".into(), Some(household.into())).unwrap();
    visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    let photo = root().join("test-fixtures/photos/exif-6.jpg");
    visit.attach_photo("/data/bukti/foto_rumah".into(), photo.display().to_string()).unwrap();
    assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
}

#[test]
fn waiting_interviews_travel_in_one_encrypted_bundle_that_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(&dir.path().join("phone"));
    assert!(matches!(
        verivali.export_bundle(dir.path().display().to_string(), "rahasia-desa".into()),
        Err(VerivaliError::NotFound { .. })
    ));
    finalize_with_photo(&verivali, "5271011009000001");
    finalize_with_photo(&verivali, "5271011009000002");
    let out = dir.path().join("out");
    let info = verivali.export_bundle(out.display().to_string(), "rahasia-desa".into()).unwrap();
    assert_eq!((info.submissions, info.attachments), (2, 2));
    assert!(info.path.ends_with(".vvbundle"));
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files.len(), 1, "no half-written file left: {files:?}");

    let check = verivali.verify_bundle(info.path.clone(), "rahasia-desa".into()).unwrap();
    assert_eq!((check.submissions, check.attachments), (2, 2));
    assert!(check.damaged.is_empty());

    // Without the passphrase the file is unreadable: nothing in it is plain text.
    let raw = std::fs::read(&info.path).unwrap();
    assert!(!raw.windows(9).any(|w| w == b"<id_dtks>"));
    let wrong = verivali.verify_bundle(info.path.clone(), "salah-sandi".into());
    assert!(matches!(wrong, Err(VerivaliError::InvalidInput { .. })), "{wrong:?}");
    let weak = verivali.export_bundle(out.display().to_string(), "1234".into());
    assert!(matches!(weak, Err(VerivaliError::InvalidInput { .. })), "{weak:?}");
}

#[test]
fn a_damaged_part_is_named_by_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(&dir.path().join("phone"));
    finalize_with_photo(&verivali, "5271011009000001");
    let info =
        verivali.export_bundle(dir.path().display().to_string(), "rahasia-desa".into()).unwrap();
    let conn = rusqlite::Connection::open(&info.path).unwrap();
    conn.pragma_update(None, "key", "rahasia-desa").unwrap();
    conn.execute("UPDATE attachments SET bytes = substr(bytes, 1, 100)", []).unwrap();
    drop(conn);
    let check = verivali.verify_bundle(info.path, "rahasia-desa".into()).unwrap();
    assert_eq!(check.damaged.len(), 1);
    assert!(check.damaged[0].ends_with(".jpg"), "{:?}", check.damaged);
}
