//! Raw HTTP/1.1 over a loopback socket, as a browser or a hostile client would speak it, and
//! logging in to the receiver's pages the way a browser does (the login form's CSRF token and
//! cookie, then the session cookie).

#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `name=value` of every `Set-Cookie`.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next().map(str::to_owned))
            .collect()
    }
}

/// Sends `method path` with `headers` and `body`; `Connection: close`.
pub fn request(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_reply(&mut stream)
}

/// Reads a whole response (the server closes the connection).
pub fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse(&raw)
}

pub fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply { status, headers, body: body.to_owned() }
}

/// The value of the hidden `csrf` field in a page.
pub fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

/// Logs in as a browser would; returns the login reply and the session cookie (`vv_session=…`)
/// when it succeeded.
pub fn login(url: &str, user: &str, password: &str) -> (Reply, Option<String>) {
    let form = request(url, "GET", "/login", &[], b"");
    let login_cookie = form.cookies().into_iter().find(|c| c.starts_with("vv_login=")).unwrap();
    let body = format!("csrf={}&user={user}&password={password}", csrf_field(&form.body));
    let reply = request(
        url,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", &login_cookie)],
        body.as_bytes(),
    );
    let session =
        reply.cookies().into_iter().find(|c| c.starts_with("vv_session=") && c.len() > 11);
    (reply, session)
}
