//! Sessions on small forms: answers, constraints, requiredness, relevance, repeats, and
//! recomputing only what depends on an answer.

use std::sync::Arc;

use super::*;
use crate::definition::NoExternalInstances;

fn form(instance: &str, binds: &str, body: &str) -> Arc<Form> {
    let xml = format!(
        r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>t</h:title><model><instance>{instance}</instance>{binds}</model></h:head>
<h:body>{body}</h:body></h:html>"#
    );
    Arc::new(Form::load(&xml, &NoExternalInstances).unwrap())
}

fn clock() -> Clock {
    Clock { now_ms: 1_764_288_000_000, tz_offset_minutes: 7 * 60, seed: 9 }
}

fn value(session: &Session, reference: &str) -> String {
    session.document().get(session.resolve(reference).unwrap()).text.clone()
}

fn household() -> Arc<Form> {
    form(
        r#"<data id="hh"><status/><reason/><size/><adults/><noise/>
           <member jr:template=""><name/><age/><adult/></member><meta><instanceID/></meta></data>"#,
        r#"<bind nodeset="/data/status" type="int" required="true()" constraint=". &gt;= 1 and . &lt;= 5" jr:constraintMsg="Status 1-5"/>
           <bind nodeset="/data/reason" relevant="/data/status = 3" required="true()"/>
           <bind nodeset="/data/size" calculate="count(/data/member)"/>
           <bind nodeset="/data/member/age" type="int"/>
           <bind nodeset="/data/member/adult" calculate="../age &gt;= 17"/>
           <bind nodeset="/data/adults" calculate="sum(/data/member/adult)"/>
           <bind nodeset="/data/noise" calculate="random()"/>
           <bind nodeset="/data/meta/instanceID" readonly="true()" jr:preload="uid"/>"#,
        r#"<input ref="/data/status"/><input ref="/data/reason"/>
           <repeat nodeset="/data/member"><input ref="/data/member/name"/><input ref="/data/member/age"/></repeat>"#,
    )
}

#[test]
fn a_new_session_has_its_preloads_and_calculations() {
    let s = Session::start(household(), clock()).unwrap();
    assert!(value(&s, "/data/meta/instanceID").starts_with("uuid:"));
    assert_eq!(value(&s, "/data/size"), "0");
    assert!(!s.is_relevant(s.resolve("/data/reason").unwrap()));
}

#[test]
fn an_answer_that_breaks_the_constraint_is_refused_with_the_forms_message_and_not_kept() {
    let mut s = Session::start(household(), clock()).unwrap();
    assert_eq!(s.answer("/data/status", "2").unwrap(), AnswerOutcome::Saved);
    assert_eq!(
        s.answer("/data/status", "9").unwrap(),
        AnswerOutcome::ConstraintViolated { message: Some("Status 1-5".into()) }
    );
    assert_eq!(value(&s, "/data/status"), "2");
}

#[test]
fn an_answer_that_does_not_fit_the_type_is_refused_and_not_kept() {
    let mut s = Session::start(household(), clock()).unwrap();
    s.answer("/data/status", "2").unwrap();
    let AnswerOutcome::Invalid(invalid) = s.answer("/data/status", "dua").unwrap() else {
        panic!()
    };
    assert_eq!(invalid.expected_en, "a whole number");
    assert_eq!(value(&s, "/data/status"), "2");
}

#[test]
fn clearing_a_required_question_is_refused() {
    let mut s = Session::start(household(), clock()).unwrap();
    s.answer("/data/status", "1").unwrap();
    assert_eq!(s.answer("/data/status", "").unwrap(), AnswerOutcome::RequiredButEmpty);
    assert_eq!(value(&s, "/data/status"), "1");
}

#[test]
fn relevance_follows_the_answer_and_a_non_relevant_node_is_left_out_of_the_submission() {
    let mut s = Session::start(household(), clock()).unwrap();
    s.answer("/data/status", "3").unwrap();
    let reason = s.resolve("/data/reason").unwrap();
    assert!(s.is_relevant(reason));
    s.answer("/data/reason", "pindah").unwrap();
    assert!(s.submission_xml().contains("<reason>pindah</reason>"));
    s.answer("/data/status", "1").unwrap();
    assert!(!s.is_relevant(reason));
    assert!(!s.submission_xml().contains("reason"));
}

