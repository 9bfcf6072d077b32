//! The DTKS verivali questionnaire at work, counted from the first iteration:
//! - opening a preloaded 12-member household (the form itself loaded once, reported apart);
//! - an answer with recompute in that household;
//! - every registry rule at finalize;
//! - the village cascade: provinsi → kabupaten → kecamatan → the desa list.
//!
//! Budget (issue "The DTKS verivali questionnaire"): each under 5 ms on this machine, except
//! opening the form. Run: `cargo bench -p verivali-core --bench dtks`.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::Value as Json;
use verivali_core::interview::FolderMedia;
use verivali_form::session::{Clock, Form, Session};
use verivali_rules::{self as rules, Date, Household, LookupFailed, PrelistLookup};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures")
}

fn clock() -> Clock {
    Clock { now_ms: 1_795_824_000_000, tz_offset_minutes: 7 * 60, seed: 3 }
}

fn today() -> Date {
    Date::new(2026, 11, 28).unwrap()
}

/// The sample prelist: records, and NIK → households for the rules.
struct Sample {
    records: Vec<Json>,
    by_nik: HashMap<String, Vec<String>>,
}

impl PrelistLookup for Sample {
    fn households_with_nik(&self, nik: &str) -> Result<Vec<String>, LookupFailed> {
        Ok(self.by_nik.get(nik).cloned().unwrap_or_default())
    }

    fn household_members(&self, id: &str) -> Result<Option<Vec<(String, String)>>, LookupFailed> {
        let Some(record) = self.records.iter().find(|r| r["id_dtks"] == id) else {
            return Ok(None);
        };
        let members = record["members"].as_array().map(|members| {
            members
                .iter()
                .map(|m| {
                    (
                        m["nik"].as_str().unwrap_or("").into(),
                        m["nama"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        });
        Ok(members)
    }
}

fn sample() -> Sample {
    let text = std::fs::read_to_string(fixtures().join("prelist/sample.jsonl")).unwrap();
    let records: Vec<Json> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut by_nik: HashMap<String, Vec<String>> = HashMap::new();
    for record in &records {
        for member in record["members"].as_array().unwrap() {
            if let Some(nik) = member["nik"].as_str() {
                by_nik
                    .entry(nik.into())
                    .or_default()
                    .push(record["id_dtks"].as_str().unwrap().into());
            }
        }
    }
    Sample { records, by_nik }
}

/// The sample's largest household, grown to 12 members with distinct numbers and NIKs.
fn twelve_members(sample: &Sample) -> Json {
    let mut record = sample
        .records
        .iter()
        .max_by_key(|r| r["members"].as_array().unwrap().len())
        .unwrap()
        .clone();
    let members = record["members"].as_array_mut().unwrap();
    let mut next = members.len();
    while members.len() < 12 {
        let mut copy = members[next % 2 + 1].clone();
        next += 1;
        copy["no_art"] = Json::from(next.to_string());
        let nik = copy["nik"].as_str().unwrap().to_owned();
        copy["nik"] = Json::from(format!("{}{:04}", &nik[..12], 9000 + next));
        members.push(copy);
    }
    record
}

fn load_form() -> (Arc<Form>, Duration) {
    let dir = fixtures().join("forms/dtks-verivali");
    let xml = std::fs::read_to_string(dir.join("form.xml")).unwrap();
    let started = Instant::now();
    let form = Arc::new(Form::load(&xml, &FolderMedia::new(dir)).unwrap());
    (form, started.elapsed())
}

fn member_name(session: &Session) -> String {
    let root = session.document().get(session.document().root()).name.to_string();
    format!("/{root}/members[7]/nama")
}

fn bench(c: &mut Criterion) {
    let (form, load_time) = load_form();
    eprintln!("dtks-verivali form: loaded in {load_time:?} (first load, with its region CSVs)");
    let sample = sample();
    let record = twelve_members(&sample);
    let started = Instant::now();
    let (first, _) = Session::start_prefilled(Arc::clone(&form), clock(), &record).unwrap();
    eprintln!("first preloaded 12-member household: {:?}", started.elapsed());
    let household = Household::from_session(&first, Some(first.differs_from(&record)));
    eprintln!(
        "rules on it: {} findings; {} members read by role",
        rules::check(&household, &sample, today()).unwrap().len(),
        household.members.len()
    );

    let mut group = c.benchmark_group("dtks");
    group.sample_size(20);
    group.bench_function("open_preloaded_12_members", |b| {
        b.iter_with_large_drop(|| Session::start_prefilled(Arc::clone(&form), clock(), &record))
    });
    let (mut session, _) = Session::start_prefilled(Arc::clone(&form), clock(), &record).unwrap();
    let reference = member_name(&session);
    let mut flip = false;
    group.bench_function("answer_with_recompute", |b| {
        b.iter(|| {
            flip = !flip;
            session.answer(&reference, if flip { "Siti Aminah" } else { "Siti Aminah Putri" })
        })
    });
    group.bench_function("all_rules_at_finalize", |b| {
        b.iter(|| {
            let household = Household::from_session(&session, Some(session.differs_from(&record)));
            rules::check(&household, &sample, today()).unwrap().len()
        })
    });
    let root = format!("/{}", session.document().get(session.document().root()).name);
    let desa = record["lokasi"]["desa"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = desa.split('.').collect();
    let (prov, kab, kec) = (parts[0].to_owned(), parts[..2].join("."), parts[..3].join("."));
    group.bench_function("village_cascade", |b| {
        b.iter_batched_ref(
            || Session::start(Arc::clone(&form), clock()).unwrap(),
            |s| {
                s.answer(&format!("{root}/lokasi/provinsi"), &prov).unwrap();
                s.answer(&format!("{root}/lokasi/kabupaten"), &kab).unwrap();
                s.answer(&format!("{root}/lokasi/kecamatan"), &kec).unwrap();
                s.questions().unwrap().len()
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
