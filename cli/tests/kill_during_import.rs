//! SIGKILL in the middle of `verivali prelist import` must leave a database that opens, passes
//! `PRAGMA integrity_check`, and holds either none or all of the import (ADR 0004).

#![cfg(unix)]

use std::{
    path::Path,
    process::{Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use verivali_core::api::{SearchRequest, Verivali};

const KEY: &str = "0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000";

fn raw_key() -> Vec<u8> {
    (0..32).map(|i| u8::from_str_radix(&KEY[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn import(data: &Path, file: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(data)
        .env("VERIVALI_KEY", KEY)
        .args(["prelist", "import"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wal_len(data: &Path) -> u64 {
    std::fs::metadata(data.join("verivali.db-wal")).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn sigkill_mid_import_leaves_a_sound_database_with_none_of_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let small = dir.path().join("small.jsonl");
    let large = dir.path().join("large.jsonl");
    let small_manifest =
        verivali_cli::fixtures::generate(50, 7, &mut std::fs::File::create(&small).unwrap())
            .unwrap();
    let large_manifest =
        verivali_cli::fixtures::generate(40_000, 8, &mut std::fs::File::create(&large).unwrap())
            .unwrap();
    assert!(import(&data, &small).wait().unwrap().success());

    let mut child = import(&data, &large);
    let started = Instant::now();
    // Wait until the import has spilled well into the WAL: it is mid-transaction.
    while wal_len(&data) < 4 << 20 {
        assert!(child.try_wait().unwrap().is_none(), "the import ended before it could be killed");
        assert!(started.elapsed() < Duration::from_secs(300), "the import never got going");
        sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let store = Verivali::open(data.display().to_string(), raw_key(), None).unwrap();
    let count = store.household_count().unwrap();
    assert!(
        count == small_manifest.households
            || count == small_manifest.households + large_manifest.households,
        "neither none nor all of the import: {count}"
    );
    assert_eq!(count, small_manifest.households, "killed before commit: none of it");
    let problems = store.integrity_problems().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let hits =
        store.search(SearchRequest { text: "a".into(), area: None, page_size: 5 }, 0).unwrap();
    assert!(!hits.hits.is_empty(), "the earlier import is still searchable");
}
