//! Photos and locations through the public API on the DTKS form and a real encrypted store:
//! a photo becomes the question's answer and one stored blob, a retaken photo lets the old one
//! go, a bad file changes nothing, and a GPS fix meets the form's accuracy rule.

use std::{path::PathBuf, sync::Arc};

use verivali_core::api::{
    AnswerResult, AnswerValue, FixQualityView, GeopointInput, InputKind, Interview, PhotoProblem,
    Settings, Verivali, VerivaliError,
};

const FORM_ID: &str = "dtks_verivali";
const HOUSEHOLD: &str = "5271011009000001";
const FRONT: &str = "/data/bukti/foto_depan_rumah";
const SIDE: &str = "/data/bukti/foto_samping_rumah";
const LOCATION: &str = "/data/bukti/lokasi_rumah";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn photo(name: &str) -> String {
    root().join("test-fixtures/photos").join(name).display().to_string()
}

fn device(dir: &std::path::Path, prelist: &std::path::Path) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![5; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/dtks-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    verivali.import_prelist(prelist.display().to_string(), None).unwrap();
    verivali
}

fn sample_prelist() -> PathBuf {
    root().join("test-fixtures/prelist/sample.jsonl")
}

fn found(verivali: &Verivali) -> Arc<Interview> {
    let interview = verivali.start_interview(FORM_ID.into(), Some(HOUSEHOLD.into())).unwrap();
    let status = interview.answer("/data/status_keberadaan".into(), "1".into()).unwrap().result;
    assert_eq!(status, AnswerResult::Saved);
    interview
}

fn answer_of(verivali: &Verivali, id: &str, reference: &str) -> String {
    let xml = verivali.interview(id.to_owned()).unwrap().submission_xml().unwrap();
    let tag = reference.rsplit('/').next().unwrap();
    xml.split(&format!("<{tag}>"))
        .nth(1)
        .map_or(String::new(), |rest| rest.split('<').next().unwrap().to_owned())
}

#[test]
fn a_photo_is_the_answer_and_one_blob_even_when_two_questions_hold_it() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(dir.path(), &sample_prelist());
    let interview = found(&verivali);
    let id = interview.id();

    let front = interview.attach_photo(FRONT.into(), photo("exif-6.jpg")).unwrap();
    assert_eq!(front.answer, AnswerResult::Saved);
    assert!(front.stored_new);
    assert_eq!((front.width, front.height), (480, 360), "turned upright");
    assert!(front.file_name.ends_with(".jpg") && front.file_name.len() == 24);
    assert_eq!(answer_of(&verivali, &id, FRONT), front.file_name, "saved before returning");

    let side = interview.attach_photo(SIDE.into(), photo("exif-6.jpg")).unwrap();
    assert_eq!(side.file_name, front.file_name);
    assert!(!side.stored_new, "the same photo is stored once");
    let totals = interview.photo_totals().unwrap();
    assert_eq!((totals.count, totals.bytes), (1, front.bytes));

    // Retaking the front photo keeps the one the side question still holds.
    let retaken = interview.attach_photo(FRONT.into(), photo("exif-3.jpg")).unwrap();
    assert_ne!(retaken.file_name, front.file_name);
    assert_eq!(interview.photo_totals().unwrap().count, 2);
    // Clearing the side question lets the first photo go.
    assert_eq!(
        interview.answer(SIDE.into(), AnswerValue::Empty).unwrap().result,
        AnswerResult::Saved
    );
    assert_eq!(interview.photo_totals().unwrap().count, 1);
}

