//! The committed scenario that fills `dtks-synth` in for 20 members stays complete: the finalize
//! check and submission benchmarks (ours and JavaRosa's) rely on a form without violations.

use std::{io::Read, path::PathBuf, sync::Arc};

use verivali_form::{
    definition::NoExternalInstances,
    session::{AnswerOutcome, Clock, Form, Session},
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn complete_roster_scenario_saves_every_answer_and_leaves_no_violation() {
    let mut xml = String::new();
    let gz = std::fs::File::open(root().join("test-fixtures/perf/dtks-synth.xml.gz")).unwrap();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut xml).unwrap();
    let form = Arc::new(Form::load(&xml, &NoExternalInstances).unwrap());
    let clock = Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 7 * 60, seed: 1 };
    let mut session = Session::start(form, clock).unwrap();
    let path = root().join("test-fixtures/perf/dtks-synth.complete-roster.json");
    let scenario: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let steps = scenario["steps"].as_array().unwrap();
    assert!(steps.len() > 200, "a whole household, not a token one");
    for step in steps {
        let (reference, value) = (step["ref"].as_str().unwrap(), step["value"].as_str().unwrap());
        let outcome = session.answer(reference, value).unwrap();
        assert_eq!(outcome, AnswerOutcome::Saved, "{reference}");
    }
    assert_eq!(session.violations().unwrap(), vec![]);
    assert_eq!(session.resolve("/data/art[20]/q402").map(|_| ()), Some(()));
}
