//! A blank spot, end to end (issue 18): two enumerators' phones hand their interviews to the
//! pengawas's phone by bundle; the pengawas's phone draws the sample, returns one interview with
//! a comment and approves the other; the return travels back by bundle and reopens the
//! interview on the enumerator's phone exactly as a return from the server does; the
//! correction travels by bundle and is approved; when the phones find signal, everything
//! reaches the receiver once, with the pengawas's decisions recorded as the pengawas's.

mod support;

use serde_json::Value as Json;
use support::{KEY, Office};
use verivali_core::api::{BackcheckAnswer, FinalizeResult, ReviewCommentView, Verivali};
use verivali_receiver::{self as serve, TokenRights, review};

const PASSPHRASE: &str = "tim-desa-kenanga";

fn trust(phone: &Verivali, other: &Verivali, label: &str, pengawas: bool) {
    phone.trust_signing_key(other.signing_public_key().unwrap(), label.into(), pengawas).unwrap();
}

fn hand(from: &Verivali, to: &Verivali, dir: &std::path::Path) -> verivali_core::api::BundleImport {
    let written = from.export_bundle(dir.display().to_string(), PASSPHRASE.into()).unwrap();
    to.import_bundle(written.path, PASSPHRASE.into()).unwrap()
}

fn state_on_receiver(office: &Office, instance_id: &str) -> (String, Vec<Json>) {
    let detail = review::show(office.path(), &KEY, instance_id).unwrap().expect("stored");
    let events = serde_json::to_value(&detail.history).unwrap();
    (detail.summary.state, events.as_array().cloned().unwrap_or_default())
}

/// Every answer value a pengawas can see on the interview's review page now.
fn answer_values(phone: &Verivali, instance_id: &str) -> Vec<String> {
    let detail = phone.team_interview_detail(instance_id.into()).unwrap();
    detail.sections.iter().flat_map(|s| &s.answers).map(|a| a.value.clone()).collect()
}

/// The household head's name and NIK in the sample prelist: what the household tells the
/// pengawas, and (preloaded, unchanged) what the enumerator's interview holds.
fn head_in_prelist(household: &str) -> (String, String) {
    let prelist =
        std::fs::read_to_string(support::fixtures().join("prelist/sample.jsonl")).unwrap();
    let record: Json = prelist
        .lines()
        .map(|line| serde_json::from_str::<Json>(line).unwrap())
        .find(|r| r["id_dtks"] == household)
        .unwrap();
    let head =
        record["members"].as_array().unwrap().iter().find(|m| m["hubungan_krt"] == "1").unwrap();
    (head["nama"].as_str().unwrap().to_owned(), head["nik"].as_str().unwrap().to_owned())
}

