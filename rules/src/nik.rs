//! NIK and No. KK: structure (docs/domain.md#nik, checks N1–N6 and N12) and what a NIK says about its holder's sex
//! and date of birth (N8, N9). A NIK never changes when a birth date is corrected, so a
//! disagreement with the answers is a warning, never an error.

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

    /// The birth date the NIK encodes, its century taken from the answered date of birth when
    /// that has the same two-digit year, else the latest year not after `today`.
    pub fn birth_date(&self, answered: Option<Date>, today: Date) -> Option<Date> {
        let year = match answered {
            Some(dob) if dob.year.rem_euclid(100) as u32 == self.yy => dob.year,
            _ if 2000 + self.yy as i64 <= today.year => 2000 + self.yy as i64,
            _ => 1900 + self.yy as i64,
        };
        Date::new(year, self.month, self.day)
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
    // a year 00 exists in 2000); the birth-date comparison resolves it.
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
    if let Some(dob) = holder.dob
        && nik.birth_date(Some(dob), today) != Some(dob)
    {
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
        let findings = check_nik("/n", "5271016902009856", woman_born(1900, 3, 1), today());
        assert_eq!(rules(&findings), ["nik.dob"], "1900 was not a leap year");
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
