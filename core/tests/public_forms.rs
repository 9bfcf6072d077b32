//! The public forms of `test-fixtures/conformance/public-forms` (JavaRosa's and pyxform's test
//! forms, with generated scenarios recorded live from JavaRosa 5.1.0; provenance in its
//! README.md and SOURCE.md) replayed on our engine. Every scenario must match JavaRosa except
//! those `known-differences.json` lists with the reason (ADR 0017); a listed scenario that starts
//! to match must leave the list.

#[path = "support/replay.rs"]
mod replay;

use std::path::PathBuf;

use replay::{read_json, replay_with, scenarios_in};
use verivali_core::interview::FolderMedia;
use verivali_form::session::Clock;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/conformance/public-forms")
}

#[test]
fn public_forms_behave_as_javarosa_recorded_them_except_known_differences() {
    let known = read_json(corpus().join("known-differences.json"));
    let known = known["scenarios"].as_object().expect("a map of scenario to reason");
    // JavaRosa ran on 2026-12-07 (UTC); values computed from today() depend on it.
    let recorded_on =
        Clock { now_ms: 1_796_601_600_000 + 12 * 3_600_000, tz_offset_minutes: 0, seed: 42 };
    let all = scenarios_in(&corpus());
    assert!(all.len() >= 200, "the corpus holds only {} scenarios", all.len());
    let mut unexpected = Vec::new();
    let mut now_matching = Vec::new();
    let mut matching = 0;
    for (dir, name) in &all {
        let key = format!("{}/{name}", dir.file_name().unwrap().to_string_lossy());
        let problems = replay_with(dir, dir, name, &FolderMedia::new(dir), recorded_on);
        match (problems.is_empty(), known.contains_key(&key)) {
            (true, false) => matching += 1,
            (true, true) => now_matching.push(key),
            (false, true) => {}
            (false, false) => unexpected.push(format!(
                "{key}:\n  {}",
                problems.iter().take(8).cloned().collect::<Vec<_>>().join("\n  ")
            )),
        }
    }
    eprintln!(
        "public forms: {} scenarios, {matching} match JavaRosa ({:.1} %), {} known differences",
        all.len(),
        100.0 * f64::from(matching) / all.len() as f64,
        known.len()
    );
    assert!(
        unexpected.is_empty() && now_matching.is_empty(),
        "{} scenarios differ from JavaRosa:\n{}\nlisted but now matching: {now_matching:?}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
