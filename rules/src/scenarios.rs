//! The scenarios on households built directly: each asserts the exact rule outcomes.
//! (The same paths run through the DTKS form in `core/tests/dtks_visits.rs`.)

use super::{facts::Field, *};

fn today() -> Date {
    Date::new(2026, 11, 28).unwrap()
}

struct Prelist(Vec<(&'static str, Vec<(&'static str, &'static str)>)>);

impl PrelistLookup for Prelist {
    fn households_with_nik(&self, nik: &str) -> Result<Vec<String>, LookupFailed> {
        let with = |members: &[(&str, &str)]| members.iter().any(|(n, _)| *n == nik);
        Ok(self.0.iter().filter(|(_, m)| with(m)).map(|(id, _)| id.to_string()).collect())
    }

    fn household_members(&self, id: &str) -> Result<Option<Vec<(String, String)>>, LookupFailed> {
        let found = self.0.iter().find(|(i, _)| *i == id);
        Ok(found.map(|(_, members)| {
            members.iter().map(|(n, name)| (n.to_string(), name.to_string())).collect()
        }))
    }
}

fn prelist() -> Prelist {
    Prelist(vec![
        ("5271011009000001", vec![("5271010711026972", "Wayan Santoso")]),
        ("5271011009000002", vec![("5271014811689856", "Dewi Wijaya")]),
    ])
}

fn field(value: &str, reference: &str) -> Option<Field> {
    Some(Field::new(value, reference))
}

/// A member: number, name, NIK, sex (1/2), birth date, relationship, marital status, status.
#[allow(clippy::too_many_arguments)]
fn member(
    no: &str,
    name: &str,
    nik: &str,
    sex: &str,
    dob: &str,
    relationship: &str,
    marital: &str,
    status: &str,
) -> Member {
    let at = |f: &str| format!("/data/members[{no}]/{f}");
    Member {
        reference: format!("/data/members[{no}]"),
        member_no: field(no, &at("no_art")),
        name: field(name, &at("nama")),
        nik: field(nik, &at("nik")),
        no_kk: field("5271013004263067", &at("no_kk")),
        sex: field(sex, &at("jenis_kelamin")),
        dob: field(dob, &at("tanggal_lahir")),
        relationship: field(relationship, &at("hubungan_krt")),
        marital_status: field(marital, &at("status_kawin")),
        status: field(status, &at("status_keberadaan_art")),
        mother_maiden_name: field("Suryani Manurung", &at("nama_ibu_kandung")),
    }
}

fn head() -> Member {
    member("1", "Wayan Santoso", "5271010711026972", "1", "2002-11-07", "1", "2", "1")
}

fn wife() -> Member {
    member("2", "Dewi Lestari", "5271014811689857", "2", "1968-11-08", "2", "2", "1")
}

/// An active household (status 1, unchanged) whose KYC is the wife's.
fn household() -> Household {
    Household {
        id_dtks: field("5271011009000001", "/data/id_dtks"),
        status: field("1", "/data/status_keberadaan"),
        duplicate_of: None,
        pengurus: field("2", "/data/pengurus"),
        phone: None,
        members: vec![head(), wife()],
        kyc: Kyc {
            name: field("Dewi Lestari", "/data/kyc/nama"),
            nik: field("5271014811689857", "/data/kyc/nik"),
            dob: field("1968-11-08", "/data/kyc/tanggal_lahir"),
            mother_maiden_name: field("Suryani Manurung", "/data/kyc/nama_ibu_kandung"),
            address: field("Jl. Kenanga No. 17", "/data/kyc/alamat"),
        },
        location: None,
        known_location: None,
        changed: Some(false),
    }
}

fn outcomes(h: &Household) -> Vec<(&'static str, Severity, Option<String>)> {
    check(h, &prelist(), today())
        .unwrap()
        .into_iter()
        .map(|f| (f.rule, f.severity, f.suggestion))
        .collect()
}

fn rules_of(h: &Household) -> Vec<&'static str> {
    check(h, &prelist(), today()).unwrap().into_iter().map(|f| f.rule).collect()
}

fn with_status(status: &str, changed: Option<bool>) -> Household {
    let mut h = household();
    h.status = field(status, "/data/status_keberadaan");
    h.changed = changed;
    h
}

#[test]
fn status_one_unchanged_is_clean() {
    assert_eq!(outcomes(&household()), vec![]);
}

#[test]
fn status_one_with_changed_member_warns_and_suggests_two() {
    assert_eq!(
        outcomes(&with_status("1", Some(true))),
        vec![("status.1_changed", Severity::Warning, Some("2".into()))]
    );
}

#[test]
fn status_two_with_no_change_warns_and_with_a_change_is_clean() {
    assert_eq!(
        outcomes(&with_status("2", Some(false))),
        vec![("status.2_unchanged", Severity::Warning, Some("1".into()))]
    );
    assert_eq!(outcomes(&with_status("2", Some(true))), vec![]);
}

#[test]
fn inactive_statuses_skip_pengurus_and_kyc() {
    for status in ["3", "4"] {
        let mut h = with_status(status, Some(true));
        h.kyc.nik = field("123", "/data/kyc/nik");
        h.pengurus = None;
        assert_eq!(rules_of(&h), Vec::<&str>::new(), "status {status}");
    }
}

#[test]
fn status_five_needs_another_existing_matching_id() {
    let mut h = with_status("5", Some(false));
    assert_eq!(rules_of(&h), ["status.5_no_id"]);
    h.duplicate_of = field("5271011009000001", "/data/id_dtks_ganda");
    assert_eq!(rules_of(&h), ["status.5_own_id"]);
    h.duplicate_of = field("9999999999999999", "/data/id_dtks_ganda");
    assert_eq!(rules_of(&h), ["status.5_unknown_id"]);
    h.duplicate_of = field("5271011009000002", "/data/id_dtks_ganda");
    assert_eq!(rules_of(&h), ["status.5_no_match"], "no member in common");
    h.members[1].nik = field("5271014811689856", "/data/members[2]/nik");
    assert_eq!(
        rules_of(&h),
        ["nik.duplicate_in_prelist"],
        "the shared NIK matches the duplicate (and is flagged as such)"
    );
}

#[test]
fn all_members_deceased_require_status_three() {
    let mut h = with_status("2", Some(true));
    for m in &mut h.members {
        m.status = field("2", &format!("{}/status_keberadaan_art", m.reference));
    }
    let found = outcomes(&h);
    assert_eq!(found[0], ("status.all_deceased", Severity::Error, Some("3".into())));
    let mut closed = h.clone();
    closed.status = field("3", "/data/status_keberadaan");
    assert_eq!(rules_of(&closed), Vec::<&str>::new());
}

#[test]
fn nik_disagreeing_with_dob_or_sex_warns() {
    let mut h = household();
    h.members[0].dob = field("2001-11-07", "/data/members[1]/tanggal_lahir");
    assert_eq!(rules_of(&h), ["nik.dob"]);
    let mut h = household();
    h.members[0].sex = field("2", "/data/members[1]/jenis_kelamin");
    assert_eq!(rules_of(&h), ["nik.sex"]);
}

#[test]
fn nik_with_serial_zero_or_day_thirty_five_is_an_error() {
    let mut h = household();
    h.members[0].nik = field("5271010711020000", "/data/members[1]/nik");
    assert_eq!(outcomes(&h), vec![("nik.serial", Severity::Error, None)]);
    h.members[0].nik = field("5271013511026972", "/data/members[1]/nik");
    assert_eq!(outcomes(&h), vec![("nik.day", Severity::Error, None)]);
}

#[test]
fn merauke_nik_with_the_pre_2022_prefix_is_valid() {
    let mut h = household();
    h.members[0].nik = field("9101010711026972", "/data/members[1]/nik");
    assert_eq!(rules_of(&h), Vec::<&str>::new());
}

#[test]
fn almh_in_the_mothers_maiden_name_is_an_error() {
    let mut h = household();
    h.kyc.mother_maiden_name = field("Almh. Siti", "/data/kyc/nama_ibu_kandung");
    assert_eq!(outcomes(&h), vec![("name.deceased_title", Severity::Error, None)]);
}

fn deceased_pengurus(children: Vec<Member>) -> Household {
    let mut h = with_status("2", Some(true));
    h.members[1].status = field("2", "/data/members[2]/status_keberadaan_art");
    h.members.extend(children);
    h.kyc = Kyc::default();
    h
}

fn pengurus_outcome(h: &Household) -> Vec<(&'static str, Severity, Option<String>)> {
    outcomes(h).into_iter().filter(|(rule, ..)| rule.starts_with("pengurus")).collect()
}

#[test]
fn deceased_pengurus_is_succeeded_by_an_adult_daughter_then_son_then_head() {
    let daughter = member("3", "Putu Ayu", "5271015505053143", "2", "2005-05-15", "3", "1", "1");
    let son = member("4", "Made Arya", "5271011506063144", "1", "2006-06-15", "3", "1", "1");
    let young = member("5", "Komang Sari", "5271015010153145", "2", "2015-10-10", "3", "1", "1");
    let both = deceased_pengurus(vec![son.clone(), daughter, young.clone()]);
    assert_eq!(
        pengurus_outcome(&both),
        vec![("pengurus.not_present", Severity::Error, Some("3".into()))]
    );
    let only_son = deceased_pengurus(vec![son, young.clone()]);
    assert_eq!(pengurus_outcome(&only_son)[0].2.as_deref(), Some("4"));
    let neither = deceased_pengurus(vec![young]);
    assert_eq!(pengurus_outcome(&neither)[0].2.as_deref(), Some("1"), "the head");
}

#[test]
fn duplicate_nik_within_the_household_is_an_error_and_across_the_prelist_a_warning() {
    let mut h = household();
    h.members[1].nik = field("5271010711026972", "/data/members[2]/nik");
    h.kyc.nik = field("5271010711026972", "/data/kyc/nik");
    let found = rules_of(&h);
    assert!(found.contains(&"nik.duplicate_in_household"), "{found:?}");
    let mut other = household();
    other.id_dtks = field("5271011009000009", "/data/id_dtks");
    let found = outcomes(&other);
    assert_eq!(
        found,
        vec![("nik.duplicate_in_prelist", Severity::Warning, Some("5271011009000001".into()))]
    );
}

#[test]
fn a_new_household_is_status_two_without_preload() {
    let mut h = with_status("2", None);
    h.id_dtks = None;
    // The head is registered in a prelist household: a proposal for him is a possible duplicate.
    assert_eq!(
        outcomes(&h),
        vec![("nik.duplicate_in_prelist", Severity::Warning, Some("5271011009000001".into()))]
    );
    h.members[0].nik = field("5271010711026979", "/data/members[1]/nik");
    assert_eq!(rules_of(&h), Vec::<&str>::new());
    h.status = field("1", "/data/status_keberadaan");
    assert_eq!(outcomes(&h), vec![("status.new_household", Severity::Error, Some("2".into()))]);
}

#[test]
fn a_new_household_needs_no_id_dtks() {
    let mut h = with_status("2", None);
    h.id_dtks = None;
    h.members[0].nik = field("5271010711026979", "/data/members[1]/nik");
    assert_eq!(rules_of(&h), Vec::<&str>::new());
}

#[test]
fn a_new_household_given_a_prelist_households_id_dtks_warns_naming_that_household_only() {
    let mut h = with_status("2", None);
    h.members[0].nik = field("5271010711026979", "/data/members[1]/nik");
    h.id_dtks = field("5271011009000002", "/data/id_dtks");
    let found = check(&h, &prelist(), today()).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let warning = &found[0];
    assert_eq!(
        (warning.rule, warning.severity, warning.reference.as_deref()),
        ("status.new_household_in_prelist", Severity::Warning, Some("/data/id_dtks"))
    );
    for text in [&warning.message.id, &warning.message.en] {
        assert!(text.contains("5271011009000002"), "names the household: {text}");
        assert!(!text.contains("Dewi") && !text.contains("5271014811689856"), "{text}");
    }
}

#[test]
fn a_new_household_with_an_id_dtks_outside_the_prelist_is_not_flagged() {
    let mut h = with_status("2", None);
    h.members[0].nik = field("5271010711026979", "/data/members[1]/nik");
    h.id_dtks = field("5271011009999999", "/data/id_dtks");
    assert_eq!(rules_of(&h), Vec::<&str>::new());
}

#[test]
fn a_prelist_household_keeps_its_id_dtks() {
    let mut h = household();
    h.id_dtks = Some(Field::new("", "/data/id_dtks"));
    h.changed = Some(true);
    h.status = field("2", "/data/status_keberadaan");
    // Without its own ID the household's NIKs also read as found in another prelist household.
    assert_eq!(outcomes(&h)[0], ("status.id_dtks_cleared", Severity::Error, None));
}

#[test]
fn a_nik_typed_with_separators_is_judged_by_its_digits() {
    let mut h = household();
    h.members[0].nik = field("5271 0107 1102 6972", "/data/members[1]/nik");
    h.members[1].no_kk = field("5271.0130.0426.3067", "/data/members[2]/no_kk");
    h.kyc.nik = field("5271-0148-1168-9857", "/data/kyc/nik");
    assert_eq!(outcomes(&h), vec![]);
    h.members[1].nik = field("5271 0107 1102 6972", "/data/members[2]/nik");
    assert!(rules_of(&h).contains(&"nik.duplicate_in_household"), "{:?}", rules_of(&h));
}

#[test]
fn one_head_and_plausible_ages() {
    let mut h = household();
    h.members[1].relationship = field("1", "/data/members[2]/hubungan_krt");
    assert_eq!(rules_of(&h), ["household.many_heads"]);
    let mut h = household();
    h.members.push(member("3", "Gede Putra", "5271010101503146", "1", "1950-01-01", "3", "2", "1"));
    assert_eq!(rules_of(&h), ["household.child_older_than_head"]);
}

#[test]
fn kyc_nik_must_be_the_pengurus_members() {
    let mut h = household();
    h.kyc.nik = field("5271010711026972", "/data/kyc/nik");
    assert_eq!(rules_of(&h), ["nik.sex", "nik.dob", "kyc.nik_not_pengurus"]);
}

#[test]
fn phone_is_checked_and_normalised() {
    let mut h = household();
    h.phone = field("0811 299 276", "/data/no_hp");
    assert_eq!(
        outcomes(&h),
        vec![("phone.normalized", Severity::Info, Some("+62811299276".into()))]
    );
    h.phone = field("12345", "/data/no_hp");
    assert_eq!(rules_of(&h), ["phone.invalid"]);
}

/// A prelist whose every read fails, as a damaged database would.
struct Unreadable;

impl PrelistLookup for Unreadable {
    fn households_with_nik(&self, _: &str) -> Result<Vec<String>, LookupFailed> {
        Err(LookupFailed)
    }

    fn household_members(&self, _: &str) -> Result<Option<Vec<(String, String)>>, LookupFailed> {
        Err(LookupFailed)
    }
}

#[test]
fn a_prelist_that_cannot_be_read_stops_the_rules_instead_of_passing_a_duplicate() {
    let mut other = household();
    other.id_dtks = field("5271011009000009", "/data/id_dtks");
    assert_eq!(check(&other, &Unreadable, today()), Err(LookupFailed), "the NIK lookup");
    let mut duplicate = with_status("5", Some(false));
    duplicate.duplicate_of = field("5271011009000002", "/data/id_dtks_ganda");
    assert_eq!(check(&duplicate, &Unreadable, today()), Err(LookupFailed), "the status 5 lookup");
    assert!(check(&other, &NoPrelist, today()).is_ok(), "an empty prelist is no failure");
}
