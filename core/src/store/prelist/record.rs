//! Turning one parsed prelist record into a household ready to store.
//!
//! The prelist format (docs/prelist-format.md) keys fields by the form's node names: groups are
//! nested objects and the members repeat is the array `members`. The import checks only what it
//! needs to store and find a household: the ID DTKS, the desa code for area scoping, and each
//! member's name and NIK. Whether a NIK is *valid* is the rules' business, later, with the
//! enumerator at the door; the import only refuses values that have already lost information,
//! such as a NIK written as a JSON number.

use serde_json::{Map, Value};

use super::problem::Problem;

/// Most members a household may list. The largest DTKS households have about 20.
pub const MAX_MEMBERS: usize = 60;
const MAX_ID_LEN: usize = 64;
const MAX_NAME_LEN: usize = 200;

/// Node names the import reads.
pub mod fields {
    pub const ID_DTKS: &str = "id_dtks";
    pub const LOCATION: &str = "lokasi";
    pub const DESA: &str = "desa";
    pub const MEMBERS: &str = "members";
    pub const NAME: &str = "nama";
    pub const NIK: &str = "nik";
    pub const NO_KK: &str = "no_kk";
    pub const RELATIONSHIP: &str = "hubungan_krt";
    /// Relationship code of the head of household.
    pub const HEAD: &str = "1";
}

/// A validated household, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdInput {
    pub id_dtks: String,
    pub desa_code: String,
    /// The record without `members`.
    pub record: Map<String, Value>,
    pub members: Vec<MemberInput>,
}

/// A validated member.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberInput {
    pub name: String,
    /// The NIK with separators removed, for the search index; `None` when absent.
    pub nik: Option<String>,
    pub is_head: bool,
    pub record: Map<String, Value>,
}

impl HouseholdInput {
    /// The head's name, or the first member's when no one is marked head.
    pub fn head_name(&self) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.is_head)
            .or_else(|| self.members.first())
            .map(|m| m.name.as_str())
    }
}

/// Validates a whole household record (JSON Lines form, members inside).
pub fn household_from_json(value: Value) -> Result<HouseholdInput, Problem> {
    let Value::Object(mut record) = value else { return Err(Problem::NotAnObject) };
    let members_value = record.remove(fields::MEMBERS);
    let (id_dtks, desa_code) = household_keys(&record)?;
    let members = match members_value {
        None | Some(Value::Null) => return Err(Problem::NoMembers),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Problem::WrongType { field: fields::MEMBERS.into(), expected: "an array" });
        }
    };
    if members.is_empty() {
        return Err(Problem::NoMembers);
    }
    if members.len() > MAX_MEMBERS {
        return Err(Problem::TooManyMembers { count: members.len(), limit: MAX_MEMBERS });
    }
    let members = members
        .into_iter()
        .enumerate()
        .map(|(i, m)| member_from_json(m, &format!("{}[{}]/", fields::MEMBERS, i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HouseholdInput { id_dtks, desa_code, record, members })
}

/// Validates the household part of a record (CSV form: members come separately).
pub fn household_keys(record: &Map<String, Value>) -> Result<(String, String), Problem> {
    let id = required_text(record, fields::ID_DTKS, fields::ID_DTKS)?;
    if id.chars().count() > MAX_ID_LEN {
        return Err(Problem::TooLong { field: fields::ID_DTKS.into(), limit: MAX_ID_LEN });
    }
    let desa_field = format!("{}/{}", fields::LOCATION, fields::DESA);
    let location = match record.get(fields::LOCATION) {
        None | Some(Value::Null) => return Err(Problem::Missing { field: desa_field }),
        Some(Value::Object(location)) => location,
        Some(_) => {
            return Err(Problem::WrongType {
                field: fields::LOCATION.into(),
                expected: "an object",
            });
        }
    };
    let desa = required_text(location, fields::DESA, &desa_field)?;
    let desa = normalize_desa_code(&desa).ok_or(Problem::BadDesaCode { field: desa_field })?;
    Ok((id, desa))
}

/// Validates one member object; `prefix` names it in messages (`members[3]/`).
pub fn member_from_json(value: Value, prefix: &str) -> Result<MemberInput, Problem> {
    let Value::Object(record) = value else {
        return Err(Problem::WrongType {
            field: prefix.trim_end_matches('/').into(),
            expected: "an object",
        });
    };
    let name = required_text(&record, fields::NAME, &format!("{prefix}{}", fields::NAME))?;
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Problem::TooLong {
            field: format!("{prefix}{}", fields::NAME),
            limit: MAX_NAME_LEN,
        });
    }
    let nik = optional_text(&record, fields::NIK, &format!("{prefix}{}", fields::NIK))?
        .map(|nik| strip_separators(&nik))
        .filter(|nik| !nik.is_empty());
    optional_text(&record, fields::NO_KK, &format!("{prefix}{}", fields::NO_KK))?;
    let is_head = match record.get(fields::RELATIONSHIP) {
        Some(Value::String(code)) => code.trim() == fields::HEAD,
        Some(Value::Number(code)) => code.as_u64() == Some(1),
        _ => false,
    };
    Ok(MemberInput { name, nik, is_head, record })
}