#[test]
fn repeats_grow_from_the_template_and_aggregates_follow() {
    let mut s = Session::start(household(), clock()).unwrap();
    s.add_repeat("/data/member").unwrap();
    s.answer("/data/member[1]/age", "40").unwrap();
    s.answer("/data/member[2]/age", "12").unwrap(); // creates the second instance
    assert_eq!(value(&s, "/data/size"), "2");
    assert_eq!(value(&s, "/data/member[1]/adult"), "1");
    assert_eq!(value(&s, "/data/member[2]/adult"), "0");
    assert_eq!(value(&s, "/data/adults"), "1");
    s.remove_repeat("/data/member[1]").unwrap();
    assert_eq!(value(&s, "/data/size"), "1");
    assert_eq!(value(&s, "/data/adults"), "0");
    assert_eq!(
        s.indexed_reference(s.resolve("/data/member[1]/age").unwrap()),
        "/data/member[1]/age"
    );
}

#[test]
fn an_answer_recomputes_only_what_depends_on_it() {
    let mut s = Session::start(household(), clock()).unwrap();
    let noise = value(&s, "/data/noise");
    s.answer("/data/status", "2").unwrap();
    s.add_repeat("/data/member").unwrap();
    assert_eq!(value(&s, "/data/noise"), noise, "random() reads nothing, so nothing recomputes it");
}

#[test]
fn answering_a_node_that_does_not_exist_names_it() {
    let mut s = Session::start(household(), clock()).unwrap();
    assert_eq!(
        s.answer("/data/nope", "1"),
        Err(SessionError::NoSuchNode { reference: "/data/nope".into() })
    );
    assert_eq!(
        s.add_repeat("/data/status"),
        Err(SessionError::NotARepeat { reference: "/data/status".into() })
    );
}

#[test]
fn a_cycle_in_the_form_fails_the_load_naming_its_nodes() {
    let xml = r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>t</h:title><model>
<instance><data id="t"><a/><b/></data></instance>
<bind nodeset="/data/a" calculate="/data/b + 1"/><bind nodeset="/data/b" calculate="/data/a + 1"/></model></h:head><h:body/></h:html>"#;
    let err = Form::load(xml, &NoExternalInstances).unwrap_err();
    assert!(matches!(err, LoadError::Cycle(_)));
    let text = err.to_string();
    assert!(text.contains("/data/a") && text.contains("/data/b"), "{text}");
}

fn survey() -> Arc<Form> {
    form(
        r#"<data id="s"><status/><hh><rooms/><floor/><roof/></hh>
           <member jr:template=""><name/><age/><school/></member><photo/><done/></data>"#,
        r#"<bind nodeset="/data/status" type="int"/>
           <bind nodeset="/data/hh" relevant="/data/status != 3"/>
           <bind nodeset="/data/hh/rooms" type="int" constraint=". &gt; 0" jr:constraintMsg="Minimal 1 / At least 1"/>
           <bind nodeset="/data/hh/floor" constraint=". != /data/status" jr:constraintMsg="Bukan status / Not the status"/>
           <bind nodeset="/data/member/age" type="int"/>
           <bind nodeset="/data/member/school" relevant="../age &gt;= 5"/>
           <bind nodeset="/data/photo" type="binary"/>
           <bind nodeset="/data/done" readonly="true()"/>"#,
        r#"<select1 ref="/data/status"><label>Status</label><item><label>Ditemukan</label><value>1</value></item><item><label>Tidak ditemukan</label><value>3</value></item></select1>
           <group ref="/data/hh" appearance="field-list"><label>Perumahan</label>
             <input ref="/data/hh/rooms"><label>Kamar</label></input>
             <input ref="/data/hh/floor"><label>Lantai</label></input>
             <input ref="/data/hh/roof"><label>Atap</label></input></group>
           <group ref="/data/member"><label>Anggota</label><repeat nodeset="/data/member">
             <input ref="/data/member/name"><label>Nama</label></input>
             <input ref="/data/member/age"><label>Umur</label></input>
             <input ref="/data/member/school"><label>Sekolah</label></input></repeat></group>
           <upload ref="/data/photo" mediatype="image/*"><label>Foto rumah</label></upload>
           <input ref="/data/done"><label>Selesai</label></input>"#,
    )
}

fn describe(screens: &[Screen]) -> Vec<String> {
    screens
        .iter()
        .map(|s| match s {
            Screen::Questions { questions, .. } => {
                questions.iter().map(|q| q.reference.as_str()).collect::<Vec<_>>().join(" + ")
            }
            Screen::RepeatPrompt { repeat, count, .. } => format!("add {repeat}? ({count})"),
        })
        .collect()
}

#[test]
fn a_field_list_group_is_one_screen_and_a_repeat_ends_with_an_add_prompt() {
    let mut s = Session::start(survey(), clock()).unwrap();
    s.add_repeat("/data/member").unwrap();
    s.answer("/data/member[1]/age", "3").unwrap();
    assert_eq!(
        describe(&s.screens().unwrap()),
        [
            "/data/status",
            "/data/hh/rooms + /data/hh/floor + /data/hh/roof",
            "/data/member[1]/name",
            "/data/member[1]/age",
            "add /data/member? (1)",
            "/data/photo",
            "/data/done",
        ]
    );
}

