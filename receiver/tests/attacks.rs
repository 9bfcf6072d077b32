//! The receiver attacked over real loopback sockets, one test per class of attack an office
//! server on the internet meets: getting around area scoping, huge and absurd request sizes,
//! slow clients holding connections, a device sending too much, a full disk, attachments the
//! instance does not name. Each attack is refused with a message that says what, and what is
//! stored stays as it was.

mod support;

use std::{
    io::Write,
    net::TcpStream,
    thread,
    time::{Duration, Instant},
};

use support::{KEY, OTHER_HOUSEHOLD, OWN_HOUSEHOLD, Office, instance, submit, web};
use verivali_receiver::{self as serve, Quotas, ServeOptions};

const OWN_DESA: &str = "52.71.01.1009";

#[test]
fn each_way_around_area_scoping_is_refused_and_nothing_of_it_is_stored() {
    let office = Office::new();
    // A copy of the form that tags neither household nor desa.
    let untagged = office.path().join("untagged/form.xml");
    std::fs::create_dir_all(untagged.parent().unwrap()).unwrap();
    let xml = std::fs::read_to_string(support::mini_form()).unwrap();
    let xml = xml
        .replace("mini_verivali", "mini_untagged")
        .replace(r#" verivali:role="desa""#, "")
        .replace(r#" verivali:role="id_dtks""#, "");
    std::fs::write(&untagged, xml).unwrap();
    serve::publish_form(office.path(), &KEY, &untagged).unwrap();
    let receiver = office.start();
    let meta = |id: &str| format!("<meta><instanceID>uuid:{id}</instanceID></meta>");
    let attacks = [
        (
            "desa missing",
            format!(
                r#"<data id="mini_verivali"><id_dtks>{OWN_HOUSEHOLD}</id_dtks>{}</data>"#,
                meta("a1")
            ),
            400,
        ),
        (
            "desa empty",
            format!(
                r#"<data id="mini_verivali"><id_dtks>{OWN_HOUSEHOLD}</id_dtks><lokasi><desa/></lokasi>{}</data>"#,
                meta("a2")
            ),
            400,
        ),
        (
            "desa moved into another group",
            format!(
                r#"<data id="mini_verivali"><id_dtks></id_dtks><lain><desa>{OWN_DESA}</desa></lain><lokasi/>{}</data>"#,
                meta("a3")
            ),
            400,
        ),
        (
            "root renamed",
            format!(
                r#"<other id="mini_verivali"><id_dtks>{OTHER_HOUSEHOLD}</id_dtks><lokasi><desa>{OWN_DESA}</desa></lokasi>{}</other>"#,
                meta("a4")
            ),
            400,
        ),
        (
            "a form without tags",
            format!(
                r#"<data id="mini_untagged"><id_dtks>{OTHER_HOUSEHOLD}</id_dtks><lokasi><desa>11.01.01.2001</desa></lokasi>{}</data>"#,
                meta("a5")
            ),
            403,
        ),
        (
            "two desa codes concatenated",
            format!(
                r#"<data id="mini_verivali"><id_dtks/><lokasi><desa>{OWN_DESA}11.01.01.2001</desa></lokasi>{}</data>"#,
                meta("a6")
            ),
            400,
        ),
        (
            "two desa elements",
            format!(
                r#"<data id="mini_verivali"><id_dtks/><lokasi><desa>{OWN_DESA}</desa><desa>11.01.01.2001</desa></lokasi>{}</data>"#,
                meta("a7")
            ),
            400,
        ),
        (
            "another area's household beside the device's own desa",
            instance("uuid:a8", OTHER_HOUSEHOLD, OWN_DESA),
            403,
        ),
        ("a household not in the prelist", instance("uuid:a9", "5271011009999999", OWN_DESA), 403),
        (
            "two households",
            format!(
                r#"<data id="mini_verivali"><id_dtks>{OWN_HOUSEHOLD}</id_dtks><id_dtks>{OTHER_HOUSEHOLD}</id_dtks><lokasi><desa>{OWN_DESA}</desa></lokasi>{}</data>"#,
                meta("a10")
            ),
            400,
        ),
        ("a new household of another area", instance("uuid:a11", "", "11.01.01.2001"), 403),
    ];
    for (attack, xml, status) in &attacks {
        let reply = submit(&receiver.url, &office.ayu, xml, &[]);
        assert_eq!(reply.status, *status, "{attack}: {}", reply.body);
        assert!(reply.body.contains("/ "), "{attack}: a message in both languages: {}", reply.body);
    }
    assert_eq!(office.stored(), 0, "none of the attacks was stored");

    // What the device may send passes: its own household, a new one in its area.
    assert_eq!(
        submit(&receiver.url, &office.ayu, &instance("uuid:ok1", OWN_HOUSEHOLD, OWN_DESA), &[])
            .status,
        201
    );
    assert_eq!(
        submit(&receiver.url, &office.ayu, &instance("uuid:ok2", "", OWN_DESA), &[]).status,
        201
    );
    // The other area's device sends its own household.
    let budi = submit(
        &receiver.url,
        &office.budi,
        &instance("uuid:ok3", OTHER_HOUSEHOLD, "11.01.01.2001"),
        &[],
    );
    assert_eq!(budi.status, 201, "{}", budi.body);
    assert_eq!(office.stored(), 3);
}

#[test]
fn an_untagged_form_passes_only_from_a_token_that_allows_it() {
    let office = Office::new();
    let rights = serve::TokenRights {
        areas: vec!["52".into()],
        allow_untagged_forms: true,
        ..Default::default()
    };
    let trusted = serve::add_token_with(office.path(), &KEY, "Operator HP", &rights).unwrap();
    let untagged = office.path().join("untagged/form.xml");
    std::fs::create_dir_all(untagged.parent().unwrap()).unwrap();
    let xml = std::fs::read_to_string(support::mini_form())
        .unwrap()
        .replace("mini_verivali", "mini_untagged")
        .replace(r#" verivali:role="desa""#, "");
    std::fs::write(&untagged, xml).unwrap();
    serve::publish_form(office.path(), &KEY, &untagged).unwrap();
    let receiver = office.start();
    let xml = instance("uuid:u1", "", "").replace("mini_verivali", "mini_untagged");
    assert_eq!(submit(&receiver.url, &office.ayu, &xml, &[]).status, 403);
    assert_eq!(submit(&receiver.url, &trusted, &xml, &[]).status, 201);
}

#[test]
fn each_device_downloads_only_its_own_areas_prelist_through_sync() {
    use verivali_core::api::Verivali;
    let office = Office::new();
    let receiver = office.start();
    let phone = |token: &str| {
        let dir = tempfile::tempdir().unwrap();
        let device = Verivali::open(dir.path().display().to_string(), vec![5; 32], None).unwrap();
        let synced =
            device.sync_down(receiver.url.clone(), Some(token.to_owned()), None, None).unwrap();
        (dir, device, synced)
    };
    let sample_households =
        std::fs::read_to_string(support::fixtures().join("prelist/sample.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count() as u64;
    let (_a, ayu, synced) = phone(&office.ayu);
    assert_eq!((synced.prelist_households, synced.prelist_rejected), (sample_households, 0));
    assert!(ayu.household(OWN_HOUSEHOLD.into()).unwrap().is_some());
    assert!(ayu.household(OTHER_HOUSEHOLD.into()).unwrap().is_none(), "another area's household");
    let (_b, budi, synced) = phone(&office.budi);
    assert_eq!(synced.prelist_households, 1);
    assert!(budi.household(OWN_HOUSEHOLD.into()).unwrap().is_none());
    // The prelist file itself is the asking device's, whoever asks for it by name.
    let auth = format!("Bearer {}", office.budi);
    let file = web::request(
        &receiver.url,
        "GET",
        "/forms/mini_verivali/media/verivali-prelist.jsonl",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(file.status, 200);
    assert!(file.body.contains(OTHER_HOUSEHOLD) && !file.body.contains(OWN_HOUSEHOLD));
    let anonymous = web::request(
        &receiver.url,
        "GET",
        "/forms/mini_verivali/media/verivali-prelist.jsonl",
        &[],
        b"",
    );
    assert_eq!(anonymous.status, 401);
}

/// Sends a POST's headers declaring `length` and no body; the reply, read within 5 s.
fn declare(url: &str, token: Option<&str>, length: &str) -> (web::Reply, Duration) {
    let address = url.trim_start_matches("http://");
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "POST /submission HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    let reply = web::read_reply(&mut stream);
    (reply, started.elapsed())
}

#[test]
fn huge_and_absurd_declared_lengths_are_refused_unread_and_the_server_lives_on() {
    let office = Office::new();
    let receiver = office.start();
    for length in ["10000000000000", "18446744073709551615", "99999999999999999999999"] {
        let (reply, took) = declare(&receiver.url, None, length);
        // 401 (no token), or hyper's own refusal of a length it cannot represent (400, 431).
        assert!(matches!(reply.status, 401 | 400 | 431), "{length}: {reply:?}");
        assert!(took < Duration::from_secs(5), "{length}: answered without reading the body");
        let (reply, _) = declare(&receiver.url, Some(&office.ayu), length);
        assert!(matches!(reply.status, 413 | 400 | 431), "{length} from a device: {reply:?}");
    }
    let fine =
        submit(&receiver.url, &office.ayu, &instance("uuid:after", OWN_HOUSEHOLD, OWN_DESA), &[]);
    assert_eq!(fine.status, 201, "the server still serves: {}", fine.body);
}

#[test]
fn fifty_slow_attackers_do_not_keep_a_device_waiting() {
    let office = Office::new();
    let receiver = office.start();
    let address = receiver.url.trim_start_matches("http://").to_owned();
    let hold = Duration::from_secs(8);
    let attackers: Vec<_> = (0..50)
        .map(|i| {
            let address = address.clone();
            thread::spawn(move || {
                let Ok(mut stream) = TcpStream::connect(&address) else { return };
                let started = Instant::now();
                // Half send their headers a byte a second; half send full headers without a
                // token and then a body at ten bytes a second.
                let opening = if i % 2 == 0 {
                    "POST /submission HTTP/1.1\r\nHost: x\r\nContent-Le".to_owned()
                } else {
                    format!(
                        "POST /submission HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n"
                    )
                };
                if stream.write_all(opening.as_bytes()).is_err() {
                    return;
                }
                while started.elapsed() < hold {
                    let trickle: &[u8] = if i % 2 == 0 { b"n" } else { b"0123456789" };
                    if stream.write_all(trickle).is_err() {
                        return;
                    }
                    thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(500));
    for n in 0..3 {
        let started = Instant::now();
        let id = format!("uuid:legit-{n}");
        let reply =
            submit(&receiver.url, &office.ayu, &instance(&id, OWN_HOUSEHOLD, OWN_DESA), &[]);
        let took = started.elapsed();
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert!(took < Duration::from_secs(5), "a device waited {took:?} behind slow attackers");
        thread::sleep(Duration::from_secs(1));
    }
    for attacker in attackers {
        attacker.join().unwrap();
    }
}

fn with_quotas(quotas: Quotas) -> ServeOptions {
    ServeOptions { quotas, ..ServeOptions::local("127.0.0.1", 0) }
}

#[test]
fn a_device_over_its_daily_quota_hears_429_with_retry_after_while_others_go_on() {
    let office = Office::new();
    let quotas = Quotas { submissions_per_day: 2, ..Quotas::default() };
    let receiver = office.start_with(with_quotas(quotas));
    for n in 0..2 {
        let xml = instance(&format!("uuid:q{n}"), "", OWN_DESA);
        assert_eq!(submit(&receiver.url, &office.ayu, &xml, &[]).status, 201);
    }
    let over = submit(&receiver.url, &office.ayu, &instance("uuid:q2", "", OWN_DESA), &[]);
    assert_eq!(over.status, 429, "{}", over.body);
    let retry: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    let budi = submit(&receiver.url, &office.budi, &instance("uuid:b0", "", "11.01.01.2001"), &[]);
    assert_eq!(budi.status, 201, "another device has its own quota");
    assert_eq!(office.stored(), 3);
}

#[test]
fn a_device_over_its_daily_bytes_is_refused_before_the_body_is_read() {
    let office = Office::new();
    let quotas = Quotas { bytes_per_day: 4_000, ..Quotas::default() };
    let receiver = office.start_with(with_quotas(quotas));
    let with_photo = |id: &str| {
        instance(id, "", OWN_DESA).replace("<foto_rumah/>", "<foto_rumah>rumah.jpg</foto_rumah>")
    };
    let photo = vec![0xFFu8; 3_000];
    assert_eq!(
        submit(&receiver.url, &office.ayu, &with_photo("uuid:p1"), &[("rumah.jpg", &photo)]).status,
        201
    );
    let over = submit(&receiver.url, &office.ayu, &with_photo("uuid:p2"), &[("rumah.jpg", &photo)]);
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(over.header("retry-after").is_some());
}

#[test]
fn a_nearly_full_disk_refuses_new_data_with_507_and_keeps_what_it_has() {
    let office = Office::new();
    let receiver = office.start();
    assert_eq!(
        submit(&receiver.url, &office.ayu, &instance("uuid:d1", "", OWN_DESA), &[]).status,
        201
    );
    drop(receiver);
    let quotas = Quotas { min_free_disk_bytes: u64::MAX, ..Quotas::default() };
    let receiver = office.start_with(with_quotas(quotas));
    let full = submit(&receiver.url, &office.ayu, &instance("uuid:d2", "", OWN_DESA), &[]);
    assert_eq!(full.status, 507, "{}", full.body);
    assert!(full.body.contains("disk"));
    assert_eq!(office.stored(), 1);
}

#[test]
fn an_attachment_the_instance_does_not_name_is_refused_naming_it() {
    let office = Office::new();
    let receiver = office.start();
    let xml = instance("uuid:n1", "", OWN_DESA)
        .replace("<foto_rumah/>", "<foto_rumah>rumah.jpg</foto_rumah>");
    let reply = submit(
        &receiver.url,
        &office.ayu,
        &xml,
        &[("rumah.jpg", b"jpeg"), ("extra.bin", b"anything")],
    );
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("extra.bin"), "{}", reply.body);
    assert_eq!(office.stored(), 0);
    assert_eq!(submit(&receiver.url, &office.ayu, &xml, &[("rumah.jpg", b"jpeg")]).status, 201);
}

#[test]
fn a_multipart_body_of_thousands_of_parts_is_refused() {
    let office = Office::new();
    let receiver = office.start();
    let names: Vec<String> = (0..1000).map(|i| format!("p{i}.jpg")).collect();
    let parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let reply = submit(&receiver.url, &office.ayu, &instance("uuid:m1", "", OWN_DESA), &parts);
    assert_eq!(reply.status, 400, "{}", reply.body);
}

#[test]
fn a_device_sending_two_bodies_slowly_cannot_start_a_third_and_others_are_not_held_up() {
    let office = Office::new();
    let receiver = office.start();
    let address = receiver.url.trim_start_matches("http://").to_owned();
    // Two uploads from Ayu that never finish their bodies.
    let stalled: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            write!(
                stream,
                "POST /submission HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 500000\r\n\r\n--b\r\n",
                office.ayu
            )
            .unwrap();
            stream
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    let third = submit(&receiver.url, &office.ayu, &instance("uuid:c3", "", OWN_DESA), &[]);
    assert_eq!(third.status, 429, "{}", third.body);
    assert_eq!(third.header("retry-after"), Some("30"));
    let budi = submit(&receiver.url, &office.budi, &instance("uuid:c4", "", "11.01.01.2001"), &[]);
    assert_eq!(budi.status, 201, "{}", budi.body);
    drop(stalled);
    thread::sleep(Duration::from_millis(300));
    let later = submit(&receiver.url, &office.ayu, &instance("uuid:c5", "", OWN_DESA), &[]);
    assert_eq!(later.status, 201, "a cut-off body frees its slot: {}", later.body);
}

#[test]
fn resending_an_instance_with_new_attachments_counts_against_the_bytes_quota() {
    let office = Office::new();
    let quotas = Quotas { bytes_per_day: 4_000, ..Quotas::default() };
    let receiver = office.start_with(with_quotas(quotas));
    // An instance naming four photos, sent one photo at a time.
    let xml = instance("uuid:r1", "", OWN_DESA).replace(
        "<bukti><foto_rumah/></bukti>",
        "<bukti><foto_rumah>p1.jpg</foto_rumah><foto_rumah>p2.jpg</foto_rumah><foto_rumah>p3.jpg</foto_rumah><foto_rumah>p4.jpg</foto_rumah></bukti>",
    );
    let photo = vec![0xABu8; 1_000];
    let mut statuses = Vec::new();
    for name in ["p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"] {
        statuses.push(submit(&receiver.url, &office.ayu, &xml, &[(name, &photo)]).status);
    }
    assert_eq!(statuses, [201, 201, 201, 429], "the fourth photo goes over 4,000 bytes");
}

#[test]
fn a_boundary_longer_than_rfc_2046_allows_is_refused() {
    let office = Office::new();
    let receiver = office.start();
    let boundary = "-".repeat(5_000);
    let auth = format!("Bearer {}", office.ayu);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let body = vec![b'-'; 200_000];
    let reply = web::request(
        &receiver.url,
        "POST",
        "/submission",
        &[("Authorization", &auth), ("Content-Type", &content_type)],
        &body,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
}
