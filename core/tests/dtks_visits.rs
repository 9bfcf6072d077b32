//! The DTKS verivali questionnaire with the registry's rules, through the public API on a real
//! store with the sample prelist: each path of the issue asserts its exact rule outcomes.

use std::{path::PathBuf, sync::Arc};

use verivali_core::api::{
    AnswerResult, FinalizeResult, FindingSeverity, GeopointInput, Interview, RuleFinding, Verivali,
};

const FORM_ID: &str = "dtks_verivali";
/// The first sample household: six members, all present, the head (member 1) is the pengurus.
const CLEAN: &str = "5271011009000001";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Field {
    _dir: tempfile::TempDir,
    verivali: Arc<Verivali>,
}

fn field() -> Field {
    let dir = tempfile::tempdir().unwrap();
    let verivali = Verivali::open(dir.path().display().to_string(), vec![3; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/dtks-verivali/form.xml");
    verivali.install_form(form.display().to_string()).unwrap();
    verivali
        .import_prelist(
            root().join("test-fixtures/prelist/sample.jsonl").display().to_string(),
            None,
        )
        .unwrap();
    Field { _dir: dir, verivali }
}

fn visit(field: &Field, household: Option<&str>) -> Arc<Interview> {
    field.verivali.start_interview(FORM_ID.into(), household.map(str::to_owned)).unwrap()
}

fn answer(interview: &Interview, reference: &str, value: &str) {
    let result = interview.answer(reference.into(), value.into()).unwrap().result;
    assert_eq!(result, AnswerResult::Saved, "{reference} = {value}");
}

/// The rule findings, as (rule, severity, suggestion), leaving out the informational ones.
fn outcomes(interview: &Interview) -> Vec<(String, FindingSeverity, Option<String>)> {
    interview
        .findings()
        .unwrap()
        .into_iter()
        .filter(|f| f.severity != FindingSeverity::Info)
        .map(|f: RuleFinding| (f.rule, f.severity, f.suggestion))
        .collect()
}

fn rules(interview: &Interview) -> Vec<String> {
    outcomes(interview).into_iter().map(|(rule, ..)| rule).collect()
}

fn none() -> Vec<String> {
    Vec::new()
}

/// The KYC block filled in from the pengurus member (member 1 of the clean household).
fn kyc_of_head(interview: &Interview) {
    answer(interview, "/data/kyc/nama", "Wayan Santoso");
    answer(interview, "/data/kyc/nik", "5271010711026972");
    answer(interview, "/data/kyc/tanggal_lahir", "2002-11-07");
    answer(interview, "/data/kyc/nama_ibu_kandung", "Suryani Manurung");
}

/// The house photo and location that a found household (status 1 or 2) needs to finalize.
fn evidence(interview: &Interview) {
    let photo = root().join("test-fixtures/photos/exif-1.jpg").display().to_string();
    interview.attach_photo("/data/bukti/foto_depan_rumah".into(), photo).unwrap();
    let point =
        GeopointInput { latitude: -8.5833, longitude: 116.1167, altitude: 14.0, accuracy: 4.0 };
    interview.set_location("/data/bukti/lokasi_rumah".into(), point).unwrap();
}

/// The value of the leaf `name` in a submission (its first occurrence), unless empty.
fn leaf<'x>(xml: &'x str, name: &str) -> Option<&'x str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    Some(&xml[start..start + xml[start..].find('<')?]).filter(|v| !v.is_empty())
}

#[test]
fn status_one_unchanged_passes_and_status_two_unchanged_warns() {
    let field = field();
    let one = visit(&field, Some(CLEAN));
    answer(&one, "/data/status_keberadaan", "1");
    kyc_of_head(&one);
    assert_eq!(rules(&one), none());
    let two = visit(&field, Some(CLEAN));
    answer(&two, "/data/status_keberadaan", "2");
    assert_eq!(
        outcomes(&two),
        vec![("status.2_unchanged".into(), FindingSeverity::Warning, Some("1".into()))]
    );
}

#[test]
fn status_one_with_an_edited_member_warns_and_suggests_two() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "1");
    answer(&interview, "/data/members[3]/status_kawin", "2");
    assert_eq!(
        outcomes(&interview),
        vec![("status.1_changed".into(), FindingSeverity::Warning, Some("2".into()))]
    );
}

#[test]
fn statuses_three_and_four_carry_no_kyc_validation() {
    let field = field();
    for status in ["3", "4"] {
        let interview = visit(&field, Some(CLEAN));
        answer(&interview, "/data/status_keberadaan", status);
        if status == "3" {
            answer(&interview, "/data/alasan_tidak_ditemukan", "Pindah ke luar kota");
        }
        assert_eq!(rules(&interview), none(), "status {status}");
    }
}

#[test]
fn status_five_needs_another_existing_id_dtks() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "5");
    assert_eq!(rules(&interview), ["status.5_no_id"]);
    // The form itself refuses the household's own ID (the rule covers forms that do not).
    let own = interview.answer("/data/id_dtks_ganda".into(), CLEAN.into()).unwrap().result;
    assert!(matches!(own, AnswerResult::ConstraintViolated { .. }), "{own:?}");
    answer(&interview, "/data/id_dtks_ganda", "5271011009999999");
    assert_eq!(rules(&interview), ["status.5_unknown_id"]);
    answer(&interview, "/data/id_dtks_ganda", "5271011009000002");
    assert_eq!(rules(&interview), ["status.5_no_match"]);
}

