//! Visits through the public API on a real encrypted store: a prelist household preloads, every
//! answer survives reopening, status 1 with an edit needs a reason, and a finalized interview is
//! read-only.

use std::{path::PathBuf, sync::Arc};

use verivali_core::api::{
    AnswerResult, FinalizeResult, Verivali, VerivaliError, WarningConfirmation,
};

const HOUSEHOLD: &str = "5271011009000001";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn provisioned(dir: &std::path::Path) -> Arc<Verivali> {
    let verivali = Verivali::open(dir.display().to_string(), vec![7; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/mini-verivali/form.xml");
    let info = verivali.install_form(form.display().to_string()).unwrap();
    assert_eq!(info.form_id, "mini_verivali");
    let prelist = root().join("test-fixtures/prelist/sample.jsonl");
    verivali.import_prelist(prelist.display().to_string(), None).unwrap();
    verivali
}

fn value(verivali: &Verivali, id: &str, reference: &str) -> String {
    let xml = verivali.interview(id.to_owned()).unwrap().submission_xml().unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let mut node = doc.root_element();
    for step in reference.trim_start_matches("/data/").split('/') {
        let (name, index) = match step.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().unwrap()),
            None => (step, 1),
        };
        node = node.children().filter(|c| c.has_tag_name(name)).nth(index - 1).unwrap();
    }
    node.text().unwrap_or("").to_owned()
}

#[test]
fn prelist_household_preloads_its_members_and_answers_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let interview =
        verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    let id = interview.id();
    assert!(id.starts_with("uuid:"));
    assert_eq!(value(&verivali, &id, "/data/id_dtks"), HOUSEHOLD);
    assert_eq!(value(&verivali, &id, "/data/members[6]/no_art"), "6");
    let answered = interview.answer("/data/status_keberadaan".into(), "1".into()).unwrap();
    assert_eq!(answered.result, AnswerResult::Saved);
    assert_eq!(answered.screen, interview.screen().unwrap(), "the screen comes with the answer");
    drop(interview);
    let reopened = Verivali::open(dir.path().display().to_string(), vec![7; 32], None).unwrap();
    assert_eq!(value(&reopened, &id, "/data/status_keberadaan"), "1");
}

#[test]
fn status_one_with_an_edited_member_needs_a_reason_and_then_is_final_and_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let interview =
        verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    interview.answer("/data/status_keberadaan".into(), "1".into()).unwrap();
    interview.answer("/data/members[2]/nama".into(), "Rizky Firmansyah Putra".into()).unwrap();
    let blocked = interview.finalize(vec![]).unwrap();
    let FinalizeResult::Blocked { form_violations, errors, unconfirmed } = blocked else {
        panic!("{blocked:?}")
    };
    assert_eq!((form_violations.len(), errors.len()), (0, 0), "{errors:?}");
    let rules: Vec<&str> = unconfirmed.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["status.1_changed"]);
    assert_eq!(unconfirmed[0].suggestion.as_deref(), Some("2"));
    let reason = WarningConfirmation {
        rule: "status.1_changed".into(),
        reference: unconfirmed[0].reference.clone(),
        reason: "Ejaan nama diperbaiki sesuai KK".into(),
    };
    let FinalizeResult::Finalized { findings } = interview.finalize(vec![reason]).unwrap() else {
        panic!("not finalized")
    };
    assert_eq!(findings[0].reason.as_deref(), Some("Ejaan nama diperbaiki sesuai KK"));
    let refused = interview.answer("/data/status_keberadaan".into(), "2".into()).unwrap_err();
    assert!(matches!(refused, VerivaliError::Finalized), "{refused}");
}

#[test]
fn a_new_household_starts_blank_and_an_unknown_household_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let new = verivali.start_interview("mini_verivali".into(), None).unwrap();
    assert_eq!(value(&verivali, &new.id(), "/data/id_dtks"), "");
    let screen = new.screen().unwrap();
    assert_eq!(screen.questions[0].reference, "/data/id_dtks");
    let members = new.jump(1).unwrap();
    let prompt = members.repeat_prompt.expect("the members section starts with the add prompt");
    assert_eq!((prompt.repeat.as_str(), prompt.count), ("/data/members", 0));
    let first = new.add_repeat(prompt.repeat).unwrap();
    assert_eq!(first.questions[0].reference, "/data/members[1]/no_art");
    let missing =
        verivali.start_interview("mini_verivali".into(), Some("9999".into())).err().unwrap();
    assert!(matches!(missing, VerivaliError::NotFound { .. }), "{missing}");
    let unknown_form = verivali.start_interview("nope".into(), None).err().unwrap();
    assert!(matches!(unknown_form, VerivaliError::NotFound { .. }));
}

