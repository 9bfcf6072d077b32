//! The pengawas review with 100,000 interviews in the receiver: drawing the sample for an
//! arriving interview (stored and sampled in one transaction, as on receipt), and rendering the
//! queue (first page, a filtered page, a late page) and an interview page through the real
//! receiver over loopback HTTP with a logged-in pengawas. Prints p50 and max of each.
//!
//! Run: `cargo bench -p verivali-cli --bench review` (`-- --interviews N` to vary).

#[path = "support/args.rs"]
mod args;
#[path = "../../receiver/tests/support/web.rs"]
mod web;
use args::argument;

use std::{
    io::Write,
    time::{Duration, Instant},
};

use bytes::Bytes;
use verivali_cli::{
    fixtures,
    serve::{self, Receiver, Role, review::store::Arrival, store},
};

const KEY: [u8; 32] = [9; 32];
const PASSWORD: &str = "pengawas-benchmark";

fn form() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-fixtures/forms/mini-verivali/form.xml")
}

/// The mini-form instance of a prelist record, with a status and one member's name changed.
fn instance(id: &str, record: &serde_json::Value, status: u32) -> String {
    let members: String = record["members"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let name = m["nama"].as_str().unwrap_or("");
            let name = if i == 1 { format!("{name} Putra") } else { name.to_owned() };
            format!(
                "<members><no_art>{}</no_art><nama>{name}</nama><nik>{}</nik><jenis_kelamin/><tanggal_lahir/><hubungan_krt>{}</hubungan_krt><status_kawin/><status_keberadaan_art>1</status_keberadaan_art><nama_ibu_kandung/></members>",
                i + 1,
                m["nik"].as_str().unwrap_or(""),
                m["hubungan_krt"].as_str().unwrap_or("")
            )
        })
        .collect();
    format!(
        r#"<data id="mini_verivali" version="1"><id_dtks>{}</id_dtks><status_keberadaan>{status}</status_keberadaan><id_dtks_ganda/><lokasi><desa>{}</desa></lokasi>{members}<pengurus/><kyc><nama/><nik/><tanggal_lahir/><nama_ibu_kandung/></kyc><bukti><foto_rumah/><foto_kk/><lokasi_rumah/></bukti><meta><instanceID>{id}</instanceID><verivali_checks/></meta></data>"#,
        record["id_dtks"].as_str().unwrap(),
        record["lokasi"]["desa"].as_str().unwrap()
    )
}

fn store_one(
    conn: &mut rusqlite::Connection,
    n: usize,
    record: &serde_json::Value,
) -> std::time::Duration {
    let id = format!("uuid:bench-{n:07}");
    let xml = instance(&id, record, [1, 1, 2, 2, 2, 1, 3, 4, 5, 1][n % 10]);
    let status = xml.split("<status_keberadaan>").nth(1).unwrap()[..1].to_owned();
    let household = record["id_dtks"].as_str().unwrap().to_owned();
    let arrival = Arrival { household: Some(household), ..Arrival::default() };
    let attachments: Vec<(String, Bytes)> = Vec::new();
    let incoming = store::Incoming {
        instance_id: &id,
        device: "bench-device",
        deprecated_id: None,
        form_id: "mini_verivali",
        enumerator: ["Ayu", "Budi", "Citra", "Dewi", "Eko"][n % 5],
        xml: xml.as_bytes(),
        desa: record["lokasi"]["desa"].as_str(),
        status: Some(&status),
        attachments: &attachments,
        arrival: &arrival,
    };
    let started = Instant::now();
    store::store_submission(conn, &incoming, verivali_core::api::now_ms()).unwrap();
    started.elapsed()
}

/// GET `path` with the session cookie; the status, the time to the last byte, the body.
fn get(url: &str, path: &str, cookie: &str) -> (u16, Duration, String) {
    let started = Instant::now();
    let reply = web::request(url, "GET", path, &[("Cookie", cookie)], b"");
    (reply.status, started.elapsed(), reply.body)
}

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let p50 = times[times.len() / 2];
    let max = *times.last().unwrap();
    println!(
        "{name:<44} p50 {:>8.2} ms   max {:>8.2} ms   ({} runs)",
        p50.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        times.len()
    );
}

fn main() {
    let count = argument("--interviews", 100_000);
    let dir = tempfile::tempdir().unwrap();
    serve::publish_form(dir.path(), &KEY, &form()).unwrap();
    let prelist = dir.path().join("prelist.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&prelist).unwrap());
    fixtures::generate(count as u64 + 300, 17, &mut file).unwrap();
    file.flush().unwrap();
    drop(file);
    serve::add_prelist(dir.path(), &KEY, &prelist, None).unwrap();
    serve::add_user(dir.path(), &KEY, "siti", Role::Pengawas, PASSWORD).unwrap();
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&prelist)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let started = Instant::now();
    let mut conn = store::open(dir.path(), &KEY).unwrap();
    // Loading only: the office's receiver writes with synchronous = FULL; the timed arrivals
    // below do too.
    conn.execute_batch("PRAGMA synchronous = OFF;").unwrap();
    for (n, record) in records.iter().take(count).enumerate() {
        store_one(&mut conn, n, record);
    }
    conn.execute_batch("PRAGMA synchronous = FULL;").unwrap();
    println!(
        "{count} interviews stored and sampled in {:.1} s (loading, synchronous off)",
        started.elapsed().as_secs_f64()
    );
    let arrivals: Vec<Duration> = records[count..count + 200]
        .iter()
        .enumerate()
        .map(|(i, record)| store_one(&mut conn, count + i, record))
        .collect();
    summary("an arrival: stored and sampled, fsync'd", arrivals);
    drop(conn);

    let receiver = Receiver::start(dir.path(), &KEY, "127.0.0.1", 0).unwrap();
    let cookie = web::login(&receiver.url, "siti", PASSWORD).1.expect("logged in");
    let desa = records[0]["lokasi"]["desa"].as_str().unwrap();
    let kabupaten: String = desa.split('.').take(2).collect::<Vec<_>>().join(".");
    let pages = [
        ("queue: first page (waiting)", "/review?state=waiting".to_owned()),
        ("queue: reason status_4", "/review?state=waiting&reason=status_4".to_owned()),
        (
            "queue: one enumerator, a kabupaten",
            format!("/review?enumerator=Citra&desa={kabupaten}"),
        ),
        ("queue: a late page of all", format!("/review?page={}", (count / 100).min(100))),
        (
            "interview page (members, prelist changes)",
            format!("/review/uuid:bench-{:07}", count / 2),
        ),
    ];
    for (name, path) in pages {
        let first = get(&receiver.url, &path, &cookie);
        assert_eq!(first.0, 200, "{path}");
        let expected = if path.contains("uuid:") { "<mark>" } else { "<td><a href" };
        assert!(first.2.contains(expected), "{path} shows its content");
        let times: Vec<Duration> =
            (0..20).map(|_| get(&receiver.url, &path, &cookie)).map(|(_, t, _)| t).collect();
        summary(&format!("{name} ({} KB)", first.2.len() / 1024), times);
    }
}