#[test]
fn all_members_deceased_require_status_three() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "2");
    for member in 1..=6 {
        answer(&interview, &format!("/data/members[{member}]/status_keberadaan_art"), "2");
    }
    let found = outcomes(&interview);
    assert_eq!(found[0], ("status.all_deceased".into(), FindingSeverity::Error, Some("3".into())));
    answer(&interview, "/data/status_keberadaan", "3");
    answer(&interview, "/data/alasan_tidak_ditemukan", "Seluruh anggota meninggal");
    assert_eq!(rules(&interview), none());
}

#[test]
fn a_nik_that_disagrees_with_dob_or_sex_warns_and_a_broken_one_is_an_error() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "2");
    kyc_of_head(&interview);
    answer(&interview, "/data/members[2]/tanggal_lahir", "2019-12-14");
    answer(&interview, "/data/members[4]/jenis_kelamin", "2");
    assert_eq!(rules(&interview), ["nik.dob", "nik.sex"]);
    answer(&interview, "/data/members[2]/nik", "5271011412200000");
    answer(&interview, "/data/members[4]/nik", "5271013504213145");
    assert_eq!(rules(&interview), ["nik.serial", "nik.day"]);
    answer(&interview, "/data/members[4]/nik", "9101010504218563");
    answer(&interview, "/data/members[4]/jenis_kelamin", "1");
    assert_eq!(rules(&interview), ["nik.serial"], "Merauke's pre-2022 prefix is valid");
}

#[test]
fn almh_in_the_mothers_maiden_name_is_an_error() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "1");
    kyc_of_head(&interview);
    answer(&interview, "/data/kyc/nama_ibu_kandung", "Almh. Siti");
    assert_eq!(rules(&interview), ["name.deceased_title"]);
    let blocked = interview.finalize(vec![]).unwrap();
    assert!(matches!(blocked, FinalizeResult::Blocked { ref errors, .. } if errors.len() == 1));
}

#[test]
fn a_deceased_pengurus_is_succeeded_by_a_daughter_then_a_son_then_the_head() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "2");
    answer(&interview, "/data/members[1]/status_keberadaan_art", "2");
    // Member 3 (the head's mother, a widow) becomes head; no adult child: she is proposed.
    answer(&interview, "/data/members[3]/hubungan_krt", "1");
    let found = outcomes(&interview);
    let pengurus: Vec<_> = found.iter().filter(|(r, ..)| r.starts_with("pengurus")).collect();
    assert_eq!(
        pengurus,
        [&("pengurus.not_present".into(), FindingSeverity::Error, Some("3".into()))]
    );
    answer(&interview, "/data/members[6]/tanggal_lahir", "2000-04-27");
    answer(&interview, "/data/members[6]/nik", "5271016704003146");
    let found = outcomes(&interview);
    let suggestion = found.iter().find(|(r, ..)| r == "pengurus.not_present").unwrap().2.clone();
    assert_eq!(suggestion.as_deref(), Some("6"), "the adult daughter");
}

#[test]
fn a_nik_in_another_prelist_household_is_flagged_as_a_possible_duplicate() {
    let field = field();
    let interview = visit(&field, Some("5271051003000087"));
    answer(&interview, "/data/status_keberadaan", "1");
    let found = outcomes(&interview);
    assert!(
        found.contains(&(
            "nik.duplicate_in_prelist".into(),
            FindingSeverity::Warning,
            Some("5271061001000103".into())
        )),
        "{found:?}"
    );
}

#[test]
fn a_new_household_starts_blank_and_must_be_status_two() {
    let field = field();
    let interview = visit(&field, None);
    let xml = interview.submission_xml().unwrap();
    assert!(!xml.contains("<nama>"), "no member preloaded: {xml}");
    answer(&interview, "/data/status_keberadaan", "1");
    let errors = |i: &Interview| -> Vec<String> {
        outcomes(i).into_iter().map(|(rule, severity, _)| format!("{rule} {severity:?}")).collect()
    };
    assert_eq!(
        errors(&interview),
        ["status.new_household Error", "household.no_head Error", "pengurus.missing Error"]
    );
    answer(&interview, "/data/status_keberadaan", "2");
    answer(&interview, "/data/members[1]/no_art", "1");
    answer(&interview, "/data/members[1]/nama", "Made Wirawan");
    answer(&interview, "/data/members[1]/hubungan_krt", "1");
    answer(&interview, "/data/members[1]/status_kawin", "2");
    answer(&interview, "/data/pengurus", "1");
    assert_eq!(errors(&interview), Vec::<String>::new());
}

