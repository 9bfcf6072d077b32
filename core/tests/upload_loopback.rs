//! Finalized interviews upload to a real OpenRosa receiver on a loopback socket: each arrives
//! once, a server hiccup (503 + Retry-After) is retried, and a refused token stops with a
//! message a person can act on.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    thread,
};

use verivali_core::api::{FinalizeResult, UploadState, Verivali};

/// A minimal OpenRosa receiver: bearer token "good" is accepted, others get 401; the first
/// `failures` requests get 503 with `Retry-After: 0`. Submissions are kept by instanceID.
struct Receiver {
    url: String,
    received: Arc<Mutex<HashMap<String, String>>>,
    requests: Arc<Mutex<u32>>,
    /// The `User-Agent` of every request, in order.
    user_agents: Arc<Mutex<Vec<String>>>,
}

fn receiver(failures: u32) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(HashMap::new()));
    let requests = Arc::new(Mutex::new(0));
    let user_agents = Arc::new(Mutex::new(Vec::new()));
    let (store, count, agents) =
        (Arc::clone(&received), Arc::clone(&requests), Arc::clone(&user_agents));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = HashMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let request_line = line.clone();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap();
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
            agents.lock().unwrap().push(headers.get("user-agent").cloned().unwrap_or_default());
            if request_line.starts_with("HEAD") {
                let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nX-OpenRosa-Accept-Content-Length: 10485760\r\nConnection: close\r\n\r\n");
                continue;
            }
            let length: usize = headers.get("content-length").map_or(0, |l| l.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8_lossy(&body).into_owned();
            let n = {
                let mut c = count.lock().unwrap();
                *c += 1;
                *c
            };
            let response = if n <= failures {
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Type: text/html\r\nContent-Length: 23\r\nConnection: close\r\n\r\n<html>busy</html>      ".to_owned()
            } else if !matches!(
                headers.get("authorization").map(String::as_str),
                Some("Bearer good" | "Basic YXl1Omdvb2Q=")
            ) {
                let xml = r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="error">Token tidak berlaku</message></OpenRosaResponse>"#;
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                    xml.len()
                )
            } else {
                let id = body.split("<instanceID>").nth(1).unwrap().split('<').next().unwrap();
                let xml_part =
                    body.split("\r\n\r\n").nth(1).unwrap().split("\r\n--").next().unwrap();
                store.lock().unwrap().insert(id.to_owned(), xml_part.to_owned());
                let ok = r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message>OK</message></OpenRosaResponse>"#;
                format!(
                    "HTTP/1.1 201 Created\r\nContent-Type: text/xml\r\nX-OpenRosa-Version: 1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ok}",
                    ok.len()
                )
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    Receiver { url, received, requests, user_agents }
}

fn device_with_finalized(dir: &std::path::Path, households: &[&str]) -> Arc<Verivali> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let verivali = Verivali::open(dir.display().to_string(), vec![9; 32], None).unwrap();
    let form = root.join("test-fixtures/forms/mini-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    verivali
        .import_prelist(root.join("test-fixtures/prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    for household in households {
        let interview =
            verivali.start_interview("mini_verivali".into(), Some((*household).into())).unwrap();
        interview.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        let outcome = interview.finalize(vec![]).unwrap();
        assert!(matches!(outcome, FinalizeResult::Finalized { .. }), "{outcome:?}");
    }
    verivali
}

#[test]
fn each_finalized_interview_arrives_once_and_a_503_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let device = device_with_finalized(
        dir.path(),
        &["5271011009000001", "5271011009000002", "5271011009000003"],
    );
    let server = receiver(1);
    let before = verivali_core::api::now_ms();
    let report =
        device.upload_pending(server.url.clone(), Some("good".into()), 30_000, None, None).unwrap();
    assert_eq!((report.acknowledged, report.retry_later, report.needs_person), (2, 1, 0));
    let waiting: Vec<_> = device
        .outbox_status()
        .unwrap()
        .into_iter()
        .filter(|e| e.state == UploadState::RetryLater)
        .collect();
    assert_eq!(waiting.len(), 1);
    assert!(
        waiting[0].next_attempt_at.unwrap() >= before + 5_000,
        "Retry-After: 0 still waits the five-second floor: {waiting:?}"
    );
    assert_eq!(device.send_now().unwrap(), 1);
    let retried =
        device.upload_pending(server.url.clone(), Some("good".into()), 30_000, None, None).unwrap();
    assert_eq!(retried.acknowledged, 1);
    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let statuses = device.outbox_status().unwrap();
    assert!(statuses.iter().all(|e| e.state == UploadState::Sent), "{statuses:?}");
    for entry in &statuses {
        assert!(received[&entry.interview_id].contains("<status_keberadaan>4</status_keberadaan>"));
    }
    let agents = server.user_agents.lock().unwrap().clone();
    let expected = format!("Verivali/{}", env!("CARGO_PKG_VERSION"));
    assert!(!agents.is_empty());
    for agent in &agents {
        assert_eq!(agent, &expected, "every request names the app and its version");
    }
    let again =
        device.upload_pending(server.url.clone(), Some("good".into()), 30_000, None, None).unwrap();
    assert_eq!(again.acknowledged, 0, "nothing is sent twice");
    assert_eq!(*server.requests.lock().unwrap(), 4, "four POSTs (one retried), HEADs aside");
}

#[test]
fn a_refused_token_needs_a_person_with_a_message_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let device = device_with_finalized(dir.path(), &["5271011009000001"]);
    let server = receiver(0);
    let report = device
        .upload_pending(server.url.clone(), Some("revoked".into()), 30_000, None, None)
        .unwrap();
    assert_eq!(report.needs_person, 1);
    let entry = &device.outbox_status().unwrap()[0];
    assert_eq!(entry.state, UploadState::NeedsPerson);
    let reason = entry.reason.as_deref().unwrap();
    assert!(reason.contains("token baru") && reason.contains("new token"), "{reason}");
    assert!(reason.contains("Token tidak berlaku"), "the server's own message: {reason}");
    let retried =
        device.upload_pending(server.url.clone(), Some("good".into()), 30_000, None, None).unwrap();
    assert_eq!(retried.acknowledged, 0, "needs-person items wait for a person");
}

#[test]
fn an_unreachable_server_means_retry_later() {
    let dir = tempfile::tempdir().unwrap();
    let device = device_with_finalized(dir.path(), &["5271011009000001"]);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let report = device.upload_pending(url, Some("good".into()), 30_000, None, None).unwrap();
    assert_eq!(report.retry_later, 1);
    let entry = &device.outbox_status().unwrap()[0];
    assert_eq!(entry.state, UploadState::RetryLater);
    assert!(entry.next_attempt_at.is_some());
    // Not due yet: another run sends nothing; "send now" makes it due at once.
    let server = receiver(0);
    let report = device.upload_pending(server.url.clone(), Some("good".into()), 30_000, None, None);
    assert_eq!(report.unwrap().acknowledged, 0);
    assert_eq!(device.send_now().unwrap(), 1);
    let report = device.upload_pending(server.url, Some("good".into()), 30_000, None, None);
    assert_eq!(report.unwrap().acknowledged, 1);
}

#[test]
fn basic_credentials_in_the_server_url_are_sent_as_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    let device = device_with_finalized(dir.path(), &["5271011009000001"]);
    let server = receiver(0);
    let url = server.url.replace("http://", "http://ayu:good@");
    let report = device.upload_pending(url, None, 30_000, None, None).unwrap();
    assert_eq!(report.acknowledged, 1);
}
