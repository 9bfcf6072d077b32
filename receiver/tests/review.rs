//! The pengawas review on the receiver, over real loopback sockets and real SQLCipher files:
//! the sample drawn on receipt says why, the queue filters, a return reaches only its own
//! device until the correction arrives, the review pages need a pengawas or operator and their
//! CSRF token, refusals say why and change nothing, and submissions stored before reviews
//! existed are drawn when the database is opened.

mod support;

use serde_json::Value as Json;
use support::{KEY, OTHER_HOUSEHOLD, OWN_HOUSEHOLD, Office, submit, web};
use verivali_receiver::{
    self as serve, Role,
    review::{self, Action, Comment, ReviewState, queue::Filter},
};

const PASSWORD: &str = "pengawas-rahasia-1";

/// A prelist household with a known point (desa 52.71.01.1009).
const POINTED: &str = "5271011009000099";

fn office() -> Office {
    let office = Office::new();
    let extra = office.path().join("pointed.jsonl");
    std::fs::write(
        &extra,
        format!(
            r#"{{"id_dtks":"{POINTED}","lokasi":{{"desa":"52.71.01.1009","titik":"-8.5833 116.1167 0 5"}},"members":[{{"nama":"X","hubungan_krt":"1"}}]}}"#
        ),
    )
    .unwrap();
    serve::add_prelist(office.path(), &KEY, &extra, None).unwrap();
    serve::add_user(office.path(), &KEY, "siti", Role::Pengawas, PASSWORD).unwrap();
    serve::add_user(office.path(), &KEY, "ani", Role::Viewer, PASSWORD).unwrap();
    office
}

/// A mini-form visit: household (empty: new), status, an optional house point, an optional
/// checks attachment, an optional `deprecatedID`.
struct Visit<'a> {
    id: &'a str,
    household: &'a str,
    status: &'a str,
    point: Option<&'a str>,
    checks: Option<&'a str>,
    deprecated: Option<&'a str>,
}

impl Visit<'_> {
    fn xml(&self) -> String {
        let checks = if self.checks.is_some() { "verivali-checks.json" } else { "" };
        let deprecated = self
            .deprecated
            .map(|d| format!("<deprecatedID>{d}</deprecatedID>"))
            .unwrap_or_default();
        format!(
            r#"<data id="mini_verivali" version="1"><id_dtks>{}</id_dtks><status_keberadaan>{}</status_keberadaan><lokasi><desa>52.71.01.1009</desa></lokasi><bukti><foto_rumah/><lokasi_rumah>{}</lokasi_rumah></bukti><meta><instanceID>{}</instanceID>{deprecated}<verivali_checks>{checks}</verivali_checks></meta></data>"#,
            self.household,
            self.status,
            self.point.unwrap_or(""),
            self.id
        )
    }

    fn send(&self, url: &str, token: &str) -> u16 {
        let checks: Vec<(&str, &[u8])> =
            self.checks.map(|c| vec![("verivali-checks.json", c.as_bytes())]).unwrap_or_default();
        submit(url, token, &self.xml(), &checks).status
    }
}

fn visit<'a>(id: &'a str, household: &'a str, status: &'a str) -> Visit<'a> {
    Visit { id, household, status, point: None, checks: None, deprecated: None }
}

fn reasons_of(office: &Office, id: &str) -> (String, Vec<String>) {
    let detail = review::show(office.path(), &KEY, id).unwrap().expect("stored");
    (detail.summary.state, detail.summary.reasons)
}

#[test]
fn the_sample_picks_every_mandatory_case_on_receipt_and_says_why() {
    let office = office();
    let receiver = office.start();
    let warning = r#"{"findings":[{"rule":"age.implausible","severity":"warning","reference":"/data/members[1]/tanggal_lahir","message":{"id":"x","en":"x"},"reason":"KTP dicek"},{"rule":"phone.format","severity":"warning","message":{"id":"y","en":"y"}}]}"#;
    let cases = [
        Visit { status: "4", ..visit("uuid:s4", OWN_HOUSEHOLD, "4") },
        visit("uuid:new", "", "1"),
        Visit { checks: Some(warning), ..visit("uuid:warn", OWN_HOUSEHOLD, "1") },
        Visit { point: Some("-8.4833 116.1167 0 5"), ..visit("uuid:far", POINTED, "1") },
        Visit { point: Some("-8.5834 116.1167 0 5"), ..visit("uuid:near", POINTED, "1") },
    ];
    for case in &cases {
        assert_eq!(case.send(&receiver.url, &office.ayu), 201, "{}", case.id);
    }
    assert_eq!(reasons_of(&office, "uuid:s4"), ("waiting".into(), vec!["status_4".into()]));
    assert_eq!(reasons_of(&office, "uuid:new").1, vec!["new_household".to_owned()]);
    // Only the warning with a reason counts as confirmed.
    assert_eq!(reasons_of(&office, "uuid:warn").1, vec!["warning:age.implausible".to_owned()]);
    let (state, far) = reasons_of(&office, "uuid:far");
    assert_eq!(state, "waiting");
    assert!(far[0].starts_with("far_from_prelist (111"), "{far:?}");
    let (near_state, near) = reasons_of(&office, "uuid:near");
    assert!(near.is_empty() || near == vec!["random".to_owned()], "{near:?}");
    assert_eq!(near_state == "waiting", !near.is_empty());
}