#[test]
fn screens_follow_relevance_as_answers_change() {
    let mut s = Session::start(survey(), clock()).unwrap();
    s.answer("/data/status", "3").unwrap();
    let screens = describe(&s.screens().unwrap());
    assert!(!screens.iter().any(|d| d.contains("/data/hh")), "{screens:?}");
    s.answer("/data/status", "1").unwrap();
    s.add_repeat("/data/member").unwrap();
    s.answer("/data/member[1]/age", "9").unwrap();
    assert!(describe(&s.screens().unwrap()).contains(&"/data/member[1]/school".to_owned()));
}

#[test]
fn screen_questions_carry_kind_choices_labels_and_the_constraint_error() {
    let mut s = Session::start(survey(), clock()).unwrap();
    let screens = s.screens().unwrap();
    let Screen::Questions { questions, .. } = &screens[0] else { panic!() };
    assert_eq!(questions[0].kind, QuestionKind::SelectOne);
    assert_eq!(
        questions[0].choices.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
        ["Ditemukan", "Tidak ditemukan"]
    );
    let Screen::Questions { title, questions, section } = &screens[1] else { panic!() };
    assert_eq!((title.as_deref(), section.as_deref()), (Some("Perumahan"), Some("Perumahan")));
    assert_eq!(questions[0].kind, QuestionKind::Integer);
    assert_eq!(
        s.answer("/data/hh/rooms", "0").unwrap(),
        AnswerOutcome::ConstraintViolated { message: Some("Minimal 1 / At least 1".into()) }
    );
    // A stored value that a later answer makes wrong shows its message on the screen.
    s.answer("/data/status", "2").unwrap();
    s.answer("/data/hh/floor", "1").unwrap();
    s.answer("/data/status", "1").unwrap();
    let screens = s.screens().unwrap();
    let Screen::Questions { questions, .. } = &screens[1] else { panic!() };
    assert_eq!(questions[1].error.as_deref(), Some("Bukan status / Not the status"));
    assert_eq!(questions[0].error, None);
    let kinds: Vec<QuestionKind> = s
        .screens()
        .unwrap()
        .iter()
        .filter_map(|screen| match screen {
            Screen::Questions { questions, .. } => Some(questions[0].kind),
            _ => None,
        })
        .collect();
    assert!(
        kinds.contains(&QuestionKind::Photo) && kinds.contains(&QuestionKind::Note),
        "{kinds:?}"
    );
}

#[test]
fn sections_are_the_top_level_groups_with_their_first_screen() {
    let mut s = Session::start(survey(), clock()).unwrap();
    s.add_repeat("/data/member").unwrap();
    assert_eq!(s.sections().unwrap(), [("Perumahan".to_owned(), 1), ("Anggota".to_owned(), 2)]);
}

#[test]
fn a_draft_resumes_exactly_where_it_stopped() {
    let mut s = Session::start(household(), clock()).unwrap();
    s.answer("/data/status", "3").unwrap();
    s.answer("/data/reason", "pindah").unwrap();
    s.answer("/data/member[2]/age", "40").unwrap();
    s.answer("/data/status", "1").unwrap(); // reason is kept but no longer relevant
    let draft = s.instance_xml();
    assert!(draft.contains("<reason>pindah</reason>"), "a draft keeps non-relevant answers");
    let resumed = Session::resume(household(), clock(), &draft).unwrap();
    // Calculations are recomputed on reopening, as ODK Collect does, so a bare random() is
    // drawn again (forms use once(random()) to keep one); everything else is as it was.
    let without_noise = |session: &Session| {
        session
            .node_snapshots()
            .into_iter()
            .filter(|n| n.reference != "/data/noise")
            .collect::<Vec<_>>()
    };
    assert_eq!(without_noise(&resumed), without_noise(&s));
    assert_eq!(resumed.questions().unwrap(), s.questions().unwrap());
}

