//! The database schema and its migrations.
//!
//! A fresh database gets the newest schema in one go (`create`); an older one is walked up a
//! version at a time (`upgrade_from`). Both paths run inside one IMMEDIATE transaction that also
//! bumps `PRAGMA user_version`, so a crash mid-migration leaves the old version intact. The test
//! at the bottom proves that every upgrade path ends in exactly the schema `create` makes.
//!
//! History:
//! - v1: prelist households and members.
//! - v2: full-text name search, the import log, and a staging table for CSV member files.
//! - v3: installed forms (every version kept) with their media, interviews, and the outbox.
//! - v4: interview attachments (photos) and which question holds each.
//! - v5: the identity each submission goes out with (instanceID, deprecatedID for an edit), its
//!   checks file and encryption; the server's hash of each form media file; device settings.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::error::{Error, Result};

/// The schema version this build writes.
pub const VERSION: u32 = 7;

const CREATE_V2: &str = r#"
CREATE TABLE prelist_imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    format      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    imported    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    rejected    INTEGER NOT NULL
);

-- One row per prelist household. `record` is the household as imported, without its members,
-- keyed by form node names (docs/prelist-format.md).
CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    id_dtks      TEXT NOT NULL UNIQUE,
    desa_code    TEXT NOT NULL,
    head_name    TEXT,
    member_count INTEGER NOT NULL,
    record       TEXT NOT NULL,
    imported_at  INTEGER NOT NULL,
    import_id    INTEGER REFERENCES prelist_imports(id)
);
CREATE INDEX households_desa ON households(desa_code);
CREATE INDEX households_import ON households(import_id);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    nik          TEXT,
    name         TEXT NOT NULL,
    record       TEXT NOT NULL
);
CREATE INDEX members_household ON members(household_id);
CREATE INDEX members_nik ON members(nik) WHERE nik IS NOT NULL;
"#;

/// Objects added in v2 that both paths create the same way.
const SEARCH_AND_STAGING_V2: &str = r#"
-- Contentless: only rowids (= members.id) come back; the names live in `members`.
CREATE VIRTUAL TABLE member_names USING fts5(
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Members read from a CSV members file wait here until their household line is read.
-- Emptied in the same transaction as the import, so it is empty between imports.
CREATE TABLE staged_members (
    id       INTEGER PRIMARY KEY,
    id_dtks  TEXT NOT NULL,
    line     INTEGER NOT NULL,
    position INTEGER NOT NULL,
    nik      TEXT,
    name     TEXT NOT NULL,
    record   TEXT NOT NULL
);
CREATE INDEX staged_members_household ON staged_members(id_dtks);
"#;

/// Objects added in v3, the same on both paths.
const FORMS_AND_INTERVIEWS_V3: &str = r#"
-- Installed forms. Every version is kept: a draft started on an older version still opens and
-- submits with it.
CREATE TABLE forms (
    id           INTEGER PRIMARY KEY,
    form_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    xml          TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    installed_at INTEGER NOT NULL,
    UNIQUE (form_id, version)
);

-- The files a form refers to (external CSV instances), by file name.
CREATE TABLE form_media (
    form  INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    name  TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (form, name)
);

-- One row per visit. `id` is the instance's meta/instanceID; `preload` the prelist record it
-- started from (the baseline for "changed"); `checks` the rule outcomes and reasons at finalize.
CREATE TABLE interviews (
    id           TEXT PRIMARY KEY,
    form         INTEGER NOT NULL REFERENCES forms(id),
    id_dtks      TEXT,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'finalized', 'returned')),
    instance_xml TEXT NOT NULL,
    preload      TEXT,
    checks       TEXT,
    position     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finalized_at INTEGER
);
CREATE INDEX interviews_household ON interviews(id_dtks);
CREATE INDEX interviews_state ON interviews(state);

