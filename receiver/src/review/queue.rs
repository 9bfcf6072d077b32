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

/// The columns [`row`] reads, from `submissions s JOIN reviews r`.
pub(crate) const ROW_COLUMNS: &str = "s.instance_id, s.form_id, s.enumerator, s.desa, s.household, \
     s.status, r.state, r.reasons, s.received_at, s.deprecated_id, \
     (SELECT p.state FROM reviews p WHERE p.instance_id = s.deprecated_id)";

/// A queue row from [`ROW_COLUMNS`]; `corrects` only when the edited version was returned.
pub(crate) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let deprecated: Option<String> = r.get(9)?;
    let previous_state: Option<String> = r.get(10)?;
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
        corrects: deprecated.filter(|_| previous_state.as_deref() == Some("returned")),
    })
}

const CURRENT: &str =
    "NOT EXISTS (SELECT 1 FROM submissions c WHERE c.deprecated_id = s.instance_id)";

/// A page of the queue as `filter` asks.
pub fn queue(conn: &Connection, filter: &Filter) -> rusqlite::Result<Queue> {
    let (conditions, values) = conditions(filter);
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
    let from = format!(
        "FROM submissions s JOIN reviews r ON r.instance_id = s.instance_id WHERE {}",
        conditions.join(" AND ")
    );
    let matching: i64 =
        conn.query_row(&format!("SELECT count(*) {from}"), params.as_slice(), |r| r.get(0))?;
    let matching = matching as u64;
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let rows = conn
        .prepare(&format!(
            "SELECT {ROW_COLUMNS} {from} ORDER BY s.received_at, s.instance_id LIMIT {limit} OFFSET {}",
            filter.offset
        ))?
        .query_map(params.as_slice(), row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Queue { rows, matching, per_state: per_state(conn)? })
}

fn conditions(filter: &Filter) -> (Vec<String>, Vec<String>) {
    let mut conditions = vec![CURRENT.to_owned()];
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
    if let Some(desa) = filter.desa.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        add(
            "(s.desa = ? OR s.desa LIKE ? || '.%' ESCAPE '\\')",
            vec![desa.to_owned(), like_escaped(desa)],
        );
    }
    if let Some(enumerator) = filter.enumerator.as_deref().filter(|e| !e.is_empty()) {
        add("s.enumerator = ?", vec![enumerator.to_owned()]);
    }
    if let Some(reason) = filter.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        add(
            "EXISTS (SELECT 1 FROM json_each(r.reasons) j
                     WHERE json_extract(j.value, '$.code') LIKE ? || '%' ESCAPE '\\')",
            vec![like_escaped(reason)],
        );
    }
    (conditions, values)
}

fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// How many current versions are in each review state.
pub fn per_state(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    conn.prepare(&format!(
        "SELECT r.state, count(*) FROM submissions s JOIN reviews r ON r.instance_id = s.instance_id
         WHERE {CURRENT} GROUP BY r.state ORDER BY r.state"
    ))?
    .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
    .collect()
}

/// The enumerators who sent anything, for the queue's filter.
pub fn enumerators(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT DISTINCT enumerator FROM submissions ORDER BY enumerator")?
        .query_map([], |r| r.get(0))?
        .collect()
}