#[test]
fn a_draft_of_another_form_or_broken_xml_is_refused() {
    let other = form(r#"<data id="other"><x/></data>"#, "", "");
    let draft = Session::start(other, clock()).unwrap().instance_xml();
    assert!(matches!(Session::resume(household(), clock(), &draft), Err(ResumeError::OtherForm)));
    assert!(matches!(Session::resume(household(), clock(), "<data"), Err(ResumeError::Xml(_))));
}

#[test]
fn non_relevant_nodes_are_invisible_to_paths_as_in_javarosa() {
    // Behaviour checked live against JavaRosa 5.1.0 with tools/conformance --live.
    let f = form(
        r#"<data id="pos"><flag/><c/><r jr:template=""><count/><x/></r><r><count/><x>a</x></r><r><count/><x>b</x></r></data>"#,
        r#"<bind nodeset="/data/r" relevant="/data/flag = 'y'"/>
           <bind nodeset="/data/r/count" calculate="position(..)"/>
           <bind nodeset="/data/c" calculate="count(/data/r/x)"/>"#,
        r#"<input ref="/data/flag"/><repeat nodeset="/data/r"><input ref="/data/r/x"/></repeat>"#,
    );
    let mut s = Session::start(f, clock()).unwrap();
    assert_eq!((value(&s, "/data/c"), value(&s, "/data/r[2]/count")), ("0".into(), "0".into()));
    s.answer("/data/flag", "y").unwrap();
    assert_eq!((value(&s, "/data/c"), value(&s, "/data/r[2]/count")), ("2".into(), "2".into()));
}

fn household_record() -> serde_json::Value {
    serde_json::json!({
        "status": "1",
        "member": [{"name": "Wayan Santoso", "age": "24"}, {"name": "Dewi Wijaya", "age": "12"}],
        "not_in_form": "x",
        "meta": {"deviceid": "d"}
    })
}

#[test]
fn a_prefilled_start_writes_values_groups_and_members_and_computes_from_them() {
    let (s, unmatched) =
        Session::start_prefilled(household(), clock(), &household_record()).unwrap();
    assert_eq!(value(&s, "/data/status"), "1");
    assert_eq!(value(&s, "/data/member[2]/name"), "Dewi Wijaya");
    assert_eq!(value(&s, "/data/size"), "2");
    assert_eq!(value(&s, "/data/adults"), "1");
    assert!(value(&s, "/data/meta/instanceID").starts_with("uuid:"), "preloads still apply");
    assert_eq!(unmatched, ["/data/meta/deviceid", "/data/not_in_form"]);
}

#[test]
fn the_record_is_the_baseline_for_what_changed() {
    let record = household_record();
    let (mut s, _) = Session::start_prefilled(household(), clock(), &record).unwrap();
    assert!(!s.differs_from(&record), "untouched");
    s.answer("/data/member[2]/age", "13").unwrap();
    assert!(s.differs_from(&record), "a member's age edited");
    s.answer("/data/member[2]/age", "12").unwrap();
    assert!(!s.differs_from(&record), "edited back");
    s.add_repeat("/data/member").unwrap();
    assert!(s.differs_from(&record), "a member added");
}

#[test]
fn a_record_with_fewer_members_than_the_form_starts_with_removes_the_rest() {
    let with_two = household();
    let (mut s, _) = Session::start_prefilled(
        Arc::clone(&with_two),
        clock(),
        &serde_json::json!({"member": [{"name": "A"}, {"name": "B"}]}),
    )
    .unwrap();
    s.answer("/data/status", "2").unwrap();
    let resumed = Session::resume(with_two, clock(), &s.instance_xml()).unwrap();
    let record = serde_json::json!({"member": [{"name": "A"}]});
    assert!(resumed.differs_from(&record));
    let (one, _) = Session::start_prefilled(household(), clock(), &record).unwrap();
    assert_eq!(value(&one, "/data/size"), "1");
}

#[test]
fn an_answer_the_filter_no_longer_offers_is_dropped_and_what_depends_on_it_follows() {
    let s = &mut Session::start(
        form(
            r#"<data id="cf"><prov/><kab/><kabs/><label/></data></instance>
               <instance id="kab"><root>
                 <item><name>3201</name><prov>32</prov></item>
                 <item><name>3202</name><prov>32</prov></item>
                 <item><name>3301</name><prov>33</prov></item>
               </root>"#,
            r#"<bind nodeset="/data/label" calculate="concat('kab ', /data/kab, ' | ', /data/kabs)"/>"#,
            r#"<select1 ref="/data/prov"><item><value>32</value></item><item><value>33</value></item></select1>
               <select1 ref="/data/kab"><itemset nodeset="instance('kab')/root/item[prov = /data/prov]"><value ref="name"/><label ref="name"/></itemset></select1>
               <select ref="/data/kabs"><itemset nodeset="instance('kab')/root/item[prov = /data/prov or name = '3202']"><value ref="name"/><label ref="name"/></itemset></select>"#,
        ),
        clock(),
    )
    .unwrap();
    s.answer("/data/prov", "32").unwrap();
    s.answer("/data/kab", "3201").unwrap();
    s.answer("/data/kabs", "3201 3202").unwrap();
    assert_eq!(value(s, "/data/label"), "kab 3201 | 3201 3202");
    s.answer("/data/prov", "33").unwrap();
    assert_eq!(value(s, "/data/kab"), "", "3201 is not in province 33");
    assert_eq!(value(s, "/data/kabs"), "3202", "the rest of a multiple choice stays");
    assert_eq!(value(s, "/data/label"), "kab  | 3202", "recomputed at once (ADR 0017)");
}
