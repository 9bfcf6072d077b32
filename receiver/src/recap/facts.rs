//! What the recap counts of one submission, read once when it is stored (and once for the
//! submissions an older receiver stored): the household, its status and the reason for a
//! removal, the head's name, the members added, removed and deceased, and whether the KYC block
//! is complete. The recap and the progress pages then add up rows of `recap_facts` and never
//! parse a submission again, so a recap of 100,000 households is one grouped query.
//!
//! Fields are found by the form's `verivali:role` tags (docs/domain.md#roles), so any form that
//! tags them is counted; a form that tags none still counts by status and desa.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use verivali_form::dom::{Document, NodeId};

/// Member status codes (status keberadaan ART, DOMAIN §4.1).
const MEMBER_DECEASED: &str = "2";
const MEMBER_NEW: &str = "4";
/// Moved out, a prelist error, not found: no longer counted in the household.
const MEMBER_GONE: [&str; 3] = ["3", "5", "6"];
/// Relationship to the head: the head.
const HEAD: &str = "1";

/// The version of [`RecapPaths`] this build writes; paths kept by another are read again.
const PATHS_VERSION: u32 = 1;

/// The role paths the recap reads, from a form's binds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecapPaths {
    #[serde(default)]
    pub version: u32,
    pub id_dtks: Option<String>,
    pub desa: Option<String>,
    pub status: Option<String>,
    pub status_reason: Option<String>,
    pub duplicate_of: Option<String>,
    /// The member repeat (`/data/members`).
    pub members: Option<String>,
    pub member_status: Option<String>,
    pub person_name: Option<String>,
    pub relationship: Option<String>,
    /// The KYC block's fields; complete when all are answered.
    pub kyc: Vec<String>,
    pub kyc_address: Option<String>,
}

impl RecapPaths {
    pub fn from_definition(def: &verivali_form::definition::FormDef) -> RecapPaths {
        let path_of = |role: &str| {
            def.binds.iter().find(|b| b.role.as_deref() == Some(role)).map(|b| b.nodeset.clone())
        };
        let person_name = path_of("person_name");
        let members = path_of("members").or_else(|| {
            person_name.as_deref().and_then(|p| p.rsplit_once('/')).map(|(parent, _)| parent.into())
        });
        let kyc = ["kyc_name", "kyc_nik", "kyc_dob", "kyc_mother_maiden_name", "kyc_address"]
            .iter()
            .filter_map(|role| path_of(role))
            .collect();
        RecapPaths {
            version: PATHS_VERSION,
            id_dtks: path_of("id_dtks"),
            desa: path_of("desa"),
            status: path_of("status_keberadaan"),
            status_reason: path_of("status_reason"),
            duplicate_of: path_of("duplicate_of"),
            members,
            member_status: path_of("member_status"),
            person_name,
            relationship: path_of("relationship"),
            kyc,
            kyc_address: path_of("kyc_address"),
        }
    }
}

/// What the recap counts of one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Whether the recap counts it at all: its form tags the household's ID DTKS and status, and
    /// its XML holds the ID DTKS element (blank for a new household). An interview of a form
    /// without those roles, or whose XML does not read, is neither a household nor a new one.
    pub countable: bool,
    pub household: Option<String>,
    pub desa: Option<String>,
    pub status: Option<String>,
    /// Why it is proposed for removal: the reason typed for status 3, the other ID DTKS for 5.
    pub reason: Option<String>,
    pub head_name: Option<String>,
    pub kyc_address: Option<String>,
    pub members_listed: u32,
    pub members_added: u32,
    pub members_removed: u32,
    pub members_deceased: u32,
    /// `None` when the household's status needs no KYC (3, 4, 5) or the form has no KYC block.
    pub kyc_complete: Option<bool>,
}

