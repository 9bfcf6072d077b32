//! Installed forms: each version with its media, installed once (same content again is a
//! no-op, other content under the same version is refused) and read back by row.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::error::{Error, Result};

/// A form as installed, with its media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredForm {
    pub row: i64,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub xml: String,
    /// (file name, bytes), e.g. `("desa.csv", …)`.
    pub media: Vec<(String, Vec<u8>)>,
}

/// An installed form version as the form list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledForm {
    pub row: i64,
    pub form_id: String,
    pub version: String,
    pub title: String,
}

/// A form's text without its media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSource {
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub xml: String,
}

/// Installs a form version; installing the same content again is a no-op returning its row.
pub fn install_form(tx: &Transaction<'_>, form: &StoredForm, now_ms: i64) -> Result<i64> {
    let sha = content_hash(&form.xml, &form.media);
    let existing: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, sha256 FROM forms WHERE form_id = ?1 AND version = ?2",
            params![form.form_id, form.version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((row, installed)) = existing {
        return if installed == sha {
            Ok(row)
        } else {
            Err(Error::FormVersionConflict {
                form_id: form.form_id.clone(),
                version: form.version.clone(),
            })
        };
    }
    tx.execute(
        "INSERT INTO forms (form_id, version, title, xml, sha256, installed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![form.form_id, form.version, form.title, form.xml, sha, now_ms],
    )?;
    let row = tx.last_insert_rowid();
    let mut insert =
        tx.prepare("INSERT INTO form_media (form, name, bytes) VALUES (?1, ?2, ?3)")?;
    for (name, bytes) in &form.media {
        insert.execute(params![row, name, bytes])?;
    }
    Ok(row)
}

/// The installed form whose form and media hash to `sha` (see [`content_hash`]), if any.
pub fn installed_with_hash(conn: &Connection, sha: &str) -> Result<Option<InstalledForm>> {
    Ok(conn
        .query_row(
            "SELECT id, form_id, version, title FROM forms WHERE sha256 = ?1",
            [sha],
            |r| Ok(InstalledForm { row: r.get(0)?, form_id: r.get(1)?, version: r.get(2)?, title: r.get(3)? }),
        )
        .optional()?)
}

/// SHA-256 over the form and its media, names included.
pub fn content_hash(xml: &str, media: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(xml.as_bytes());
    let mut sorted: Vec<&(String, Vec<u8>)> = media.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, bytes) in sorted {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
    }
    crate::hex::hex(&hasher.finalize())
}

/// A form by row, with its media.
#[cfg(any(test, feature = "internals"))]
pub fn form(conn: &Connection, row: i64) -> Result<Option<StoredForm>> {
    let found = conn
        .query_row("SELECT form_id, version, title, xml FROM forms WHERE id = ?1", [row], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((form_id, version, title, xml)) = found else { return Ok(None) };
    let mut stmt =
        conn.prepare("SELECT name, bytes FROM form_media WHERE form = ?1 ORDER BY name")?;
    let media = stmt
        .query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(StoredForm { row, form_id, version, title, xml, media }))
}

/// A form's text without its media.
pub fn form_source(conn: &Connection, row: i64) -> Result<Option<FormSource>> {
    Ok(conn
        .query_row("SELECT form_id, version, title, xml FROM forms WHERE id = ?1", [row], |r| {
            Ok(FormSource { form_id: r.get(0)?, version: r.get(1)?, title: r.get(2)?, xml: r.get(3)? })
        })
        .optional()?)
}

/// One media file of form row `row`, read only when asked for (a form's media can be large).
pub fn media_bytes(conn: &Connection, row: i64, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM form_media WHERE form = ?1 AND name = ?2",
            params![row, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// The media files of form row `row` with the hash the server's manifest gave for each
/// (`None` for files installed from a folder).
pub fn media_hashes(conn: &Connection, row: i64) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT m.name, h.server_hash FROM form_media m
         LEFT JOIN form_media_hashes h ON h.form = m.form AND h.name = m.name
         WHERE m.form = ?1 ORDER BY m.name",
    )?;
    let rows = stmt.query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Installs a downloaded form version's text (its media follow through
/// [`super::downloads::install_media`] in the same transaction); returns its row.
pub fn install_downloaded_form(
    tx: &Transaction<'_>,
    form_id: &str,
    version: &str,
    title: &str,
    xml: &str,
    now_ms: i64,
) -> Result<i64> {
    let sha = content_hash(xml, &[]);
    tx.execute(
        "INSERT INTO forms (form_id, version, title, xml, sha256, installed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![form_id, version, title, xml, sha, now_ms],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The row of the newest installed version of `form_id`.
pub fn latest_form(conn: &Connection, form_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM forms WHERE form_id = ?1 ORDER BY installed_at DESC, id DESC LIMIT 1",
            [form_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every installed form version, newest first.
pub fn installed(conn: &Connection) -> Result<Vec<InstalledForm>> {
    let mut stmt = conn.prepare(
        "SELECT id, form_id, version, title FROM forms ORDER BY installed_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(InstalledForm { row: r.get(0)?, form_id: r.get(1)?, version: r.get(2)?, title: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
