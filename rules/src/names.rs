//! Names as Dukcapil holds them (docs/domain.md#names): no "Alm./Almh." (the pocket book: a deceased
//! mother's maiden name is written without it), no digits, single spaces; titles, one-word and
//! very long names are legal but worth a second look, because KYC must match the KTP exactly.

use super::{Finding, Severity};

const DECEASED: [&str; 8] =
    ["ALM", "ALMH", "ALMARHUM", "ALMARHUMAH", "ALMRH", "ALMRHM", "ALMHM", "ALMARH"];
const TITLES: [&str; 12] =
    ["H", "HJ", "DR", "IR", "DRS", "DRA", "PROF", "SPD", "SH", "SE", "SAG", "AMD"];

/// Trimmed, with single spaces between words.
pub fn normalize_name(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a name in upper case without punctuation, for matching tokens like "Almh.".
fn tokens(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_uppercase())
        .filter(|w| !w.is_empty())
}

/// The findings for one name field.
pub fn check_name(reference: &str, raw: &str) -> Vec<Finding> {
    let at =
        |rule, severity, id: &str, en: &str| Finding::new(rule, severity, id, en).at(reference);
    let name = normalize_name(raw);
    if name.is_empty() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    if tokens(&name).any(|t| DECEASED.contains(&t.as_str())) {
        findings.push(at(
            "name.deceased_title",
            Severity::Error,
            "Tulis nama tanpa \"Alm./Almh.\": cukup nama lengkap saja.",
            "Write the name without \"Alm./Almh.\": the full name only.",
        ));
    }
    if name.chars().any(|c| c.is_ascii_digit()) {
        findings.push(at(
            "name.digits",
            Severity::Error,
            "Nama tidak boleh berisi angka.",
            "A name has no digits.",
        ));
    }
    if tokens(&name).any(|t| TITLES.contains(&t.as_str())) {
        findings.push(at(
            "name.title",
            Severity::Warning,
            "Nama tampaknya memuat gelar; tulis persis seperti di KTP/KK, jangan menambah gelar.",
            "The name seems to carry a title; write it exactly as on the KTP/KK, adding none.",
        ));
    }
    if name.chars().count() > 60 {
        findings.push(at(
            "name.too_long",
            Severity::Warning,
            "Nama lebih dari 60 huruf; periksa dengan KTP/KK.",
            "The name is longer than 60 letters; check it against the KTP/KK.",
        ));
    }
    if !name.contains(' ') {
        findings.push(at(
            "name.single_word",
            Severity::Info,
            "Nama hanya satu kata; pastikan sesuai KTP/KK.",
            "The name is a single word; make sure it matches the KTP/KK.",
        ));
    }
    if name != raw {
        findings.push(
            at(
                "name.spacing",
                Severity::Info,
                "Spasi berlebih akan dirapikan.",
                "Extra spaces will be tidied.",
            )
            .suggesting(name),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(raw: &str) -> Vec<&'static str> {
        check_name("/n", raw).iter().map(|f| f.rule).collect()
    }

    #[test]
    fn almh_before_a_mothers_name_is_an_error() {
        assert_eq!(rules("Almh. Siti Aminah"), ["name.deceased_title"]);
        assert_eq!(rules("Siti Aminah (Alm)"), ["name.deceased_title"]);
        assert_eq!(rules("ALMARHUMAH SITI AMINAH"), ["name.deceased_title"]);
        assert_eq!(rules("Almira Putri"), Vec::<&str>::new(), "a name that starts like Alm");
    }

    #[test]
    fn digits_titles_spacing_and_single_words() {
        assert_eq!(rules("Siti 2 Aminah"), ["name.digits"]);
        assert_eq!(rules("Hj. Siti Aminah"), ["name.title"]);
        assert_eq!(rules("Sukarno"), ["name.single_word"]);
        let spaced = check_name("/n", "  Siti   Aminah ");
        assert_eq!(spaced.len(), 1);
        assert_eq!(spaced[0].suggestion.as_deref(), Some("Siti Aminah"));
        assert_eq!(rules("Ma'ruf Amin"), Vec::<&str>::new(), "apostrophes exist in Dukcapil");
    }
}