/// Reads the facts of one submission's XML with its form's paths.
pub fn read(doc: &Document, paths: &RecapPaths) -> Facts {
    let text = |path: &Option<String>| path.as_deref().and_then(|p| doc.text_at(p));
    let status = text(&paths.status);
    let reason = match status.as_deref() {
        Some("3") => text(&paths.status_reason),
        Some("5") => text(&paths.duplicate_of),
        _ => None,
    };
    let countable =
        paths.status.is_some() && paths.id_dtks.as_deref().is_some_and(|p| element_exists(doc, p));
    let mut facts = Facts {
        countable,
        household: text(&paths.id_dtks),
        desa: text(&paths.desa),
        reason,
        kyc_address: text(&paths.kyc_address),
        ..Facts::default()
    };
    let mut head_living = false;
    if let Some(members) = &paths.members {
        for member in repeat_instances(doc, members) {
            let relative = |path: &Option<String>| {
                path.as_deref()
                    .and_then(|p| p.strip_prefix(members.as_str()))
                    .and_then(|rest| text_below(doc, member, rest))
            };
            facts.members_listed += 1;
            match relative(&paths.member_status).as_deref() {
                Some(MEMBER_NEW) => facts.members_added += 1,
                Some(MEMBER_DECEASED) => facts.members_deceased += 1,
                Some(code) if MEMBER_GONE.contains(&code) => facts.members_removed += 1,
                _ => {}
            }
            if relative(&paths.relationship).as_deref() == Some(HEAD) {
                // The head who lives there, before one who died or moved away.
                let living = matches!(relative(&paths.member_status).as_deref(), Some("1" | "4"));
                if facts.head_name.is_none() || (living && !head_living) {
                    facts.head_name = relative(&paths.person_name);
                    head_living = living;
                }
            }
        }
    }
    let active = matches!(status.as_deref(), Some("1" | "2"));
    if active && !paths.kyc.is_empty() {
        facts.kyc_complete = Some(paths.kyc.iter().all(|p| doc.text_at(p).is_some()));
    }
    facts.status = status;
    facts
}

/// Whether the element at a plain path exists (blank or not).
fn element_exists(doc: &Document, path: &str) -> bool {
    node_at(doc, path).is_some()
}

/// The element instances of a repeat at `path` (`/data/members`): the children of its parent
/// with its name.
pub(crate) fn repeat_instances(doc: &Document, path: &str) -> Vec<NodeId> {
    let Some((parent_path, name)) = path.rsplit_once('/') else { return Vec::new() };
    let Some(parent) = node_at(doc, parent_path) else { return Vec::new() };
    doc.get(parent).children.iter().copied().filter(|&c| &*doc.get(c).name == name).collect()
}

/// The element at a plain path from the root (`/data/lokasi/desa`), following the first child
/// of each name.
fn node_at(doc: &Document, path: &str) -> Option<NodeId> {
    let path = path.trim_start_matches('/');
    let (root, rest) = path.split_once('/').unwrap_or((path, ""));
    if root != &*doc.get(doc.root()).name {
        return None;
    }
    node_below(doc, doc.root(), rest)
}

/// The element at `relative` (`/nama`, `ktp/nik`) below `node`.
pub(crate) fn node_below(doc: &Document, node: NodeId, relative: &str) -> Option<NodeId> {
    let mut at = node;
    for step in relative.split('/').filter(|s| !s.is_empty()) {
        at = doc.child(at, step)?;
    }
    Some(at)
}

