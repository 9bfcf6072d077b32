//! Offline bundles reaching the office (issue 18), with real phones (the core's API on real
//! SQLCipher files), a real receiver over loopback, and real bundle files: a phone registers
//! its signing key when it reaches the receiver; its bundle is imported from the terminal, the
//! browser or a relaying device, each interview once however it travelled; a bundle from an
//! unregistered key, with an interview outside its device's area, or damaged in any way
//! imports nothing.

mod support;

use std::{path::Path, sync::Arc};

use rusqlite::Connection;
use support::{KEY, Office, phone, web};
use verivali_core::api::Verivali;
use verivali_receiver::{self as serve, Role, bundles};

const PASSPHRASE: &str = "rahasia-desa";
const PASSWORD: &str = "pengawas-rahasia-1";

/// A phone in `dir` with `households` finalized that reached the receiver once with `token`
/// (registering its key, with the returns the upload job fetches), and the bundle it wrote.
fn registered_bundle(
    dir: &Path,
    url: &str,
    token: &str,
    households: &[&str],
) -> (Arc<Verivali>, String) {
    let phone = phone(&dir.join("phone"), households);
    phone.fetch_returns(url.to_owned(), Some(token.to_owned())).unwrap();
    let path = export(&phone, &dir.join("out"));
    (phone, path)
}

fn export(phone: &Verivali, dir: &Path) -> String {
    phone.export_bundle(dir.display().to_string(), PASSPHRASE.into()).unwrap().path
}

/// The submissions the receiver holds: instanceID and the SHA-256 of the XML.
fn held(office: &Office) -> Vec<(String, String)> {
    held_in(&serve::store::open(office.path(), &KEY).unwrap())
}

fn import(office: &Office, path: &str) -> Result<bundles::Imported, String> {
    bundles::import_file(office.path(), &KEY, Path::new(path), PASSPHRASE, "test")
        .map_err(|e| e.to_string())
}

#[test]
fn a_bundle_from_a_registered_phone_is_imported_once_however_it_travels() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let ayu = phone(&dir.path().join("ayu"), &["5271011009000001", "5271011009000002"]);
    // Reaching the receiver once registers the key (with the returns the upload job fetches).
    ayu.fetch_returns(receiver.url.clone(), Some(office.ayu.clone())).unwrap();
    let path = export(&ayu, &dir.path().join("out"));

    let first = import(&office, &path).unwrap();
    assert_eq!((first.submissions, first.new, first.duplicates), (2, 2, 0));
    assert_eq!(first.enumerator, "Ayu");
    assert_eq!(first.device_id, ayu.device_id());
    let again = import(&office, &path).unwrap();
    assert_eq!((again.new, again.duplicates), (0, 2), "the same bundle twice stores nothing new");
    let after_bundle = held(&office);
    assert_eq!(after_bundle.len(), 2);

    // The phone later finds signal and uploads the same interviews: acknowledged, not doubled.
    let sent = ayu
        .upload_pending(receiver.url.clone(), Some(office.ayu.clone()), 30_000, None, None)
        .unwrap();
    assert_eq!(sent.acknowledged, 2, "{sent:?}");
    assert_eq!(held(&office), after_bundle);
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let reviews: i64 = conn.query_row("SELECT count(*) FROM reviews", [], |r| r.get(0)).unwrap();
    assert_eq!(reviews, 2, "one review row per interview");
    let photos: i64 = conn
        .query_row("SELECT count(*) FROM attachments WHERE name LIKE '%.jpg'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(photos, 1);
}

#[test]
fn an_upload_first_and_a_bundle_after_store_each_interview_once() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let (ayu, path) =
        registered_bundle(dir.path(), &receiver.url, &office.ayu, &["5271011009000001"]);
    ayu.upload_pending(receiver.url.clone(), Some(office.ayu.clone()), 30_000, None, None).unwrap();
    let uploaded = held(&office);
    let imported = import(&office, &path).unwrap();
    assert_eq!((imported.new, imported.duplicates), (0, 1));
    assert_eq!(held(&office), uploaded);
}

