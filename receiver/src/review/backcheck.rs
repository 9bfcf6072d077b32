//! The back-check report on the receiver (issue 18, ADR 0024): each back-check a pengawas's
//! phone relayed, compared with the interview as the receiver holds it, by the same code the
//! phone uses (`verivali_rules::backcheck`), so both show the same rates. Per household, the
//! answers side by side; per enumerator, the share of questions that differ.

use std::collections::BTreeMap;

use rusqlite::Connection;
use verivali_form::dom::Document;
use verivali_rules::backcheck::{self, Compared, Tally};

use super::detail::FormCache;

/// One household's back-check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdCheck {
    pub instance_id: String,
    pub enumerator: String,
    pub household: Option<String>,
    pub desa: Option<String>,
    pub done_at: i64,
    pub rows: Vec<Compared>,
    pub tally: Tally,
    /// Why it cannot be compared (the form no longer loads, an encrypted submission).
    pub unreadable: Option<String>,
}

/// One enumerator's back-checks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnumeratorCheck {
    pub enumerator: String,
    pub households: u32,
    pub tally: Tally,
    /// `differ / asked`.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub households: Vec<HouseholdCheck>,
    pub enumerators: Vec<EnumeratorCheck>,
}

type Row = (String, String, Option<String>, Option<String>, String, Vec<u8>, String, i64);

/// Every back-check held, compared.
pub fn report(conn: &Connection, forms: &FormCache) -> rusqlite::Result<Report> {
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT b.instance_id, s.enumerator, s.household, s.desa, s.form_id, s.xml, b.answers,
                    b.done_at
             FROM backchecks b JOIN submissions s ON s.instance_id = b.instance_id
             ORDER BY s.enumerator, b.done_at, b.instance_id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let households: Vec<HouseholdCheck> =
        rows.into_iter().map(|row| compared(conn, forms, row)).collect();
    Ok(Report { enumerators: per_enumerator(&households), households })
}

fn compared(conn: &Connection, forms: &FormCache, row: Row) -> HouseholdCheck {
    let (instance_id, enumerator, household, desa, form_id, xml, answers, done_at) = row;
    let mut check = HouseholdCheck {
        instance_id,
        enumerator,
        household,
        desa,
        done_at,
        rows: Vec::new(),
        tally: Tally::default(),
        unreadable: None,
    };
    let form = match forms.get(conn, &form_id) {
        Ok(Some(form)) => form,
        _ => {
            check.unreadable =
                Some("formulir tidak dapat dimuat / the form cannot be loaded".into());
            return check;
        }
    };
    let Some(doc) = std::str::from_utf8(&xml).ok().and_then(|t| Document::parse(t).ok()) else {
        check.unreadable = Some("kiriman tidak terbaca / the submission cannot be read".into());
        return check;
    };
    let questions = backcheck::questions(&form);
    let first = backcheck::first_answers(&questions, &doc);
    let second: BTreeMap<String, String> = serde_json::from_str(&answers).unwrap_or_default();
    check.rows = backcheck::compare(&questions, &first, &second);
    check.tally = Tally::of(&check.rows);
    check
}

fn per_enumerator(households: &[HouseholdCheck]) -> Vec<EnumeratorCheck> {
    let mut by: BTreeMap<&str, (u32, Tally)> = BTreeMap::new();
    for h in households {
        let (count, tally) = by.entry(h.enumerator.as_str()).or_default();
        *count += 1;
        tally.add(h.tally);
    }
    by.into_iter()
        .map(|(enumerator, (households, tally))| EnumeratorCheck {
            enumerator: enumerator.to_owned(),
            households,
            share: tally.share(),
            tally,
        })
        .collect()
}

/// The report from the receiver's data folder (`serve backcheck report`).
pub fn report_in(dir: &std::path::Path, key: &[u8]) -> Result<Report, crate::ServeError> {
    let conn = crate::store::open(dir, key)?;
    Ok(report(&conn, &FormCache::default())?)
}
