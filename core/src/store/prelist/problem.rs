//! Why a prelist line was rejected, in words an operator can act on.
//!
//! Every problem names the field (by its path in the record, e.g. `members[2]/nik`) and the
//! line, never the value: values are NIKs and names, and rejection lists get copied into chats.

use std::fmt;

/// What is wrong with one line of a prelist file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The line is not valid JSON; `detail` is the parser's position message.
    NotJson { detail: String },
    /// The line is valid JSON but not an object.
    NotAnObject,
    /// The line is not valid UTF-8 text.
    NotUtf8,
    /// The line is longer than the import accepts.
    LineTooLong { limit: usize },
    /// A required field is missing or empty.
    Missing { field: String },
    /// A field that must be text (NIK, No. KK, ID DTKS) is a number, which loses digits.
    NotText { field: String },
    /// A field has the wrong JSON type.
    WrongType { field: String, expected: &'static str },
    /// A field is longer than allowed.
    TooLong { field: String, limit: usize },
    /// The desa code is not a Kemendagri desa code.
    BadDesaCode { field: String },
    /// The household has no members.
    NoMembers,
    /// The household lists more members than any real household has.
    TooManyMembers { count: usize, limit: usize },
    /// The same ID DTKS appeared earlier in this import.
    DuplicateInImport { first_line: u64 },
    /// A member row names a household that the households file does not contain.
    UnknownHousehold,
    /// A CSV row could not be read (wrong number of fields, bad quoting).
    CsvRow { detail: String },
}

impl Problem {
    /// A stable identifier for scripts and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NotJson { .. } => "not_json",
            Problem::NotAnObject => "not_an_object",
            Problem::NotUtf8 => "not_utf8",
            Problem::LineTooLong { .. } => "line_too_long",
            Problem::Missing { .. } => "missing",
            Problem::NotText { .. } => "not_text",
            Problem::WrongType { .. } => "wrong_type",
            Problem::TooLong { .. } => "too_long",
            Problem::BadDesaCode { .. } => "bad_desa_code",
            Problem::NoMembers => "no_members",
            Problem::TooManyMembers { .. } => "too_many_members",
            Problem::DuplicateInImport { .. } => "duplicate_in_import",
            Problem::UnknownHousehold => "unknown_household",
            Problem::CsvRow { .. } => "csv_row",
        }
    }

    /// The message in Bahasa Indonesia.
    pub fn message_id(&self) -> String {
        match self {
            Problem::NotJson { detail } => format!("Baris ini bukan JSON yang sah ({detail})."),
            Problem::NotAnObject => "Baris ini harus berupa objek JSON { … }.".into(),
            Problem::NotUtf8 => "Baris ini bukan teks UTF-8.".into(),
            Problem::LineTooLong { limit } => format!("Baris ini lebih panjang dari {limit} bita."),
            Problem::Missing { field } => {
                format!("Isian {field} wajib ada dan tidak boleh kosong.")
            }
            Problem::NotText { field } => format!(
                "Isian {field} harus ditulis sebagai teks (dalam tanda kutip); sebagai angka, digitnya bisa hilang."
            ),
            Problem::WrongType { field, expected } => {
                format!("Isian {field} harus berupa {}.", expected_id(expected))
            }
            Problem::TooLong { field, limit } => {
                format!("Isian {field} lebih panjang dari {limit} karakter.")
            }
            Problem::BadDesaCode { field } => {
                format!("Isian {field} bukan kode desa Kemendagri (PP.KK.CC.DDDD atau 10 digit).")
            }
            Problem::NoMembers => "Rumah tangga ini tidak punya anggota (members kosong).".into(),
            Problem::TooManyMembers { count, limit } => {
                format!("Rumah tangga ini punya {count} anggota; batasnya {limit}.")
            }
            Problem::DuplicateInImport { first_line } => {
                format!("ID DTKS ini sudah muncul di baris {first_line} pada impor yang sama.")
            }
            Problem::UnknownHousehold => {
                "ID DTKS anggota ini tidak ada di berkas rumah tangga.".into()
            }
            Problem::CsvRow { detail } => format!("Baris CSV ini tidak terbaca ({detail})."),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            Problem::NotJson { detail } => format!("This line is not valid JSON ({detail})."),
            Problem::NotAnObject => "This line must be a JSON object { … }.".into(),
            Problem::NotUtf8 => "This line is not UTF-8 text.".into(),
            Problem::LineTooLong { limit } => format!("This line is longer than {limit} bytes."),
            Problem::Missing { field } => {
                format!("The field {field} is required and must not be empty.")
            }
            Problem::NotText { field } => format!(
                "The field {field} must be written as text (in quotes); as a number it can lose digits."
            ),
            Problem::WrongType { field, expected } => {
                format!("The field {field} must be {expected}.")
            }
            Problem::TooLong { field, limit } => {
                format!("The field {field} is longer than {limit} characters.")
            }
            Problem::BadDesaCode { field } => format!(
                "The field {field} is not a Kemendagri desa code (PP.KK.CC.DDDD or 10 digits)."
            ),
            Problem::NoMembers => "This household has no members (members is empty).".into(),
            Problem::TooManyMembers { count, limit } => {
                format!("This household has {count} members; the limit is {limit}.")
            }
            Problem::DuplicateInImport { first_line } => {
                format!("This ID DTKS already appeared on line {first_line} of the same import.")
            }
            Problem::UnknownHousehold => {
                "This member's ID DTKS is not in the households file.".into()
            }
            Problem::CsvRow { detail } => format!("This CSV row cannot be read ({detail})."),
        }
    }
}

fn expected_id(expected: &str) -> &'static str {
    match expected {
        "an object" => "objek",
        "an array" => "larik (array)",
        "text" => "teks",
        _ => "nilai yang sesuai",
    }
}

/// One rejected line: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The file's name (not its full path).
    pub file: String,
    /// 1-based line number (for CSV: the physical line where the record starts).
    pub line: u64,
    pub problem: Problem,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} / {}",
            self.file,
            self.line,
            self.problem.message_id(),
            self.problem.message_en()
        )
    }
}
