//! Where the field work stands, for the office: per desa and kecamatan, households in the
//! prelist, visited and remaining, the current interviews by status keberadaan, new households,
//! returned and approved; per enumerator the same for their interviews. Every current interview
//! counts here, whatever its review state (the recap counts approved ones only); a household
//! visited twice counts once.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use super::{
    names::RegionNames,
    tally::{CURRENT_FACTS, kecamatan_of},
};

/// One desa, kecamatan or enumerator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProgressRow {
    pub code: String,
    pub name: String,
    /// Households in the prelist (0 for an enumerator).
    pub prelist: u64,
    /// Prelist households with a current interview.
    pub visited: u64,
    pub remaining: u64,
    /// Households by the status their current interview gives.
    pub status: [u64; 5],
    pub new_households: u64,
    /// Current interviews: approved, returned, the others waiting for a decision.
    pub approved: u64,
    pub returned: u64,
    pub waiting: u64,
}

impl ProgressRow {
    fn add(&mut self, other: &ProgressRow) {
        self.prelist += other.prelist;
        self.visited += other.visited;
        self.remaining += other.remaining;
        for (mine, theirs) in self.status.iter_mut().zip(other.status) {
            *mine += theirs;
        }
        self.new_households += other.new_households;
        self.approved += other.approved;
        self.returned += other.returned;
        self.waiting += other.waiting;
    }

    /// Visited households over the prelist's, 0–100.
    pub fn visited_percent(&self) -> f64 {
        if self.prelist == 0 {
            return 0.0;
        }
        (self.visited as f64 * 100.0 / self.prelist as f64).min(100.0)
    }
}

/// The progress of everything the receiver holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub desa: Vec<ProgressRow>,
    pub kecamatan: Vec<ProgressRow>,
    pub enumerators: Vec<ProgressRow>,
    pub total: ProgressRow,
}

/// The progress now.
pub fn progress(conn: &Connection) -> rusqlite::Result<Progress> {
    let mut desa: BTreeMap<String, ProgressRow> = BTreeMap::new();
    let mut enumerators: BTreeMap<String, ProgressRow> = BTreeMap::new();
    let mut prelist = conn.prepare("SELECT desa, count(*) FROM prelist GROUP BY desa")?;
    let mut rows = prelist.query([])?;
    while let Some(row) = rows.next()? {
        let entry = desa.entry(row.get(0)?).or_default();
        entry.prelist = row.get::<_, i64>(1)? as u64;
    }
    // A prelist household counts in its prelist desa (as the prelist's count does), a new one
    // in the desa its interview gives (`recap_facts.counted_desa`).
    let sql = format!(
        "SELECT c.state, c.enumerator, c.desa, c.household, c.status, c.nth, c.in_prelist
         FROM ({CURRENT_FACTS}) c"
    );
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let state: String = row.get(0)?;
        let enumerator: String = row.get(1)?;
        let household: Option<String> = row.get(3)?;
        let status: Option<String> = row.get(4)?;
        let first_of_household = row.get::<_, i64>(5)? == 1;
        let in_prelist: bool = row.get(6)?;
        let mut one = ProgressRow::default();
        match state.as_str() {
            "approved" => one.approved = 1,
            "returned" => one.returned = 1,
            _ => one.waiting = 1,
        }
        if first_of_household {
            one.visited = u64::from(in_prelist);
            one.new_households = u64::from(household.is_none());
            let code = status.as_deref().and_then(|s| s.parse::<usize>().ok());
            if let Some(code) = code.filter(|c| (1..=5).contains(c)) {
                one.status[code - 1] = 1;
            }
        }
        desa.entry(row.get(2)?).or_default().add(&one);
        enumerators.entry(enumerator).or_default().add(&one);
    }
    let names = RegionNames::load(conn, &desa.keys().cloned().collect::<Vec<_>>())?;
    Ok(assemble(desa, enumerators, &names))
}

