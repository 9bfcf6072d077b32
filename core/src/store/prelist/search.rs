//! Finding a household in the prelist: by ID DTKS, by any member's NIK, or by the start of any
//! word of any member's name, optionally inside an area (provinsi, kab/kota, kecamatan or desa).
//!
//! ID DTKS and NIK are B-tree lookups. Names go through the FTS5 index `member_names`, whose
//! 2- and 3-character prefix indexes keep short prefixes fast. The index returns members in
//! rowid order, and a household's members have neighbouring rowids, so results stream in a
//! stable order and a page is cut without sorting every match.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::record::{normalize_area_code, strip_separators};
use crate::store::Result;

/// The largest page a search returns.
pub const MAX_PAGE_SIZE: u32 = 200;

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// An ID DTKS, a NIK, or the start of one or more words of a name.
    pub text: String,
    /// A provinsi, kab/kota, kecamatan or desa code to search inside.
    pub area: Option<String>,
    /// 0-based page number.
    pub page: u32,
    /// Hits per page, at most [`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

/// How a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// No search text: the prelist in ID DTKS order (the enumerator's assignments).
    Listed,
    IdDtks,
    Nik,
    Name,
}

/// One household found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub id_dtks: String,
    pub desa_code: String,
    pub head_name: Option<String>,
    pub member_count: u32,
    pub matched_by: MatchedBy,
    /// The member whose NIK or name matched.
    pub matched_member: Option<String>,
}

/// One page of hits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub page: u32,
    pub has_more: bool,
}

/// Why a search could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchRefusal {
    /// The area filter is not a region code.
    BadArea,
}

/// Runs a search on a read connection.
pub fn search(conn: &Connection, query: &SearchQuery) -> Result<Result<SearchPage, SearchRefusal>> {
    let area = match query.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(area) => match normalize_area_code(area) {
            Some(area) => Some(AreaRange::new(area)),
            None => return Ok(Err(SearchRefusal::BadArea)),
        },
    };
    let page_size = query.page_size.clamp(1, MAX_PAGE_SIZE) as usize;
    let skip = query.page as usize * page_size;
    let mut collector =
        Collector { skip, want: page_size + 1, seen: HashSet::new(), hits: Vec::new() };

    let text = query.text.trim();
    if text.is_empty() {
        listed(conn, area.as_ref(), &mut collector)?;
    } else {
        found(conn, text, area.as_ref(), &mut collector)?;
    }
    let has_more = collector.hits.len() > page_size;
    let mut hits = collector.hits;
    hits.truncate(page_size);
    Ok(Ok(SearchPage { hits, page: query.page, has_more }))
}

/// Households matching `text` by ID DTKS, NIK, then name.
fn found(
    conn: &Connection,
    text: &str,
    area: Option<&AreaRange>,
    collector: &mut Collector,
) -> Result<()> {
    by_id(conn, text, area, collector)?;
    let digits = strip_separators(text);
    if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
        by_nik(conn, &digits, area, collector)?;
    }
    if let Some(fts_query) = name_query(text) {
        by_name(conn, &fts_query, area, collector)?;
    }
    Ok(())
}

/// Every household (of the area), in ID DTKS order: what the list shows before anything is typed.
fn listed(conn: &Connection, area: Option<&AreaRange>, out: &mut Collector) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("SELECT id, desa_code FROM households ORDER BY id_dtks")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let desa: String = row.get(1)?;
        if area.is_some_and(|a| !a.contains(&desa)) {
            continue;
        }
        if !out.offer(conn, row.get(0)?, MatchedBy::Listed, None)? {
            break;
        }
    }
    Ok(())
}

/// `[start, end)` over dotted codes: everything that starts with the area code.
struct AreaRange {
    start: String,
    end: String,
}

impl AreaRange {
    fn new(area: String) -> Self {
        // Codes hold only digits and dots, both below ':'.
        let end = format!("{area}:");
        AreaRange { start: area, end }
    }

    fn contains(&self, desa: &str) -> bool {
        desa >= self.start.as_str() && desa < self.end.as_str()
    }
}

/// Gathers distinct households in order, skipping earlier pages.
struct Collector {
    skip: usize,
    want: usize,
    seen: HashSet<i64>,
    hits: Vec<SearchHit>,
}

