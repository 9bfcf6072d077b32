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
    /// 201/202, or 409 for a duplicate: the server has it.
    Acknowledged,
    /// Network trouble, a timeout, 5xx or 429; `after_ms` from `Retry-After` when given.
    RetryLater { after_ms: Option<i64>, reason: String },
    /// Something a person must fix; the reason says what, in both languages.
    NeedsPerson { reason: String },
}

/// A client with the connect and read timeouts a field phone needs.
pub fn agent(connect: Duration, read: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(connect))
        .timeout_recv_response(Some(read))
        .timeout_recv_body(Some(read))
        .http_status_as_error(false)
        .build()
        .into()
}

/// The largest request the server accepts, from a HEAD preflight of `/submission`
/// (`X-OpenRosa-Accept-Content-Length`); `None` when it does not say or cannot be asked.
pub fn accepted_length(agent: &ureq::Agent, server: &Server) -> Option<usize> {
    let (url, auth) =
        authorize(server, &format!("{}/submission", server.base_url.trim_end_matches('/')));
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
    let (url, auth) =
        authorize(server, &format!("{}/submission", server.base_url.trim_end_matches('/')));
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
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(|seconds| seconds * 1000);
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

/// What a status code means, with the server's own message when it gave one.
pub fn classify(status: u16, retry_after_ms: Option<i64>, message: &str) -> Outcome {
    let said = if message.is_empty() { String::new() } else { format!(" ({message})") };
    match status {
        201 | 202 | 409 => Outcome::Acknowledged,
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
    fn statuses_map_to_what_the_outbox_does_next() {
        assert_eq!(classify(201, None, ""), Outcome::Acknowledged);
        assert_eq!(classify(409, None, "duplicate"), Outcome::Acknowledged);
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