#[test]
fn a_bundle_signed_by_a_key_no_device_registered_imports_nothing() {
    let office = Office::new();
    let dir = tempfile::tempdir().unwrap();
    let ayu = phone(&dir.path().join("ayu"), &["5271011009000001"]);
    let path = export(&ayu, &dir.path().join("out"));
    let refused = import(&office, &path).unwrap_err();
    assert!(refused.contains("registered for no device"), "{refused}");
    assert!(held(&office).is_empty());
}

#[test]
fn an_interview_outside_the_signing_devices_area_refuses_the_whole_bundle() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    // Budi's token covers 11.01; the phone's two interviews are in 52.71.
    let (_, path) = registered_bundle(
        dir.path(),
        &receiver.url,
        &office.budi,
        &["5271011009000001", "5271011009000002"],
    );
    let refused = import(&office, &path).unwrap_err();
    assert!(refused.contains("in the bundle is refused"), "{refused}");
    assert!(held(&office).is_empty(), "nothing of the bundle is stored");
}

#[test]
fn a_key_is_registered_only_with_a_proof_and_only_for_one_token() {
    let office = Office::new();
    let receiver = office.start();
    let seed = [9u8; 32];
    let public_key = verivali_core::bundle::public_key(&seed);
    let sha = |token: &str| verivali_form::hex::sha256_hex(token.as_bytes());
    let put = |token: &str, proof_token: &str, device: &str| {
        let proof = verivali_core::bundle::key_registration_proof(&seed, &sha(proof_token), device);
        let body = serde_json::json!({"format": 1, "device_id": device, "public_key": public_key, "proof": proof});
        let auth = format!("Bearer {token}");
        web::request(
            &receiver.url,
            "PUT",
            "/verivali/v1/signing-key",
            &[("Authorization", &auth), ("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    };
    assert_eq!(
        put(&office.budi, &office.ayu, "verivali:x").status,
        400,
        "a proof for another token"
    );
    assert_eq!(put(&office.ayu, &office.ayu, "verivali:x").status, 201);
    assert_eq!(put(&office.ayu, &office.ayu, "verivali:x").status, 200, "again: already known");
    let taken = put(&office.budi, &office.budi, "verivali:x");
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert!(taken.body.contains("another device"));
    let anonymous = web::request(&receiver.url, "PUT", "/verivali/v1/signing-key", &[], b"{}");
    assert_eq!(anonymous.status, 401);
    let garbage = web::request(
        &receiver.url,
        "PUT",
        "/verivali/v1/signing-key",
        &[("Authorization", &format!("Bearer {}", office.ayu))],
        &[b'x'; 10_000],
    );
    assert_eq!(garbage.status, 400, "too large to be a registration");
}

#[test]
fn a_rewritten_bundle_is_refused_naming_why_and_imports_nothing() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let (_, path) =
        registered_bundle(dir.path(), &receiver.url, &office.ayu, &["5271011009000001"]);
    // Someone with the passphrase changes the status and recomputes the manifest's sum.
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    let xml: Vec<u8> = conn.query_row("SELECT xml FROM submissions", [], |r| r.get(0)).unwrap();
    let changed = String::from_utf8(xml).unwrap().replace(
        "<status_keberadaan>4</status_keberadaan>",
        "<status_keberadaan>1</status_keberadaan>",
    );
    conn.execute("UPDATE submissions SET xml = ?1", [changed.as_bytes()]).unwrap();
    conn.execute(
        "UPDATE manifest SET sha256 = ?1, bytes = ?2 WHERE part = 'xml'",
        rusqlite::params![verivali_form::hex::sha256_hex(changed.as_bytes()), changed.len() as i64],
    )
    .unwrap();
    drop(conn);
    let refused = import(&office, &path).unwrap_err();
    assert!(refused.contains("signature does not match"), "{refused}");
    assert!(held(&office).is_empty());
    let wrong = bundles::import_file(office.path(), &KEY, Path::new(&path), "salah-sandi", "t");
    assert!(wrong.unwrap_err().to_string().contains("passphrase is wrong"));
    let missing = dir.path().join("nothing-here.vvbundle");
    let refused = bundles::import_file(office.path(), &KEY, &missing, PASSPHRASE, "t");
    assert!(refused.unwrap_err().to_string().contains("no bundle file"));
    assert!(!missing.exists(), "nothing is created where there was no bundle");
}

#[test]
fn a_thousand_randomly_damaged_bundles_never_import_partially() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = registered_bundle(
        dir.path(),
        &receiver.url,
        &office.ayu,
        &["5271011009000001", "5271011009000002"],
    );
    let original = std::fs::read(&path).unwrap();
    drop(receiver);
    // What a whole import stores: each instanceID with the SHA-256 of its XML.
    let whole = {
        let bundle = Connection::open(&path).unwrap();
        bundle.pragma_update(None, "key", PASSPHRASE).unwrap();
        let mut rows: Vec<(String, String)> = bundle
            .prepare("SELECT instance_id, xml FROM submissions")
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .unwrap()
            .map(|row| row.map(|(id, xml)| (id, verivali_form::hex::sha256_hex(&xml))).unwrap())
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(whole.len(), 2);

    // Two halves on two cores, each against its own copy of the office's database.
    let twin = tempfile::tempdir().unwrap();
    serve::store::backup(office.path(), &KEY, &twin.path().join(serve::store::FILE)).unwrap();
    let halves = [(office.path().to_owned(), 18u64), (twin.path().to_owned(), 81u64)];
    let counts: Vec<(u32, u32)> = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|(data, seed)| {
                let (original, whole) = (&original, &whole);
                scope.spawn(move || damage_rounds(data, original, whole, *seed, 500))
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let refused: u32 = counts.iter().map(|c| c.0).sum();
    let imported: u32 = counts.iter().map(|c| c.1).sum();
    assert!(
        refused > 900,
        "random damage is almost always noticed ({refused} refused, {imported} imported)"
    );
}

/// Imports `rounds` randomly damaged copies of `original` into the receiver in `data`; after
/// each, the receiver holds nothing or exactly `whole`. Returns (refused, imported).
fn damage_rounds(
    data: &Path,
    original: &[u8],
    whole: &[(String, String)],
    seed: u64,
    rounds: u32,
) -> (u32, u32) {
    let mut conn = serve::store::open(data, &KEY).unwrap();
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let damaged = data.join(format!("damaged-{seed}.vvbundle"));
    let (mut refused, mut imported) = (0, 0);
    for round in 0..rounds {
        let mut bytes = original.to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len() as u64) as usize;
            bytes[at] ^= 1 << rng.below(8);
        }
        std::fs::write(&damaged, &bytes).unwrap();
        match bundles::import(&mut conn, &damaged, PASSPHRASE, "test", i64::from(round)) {
            Ok(_) => imported += 1,
            Err(_) => refused += 1,
        }
        let now = held_in(&conn);
        assert!(
            now.is_empty() || now == whole,
            "round {round}: a damaged bundle stored part of itself or other content: {now:?}"
        );
    }
    (refused, imported)
}

/// A small deterministic generator: the same damage on every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn held_in(conn: &Connection) -> Vec<(String, String)> {
    conn.prepare("SELECT instance_id, sha256 FROM submissions ORDER BY instance_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn another_device_relays_a_bundle_which_is_imported_as_its_signers() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let (_, path) =
        registered_bundle(dir.path(), &receiver.url, &office.ayu, &["5271011009000001"]);
    let bytes = std::fs::read(&path).unwrap();
    let relay = |token: &str, passphrase: &str| {
        let auth = format!("Bearer {token}");
        web::request(
            &receiver.url,
            "POST",
            "/verivali/v1/bundles",
            &[("Authorization", &auth), ("X-Verivali-Bundle-Passphrase", passphrase)],
            &bytes,
        )
    };
    let wrong = relay(&office.budi, "salah-sandi");
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains("passphrase is wrong"));
    // Budi's phone carries Ayu's bundle: stored as Ayu's, in Ayu's area.
    let relayed = relay(&office.budi, PASSPHRASE);
    assert_eq!(relayed.status, 200, "{}", relayed.body);
    let answer: serde_json::Value = serde_json::from_str(&relayed.body).unwrap();
    assert_eq!((answer["submissions"].as_u64(), answer["new"].as_u64()), (Some(1), Some(1)));
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let enumerator: String =
        conn.query_row("SELECT enumerator FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(enumerator, "Ayu");
    let anonymous = web::request(&receiver.url, "POST", "/verivali/v1/bundles", &[], &bytes);
    assert_eq!(anonymous.status, 401);
    let incoming = office.path().join("incoming");
    let left: Vec<_> = std::fs::read_dir(&incoming).map(|d| d.collect()).unwrap_or_default();
    assert!(left.is_empty(), "spooled files are removed: {left:?}");
}

#[test]
fn a_too_large_relay_is_refused_before_its_body_is_read() {
    let office = Office::new();
    let receiver = office.start();
    let address = receiver.url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    use std::io::Write;
    write!(
        stream,
        "POST /verivali/v1/bundles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         X-Verivali-Bundle-Passphrase: {PASSPHRASE}\r\nContent-Length: {}\r\n\r\n",
        office.ayu,
        bundles::MAX_BUNDLE_BYTES + 1
    )
    .unwrap();
    let reply = web::read_reply(&mut stream);
    assert_eq!(reply.status, 413, "{}", reply.body);
}

/// A browser's multipart upload of the bundle page's form.
fn form_upload(csrf: &str, passphrase: &str, bundle: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----verivaliBrowserBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("passphrase", passphrase)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"bundle\"; filename=\"x.vvbundle\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bundle);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn a_pengawas_uploads_a_bundle_in_the_browser_with_the_pages_csrf_token() {
    let office = Office::new();
    serve::add_user(office.path(), &KEY, "siti", Role::Pengawas, PASSWORD).unwrap();
    serve::add_user(office.path(), &KEY, "ani", Role::Viewer, PASSWORD).unwrap();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = registered_bundle(
        dir.path(),
        &receiver.url,
        &office.ayu,
        &["5271011009000001", "5271011009000002"],
    );
    let bundle = std::fs::read(path).unwrap();

    let (_, viewer) = web::login(&receiver.url, "ani", PASSWORD);
    let refused =
        web::request(&receiver.url, "GET", "/bundles", &[("Cookie", &viewer.unwrap())], b"");
    assert_eq!(refused.status, 403);
    let (_, cookie) = web::login(&receiver.url, "siti", PASSWORD);
    let cookie = cookie.unwrap();
    let page = web::request(&receiver.url, "GET", "/bundles", &[("Cookie", &cookie)], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = web::csrf_field(&page.body);
    let post = |csrf: &str, passphrase: &str, bundle: &[u8]| {
        let (content_type, body) = form_upload(csrf, passphrase, bundle);
        web::request(
            &receiver.url,
            "POST",
            "/bundles",
            &[("Cookie", &cookie), ("Content-Type", &content_type)],
            &body,
        )
    };
    let forged = post("forged", PASSPHRASE, &bundle);
    assert_eq!(forged.status, 403);
    assert!(held(&office).is_empty());
    let mut damaged = bundle.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    let broken = post(&csrf, PASSPHRASE, &damaged);
    assert!(broken.status >= 400, "{}", broken.status);
    assert!(broken.body.contains("role=\"alert\""));
    assert!(held(&office).is_empty());
    let done = post(&csrf, PASSPHRASE, &bundle);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("2 interviews, 2 new"), "{}", done.body);
    assert_eq!(held(&office).len(), 2);
    let again = post(&csrf, PASSPHRASE, &bundle);
    assert!(again.body.contains("2 interviews, 0 new, 2 already here"), "{}", again.body);
    assert!(again.body.contains("siti"), "the import is listed with who brought it");
}
