//! NIK and No. KK: structure (docs/domain.md#nik, checks N1–N6 and N12) and what a NIK says about its holder's sex
//! and date of birth (N8, N9). A NIK never changes when a birth date is corrected, so a
//! disagreement with the answers is a warning, never an error; but a birth date the NIK encodes
//! must exist in the century the answered date of birth puts it in (N3 with N5).
//!
//! People type a NIK as it is printed or read out, with spaces, dots or dashes. The form accepts
//! them and stores the 16 digits beside what was typed (`translate(., ' .-', '')`); the rules strip
//! the same three characters ([`clean`]), so both judge the same digits.

use super::{Date, Finding, Severity, regions};

/// Spaces, dots and dashes as people type them into a NIK are not part of it.
pub fn clean(raw: &str) -> String {
    raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect()
}

/// A NIK that passed the structural checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nik {
    pub digits: String,
    pub female: bool,
    pub day: u32,
    pub month: u32,
    /// The two-digit year of birth.
    pub yy: u32,
}

impl Nik {
    /// The region part: kecamatan of issue (or `99…` abroad).
    pub fn region(&self) -> &str {
        &self.digits[..6]
    }

    /// The year of birth (N5): of 19YY and 20YY, the one nearest the answered date of birth (its
    /// own year when the two-digit years agree), else the latest one not after `today`.
    pub fn birth_year(&self, answered: Option<Date>, today: Date) -> i64 {
        let (old, new) = (1900 + i64::from(self.yy), 2000 + i64::from(self.yy));
        match answered {
            Some(dob) if (dob.year - old).abs() <= (new - dob.year).abs() => old,
            Some(_) => new,
            None if new <= today.year => new,
            None => old,
        }
    }

    /// The birth date the NIK encodes in the century of [`Nik::birth_year`], or `None` when that
    /// day does not exist in that year (29 February 1900: 1900 was not a leap year, 2000 was).
    pub fn birth_date(&self, answered: Option<Date>, today: Date) -> Option<Date> {
        Date::new(self.birth_year(answered, today), self.month, self.day)
    }
}

/// Why a NIK is not a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NikProblem {
    /// N1: not exactly 16 digits.
    Length,
    /// N2: the day is not 01–31 or 41–71.
    Day,
    /// N3: the month is not 01–12, or the day does not exist in it.
    Date,
    /// N4: serial 0000.
    Serial,
}

/// Checks N1–N4.
pub fn parse_nik(raw: &str) -> Result<Nik, NikProblem> {
    let digits = clean(raw);
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NikProblem::Length);
    }
    let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(0);
    let (raw_day, month, yy) = (number(6..8), number(8..10), number(10..12));
    let (day, female) = match raw_day {
        1..=31 => (raw_day, false),
        41..=71 => (raw_day - 40, true),
        _ => return Err(NikProblem::Day),
    };
    // The century is unknown here: a day that exists in either century passes (29 February of
    // a year 00 exists in 2000); `check_nik` resolves the century from the date of birth (N5).
    let exists = |year| Date::new(year, month, day).is_some();
    if !(exists(1900 + yy as i64) || exists(2000 + yy as i64)) {
        return Err(NikProblem::Date);
    }
    if &digits[12..] == "0000" {
        return Err(NikProblem::Serial);
    }
    Ok(Nik { digits, female, day, month, yy })
}

/// What the answers say about the NIK's holder, for N8 and N9.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holder {
    /// `Some(true)` for a woman.
    pub female: Option<bool>,
    pub dob: Option<Date>,
}

