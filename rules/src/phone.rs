//! Phone numbers (docs/domain.md#phone): Indonesian mobiles written `08…`, `628…` or `+628…`, stored in
//! E.164 (`+628…`). Landlines are accepted too, since the field is "a number to reach them".

use super::{Finding, Household, Severity, facts::text};

/// The number in E.164 (`+62…`), or `None` when it is not an Indonesian phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let compact: String =
        raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let national = compact
        .strip_prefix("+62")
        .or_else(|| compact.strip_prefix("62"))
        .or_else(|| compact.strip_prefix('0'))?;
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mobile = national.starts_with('8')
        && !national.starts_with("84")
        && (9..=12).contains(&national.len());
    let landline = matches!(national.as_bytes().first(), Some(b'2'..=b'7' | b'9'))
        && (7..=11).contains(&national.len());
    (mobile || landline).then(|| format!("+62{national}"))
}

/// The household's phone field: an error when it is not a phone number, and the stored form.
pub(super) fn check_phone_field(household: &Household) -> Vec<Finding> {
    let (Some(raw), Some(field)) = (text(&household.phone), &household.phone) else {
        return Vec::new();
    };
    match normalize_phone(raw) {
        None => vec![
            Finding::new(
                "phone.invalid",
                Severity::Error,
                "Nomor HP tidak sah: tulis 08… (10–13 angka) atau +62….",
                "Not a phone number: write 08… (10–13 digits) or +62….",
            )
            .at(&field.reference),
        ],
        Some(e164) if e164 != raw => vec![
            Finding::new(
                "phone.normalized",
                Severity::Info,
                "Nomor HP akan disimpan dalam bentuk +62….",
                "The phone number will be stored as +62….",
            )
            .at(&field.reference)
            .suggesting(e164),
        ],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_in_every_usual_writing_become_e164() {
        assert_eq!(normalize_phone("0811299276").as_deref(), Some("+62811299276"));
        assert_eq!(normalize_phone("0877-8507-6476").as_deref(), Some("+6287785076476"));
        assert_eq!(normalize_phone("+62 812 3456 7890").as_deref(), Some("+6281234567890"));
        assert_eq!(normalize_phone("6281234567890").as_deref(), Some("+6281234567890"));
        assert_eq!(normalize_phone("(021) 555-1234").as_deref(), Some("+62215551234"));
    }

    #[test]
    fn too_short_too_long_and_foreign_numbers_are_refused() {
        assert_eq!(normalize_phone("08123456"), None);
        assert_eq!(normalize_phone("0812345678901234"), None);
        assert_eq!(normalize_phone("+61 412 345 678"), None);
        assert_eq!(normalize_phone("08l2345678"), None);
    }
}
