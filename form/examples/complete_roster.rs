//! Writes the scenario that fills `dtks-synth` in completely for a household of 20 members, so
//! that the finalize check and the submission are measured on a whole, valid form: JavaRosa's
//! finalize check stops at the first violation, so only a form without any is a fair race.
//!
//! Our engine answers each violation with the first value of a fixed list that it accepts, until
//! none is left. The scenario is committed as
//! `test-fixtures/perf/dtks-synth.complete-roster.json`; regenerate it with
//! `cargo run -p verivali-core --example complete_roster > …` and check it against JavaRosa with
//! `tools/conformance --live`.

use std::{collections::HashMap, io::Read, path::PathBuf, sync::Arc};

use serde_json::json;
use verivali_form::{
    definition::{DataType, NoExternalInstances},
    session::{AnswerOutcome, Clock, Form, Session},
};

const MEMBERS: usize = 20;

fn main() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/perf/dtks-synth.xml.gz");
    let mut xml = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("the perf form"))
        .read_to_string(&mut xml)
        .expect("gzip");
    let form = Arc::new(Form::load(&xml, &NoExternalInstances).expect("loads"));
    let clock = Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 7 * 60, seed: 1 };
    let mut session = Session::start(form, clock).expect("starts");
    let mut steps = Vec::new();
    for member in 1..=MEMBERS {
        let reference = format!("/data/art[{member}]/q402");
        answer(&mut session, &reference, "Siti Aminah", &mut steps);
    }
    for _round in 0..5000 {
        let violations = session.violations().expect("checks");
        let Some(first) = violations.first() else { break };
        let reference = first.reference.clone();
        let candidates = candidates(&session, &reference);
        let saved =
            candidates.iter().any(|value| answer(&mut session, &reference, value, &mut steps));
        assert!(saved, "no candidate value is accepted at {reference}");
    }
    assert!(session.violations().expect("checks").is_empty(), "the form is complete");
    let scenario = json!({
        "form": "dtks-synth.xml",
        "initial_snapshot": false,
        "tz": "Asia/Jakarta",
        "locale": "id-ID",
        "nondeterministic_refs": ["/data/meta/instanceID"],
        "steps": steps,
    });
    println!("{}", serde_json::to_string_pretty(&scenario).expect("json"));
}

/// Answers and records the step when the engine keeps the value.
fn answer(
    session: &mut Session,
    reference: &str,
    value: &str,
    steps: &mut Vec<serde_json::Value>,
) -> bool {
    let saved = matches!(session.answer(reference, value), Ok(AnswerOutcome::Saved));
    if saved {
        steps.push(json!({"op": "answer", "ref": reference, "value": value}));
    }
    saved
}

/// Values to try at a question: its choices, or plausible values of its type.
fn candidates(session: &Session, reference: &str) -> Vec<String> {
    let questions: HashMap<String, Option<Vec<String>>> =
        session.questions().expect("lists").into_iter().map(|q| (q.reference, q.choices)).collect();
    if let Some(Some(choices)) = questions.get(reference) {
        return choices.clone();
    }
    let generic: String =
        reference.split('[').map(|s| s.split_once(']').map_or(s, |(_, r)| r)).collect();
    let data_type = session.form().def.bind(&generic).map(|b| b.data_type.clone());
    let values: &[&str] = match data_type {
        Some(DataType::Int | DataType::Decimal) => {
            &["1", "2", "3", "0", "5", "10", "12", "20", "25", "100", "1000", "2021", "2024"]
        }
        Some(DataType::Date) => &["1990-05-17", "2015-03-01", "2024-06-01"],
        Some(DataType::Time) => &["08:00:00"],
        Some(DataType::DateTime) => &["2025-06-01T08:00:00"],
        Some(DataType::Geopoint) => &["-6.2 106.8 10 5"],
        Some(DataType::Binary) => &["foto.jpg"],
        _ => &[
            "Siti Aminah",
            "1101014506900001",
            "08123456789",
            "Jl. Merdeka No. 1",
            "ABC123",
            "1",
            "01",
            "1234",
            "12345",
            "123456",
            "1234567890",
            "12345678901",
            "123456789012",
            "1234567890123",
            "12345678901234",
        ],
    };
    values.iter().map(|v| v.to_string()).collect()
}
