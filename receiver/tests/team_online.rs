//! The pengawas's phone with signal (issue 18): the team's interviews come from the receiver
//! (`GET /verivali/v1/team`), join those that came by bundle, each once; the pengawas reviews
//! them on the phone, and the decisions reach the receiver with the next upload, in a bundle the
//! phone signs, without anyone writing one. Only a pengawas's token reads the team, only its
//! area, a page at a time.

mod support;

use serde_json::Value as Json;
use support::{KEY, Office, web};
use verivali_core::api::{ReviewCommentView, Verivali};
use verivali_receiver::{self as serve, TokenRights, review};

fn area() -> TokenRights {
    TokenRights { areas: vec!["52.71".into()], ..TokenRights::default() }
}

fn pengawas_token(office: &Office, name: &str) -> String {
    let rights = TokenRights { pengawas: true, ..area() };
    serve::add_token_with(office.path(), &KEY, name, &rights).unwrap()
}

fn upload(phone: &Verivali, url: &str, token: &str) {
    let sent = phone.upload_pending(url.into(), Some(token.into()), 30_000, None, None).unwrap();
    assert_eq!((sent.retry_later, sent.needs_person), (0, 0), "{sent:?}");
}

fn get(url: &str, path: &str, token: Option<&str>) -> web::Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> =
        auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
    web::request(url, "GET", path, &headers, b"")
}

fn json(reply: &web::Reply) -> Json {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {reply:?}"))
}

fn state_on_receiver(office: &Office, instance_id: &str) -> (String, Vec<Json>) {
    let detail = review::show(office.path(), &KEY, instance_id).unwrap().expect("stored");
    let events = serde_json::to_value(&detail.history).unwrap();
    (detail.summary.state, events.as_array().cloned().unwrap_or_default())
}