#[test]
fn a_bad_photo_is_refused_by_class_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(dir.path(), &sample_prelist());
    let interview = found(&verivali);
    let id = interview.id();
    let kept = interview.attach_photo(FRONT.into(), photo("exif-1.jpg")).unwrap();
    let before = verivali.interview(id.clone()).unwrap().submission_xml().unwrap();

    for (file, expected) in [
        ("truncated.jpg", PhotoProblem::Truncated),
        ("corrupt.jpg", PhotoProblem::Corrupt),
        ("bomb.jpg", PhotoProblem::TooManyPixels),
        ("png-named-jpg.jpg", PhotoProblem::NotJpeg),
        ("missing.jpg", PhotoProblem::Unreadable),
    ] {
        match interview.attach_photo(FRONT.into(), photo(file)) {
            Err(VerivaliError::PhotoRejected { problem, reason }) => {
                assert_eq!(problem, expected, "{file}");
                assert!(reason.contains(" / "), "{file}: {reason}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    assert_eq!(verivali.interview(id.clone()).unwrap().submission_xml().unwrap(), before);
    let totals = interview.photo_totals().unwrap();
    assert_eq!((totals.count, totals.bytes), (1, kept.bytes));
}

#[test]
fn photos_and_points_go_only_to_their_own_kind_of_question() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(dir.path(), &sample_prelist());
    let interview = found(&verivali);
    let wrong = interview.attach_photo(LOCATION.into(), photo("exif-1.jpg"));
    assert!(matches!(wrong, Err(VerivaliError::InvalidInput { .. })), "{wrong:?}");
    let point = GeopointInput { latitude: -8.58, longitude: 116.11, altitude: 0.0, accuracy: 3.0 };
    let wrong = interview.set_location(FRONT.into(), point);
    assert!(matches!(wrong, Err(VerivaliError::InvalidInput { .. })), "{wrong:?}");
    // A typed file name that this interview does not hold is refused too.
    let typed = interview.answer(FRONT.into(), "someone-elses.jpg".into());
    assert!(matches!(typed, Err(VerivaliError::InvalidInput { .. })), "{typed:?}");
}

#[test]
fn a_fix_is_saved_or_refused_by_the_forms_accuracy_rule() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(dir.path(), &sample_prelist());
    let interview = found(&verivali);
    let id = interview.id();
    let at = |accuracy| GeopointInput {
        latitude: -8.5833,
        longitude: 116.1167,
        altitude: 12.0,
        accuracy,
    };

    // The DTKS form: capture-accuracy=10, warning-accuracy=50.
    let refused = interview.set_location(LOCATION.into(), at(80.0)).unwrap();
    assert_eq!(refused.quality, FixQualityView::Unacceptable);
    assert_eq!(refused.answer, None);
    assert!(refused.message.unwrap().contains("50 m"));
    assert_eq!(answer_of(&verivali, &id, LOCATION), "");

    let rough = interview.set_location(LOCATION.into(), at(30.0)).unwrap();
    assert_eq!(rough.quality, FixQualityView::Acceptable);
    assert_eq!(rough.answer, Some(AnswerResult::Saved));
    assert_eq!(answer_of(&verivali, &id, LOCATION), "-8.5833 116.1167 12.0 30.0");

    let good = interview.set_location(LOCATION.into(), at(4.5)).unwrap();
    assert_eq!(good.quality, FixQualityView::Good);
    assert_eq!((good.policy.capture_accuracy_m, good.policy.warning_accuracy_m), (10.0, 50.0));
    assert_eq!(good.message, None);

    // Typed in, the same rule holds.
    let typed = interview.answer(LOCATION.into(), "-8.5833 116.1167 0 120".into());
    assert!(matches!(typed, Err(VerivaliError::InvalidInput { .. })), "{typed:?}");
    let off_earth = interview.set_location(
        LOCATION.into(),
        GeopointInput { latitude: 95.0, longitude: 0.0, altitude: 0.0, accuracy: 1.0 },
    );
    assert!(matches!(off_earth, Err(VerivaliError::InvalidInput { .. })), "{off_earth:?}");
    assert_eq!(answer_of(&verivali, &id, LOCATION), "-8.5833 116.1167 12.0 4.5");
}

#[test]
fn the_location_screen_tells_the_shell_which_accuracy_to_wait_for() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = device(dir.path(), &sample_prelist());
    let interview = found(&verivali);
    let mut screen = interview.screen().unwrap();
    for _ in 0..screen.count {
        if let Some(q) = screen.questions.iter().find(|q| q.reference == LOCATION) {
            assert_eq!(q.kind, InputKind::Geopoint);
            let policy = q.location_policy.expect("a policy for a location question");
            assert_eq!((policy.capture_accuracy_m, policy.warning_accuracy_m), (10.0, 50.0));
            assert!(
                screen
                    .questions
                    .iter()
                    .all(|q| q.kind == InputKind::Geopoint || q.location_policy.is_none())
            );
            return;
        }
        screen = interview.next().unwrap();
    }
    panic!("no screen shows the location question");
}

#[test]
fn a_point_far_from_the_prelists_house_point_warns_with_the_distance() {
    let dir = tempfile::tempdir().unwrap();
    // The first sample household, with the point the registry last recorded for the house.
    let first = std::fs::read_to_string(sample_prelist()).unwrap();
    let mut record: serde_json::Value =
        serde_json::from_str(first.lines().next().unwrap()).unwrap();
    record["lokasi"]["titik"] = "-8.5833 116.1167".into();
    let prelist = dir.path().join("prelist.jsonl");
    std::fs::write(&prelist, format!("{record}\n")).unwrap();
    let verivali = device(&dir.path().join("device"), &prelist);
    let interview = found(&verivali);
    let far = |interview: &Interview| {
        interview
            .findings()
            .unwrap()
            .into_iter()
            .filter(|f| f.rule == "location.far_from_prelist")
            .count()
    };

    let near =
        GeopointInput { latitude: -8.5840, longitude: 116.1170, altitude: 0.0, accuracy: 4.0 };
    interview.set_location(LOCATION.into(), near).unwrap();
    assert_eq!(far(&interview), 0);
    let away =
        GeopointInput { latitude: -8.4833, longitude: 116.1167, altitude: 0.0, accuracy: 4.0 };
    interview.set_location(LOCATION.into(), away).unwrap();
    let findings = interview.findings().unwrap();
    let warning = findings.iter().find(|f| f.rule == "location.far_from_prelist").unwrap();
    assert_eq!(warning.reference.as_deref(), Some(LOCATION));
    assert!(warning.message_en.contains("11.1 km"), "{}", warning.message_en);

    // A looser limit, set on the device, applies to interviews opened after it.
    verivali
        .update_settings(Settings { location_warning_km: 20.0, ..verivali.settings() })
        .unwrap();
    let reopened = verivali.interview(interview.id()).unwrap();
    assert_eq!(far(&reopened), 0);
}