/// The findings for one NIK field (empty fields are the form's business).
pub fn check_nik(reference: &str, raw: &str, holder: Holder, today: Date) -> Vec<Finding> {
    let at =
        |rule, severity, id: &str, en: &str| Finding::new(rule, severity, id, en).at(reference);
    let nik = match parse_nik(raw) {
        Ok(nik) => nik,
        Err(NikProblem::Length) => {
            return vec![at(
                "nik.length",
                Severity::Error,
                "NIK harus 16 angka.",
                "A NIK has exactly 16 digits.",
            )];
        }
        Err(NikProblem::Day) => {
            return vec![at(
                "nik.day",
                Severity::Error,
                "Digit 7–8 NIK (tanggal lahir) harus 01–31, atau 41–71 untuk perempuan.",
                "Digits 7–8 of a NIK (day of birth) are 01–31, or 41–71 for a woman.",
            )];
        }
        Err(NikProblem::Date) => {
            return vec![at(
                "nik.date",
                Severity::Error,
                "Tanggal lahir dalam NIK (digit 7–12) tidak ada di kalender.",
                "The birth date in the NIK (digits 7–12) is not a calendar date.",
            )];
        }
        Err(NikProblem::Serial) => {
            return vec![at(
                "nik.serial",
                Severity::Error,
                "Nomor urut NIK (4 digit terakhir) tidak boleh 0000.",
                "The serial of a NIK (its last 4 digits) is never 0000.",
            )];
        }
    };
    let Some(encoded) = nik.birth_date(holder.dob, today) else {
        // N3 with N5: the day exists in the other century only (29-02-00 of a holder born in 1900).
        return vec![at(
            "nik.date",
            Severity::Error,
            "Tanggal lahir dalam NIK (digit 7–12) tidak ada di kalender pada abad tanggal lahirnya.",
            "The birth date in the NIK (digits 7–12) is not a calendar date in the century of the date of birth.",
        )];
    };
    let mut findings = Vec::new();
    if !regions::is_abroad(nik.region()) && !regions::is_known_kecamatan(nik.region()) {
        findings.push(at(
            "nik.region",
            Severity::Warning,
            "Kode wilayah NIK (6 digit pertama) tidak dikenal sejak 2016; periksa kembali di KTP/KK.",
            "The NIK's region code (first 6 digits) is unknown since 2016; check it on the KTP/KK.",
        ));
    }
    if holder.female.is_some_and(|female| female != nik.female) {
        findings.push(at(
            "nik.sex",
            Severity::Warning,
            "Jenis kelamin dalam NIK berbeda dengan jawaban.",
            "The sex encoded in the NIK differs from the answer.",
        ));
    }
    if holder.dob.is_some_and(|dob| dob != encoded) {
        findings.push(at(
            "nik.dob",
            Severity::Warning,
            "Tanggal lahir dalam NIK berbeda dengan jawaban; NIK tidak berubah bila tanggal lahir dikoreksi.",
            "The birth date in the NIK differs from the answer; a NIK does not change when a birth date is corrected.",
        ));
    }
    findings
}

