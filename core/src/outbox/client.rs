//! Sending one submission to an OpenRosa server (ODK Central, KoboToolbox, `verivali serve`):
//! a multipart POST of `xml_submission_file` and its attachments, with the answer classified
//! into what the outbox does next. Server messages are taken from the OpenRosa XML or plain
//! text; an HTML error page is never shown to the enumerator.

use std::time::Duration;

/// Basic credentials written into a URL (`https://user:password@host/…`) become an
/// `Authorization: Basic` header; returns the URL without them, and the header.
pub fn split_credentials(url: &str) -> (String, Option<String>) {
    use base64::Engine;
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_owned(), None) };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return (url.to_owned(), None) };
    let credentials = &rest[..at];
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes());
    (format!("{scheme}://{}", &rest[at + 1..]), Some(format!("Basic {encoded}")))
}

/// The `Authorization` header for a request to `url` on `server`, and the URL to use.
fn authorize(server: &Server, url: &str) -> (String, Option<String>) {
    let (url, basic) = split_credentials(url);
    let bearer = server.token.as_ref().map(|token| format!("Bearer {token}"));
    (url, bearer.or(basic))
}

/// Where and as whom to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// e.g. `https://central.example.org/v1/key/TOKEN/projects/1` or `http://127.0.0.1:8080`.
    pub base_url: String,
    /// A bearer token; `None` for servers that take the token in the URL (ODK Central app users).
    pub token: Option<String>,
    /// This installation's stable id, sent as ODK Collect sends it (`?deviceID=` on each
    /// submission), so that the server records which device sent what.
    pub device_id: Option<String>,
}

impl Server {
    /// The submission URL, with the deviceID when there is one.
    fn submission_url(&self) -> String {
        let base = format!("{}/submission", self.base_url.trim_end_matches('/'));
        match &self.device_id {
            Some(id) => format!("{base}?deviceID={}", percent_encode(id)),
            None => base,
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One file of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What the server's answer means for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 201 or 202: the server has it. Nothing else is an acknowledgement (ADR 0010).
    Acknowledged,
    /// Network trouble, a timeout, 5xx or 429; `after_ms` from `Retry-After` when given.
    RetryLater { after_ms: Option<i64>, reason: String },
    /// Something a person must fix; the reason says what, in both languages.
    NeedsPerson { reason: String },
}

/// How Verivali names itself to servers: `Verivali/<version>`.
pub const USER_AGENT: &str = concat!("Verivali/", env!("CARGO_PKG_VERSION"));

/// A client with the connect and read timeouts a field phone needs.
pub fn agent(connect: Duration, read: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(connect))
        .timeout_recv_response(Some(read))
        .timeout_recv_body(Some(read))
        .http_status_as_error(false)
        // Redirects are followed by hand where they may be (sync), so that credentials never
        // follow one to another origin; a redirected submission needs a person.
        .max_redirects(0)
        // Servers show it beside each submission (Central's "userAgent"), as they do
        // Collect's: an office can tell which app and version sent what.
        .user_agent(USER_AGENT)
        .build()
        .into()
}

/// The largest request the server accepts, from a HEAD preflight of `/submission`
/// (`X-OpenRosa-Accept-Content-Length`); `None` when it does not say or cannot be asked.
pub fn accepted_length(agent: &ureq::Agent, server: &Server) -> Option<usize> {
    let (url, auth) = authorize(server, &server.submission_url());
    let mut request = agent.head(&url).header("X-OpenRosa-Version", "1.0");
    if let Some(auth) = &auth {
        request = request.header("Authorization", auth);
    }
    let response = request.call().ok()?;
    response.headers().get("X-OpenRosa-Accept-Content-Length")?.to_str().ok()?.trim().parse().ok()
}

/// Sends a submission in as many POSTs as `limit` requires: each carries the XML and some
/// attachments, all but the last marked `*isIncomplete*`, as OpenRosa servers expect. A single
/// attachment too large for the limit cannot be sent and needs a person.
pub fn submit_split(
    agent: &ureq::Agent,
    server: &Server,
    xml: &[u8],
    parts: &[Part],
    limit: Option<usize>,
) -> Outcome {
    let Some(limit) = limit else { return submit(agent, server, xml, parts) };
    // Part headers and boundaries, generously.
    const OVERHEAD: usize = 300;
    let mut batches: Vec<Vec<Part>> = vec![Vec::new()];
    let mut size = xml.len() + OVERHEAD;
    for part in parts {
        let needed = part.bytes.len() + OVERHEAD;
        if xml.len() + OVERHEAD + needed > limit {
            return classify(413, None, "");
        }
        if size + needed > limit {
            batches.push(Vec::new());
            size = xml.len() + OVERHEAD;
        }
        size += needed;
        batches.last_mut().expect("one batch at least").push(part.clone());
    }
    let count = batches.len();
    for (i, mut batch) in batches.into_iter().enumerate() {
        if i + 1 < count {
            batch.push(Part {
                name: "*isIncomplete*".into(),
                content_type: "text/plain".into(),
                bytes: b"yes".to_vec(),
            });
        }
        match submit(agent, server, xml, &batch) {
            Outcome::Acknowledged => {}
            other => return other,
        }
    }
    Outcome::Acknowledged
}

/// POSTs the submission (`xml_submission_file` first, then `parts`) in one request.
pub fn submit(agent: &ureq::Agent, server: &Server, xml: &[u8], parts: &[Part]) -> Outcome {
    let boundary = format!("verivali-{:016x}", fnv(xml));
    let body = multipart(&boundary, xml, parts);
    let (url, auth) = authorize(server, &server.submission_url());
    let mut request = agent
        .post(&url)
        .header("X-OpenRosa-Version", "1.0")
        .header("Content-Type", &format!("multipart/form-data; boundary={boundary}"));
    if let Some(auth) = &auth {
        request = request.header("Authorization", auth);
    }
    match request.send(&body[..]) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("Retry-After")
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_ms);
            let content_type = response
                .headers()
                .get("Content-Type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            classify(status, retry_after, &server_message(&content_type, &text))
        }
        Err(error) => {
            tracing::info!(%error, "submission did not reach the server");
            Outcome::RetryLater {
                after_ms: None,
                reason: format!(
                    "Server tidak terjangkau; dicoba lagi nanti. / The server could not be reached; retrying later. ({error})"
                ),
            }
        }
    }
}

