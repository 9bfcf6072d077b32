//! Checking a bundle before anything trusts it: opened read-only (a missing path is an error,
//! never a new empty file), its schema exactly ours, every stored part listed in the manifest
//! and every listed part stored with its SHA-256, and the manifest signed by the key the
//! bundle names. Each problem is reported in words that say what is wrong and where.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{BundleError, Checked, FORMAT, SCHEMA, open_existing, signing};
use crate::hex::sha256_hex;

/// Opens the bundle at `path` with `passphrase` and checks it.
pub fn verify(path: &Path, passphrase: &str) -> Result<Checked, BundleError> {
    let conn = open_existing(path, passphrase)?;
    // A wrong passphrase shows here, as "not a database".
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    verify_open(&conn)
}

/// Checks a bundle already open (and keyed).
pub(super) fn verify_open(conn: &Connection) -> Result<Checked, BundleError> {
    let mut checked = Checked {
        submissions: 0,
        attachments: 0,
        decisions: 0,
        backchecks: 0,
        damaged: Vec::new(),
        problems: schema_problems(conn)?,
        signer_key: None,
        signer_device: None,
    };
    if !checked.problems.is_empty() {
        // Queries against a schema not ours prove nothing.
        return Ok(checked);
    }
    check_parts(conn, &mut checked)?;
    checked.problems.extend(unlisted(conn)?);
    check_signature(conn, &mut checked)?;
    Ok(checked)
}

/// Every object of the bundle's schema and its version, against what [`SCHEMA`] makes.
fn schema_problems(conn: &Connection) -> Result<Vec<String>, BundleError> {
    let expected = Connection::open_in_memory()?;
    expected.execute_batch(SCHEMA)?;
    let objects = |c: &Connection| -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
        c.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
    };
    let (found, wanted) = (objects(conn)?, objects(&expected)?);
    let mut problems = Vec::new();
    for object in found.iter().filter(|o| !wanted.contains(o)) {
        problems.push(format!("the bundle holds an object not in its format: {} {}", object.0, object.1));
    }
    for object in wanted.iter().filter(|o| !found.contains(o)) {
        problems.push(format!("the bundle lacks its {} {}", object.0, object.1));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != FORMAT {
        problems.push(format!("the bundle is format {version}; this build reads format {FORMAT}"));
    }
    Ok(problems)
}

/// Each manifest row against the part it names.
fn check_parts(conn: &Connection, checked: &mut Checked) -> Result<(), BundleError> {
    let parts: Vec<(String, String, String, i64)> = conn
        .prepare("SELECT instance_id, part, sha256, bytes FROM manifest ORDER BY instance_id, part")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (instance_id, part, expected, length) in parts {
        let bytes = part_bytes(conn, &instance_id, &part)?;
        let matches = bytes
            .as_deref()
            .is_some_and(|b| b.len() as i64 == length && sha256_hex(b) == expected);
        if !matches {
            checked.damaged.push(format!("{instance_id}/{part}"));
        }
        match part.as_str() {
            "xml" => checked.submissions += 1,
            "checks" => {}
            "decision" => checked.decisions += 1,
            "backcheck" => checked.backchecks += 1,
            _ => checked.attachments += 1,
        }
    }
    Ok(())
}

fn part_bytes(
    conn: &Connection,
    instance_id: &str,
    part: &str,
) -> Result<Option<Vec<u8>>, BundleError> {
    let found: Option<Option<Vec<u8>>> = match part {
        "xml" | "checks" => conn
            .query_row(
                &format!("SELECT {part} FROM submissions WHERE instance_id = ?1"),
                [instance_id],
                |r| r.get(0),
            )
            .optional()?,
        "decision" => conn
            .query_row(
                "SELECT decision FROM decisions WHERE instance_id = ?1",
                [instance_id],
                |r| r.get(0),
            )
            .optional()?,
        "backcheck" => conn
            .query_row(
                "SELECT record FROM backchecks WHERE instance_id = ?1",
                [instance_id],
                |r| r.get(0),
            )
            .optional()?,
        name => conn
            .query_row(
                "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = ?2",
                params![instance_id, name],
                |r| r.get(0),
            )
            .optional()?,
    };
    Ok(found.flatten())
}

/// Stored rows the manifest does not list: content slipped in beside a signed manifest.
fn unlisted(conn: &Connection) -> Result<Vec<String>, BundleError> {
    let query = |sql: &str| -> rusqlite::Result<Vec<String>> {
        conn.prepare(sql)?.query_map([], |r| r.get(0))?.collect()
    };
    let mut problems = Vec::new();
    let submissions = query(
        "SELECT instance_id FROM submissions s WHERE NOT EXISTS
         (SELECT 1 FROM manifest m WHERE m.instance_id = s.instance_id AND m.part = 'xml')",
    )?;
    let checks = query(
        "SELECT instance_id FROM submissions s WHERE s.checks IS NOT NULL AND NOT EXISTS
         (SELECT 1 FROM manifest m WHERE m.instance_id = s.instance_id AND m.part = 'checks')",
    )?;
    let attachments = query(
        "SELECT a.instance_id || '/' || a.name FROM attachments a WHERE NOT EXISTS
         (SELECT 1 FROM manifest m WHERE m.instance_id = a.instance_id AND m.part = a.name)
         OR a.name IN ('xml', 'checks', 'decision', 'backcheck')",
    )?;
    let decisions = query(
        "SELECT instance_id FROM decisions d WHERE NOT EXISTS
         (SELECT 1 FROM manifest m WHERE m.instance_id = d.instance_id AND m.part = 'decision')",
    )?;
    for id in submissions {
        problems.push(format!("submission {id} is not in the manifest"));
    }
    for id in checks {
        problems.push(format!("the checks of {id} are not in the manifest"));
    }
    for part in attachments {
        problems.push(format!("attachment {part} is not in the manifest"));
    }
    let backchecks = query(
        "SELECT instance_id FROM backchecks b WHERE NOT EXISTS
         (SELECT 1 FROM manifest m WHERE m.instance_id = b.instance_id AND m.part = 'backcheck')",
    )?;
    for id in backchecks {
        problems.push(format!("the back-check of {id} is not in the manifest"));
    }
    for id in decisions {
        problems.push(format!("the decision on {id} is not in the manifest"));
    }
    Ok(problems)
}

/// The one signature row, over the manifest as it stands.
fn check_signature(conn: &Connection, checked: &mut Checked) -> Result<(), BundleError> {
    let rows: Vec<(String, String, i64, String)> = conn
        .prepare("SELECT device_id, public_key, created_at, signature FROM signature")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let [(device_id, public_key, created_at, signature)] = rows.as_slice() else {
        checked.problems.push(format!("the bundle has {} signatures; it needs exactly one", rows.len()));
        return Ok(());
    };
    if signing::signed_by(conn, device_id, public_key, *created_at, signature)? {
        checked.signer_key = Some(public_key.clone());
        checked.signer_device = Some(device_id.clone());
    } else {
        checked.problems.push(
            "the signature does not match the manifest: the bundle was changed after it was signed"
                .into(),
        );
    }
    Ok(())
}
