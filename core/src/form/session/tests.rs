//! Sessions on small forms: answers, constraints, requiredness, relevance, repeats, and
//! recomputing only what depends on an answer.

use std::sync::Arc;

use super::*;
use crate::form::definition::NoExternalInstances;

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