/// The shortest wait a server's `Retry-After` can ask for: `0` or a negative number must not
/// make one item retry in a tight loop while the others wait.
pub const RETRY_AFTER_FLOOR_MS: i64 = 5_000;
/// The longest: a day. A larger value (or one that would overflow) is read as a day.
pub const RETRY_AFTER_CEILING_MS: i64 = 24 * 3_600_000;

/// A `Retry-After` header in delta-seconds, as milliseconds within the floor and the ceiling;
/// `None` for anything else (an HTTP date, text), which then takes the usual backoff.
pub fn retry_after_ms(header: &str) -> Option<i64> {
    let text = header.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if negative {
        return Some(RETRY_AFTER_FLOOR_MS);
    }
    // Any number of digits: past the ceiling is the ceiling, never an overflow.
    let seconds = digits.trim_start_matches('0');
    let ms = if seconds.len() > 9 {
        RETRY_AFTER_CEILING_MS
    } else {
        seconds.parse::<i64>().unwrap_or(0).saturating_mul(1000)
    };
    Some(ms.clamp(RETRY_AFTER_FLOOR_MS, RETRY_AFTER_CEILING_MS))
}

/// What a status code means, with the server's own message when it gave one.
pub fn classify(status: u16, retry_after_ms: Option<i64>, message: &str) -> Outcome {
    let said = if message.is_empty() { String::new() } else { format!(" ({message})") };
    match status {
        201 | 202 => Outcome::Acknowledged,
        // ODK Central answers 409 for a form that is closed and for an instanceID it already
        // holds with other content; our receiver for the second. Neither stored this
        // submission, so it must never count as sent (ADR 0010).
        409 => Outcome::NeedsPerson {
            reason: format!(
                "Server tidak menyimpan kiriman ini (HTTP 409): formulir mungkin ditutup, atau \
                 wawancara dengan ID yang sama tetapi isi berbeda sudah ada. Hubungi pengawas; \
                 data tetap aman di ponsel. / The server did not store this submission (HTTP \
                 409): the form may be closed, or an interview with the same ID but other \
                 content is already there. Contact your supervisor; the data stays safe on this \
                 phone.{said}"
            ),
        },
        401 | 403 => Outcome::NeedsPerson {
            reason: format!(
                "Server menolak akses: masuk lagi atau minta token baru ke pengawas. / The server refused access: sign in again or ask your supervisor for a new token.{said}"
            ),
        },
        413 => Outcome::NeedsPerson {
            reason: format!(
                "Kiriman terlalu besar untuk server: ambil ulang foto dengan ukuran lebih kecil atau hubungi pengawas. / The submission is too large for the server: retake the photos smaller or contact your supervisor.{said}"
            ),
        },
        429 | 500..=599 => Outcome::RetryLater {
            after_ms: retry_after_ms,
            reason: format!(
                "Server sibuk atau bermasalah (HTTP {status}); dicoba lagi nanti. / The server is busy or failing (HTTP {status}); retrying later.{said}"
            ),
        },
        _ => Outcome::NeedsPerson {
            reason: format!(
                "Server menolak kiriman (HTTP {status}); hubungi pengawas. / The server refused the submission (HTTP {status}); contact your supervisor.{said}"
            ),
        },
    }
}

/// The message in an OpenRosa response (`<message>…</message>`) or a short plain text; HTML is
/// left out, since a raw error page means nothing to an enumerator.
pub fn server_message(content_type: &str, body: &str) -> String {
    let body = body.trim();
    if let Some(start) = body.find("<message") {
        let after = &body[start..];
        if let (Some(open), Some(close)) = (after.find('>'), after.find("</message>"))
            && open < close
        {
            return after[open + 1..close].trim().chars().take(300).collect();
        }
    }
    let html = content_type.contains("html") || body.starts_with('<');
    if html || body.is_empty() {
        return String::new();
    }
    body.chars().take(300).collect()
}

