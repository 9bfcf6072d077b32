//! The reference receiver with a device on the same machine: publish a form, issue a token,
//! upload over a real loopback socket; submissions are kept once, outside the area is refused,
//! and an unpublished form is answered 404.

mod support;

use support::{RECEIVER_KEY, fixtures};

use std::{
    io::{Read, Write},
    path::PathBuf,
    sync::Arc,
};

use verivali_cli::serve::{self, Receiver};
use verivali_core::api::{FinalizeResult, UploadState, Verivali};

fn mini_form() -> PathBuf {
    fixtures().join("forms/mini-verivali/form.xml")
}

/// A device with the sample prelist and one finalized status-4 visit per household.
fn device(dir: &std::path::Path, households: &[&str]) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![5; 32], None).unwrap();
    verivali.install_form(mini_form().display().to_string()).unwrap();
    verivali
        .import_prelist(fixtures().join("prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    for household in households {
        let visit =
            verivali.start_interview("mini_verivali".into(), Some((*household).into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
    verivali
}

/// A plain HTTP GET over a socket, as a browser would ask.
fn get(url: &str, path: &str) -> String {
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn submissions(dir: &std::path::Path) -> Vec<(String, String, Option<String>, i64)> {
    let conn = serve::store::open(dir, &RECEIVER_KEY).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT s.instance_id, s.enumerator, s.desa, (SELECT count(*) FROM attachments a WHERE a.instance_id = s.instance_id)
             FROM submissions s ORDER BY s.instance_id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn uploads_arrive_once_with_their_checks_and_the_status_page_counts_them() {
    let server_dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token =
        serve::add_token(server_dir.path(), &RECEIVER_KEY, "Ayu", &["52.71".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let phone = tempfile::tempdir().unwrap();
    let device = device(phone.path(), &["5271011009000001", "5271011009000002"]);
    let report = device
        .upload_pending(receiver.url.clone(), Some(token.clone()), 30_000, None, None)
        .unwrap();
    assert_eq!((report.acknowledged, report.needs_person), (2, 0));
    let stored = submissions(server_dir.path());
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|(_, who, desa, attachments)| {
            who == "Ayu" && desa.as_deref() == Some("52.71.01.1009") && *attachments == 1
        }),
        "{stored:?}"
    );
    // A device that lost the acknowledgement sends again: acknowledged, not stored twice.
    let conn = serve::store::open(server_dir.path(), &RECEIVER_KEY).unwrap();
    let xml: Vec<u8> =
        conn.query_row("SELECT xml FROM submissions LIMIT 1", [], |r| r.get(0)).unwrap();
    let agent = verivali_core::outbox::client::agent(
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(5),
    );
    let server = verivali_core::outbox::client::Server {
        base_url: receiver.url.clone(),
        token: Some(token),
        device_id: None,
    };
    let resent = verivali_core::outbox::client::submit(&agent, &server, &xml, &[]);
    assert_eq!(resent, verivali_core::outbox::client::Outcome::Acknowledged);
    assert_eq!(submissions(server_dir.path()).len(), 2);
    // The status page is for people who logged in.
    assert_eq!(get(&receiver.url, "/status").split_whitespace().nth(1), Some("303"));
    serve::add_user(server_dir.path(), &RECEIVER_KEY, "ani", serve::Role::Viewer, "kata-sandi-ani")
        .unwrap();
    let (_, session) = support::web::login(&receiver.url, "ani", "kata-sandi-ani");
    let page = support::web::request(
        &receiver.url,
        "GET",
        "/status",
        &[("Cookie", &session.unwrap())],
        b"",
    );
    assert!(page.body.contains("52.71.01.1009") && page.body.contains("Ayu"), "{}", page.body);
}

#[test]
fn outside_the_area_and_unknown_tokens_need_a_person_and_unpublished_forms_are_refused() {
    let server_dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let phone = tempfile::tempdir().unwrap();
    let device = device(phone.path(), &["5271011009000001"]);
    let token =
        serve::add_token(server_dir.path(), &RECEIVER_KEY, "Budi", &["11.01".into()]).unwrap();
    let report = device
        .upload_pending(receiver.url.clone(), Some(token.clone()), 30_000, None, None)
        .unwrap();
    assert_eq!(report.needs_person, 1, "the form is not published");
    let reason = device.outbox_status().unwrap()[0].reason.clone().unwrap();
    assert!(reason.contains("mini_verivali") && reason.contains("not published"), "{reason}");

    let phone = tempfile::tempdir().unwrap();
    let device = self::device(phone.path(), &["5271011009000001"]);
    support::receiver_dir_with_sample_prelist(server_dir.path());
    device.upload_pending(receiver.url.clone(), Some(token), 30_000, None, None).unwrap();
    let entry = &device.outbox_status().unwrap()[0];
    assert_eq!(entry.state, UploadState::NeedsPerson);
    assert!(entry.reason.as_deref().unwrap().contains("outside this device's area"));

    let phone = tempfile::tempdir().unwrap();
    let device = self::device(phone.path(), &["5271011009000001"]);
    device
        .upload_pending(receiver.url.clone(), Some("not-a-token".into()), 30_000, None, None)
        .unwrap();
    let entry = &device.outbox_status().unwrap()[0];
    assert!(entry.reason.as_deref().unwrap().contains("new token"));
    assert!(submissions(server_dir.path()).is_empty());
}

#[test]
fn a_submission_over_the_servers_limit_goes_in_parts_and_arrives_whole() {
    use verivali_core::outbox::client::{self, Outcome, Part, Server};
    let server_dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(server_dir.path());
    let token =
        serve::add_token(server_dir.path(), &RECEIVER_KEY, "Citra", &["52".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let agent = client::agent(std::time::Duration::from_secs(5), std::time::Duration::from_secs(5));
    let server = Server { base_url: receiver.url.clone(), token: Some(token), device_id: None };
    assert_eq!(client::accepted_length(&agent, &server), Some(serve::MAX_SUBMISSION_BYTES));
    // The receiver keeps only files the instance names in its binary fields, as Central does.
    let xml = b"<data id=\"mini_verivali\"><id_dtks/><lokasi><desa>52.71.01.1009</desa></lokasi><bukti><foto_rumah>foto1.jpg</foto_rumah><foto_kk>foto2.jpg</foto_kk></bukti><meta><instanceID>uuid:split-1</instanceID><verivali_checks>verivali-checks.json</verivali_checks></meta></data>";
    let part = |name: &str, n: u8| Part {
        name: name.to_owned(),
        content_type: "application/octet-stream".into(),
        bytes: vec![n; 1500],
    };
    let parts = [part("foto1.jpg", 1), part("foto2.jpg", 2), part("verivali-checks.json", 3)];
    assert_eq!(
        client::submit_split(&agent, &server, xml, &parts, Some(4_000)),
        Outcome::Acknowledged
    );
    let stored = submissions(server_dir.path());
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].3, 3, "all three named files, from three POSTs");
    let too_big = [Part {
        name: "video.mp4".into(),
        content_type: "video/mp4".into(),
        bytes: vec![0; 5_000],
    }];
    let refused = client::submit_split(&agent, &server, xml, &too_big, Some(4_000));
    assert!(matches!(refused, Outcome::NeedsPerson { .. }), "{refused:?}");
}

#[test]
fn sync_down_installs_the_published_form_with_its_media_once() {
    let server_dir = tempfile::tempdir().unwrap();
    let dtks = fixtures().join("forms/dtks-verivali/form.xml");
    serve::publish_form(server_dir.path(), &RECEIVER_KEY, &dtks).unwrap();
    let token = serve::add_token(server_dir.path(), &RECEIVER_KEY, "Dewi", &["52".into()]).unwrap();
    let receiver = Receiver::start(server_dir.path(), &RECEIVER_KEY, "127.0.0.1", 0).unwrap();
    let phone = tempfile::tempdir().unwrap();
    let device = Verivali::open(phone.path().display().to_string(), vec![6; 32], None).unwrap();
    device
        .import_prelist(fixtures().join("prelist/sample.jsonl").display().to_string(), None)
        .unwrap();
    let refused = device.sync_down(receiver.url.clone(), None, None, None).err().unwrap();
    assert!(refused.to_string().contains("401"), "the form list needs a token: {refused}");
    let first = device.sync_down(receiver.url.clone(), Some(token.clone()), None, None).unwrap();
    assert_eq!(first.installed, ["dtks_verivali 2026120701"], "{first:?}");
    assert!(first.failed.is_empty());
    let visit =
        device.start_interview("dtks_verivali".into(), Some("5271011009000001".into())).unwrap();
    let kecamatan = visit.jump(0).unwrap();
    assert!(kecamatan.count > 10, "the form runs with its region CSVs: {kecamatan:?}");
    let again = device.sync_down(receiver.url.clone(), Some(token), None, None).unwrap();
    assert_eq!((again.installed.len(), again.up_to_date), (0, 1));
}
