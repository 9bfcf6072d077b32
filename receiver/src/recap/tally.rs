//! The ratification recap (*rekapitulasi hasil verifikasi dan validasi*), added up from
//! `recap_facts`: per desa, per kecamatan and for each kab/kota, households per status 1–5 and
//! new households, members added, removed and deceased, KYC completed; and the lists behind
//! it: households that stay (1, 2), those proposed for removal (3, 4, 5) with their reasons,
//! new households.
//!
//! **Only approved interviews count** (ADR 0025): the current version of each interview (a
//! correction replaces what it corrects) whose review state is `approved`; a household visited
//! more than once counts once, by its latest approved interview. Every other current interview
//! is *pending* and the recap says how many, per row.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use super::names::RegionNames;

/// The status labels (seed FAQ; DOMAIN §4.1).
pub const STATUS_LABELS: [&str; 5] = [
    "Ditemukan, tidak ada update",
    "Ditemukan, ada update",
    "Tidak ditemukan",
    "Ditemukan mampu",
    "Ditemukan ganda",
];

/// What one row of the recap adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Households of the prelist in the area.
    pub prelist: u64,
    /// Households counted: approved, each once.
    pub approved: u64,
    /// Approved households by status 1–5.
    pub status: [u64; 5],
    /// Approved households without an ID DTKS (*usulan baru*).
    pub new_households: u64,
    pub members_added: u64,
    pub members_removed: u64,
    pub members_deceased: u64,
    /// Approved households with status 1 or 2 whose KYC block is complete, and all of them.
    pub kyc_complete: u64,
    pub kyc_required: u64,
    /// Current interviews not approved yet (waiting, not sampled, returned).
    pub pending: u64,
    /// Of those, returned to the enumerator.
    pub returned: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.prelist += other.prelist;
        self.approved += other.approved;
        for (mine, theirs) in self.status.iter_mut().zip(other.status) {
            *mine += theirs;
        }
        self.new_households += other.new_households;
        self.members_added += other.members_added;
        self.members_removed += other.members_removed;
        self.members_deceased += other.members_deceased;
        self.kyc_complete += other.kyc_complete;
        self.kyc_required += other.kyc_required;
        self.pending += other.pending;
        self.returned += other.returned;
    }
}

/// One row: a region (desa, kecamatan or kab/kota) with its name and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub counts: Counts,
}

/// One household in the lists behind the recap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub id_dtks: Option<String>,
    pub desa: String,
    pub desa_name: String,
    pub head_name: Option<String>,
    pub address: Option<String>,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub enumerator: String,
    pub instance_id: String,
}

/// One kab/kota's recap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kabupaten {
    pub code: String,
    pub name: String,
    pub total: Counts,
    pub kecamatan: Vec<Row>,
    pub desa: Vec<Row>,
    /// Status 1 or 2.
    pub stay: Vec<Listed>,
    /// Status 3, 4 or 5, with the reason.
    pub removal: Vec<Listed>,
    pub new: Vec<Listed>,
}

/// The recap of every kab/kota the receiver holds (or of those under `area`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recap {
    pub generated_at: i64,
    pub kabupaten: Vec<Kabupaten>,
}

/// A kab/kota's lists while they are gathered: stay, removal, new.
type Lists = (Vec<Listed>, Vec<Listed>, Vec<Listed>);

/// The current interviews, one per household (its latest approved one, else its latest), with
/// their facts and review state.
pub(crate) const CURRENT_FACTS: &str = "
    SELECT r.instance_id, r.state, r.enumerator, coalesce(f.counted_desa, f.desa, r.desa, '') AS desa,
           f.household, f.status, f.reason, f.head_name, f.address, f.members_added,
           f.members_removed, f.members_deceased, f.kyc_complete, f.in_prelist,
           ROW_NUMBER() OVER (
               PARTITION BY coalesce(f.household, r.instance_id)
               ORDER BY r.state = 'approved' DESC, r.received_at DESC, r.instance_id DESC
           ) AS nth
    FROM reviews r JOIN recap_facts f ON f.instance_id = r.instance_id
    WHERE r.current = 1 AND f.countable = 1";