fn bundle_imports(office: &Office) -> i64 {
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    conn.query_row("SELECT count(*) FROM bundle_imports", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_pengawas_phone_with_signal_reviews_the_team_from_the_receiver_and_its_decisions_arrive() {
    let office = Office::new();
    let cici_token = serve::add_token_with(office.path(), &KEY, "Cici", &area()).unwrap();
    let siti_token = pengawas_token(&office, "Siti");
    let receiver = office.start();
    let url = receiver.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let ayu = support::phone(&dir.path().join("ayu"), &["5271011009000001", "5271011009000003"]);
    let cici = support::phone(&dir.path().join("cici"), &["5271011009000002"]);
    let siti = support::phone(&dir.path().join("siti"), &[]);
    let none_drawn = verivali_core::api::Settings { backcheck_percent: 0, ..siti.settings() };
    siti.update_settings(none_drawn).unwrap();
    for (phone, token) in [(&ayu, &office.ayu), (&cici, &cici_token), (&siti, &siti_token)] {
        phone.fetch_returns(url.clone(), Some(token.clone())).unwrap();
    }
    // Cici's visit reaches the pengawas's phone by bundle first, then the receiver by upload.
    siti.trust_signing_key(cici.signing_public_key().unwrap(), "Cici".into(), false).unwrap();
    let written = cici
        .export_bundle(dir.path().join("out").display().to_string(), "tim-kenanga-2026".into())
        .unwrap();
    assert_eq!(siti.import_bundle(written.path, "tim-kenanga-2026".into()).unwrap().new, 1);
    upload(&ayu, &url, &office.ayu);
    upload(&cici, &url, &cici_token);
    // Budi's visit lies in another kabupaten: never the pengawas's.
    let elsewhere = support::instance("uuid:budi-1", support::OTHER_HOUSEHOLD, "11.01.01.2001");
    assert_eq!(support::submit(&url, &office.budi, &elsewhere, &[]).status, 201);

    let fetched = siti.fetch_team_interviews(url.clone(), Some(siti_token.clone())).unwrap();
    assert!(fetched.supported);
    assert_eq!((fetched.listed, fetched.new, fetched.conflicts), (3, 2, 0), "{fetched:?}");
    let again = siti.fetch_team_interviews(url.clone(), Some(siti_token.clone())).unwrap();
    assert_eq!((again.listed, again.new), (0, 0), "the cursor goes on where it stopped");
    let team = siti.team_interviews().unwrap();
    assert_eq!(team.len(), 3, "each interview once however it travelled");
    assert!(team.iter().all(|t| t.instance_id != "uuid:budi-1"));
    let mut names: Vec<&str> = team.iter().map(|t| t.enumerator.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Ayu", "Ayu", "Cici"]);

    // The photo as the receiver holds it, byte for byte.
    let with_photo = team
        .iter()
        .find(|t| t.household.as_deref() == Some("5271011009000001"))
        .expect("Ayu's first household")
        .clone();
    let detail = siti.team_interview_detail(with_photo.instance_id.clone()).unwrap();
    assert_eq!(detail.photos.len(), 1);
    let on_phone =
        siti.team_photo(with_photo.instance_id.clone(), detail.photos[0].clone()).unwrap();
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let on_receiver: Vec<u8> = conn
        .query_row(
            "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = ?2",
            [&with_photo.instance_id, &detail.photos[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(on_phone, on_receiver);

    // The pengawas returns Ayu's visit and approves Cici's; the next upload carries both.
    let comment = ReviewCommentView {
        reference: Some("/data/status_keberadaan".into()),
        text: "Tetangga bilang masih tinggal di sini".into(),
    };
    siti.review_team_interview(with_photo.instance_id.clone(), false, vec![comment], None).unwrap();
    let cicis = team.iter().find(|t| t.enumerator == "Cici").unwrap().instance_id.clone();
    siti.review_team_interview(cicis.clone(), true, vec![], None).unwrap();
    upload(&siti, &url, &siti_token);
    let (state, history) = state_on_receiver(&office, &with_photo.instance_id);
    assert_eq!(state, "returned");
    assert!(history.iter().any(|e| e["action"] == "return"), "{history:?}");
    assert_eq!(state_on_receiver(&office, &cicis).0, "approved");
    let imports = bundle_imports(&office);
    upload(&siti, &url, &siti_token);
    assert_eq!(bundle_imports(&office), imports, "nothing new decided: no new bundle");

    // Ayu's phone gets the return from the receiver as any return.
    let returns = ayu.fetch_returns(url.clone(), Some(office.ayu.clone())).unwrap();
    assert_eq!(returns.reopened.len(), 1);
}

#[test]
fn the_team_list_is_a_pengawas_tokens_own_area_a_page_at_a_time() {
    let office = Office::new();
    let siti = pengawas_token(&office, "Siti");
    let receiver = office.start();
    let url = receiver.url.clone();
    let prelist =
        std::fs::read_to_string(support::fixtures().join("prelist/sample.jsonl")).unwrap();
    let households: Vec<String> = prelist
        .lines()
        .take(30)
        .map(|l| serde_json::from_str::<Json>(l).unwrap()["id_dtks"].as_str().unwrap().to_owned())
        .collect();
    for (n, household) in households.iter().enumerate() {
        let mut xml = support::instance(&format!("uuid:ayu-{n}"), household, "52.71.01.1009");
        if n == 0 {
            xml = xml.replace("<foto_rumah/>", "<foto_rumah>rumah.jpg</foto_rumah>");
        }
        let photo: &[u8] = b"photo-of-the-house";
        let attachments: Vec<(&str, &[u8])> =
            if n == 0 { vec![("rumah.jpg", photo)] } else { vec![] };
        assert_eq!(support::submit(&url, &office.ayu, &xml, &attachments).status, 201);
    }
    let elsewhere = support::instance("uuid:budi-1", support::OTHER_HOUSEHOLD, "11.01.01.2001")
        .replace("<foto_rumah/>", "<foto_rumah>b.jpg</foto_rumah>");
    assert_eq!(support::submit(&url, &office.budi, &elsewhere, &[("b.jpg", b"x")]).status, 201);

    assert_eq!(get(&url, "/verivali/v1/team", None).status, 401);
    let not_pengawas = get(&url, "/verivali/v1/team", Some(&office.ayu));
    assert_eq!(not_pengawas.status, 403);
    assert!(json(&not_pengawas)["error"].as_str().unwrap().contains("pengawas"));

    let mut seen = Vec::new();
    let mut after = 0;
    let mut pages = 0;
    loop {
        let reply = get(&url, &format!("/verivali/v1/team?after={after}"), Some(&siti));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let page = json(&reply);
        let listed = page["interviews"].as_array().unwrap();
        assert!(listed.len() <= 25);
        seen.extend(listed.iter().map(|i| i["instance_id"].as_str().unwrap().to_owned()));
        pages += 1;
        after = page["next"].as_i64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(pages, 2);
    let mut expected: Vec<String> = (0..30).map(|n| format!("uuid:ayu-{n}")).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "each once, none of another kabupaten");

    let photo = get(&url, "/verivali/v1/team/uuid:ayu-0/rumah.jpg", Some(&siti));
    assert_eq!((photo.status, photo.body.as_str()), (200, "photo-of-the-house"));
    assert_eq!(get(&url, "/verivali/v1/team/uuid:budi-1/b.jpg", Some(&siti)).status, 404);
    assert_eq!(get(&url, "/verivali/v1/team/uuid:ayu-0/rumah.jpg", Some(&office.ayu)).status, 403);
    let odd = get(&url, "/verivali/v1/team?after=-5", Some(&siti));
    assert_eq!(
        json(&odd)["interviews"].as_array().unwrap().len(),
        25,
        "a negative cursor starts at 0"
    );
}

#[test]
fn a_phone_without_a_pengawas_token_is_told_so_in_words() {
    let office = Office::new();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let phone = support::phone(dir.path(), &[]);
    let refused = phone.fetch_team_interviews(receiver.url.clone(), Some(office.ayu.clone()));
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains("bukan token pengawas") || message.contains("pengawas's"),
        "{message}"
    );
    assert!(phone.team_interviews().unwrap().is_empty());
}

#[test]
fn a_page_looks_at_a_bounded_number_of_rows_and_the_cursor_goes_on_past_them() {
    let office = Office::new();
    let siti = pengawas_token(&office, "Siti");
    {
        // 5,100 interviews of another kabupaten first, then three of Siti's area.
        let mut conn = serve::store::open(office.path(), &KEY).unwrap();
        let tx = conn.transaction().unwrap();
        let budi = serve::store::device(&tx, &office.budi).unwrap().unwrap();
        let ayu = serve::store::device(&tx, &office.ayu).unwrap().unwrap();
        for n in 0..5_100 {
            let xml = support::instance(&format!("uuid:budi-{n}"), "", "11.01.01.2001");
            serve::ingest(&tx, &budi, xml.into_bytes(), vec![], 1).unwrap();
        }
        for n in 0..3 {
            let xml = support::instance(&format!("uuid:ayu-{n}"), "", "52.71.01.1009");
            serve::ingest(&tx, &ayu, xml.into_bytes(), vec![], 2).unwrap();
        }
        tx.commit().unwrap();
    }
    let receiver = office.start();
    let first = json(&get(&receiver.url, "/verivali/v1/team", Some(&siti)));
    assert_eq!(
        first["interviews"].as_array().unwrap().len(),
        0,
        "nothing of the area in the first rows"
    );
    assert_eq!((first["next"].as_i64(), first["more"].as_bool()), (Some(5_000), Some(true)));
    let second = json(&get(&receiver.url, "/verivali/v1/team?after=5000", Some(&siti)));
    let listed: Vec<&str> = second["interviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instance_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["uuid:ayu-0", "uuid:ayu-1", "uuid:ayu-2"]);
    assert_eq!(second["more"].as_bool(), Some(false));
    let huge =
        json(&get(&receiver.url, &format!("/verivali/v1/team?after={}", i64::MAX), Some(&siti)));
    assert_eq!(
        huge["interviews"].as_array().unwrap().len(),
        0,
        "a cursor past the end lists nothing"
    );
    // And the phone follows the cursor to the end by itself.
    let dir = tempfile::tempdir().unwrap();
    let phone = support::phone(dir.path(), &[]);
    let fetched = phone.fetch_team_interviews(receiver.url.clone(), Some(siti)).unwrap();
    assert_eq!((fetched.listed, fetched.new), (3, 3));
}
