//! The registry's rules (docs/domain.md, with every rule id in its catalogue), pure: no I/O, no clock.
//!
//! Rules read a household's answers by meaning, not by field name: [`facts`] gathers them from
//! an interview through the form's `verivali:role` binds, so any form that tags its fields gets
//! these rules. What only the prelist knows (which households hold a NIK, whether an ID DTKS
//! exists) comes through [`PrelistLookup`]. Every finding has a stable rule id, a severity and a
//! message in Bahasa Indonesia and English; messages never quote a name or a NIK.

pub mod backcheck;
pub mod facts;
mod household;
mod location;
mod names;
pub mod nik;
mod phone;
pub mod regions;
pub mod review;
#[cfg(test)]
mod scenarios;

use serde::Serialize;

pub use facts::{Household, Kyc, Member};
pub use household::successor;
pub use names::{check_name, normalize_name};
pub use phone::normalize_phone;

/// How much a finding weighs at finalize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks finalizing.
    Error,
    /// Finalizing needs the enumerator's short reason, which travels with the submission.
    Warning,
    /// Shown, not blocking.
    Info,
}

/// A text in Bahasa Indonesia and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: String,
    pub en: String,
}

/// What a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id, e.g. `nik.serial`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The field it is about, with repeat indexes (`/data/members[2]/nik`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub message: Message,
    /// A value the enumerator may take over (a member number, a normalised phone number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static str, severity: Severity, id: &str, en: &str) -> Finding {
        Finding {
            rule,
            severity,
            reference: None,
            message: Message { id: id.to_owned(), en: en.to_owned() },
            suggestion: None,
        }
    }

    pub fn at(mut self, reference: &str) -> Finding {
        self.reference = Some(reference.to_owned());
        self
    }

    pub fn suggesting(mut self, value: impl Into<String>) -> Finding {
        self.suggestion = Some(value.into());
        self
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date, if it exists.
    pub fn new(year: i64, month: u32, day: u32) -> Option<Date> {
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= verivali_form::xpath::days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Reads `YYYY-MM-DD` (a dateTime's date part is accepted).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let date = text.get(..10)?;
        let mut parts = date.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The date `days` days after 1970-01-01 (proleptic Gregorian calendar).
    pub fn from_unix_days(days: i64) -> Date {
        // Count in 400-year eras starting on 1 March, so that leap days fall at the end.
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date { year, month: month as u32, day }
    }

    /// Whole years from `self` to `on`.
    pub fn age_on(self, on: Date) -> i64 {
        let birthday_passed = (on.month, on.day) >= (self.month, self.day);
        on.year - self.year - i64::from(!birthday_passed)
    }
}

/// The prelist could not be read. The rules stop rather than judge without it: an empty answer
/// would let a duplicate NIK pass unseen. The reader logs its own cause; this carries none, so
/// no query text or personal data travels with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Prelist tidak dapat dibaca untuk pemeriksaan aturan. / The prelist could not be read to check the rules."
)]
pub struct LookupFailed;

/// What the prelist knows, for the rules that look beyond the household.
pub trait PrelistLookup {
    /// The ID DTKS of every prelist household with a member holding `nik` (digits only).
    fn households_with_nik(&self, nik: &str) -> Result<Vec<String>, LookupFailed>;
    /// The NIKs (digits only) and names of the members of prelist household `id_dtks`, or
    /// `None` when there is no such household.
    fn household_members(
        &self,
        id_dtks: &str,
    ) -> Result<Option<Vec<(String, String)>>, LookupFailed>;
}

/// A prelist with nothing in it: for new households and tests.
pub struct NoPrelist;

impl PrelistLookup for NoPrelist {
    fn households_with_nik(&self, _: &str) -> Result<Vec<String>, LookupFailed> {
        Ok(Vec::new())
    }

    fn household_members(&self, _: &str) -> Result<Option<Vec<(String, String)>>, LookupFailed> {
        Ok(None)
    }
}

/// Runs every rule on a household, in a fixed order: existence status, members (NIK, KK, names),
/// household consistency, then the pengurus and KYC when the household is active (status 1 or 2).
pub fn check(
    household: &Household,
    prelist: &dyn PrelistLookup,
    today: Date,
) -> Result<Vec<Finding>, LookupFailed> {
    check_with(household, prelist, today, &Settings::default())
}

/// The rules' tunable thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How far the house's GPS point may be from where the prelist placed it before a warning.
    pub far_from_known_m: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { far_from_known_m: 5_000.0 }
    }
}

/// [`check`] with explicit thresholds.
pub fn check_with(
    household: &Household,
    prelist: &dyn PrelistLookup,
    today: Date,
    settings: &Settings,
) -> Result<Vec<Finding>, LookupFailed> {
    let mut findings = household::status(household, prelist)?;
    findings.extend(household::members(household, prelist, today)?);
    findings.extend(household::consistency(household, today));
    if household.is_active() {
        findings.extend(household::pengurus(household, today));
        findings.extend(household::kyc(household, today));
    }
    findings.extend(phone::check_phone_field(household));
    findings.extend(location::far_from_known(household, settings));
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_ages_count_whole_years() {
        assert_eq!(Date::parse("2008-02-29"), Date::new(2008, 2, 29));
        assert_eq!(Date::parse("2009-02-29"), None);
        assert_eq!(Date::parse("8-2-2009"), None);
        let born = Date::new(2009, 11, 29).unwrap();
        assert_eq!(born.age_on(Date::new(2026, 11, 28).unwrap()), 16);
        assert_eq!(born.age_on(Date::new(2026, 11, 29).unwrap()), 17);
        assert_eq!(Date::from_unix_days(0), Date::new(1970, 1, 1).unwrap());
        assert_eq!(Date::from_unix_days(11_016), Date::new(2000, 2, 29).unwrap());
        assert_eq!(Date::from_unix_days(20_420), Date::new(2025, 11, 28).unwrap());
        assert_eq!(Date::from_unix_days(-1), Date::new(1969, 12, 31).unwrap());
    }
}
