//! Loading forms: the conformance suite's forms load, and bad forms fail saying where.

use std::collections::HashMap;

use super::*;

fn conformance_forms() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/conformance/forms")
}

fn tutorial() -> String {
    std::fs::read_to_string(conformance_forms().join("18-pyx-tutorial/form.xml")).unwrap()
}

fn minimal(binds: &str, body: &str) -> String {
    format!(
        r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>t</h:title><model>
<instance><data id="t"><a/><b/></data></instance>
{binds}
</model></h:head>
<h:body>{body}</h:body></h:html>"#
    )
}

struct Files(HashMap<&'static str, &'static [u8]>);

impl ExternalInstances for Files {
    fn fetch(&self, src: &str) -> Option<Vec<u8>> {
        self.0.get(src).map(|b| b.to_vec())
    }
}

#[test]
fn tutorial_form_loads_with_its_binds_repeat_and_itemsets() {
    let form = FormDef::parse(&tutorial(), &NoExternalInstances).unwrap();
    assert_eq!(form.title, "tutorial");
    assert_eq!(form.form_id, "tutorial");
    assert_eq!(form.binds.len(), 11);
    assert_eq!(
        form.secondary.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["relationships", "sexes", "yes_no"]
    );
    let age = form.bind("/data/member/age_in_months").unwrap();
    assert_eq!(age.data_type, DataType::Int);
    assert!(age.relevant.is_some() && age.constraint.is_some());
    assert_eq!(form.bind("/data/meta/instanceID").unwrap().preload, Some(("uid".into(), None)));
    let repeat = form.controls().into_iter().find(|c| c.kind == ControlKind::Repeat).unwrap();
    assert_eq!(repeat.reference.as_deref(), Some("/data/member"));
    assert_eq!(repeat.children.len(), 10);
    assert!(matches!(repeat.children[1].choices, Some(Choices::Itemset(_))));
}

/// Gives every external instance as empty, as the recorded JavaRosa runs had them (the suite
/// ships no CSV for form 24).
struct EmptyExternalInstances;

impl ExternalInstances for EmptyExternalInstances {
    fn fetch(&self, _: &str) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
}

#[test]
fn every_conformance_form_loads() {
    let mut loaded = 0;
    for entry in std::fs::read_dir(conformance_forms()).unwrap() {
        let dir = entry.unwrap().path();
        let xml = std::fs::read_to_string(dir.join("form.xml")).unwrap();
        if let Err(e) = FormDef::parse(&xml, &EmptyExternalInstances) {
            panic!("{} does not load: {e}", dir.display());
        }
        loaded += 1;
    }
    assert!(loaded >= 20, "only {loaded} forms found");
}

#[test]
fn labels_keep_text_and_outputs_in_order_and_itext_has_every_language() {
    let xml = r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>t</h:title><model>
<itext>
  <translation lang="Bahasa Indonesia" default="true()"><text id="/data/a:label"><value>Nama <output value="/data/b"/>?</value></text></translation>
  <translation lang="English"><text id="/data/a:label"><value>Name of <output value="/data/b"/>?</value></text></translation>
</itext>
<instance><data id="t"><a/><b/></data></instance>
</model></h:head>
<h:body><input ref="/data/a"><label ref="jr:itext('/data/a:label')"/></input>
<input ref="/data/b"><label>Hi <output value="/data/a"/>!</label></input></h:body></h:html>"#;
    let form = FormDef::parse(xml, &NoExternalInstances).unwrap();
    assert_eq!(form.itext.languages, ["Bahasa Indonesia", "English"]);
    assert_eq!(form.itext.default_language.as_deref(), Some("Bahasa Indonesia"));
    let english = form.itext.plain("English", "/data/a:label").unwrap();
    assert!(matches!(&english[0], TextPart::Literal(t) if t == "Name of "));
    assert!(matches!(&english[1], TextPart::Output(x) if x.source() == "/data/b"));
    let Some(Text::Parts(parts)) = &form.body[1].label else { panic!() };
    assert_eq!(parts.len(), 3);
}