fn assemble(
    desa: BTreeMap<String, ProgressRow>,
    enumerators: BTreeMap<String, ProgressRow>,
    names: &RegionNames,
) -> Progress {
    let mut progress = Progress::default();
    let mut kecamatan: BTreeMap<String, ProgressRow> = BTreeMap::new();
    for (code, mut row) in desa {
        row.remaining = row.prelist.saturating_sub(row.visited);
        row.name = names.name(&code);
        row.code = code;
        kecamatan.entry(kecamatan_of(&row.code)).or_default().add(&row);
        progress.total.add(&row);
        progress.desa.push(row);
    }
    for (code, mut row) in kecamatan {
        row.name = names.name(&code);
        row.code = code;
        progress.kecamatan.push(row);
    }
    for (name, mut row) in enumerators {
        row.code = name.clone();
        row.name = name;
        progress.enumerators.push(row);
    }
    progress.total.code = "total".into();
    progress.total.name = "Jumlah / Total".into();
    progress
}

/// The columns of the progress CSV after level, code and name.
pub const COLUMNS: [&str; 13] = [
    "prelist",
    "dikunjungi/visited",
    "sisa/remaining",
    "status_1",
    "status_2",
    "status_3",
    "status_4",
    "status_5",
    "ruta_baru/new_households",
    "disetujui/approved",
    "dikembalikan/returned",
    "menunggu/waiting",
    "persen_dikunjungi/visited_percent",
];

/// The progress as CSV: desa, kecamatan, enumerator and total rows with a level column.
pub fn csv(progress: &Progress, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["tingkat/level", "kode/code", "nama/name"];
    header.extend(COLUMNS);
    writer.write_record(&header)?;
    let levels = [
        ("desa", &progress.desa),
        ("kecamatan", &progress.kecamatan),
        ("pencacah/enumerator", &progress.enumerators),
    ];
    let total = vec![progress.total.clone()];
    for (level, rows) in levels.into_iter().chain([("total", &total)]) {
        for row in rows.iter() {
            let mut record = vec![level.to_owned(), row.code.clone(), row.name.clone()];
            record.extend(values(row));
            writer.write_record(&record)?;
        }
    }
    writer.flush()
}

fn values(row: &ProgressRow) -> Vec<String> {
    let mut out = vec![row.prelist.to_string(), row.visited.to_string(), row.remaining.to_string()];
    out.extend(row.status.iter().map(u64::to_string));
    out.extend([
        row.new_households.to_string(),
        row.approved.to_string(),
        row.returned.to_string(),
        row.waiting.to_string(),
        format!("{:.1}", row.visited_percent()),
    ]);
    out
}

/// The progress of the receiver's folder `dir` (`serve report progress`).
pub fn progress_in(dir: &std::path::Path, key: &[u8]) -> Result<Progress, crate::ServeError> {
    let conn = crate::store::open(dir, key)?;
    Ok(progress(&conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desa_roll_up_into_kecamatan_and_the_total_with_what_remains() {
        let mut desa = BTreeMap::new();
        desa.insert(
            "52.71.01.1001".to_owned(),
            ProgressRow { prelist: 10, visited: 4, ..ProgressRow::default() },
        );
        desa.insert(
            "52.71.01.1002".to_owned(),
            ProgressRow { prelist: 2, visited: 2, new_households: 1, ..ProgressRow::default() },
        );
        let progress = assemble(desa, BTreeMap::new(), &RegionNames::default());
        assert_eq!(progress.desa[0].remaining, 6);
        assert_eq!(progress.kecamatan.len(), 1);
        assert_eq!(
            (
                progress.kecamatan[0].prelist,
                progress.kecamatan[0].visited,
                progress.kecamatan[0].remaining
            ),
            (12, 6, 6)
        );
        assert_eq!(progress.total.new_households, 1);
        assert!((progress.desa[0].visited_percent() - 40.0).abs() < 1e-9);
    }
}
