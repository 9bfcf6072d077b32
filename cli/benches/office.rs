//! The kab/kota office with 100,000 prelist households after a field period (issue 19): the
//! ratification recap (the model, then its printable page, XLSX and CSV), the progress, and the
//! registry's exports of every household and every member, each export as a whole `verivali`
//! process whose peak memory is read with wait4. Prints the median, min and max of each.
//!
//! Run: `cargo bench -p verivali-cli --bench office` (`-- --households N --runs R` to vary). The
//! field period is written once per size and seed under the target folder and reused.

#[path = "support/args.rs"]
mod args;
use args::argument;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use verivali_cli::{fixtures, serve};

const KEY_HEX: &str = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
const SEED: u64 = 2026;

fn main() {
    let households = argument("--households", 100_000) as u64;
    let runs = argument("--runs", 5);
    let data = field_period(households);
    let key = verivali_form::hex::decode(KEY_HEX).unwrap();
    let conn = serve::store::open(&data, &key).unwrap();

    let recap = serve::recap::tally::recap(&conn, None, 0).unwrap();
    let approved: u64 = recap.kabupaten.iter().map(|k| k.total.approved).sum();
    let pending: u64 = recap.kabupaten.iter().map(|k| k.total.pending).sum();
    println!(
        "{households} prelist households in {} kab/kota: {approved} approved, {pending} pending",
        recap.kabupaten.len()
    );
    report("recap model (query + lists)", runs, || {
        serve::recap::tally::recap(&conn, None, 0).unwrap();
    });
    report("recap printable page (model + HTML)", runs, || {
        let recap = serve::recap::tally::recap(&conn, None, 0).unwrap();
        let html = serve::recap::print::page(&recap, &Default::default());
        assert!(html.len() > 1000);
    });
    report("recap XLSX (model + workbook)", runs, || {
        let recap = serve::recap::tally::recap(&conn, None, 0).unwrap();
        serve::recap::sheets::xlsx(&recap).unwrap();
    });
    report("recap CSV (model + CSV)", runs, || {
        let recap = serve::recap::tally::recap(&conn, None, 0).unwrap();
        serve::recap::sheets::csv(&recap, &mut Vec::new()).unwrap();
    });
    report("progress", runs, || {
        serve::recap::progress::progress(&conn).unwrap();
    });
    drop(conn);
    let out = std::env::temp_dir().join("verivali-office-bench");
    std::fs::create_dir_all(&out).unwrap();
    for (rows, format) in
        [("households", "csv"), ("members", "csv"), ("households", "xlsx"), ("members", "xlsx")]
    {
        let file = out.join(format!("{rows}.{format}"));
        let mut times = Vec::new();
        let mut peaks = Vec::new();
        for _ in 0..runs.min(3) {
            let (seconds, peak_mb) = export_process(&data, rows, format, &file);
            times.push(seconds * 1000.0);
            peaks.push(peak_mb);
        }
        let size_mb = std::fs::metadata(&file).unwrap().len() as f64 / 1_048_576.0;
        println!(
            "export {rows} {format}: {} (whole process); peak RSS {:.1} MB max; {size_mb:.1} MB written",
            spread(&mut times),
            peaks.iter().copied().fold(0.0, f64::max)
        );
    }
}

/// The field period's folder for this size, written once.
fn field_period(households: u64) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let data = target.join(format!("bench-data/office-{households}-{SEED}"));
    let done = data.join("complete");
    if done.exists() {
        return data;
    }
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let key = verivali_form::hex::decode(KEY_HEX).unwrap();
    let started = Instant::now();
    let written = fixtures::field_day::write(&data, &key, households, SEED, &mut |done, total| {
        if done % 20_000 < 2_000 {
            eprintln!("field period: {done} / {total} interviews");
        }
    })
    .unwrap();
    eprintln!(
        "field period written in {:.0} s: {} interviews",
        started.elapsed().as_secs_f64(),
        written.interviews
    );
    std::fs::write(&done, b"").unwrap();
    data
}

fn report(what: &str, runs: usize, mut work: impl FnMut()) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        work();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{what}: {}", spread(&mut times));
}

/// Median, min and max in milliseconds.
fn spread(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    format!(
        "median {:.0} ms (min {:.0}, max {:.0}, {} runs)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    )
}

/// Runs `verivali serve report export` as its own process under GNU time, whose own child's
/// peak RSS is the export's alone (a child forked from this benchmark would count this process's
/// pages too); its time and peak RSS (MB).
fn export_process(data: &Path, rows: &str, format: &str, file: &Path) -> (f64, f64) {
    let key_file = data.with_extension("key");
    std::fs::write(&key_file, KEY_HEX).unwrap();
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "peak_kb=%M"])
        .arg(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(data)
        .arg("--key-file")
        .arg(&key_file)
        .args(["serve", "report", "export", "--rows", rows, "--format", format, "--out"])
        .arg(file)
        .stdout(Stdio::null())
        .output()
        .expect("GNU time (apt-get install time) runs the export");
    assert!(output.status.success(), "export failed: {}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stderr);
    let peak_kb: f64 = said
        .lines()
        .find_map(|l| l.strip_prefix("peak_kb="))
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak");
    (started.elapsed().as_secs_f64(), peak_kb / 1024.0)
}