/// Back-checks Ayu's household with one answer changed (the status) and Cici's with the same
/// answers; returns (instanceID, asked, differ) as the test counts them itself, sorted.
fn back_check(siti: &Verivali, ayus: &str, cicis: &str) -> Vec<(String, u32, u32)> {
    let mut counted = Vec::new();
    for (id, change_status) in [(ayus, true), (cicis, false)] {
        siti.pick_backcheck(id.into()).unwrap();
        let listed = siti.team_interviews().unwrap();
        let entry = listed.iter().find(|t| t.instance_id == id).unwrap();
        assert_eq!(entry.status, None, "the status is hidden until the back-check");
        assert!(entry.reasons.iter().all(|r| !r.starts_with("status_")), "{:?}", entry.reasons);
        let (head_name, head_nik) = head_in_prelist(entry.household.as_deref().unwrap());
        let questions = siti.backcheck_questions(id.into()).unwrap();
        let keys: Vec<&str> = questions.iter().map(|q| q.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "field:/data/status_keberadaan",
                "count:/data/members",
                "head:/data/members/nama",
                "head:/data/members/nik"
            ]
        );
        // Nothing the enumerator answered is in the back-check's questions or on the review
        // page while the back-check waits.
        let shown = format!("{questions:?}");
        assert!(!shown.contains(&head_name) && !shown.contains(&head_nik));
        let visible = answer_values(siti, id);
        assert!(!visible.contains(&head_nik) && !visible.contains(&head_name), "{visible:?}");
        let detail = siti.team_interview_detail(id.into()).unwrap();
        let status_shown = detail
            .sections
            .iter()
            .flat_map(|s| &s.answers)
            .find(|a| a.reference == "/data/status_keberadaan")
            .map(|a| a.value.clone());
        assert_ne!(status_shown.as_deref(), Some("4"), "the status is hidden");
        let refused = siti.backcheck_result(id.into());
        assert!(refused.is_err(), "no comparison before the pengawas answered");
        let status = if change_status { "1" } else { "4" };
        let given = vec![
            BackcheckAnswer { key: "field:/data/status_keberadaan".into(), value: status.into() },
            BackcheckAnswer {
                key: "head:/data/members/nama".into(),
                value: head_name.to_lowercase(),
            },
            BackcheckAnswer { key: "head:/data/members/nik".into(), value: head_nik.clone() },
            BackcheckAnswer { key: "count:/data/members".into(), value: String::new() },
        ];
        let asked = given.iter().filter(|a| !a.value.is_empty()).count() as u32;
        let result = siti.submit_backcheck(id.into(), given.clone()).unwrap();
        assert_eq!((result.asked, result.differ), (asked, u32::from(change_status)), "{result:?}");
        let status_row =
            result.rows.iter().find(|r| r.key == "field:/data/status_keberadaan").unwrap();
        assert_eq!((status_row.first.as_str(), status_row.second.as_str()), ("4", status));
        assert!(siti.submit_backcheck(id.into(), given).is_err(), "a back-check is answered once");
        assert!(answer_values(siti, id).contains(&head_nik), "shown once the back-check is done");
        counted.push((id.to_owned(), asked, u32::from(change_status)));
    }
    let report = siti.backcheck_report().unwrap();
    let ayu = report.enumerators.iter().find(|e| e.enumerator == "Ayu").unwrap();
    assert_eq!((ayu.households, ayu.differ), (1, 1));
    counted.sort();
    counted
}

