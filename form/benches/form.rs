//! The form engine on the forms that matter for speed, counted from the first iteration (on a
//! phone every open is a first open):
//! - open the WHO verbal autopsy form (1.5 MB, 931 bind expressions): parse + first computation;
//! - open `dtks-synth` (7.6 MB, all 83,762 villages inline), with its peak heap;
//! - the first village filter after choosing a kecamatan, and a repeated one;
//! - an answer commit with recompute on the household roster at 20 members;
//! - the finalize check and the submission XML of the form filled in completely for a household
//!   of 20 (`test-fixtures/perf/dtks-synth.complete-roster.json`): JavaRosa's check stops at the
//!   first violation, so only a complete form is checked whole by both.
//!
//! JavaRosa's figures for the same work come from `tools/javarosa/bench.sh` (our driver, same
//! machine). Run: `cargo bench -p verivali-core --bench form`.

use std::{
    io::Read,
    path::PathBuf,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use verivali_form::{
    definition::{Choices, NoExternalInstances},
    session::{Clock, Form, Session},
};

#[path = "../../core/benches/support/counting.rs"]
mod counting;

use counting::{Counting, LIVE, PEAK};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn whova() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-fixtures/conformance/forms/05-jr-whova/form.xml");
    std::fs::read_to_string(path).unwrap()
}

fn dtks_synth() -> String {
    let gz = std::fs::File::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/perf/dtks-synth.xml.gz"),
    )
    .unwrap();
    let mut xml = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut xml).unwrap();
    xml
}

fn clock() -> Clock {
    Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 7 * 60, seed: 1 }
}

fn open(xml: &str) -> Session {
    let form = Arc::new(Form::load(xml, &NoExternalInstances).unwrap());
    Session::start(form, clock()).unwrap()
}

/// Answers a select with its first offered choice; returns the value.
fn choose_first(session: &mut Session, reference: &str) -> String {
    let node = session.resolve(reference).unwrap();
    let control = session
        .form()
        .def
        .controls()
        .into_iter()
        .find(|c| c.reference.as_deref() == Some(reference))
        .unwrap();
    let choices = control.choices.clone().unwrap();
    let value = session.choices(&choices, node).unwrap()[0].value.clone();
    session.answer(reference, &value).unwrap();
    value
}

fn desa_choices(session: &Session) -> usize {
    let node = session.resolve("/data/blok1/q104").unwrap();
    let control = session
        .form()
        .def
        .controls()
        .into_iter()
        .find(|c| c.reference.as_deref() == Some("/data/blok1/q104"))
        .unwrap();
    let Some(choices @ Choices::Itemset(_)) = &control.choices else {
        panic!("q104 is the desa select")
    };
    session.choices(choices, node).unwrap().len()
}

/// dtks-synth with a kecamatan chosen and 20 members.
fn roster(xml: &str) -> Session {
    let mut s = open(xml);
    for q in ["/data/blok1/q101", "/data/blok1/q102", "/data/blok1/q103"] {
        choose_first(&mut s, q);
    }
    for i in 1..=20 {
        s.answer(&format!("/data/art[{i}]/q402"), "Siti Aminah").unwrap();
    }
    s
}

/// `runs` fresh opens in this process, the first included: on a phone every open is a first
/// open, so the first is reported alone and counts in the median.
fn report_opens(name: &str, xml: &str, runs: usize) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let session = open(xml);
            let elapsed = started.elapsed();
            drop(session);
            elapsed
        })
        .collect();
    let first = times[0];
    times.sort();
    eprintln!(
        "{name} opens: first {first:?}, median of {runs} (first included) {:?}",
        times[runs / 2]
    );
}

fn report_first_uses(xml: &str) {
    LIVE.store(0, Ordering::Relaxed);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    let mut session = open(xml);
    let open_time = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let held = LIVE.load(Ordering::Relaxed) - before;
    for q in ["/data/blok1/q101", "/data/blok1/q102", "/data/blok1/q103"] {
        choose_first(&mut session, q);
    }
    let started = Instant::now();
    let villages = desa_choices(&session);
    let first_filter = started.elapsed();
    eprintln!(
        "dtks-synth first use: open {open_time:?}, peak heap {:.1} MB, held {:.1} MB; first desa filter {first_filter:?} ({villages} villages)",
        peak as f64 / 1e6,
        held as f64 / 1e6
    );
}

/// dtks-synth filled in completely for 20 members, by the committed scenario.
fn complete(xml: &str) -> Session {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-fixtures/perf/dtks-synth.complete-roster.json");
    let scenario: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut session = open(xml);
    for step in scenario["steps"].as_array().unwrap() {
        let (reference, value) = (step["ref"].as_str().unwrap(), step["value"].as_str().unwrap());
        session.answer(reference, value).unwrap();
    }
    let left = session.violations().unwrap().len();
    assert_eq!(left, 0, "the complete roster leaves no violation");
    session
}

fn report_answer_latency(xml: &str) {
    let mut session = roster(xml);
    let mut times: Vec<Duration> = (0..2000usize)
        .map(|i| {
            let reference = format!("/data/art[{}]/q402", i % 20 + 1);
            let name = if i.is_multiple_of(2) { "Budi Santoso" } else { "Siti Aminah" };
            let started = Instant::now();
            session.answer(&reference, name).unwrap();
            started.elapsed()
        })
        .collect();
    let first = times[0];
    times.sort();
    eprintln!(
        "roster answer with recompute (20 members): first {first:?}, p50 {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

fn bench(c: &mut Criterion) {
    let whova = whova();
    let synth = dtks_synth();
    report_opens("WHO VA", &whova, 20);
    report_first_uses(&synth);
    report_opens("dtks-synth", &synth, 10);
    report_answer_latency(&synth);

    let mut group = c.benchmark_group("form");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("open_whova", |b| b.iter_with_large_drop(|| open(&whova)));
    group.bench_function("open_dtks_synth", |b| b.iter_with_large_drop(|| open(&synth)));
    group.bench_function("desa_filter", |b| {
        // By reference: dropping the form (83,762 villages) must not count as filtering.
        b.iter_batched_ref(
            || {
                let mut s = open(&synth);
                for q in ["/data/blok1/q101", "/data/blok1/q102", "/data/blok1/q103"] {
                    choose_first(&mut s, q);
                }
                s
            },
            |s| desa_choices(s),
            BatchSize::PerIteration,
        )
    });
    let mut s = roster(&synth);
    let mut i = 0usize;
    group.bench_function("roster_answer", |b| {
        b.iter(|| {
            i += 1;
            s.answer(
                &format!("/data/art[{}]/q402", i % 20 + 1),
                if i.is_multiple_of(2) { "Budi Santoso" } else { "Siti Aminah" },
            )
            .unwrap()
        })
    });
    let full = complete(&synth);
    group.bench_function("complete_validate", |b| b.iter(|| full.violations().unwrap().len()));
    group.bench_function("complete_submission_xml", |b| b.iter(|| full.submission_xml().len()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