-- Finalized interviews waiting to leave the phone (ADR 0010). An interview enters in the same
-- transaction that finalizes it; `sending` found at start-up means a crash mid-send and goes
-- back to `queued` (the server deduplicates by instanceID).
CREATE TABLE outbox (
    interview_id    TEXT PRIMARY KEY REFERENCES interviews(id),
    submission_xml  TEXT NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('queued', 'sending', 'sent', 'retry_later', 'needs_person')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    reason          TEXT,
    queued_at       INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_state ON outbox(state, next_attempt_at);
"#;

/// Objects added in v4, the same on both paths.
const ATTACHMENTS_V4: &str = r#"
-- Photos of an interview, processed (ADR 0011) and stored once per content: `name` is the file
-- name the instance records, made from `sha256`. `in_submission` is set at finalize for the
-- ones the submission refers to; `bytes` becomes NULL once the server has acknowledged the
-- interview and the retention period has passed.
CREATE TABLE attachments (
    interview_id  TEXT NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    byte_len      INTEGER NOT NULL,
    bytes         BLOB,
    in_submission INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    purged_at     INTEGER,
    PRIMARY KEY (interview_id, name)
);

-- Which question holds which attachment. An attachment that no question holds any more (the
-- photo was taken again, the member removed) is deleted with the save that let it go.
CREATE TABLE attachment_uses (
    interview_id TEXT NOT NULL,
    question     TEXT NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (interview_id, question),
    FOREIGN KEY (interview_id, name) REFERENCES attachments(interview_id, name) ON DELETE CASCADE
);
CREATE INDEX attachment_uses_name ON attachment_uses(interview_id, name);
"#;

/// Objects added in v5, the same on both paths.
const SUBMISSION_IDENTITY_V5: &str = r#"
-- The meta/instanceID the queued submission carries: the interview's own id the first time; a
-- new one, with `deprecated_id` naming the one before, when an interview the server already
-- acknowledged is finalized again (an edit, as ODK Collect sends it).
ALTER TABLE outbox ADD COLUMN instance_id TEXT;
ALTER TABLE outbox ADD COLUMN deprecated_id TEXT;
-- The name of the checks attachment the submission declares (NULL: the form has no field).
ALTER TABLE outbox ADD COLUMN checks_file TEXT;
-- For a form with `base64RsaPublicKey`: the submission's AES key and its encrypted-submission
-- manifest, fixed at finalize so that every attempt sends the same bytes (ADR 0014).
ALTER TABLE outbox ADD COLUMN encryption TEXT;

-- The hash the server's manifest gave for each media file: an MD5 for files, an opaque value
-- for entity lists. A changed hash means fetch it again under the same form version. Kept
-- apart from form_media so that the blob stays the last column there: SQLite then writes a
-- large file through zeroblob and incremental I/O without ever holding it in memory.
CREATE TABLE form_media_hashes (
    form        INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    server_hash TEXT NOT NULL,
    PRIMARY KEY (form, name)
);

-- Form media being downloaded, in chunks, so that a large file never sits whole in memory.
-- Moved into form_media when the whole form version checks out; left-overs of a killed sync
-- are deleted when the store opens.
CREATE TABLE download_chunks (
    download INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (download, seq)
);

-- Settings of this installation, e.g. the deviceID sent with every request.
CREATE TABLE device_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Objects added in v6: returns received from a pengawas (issue 17), one per returned
/// submission (its instanceID), kept after the correction goes out.
const REVIEW_RETURNS_V6: &str = r#"
CREATE TABLE review_returns (
    instance_id  TEXT PRIMARY KEY,
    interview_id TEXT NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    returned_at  INTEGER NOT NULL,
    note         TEXT,
    comments     TEXT NOT NULL,
    received_at  INTEGER NOT NULL
);
CREATE INDEX review_returns_interview ON review_returns(interview_id, received_at);
"#;

const UPGRADE_V1_TO_V2: &str = r#"
CREATE TABLE prelist_imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    format      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    imported    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    rejected    INTEGER NOT NULL
);
ALTER TABLE households ADD COLUMN import_id INTEGER REFERENCES prelist_imports(id);
CREATE INDEX households_import ON households(import_id);
"#;

