//! `verivali serve` as its own process, as an office runs it, and new-household uploads to it
//! over raw sockets: shared by the kill test and the load benchmark.

#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::Duration,
};

/// Starts `verivali serve` on any free port with quotas out of the way; the child and its URL.
pub fn start(dir: &Path, key_file: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verivali"))
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

/// A status-4 visit of a new household in desa 52.71.01.1009 with its house photo (and `notes`
/// to make it larger), as a multipart body with boundary `b`.
pub fn new_household(id: &str, photo: &[u8], notes: &str) -> Vec<u8> {
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

/// POSTs a multipart body made by [`new_household`]; the status, or `None` when the connection
/// failed.
pub fn post(url: &str, token: &str, body: &[u8]) -> Option<u16> {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let head = format!(
        "POST /submission HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nX-OpenRosa-Version: 1.0\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}
