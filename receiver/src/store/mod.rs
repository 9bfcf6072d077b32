//! The receiver's own database: published forms, device tokens, the prelist, people's accounts
//! and sessions, and submissions kept by instanceID with their attachments. It holds names and NIKs, so it is encrypted with SQLCipher
//! (a raw 32-byte key, as on the device), readable by its owner only, and its schema is
//! versioned (`user_version`) and migrated in one transaction.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use verivali_form::hex::sha256_hex;

pub const FILE: &str = "receiver.db";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS forms (
    form_id      TEXT PRIMARY KEY,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    xml          TEXT NOT NULL,
    desa_path    TEXT,
    status_path  TEXT,
    published_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS form_media (
    form_id TEXT NOT NULL REFERENCES forms(form_id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (form_id, name)
);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha   TEXT PRIMARY KEY,
    enumerator  TEXT NOT NULL,
    areas       TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    instance_id TEXT PRIMARY KEY,
    form_id     TEXT NOT NULL,
    enumerator  TEXT NOT NULL,
    xml         BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    desa        TEXT,
    status      TEXT,
    received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    instance_id TEXT NOT NULL REFERENCES submissions(instance_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    PRIMARY KEY (instance_id, name)
);
"#;

/// Version 3: submissions remember the device (token), for "the same device"; a ledger of what
/// each device's uploads added, for quotas; tokens may allow untagged forms; forms keep the paths the checks read; the
/// prelist, accounts and sessions.
const V3: &str = r#"
ALTER TABLE submissions ADD COLUMN device TEXT;
CREATE TABLE uploads (
    device TEXT NOT NULL,
    at     INTEGER NOT NULL,
    bytes  INTEGER NOT NULL,
    new    INTEGER NOT NULL
);
CREATE INDEX uploads_by_device ON uploads (device, at);
ALTER TABLE tokens ADD COLUMN allow_untagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE forms ADD COLUMN root TEXT;
ALTER TABLE forms ADD COLUMN id_dtks_path TEXT;
ALTER TABLE forms ADD COLUMN binary_paths TEXT NOT NULL DEFAULT '[]';
CREATE TABLE prelist (
    id_dtks  TEXT PRIMARY KEY,
    desa     TEXT NOT NULL,
    record   TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE INDEX prelist_by_desa ON prelist (desa);
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
    session_sha TEXT PRIMARY KEY,
    user        TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
"#;

/// The schema's versions, each reached from the one before in one transaction; a fresh database
/// runs them all. `PRAGMA user_version` says which one a database is at.
const MIGRATIONS: &[&str] = &[
    SCHEMA,
    "ALTER TABLE submissions ADD COLUMN deprecated_id TEXT;",
    V3,
    crate::review::store::V4,
    crate::bundles::V5,
    crate::recap::V6,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if needed) the receiver's database in `dir`, encrypted with `key` (SQLCipher,
/// a raw 32-byte key as on the device), readable by its owner only, at the current schema.
pub fn open(dir: &Path, key: &[u8]) -> Result<Connection, super::ServeError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| super::ServeError::Io(crate::label(dir), e.to_string()))?;
    verivali_core::host::start_sqlcipher();
    let path = dir.join(FILE);
    create_private(&path)?;
    let mut conn = Connection::open(&path)?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", verivali_form::hex::hex(key)))?;
    if conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err() {
        return Err(super::ServeError::Key(path.display().to_string()));
    }
    // A 64 MiB page cache: each page SQLCipher decrypts stays decrypted while the office's
    // recap or progress reads it (with the default 2 MiB, a recap of 100,000 households
    // decrypted its pages again and again: 3.1 s instead of well under a second).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;",
    )?;
    migrate(&mut conn)?;
    describe_forms(&mut conn)?;
    crate::review::backfill(&mut conn)?;
    crate::recap::facts::backfill(&mut conn)?;
    Ok(conn)
}

/// Whether `table` (one row per submission once filled) has fewer rows than `submissions`: the
/// cheap check, on indexes, before a backfill looks for what is missing at every start.
pub(crate) fn fewer_rows_than_submissions(
    conn: &Connection,
    table: &str,
) -> rusqlite::Result<bool> {
    let count = |name: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {name}"), [], |r| r.get::<_, i64>(0))
    };
    Ok(count(table)? < count("submissions")?)
}