#[test]
fn a_blank_spot_hand_over_review_and_correction_reach_the_receiver_once() {
    let office = Office::new();
    let area = TokenRights { areas: vec!["52.71".into()], ..TokenRights::default() };
    let cici_token = serve::add_token_with(office.path(), &KEY, "Cici", &area).unwrap();
    let pengawas = TokenRights { pengawas: true, ..area.clone() };
    let siti_token = serve::add_token_with(office.path(), &KEY, "Siti", &pengawas).unwrap();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let ayu = support::phone(&dir.path().join("ayu"), &["5271011009000001"]);
    let cici = support::phone(&dir.path().join("cici"), &["5271011009000002"]);
    let siti = support::phone(&dir.path().join("siti"), &[]);
    // The sample draws no household here: the test picks the ones it back-checks.
    let none_drawn = verivali_core::api::Settings { backcheck_percent: 0, ..siti.settings() };
    siti.update_settings(none_drawn).unwrap();
    // Provisioning in the office: each phone reaches the receiver once (its key registered),
    // and the team's phones trust each other's keys.
    for (phone, token) in [(&ayu, &office.ayu), (&cici, &cici_token), (&siti, &siti_token)] {
        phone.fetch_returns(receiver.url.clone(), Some(token.clone())).unwrap();
    }
    trust(&siti, &ayu, "Ayu", false);
    trust(&siti, &cici, "Cici", false);
    trust(&ayu, &siti, "Siti (pengawas)", true);
    trust(&cici, &siti, "Siti (pengawas)", true);

    // In the blank spot: both hand their interviews to the pengawas's phone.
    let out = dir.path().join("out");
    let from_ayu = hand(&ayu, &siti, &out);
    assert_eq!((from_ayu.submissions, from_ayu.new, from_ayu.signer_label.as_str()), (1, 1, "Ayu"));
    let from_cici = hand(&cici, &siti, &out);
    assert_eq!(from_cici.new, 1);
    let again = hand(&cici, &siti, &out);
    assert_eq!((again.submissions, again.new), (1, 0), "the same interviews twice: stored once");
    let team = siti.team_interviews().unwrap();
    assert_eq!(team.len(), 2);
    let ayus = team.iter().find(|t| t.enumerator == "Ayu").unwrap().clone();
    let cicis = team.iter().find(|t| t.enumerator == "Cici").unwrap().clone();
    assert_eq!(ayus.status.as_deref(), Some("4"));
    assert!(ayus.reasons.contains(&"status_4".to_string()), "{:?}", ayus.reasons);
    assert_eq!(ayus.state, "waiting", "status 4 is always drawn");
    // The same review as the receiver's page: answers by section, photos, the prelist's point.
    let detail = siti.team_interview_detail(ayus.instance_id.clone()).unwrap();
    assert!(detail.unreadable.is_none(), "{:?}", detail.unreadable);
    let status = detail
        .sections
        .iter()
        .flat_map(|s| &s.answers)
        .find(|a| a.reference == "/data/status_keberadaan")
        .expect("the status is shown");
    assert_eq!(status.value, "4");
    assert_eq!(detail.photos.len(), 1);
    let jpeg = siti.team_photo(ayus.instance_id.clone(), detail.photos[0].clone()).unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "the photo as the enumerator took it");

    // The pengawas returns Ayu's visit with a comment on the status; approves Cici's.
    let refused = siti.review_team_interview(ayus.instance_id.clone(), false, vec![], None);
    assert!(refused.is_err(), "a return needs a comment");
    let comment = ReviewCommentView {
        reference: Some("/data/status_keberadaan".into()),
        text: "Tetangga bilang masih tinggal di sini".into(),
    };
    let returned =
        siti.review_team_interview(ayus.instance_id.clone(), false, vec![comment], None).unwrap();
    assert_eq!(returned, "returned");
    siti.review_team_interview(cicis.instance_id.clone(), true, vec![], None).unwrap();

    // The decisions travel back by bundle; Ayu's phone reopens its visit with the comment.
    let back = hand(&siti, &ayu, &out);
    assert_eq!(back.reopened, vec![ayus.instance_id.clone()]);
    let to_cici = hand(&siti, &cici, &out);
    assert!(to_cici.reopened.is_empty(), "Cici's approval reopens nothing");
    let mine = ayu.interviews().unwrap();
    assert!(mine[0].returned_by_pengawas, "shown exactly as a return from the server");
    let visit = ayu.interview(mine[0].interview_id.clone()).unwrap();
    let screen = visit.screen().unwrap();
    let shown = screen.review.expect("the return's banner");
    assert_eq!(shown.comments[0].text, "Tetangga bilang masih tinggal di sini");

    // Ayu corrects it; the correction is an edit naming the handed version.
    visit.answer("/data/status_keberadaan".into(), "1".into()).unwrap();
    assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let outbox = ayu.outbox_status().unwrap();
    assert_eq!(outbox[0].deprecated_id.as_deref(), Some(ayus.instance_id.as_str()));
    let correction_id = outbox[0].instance_id.clone();
    assert_ne!(correction_id, ayus.instance_id);
    hand(&ayu, &siti, &out);
    let team = siti.team_interviews().unwrap();
    let correction = team.iter().find(|t| t.instance_id == correction_id).unwrap();
    assert_eq!(correction.state, "waiting");
    assert_eq!(correction.reasons[0], "correction");
    assert_eq!(correction.corrects.as_deref(), Some(ayus.instance_id.as_str()));
    let corrected = siti.team_interview_detail(correction_id.clone()).unwrap();
    let status = corrected
        .sections
        .iter()
        .flat_map(|s| &s.answers)
        .find(|a| a.reference == "/data/status_keberadaan")
        .unwrap();
    assert_eq!((status.value.as_str(), status.before_correction.as_deref()), ("1", Some("4")));
    siti.review_team_interview(correction_id.clone(), true, vec![], None).unwrap();

    // Back-checks: Siti picks both households and re-asks the tagged questions.
    let back_checked = back_check(&siti, &ayus.instance_id, &cicis.instance_id);
    siti.export_bundle(out.display().to_string(), PASSPHRASE.into()).unwrap();

    // Signal: the pengawas's phone relays the team's bundles and its decisions; then both
    // enumerators' phones upload what their outboxes hold.
    let relayed = siti.relay_bundles(receiver.url.clone(), Some(siti_token.clone())).unwrap();
    assert!(relayed.refused.is_empty(), "{relayed:?}");
    assert!(relayed.relayed >= 4, "{relayed:?}");
    for (phone, token) in [(&ayu, &office.ayu), (&cici, &cici_token)] {
        let sent =
            phone.upload_pending(receiver.url.clone(), Some(token.clone()), 30_000, None, None);
        assert_eq!(sent.unwrap().retry_later, 0);
    }
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let mut held: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT instance_id, enumerator, deprecated_id FROM submissions ORDER BY enumerator, instance_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    held.sort();
    assert_eq!(held.len(), 3, "each interview once: {held:?}");
    assert!(
        held.iter().any(|h| h.0 == correction_id && h.2.as_deref() == Some(&*ayus.instance_id))
    );
    let (returned_state, history) = state_on_receiver(&office, &ayus.instance_id);
    assert_eq!(returned_state, "returned");
    assert!(
        history.iter().any(|e| e["actor"] == "Siti (ponsel / phone)" && e["action"] == "return"),
        "{history:?}"
    );
    assert_eq!(state_on_receiver(&office, &correction_id).0, "approved");
    assert_eq!(state_on_receiver(&office, &cicis.instance_id).0, "approved");
    // The receiver's back-check report equals the phone's, and the test's own count.
    let report = review::backcheck::report_in(office.path(), &KEY).unwrap();
    let mut on_receiver: Vec<(String, u32, u32)> = report
        .households
        .iter()
        .map(|h| (h.instance_id.clone(), h.tally.asked, h.tally.differ))
        .collect();
    on_receiver.sort();
    assert_eq!(on_receiver, back_checked, "the receiver compares as the phone did");
    let ayu_rate = report.enumerators.iter().find(|e| e.enumerator == "Ayu").unwrap();
    let expected: f64 =
        1.0 / f64::from(back_checked.iter().find(|b| b.0 == ayus.instance_id).unwrap().1);
    assert!((ayu_rate.share - expected).abs() < 1e-12, "{ayu_rate:?}");
    let cici_rate = report.enumerators.iter().find(|e| e.enumerator == "Cici").unwrap();
    assert_eq!(cici_rate.tally.differ, 0);
    // The same report in the browser, for a logged-in pengawas.
    serve::add_user(office.path(), &KEY, "siti", serve::Role::Pengawas, "pengawas-rahasia-1")
        .unwrap();
    let (_, cookie) = support::web::login(&receiver.url, "siti", "pengawas-rahasia-1");
    let page = support::web::request(
        &receiver.url,
        "GET",
        "/backchecks",
        &[("Cookie", &cookie.unwrap())],
        b"",
    );
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<mark>berbeda / differs</mark>"), "{}", page.body);
    assert!(page.body.contains(&format!("{:.1} %", ayu_rate.share * 100.0)));
    let anonymous = support::web::request(&receiver.url, "GET", "/backchecks", &[], b"");
    assert_eq!(anonymous.status, 303, "the report needs a login");
    // Nothing comes back from the receiver a second time: the return was applied by bundle.
    let fetched = ayu.fetch_returns(receiver.url.clone(), Some(office.ayu.clone())).unwrap();
    assert!(fetched.reopened.is_empty());
}
