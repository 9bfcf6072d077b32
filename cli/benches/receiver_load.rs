//! `verivali serve` under an office's load: 20 devices upload at once, each submission about
//! 20 KB (the instance and a real JPEG made by the phone's photo pipeline), each device over its
//! own connections. Prints submissions per second, p50/p99 latency and the receiver's peak
//! memory (VmHWM of its process). The receiver runs as its own process, as in an office.
//!
//! Run: `cargo bench -p verivali-cli --bench receiver_load` (`-- --devices N --each M` to vary).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use verivali_cli::serve;
use verivali_core::host::{PhotoSettings, process_photo_file};

const KEY: [u8; 32] = [9; 32];

fn fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures")
}

fn argument(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A status-4 visit of a new household with its house photo, as a multipart body.
fn submission(id: &str, photo: &[u8]) -> Vec<u8> {
    let notes = "Rumah semi permanen, dinding papan, lantai semen. ".repeat(70);
    let xml = format!(
        r#"<data id="mini_verivali" version="1"><id_dtks/><status_keberadaan>4</status_keberadaan><lokasi><desa>52.71.01.1009</desa></lokasi><catatan>{notes}</catatan><bukti><foto_rumah>rumah.jpg</foto_rumah></bukti><meta><instanceID>{id}</instanceID></meta></data>"#
    );
    let mut body = Vec::new();
    for (name, bytes) in [("xml_submission_file", xml.as_bytes()), ("rumah.jpg", photo)] {
        write!(
            body,
            "--b\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--b--\r\n");
    body
}

fn post(address: &str, token: &str, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(address).unwrap();
    let head = format!(
        "POST /submission HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nX-OpenRosa-Version: 1.0\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
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

    let mut child = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(dir.path())
        .arg("--key-file")
        .arg(&key_file)
        .args(["serve", "--port", "0", "--quota-submissions", "1000000"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = log.next().unwrap().unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].split_whitespace().next().unwrap().to_owned();
        }
    };
    thread::spawn(move || for _ in log {});
    let address = url.trim_start_matches("http://").to_owned();
    let sample = submission("uuid:size", &photo).len();

    let started = Instant::now();
    let workers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(device, token)| {
            let (address, photo) = (address.clone(), photo.clone());
            thread::spawn(move || {
                (0..each)
                    .map(|n| {
                        let body = submission(&format!("uuid:load-{device}-{n}"), &photo);
                        let sent = Instant::now();
                        assert_eq!(post(&address, &token, &body), 201);
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
