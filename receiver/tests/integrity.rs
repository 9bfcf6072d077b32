//! The receiver keeps what it acknowledged as it was, over real loopback sockets: a resend with
//! another photo, a resend from another device, and attachment names that could reach outside
//! the store are refused, and the stored bytes stay as first received.

mod support;

use support::{KEY as RECEIVER_KEY, fixtures};

use std::io::{Read, Write};

use verivali_receiver::{self as serve, Receiver};

const INSTANCE_ID: &str = "uuid:6f1d3c2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f";

fn instance() -> Vec<u8> {
    format!(
        r#"<data id="mini_verivali" version="1"><id_dtks/><status_keberadaan>4</status_keberadaan><lokasi><desa>11.01.01.2001</desa></lokasi><bukti><foto_rumah>rumah.jpg</foto_rumah></bukti><meta><instanceID>{INSTANCE_ID}</instanceID></meta></data>"#
    )
    .into_bytes()
}

/// POSTs a multipart submission (the instance first); the status code and the body.
fn post(url: &str, token: &str, parts: &[(&str, &[u8])]) -> (u16, String) {
    assert_eq!(parts[0].0, "xml_submission_file");
    let xml = std::str::from_utf8(parts[0].1).unwrap();
    let reply = support::submit(url, token, xml, &parts[1..]);
    (reply.status, reply.body)
}

fn stored_photo(dir: &std::path::Path) -> Option<Vec<u8>> {
    let conn = serve::store::open(dir, &RECEIVER_KEY).unwrap();
    conn.query_row(
        "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = 'rumah.jpg'",
        [INSTANCE_ID],
        |r| r.get(0),
    )
    .ok()
}

fn receiver_with_two_devices() -> (tempfile::TempDir, Receiver, String, String) {
    receiver_at(None)
}

/// A receiver with the mini form published and two devices (Budi, Siti) for the same area; its
/// download links start with `public_url` when given.
fn receiver_at(public_url: Option<&str>) -> (tempfile::TempDir, Receiver, String, String) {
    let dir = tempfile::tempdir().unwrap();
    serve::publish_form(
        dir.path(),
        &RECEIVER_KEY,
        &fixtures().join("forms/mini-verivali/form.xml"),
    )
    .unwrap();
    let budi = serve::add_token(dir.path(), &RECEIVER_KEY, "Budi", &["11.01".into()]).unwrap();
    let siti = serve::add_token(dir.path(), &RECEIVER_KEY, "Siti", &["11.01".into()]).unwrap();
    let receiver =
        Receiver::start_public(dir.path(), &RECEIVER_KEY, "127.0.0.1", 0, public_url).unwrap();
    (dir, receiver, budi, siti)
}

#[test]
fn an_acknowledged_photo_is_not_replaced_by_a_resend_with_other_bytes() {
    let (dir, receiver, budi, _) = receiver_with_two_devices();
    let xml = instance();
    let first =
        post(&receiver.url, &budi, &[("xml_submission_file", &xml), ("rumah.jpg", b"photo one")]);
    assert_eq!(first.0, 201, "{}", first.1);
    let same =
        post(&receiver.url, &budi, &[("xml_submission_file", &xml), ("rumah.jpg", b"photo one")]);
    assert_eq!(same.0, 201, "the same content again is acknowledged again: {}", same.1);
    let forged =
        post(&receiver.url, &budi, &[("xml_submission_file", &xml), ("rumah.jpg", b"another")]);
    assert_eq!(forged.0, 409, "{}", forged.1);
    assert!(forged.1.contains("rumah.jpg") && forged.1.contains("not replaced"), "{}", forged.1);
    assert_eq!(stored_photo(dir.path()).as_deref(), Some(&b"photo one"[..]));
}

