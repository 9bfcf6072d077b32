//! The first stores a process opens, keyed from many threads at the same moment, all open.
//!
//! SQLCipher finishes starting up after SQLite says it is ready; a connection keyed in between
//! used to fail ("An error occurred with PRAGMA key or rekey"). The race exists only while a
//! process opens its very first connections, so this file holds a single test, and where the
//! test binary can run itself natively it repeats the race in fresh child processes.

use std::{
    path::Path,
    process::Command,
    sync::{Arc, Barrier},
    thread,
};

use verivali_core::store::{Store, StoreKey};

const CHILD: &str = "VERIVALI_FIRST_OPEN_CHILD";
const THREADS: usize = 8;
const FRESH_PROCESSES: usize = 32;
const TEST_NAME: &str = "stores_keyed_at_once_by_a_fresh_process_all_open";

#[test]
fn stores_keyed_at_once_by_a_fresh_process_all_open() {
    open_many_at_once();
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let Some(exe) = natively_runnable_self() else {
        return;
    };
    for round in 0..FRESH_PROCESSES {
        let spawned = Command::new(&exe)
            .args(["--exact", TEST_NAME, "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .output();
        // Under an emulator the binary is foreign to the host: it cannot be spawned, or it is
        // (binfmt_misc) but finds no loader and never reaches the test harness. Then the
        // in-process round stands.
        let out = match spawned {
            Ok(out) if String::from_utf8_lossy(&out.stdout).contains("running 1 test") => out,
            _ => {
                eprintln!("cannot run {} directly; only the in-process round ran", exe.display());
                return;
            }
        };
        assert!(
            out.status.success(),
            "fresh process {round} could not open all its stores:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Opens `THREADS` new stores, each in its own thread, all released by one barrier.
fn open_many_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let data_dir = dir.path().join(format!("device-{i}"));
            thread::spawn(move || {
                barrier.wait();
                open_store(&data_dir)
            })
        })
        .collect();
    for (i, worker) in workers.into_iter().enumerate() {
        let opened = worker.join().expect("the opening thread does not panic");
        assert!(opened.is_ok(), "store {i} did not open: {:?}", opened.err());
    }
}

fn open_store(data_dir: &Path) -> Result<(), String> {
    let key = StoreKey::from_bytes(&[7; 32]).map_err(|e| e.to_string())?;
    Store::open(data_dir, &key).map(drop).map_err(|e| e.to_string())
}

/// This test binary, when the host runs it directly (not through a loader or an emulator).
fn natively_runnable_self() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = exe.file_name()?.to_string_lossy();
    name.starts_with("store_first_open").then_some(exe)
}
