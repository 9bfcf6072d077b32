//! The pengawas review (issue 17, docs/adr/0022-review-state-machine.md): which received
//! interviews a pengawas looks at and why, what they decide, and how a return reaches the phone.
//!
//! - [`model`]: the state machine and the spot-check sample, pure;
//! - [`store`]: review state, events and comments in the receiver's database, drawn on receipt;
//! - [`queue`]: the filtered queue; [`detail`]: one interview as the pengawas reads it;
//! - [`pages`]: the browser pages; [`returns`]: the endpoint devices fetch their returns from.

pub mod backcheck;
pub(crate) mod backcheck_page;
pub mod detail;
pub mod model;
pub(crate) mod pages;
pub mod queue;
pub(crate) mod returns;
pub mod store;
pub mod team;

use rusqlite::Connection;
use verivali_form::dom::Document;

pub use model::*;

use crate::store::Published;

/// The checks attachment the device sends with each interview.
pub const CHECKS_FILE: &str = "verivali-checks.json";

/// What the sample reads from a submission: its household, whether it is new, the house's
/// point and the warnings the enumerator confirmed.
pub fn arrival(
    instance: &Document,
    form: &Published,
    household: Option<String>,
    encrypted: bool,
    checks: Option<&[u8]>,
) -> store::Arrival {
    let read = |path: &Option<String>| {
        path.as_deref().and_then(|p| crate::submission::read_path(instance, p))
    };
    store::Arrival {
        new_household: !encrypted && form.id_dtks_path.is_some() && household.is_none(),
        household,
        house_point: read(&form.location_path),
        confirmed_warnings: checks.map(model::confirmed_warnings).unwrap_or_default(),
    }
}

/// A stored submission without a review row: instanceID, form, enumerator, XML, status and the
/// version it edits.
type Unreviewed =
    (String, String, String, Vec<u8>, Option<String>, Option<String>, Option<String>, i64);

/// Draws the sample for submissions stored before the receiver kept reviews (schema version
/// 4), once, in one transaction, as if each had just arrived in the order received.
pub(crate) fn backfill(conn: &mut Connection) -> rusqlite::Result<()> {
    // Counted on indexes first: the search below reads every submission's row.
    if !crate::store::fewer_rows_than_submissions(conn, "reviews")? {
        return Ok(());
    }
    let missing: Vec<Unreviewed> = conn
        .prepare(
            "SELECT s.instance_id, s.form_id, s.enumerator, s.xml, s.status, s.deprecated_id,
                    s.desa, s.received_at
             FROM submissions s LEFT JOIN reviews r ON r.instance_id = s.instance_id
             WHERE r.instance_id IS NULL ORDER BY s.received_at, s.instance_id",
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
    if missing.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (instance_id, form_id, enumerator, xml, status, deprecated_id, desa, received_at) in missing
    {
        let parsed = std::str::from_utf8(&xml).ok().and_then(|t| Document::parse(t).ok());
        let form = crate::store::published(&tx, &form_id)?;
        let found = match (&parsed, &form) {
            (Some(instance), Some(form)) => {
                let household = form
                    .id_dtks_path
                    .as_deref()
                    .and_then(|p| crate::submission::read_path(instance, p));
                let encrypted = instance.attribute(instance.root(), "encrypted") == Some("yes");
                let checks = attachment(&tx, &instance_id, CHECKS_FILE)?;
                arrival(instance, form, household, encrypted, checks.as_deref())
            }
            _ => store::Arrival::default(),
        };
        tx.execute(
            "UPDATE submissions SET household = ?2 WHERE instance_id = ?1",
            rusqlite::params![instance_id, found.household],
        )?;
        let arrived = store::Arrived {
            instance_id: &instance_id,
            form_id: &form_id,
            enumerator: &enumerator,
            desa: desa.as_deref(),
            received_at,
            status: status.as_deref(),
            deprecated_id: deprecated_id.as_deref(),
            arrival: &found,
        };
        // The arrival is recorded at the time it was received, not at the upgrade.
        store::on_received(&tx, &arrived, received_at)?;
    }
    tx.commit()
}

/// One attachment of a submission.
pub(crate) fn attachment(
    conn: &Connection,
    instance_id: &str,
    name: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = ?2",
        [instance_id, name],
        |r| r.get(0),
    )
    .optional()
}

/// The queue as `filter` asks, from the receiver's data folder (`serve review list`).
pub fn list(
    dir: &std::path::Path,
    key: &[u8],
    filter: &queue::Filter,
) -> Result<queue::Queue, crate::ServeError> {
    let conn = crate::store::open(dir, key)?;
    Ok(queue::queue(&conn, filter)?)
}

/// One interview as a pengawas reads it (`serve review show`).
pub fn show(
    dir: &std::path::Path,
    key: &[u8],
    instance_id: &str,
) -> Result<Option<detail::InterviewDetail>, crate::ServeError> {
    let conn = crate::store::open(dir, key)?;
    Ok(detail::detail(&conn, &detail::FormCache::default(), instance_id)?)
}

/// Takes a review action as `actor` (`serve review approve|return|queue`); returns the new
/// state.
pub fn decide(
    dir: &std::path::Path,
    key: &[u8],
    instance_id: &str,
    actor: &str,
    action: &Action,
    note: Option<&str>,
) -> Result<ReviewState, crate::ServeError> {
    let mut conn = crate::store::open(dir, key)?;
    Ok(store::act(&mut conn, instance_id, actor, action, note, verivali_core::api::now_ms())?)
}

/// The note kept with each interview accepted without a spot-check.
pub const ACCEPTED_UNSAMPLED: &str =
    "diterima tanpa pemeriksaan sampel / accepted without a spot-check";

/// Approves, as `actor`, every current interview the sample did not draw (`not_sampled`) whose
/// desa lies under `area` (a code or a dotted prefix), in one transaction; each is recorded in
/// its history with [`ACCEPTED_UNSAMPLED`]. How an office closes a period (ADR 0025). Returns
/// how many.
pub fn accept_unsampled(
    dir: &std::path::Path,
    key: &[u8],
    area: &str,
    actor: &str,
) -> Result<usize, crate::ServeError> {
    let area = crate::scope::area_code_or_refusal(area)?;
    let area = area.as_str();
    let mut conn = crate::store::open(dir, key)?;
    let tx = conn.transaction()?;
    let prefix = format!("{area}.");
    let unsampled: Vec<String> = tx
        .prepare(
            "SELECT instance_id FROM reviews WHERE current = 1 AND state = 'not_sampled'
             AND (desa = ?1 OR substr(desa, 1, length(?2)) = ?2) ORDER BY received_at, instance_id",
        )?
        .query_map([area, prefix.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let now = verivali_core::api::now_ms();
    for instance_id in &unsampled {
        store::act_in(&tx, instance_id, actor, &Action::Approve, Some(ACCEPTED_UNSAMPLED), now)?;
    }
    tx.commit()?;
    Ok(unsampled.len())
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM`, UTC, as the pages and the terminal show
/// times.
pub fn time_text(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 3600, in_day % 3600 / 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
