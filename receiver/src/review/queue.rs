//! The pengawas's queue: the current version of each received interview with its review state
//! and reasons, filtered by desa, enumerator, state and reason, a page at a time, oldest first.
//! The same rows feed the browser pages and `verivali serve review list`.

use rusqlite::{Connection, ToSql};

use super::{model::ReviewState, store::reason_codes};

/// What the queue shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub state: Option<ReviewState>,
    /// A desa code, or a dotted prefix of one (a kecamatan).
    pub desa: Option<String>,
    pub enumerator: Option<String>,
    /// A reason code or its start (`status`, `warning`, `far_from_prelist`, `random`, …).
    pub reason: Option<String>,
    pub offset: u32,
    /// At most [`MAX_PAGE`].
    pub limit: u32,
}

/// The longest page the queue returns.
pub const MAX_PAGE: u32 = 500;

/// One interview in the queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueRow {
    pub instance_id: String,
    pub form_id: String,
    pub enumerator: String,
    pub desa: Option<String>,
    pub household: Option<String>,
    pub status: Option<String>,
    pub state: String,
    pub reasons: Vec<String>,
    pub received_at: i64,
    /// The returned version this one corrects.
    pub corrects: Option<String>,
}

/// A page of the queue, with how many match and the count per state of all current versions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Queue {
    pub rows: Vec<QueueRow>,
    pub matching: u64,
    pub per_state: Vec<(String, u64)>,
}

/// A page of the queue as `filter` asks. Reads the `reviews` table and its indexes only.
pub fn queue(conn: &Connection, filter: &Filter) -> rusqlite::Result<Queue> {
    let (conditions, values) = conditions(filter);
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
    let from = format!("FROM reviews r WHERE {}", conditions.join(" AND "));
    let matching: i64 =
        conn.query_row(&format!("SELECT count(*) {from}"), params.as_slice(), |r| r.get(0))?;
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let rows = conn
        .prepare(&format!(
            "SELECT {ROW_COLUMNS} {from} ORDER BY r.received_at, r.instance_id LIMIT {limit} OFFSET {}",
            filter.offset
        ))?
        .query_map(params.as_slice(), row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Queue { rows, matching: matching as u64, per_state: per_state(conn)? })
}

/// The columns [`row`] reads, from `reviews r`.
pub(crate) const ROW_COLUMNS: &str = "r.instance_id, r.form_id, r.enumerator, r.desa, r.household, \
     r.status, r.state, r.reasons, r.received_at, r.edit_of, r.corrects";

/// A queue row from [`ROW_COLUMNS`].
pub(crate) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let edit_of: Option<String> = r.get(9)?;
    let corrects: bool = r.get(10)?;
    Ok(QueueRow {
        instance_id: r.get(0)?,
        form_id: r.get(1)?,
        enumerator: r.get(2)?,
        desa: r.get(3)?,
        household: r.get(4)?,
        status: r.get(5)?,
        state: r.get(6)?,
        reasons: reason_codes(&r.get::<_, String>(7)?),
        received_at: r.get(8)?,
        corrects: edit_of.filter(|_| corrects),
    })
}

fn conditions(filter: &Filter) -> (Vec<String>, Vec<String>) {
    let mut conditions = vec!["r.current = 1".to_owned()];
    let mut values: Vec<String> = Vec::new();
    // Each `?` of a condition becomes the next numbered placeholder, taking the next value.
    let mut add = |condition: &str, these: Vec<String>| {
        let mut numbered = String::new();
        for (i, piece) in condition.split('?').enumerate() {
            if i > 0 {
                numbered.push_str(&format!("?{}", values.len() + i));
            }
            numbered.push_str(piece);
        }
        values.extend(these);
        conditions.push(numbered);
    };
    if let Some(state) = filter.state {
        add("r.state = ?", vec![state.as_str().to_owned()]);
    }
    // As typed: `5271`, `52.71` or `52.71.`, all the same kabupaten.
    let desa = filter.desa.as_deref().map(|d| crate::scope::dotted(d.trim().trim_end_matches('.')));
    if let Some(desa) = desa.as_deref().filter(|d| !d.is_empty()) {
        // The code itself, or any code under it: `52.71` covers `52.71.` up to `52.71/`.
        add(
            "(r.desa = ? OR (r.desa >= ? AND r.desa < ?))",
            vec![desa.to_owned(), format!("{desa}."), format!("{desa}/")],
        );
    }
    if let Some(enumerator) = filter.enumerator.as_deref().filter(|e| !e.is_empty()) {
        add("r.enumerator = ?", vec![enumerator.to_owned()]);
    }
    if let Some(reason) = filter.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        // Codes starting with the text: between it and it followed by the highest character.
        add(
            "r.instance_id IN (SELECT instance_id FROM review_reasons WHERE code >= ? AND code < ?)",
            vec![reason.to_owned(), format!("{reason}\u{10FFFF}")],
        );
    }
    (conditions, values)
}

/// How many current versions are in each review state.
pub fn per_state(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    conn.prepare(
        "SELECT state, count(*) FROM reviews WHERE current = 1 GROUP BY state ORDER BY state",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
    .collect()
}

/// The enumerators devices were issued to, for the queue's filter.
pub fn enumerators(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT DISTINCT enumerator FROM tokens ORDER BY enumerator")?
        .query_map([], |r| r.get(0))?
        .collect()
}
