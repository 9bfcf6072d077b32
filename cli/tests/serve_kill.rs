//! `kill -9` of `verivali serve` in the middle of a burst of uploads, three times over: every
//! submission the receiver acknowledged (201) is in its database afterwards, byte for byte with
//! its photo, and the database is sound.

mod support;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Stdio},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use support::{RECEIVER_KEY, verivali_bin};
use verivali_cli::serve;
use verivali_form::hex::sha256_hex;

/// Starts `verivali serve` on any free port; the child and its URL.
fn start(dir: &std::path::Path, key_file: &std::path::Path) -> (Child, String) {
    let mut child = verivali_bin()
        .arg("--data")
        .arg(dir)
        .arg("--key-file")
        .arg(key_file)
        .args(["serve", "--port", "0", "--quota-submissions", "1000000"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the receiver says where it listens").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining its log so it never blocks on a full pipe.
    thread::spawn(move || for _ in lines {});
    (child, url)
}

/// POSTs a new household with a photo; the status, or `None` when the connection failed.
fn upload(url: &str, token: &str, id: &str, photo: &[u8]) -> Option<u16> {
    let xml = format!(
        r#"<data id="mini_verivali" version="1"><id_dtks/><status_keberadaan>4</status_keberadaan><lokasi><desa>52.71.01.1009</desa></lokasi><bukti><foto_rumah>rumah.jpg</foto_rumah></bukti><meta><instanceID>{id}</instanceID></meta></data>"#
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
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let head = format!(
        "POST /submission HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(&body).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn sigkill_during_a_burst_of_uploads_loses_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(dir.path());
    let token = serve::add_token(dir.path(), &RECEIVER_KEY, "Ayu", &["52.71".into()]).unwrap();
    let key_file = dir.path().join("receiver.key");
    std::fs::write(&key_file, verivali_form::hex::hex(&RECEIVER_KEY)).unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    for round in 0..3u64 {
        let (mut child, url) = start(dir.path(), &key_file);
        let senders: Vec<_> = (0..4)
            .map(|sender| {
                let (url, token, acknowledged) =
                    (url.clone(), token.clone(), Arc::clone(&acknowledged));
                thread::spawn(move || {
                    let mut acked = 0;
                    for n in 0.. {
                        let id = format!("uuid:kill-{round}-{sender}-{n}");
                        let photo: Vec<u8> = (0..30_000u32).map(|i| (i * 7 + n) as u8).collect();
                        match upload(&url, &token, &id, &photo) {
                            Some(201) => {
                                acked += 1;
                                acknowledged.lock().unwrap().push((id, sha256_hex(&photo)));
                            }
                            Some(status) => panic!("{id}: HTTP {status}"),
                            None => return acked,
                        }
                    }
                    acked
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(800 + 300 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let acked: u32 = senders.into_iter().map(|s| s.join().unwrap()).sum();
        assert!(acked > 0, "round {round}: the burst was under way when the receiver died");
    }
    let conn = serve::store::open(dir.path(), &RECEIVER_KEY).unwrap();
    let sound: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(sound, "ok");
    let acknowledged = acknowledged.lock().unwrap();
    for (id, photo_sha) in acknowledged.iter() {
        let stored: Vec<u8> = conn
            .query_row(
                "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = 'rumah.jpg'",
                [id],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{id} was acknowledged but is not stored: {e}"));
        assert_eq!(&sha256_hex(&stored), photo_sha, "{id}: the photo byte for byte");
    }
    eprintln!("{} acknowledged submissions over three kills, all stored", acknowledged.len());
}