/// The trimmed text at `relative` below `node`; `None` when absent or blank.
fn text_below(doc: &Document, node: NodeId, relative: &str) -> Option<String> {
    let text = doc.string_value(node_below(doc, node, relative)?);
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// A form's recap paths, read from its definition the first time they are needed and kept in
/// `forms.recap_paths` (a form published again is read again).
pub fn paths(conn: &Connection, form_id: &str) -> rusqlite::Result<Option<RecapPaths>> {
    let kept: Option<(Option<String>, String)> = conn
        .query_row("SELECT recap_paths, xml FROM forms WHERE form_id = ?1", [form_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((kept, xml)) = kept else { return Ok(None) };
    let kept: Option<RecapPaths> = kept.and_then(|k| serde_json::from_str(&k).ok());
    if let Some(paths) = kept.filter(|p| p.version == PATHS_VERSION) {
        return Ok(Some(paths));
    }
    let media = crate::review::detail::StoredMedia { conn, form_id };
    let paths = match verivali_form::definition::FormDef::parse(&xml, &media) {
        Ok(def) => RecapPaths::from_definition(&def),
        Err(_) => RecapPaths::default(),
    };
    conn.execute(
        "UPDATE forms SET recap_paths = ?2 WHERE form_id = ?1",
        params![form_id, serde_json::to_string(&paths).unwrap_or_default()],
    )?;
    Ok(Some(paths))
}

/// Reads and keeps the facts of a submission just stored, with what the recap needs of its
/// prelist household (its desa and address), so that no recap reads the prelist's records.
pub fn record(
    tx: &Transaction<'_>,
    instance_id: &str,
    form_id: &str,
    xml: &[u8],
) -> rusqlite::Result<()> {
    let paths = paths(tx, form_id)?.unwrap_or_default();
    let facts = std::str::from_utf8(xml)
        .ok()
        .and_then(|text| Document::parse(text).ok())
        .map(|doc| read(&doc, &paths))
        .unwrap_or_default();
    let in_prelist: Option<(String, Option<String>)> = match &facts.household {
        Some(id) => tx
            .query_row(
                "SELECT desa, json_extract(record, '$.lokasi.alamat') FROM prelist WHERE id_dtks = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => None,
    };
    let found = in_prelist.is_some();
    let (prelist_desa, prelist_address) = in_prelist.unzip();
    let placed = Placed {
        in_prelist: found,
        counted_desa: prelist_desa.or_else(|| facts.desa.clone()),
        address: facts.kyc_address.clone().or(prelist_address.flatten()),
    };
    insert(tx, instance_id, &facts, &placed)
}

/// Where a household counts and the address its row shows.
struct Placed {
    in_prelist: bool,
    counted_desa: Option<String>,
    address: Option<String>,
}

fn insert(
    conn: &Connection,
    instance_id: &str,
    f: &Facts,
    placed: &Placed,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO recap_facts
             (instance_id, household, desa, status, reason, head_name, kyc_address, members_listed,
              members_added, members_removed, members_deceased, kyc_complete, countable,
              counted_desa, address, in_prelist)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            instance_id,
            f.household,
            f.desa,
            f.status,
            f.reason,
            f.head_name,
            f.kyc_address,
            f.members_listed,
            f.members_added,
            f.members_removed,
            f.members_deceased,
            f.kyc_complete,
            f.countable,
            placed.counted_desa,
            placed.address,
            placed.in_prelist
        ],
    )?;
    Ok(())
}

/// Reads the facts of every stored submission that has none (stored by an older receiver),
/// once, in one transaction.
pub(crate) fn backfill(conn: &mut Connection) -> rusqlite::Result<()> {
    // Counted on indexes first: the search below reads every submission's row.
    if !crate::store::fewer_rows_than_submissions(conn, "recap_facts")? {
        return Ok(());
    }
    let missing: Vec<(String, String)> = conn
        .prepare(
            "SELECT s.instance_id, s.form_id FROM submissions s
             LEFT JOIN recap_facts f ON f.instance_id = s.instance_id WHERE f.instance_id IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if missing.is_empty() {
        return Ok(());
    }
    tracing::info!(submissions = missing.len(), "reading the recap's facts of older submissions");
    let tx = conn.transaction()?;
    for (instance_id, form_id) in missing {
        let xml: Vec<u8> = tx.query_row(
            "SELECT xml FROM submissions WHERE instance_id = ?1",
            [&instance_id],
            |r| r.get(0),
        )?;
        record(&tx, &instance_id, &form_id, &xml)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dtks_paths() -> RecapPaths {
        RecapPaths {
            version: PATHS_VERSION,
            id_dtks: Some("/data/id_dtks".into()),
            desa: Some("/data/lokasi/desa".into()),
            status: Some("/data/status_keberadaan".into()),
            status_reason: Some("/data/alasan".into()),
            duplicate_of: Some("/data/ganda".into()),
            members: Some("/data/members".into()),
            member_status: Some("/data/members/sta".into()),
            person_name: Some("/data/members/nama".into()),
            relationship: Some("/data/members/hub".into()),
            kyc: vec!["/data/kyc/nama".into(), "/data/kyc/alamat".into()],
            kyc_address: Some("/data/kyc/alamat".into()),
        }
    }

    fn member(name: &str, hub: &str, sta: &str) -> String {
        format!("<members><nama>{name}</nama><hub>{hub}</hub><sta>{sta}</sta></members>")
    }

    #[test]
    fn members_are_counted_by_their_status_and_the_head_named() {
        let xml = format!(
            "<data><id_dtks>5271</id_dtks><lokasi><desa>52.71.01.1009</desa></lokasi><status_keberadaan>2</status_keberadaan>{}{}{}{}{}<kyc><nama>Ani</nama><alamat>Jl. Kenanga</alamat></kyc></data>",
            member("Wayan", "1", "1"),
            member("Made", "3", "2"),
            member("Nyoman", "3", "3"),
            member("Ketut", "3", "4"),
            member("Putu", "3", "6"),
        );
        let facts = read(&Document::parse(&xml).unwrap(), &dtks_paths());
        assert_eq!(facts.household.as_deref(), Some("5271"));
        assert_eq!(facts.head_name.as_deref(), Some("Wayan"));
        assert_eq!(
            (
                facts.members_listed,
                facts.members_added,
                facts.members_removed,
                facts.members_deceased
            ),
            (5, 1, 2, 1)
        );
        assert_eq!(facts.kyc_complete, Some(true));
        assert_eq!(facts.kyc_address.as_deref(), Some("Jl. Kenanga"));
        assert_eq!(facts.reason, None);
    }

    #[test]
    fn the_reason_for_removal_comes_from_the_status_and_kyc_only_counts_for_active_households() {
        let not_found = "<data><status_keberadaan>3</status_keberadaan><alasan>Pindah ke Bali</alasan><kyc><nama/><alamat/></kyc></data>";
        let facts = read(&Document::parse(not_found).unwrap(), &dtks_paths());
        assert_eq!(facts.reason.as_deref(), Some("Pindah ke Bali"));
        assert_eq!(facts.kyc_complete, None, "status 3 needs no KYC");
        let duplicate =
            "<data><status_keberadaan>5</status_keberadaan><ganda>5271999</ganda></data>";
        let facts = read(&Document::parse(duplicate).unwrap(), &dtks_paths());
        assert_eq!(facts.reason.as_deref(), Some("5271999"));
        let incomplete = "<data><status_keberadaan>1</status_keberadaan><kyc><nama>Ani</nama><alamat/></kyc></data>";
        let facts = read(&Document::parse(incomplete).unwrap(), &dtks_paths());
        assert_eq!(facts.kyc_complete, Some(false));
    }

    #[test]
    fn a_form_without_roles_counts_nothing_but_does_not_fail() {
        let facts = read(&Document::parse("<x><y>1</y></x>").unwrap(), &RecapPaths::default());
        assert_eq!(facts, Facts::default());
        assert!(!facts.countable);
    }

    #[test]
    fn a_blank_id_dtks_is_a_new_household_and_a_missing_one_is_not_counted() {
        let new = "<data><id_dtks/><status_keberadaan>1</status_keberadaan></data>";
        let facts = read(&Document::parse(new).unwrap(), &dtks_paths());
        assert!(facts.countable && facts.household.is_none());
        let other_shape = "<data><status_keberadaan>1</status_keberadaan></data>";
        assert!(!read(&Document::parse(other_shape).unwrap(), &dtks_paths()).countable);
    }

    #[test]
    fn the_head_named_is_the_one_who_lives_there() {
        let xml = format!(
            "<data><id_dtks>1</id_dtks><status_keberadaan>2</status_keberadaan>{}{}</data>",
            member("Almarhum Kepala", "1", "2"),
            member("Kepala Baru", "1", "1"),
        );
        let facts = read(&Document::parse(&xml).unwrap(), &dtks_paths());
        assert_eq!(facts.head_name.as_deref(), Some("Kepala Baru"));
        assert_eq!(facts.members_deceased, 1);
    }
}