#[test]
fn a_form_calling_an_unknown_function_loads_and_warns_naming_the_bind_and_the_function() {
    let xml = minimal(r#"<bind nodeset="/data/a" relevant="fancy-thing(/data/b)"/>"#, "");
    let form = FormDef::parse(&xml, &NoExternalInstances).expect("it loads, as in ODK Collect");
    let [warning] = form.call_warnings.as_slice() else { panic!("{:?}", form.call_warnings) };
    let FormError::Expression { place, source, line } = warning else { panic!("{warning:?}") };
    assert_eq!(place, "bind /data/a relevant");
    assert_eq!(*source, XPathError::UnknownFunction { name: "fancy-thing".into() });
    assert_eq!(*line, 4);
    assert!(warning.to_string().contains("fancy-thing()"));
}

#[test]
fn xpath_syntax_error_gives_its_position() {
    let xml = minimal(r#"<bind nodeset="/data/a" constraint=". &gt; "/>"#, "");
    let err = FormDef::parse(&xml, &NoExternalInstances).unwrap_err();
    assert!(
        matches!(err, FormError::Expression { source: XPathError::Syntax { offset: 4, .. }, .. }),
        "{err:?}"
    );
}

#[test]
fn malformed_xml_names_line_and_column() {
    let xml = minimal("", "<input ref=\"/data/a\"><label>x</input>");
    let err = FormDef::parse(&xml, &NoExternalInstances).unwrap_err();
    assert!(
        matches!(
            err,
            FormError::Xml(crate::dom::ParseError::Malformed { line: 6, column: 38, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn entity_expansion_attack_is_refused() {
    let xml = format!(
        "<!DOCTYPE h:html [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>{}",
        minimal("", "")
    );
    assert!(matches!(
        FormFormat::check(&xml),
        Err(FormError::Xml(crate::dom::ParseError::Dtd { .. }))
    ));
}

#[test]
fn ten_thousand_deep_nesting_is_refused_without_recursing() {
    let deep = format!("{}{}", "<group>".repeat(10_000), "</group>".repeat(10_000));
    let xml = minimal("", &deep);
    assert!(matches!(
        FormFormat::check(&xml),
        Err(FormError::Xml(crate::dom::ParseError::TooDeep { .. }))
    ));
}

#[test]
fn missing_external_instance_is_named_and_a_provided_csv_is_read() {
    let xml = r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>t</h:title><model>
<instance><data id="t"><desa/></data></instance>
<instance id="desa" src="jr://file/desa.csv"/>
</model></h:head><h:body/></h:html>"#;
    let err = FormDef::parse(xml, &NoExternalInstances).unwrap_err();
    assert_eq!(
        err,
        FormError::MissingInstance { id: "desa".into(), src: "jr://file/desa.csv".into() }
    );
    let files = Files(HashMap::from([("jr://file/desa.csv", &b"name,label\n2001,Cibodas\n"[..])]));
    let form = FormDef::parse(xml, &files).unwrap();
    assert_eq!(form.secondary[0].1.children(form.secondary[0].1.root()).count(), 1);
}

fn with_choices(instance_content: &str, body: &str) -> String {
    minimal(&format!(r#"<instance id="yn">{instance_content}</instance>"#), body)
}

#[test]
fn secondary_instance_content_is_read_into_its_own_tree() {
    let xml =
        with_choices("<root><item><name>1</name><label>Ya &amp; benar</label></item></root>", "");
    let form = FormDef::parse(&xml, &NoExternalInstances).unwrap();
    let (id, yn) = &form.secondary[0];
    assert_eq!(id, "yn");
    let item = yn.child(yn.root(), "item").unwrap();
    assert_eq!(yn.string_value(yn.child(item, "label").unwrap()), "Ya & benar");
}

#[test]
fn malformed_secondary_instance_names_its_line_and_column_in_the_form() {
    let xml = with_choices("\n<root><item><name>1</nama></item></root>", "");
    let err = FormDef::parse(&xml, &NoExternalInstances).unwrap_err();
    assert!(
        matches!(
            err,
            FormError::Xml(crate::dom::ParseError::Malformed { line: 5, column: 20, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn positions_after_a_cut_secondary_instance_are_those_of_the_original_text() {
    // All on one line, as in generated forms: the column must count the cut content.
    let xml = r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>t</h:title><model><instance><data id="t"><a/></data></instance><instance id="yn"><root><item><name>1</name><label>Ya</label></item></root></instance></model></h:head><h:body><input ref="/data/a"><label>x</input></h:body></h:html>"#;
    let err = FormDef::parse(xml, &NoExternalInstances).unwrap_err();
    let FormError::Xml(crate::dom::ParseError::Malformed { line, column, reason }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(line, 1);
    let at = xml.chars().skip(column as usize - 1).collect::<String>();
    assert!(at.starts_with("</input>"), "column {column} points at {at}");
    assert!(!reason.contains(" at "), "the position is not repeated from the cut text: {reason}");
}

#[test]
fn unknown_entity_and_bad_output_in_itext_are_refused_naming_where() {
    let itext = |value: &str| {
        minimal(
            &format!(
                r#"<itext><translation lang="id"><text id="a"><value>{value}</value></text></translation></itext>"#
            ),
            "",
        )
    };
    let err = FormDef::parse(&itext("Rp &euro;"), &NoExternalInstances).unwrap_err();
    assert!(
        matches!(err, FormError::Xml(crate::dom::ParseError::Malformed { line: 4, .. })),
        "{err:?}"
    );
    let err =
        FormDef::parse(&itext(r#"<output value="/data/a +"/>"#), &NoExternalInstances).unwrap_err();
    let FormError::Expression { place, line, .. } = err else { panic!("{err:?}") };
    assert_eq!((place.as_str(), line), ("the output in itext 'a' (id)", 4));
}

#[test]
fn deep_nesting_inside_a_secondary_instance_is_refused() {
    let deep = format!("{}{}", "<x>".repeat(10_000), "</x>".repeat(10_000));
    assert!(matches!(
        FormFormat::check(&with_choices(&deep, "")),
        Err(FormError::Xml(crate::dom::ParseError::TooDeep { .. }))
    ));
}

/// Loads a form and discards it; for tests that only look at the error.
struct FormFormat;

impl FormFormat {
    fn check(xml: &str) -> Result<(), FormError> {
        FormDef::parse(xml, &NoExternalInstances).map(|_| ())
    }
}
