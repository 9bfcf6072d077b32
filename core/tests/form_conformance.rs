//! The forms and scenarios of `test-fixtures/conformance/forms` (provenance in its SOURCE.md), replayed on our engine and compared
//! with what JavaRosa 5.1.0 recorded: every node's value and relevant/required/readonly flags,
//! before and after the steps, and each step's result. Nondeterministic values (instanceID,
//! start, end, deviceid) are compared by shape.
//!
//! Compared: `nodes`, `questions` (kind, flags, value, choices, label), `violations`, `validate`,
//! `submission_xml` (canonicalized), and each step's result.
//!
//! `MUST_MATCH` lists the scenarios the engine reproduces today; the test fails if any of them
//! regresses, and prints how far the others are (set `FORM_CONFORMANCE_VERBOSE` for details).
//! The list only grows.

#[path = "support/replay.rs"]
mod replay;

use std::path::PathBuf;

use replay::{replay_with, scenarios_in};
use verivali_core::interview::FolderMedia;
use verivali_form::{definition::ExternalInstances, session::Clock};

const MUST_MATCH: &[&str] = &[
    "04-jr-child-vaccination/load",
    "05-jr-whova/load",
    "06-jr-eimci/load",
    "07-jr-three-level-cascading/cascade",
    "07-jr-three-level-cascading/cascade-change",
    "08-jr-simpler-cascading/load",
    "09-jr-choice-name/choose",
    "10-jr-template-repeat/add-two",
    "11-jr-repeat-secondary-instance/two",
    "12-jr-constraint-message/violate-all",
    "13-jr-odk-new-repeat/events",
    "14-jr-nested-repeats/nest",
    "15-jr-relative-current-ref/fruit",
    "16-jr-count-non-empty/load",
    "17-pyx-xlsform-spec-test/email-regex",
    "17-pyx-xlsform-spec-test/email-regex-unanchored",
    "17-pyx-xlsform-spec-test/skip",
    "18-pyx-tutorial/load",
    "19-pyx-choice-filter/cascade",
    "20-pyx-cascading-equivalent/zone2",
    "21-pyx-calculate/load",
    "22-pyx-repeat-date/load",
    "23-pyx-or-other/load",
    "24-pyx-ucl-biomass/load",
    "26-vv-empty-dates/answered",
    "26-vv-empty-dates/cleared",
    "27-vv-lexical-forms/utc",
    "27-vv-lexical-forms/jakarta",
    "28-vv-choice-filters/change",
    "29-vv-household-roster/roster",
    "29-vv-household-roster/change",
    "25-pyx-group/load",
];

/// External instances as the recorded runs had them: present but empty.
struct EmptyExternal;

impl ExternalInstances for EmptyExternal {
    fn fetch(&self, _: &str) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/conformance/forms")
}

/// Replays one scenario of the suite; returns the mismatches found.
fn replay(dir: &std::path::Path, scenario_name: &str) -> Vec<String> {
    let clock = Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 0, seed: 42 };
    replay_with(dir, dir, scenario_name, &EmptyExternal, clock)
}

#[test]
fn recorded_javarosa_behaviour_is_reproduced_for_the_supported_scenarios() {
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (dir, scenario) in scenarios_in(&suite()) {
        let key = format!("{}/{scenario}", dir.file_name().unwrap().to_string_lossy());
        let problems = replay(&dir, &scenario);
        report.push(format!(
            "{key}: {}",
            if problems.is_empty() {
                "match".to_owned()
            } else {
                format!("{} mismatches", problems.len())
            }
        ));
        if std::env::var_os("FORM_CONFORMANCE_VERBOSE").is_some() {
            problems.iter().take(8).for_each(|p| report.push(format!("    {p}")));
        }
        if MUST_MATCH.contains(&key.as_str()) && !problems.is_empty() {
            failures.push(format!(
                "{key}:\n  {}",
                problems.iter().take(12).cloned().collect::<Vec<_>>().join("\n  ")
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "scenarios that must match JavaRosa do not:\n{}",
        failures.join("\n")
    );
}

#[test]
fn dtks_status_scenarios_match_javarosa_in_relevance_and_submission() {
    let form_dir = suite().join("../../forms/dtks-verivali");
    let scenarios = form_dir.join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&scenarios)
        .unwrap()
        .filter_map(|f| {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            Some(name.strip_prefix("scenario.")?.strip_suffix(".json")?.to_owned())
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "five statuses, two new households, separators: {names:?}");
    // JavaRosa ran on 2026-12-07 (tools/forms/status_scenarios.py, tools/javarosa JavaRosaRun).
    let recorded_on = Clock { now_ms: 1_796_601_600_000, tz_offset_minutes: 7 * 60, seed: 42 };
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let problems =
                replay_with(&form_dir, &scenarios, name, &FolderMedia::new(&form_dir), recorded_on);
            (!problems.is_empty()).then(|| format!("{name}:\n  {}", problems.join("\n  ")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
