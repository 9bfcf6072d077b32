//! A household's answers by meaning: gathered from an interview through the form's
//! `verivali:role` binds (docs/domain.md#roles), so the rules never name a form's fields.

use verivali_form::session::Session;

/// One answered field: its value and where it is (`/data/members[2]/nik`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub value: String,
    pub reference: String,
}

impl Field {
    /// A field answered in a test or by a caller that knows the reference.
    pub fn new(value: &str, reference: &str) -> Field {
        Field { value: value.to_owned(), reference: reference.to_owned() }
    }
}

/// The household's members and answers that the rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Household {
    /// The household's own ID DTKS; `None` for a new household (*usulan baru*).
    pub id_dtks: Option<Field>,
    pub status: Option<Field>,
    pub duplicate_of: Option<Field>,
    /// The member number (`no_art`) of the account holder.
    pub pengurus: Option<Field>,
    pub phone: Option<Field>,
    pub members: Vec<Member>,
    pub kyc: Kyc,
    /// The house's GPS point as answered (`lat lon alt accuracy`).
    pub location: Option<Field>,
    /// Where the registry last placed the house (`lat lon`), from the prelist record.
    pub known_location: Option<String>,
    /// Whether the answers differ from the prelist's record; `None` without a preload.
    pub changed: Option<bool>,
}

/// One member (a repeat instance).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// The repeat instance, e.g. `/data/members[2]`.
    pub reference: String,
    pub member_no: Option<Field>,
    pub name: Option<Field>,
    pub nik: Option<Field>,
    pub no_kk: Option<Field>,
    pub sex: Option<Field>,
    pub dob: Option<Field>,
    pub relationship: Option<Field>,
    pub marital_status: Option<Field>,
    pub status: Option<Field>,
    pub mother_maiden_name: Option<Field>,
}

/// The KYC block of the account holder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kyc {
    pub name: Option<Field>,
    pub nik: Option<Field>,
    pub dob: Option<Field>,
    pub mother_maiden_name: Option<Field>,
    pub address: Option<Field>,
}

/// The value of a field, when answered.
pub(super) fn text(field: &Option<Field>) -> Option<&str> {
    field.as_ref().map(|f| f.value.trim()).filter(|v| !v.is_empty())
}

impl Household {
    /// The existence status 1–5, when answered.
    pub fn status_code(&self) -> Option<u8> {
        text(&self.status).and_then(|s| s.parse().ok())
    }

    /// Status 1 or 2: the household is active, so KYC applies.
    pub fn is_active(&self) -> bool {
        matches!(self.status_code(), Some(1 | 2))
    }

    /// Gathers the fields the form tags with roles, relevant ones only (a non-relevant field
    /// reads as unanswered, as it would be submitted).
    pub fn from_session(session: &Session, changed: Option<bool>) -> Household {
        let roles: Vec<(String, String)> = session
            .form()
            .def
            .binds
            .iter()
            .filter_map(|b| b.role.clone().map(|role| (role, b.nodeset.clone())))
            .collect();
        let path_of = |role: &str| roles.iter().find(|(r, _)| r == role).map(|(_, p)| p.as_str());
        let field = |role: &str| path_of(role).and_then(|path| read(session, path));
        let members_path = path_of("members").map(str::to_owned).or_else(|| {
            path_of("person_name").and_then(|p| p.rsplit_once('/')).map(|(parent, _)| parent.into())
        });
        Household {
            id_dtks: field("id_dtks"),
            status: field("status_keberadaan"),
            duplicate_of: field("duplicate_of"),
            pengurus: field("pengurus"),
            phone: field("phone"),
            members: members_path.map(|m| members(session, &m, &roles)).unwrap_or_default(),
            kyc: Kyc {
                name: field("kyc_name"),
                nik: field("kyc_nik"),
                dob: field("kyc_dob"),
                mother_maiden_name: field("kyc_mother_maiden_name"),
                address: field("kyc_address"),
            },
            location: field("house_location"),
            known_location: None,
            changed,
        }
    }
}

fn members(session: &Session, repeat: &str, roles: &[(String, String)]) -> Vec<Member> {
    let inside = format!("{repeat}/");
    let mut out = Vec::new();
    for index in 1.. {
        let reference = format!("{repeat}[{index}]");
        let Some(node) = session.resolve(&reference) else { break };
        if !session.is_relevant(node) {
            continue;
        }
        let field = |role: &str| {
            let (_, path) = roles.iter().find(|(r, p)| r == role && p.starts_with(&inside))?;
            read(session, &format!("{reference}/{}", &path[inside.len()..]))
        };
        out.push(Member {
            member_no: field("member_no"),
            name: field("person_name"),
            nik: field("nik"),
            no_kk: field("no_kk"),
            sex: field("sex"),
            dob: field("dob"),
            relationship: field("relationship"),
            marital_status: field("marital_status"),
            status: field("member_status"),
            mother_maiden_name: field("mother_maiden_name"),
            reference,
        });
    }
    out
}

fn read(session: &Session, reference: &str) -> Option<Field> {
    let node = session.resolve(reference)?;
    session.is_relevant(node).then(|| Field {
        value: session.document().get(node).text.clone(),
        reference: reference.to_owned(),
    })
}

impl Member {
    pub fn code(&self, field: fn(&Member) -> &Option<Field>) -> Option<&str> {
        text(field(self))
    }

    /// Living and still in the household (BDT member status 1, or 4 for a new member).
    pub fn is_present(&self) -> bool {
        matches!(text(&self.status), None | Some("1" | "4"))
    }

    pub fn is_deceased(&self) -> bool {
        text(&self.status) == Some("2")
    }

    pub fn is_female(&self) -> Option<bool> {
        match text(&self.sex) {
            Some("2") => Some(true),
            Some("1") => Some(false),
            _ => None,
        }
    }

    pub fn is_head(&self) -> bool {
        text(&self.relationship) == Some("1")
    }

    pub fn is_child(&self) -> bool {
        text(&self.relationship) == Some("3")
    }

    /// Married, divorced or widowed.
    pub fn ever_married(&self) -> bool {
        matches!(text(&self.marital_status), Some("2" | "3" | "4"))
    }

    pub fn birth_date(&self) -> Option<super::Date> {
        text(&self.dob).and_then(super::Date::parse)
    }
}