/// The findings for one No. KK field (N12).
pub fn check_kk(reference: &str, raw: &str, today: Date) -> Vec<Finding> {
    let at =
        |rule, severity, id: &str, en: &str| Finding::new(rule, severity, id, en).at(reference);
    let digits = clean(raw);
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return vec![at(
            "kk.length",
            Severity::Error,
            "No. KK harus 16 angka.",
            "A No. KK has exactly 16 digits.",
        )];
    }
    let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(0);
    let (day, month, yy) = (number(6..8), number(8..10), number(10..12));
    let issued = [2000 + yy as i64, 1900 + yy as i64]
        .into_iter()
        .filter_map(|year| Date::new(year, month, day))
        .find(|date| *date <= today);
    let mut findings = Vec::new();
    if issued.is_none() {
        findings.push(at(
            "kk.date",
            Severity::Error,
            "Tanggal terbit dalam No. KK (digit 7–12) tidak sah atau di masa depan.",
            "The issue date in the No. KK (digits 7–12) is not a date, or is in the future.",
        ));
    }
    if &digits[12..] == "0000" {
        findings.push(at(
            "kk.serial",
            Severity::Error,
            "Nomor urut No. KK (4 digit terakhir) tidak boleh 0000.",
            "The serial of a No. KK (its last 4 digits) is never 0000.",
        ));
    }
    if !regions::is_known_kecamatan(&digits[..6]) {
        findings.push(at(
            "kk.region",
            Severity::Warning,
            "Kode wilayah No. KK (6 digit pertama) tidak dikenal sejak 2016.",
            "The No. KK's region code (first 6 digits) is unknown since 2016.",
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 28).unwrap()
    }

    fn rules(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule).collect()
    }

    fn woman_born(y: i64, m: u32, d: u32) -> Holder {
        Holder { female: Some(true), dob: Date::new(y, m, d) }
    }

    #[test]
    fn a_womans_nik_encodes_day_plus_forty_and_passes_with_matching_answers() {
        let nik = parse_nik("5271 0148 1168 9856").unwrap();
        assert!(nik.female);
        assert_eq!((nik.day, nik.month, nik.yy), (8, 11, 68));
        let findings = check_nik("/n", "5271014811689856", woman_born(1968, 11, 8), today());
        assert_eq!(findings, vec![]);
    }

    #[test]
    fn serial_zero_and_day_thirty_five_are_errors() {
        assert_eq!(
            rules(&check_nik("/n", "5271014811680000", Holder::default(), today())),
            ["nik.serial"]
        );
        assert_eq!(
            rules(&check_nik("/n", "5271013511689856", Holder::default(), today())),
            ["nik.day"]
        );
        assert_eq!(
            rules(&check_nik("/n", "527101481168985", Holder::default(), today())),
            ["nik.length"]
        );
        assert_eq!(
            rules(&check_nik("/n", "5271013102689856", Holder::default(), today())),
            ["nik.date"]
        );
    }

    #[test]
    fn twenty_ninth_of_february_needs_a_leap_year_in_some_century() {
        assert!(parse_nik("5271016902009856").is_ok(), "29-02-00 exists in 2000");
        assert_eq!(parse_nik("5271016902019856"), Err(NikProblem::Date));
    }

    #[test]
    fn a_nik_born_29_february_00_is_an_error_for_a_holder_born_in_1900() {
        // N5 puts the birth in 1900, and N3 finds no 29 February in 1900.
        for dob in [woman_born(1900, 2, 28), woman_born(1900, 3, 1), woman_born(1921, 6, 1)] {
            let findings = check_nik("/n", "5271016902009856", dob, today());
            assert_eq!(rules(&findings), ["nik.date"], "{dob:?}");
            assert_eq!(findings[0].severity, Severity::Error);
        }
    }

    #[test]
    fn a_nik_born_29_february_00_is_valid_for_a_holder_born_in_2000() {
        let findings = check_nik("/n", "5271016902009856", woman_born(2000, 2, 29), today());
        assert_eq!(findings, vec![]);
        let corrected = check_nik("/n", "5271016902009856", woman_born(2000, 3, 1), today());
        assert_eq!(rules(&corrected), ["nik.dob"], "a corrected date only warns");
    }

    #[test]
    fn a_nik_born_29_february_00_without_a_date_of_birth_reads_as_2000() {
        let nik = parse_nik("5271016902009856").unwrap();
        assert_eq!(nik.birth_date(None, today()), Date::new(2000, 2, 29));
        assert_eq!(check_nik("/n", "5271016902009856", Holder::default(), today()), vec![]);
    }

    #[test]
    fn the_century_is_the_one_nearest_the_answered_birth_year() {
        let nik = parse_nik("5271011209993143").unwrap();
        let born = |year| Date::new(year, 1, 1);
        assert_eq!(nik.birth_year(born(1999), today()), 1999);
        assert_eq!(nik.birth_year(born(2001), today()), 1999, "a year off is a correction");
        assert_eq!(nik.birth_year(born(2080), today()), 2099);
        assert_eq!(nik.birth_year(None, today()), 1999, "2099 is in the future");
    }

    #[test]
    fn separators_typed_into_a_nik_or_a_kk_are_not_part_of_it() {
        let typed = ["5271.0148.1168.9856", "5271-0148-1168-9856", "52 71 01 481168 9856"];
        for raw in typed {
            assert_eq!(clean(raw), "5271014811689856");
            assert_eq!(check_nik("/n", raw, woman_born(1968, 11, 8), today()), vec![], "{raw}");
        }
        assert_eq!(check_kk("/k", "5271.0130.0426.3067", today()), vec![]);
        assert_eq!(
            rules(&check_nik("/n", "5271/0148/1168/9856", Holder::default(), today())),
            ["nik.length"],
            "only spaces, dots and dashes are separators"
        );
    }

    #[test]
    fn dob_and_sex_that_disagree_with_the_answers_warn() {
        let man = Holder { female: Some(false), dob: Date::new(1970, 11, 8) };
        let findings = check_nik("/n", "5271014811689856", man, today());
        assert_eq!(rules(&findings), ["nik.sex", "nik.dob"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    }

    #[test]
    fn merauke_before_2022_is_valid_and_an_unknown_region_only_warns() {
        let merauke = check_nik("/n", "9101014811689856", woman_born(1968, 11, 8), today());
        assert_eq!(merauke, vec![]);
        let unknown = check_nik("/n", "6404014811689856", woman_born(1968, 11, 8), today());
        assert_eq!(rules(&unknown), ["nik.region"]);
        assert_eq!(unknown[0].severity, Severity::Warning);
        let abroad = check_nik("/n", "9901014811689856", woman_born(1968, 11, 8), today());
        assert_eq!(abroad, vec![]);
    }

    #[test]
    fn century_comes_from_the_answer_or_the_latest_past_year() {
        let nik = parse_nik("5271011209023143").unwrap();
        assert_eq!(nik.birth_date(None, today()), Date::new(2002, 9, 12));
        let old = parse_nik("5271011209303143").unwrap();
        assert_eq!(old.birth_date(None, today()), Date::new(1930, 9, 12));
    }

    #[test]
    fn kk_checks_date_serial_and_region() {
        assert_eq!(check_kk("/k", "5271013004263067", today()), vec![]);
        assert_eq!(rules(&check_kk("/k", "5271013004260000", today())), ["kk.serial"]);
        assert_eq!(rules(&check_kk("/k", "5271013013263067", today())), ["kk.date"]);
        assert_eq!(rules(&check_kk("/k", "52710130042630", today())), ["kk.length"]);
    }
}
