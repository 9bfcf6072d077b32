//! The back-check of the DTKS form (ADR 0024): the questions its binds tag, asked with the
//! form's own labels and choices, and the enumerator's answers read from a real instance:
//! the household head's name and NIK, the members living there now, the floor, the water.

use std::{collections::BTreeMap, path::PathBuf, sync::Arc};

use verivali_form::{
    definition::ExternalInstances,
    dom::Document,
    session::{Clock, Form, Session},
};
use verivali_rules::backcheck::{self, Input};

struct Folder(PathBuf);

impl ExternalInstances for Folder {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(src.rsplit('/').next()?)).ok()
    }
}

fn dtks() -> Arc<Form> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/forms/dtks-verivali");
    let xml = std::fs::read_to_string(dir.join("form.xml")).unwrap();
    Arc::new(Form::load(&xml, &Folder(dir)).unwrap())
}

#[test]
fn the_dtks_back_check_asks_the_tagged_questions_with_the_forms_labels() {
    let questions = backcheck::questions(&dtks());
    let keys: Vec<&str> = questions.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "field:/data/status_keberadaan",
            "field:/data/perumahan/lantai",
            "field:/data/perumahan/sumber_air_minum",
            "count:/data/members",
            "head:/data/members/nama",
            "head:/data/members/nik",
            "field:/data/kyc/nama",
        ]
    );
    let status = &questions[0];
    assert_eq!(status.input, Input::Choice);
    assert!(status.choices.iter().any(|(v, _)| v == "3"), "{:?}", status.choices);
    let floor = &questions[1];
    assert!(floor.choices.iter().any(|(v, l)| v == "2" && l == "Keramik"), "{:?}", floor.choices);
    assert!(
        !floor.label_id.is_empty()
            && !floor.label_en.is_empty()
            && floor.label_id != floor.label_en
    );
    assert_eq!(questions[5].input, Input::Digits);
    assert!(questions[4].label_id.ends_with("kepala rumah tangga"));
}

#[test]
fn the_enumerators_answers_are_read_as_the_back_check_asks_them() {
    let form = dtks();
    let clock = Clock { now_ms: 1_760_000_000_000, tz_offset_minutes: 480, seed: 1 };
    let mut session = Session::start(Arc::clone(&form), clock).unwrap();
    session.answer("/data/status_keberadaan", "2").unwrap();
    session.answer("/data/perumahan/lantai", "3").unwrap();
    session.answer("/data/perumahan/sumber_air_minum", "8").unwrap();
    for (i, (name, nik, relation, status)) in [
        ("Ni Luh Sari", "5271014101900002", "2", "1"),
        ("Made Wirawan", "5271011505850003", "1", "1"),
        ("Ketut Moved", "5271011505950001", "3", "3"),
        ("Baby", "5271011505250001", "3", "4"),
    ]
    .into_iter()
    .enumerate()
    {
        session.add_repeat("/data/members").unwrap();
        let at = |field: &str| format!("/data/members[{}]/{field}", i + 1);
        session.answer(&at("nama"), name).unwrap();
        session.answer(&at("nik"), nik).unwrap();
        session.answer(&at("hubungan_krt"), relation).unwrap();
        session.answer(&at("status_keberadaan_art"), status).unwrap();
    }
    session.answer("/data/kyc/nama", "Made Wirawan").unwrap();
    let doc = Document::parse(&session.submission_xml()).unwrap();
    let questions = backcheck::questions(&form);
    let first = backcheck::first_answers(&questions, &doc);
    assert_eq!(first["count:/data/members"], "3", "living members: 1 and 4, not the one who moved");
    assert_eq!(first["head:/data/members/nama"], "Made Wirawan");
    assert_eq!(first["head:/data/members/nik"], "5271011505850003");
    assert_eq!(first["field:/data/perumahan/lantai"], "3");
    // The questions themselves carry nothing the enumerator answered.
    let shown = format!("{questions:?}");
    assert!(!shown.contains("Wirawan") && !shown.contains("5271011505850003"));

    let second = BTreeMap::from([
        ("field:/data/status_keberadaan".to_owned(), "2".to_owned()),
        ("count:/data/members".to_owned(), "4".to_owned()),
        ("head:/data/members/nama".to_owned(), "made  wirawan".to_owned()),
        ("head:/data/members/nik".to_owned(), "5271 0115 0585 0003".to_owned()),
        ("field:/data/perumahan/lantai".to_owned(), "2".to_owned()),
    ]);
    let rows = backcheck::compare(&questions, &first, &second);
    let differing: Vec<&str> = rows.iter().filter(|r| r.differs).map(|r| r.key.as_str()).collect();
    assert_eq!(differing, ["field:/data/perumahan/lantai", "count:/data/members"]);
    assert_eq!(backcheck::Tally::of(&rows), backcheck::Tally { asked: 5, differ: 2 });
}