impl Collector {
    fn full(&self) -> bool {
        self.hits.len() >= self.want
    }

    /// Offers a household; returns false once the page (plus one) is full.
    fn offer(
        &mut self,
        conn: &Connection,
        household_id: i64,
        matched_by: MatchedBy,
        member: Option<String>,
    ) -> Result<bool> {
        if self.full() {
            return Ok(false);
        }
        if !self.seen.insert(household_id) {
            return Ok(true);
        }
        if self.skip > 0 {
            self.skip -= 1;
            return Ok(true);
        }
        let hit = conn
            .prepare_cached(
                "SELECT id_dtks, desa_code, head_name, member_count FROM households WHERE id = ?1",
            )?
            .query_row([household_id], |r| {
                Ok(SearchHit {
                    id_dtks: r.get(0)?,
                    desa_code: r.get(1)?,
                    head_name: r.get(2)?,
                    member_count: r.get(3)?,
                    matched_by,
                    matched_member: member,
                })
            })?;
        self.hits.push(hit);
        Ok(!self.full())
    }
}

fn by_id(conn: &Connection, id: &str, area: Option<&AreaRange>, out: &mut Collector) -> Result<()> {
    let found: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, desa_code FROM households WHERE id_dtks = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((household_id, desa)) = found
        && area.is_none_or(|a| a.contains(&desa))
    {
        out.offer(conn, household_id, MatchedBy::IdDtks, None)?;
    }
    Ok(())
}

fn by_nik(
    conn: &Connection,
    nik: &str,
    area: Option<&AreaRange>,
    out: &mut Collector,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.household_id, m.name, h.desa_code FROM members m
         JOIN households h ON h.id = m.household_id
         WHERE m.nik = ?1 ORDER BY m.id",
    )?;
    let mut rows = stmt.query([nik])?;
    while let Some(row) = rows.next()? {
        let desa: String = row.get(2)?;
        if area.is_some_and(|a| !a.contains(&desa)) {
            continue;
        }
        if !out.offer(conn, row.get(0)?, MatchedBy::Nik, Some(row.get(1)?))? {
            break;
        }
    }
    Ok(())
}

fn by_name(
    conn: &Connection,
    fts: &str,
    area: Option<&AreaRange>,
    out: &mut Collector,
) -> Result<()> {
    let (start, end) = area.map(|a| (a.start.as_str(), a.end.as_str())).unwrap_or(("", "~"));
    let mut stmt = conn.prepare_cached(
        "SELECT m.household_id, m.name FROM member_names
         JOIN members m ON m.id = member_names.rowid
         JOIN households h ON h.id = m.household_id
         WHERE member_names MATCH ?1 AND h.desa_code >= ?2 AND h.desa_code < ?3
         ORDER BY member_names.rowid",
    )?;
    let mut rows = stmt.query(params![fts, start, end])?;
    while let Some(row) = rows.next()? {
        if !out.offer(conn, row.get(0)?, MatchedBy::Name, Some(row.get(1)?))? {
            break;
        }
    }
    Ok(())
}

/// Builds an FTS5 query that requires a word starting with each typed word, e.g.
/// `siti am` → `"siti"* AND "am"*`. Words hold only letters and digits, so user input can never
/// inject FTS5 syntax. `None` when the text has no letter.
pub(super) fn name_query(text: &str) -> Option<String> {
    if !text.chars().any(char::is_alphabetic) {
        return None;
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_query_requires_every_typed_word_as_a_prefix() {
        assert_eq!(name_query("Siti Am").as_deref(), Some("\"siti\"* AND \"am\"*"));
    }

    #[test]
    fn name_query_neutralises_fts_syntax() {
        assert_eq!(
            name_query("a\" OR NEAR(b").as_deref(),
            Some("\"a\"* AND \"or\"* AND \"near\"* AND \"b\"*")
        );
    }

    #[test]
    fn digits_only_is_not_a_name_query() {
        assert_eq!(name_query("3201 0112"), None);
    }

    #[test]
    fn area_range_holds_only_codes_below_the_area() {
        let kab = AreaRange::new("32.01".into());
        assert!(kab.contains("32.01.01.2001"));
        assert!(!kab.contains("32.02.01.2001"));
        assert!(!kab.contains("32.10.01.2001"));
    }
}