/// How many bytes the multipart body of a submission takes (request line and headers aside).
#[cfg(any(test, feature = "internals"))]
pub fn body_len(xml: &[u8], parts: &[Part]) -> usize {
    multipart(&format!("verivali-{:016x}", fnv(xml)), xml, parts).len()
}

fn multipart(boundary: &str, xml: &[u8], parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::with_capacity(
        xml.len() + parts.iter().map(|p| p.bytes.len() + 200).sum::<usize>() + 300,
    );
    let mut part = |name: &str, filename: &str, content_type: &str, bytes: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part("xml_submission_file", "submission.xml", "text/xml", xml);
    for p in parts {
        part(&p.name, &p.name, &p.content_type, &p.bytes);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A 64-bit FNV-1a hash, for a boundary that does not occur in the body.
fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_become_basic_auth_and_leave_the_url() {
        let (url, auth) =
            split_credentials("https://ayu:rahasia@central.example.org/v1/projects/1");
        assert_eq!(url, "https://central.example.org/v1/projects/1");
        assert_eq!(auth.as_deref(), Some("Basic YXl1OnJhaGFzaWE="));
        assert_eq!(
            split_credentials("http://127.0.0.1:8080/x@y"),
            ("http://127.0.0.1:8080/x@y".into(), None)
        );
    }

    #[test]
    fn the_device_id_travels_as_a_query_parameter_on_the_submission_url() {
        let server = Server {
            base_url: "http://127.0.0.1:8080/v1/key/abc/projects/1/".into(),
            token: None,
            device_id: Some("verivali:Ab3 x".into()),
        };
        assert_eq!(
            server.submission_url(),
            "http://127.0.0.1:8080/v1/key/abc/projects/1/submission?deviceID=verivali%3AAb3%20x"
        );
        let without = Server { device_id: None, ..server };
        assert!(without.submission_url().ends_with("/submission"));
    }

    #[test]
    fn statuses_map_to_what_the_outbox_does_next() {
        assert_eq!(classify(201, None, ""), Outcome::Acknowledged);
        let Outcome::NeedsPerson { reason } =
            classify(409, None, "This form is not currently accepting submissions.")
        else {
            panic!("a 409 is never an acknowledgement")
        };
        assert!(reason.contains("HTTP 409") && reason.contains("not currently accepting"));
        assert!(reason.contains("Hubungi pengawas") && reason.contains("Contact your supervisor"));
        assert!(matches!(
            classify(503, Some(5000), ""),
            Outcome::RetryLater { after_ms: Some(5000), .. }
        ));
        assert!(matches!(classify(429, None, ""), Outcome::RetryLater { .. }));
        let Outcome::NeedsPerson { reason } = classify(401, None, "token revoked") else {
            panic!()
        };
        assert!(
            reason.contains("token baru")
                && reason.contains("new token")
                && reason.contains("token revoked")
        );
        assert!(matches!(classify(413, None, ""), Outcome::NeedsPerson { .. }));
        assert!(matches!(classify(400, None, ""), Outcome::NeedsPerson { .. }));
    }

    #[test]
    fn retry_after_is_held_between_five_seconds_and_a_day_without_overflow() {
        assert_eq!(retry_after_ms("120"), Some(120_000));
        assert_eq!(retry_after_ms("0"), Some(RETRY_AFTER_FLOOR_MS));
        assert_eq!(retry_after_ms("-1"), Some(RETRY_AFTER_FLOOR_MS));
        assert_eq!(retry_after_ms("10000000000000000000"), Some(RETRY_AFTER_CEILING_MS));
        assert_eq!(retry_after_ms(&"9".repeat(400)), Some(RETRY_AFTER_CEILING_MS));
        assert_eq!(retry_after_ms("90000"), Some(RETRY_AFTER_CEILING_MS));
        assert_eq!(retry_after_ms(" 7 "), Some(7_000));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after_ms(""), None);
        assert_eq!(retry_after_ms("-"), None);
    }

    #[test]
    fn openrosa_messages_are_kept_and_html_pages_are_not() {
        let xml = r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="error">Form not found</message></OpenRosaResponse>"#;
        assert_eq!(server_message("text/xml", xml), "Form not found");
        assert_eq!(
            server_message("text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            ""
        );
        assert_eq!(server_message("text/plain", "Token expired"), "Token expired");
    }

    #[test]
    fn the_body_holds_the_xml_first_then_each_attachment() {
        let parts = [Part {
            name: "verivali-checks.json".into(),
            content_type: "application/json".into(),
            bytes: b"{}".to_vec(),
        }];
        let body = String::from_utf8(multipart("B", b"<data/>", &parts)).unwrap();
        let xml_at = body.find("name=\"xml_submission_file\"").unwrap();
        let json_at = body.find("name=\"verivali-checks.json\"").unwrap();
        assert!(xml_at < json_at && body.ends_with("--B--\r\n"));
    }
}