#[test]
fn the_queue_filters_by_state_desa_enumerator_and_reason() {
    let office = office();
    let receiver = office.start();
    for (id, household, status) in
        [("uuid:a", OWN_HOUSEHOLD, "3"), ("uuid:b", "", "1"), ("uuid:c", POINTED, "5")]
    {
        assert_eq!(visit(id, household, status).send(&receiver.url, &office.ayu), 201);
    }
    let other = visit("uuid:d", OTHER_HOUSEHOLD, "4");
    let xml = other.xml().replace("52.71.01.1009", "11.01.01.2001");
    assert_eq!(submit(&receiver.url, &office.budi, &xml, &[]).status, 201);
    let ids = |filter: Filter| -> Vec<String> {
        let queue = review::list(office.path(), &KEY, &Filter { limit: 100, ..filter }).unwrap();
        queue.rows.into_iter().map(|r| r.instance_id).collect()
    };
    assert_eq!(ids(Filter { reason: Some("status".into()), ..Filter::default() }).len(), 3);
    assert_eq!(
        ids(Filter { reason: Some("status_5".into()), ..Filter::default() }),
        vec!["uuid:c".to_owned()]
    );
    assert_eq!(
        ids(Filter { reason: Some("new_household".into()), ..Filter::default() }),
        vec!["uuid:b".to_owned()]
    );
    assert_eq!(
        ids(Filter { desa: Some("11.01".into()), ..Filter::default() }),
        vec!["uuid:d".to_owned()]
    );
    assert_eq!(
        ids(Filter { enumerator: Some("Budi".into()), ..Filter::default() }),
        vec!["uuid:d".to_owned()]
    );
    // A LIKE wildcard typed into the desa filter matches nothing more.
    assert!(ids(Filter { desa: Some("5_.71".into()), ..Filter::default() }).is_empty());
    assert_eq!(ids(Filter { state: Some(ReviewState::Waiting), ..Filter::default() }).len(), 4);
    assert!(ids(Filter { state: Some(ReviewState::Approved), ..Filter::default() }).is_empty());
}

