//! A seeded, randomized fault test: 1,000 submissions upload through a server that fails 30 %
//! of requests in every way a field network and a busy server do (500, 503 with Retry-After,
//! 429, 413, 401, a 409 for a duplicate, a reset mid-body, a stall past the timeout, an HTML
//! error page). A person "fixes" needs-person items by requeueing them. The receiver ends with
//! exactly 1,000 distinct instances, each byte-identical to what was queued, with its
//! attachment. Time is virtual (the upload loop takes `now`), so Retry-After and backoff cost
//! no waiting; the test stops by itself.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use verivali_core::{
    outbox::{
        self, OutboxState,
        client::{self, Server},
        upload,
    },
    store::{
        Store, StoreKey,
        forms::{self, StoredForm},
        interviews::{self, InterviewState, StoredInterview},
    },
};

const SUBMISSIONS: usize = 1_000;
const FAULT_PERCENT: u64 = 30;

/// SplitMix64, so that a seed replays the same faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

type Received = Arc<Mutex<HashMap<String, (Vec<u8>, Vec<u8>)>>>;

/// The body's parts: (XML, attachment).
fn parts(body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(body);
    let boundary = text.lines().next().unwrap().trim().to_owned();
    let pieces: Vec<&str> = text.split(boundary.as_str()).collect();
    let content = |piece: &str| {
        let (_, rest) = piece.split_once("\r\n\r\n").unwrap();
        rest.strip_suffix("\r\n").unwrap().as_bytes().to_vec()
    };
    (content(pieces[1]), content(pieces[2]))
}

fn faulty_server(seed: u64) -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let store = Arc::clone(&received);
    thread::spawn(move || {
        let mut rng = Rng(seed);
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let head = line.starts_with("HEAD");
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            if head {
                let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nX-OpenRosa-Accept-Content-Length: 10485760\r\nConnection: close\r\n\r\n");
                continue;
            }
            let fault = (rng.next() % 100 < FAULT_PERCENT).then(|| rng.next() % 9);
            if fault == Some(6) {
                // Reset mid-body: read half, then drop the connection without answering.
                let mut half = vec![0; length / 2];
                let _ = reader.read_exact(&mut half);
                continue;
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let reply = |status: &str, extra: &str, body: &str| {
                format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let response = match fault {
                Some(0) => reply("500 Internal Server Error", "", ""),
                Some(1) => reply("503 Service Unavailable", "Retry-After: 120\r\n", ""),
                Some(2) => reply("429 Too Many Requests", "Retry-After: 30\r\n", ""),
                Some(3) => reply("413 Payload Too Large", "", ""),
                Some(4) => reply("401 Unauthorized", "", ""),
                Some(5) => {
                    // The server stored it but the answer is a duplicate notice (409).
                    let (xml, attachment) = parts(&body);
                    let id = instance_id(&xml);
                    store.lock().unwrap().insert(id, (xml, attachment));
                    reply("409 Conflict", "", "duplicate")
                }
                Some(7) => {
                    thread::sleep(Duration::from_millis(300));
                    reply("503 Service Unavailable", "", "")
                }
                Some(_) => reply(
                    "502 Bad Gateway",
                    "Content-Type: text/html\r\n",
                    "<html><body>nginx</body></html>",
                ),
                None => {
                    let (xml, attachment) = parts(&body);
                    let id = instance_id(&xml);
                    store.lock().unwrap().insert(id, (xml, attachment));
                    reply("201 Created", "", "")
                }
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, received)
}

fn instance_id(xml: &[u8]) -> String {
    let text = String::from_utf8_lossy(xml);
    text.split("<instanceID>").nth(1).unwrap().split('<').next().unwrap().to_owned()
}

fn queued_store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir, &StoreKey::from_bytes(&[1; 32]).unwrap()).unwrap();
    let form = StoredForm {
        row: 0,
        form_id: "f".into(),
        version: "1".into(),
        title: "F".into(),
        xml: "<f/>".into(),
        media: vec![],
    };
    let row = store.write(|tx| forms::install_form(tx, &form, 0)).unwrap();
    store
        .write(|tx| {
            for i in 0..SUBMISSIONS {
                let id = format!("uuid:00000000-0000-4000-8000-{i:012}");
                let xml = format!(
                    "<data id=\"f\"><n>{i}</n><nama>Siti &amp; Budi {i}</nama><meta><instanceID>{id}</instanceID></meta></data>"
                );
                let draft = StoredInterview {
                    id: id.clone(),
                    form_row: row,
                    id_dtks: None,
                    state: InterviewState::Draft,
                    instance_xml: xml.clone(),
                    preload: None,
                    checks: None,
                    position: None,
                    updated_at: 0,
                };
                interviews::insert_interview(tx, &draft)?;
                let checks = format!("{{\"n\":{i}}}");
                let done = interviews::Finalized {
                    checks_file: Some("verivali-checks.json"),
                    ..interviews::Finalized::plain(&id, &xml, &checks)
                };
                interviews::finalize(tx, &id, &done, i as i64)?;
            }
            Ok(())
        })
        .unwrap();
    store
}

#[test]
fn a_thousand_submissions_arrive_exactly_once_through_thirty_percent_faults() {
    let dir = tempfile::tempdir().unwrap();
    let store = queued_store(dir.path());
    let (url, received) = faulty_server(20_261_128);
    let agent = client::agent(Duration::from_millis(500), Duration::from_millis(200));
    let server = Server { base_url: url, token: Some("t".into()), device_id: None };
    let clock = Mutex::new(0i64);
    let mut rounds = 0;
    let mut faults_seen = (0u32, 0u32);
    loop {
        rounds += 1;
        assert!(rounds < 200, "the outbox must drain");
        let now = || *clock.lock().unwrap();
        let report =
            upload::upload_pending(&store, &agent, &server, i64::MAX, &now, &|| false, &mut |_| {})
                .unwrap();
        faults_seen.0 += report.retry_later;
        faults_seen.1 += report.needs_person;
        let items = store.read(outbox::items).unwrap();
        if items.iter().all(|i| i.state == OutboxState::Sent) {
            break;
        }
        // A person acts on what needs one; the clock moves past every retry time.
        for item in items.iter().filter(|i| i.state == OutboxState::NeedsPerson) {
            store.write(|tx| outbox::requeue(tx, &item.interview_id)).unwrap();
        }
        *clock.lock().unwrap() += 3_600_000 * 2;
    }
    assert!(faults_seen.0 > 50 && faults_seen.1 > 10, "faults happened: {faults_seen:?}");
    let received = received.lock().unwrap();
    assert_eq!(received.len(), SUBMISSIONS, "exactly the queued instances, each once");
    for i in 0..SUBMISSIONS {
        let id = format!("uuid:00000000-0000-4000-8000-{i:012}");
        let (xml, attachment) = &received[&id];
        let queued = format!(
            "<data id=\"f\"><n>{i}</n><nama>Siti &amp; Budi {i}</nama><meta><instanceID>{id}</instanceID></meta></data>"
        );
        assert_eq!(xml, queued.as_bytes(), "byte-identical");
        assert_eq!(attachment, format!("{{\"n\":{i}}}").as_bytes());
    }
}
