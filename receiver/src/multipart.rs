//! Reading `multipart/form-data` bodies, as OpenRosa clients send submissions: the XML in
//! `xml_submission_file`, then one part per attachment. Linear in the body (memchr's substring
//! search, a boundary of at most 70 bytes as RFC 2046 allows), and each part is a view of the
//! body, not a copy.

use bytes::Bytes;
use memchr::memmem;

/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY: usize = 70;

/// One part: its field name, file name (if any) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    pub name: String,
    pub filename: Option<String>,
    pub bytes: Bytes,
}

/// The boundary of a `multipart/form-data; boundary=…` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .find_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| value.trim().trim_matches('"').to_owned())
        })
        .filter(|b| !b.is_empty() && b.len() <= MAX_BOUNDARY)
}

/// Splits `body` into its parts; `None` when it is not well formed.
pub fn parse(body: &Bytes, boundary: &str) -> Option<Vec<FormPart>> {
    let delimiter = format!("--{boundary}");
    let next_part = format!("\r\n{delimiter}");
    let next_part = memmem::Finder::new(next_part.as_bytes());
    let mut parts = Vec::new();
    let mut at = memmem::find(body, delimiter.as_bytes())? + delimiter.len();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        let rest = rest.strip_prefix(b"\r\n")?;
        at += 2;
        let header_end = memmem::find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        let start = at + header_end + 4;
        let length = next_part.find(&body[start..])?;
        parts.push(part(headers, body.slice(start..start + length))?);
        at = start + length + 2 + delimiter.len();
    }
}

fn part(headers: &str, bytes: Bytes) -> Option<FormPart> {
    let disposition =
        headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let param = |key: &str| {
        disposition.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    Some(FormPart { name: param("name")?, filename: param("filename"), bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_with_names_and_exact_bytes() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"s.xml\"\r\nContent-Type: text/xml\r\n\r\n<data/>\r\n--B\r\nContent-Disposition: form-data; name=\"a.jpg\"; filename=\"a.jpg\"\r\n\r\n\x00\xff\r\n\r\n--B--\r\n";
        let parts = parse(&Bytes::from_static(body), "B").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), &parts[0].bytes[..]),
            ("xml_submission_file", &b"<data/>"[..])
        );
        assert_eq!(&parts[1].bytes[..], b"\x00\xff\r\n");
        assert_eq!(boundary("multipart/form-data; boundary=\"B\"").as_deref(), Some("B"));
        assert_eq!(boundary("text/xml"), None);
        let long = format!("multipart/form-data; boundary={}", "-".repeat(71));
        assert_eq!(boundary(&long), None, "longer than RFC 2046 allows");
    }

    #[test]
    fn a_truncated_body_is_refused() {
        assert_eq!(
            parse(
                &Bytes::from_static(
                    b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc"
                ),
                "B"
            ),
            None
        );
    }
}