#[test]
fn a_reopened_draft_shows_the_screen_of_the_last_answer() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let interview =
        verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    let id = interview.id();
    interview.answer("/data/members[4]/nama".into(), "Imam Siregar Putra".into()).unwrap();
    drop(interview);
    let reopened = Verivali::open(dir.path().display().to_string(), vec![7; 32], None).unwrap();
    let screen = reopened.interview(id).unwrap().screen().unwrap();
    let shown: Vec<&str> = screen.questions.iter().map(|q| q.reference.as_str()).collect();
    assert_eq!(shown, ["/data/members[4]/nama"]);
    assert_eq!(screen.questions[0].value, "Imam Siregar Putra");
}

#[test]
fn a_draft_started_on_an_older_form_version_still_opens_and_submits_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let old = verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    let old_id = old.id();
    drop(old);
    let newer = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(root().join("test-fixtures/forms/mini-verivali/form.xml"))
        .unwrap()
        .replace(r#"version="1""#, r#"version="2""#)
        .replace("<label>Status keberadaan</label>", "<label>Status keberadaan ruta</label>");
    std::fs::write(newer.path().join("form.xml"), xml).unwrap();
    let info = verivali.install_form(newer.path().join("form.xml").display().to_string()).unwrap();
    assert_eq!(info.version, "2");
    assert_eq!(verivali.forms().unwrap().len(), 2, "both versions are kept");
    let fresh = verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    assert!(fresh.submission_xml().unwrap().contains(r#"version="2""#));
    let resumed = verivali.interview(old_id).unwrap();
    resumed.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    assert!(matches!(resumed.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    assert!(
        resumed.submission_xml().unwrap().contains(r#"version="1""#),
        "submitted with its own version"
    );
}

#[test]
fn visits_list_each_interview_with_its_household_state_and_upload() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let draft = verivali.start_interview("mini_verivali".into(), None).unwrap();
    let done = verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    done.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    let finalized = done.finalize(vec![]).unwrap();
    assert!(matches!(finalized, FinalizeResult::Finalized { .. }), "{finalized:?}");
    let interviews = verivali.interviews().unwrap();
    assert_eq!(interviews.len(), 2);
    let of = |id: &str| interviews.iter().find(|v| v.interview_id == id).unwrap().clone();
    assert_eq!(of(&draft.id()).id_dtks, None, "a new household");
    assert_eq!(of(&draft.id()).status, verivali_core::api::InterviewStatus::Draft);
    assert_eq!(of(&draft.id()).upload, None);
    assert_eq!(of(&done.id()).id_dtks.as_deref(), Some(HOUSEHOLD));
    assert_eq!(of(&done.id()).status, verivali_core::api::InterviewStatus::Finalized);
    assert_eq!(of(&done.id()).upload, Some(verivali_core::api::UploadState::Queued));
}

#[test]
fn opening_a_household_finds_its_draft_until_it_is_finalized() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    assert_eq!(verivali.open_draft_of(HOUSEHOLD.into()).unwrap(), None);
    let visit = verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    assert_eq!(verivali.open_draft_of(HOUSEHOLD.into()).unwrap(), Some(visit.id()));
    visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
    assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    assert_eq!(verivali.open_draft_of(HOUSEHOLD.into()).unwrap(), None);
}

#[test]
fn a_screen_inside_a_member_names_that_member_for_removal() {
    let dir = tempfile::tempdir().unwrap();
    let verivali = provisioned(dir.path());
    let visit = verivali.start_interview("mini_verivali".into(), Some(HOUSEHOLD.into())).unwrap();
    assert_eq!(visit.screen().unwrap().repeat_instance, None);
    let members = visit.jump(1).unwrap();
    assert_eq!(members.repeat_instance.as_deref(), Some("/data/members[1]"));
    assert!(members.questions[0].reference.starts_with("/data/members[1]/"));
}
