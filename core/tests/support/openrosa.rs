//! A scriptable OpenRosa server on a loopback socket for the upload tests: it answers each
//! POST with what the test's `answer` closure says and records every request it saw (request
//! line, headers, body), so tests assert on what really went over the wire.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    thread,
};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub request_line: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Seen {
    /// The multipart parts: (name, bytes).
    pub fn parts(&self) -> Vec<(String, Vec<u8>)> {
        let content_type = &self.headers["content-type"];
        let boundary = content_type.split("boundary=").nth(1).unwrap().trim();
        let delimiter = format!("--{boundary}");
        let mut out = Vec::new();
        let body = &self.body;
        let mut at = 0;
        let find = |hay: &[u8], needle: &[u8], from: usize| {
            hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
        };
        while let Some(start) = find(body, delimiter.as_bytes(), at) {
            let head_start = start + delimiter.len() + 2;
            let Some(head_end) = find(body, b"\r\n\r\n", head_start) else { break };
            let head = String::from_utf8_lossy(&body[head_start..head_end]).into_owned();
            let next = find(body, format!("\r\n{delimiter}").as_bytes(), head_end).unwrap();
            let name = head.split("name=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
            out.push((name, body[head_end + 4..next].to_vec()));
            at = next + 2;
        }
        out
    }
}

/// What the server answers: status line (e.g. `409 Conflict`), extra header lines, body.
pub type Answer = (String, String, String);

pub struct ScriptedServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl ScriptedServer {
    pub fn posts(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.request_line.starts_with("POST"))
            .cloned()
            .collect()
    }
}

/// Starts a server on `bind` (e.g. `127.0.0.1:0`); `answer` gets each POST and its number.
pub fn scripted(
    bind: &str,
    answer: impl Fn(&Seen, usize) -> Answer + Send + 'static,
) -> ScriptedServer {
    let listener = TcpListener::bind(bind).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = Arc::clone(&seen);
    thread::spawn(move || {
        let mut posts = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut headers = HashMap::new();
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                }
            }
            let length: usize = headers.get("content-length").map_or(0, |l| l.parse().unwrap());
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let request = Seen { request_line: request_line.trim().to_owned(), headers, body };
            let (status, extra, text) = if request.request_line.starts_with("HEAD") {
                ("204 No Content".to_owned(), String::new(), String::new())
            } else {
                posts += 1;
                answer(&request, posts)
            };
            record.lock().unwrap().push(request);
            let response = format!(
                "HTTP/1.1 {status}\r\n{extra}Content-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    ScriptedServer { url, seen }
}

/// An OpenRosa XML message.
pub fn message(text: &str) -> String {
    format!(
        r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="error">{text}</message></OpenRosaResponse>"#
    )
}

/// 201 Created with an OpenRosa message.
pub fn created() -> Answer {
    ("201 Created".into(), String::new(), message("full submission upload was successful!"))
}
