//! `verivali serve` under an office's load: 20 devices upload at once, each submission about
//! 20 KB (the instance and a real JPEG made by the phone's photo pipeline), each device over its
//! own connections. Prints submissions per second, p50/p99 latency and the receiver's peak
//! memory (VmHWM of its process). The receiver runs as its own process, as in an office.
//!
//! Run: `cargo bench -p verivali-cli --bench receiver_load` (`-- --devices N --each M` to vary).

#[path = "support/args.rs"]
mod args;
use args::argument;

#[path = "../tests/support/serve_process.rs"]
mod serve_process;

use std::{
    thread,
    time::{Duration, Instant},
};

use serve_process::{new_household, post, start};

use verivali_cli::serve;
use verivali_core::host::{PhotoSettings, process_photo_file};

const KEY: [u8; 32] = [9; 32];

fn fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures")
}

/// The peak resident memory of process `pid`, in KB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let devices = argument("--devices", 20);
    let each = argument("--each", 50);
    let dir = tempfile::tempdir().unwrap();
    serve::publish_form(dir.path(), &KEY, &fixtures().join("forms/mini-verivali/form.xml"))
        .unwrap();
    let tokens: Vec<String> = (0..devices)
        .map(|d| serve::add_token(dir.path(), &KEY, &format!("Pencacah {d}"), &["52.71".into()]))
        .collect::<Result<_, _>>()
        .unwrap();
    let key_file = dir.path().join("receiver.key");
    std::fs::write(&key_file, verivali_form::hex::hex(&KEY)).unwrap();
    let settings = PhotoSettings { max_side: 480, quality: 60, ..PhotoSettings::default() };
    let photo = process_photo_file(&fixtures().join("photos/exif-1.jpg"), &settings).unwrap().jpeg;

    let (mut child, url) = start(dir.path(), &key_file);
    let notes = "Rumah semi permanen, dinding papan, lantai semen. ".repeat(70);
    let sample = new_household("uuid:size", &photo, &notes).len();

    let started = Instant::now();
    let workers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(device, token)| {
            let (url, photo, notes) = (url.clone(), photo.clone(), notes.clone());
            thread::spawn(move || {
                (0..each)
                    .map(|n| {
                        let body =
                            new_household(&format!("uuid:load-{device}-{n}"), &photo, &notes);
                        let sent = Instant::now();
                        assert_eq!(post(&url, &token, &body), Some(201));
                        sent.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut latencies: Vec<Duration> =
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let elapsed = started.elapsed();
    let peak = peak_rss_kb(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    latencies.sort();
    let total = latencies.len();
    println!(
        "receiver_load: {devices} devices × {each} submissions of {:.1} KB (photo {:.1} KB): {:.0} submissions/s, \
         p50 {:.1} ms, p99 {:.1} ms, receiver peak RSS {} MB",
        sample as f64 / 1024.0,
        photo.len() as f64 / 1024.0,
        total as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        peak.map_or("?".to_owned(), |kb| format!("{:.1}", kb as f64 / 1024.0)),
    );
}