/// Writes a consistent copy of the database in `dir` to `target` (which must not exist yet),
/// encrypted with the same key, readable by its owner only; written under a temporary name and
/// renamed when complete. Safe while the receiver runs (one read transaction). Returns its size.
pub fn backup(dir: &Path, key: &[u8], target: &Path) -> Result<u64, super::ServeError> {
    let io = |e: std::io::Error| super::ServeError::Io(crate::label(target), e.to_string());
    if target.exists() {
        return Err(super::ServeError::Io(
            crate::label(target),
            "sudah ada; tidak ditimpa / already exists; not overwritten".into(),
        ));
    }
    let conn = open(dir, key)?;
    let partial = target.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    create_private(&partial)?;
    let quoted = partial.display().to_string().replace('\'', "''");
    let hex = verivali_form::hex::hex(key);
    conn.execute_batch(&format!("ATTACH DATABASE '{quoted}' AS copy KEY \"x'{hex}'\";"))?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()))
        .and_then(|()| conn.pragma_update(Some("copy"), "user_version", VERSION));
    conn.execute_batch("DETACH DATABASE copy;")?;
    exported?;
    std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&partial, target).map_err(io)?;
    Ok(std::fs::metadata(target).map_err(io)?.len())
}

/// Creates the database file, empty, readable and writable by its owner only (SQLite gives its
/// journal files the same mode).
fn create_private(path: &Path) -> Result<(), super::ServeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(super::ServeError::Io(crate::label(path), e.to_string())),
    }
}

/// Brings the schema from its `user_version` to [`VERSION`], in one transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let at: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if at >= VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for step in &MIGRATIONS[at as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()
}

/// A device: its token's identity, who holds it, the desa codes (or dotted code prefixes) it may
/// submit for, and whether it may send forms whose household cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The SHA-256 of its token: what "the same device" means.
    pub id: String,
    pub enumerator: String,
    pub areas: Vec<String>,
    pub allow_untagged_forms: bool,
}

impl Device {
    /// Whether `desa` lies in one of the device's areas (a code or a dotted prefix of it).
    pub fn covers(&self, desa: &str) -> bool {
        self.areas.iter().any(|area| desa == area || desa.starts_with(&format!("{area}.")))
    }
}

pub fn add_token(
    conn: &Connection,
    token: &str,
    device: &Device,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tokens (token_sha, enumerator, areas, created_at, allow_untagged)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            sha256_hex(token.as_bytes()),
            device.enumerator,
            device.areas.join(" "),
            now,
            device.allow_untagged_forms
        ],
    )?;
    Ok(())
}

/// Whether the token whose SHA-256 is `device` belongs to a pengawas's phone.
pub fn is_pengawas(conn: &Connection, device: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT pengawas FROM tokens WHERE token_sha = ?1", [device], |r| r.get(0))
        .optional()
        .map(|found| found.unwrap_or(false))
}

pub fn device(conn: &Connection, token: &str) -> rusqlite::Result<Option<Device>> {
    conn.query_row(
        "SELECT token_sha, enumerator, areas, allow_untagged FROM tokens WHERE token_sha = ?1",
        [sha256_hex(token.as_bytes())],
        |r| {
            let areas: String = r.get(2)?;
            Ok(Device {
                id: r.get(0)?,
                enumerator: r.get(1)?,
                areas: areas.split_whitespace().map(str::to_owned).collect(),
                allow_untagged_forms: r.get(3)?,
            })
        },
    )
    .optional()
}

/// A published form: its id and instance root, the paths of the fields tagged `id_dtks`, `desa`
/// and `status_keberadaan`, and the paths of its binary fields, whose values name attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub form_id: String,
    pub root: String,
    pub id_dtks_path: Option<String>,
    pub desa_path: Option<String>,
    pub status_path: Option<String>,
    /// The house's point (`house_location`), for the spot-check sample.
    pub location_path: Option<String>,
    pub binary_paths: Vec<String>,
}

impl Published {
    /// What the receiver's checks read from a parsed form.
    pub fn from_definition(def: &verivali_form::definition::FormDef) -> Published {
        let path_of = |role: &str| {
            def.binds.iter().find(|b| b.role.as_deref() == Some(role)).map(|b| b.nodeset.clone())
        };
        Published {
            form_id: def.form_id.clone(),
            root: def.primary.get(def.primary.root()).name.to_string(),
            id_dtks_path: path_of("id_dtks"),
            desa_path: path_of("desa"),
            status_path: path_of("status_keberadaan"),
            location_path: path_of("house_location"),
            binary_paths: def
                .binds
                .iter()
                .filter(|b| b.data_type == verivali_form::definition::DataType::Binary)
                .map(|b| b.nodeset.clone())
                .collect(),
        }
    }
}

pub fn publish(
    conn: &mut Connection,
    form: &Published,
    version: &str,
    title: &str,
    xml: &str,
    media: &[(String, Vec<u8>)],
    now: i64,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM forms WHERE form_id = ?1", [&form.form_id])?;
    tx.execute(
        "INSERT INTO forms (form_id, version, title, xml, desa_path, status_path, published_at,
                            root, id_dtks_path, binary_paths, location_path, described)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)",
        params![
            form.form_id,
            version,
            title,
            xml,
            form.desa_path,
            form.status_path,
            now,
            form.root,
            form.id_dtks_path,
            serde_json::to_string(&form.binary_paths).unwrap_or_else(|_| "[]".into()),
            form.location_path
        ],
    )?;
    for (name, bytes) in media {
        tx.execute(
            "INSERT INTO form_media (form_id, name, bytes) VALUES (?1, ?2, ?3)",
            params![form.form_id, name, bytes],
        )?;
    }
    tx.commit()
}