/// Brings the database to [`VERSION`], creating it if empty.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(Error::IncompatibleVersion { found, known: VERSION });
    }
    if found == VERSION {
        return Ok(());
    }
    if found == 0 {
        if !is_empty(&tx)? {
            return Err(Error::IncompatibleVersion { found, known: VERSION });
        }
        create(&tx)?;
    } else {
        for version in found..VERSION {
            tracing::info!(from = version, to = version + 1, "migrating the store");
            upgrade_from(&tx, version)?;
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

fn is_empty(tx: &Transaction<'_>) -> Result<bool> {
    let count: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(count == 0)
}

fn create(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(CREATE_V2)?;
    tx.execute_batch(SEARCH_AND_STAGING_V2)?;
    tx.execute_batch(FORMS_AND_INTERVIEWS_V3)?;
    tx.execute_batch(ATTACHMENTS_V4)?;
    tx.execute_batch(SUBMISSION_IDENTITY_V5)?;
    tx.execute_batch(REVIEW_RETURNS_V6)?;
    tx.execute_batch(super::team::TEAM_V7)?;
    Ok(())
}

fn upgrade_from(tx: &Transaction<'_>, version: u32) -> Result<()> {
    match version {
        1 => {
            tx.execute_batch(UPGRADE_V1_TO_V2)?;
            tx.execute_batch(SEARCH_AND_STAGING_V2)?;
            tx.execute_batch(
                "INSERT INTO member_names(rowid, name) SELECT id, name FROM members;",
            )?;
            Ok(())
        }
        2 => Ok(tx.execute_batch(FORMS_AND_INTERVIEWS_V3)?),
        3 => Ok(tx.execute_batch(ATTACHMENTS_V4)?),
        4 => {
            tx.execute_batch(SUBMISSION_IDENTITY_V5)?;
            Ok(tx.execute_batch("UPDATE outbox SET instance_id = interview_id;")?)
        }
        5 => Ok(tx.execute_batch(REVIEW_RETURNS_V6)?),
        6 => Ok(tx.execute_batch(super::team::TEAM_V7)?),
        other => unreachable!("no upgrade step from schema version {other}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{Store, StoreKey, test_support::test_key};

    /// The v1 schema exactly as v1 builds created it.
    const V1_SCHEMA: &str = r#"
        CREATE TABLE households (
            id           INTEGER PRIMARY KEY,
            id_dtks      TEXT NOT NULL UNIQUE,
            desa_code    TEXT NOT NULL,
            head_name    TEXT,
            member_count INTEGER NOT NULL,
            record       TEXT NOT NULL,
            imported_at  INTEGER NOT NULL
        );
        CREATE INDEX households_desa ON households(desa_code);
        CREATE TABLE members (
            id           INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
            position     INTEGER NOT NULL,
            nik          TEXT,
            name         TEXT NOT NULL,
            record       TEXT NOT NULL
        );
        CREATE INDEX members_household ON members(household_id);
        CREATE INDEX members_nik ON members(nik) WHERE nik IS NOT NULL;
        PRAGMA user_version = 1;
    "#;

    /// The v2 schema as v2 builds created it.
    fn v2_schema() -> String {
        format!("{CREATE_V2}{SEARCH_AND_STAGING_V2}PRAGMA user_version = 2;")
    }

    /// The v3 schema as v3 builds created it.
    fn v3_schema() -> String {
        format!(
            "{CREATE_V2}{SEARCH_AND_STAGING_V2}{FORMS_AND_INTERVIEWS_V3}PRAGMA user_version = 3;"
        )
    }

    /// Every earlier version's schema with some data, indexed by version - 1.
    fn v4_schema() -> String {
        format!(
            "{CREATE_V2}{SEARCH_AND_STAGING_V2}{FORMS_AND_INTERVIEWS_V3}{ATTACHMENTS_V4}PRAGMA user_version = 4;"
        )
    }

    fn v5_schema() -> String {
        format!(
            "{CREATE_V2}{SEARCH_AND_STAGING_V2}{FORMS_AND_INTERVIEWS_V3}{ATTACHMENTS_V4}{SUBMISSION_IDENTITY_V5}PRAGMA user_version = 5;"
        )
    }

    fn earlier_schemas() -> Vec<(String, &'static str)> {
        vec![
            (V1_SCHEMA.to_owned(), V1_DATA),
            (v2_schema(), V2_DATA),
            (v3_schema(), V3_DATA),
            (v4_schema(), V3_DATA),
            (v5_schema(), V3_DATA),
        ]
    }

    /// A comparable description of a schema: tables with their columns and foreign keys,
    /// indexes and virtual tables with their SQL.
    pub(crate) fn describe_schema(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut objects =
            conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").unwrap();
        let rows: Vec<(String, String, Option<String>)> = objects
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (kind, name, sql) in rows {
            let is_plain_table =
                kind == "table" && !sql.as_deref().unwrap_or("").starts_with("CREATE VIRTUAL");
            if is_plain_table {
                out.push(format!("table {name}"));
                describe_pragma(conn, &format!("PRAGMA table_xinfo({name})"), &mut out);
                describe_pragma(conn, &format!("PRAGMA foreign_key_list({name})"), &mut out);
            } else {
                let sql = sql.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
                out.push(format!("{kind} {name}: {sql}"));
            }
        }
        out.push(format!(
            "user_version {}",
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap()
        ));
        out
    }

    fn describe_pragma(conn: &Connection, pragma: &str, out: &mut Vec<String>) {
        let mut stmt = conn.prepare(pragma).unwrap();
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let cells: Vec<String> =
                    (0..width).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
                Ok(format!("  {}", cells.join(" | ")))
            })
            .unwrap();
        out.extend(rows.map(|r| r.unwrap()));
    }

    fn fresh_schema() -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &test_key()).unwrap();
        store.read(|conn| Ok(describe_schema(conn))).unwrap()
    }

    fn write_old_database(dir: &std::path::Path, key: &StoreKey, schema_sql: &str, data: &str) {
        let conn = Connection::open(dir.join(crate::store::DATABASE_FILE)).unwrap();
        conn.execute_batch(&key.pragma()).unwrap();
        conn.execute_batch(schema_sql).unwrap();
        conn.execute_batch(data).unwrap();
    }

    const V1_DATA: &str = r#"
        INSERT INTO households VALUES (1, 'H-1', '32.01.01.2001', 'Siti Aminah', 1, '{}', 0);
        INSERT INTO members VALUES (1, 1, 1, '3201014101800001', 'Siti Aminah', '{}');
    "#;

    const V2_DATA: &str = r#"
        INSERT INTO households VALUES (1, 'H-1', '32.01.01.2001', 'Siti Aminah', 1, '{}', 0, NULL);
        INSERT INTO members VALUES (1, 1, 1, '3201014101800001', 'Siti Aminah', '{}');
        INSERT INTO member_names(rowid, name) VALUES (1, 'Siti Aminah');
    "#;

    const V3_DATA: &str = r#"
        INSERT INTO forms VALUES (1, 'dtks', '1', 'DTKS', '<h:html/>', 'abc', 0);
        INSERT INTO interviews VALUES
            ('uuid:1', 1, 'H-1', 'finalized', '<data/>', NULL, '{}', NULL, 0, 1, 1);
        INSERT INTO outbox (interview_id, submission_xml, state, queued_at)
            VALUES ('uuid:1', '<data/>', 'queued', 1);
    "#;

    #[test]
    fn database_migrated_from_every_earlier_version_equals_a_fresh_one() {
        let fresh = fresh_schema();
        for (index, (schema, data)) in earlier_schemas().iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            write_old_database(dir.path(), &test_key(), schema, data);
            let store = Store::open(dir.path(), &test_key()).unwrap();
            let migrated = store.read(|conn| Ok(describe_schema(conn))).unwrap();
            assert_eq!(migrated, fresh, "schema migrated from v{} differs", index + 1);
        }
    }

    #[test]
    fn migration_to_v5_gives_each_queued_submission_its_interview_id_as_instance_id() {
        let dir = tempfile::tempdir().unwrap();
        write_old_database(dir.path(), &test_key(), &v4_schema(), V3_DATA);
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let identity: (String, Option<String>) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT instance_id, deprecated_id FROM outbox WHERE interview_id = 'uuid:1'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(identity, ("uuid:1".to_owned(), None));
    }

    #[test]
    fn migration_from_v1_makes_existing_members_searchable_by_name() {
        let dir = tempfile::tempdir().unwrap();
        write_old_database(dir.path(), &test_key(), V1_SCHEMA, V1_DATA);
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let hits: i64 = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM member_names WHERE member_names MATCH 'amin*'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(hits, 1);
    }

    #[test]
    fn database_from_a_newer_build_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        write_old_database(dir.path(), &test_key(), "PRAGMA user_version = 99;", "");
        let err = Store::open(dir.path(), &test_key()).unwrap_err();
        assert!(matches!(err, Error::IncompatibleVersion { found: 99, known: VERSION }));
    }
}