#[test]
fn another_device_cannot_resend_or_complete_an_acknowledged_instance() {
    let (dir, receiver, budi, siti) = receiver_with_two_devices();
    let xml = instance();
    let first = post(&receiver.url, &budi, &[("xml_submission_file", &xml)]);
    assert_eq!(first.0, 201, "{}", first.1);
    let other = post(&receiver.url, &siti, &[("xml_submission_file", &xml), ("rumah.jpg", b"x")]);
    assert_eq!(other.0, 409, "{}", other.1);
    assert!(other.1.contains("another device"), "{}", other.1);
    assert_eq!(stored_photo(dir.path()), None, "nothing was added");
}

#[test]
fn attachment_names_that_are_paths_control_characters_too_long_or_twice_are_refused() {
    let (dir, receiver, budi, _) = receiver_with_two_devices();
    let xml = instance();
    let long = "a".repeat(256);
    for bad in ["../../etc/passwd", "a/b.jpg", "a\\b.jpg", "..", "nul\u{1}.jpg", long.as_str()] {
        let (status, body) =
            post(&receiver.url, &budi, &[("xml_submission_file", &xml), (bad, b"x")]);
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert!(body.contains("part 2"), "the refusal names the part: {body}");
        assert!(!body.contains("passwd"), "a bad name is not echoed: {body}");
    }
    let (status, body) = post(
        &receiver.url,
        &budi,
        &[("xml_submission_file", &xml), ("rumah.jpg", b"x"), ("rumah.jpg", b"y")],
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("rumah.jpg") && body.contains("twice"), "{body}");
    assert_eq!(stored_photo(dir.path()), None);
    let conn = serve::store::open(dir.path(), &RECEIVER_KEY).unwrap();
    let kept: i64 = conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 0, "nothing was stored");
}

#[test]
fn the_submission_preflight_without_a_known_token_is_a_401_challenge() {
    let (_dir, receiver, budi, _) = receiver_with_two_devices();
    let head = |token: Option<&str>| {
        let address = receiver.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        write!(
            stream,
            "HEAD /submission HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        // Header names are case-insensitive.
        response.to_ascii_lowercase()
    };
    for response in [head(None), head(Some("not-a-token"))] {
        assert!(response.starts_with("http/1.1 401"), "{response}");
        assert!(response.contains("www-authenticate: bearer"), "{response}");
        assert!(!response.contains("x-openrosa-accept-content-length"), "{response}");
    }
    let known = head(Some(&budi));
    assert!(known.starts_with("http/1.1 204"), "{known}");
    assert!(known.contains("x-openrosa-accept-content-length"), "{known}");
}

#[test]
fn the_database_is_encrypted_readable_by_its_owner_only_and_refuses_another_key() {
    let (dir, receiver, budi, _) = receiver_with_two_devices();
    let xml = instance();
    let (status, body) = post(&receiver.url, &budi, &[("xml_submission_file", &xml)]);
    assert_eq!(status, 201, "{body}");
    drop(receiver);
    let path = dir.path().join(serve::store::FILE);
    let header = std::fs::read(&path).unwrap();
    assert_ne!(&header[..16], b"SQLite format 3\0", "not a plain SQLite file");
    let plain = rusqlite::Connection::open(&path).unwrap();
    assert!(
        plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "owner only, not {mode:o}");
    }
    let wrong = serve::store::open(dir.path(), &[8; 32]).unwrap_err().to_string();
    assert!(
        wrong.contains("receiver.db") && wrong.contains("cannot be opened with this key"),
        "{wrong}"
    );
    assert!(!wrong.contains("uuid:"), "no data in the message: {wrong}");
}

#[test]
fn download_links_come_from_the_public_url_never_from_the_host_header() {
    let (_dir, receiver, token, _) = receiver_at(Some("https://dinsos.example.go.id/verivali/"));
    let address = receiver.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /formList HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("<downloadUrl>https://dinsos.example.go.id/verivali/forms/mini_verivali/form.xml</downloadUrl>"),
        "{response}"
    );
    assert!(!response.contains("evil.example"), "{response}");
}