#[test]
fn a_found_household_is_not_final_without_the_house_photo_and_location() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "1");
    kyc_of_head(&interview);
    answer(&interview, "/data/kyc/alamat", "Jl. Kenanga No. 17");
    let FinalizeResult::Blocked { form_violations, errors, .. } =
        interview.finalize(vec![]).unwrap()
    else {
        panic!("finalized without evidence");
    };
    assert_eq!(form_violations, ["/data/bukti/foto_depan_rumah", "/data/bukti/lokasi_rumah"]);
    assert!(errors.is_empty(), "{errors:?}");
    evidence(&interview);
    assert!(matches!(interview.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
}

#[test]
fn a_household_not_found_needs_no_photo() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "3");
    answer(&interview, "/data/alasan_tidak_ditemukan", "Pindah ke luar kota");
    assert!(matches!(interview.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
}

#[test]
fn a_nik_and_a_kk_typed_with_separators_are_accepted_and_stored_as_sixteen_digits() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "2");
    kyc_of_head(&interview);
    answer(&interview, "/data/kyc/nik", "5271 0107 1102 6972");
    answer(&interview, "/data/members[2]/nik", "5271.0114.1220.2314");
    answer(&interview, "/data/members[2]/no_kk", "5271-0130-0426-3067");
    let refused = interview.answer("/data/members[3]/nik".into(), "5271 0148 1168 985".into());
    assert!(matches!(refused.unwrap().result, AnswerResult::ConstraintViolated { .. }));
    // Typed differently, the same digits: nothing for the rules to say but the status.
    assert_eq!(rules(&interview), none());
    let xml = interview.submission_xml().unwrap();
    let kyc = &xml[xml.find("<kyc>").unwrap()..];
    assert_eq!(leaf(kyc, "nik_angka"), Some("5271010711026972"));
    let second = &xml[xml.match_indices("<members>").nth(1).unwrap().0..];
    assert_eq!(leaf(second, "nik_angka"), Some("5271011412202314"));
    assert_eq!(leaf(second, "no_kk_angka"), Some("5271013004263067"));
}

#[test]
fn a_new_household_is_final_without_an_id_dtks_and_carries_a_provisional_one() {
    let field = field();
    let interview = visit(&field, None);
    answer(&interview, "/data/status_keberadaan", "2");
    for (name, value) in [("no_art", "1"), ("nama", "Made Wirawan"), ("status_keberadaan_art", "1")]
        .into_iter()
        .chain([
            ("nik", "5271011505850003"),
            ("jenis_kelamin", "1"),
            ("tanggal_lahir", "1985-05-15"),
        ])
        .chain([("hubungan_krt", "1"), ("status_kawin", "2"), ("nama_ibu_kandung", "Ni Luh Sari")])
    {
        answer(&interview, &format!("/data/members[1]/{name}"), value);
    }
    answer(&interview, "/data/pengurus", "1");
    answer(&interview, "/data/kyc/nama", "Made Wirawan");
    answer(&interview, "/data/kyc/nik", "5271011505850003");
    answer(&interview, "/data/kyc/tanggal_lahir", "1985-05-15");
    answer(&interview, "/data/kyc/nama_ibu_kandung", "Ni Luh Sari");
    answer(&interview, "/data/kyc/alamat", "Gg. Melati No. 4");
    evidence(&interview);
    assert_eq!(rules(&interview), none());
    let provisional = leaf(&interview.submission_xml().unwrap(), "id_sementara").map(str::to_owned);
    assert!(matches!(interview.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    let xml = interview.submission_xml().unwrap();
    let instance_id = leaf(&xml, "instanceID").unwrap();
    assert!(instance_id.starts_with("uuid:"), "{xml}");
    assert_eq!(leaf(&xml, "id_sementara"), Some(instance_id), "the first instanceID");
    assert_eq!(provisional.as_deref(), Some(instance_id), "the same before finalizing");
    assert_eq!(leaf(&xml, "instanceName"), Some("usulan baru 2"));
}

#[test]
fn a_new_household_given_a_prelist_households_id_dtks_is_warned_and_told_which() {
    let field = field();
    let interview = visit(&field, None);
    answer(&interview, "/data/status_keberadaan", "2");
    answer(&interview, "/data/id_dtks", CLEAN);
    let found = interview.findings().unwrap();
    let warning = found.iter().find(|f| f.rule == "status.new_household_in_prelist").unwrap();
    assert_eq!(warning.severity, FindingSeverity::Warning);
    assert_eq!(warning.reference.as_deref(), Some("/data/id_dtks"));
    assert!(warning.message_id.contains(CLEAN) && warning.message_en.contains(CLEAN));
    let xml = interview.submission_xml().unwrap();
    assert_eq!(leaf(&xml, "id_sementara"), None, "an ID DTKS given: no provisional one");
    answer(&interview, "/data/id_dtks", "");
    assert!(!rules(&interview).contains(&"status.new_household_in_prelist".to_owned()));
}

#[test]
fn a_prelist_households_id_dtks_cannot_be_cleared() {
    let field = field();
    let interview = visit(&field, Some(CLEAN));
    answer(&interview, "/data/status_keberadaan", "2");
    kyc_of_head(&interview);
    answer(&interview, "/data/id_dtks", "");
    assert_eq!(rules(&interview)[0], "status.id_dtks_cleared");
}