pub fn published(conn: &Connection, form_id: &str) -> rusqlite::Result<Option<Published>> {
    conn.query_row(
        "SELECT form_id, root, id_dtks_path, desa_path, status_path, binary_paths, location_path
         FROM forms WHERE form_id = ?1",
        [form_id],
        |r| {
            let binary: String = r.get(5)?;
            Ok(Published {
                form_id: r.get(0)?,
                root: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                id_dtks_path: r.get(2)?,
                desa_path: r.get(3)?,
                status_path: r.get(4)?,
                binary_paths: serde_json::from_str(&binary).unwrap_or_default(),
                location_path: r.get(6)?,
            })
        },
    )
    .optional()
}

/// Reads the paths the checks need from each form published by an older build (before schema
/// version 4), once, so that no submission has to parse its form.
fn describe_forms(conn: &mut Connection) -> rusqlite::Result<()> {
    let old: Vec<(String, String)> = conn
        .prepare("SELECT form_id, xml FROM forms WHERE described = 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if old.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (form_id, xml) in old {
        let Ok(def) = verivali_form::definition::FormDef::parse(&xml, &NoMedia) else {
            tracing::warn!(form_id, "an old published form no longer parses; its paths stay");
            continue;
        };
        let form = Published::from_definition(&def);
        tx.execute(
            "UPDATE forms SET root = ?2, id_dtks_path = ?3, desa_path = ?4, status_path = ?5,
                              binary_paths = ?6, location_path = ?7, described = 1
             WHERE form_id = ?1",
            params![
                form_id,
                form.root,
                form.id_dtks_path,
                form.desa_path,
                form.status_path,
                serde_json::to_string(&form.binary_paths).unwrap_or_else(|_| "[]".into()),
                form.location_path
            ],
        )?;
    }
    tx.commit()
}

struct NoMedia;

impl verivali_form::definition::ExternalInstances for NoMedia {
    fn fetch(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
}

/// A published form's XML.
pub fn form_xml(conn: &Connection, form_id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT xml FROM forms WHERE form_id = ?1", [form_id], |r| r.get(0)).optional()
}

/// A form's media files by name, with their OpenRosa hashes.
pub fn media_hashes(conn: &Connection, form_id: &str) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare("SELECT name, bytes FROM form_media WHERE form_id = ?1 ORDER BY name")?
        .query_map([form_id], |r| {
            Ok((r.get::<_, String>(0)?, crate::openrosa_hash(&r.get::<_, Vec<u8>>(1)?)))
        })?
        .collect()
}

/// One media file of a form.
pub fn media_bytes(
    conn: &Connection,
    form_id: &str,
    name: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(
        "SELECT bytes FROM form_media WHERE form_id = ?1 AND name = ?2",
        [form_id, name],
        |r| r.get(0),
    )
    .optional()
}

/// The submissions no edit has replaced: what the status page counts.
const CURRENT: &str = "(SELECT * FROM submissions WHERE instance_id NOT IN \
     (SELECT deprecated_id FROM submissions WHERE deprecated_id IS NOT NULL))";

/// Two-column rows of a summary query (a missing key shown as `-`).
fn pairs(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare(sql)?
        .query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "-".into()), r.get(1)?))
        })?
        .collect()
}

/// Current submissions per desa.
pub fn per_desa(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    pairs(
        conn,
        &format!("SELECT desa, CAST(count(*) AS TEXT) FROM {CURRENT} GROUP BY desa ORDER BY desa"),
    )
}

/// Current submissions per status keberadaan.
pub fn per_status(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    pairs(
        conn,
        &format!(
            "SELECT status, CAST(count(*) AS TEXT) FROM {CURRENT} GROUP BY status ORDER BY status"
        ),
    )
}

/// Each enumerator's last upload (UTC).
pub fn last_upload(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    pairs(
        conn,
        "SELECT enumerator, datetime(max(received_at) / 1000, 'unixepoch') FROM submissions \
         GROUP BY enumerator ORDER BY enumerator",
    )
}

mod submissions;

pub use submissions::{Incoming, Stored, store_in, store_submission};

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_database_at_every_earlier_version_migrates_to_what_a_fresh_one_is() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        for version in 1..VERSION {
            let mut old = Connection::open_in_memory().unwrap();
            for step in &MIGRATIONS[..version as usize] {
                old.execute_batch(step).unwrap();
            }
            old.pragma_update(None, "user_version", version).unwrap();
            migrate(&mut old).unwrap();
            assert_eq!(schema_of(&old), schema_of(&fresh), "from version {version}");
            let at: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
            assert_eq!(at, VERSION);
        }
    }
}