#[test]
fn a_correction_is_a_new_version_linked_to_the_original_and_both_are_kept() {
    let (dir, receiver, budi, _) = receiver_with_two_devices();
    let original = instance();
    assert_eq!(post(&receiver.url, &budi, &[("xml_submission_file", &original)]).0, 201);
    let edit = |replaces: &str| {
        String::from_utf8(instance())
            .unwrap()
            .replace("<status_keberadaan>4", "<status_keberadaan>3")
            .replace(
                &format!("<instanceID>{INSTANCE_ID}</instanceID>"),
                &format!("<instanceID>uuid:edit-of-{replaces}</instanceID><deprecatedID>{replaces}</deprecatedID>"),
            )
            .into_bytes()
    };
    let corrected = edit(INSTANCE_ID);
    let (status, body) = post(&receiver.url, &budi, &[("xml_submission_file", &corrected)]);
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        post(&receiver.url, &budi, &[("xml_submission_file", &edit("uuid:never-sent"))]);
    assert_eq!(status, 404, "an edit of nothing: {body}");

    let conn = serve::store::open(dir.path(), &RECEIVER_KEY).unwrap();
    let versions: Vec<(String, Option<String>, Vec<u8>)> = conn
        .prepare("SELECT instance_id, deprecated_id, xml FROM submissions ORDER BY received_at, instance_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(versions.len(), 2, "both versions are kept");
    assert_eq!(
        (versions[0].0.as_str(), &versions[0].2),
        (INSTANCE_ID, &original),
        "as first received"
    );
    assert_eq!(versions[1].1.as_deref(), Some(INSTANCE_ID), "the correction names the original");
    // Progress counts the current version only.
    assert_eq!(serve::store::per_status(&conn).unwrap(), [("3".to_owned(), "1".to_owned())]);
}

#[test]
fn a_backup_taken_while_serving_opens_with_the_same_key_and_holds_what_was_acknowledged() {
    let (dir, receiver, budi, _) = receiver_with_two_devices();
    assert_eq!(post(&receiver.url, &budi, &[("xml_submission_file", &instance())]).0, 201);
    let copy = dir.path().join("copy.db");
    serve::store::backup(dir.path(), &RECEIVER_KEY, &copy).unwrap();
    let again = serve::store::backup(dir.path(), &RECEIVER_KEY, &copy).unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    let header = std::fs::read(&copy).unwrap();
    assert_ne!(&header[..16], b"SQLite format 3\0", "the copy is encrypted too");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, restored.path().join(serve::store::FILE)).unwrap();
    let conn = serve::store::open(restored.path(), &RECEIVER_KEY).unwrap();
    let kept: String =
        conn.query_row("SELECT instance_id FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, INSTANCE_ID);
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, serve::store::VERSION);
}

#[test]
fn an_edit_of_another_devices_submission_is_refused_and_changes_nothing() {
    let (dir, receiver, budi, siti) = receiver_with_two_devices();
    assert_eq!(post(&receiver.url, &budi, &[("xml_submission_file", &instance())]).0, 201);
    let edit = String::from_utf8(instance())
        .unwrap()
        .replace(
            &format!("<instanceID>{INSTANCE_ID}</instanceID>"),
            &format!(
                "<instanceID>uuid:siti-edit</instanceID><deprecatedID>{INSTANCE_ID}</deprecatedID>"
            ),
        )
        .into_bytes();
    let (status, body) = post(&receiver.url, &siti, &[("xml_submission_file", &edit)]);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("another device"), "{body}");
    let conn = serve::store::open(dir.path(), &RECEIVER_KEY).unwrap();
    let count: i64 = conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 1);
}

#[test]
fn a_token_for_an_area_that_is_not_a_region_code_is_refused_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["x", "5", "52.7", "52.71.01.1009.1", ""] {
        let refused =
            serve::add_token(dir.path(), &RECEIVER_KEY, "Ayu", &[bad.into()]).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("device token") && message.contains("not a region code"),
            "{bad:?}: {message}"
        );
    }
}
