//! Which kecamatan codes a NIK or No. KK may start with: every code of any Kemendagri edition
//! since 2016 (a NIK keeps the code of where it was issued, even after the area was renamed or
//! split), plus `99…` for citizens registered abroad (PP 40/2019 Pasal 32).

use std::sync::OnceLock;

const CODES: &str = include_str!("kecamatan_since_2016.txt");

fn codes() -> &'static [u32] {
    static PARSED: OnceLock<Vec<u32>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut codes: Vec<u32> = CODES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| l.parse().ok())
            .collect();
        codes.sort_unstable();
        codes
    })
}

/// Whether the first six digits of a NIK or No. KK are a kecamatan known since 2016.
pub fn is_known_kecamatan(six_digits: &str) -> bool {
    six_digits.len() == 6
        && six_digits.parse::<u32>().is_ok_and(|code| codes().binary_search(&code).is_ok())
}

/// Whether the prefix marks a NIK issued by an Indonesian mission abroad.
pub fn is_abroad(six_digits: &str) -> bool {
    six_digits.starts_with("99")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_codes_equal_the_region_history_file() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../test-fixtures/wilayah/districts_history.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut from_history: Vec<u32> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().replace('.', "").parse().unwrap())
            .collect();
        from_history.sort_unstable();
        from_history.dedup();
        assert_eq!(codes(), from_history.as_slice());
    }

    #[test]
    fn current_retired_and_abroad_prefixes() {
        assert!(is_known_kecamatan("527101"), "Mataram, current");
        assert!(is_known_kecamatan("910101"), "Merauke before the 2022 split (now 93.01)");
        assert!(!is_known_kecamatan("640401"), "Kalimantan Timur code retired before 2016");
        assert!(!is_known_kecamatan("12345"));
        assert!(is_abroad("990101"));
    }
}