/// `32.01.01.2001` or `3201012001` → `32.01.01.2001`.
pub fn normalize_desa_code(code: &str) -> Option<String> {
    let digits: String = code.trim().chars().filter(|c| *c != '.').collect();
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let dotted =
        format!("{}.{}.{}.{}", &digits[0..2], &digits[2..4], &digits[4..6], &digits[6..10]);
    // Dots, where given, must sit where Kemendagri puts them.
    let trimmed = code.trim();
    (trimmed == digits || trimmed == dotted).then_some(dotted)
}

/// Normalizes an area filter (provinsi, kab/kota, kecamatan or desa code) to dotted form.
pub fn normalize_area_code(code: &str) -> Option<String> {
    let digits: String = code.trim().chars().filter(|c| *c != '.').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cuts: &[usize] = match digits.len() {
        2 => &[2],
        4 => &[2, 4],
        6 => &[2, 4, 6],
        10 => &[2, 4, 6, 10],
        _ => return None,
    };
    let mut parts = Vec::new();
    let mut start = 0;
    for &end in cuts {
        parts.push(&digits[start..end]);
        start = end;
    }
    Some(parts.join("."))
}

/// Removes the spaces, dots and dashes people type inside NIKs and KK numbers.
pub fn strip_separators(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}')).collect()
}

fn required_text(record: &Map<String, Value>, key: &str, field: &str) -> Result<String, Problem> {
    optional_text(record, key, field)?
        .filter(|text| !text.is_empty())
        .ok_or_else(|| Problem::Missing { field: field.into() })
}

fn optional_text(
    record: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<String>, Problem> {
    match record.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if s.chars().any(char::is_control) {
                return Err(Problem::WrongType { field: field.into(), expected: "text" });
            }
            Ok(Some(s.trim().to_owned()))
        }
        Some(Value::Number(_)) => Err(Problem::NotText { field: field.into() }),
        Some(_) => Err(Problem::WrongType { field: field.into(), expected: "text" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn household() -> Value {
        json!({
            "id_dtks": "3201010001000001",
            "lokasi": {"desa": "32.01.01.2001", "alamat": "Jl. Melati 3"},
            "members": [
                {"nama": "Siti Aminah", "nik": "3201015208800003", "hubungan_krt": "2"},
                {"nama": "Budi Santoso", "nik": "3201 0112 0378 0001", "hubungan_krt": "1"}
            ]
        })
    }

    #[test]
    fn valid_household_keeps_its_fields_and_finds_its_head() {
        let h = household_from_json(household()).unwrap();
        assert_eq!(h.id_dtks, "3201010001000001");
        assert_eq!(h.desa_code, "32.01.01.2001");
        assert_eq!(h.head_name(), Some("Budi Santoso"));
        assert_eq!(h.members[1].nik.as_deref(), Some("3201011203780001"));
        assert!(h.record.get("members").is_none());
        assert_eq!(h.record["lokasi"]["alamat"], "Jl. Melati 3");
    }

    #[test]
    fn nik_written_as_a_number_is_refused_naming_the_member() {
        let mut v = household();
        v["members"][1]["nik"] = json!(3201011203780001u64);
        let err = household_from_json(v).unwrap_err();
        assert_eq!(err, Problem::NotText { field: "members[2]/nik".into() });
    }

    #[test]
    fn id_dtks_written_as_a_number_is_refused() {
        let mut v = household();
        v["id_dtks"] = json!(3201010001000001u64);
        assert_eq!(
            household_from_json(v).unwrap_err(),
            Problem::NotText { field: "id_dtks".into() }
        );
    }

    #[test]
    fn household_without_members_is_refused() {
        let mut v = household();
        v["members"] = json!([]);
        assert_eq!(household_from_json(v).unwrap_err(), Problem::NoMembers);
    }

    #[test]
    fn member_without_a_name_is_refused() {
        let mut v = household();
        v["members"][0]["nama"] = json!("  ");
        assert_eq!(
            household_from_json(v).unwrap_err(),
            Problem::Missing { field: "members[1]/nama".into() }
        );
    }

    #[test]
    fn desa_codes_are_accepted_dotted_or_bare_and_stored_dotted() {
        assert_eq!(normalize_desa_code("3201012001").as_deref(), Some("32.01.01.2001"));
        assert_eq!(normalize_desa_code("32.01.01.2001").as_deref(), Some("32.01.01.2001"));
        assert_eq!(normalize_desa_code("32.0101.2001"), None);
        assert_eq!(normalize_desa_code("32.01.01"), None);
        assert_eq!(normalize_desa_code("32.01.01.20x1"), None);
    }

    #[test]
    fn area_codes_normalize_at_every_level() {
        assert_eq!(normalize_area_code("32").as_deref(), Some("32"));
        assert_eq!(normalize_area_code("3201").as_deref(), Some("32.01"));
        assert_eq!(normalize_area_code("32.01.01").as_deref(), Some("32.01.01"));
        assert_eq!(normalize_area_code("3201012001").as_deref(), Some("32.01.01.2001"));
        assert_eq!(normalize_area_code("320"), None);
    }

    #[test]
    fn bad_desa_code_is_refused_naming_the_field() {
        let mut v = household();
        v["lokasi"]["desa"] = json!("Cibodas");
        assert_eq!(
            household_from_json(v).unwrap_err(),
            Problem::BadDesaCode { field: "lokasi/desa".into() }
        );
    }

    #[test]
    fn too_many_members_is_refused() {
        let mut v = household();
        v["members"] = Value::Array(vec![json!({"nama": "A B"}); MAX_MEMBERS + 1]);
        assert!(matches!(household_from_json(v), Err(Problem::TooManyMembers { .. })));
    }
}