fn returns_of(url: &str, token: &str) -> Json {
    let auth = format!("Bearer {token}");
    let reply = web::request(url, "GET", "/verivali/v1/returns", &[("Authorization", &auth)], b"");
    assert_eq!(reply.status, 200, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

#[test]
fn a_return_is_listed_for_its_own_device_only_until_the_correction_arrives() {
    let office = office();
    let receiver = office.start();
    assert_eq!(visit("uuid:r1", OWN_HOUSEHOLD, "4").send(&receiver.url, &office.ayu), 201);
    let comments = vec![
        Comment { reference: Some("/data/status_keberadaan".into()), text: "Cek lagi".into() },
        Comment { reference: None, text: "Foto buram".into() },
    ];
    let state =
        review::decide(office.path(), &KEY, "uuid:r1", "siti", &Action::Return { comments }, None)
            .unwrap();
    assert_eq!(state, ReviewState::Returned);
    let listed = returns_of(&receiver.url, &office.ayu);
    assert_eq!(listed["format"], 1);
    assert_eq!(listed["returns"][0]["instance_id"], "uuid:r1");
    assert_eq!(listed["returns"][0]["comments"][0]["reference"], "/data/status_keberadaan");
    assert_eq!(listed["returns"][0]["comments"][1]["text"], "Foto buram");
    assert!(listed["returns"][0].get("enumerator").is_none(), "no person's data travels");
    assert_eq!(returns_of(&receiver.url, &office.budi)["returns"], serde_json::json!([]));
    let no_token = web::request(&receiver.url, "GET", "/verivali/v1/returns", &[], b"");
    assert_eq!(no_token.status, 401);

    let correction = Visit { deprecated: Some("uuid:r1"), ..visit("uuid:r2", OWN_HOUSEHOLD, "1") };
    assert_eq!(correction.send(&receiver.url, &office.ayu), 201);
    assert_eq!(returns_of(&receiver.url, &office.ayu)["returns"], serde_json::json!([]));
    let (state, reasons) = reasons_of(&office, "uuid:r2");
    assert_eq!((state.as_str(), reasons[0].as_str()), ("waiting", "correction"));
    let history = review::show(office.path(), &KEY, "uuid:r1").unwrap().unwrap().history;
    let actions: Vec<(&str, &str)> =
        history.iter().map(|e| (e.actor.as_str(), e.action.as_str())).collect();
    assert_eq!(
        actions,
        vec![("receiver", "received"), ("siti", "return"), ("receiver", "replaced")]
    );
}

#[test]
fn refused_actions_say_why_and_change_nothing() {
    let office = office();
    let receiver = office.start();
    assert_eq!(visit("uuid:x1", OWN_HOUSEHOLD, "4").send(&receiver.url, &office.ayu), 201);
    let decide = |id: &str, action: &Action| {
        review::decide(office.path(), &KEY, id, "siti", action, None).map_err(|e| e.to_string())
    };
    let empty = Action::Return { comments: vec![Comment { reference: None, text: "  ".into() }] };
    assert!(decide("uuid:x1", &empty).unwrap_err().contains("at least one comment"));
    assert!(decide("uuid:x1", &Action::Queue).unwrap_err().contains("already in the queue"));
    assert!(decide("uuid:none", &Action::Approve).unwrap_err().contains("no interview uuid:none"));
    assert_eq!(decide("uuid:x1", &Action::Approve).unwrap(), ReviewState::Approved);
    assert!(decide("uuid:x1", &Action::Approve).unwrap_err().contains("already approved"));
    let history = review::show(office.path(), &KEY, "uuid:x1").unwrap().unwrap().history;
    assert_eq!(history.len(), 2, "only the arrival and the approval are recorded");
}

#[test]
fn the_review_pages_need_a_pengawas_and_their_csrf_token() {
    let office = office();
    let receiver = office.start();
    assert_eq!(visit("uuid:p1", OWN_HOUSEHOLD, "4").send(&receiver.url, &office.ayu), 201);
    let anonymous = web::request(&receiver.url, "GET", "/review", &[], b"");
    assert_eq!(anonymous.status, 303);
    let (_, viewer) = web::login(&receiver.url, "ani", PASSWORD);
    let viewer = viewer.unwrap();
    let refused = web::request(&receiver.url, "GET", "/review", &[("Cookie", &viewer)], b"");
    assert_eq!(refused.status, 403);
    let device = format!("Bearer {}", office.ayu);
    let by_token =
        web::request(&receiver.url, "GET", "/review", &[("Authorization", &device)], b"");
    assert_eq!(by_token.status, 303, "a device token opens no page");

    let (_, cookie) = web::login(&receiver.url, "siti", PASSWORD);
    let cookie = cookie.unwrap();
    let queue = web::request(&receiver.url, "GET", "/review", &[("Cookie", &cookie)], b"");
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("/review/uuid:p1") && queue.body.contains("Status 4"));
    let page = web::request(&receiver.url, "GET", "/review/uuid:p1", &[("Cookie", &cookie)], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("class=\"changed\""), "the status differs from the prelist");
    let post = |body: String| {
        web::request(
            &receiver.url,
            "POST",
            "/review/uuid:p1",
            &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    };
    let forged = post("csrf=wrong&action=approve".into());
    assert_eq!(forged.status, 403);
    assert_eq!(reasons_of(&office, "uuid:p1").0, "waiting");
    let csrf = web::csrf_field(&page.body);
    let returned = post(format!(
        "csrf={csrf}&action=return&comment%3A%2Fdata%2Fstatus_keberadaan=Salah+kode&note="
    ));
    assert_eq!(returned.status, 303);
    assert_eq!(reasons_of(&office, "uuid:p1").0, "returned");
    let again = post(format!("csrf={csrf}&action=approve"));
    assert_eq!(again.status, 409);
    assert!(again.body.contains("waiting for the enumerator"));

    // Approving with a comment typed on a question is refused: the comment is not dropped.
    assert_eq!(visit("uuid:p2", OWN_HOUSEHOLD, "5").send(&receiver.url, &office.ayu), 201);
    let typed = web::request(
        &receiver.url,
        "POST",
        "/review/uuid:p2",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&action=approve&comment%3A%2Fdata%2Fstatus_keberadaan=Cek").as_bytes(),
    );
    assert_eq!(typed.status, 409);
    assert!(typed.body.contains("choose Return"));
    assert_eq!(reasons_of(&office, "uuid:p2").0, "waiting");
}

#[test]
fn submissions_stored_before_reviews_existed_are_drawn_when_the_database_opens() {
    let office = office();
    {
        let receiver = office.start();
        assert_eq!(visit("uuid:old", OWN_HOUSEHOLD, "5").send(&receiver.url, &office.ayu), 201);
    }
    // Make the database look as a schema-3 build left it.
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    conn.execute_batch(
        "DELETE FROM review_reasons; DELETE FROM review_events; DELETE FROM reviews;
         UPDATE submissions SET household = NULL;",
    )
    .unwrap();
    drop(conn);
    let (state, reasons) = reasons_of(&office, "uuid:old");
    assert_eq!((state.as_str(), reasons), ("waiting", vec!["status_5".to_owned()]));
    let detail = review::show(office.path(), &KEY, "uuid:old").unwrap().unwrap();
    assert_eq!(detail.summary.household.as_deref(), Some(OWN_HOUSEHOLD));
}

#[test]
fn an_edit_of_an_interview_a_pengawas_has_in_hand_is_reviewed_again() {
    let office = office();
    let receiver = office.start();
    assert_eq!(visit("uuid:e1", OWN_HOUSEHOLD, "4").send(&receiver.url, &office.ayu), 201);
    review::decide(office.path(), &KEY, "uuid:e1", "siti", &Action::Approve, None).unwrap();
    let edit = Visit { deprecated: Some("uuid:e1"), ..visit("uuid:e2", OWN_HOUSEHOLD, "1") };
    assert_eq!(edit.send(&receiver.url, &office.ayu), 201);
    let (state, reasons) = reasons_of(&office, "uuid:e2");
    assert_eq!((state.as_str(), reasons[0].as_str()), ("waiting", "edit"));
    let old = review::show(office.path(), &KEY, "uuid:e1").unwrap().unwrap();
    assert_eq!(old.history.last().unwrap().action, "replaced");
    assert_eq!(old.summary.state, "approved", "the approval of the old version stays recorded");
}

#[test]
fn a_checks_file_arriving_in_a_later_part_adds_its_warnings_to_the_sample() {
    let office = office();
    let receiver = office.start();
    // A status-1 visit the sample may leave out, sent first without its checks file…
    let first = visit("uuid:split", OWN_HOUSEHOLD, "1");
    let xml = Visit { checks: Some("x"), ..first }.xml();
    assert_eq!(submit(&receiver.url, &office.ayu, &xml, &[]).status, 201);
    // …then with it, as an upload split in parts resends the instance.
    let checks = r#"{"findings":[{"rule":"age.implausible","severity":"warning","message":{"id":"x","en":"x"},"reason":"KTP dicek"}]}"#;
    let part = [("verivali-checks.json", checks.as_bytes())];
    assert_eq!(submit(&receiver.url, &office.ayu, &xml, &part).status, 201);
    let (state, reasons) = reasons_of(&office, "uuid:split");
    assert_eq!(state, "waiting");
    assert!(reasons.contains(&"warning:age.implausible".to_owned()), "{reasons:?}");
    // The same part again adds nothing twice.
    assert_eq!(submit(&receiver.url, &office.ayu, &xml, &part).status, 201);
    let again = reasons_of(&office, "uuid:split").1;
    assert_eq!(again.iter().filter(|r| r.starts_with("warning:")).count(), 1);
}

#[test]
fn the_desa_filter_takes_codes_with_or_without_dots() {
    let office = office();
    let receiver = office.start();
    assert_eq!(visit("uuid:f1", OWN_HOUSEHOLD, "3").send(&receiver.url, &office.ayu), 201);
    for typed in ["52.71.01.1009", "5271011009", "5271", "52.71.", "52"] {
        let filter = Filter { desa: Some(typed.into()), limit: 10, ..Filter::default() };
        let rows = review::list(office.path(), &KEY, &filter).unwrap().rows;
        assert_eq!(rows.len(), 1, "{typed}");
    }
    let filter = Filter { desa: Some("5272".into()), limit: 10, ..Filter::default() };
    assert!(review::list(office.path(), &KEY, &filter).unwrap().rows.is_empty());
}