/// The recap now; `area` limits it to desa under a code prefix (`52.71`).
pub fn recap(conn: &Connection, area: Option<&str>, now: i64) -> rusqlite::Result<Recap> {
    let prefix = area.map(|a| format!("{a}.")).unwrap_or_default();
    let within = |desa: &str| area.is_none_or(|a| desa == a || desa.starts_with(&prefix));
    let mut per_desa: BTreeMap<String, Counts> = BTreeMap::new();
    for (desa, households) in prelist_counts(conn)? {
        if within(&desa) {
            per_desa.entry(desa).or_default().prelist = households;
        }
    }
    let mut lists: BTreeMap<String, Lists> = BTreeMap::new();
    let sql = format!(
        "SELECT c.* FROM ({CURRENT_FACTS}) c
         ORDER BY c.desa, c.household IS NULL, c.household, c.instance_id"
    );
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        // A prelist household counts in its prelist desa, as the prelist's count does.
        let desa: String = row.get(3)?;
        if !within(&desa) {
            continue;
        }
        let state: String = row.get(1)?;
        let nth: i64 = row.get(14)?;
        let counts = per_desa.entry(desa.clone()).or_default();
        if state != "approved" {
            counts.pending += 1;
            counts.returned += u64::from(state == "returned");
            continue;
        }
        if nth != 1 {
            continue;
        }
        let household: Option<String> = row.get(4)?;
        let status: Option<String> = row.get(5)?;
        counts.approved += 1;
        let code =
            status.as_deref().and_then(|s| s.parse::<usize>().ok()).filter(|s| (1..=5).contains(s));
        if let Some(code) = code {
            counts.status[code - 1] += 1;
        }
        counts.new_households += u64::from(household.is_none());
        counts.members_added += row.get::<_, i64>(9)? as u64;
        counts.members_removed += row.get::<_, i64>(10)? as u64;
        counts.members_deceased += row.get::<_, i64>(11)? as u64;
        let kyc: Option<bool> = row.get(12)?;
        counts.kyc_required += u64::from(kyc.is_some());
        counts.kyc_complete += u64::from(kyc == Some(true));
        let listed = Listed {
            id_dtks: household.clone(),
            desa: desa.clone(),
            desa_name: String::new(),
            head_name: row.get(7)?,
            // The address the household gave (KYC), else the prelist's.
            address: row.get(8)?,
            status: status.clone(),
            reason: row.get(6)?,
            enumerator: row.get(2)?,
            instance_id: row.get(0)?,
        };
        let kabupaten = kabupaten_of(&desa);
        let (stay, removal, new) = lists.entry(kabupaten).or_default();
        if household.is_none() {
            new.push(listed);
        } else if matches!(code, Some(1 | 2)) {
            stay.push(listed);
        } else if matches!(code, Some(3..=5)) {
            removal.push(listed);
        }
    }
    let codes: Vec<String> = per_desa.keys().cloned().collect();
    let names = RegionNames::load(conn, &codes)?;
    Ok(Recap { generated_at: now, kabupaten: assemble(per_desa, lists, &names) })
}

/// Groups desa rows under their kecamatan and kab/kota, in code order.
fn assemble(
    per_desa: BTreeMap<String, Counts>,
    mut lists: BTreeMap<String, Lists>,
    names: &RegionNames,
) -> Vec<Kabupaten> {
    let mut out: Vec<Kabupaten> = Vec::new();
    for (desa, counts) in per_desa {
        let kabupaten = kabupaten_of(&desa);
        let kecamatan = kecamatan_of(&desa);
        if out.last().is_none_or(|k| k.code != kabupaten) {
            let (stay, removal, new) = lists.remove(&kabupaten).unwrap_or_default();
            let name_lists = |mut list: Vec<Listed>| {
                for listed in &mut list {
                    listed.desa_name = names.name(&listed.desa);
                }
                list
            };
            out.push(Kabupaten {
                name: names.name(&kabupaten),
                code: kabupaten,
                total: Counts::default(),
                kecamatan: Vec::new(),
                desa: Vec::new(),
                stay: name_lists(stay),
                removal: name_lists(removal),
                new: name_lists(new),
            });
        }
        let current = out.last_mut().expect("pushed above");
        current.total.add(&counts);
        if current.kecamatan.last().is_none_or(|k| k.code != kecamatan) {
            current.kecamatan.push(Row {
                name: names.name(&kecamatan),
                code: kecamatan,
                counts: Counts::default(),
            });
        }
        current.kecamatan.last_mut().expect("pushed above").counts.add(&counts);
        current.desa.push(Row { name: names.name(&desa), code: desa, counts });
    }
    out
}

/// Prelist households per desa.
fn prelist_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    conn.prepare("SELECT desa, count(*) FROM prelist GROUP BY desa")?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
        .collect()
}

/// `52.71` of `52.71.01.1009` (or the code itself when shorter).
pub fn kabupaten_of(desa: &str) -> String {
    leading_segments(desa, 2)
}

/// `52.71.01` of `52.71.01.1009`.
pub fn kecamatan_of(desa: &str) -> String {
    leading_segments(desa, 3)
}

fn leading_segments(code: &str, count: usize) -> String {
    code.split('.').take(count).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(prelist: u64, approved: u64, status: [u64; 5]) -> Counts {
        Counts { prelist, approved, status, ..Counts::default() }
    }

    #[test]
    fn desa_rows_are_grouped_under_their_kecamatan_and_kabupaten_with_totals() {
        let mut per_desa = BTreeMap::new();
        per_desa.insert("52.71.01.1001".to_owned(), counts(10, 4, [2, 1, 1, 0, 0]));
        per_desa.insert("52.71.01.1002".to_owned(), counts(5, 5, [5, 0, 0, 0, 0]));
        per_desa.insert("52.71.02.1001".to_owned(), counts(7, 1, [0, 0, 0, 1, 0]));
        per_desa.insert("52.72.01.1001".to_owned(), counts(3, 0, [0; 5]));
        let names = RegionNames::from_pairs(&[("52.71", "Kota Mataram"), ("52.71.01", "Ampenan")]);
        let recap = assemble(per_desa, BTreeMap::new(), &names);
        assert_eq!(recap.len(), 2);
        let mataram = &recap[0];
        assert_eq!((mataram.code.as_str(), mataram.name.as_str()), ("52.71", "Kota Mataram"));
        assert_eq!(mataram.total, counts(22, 10, [7, 1, 1, 1, 0]));
        let kecamatan: Vec<(&str, u64)> =
            mataram.kecamatan.iter().map(|k| (k.name.as_str(), k.counts.prelist)).collect();
        assert_eq!(kecamatan, [("Ampenan", 15), ("52.71.02", 7)]);
        assert_eq!(mataram.desa.len(), 3);
        assert_eq!(recap[1].total.prelist, 3);
    }

    #[test]
    fn region_codes_are_cut_at_their_level() {
        assert_eq!(kabupaten_of("52.71.01.1009"), "52.71");
        assert_eq!(kecamatan_of("52.71.01.1009"), "52.71.01");
        assert_eq!(kecamatan_of("52"), "52");
    }
}
