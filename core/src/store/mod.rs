//! The device's one encrypted SQLite database.
//!
//! Everything the enumerator has is here: the prelist, the installed forms, interviews, photos,
//! the outbox, download staging and the device id. It is a SQLCipher file keyed by the caller, in WAL mode, with exactly one writer
//! connection and one reader connection, so a long import never blocks a search and two writers
//! never fight over `SQLITE_BUSY`.
//!
//! Opening is careful about what it may destroy, which is nothing:
//! - a wrong key is told apart from a damaged file by the key-check file (see [`key`]);
//! - a damaged file is renamed to `verivali.db.corrupt-<UTC timestamp>` with its WAL, and
//!   reported; it may hold the only copy of unsent interviews;
//! - a database written by a newer build is refused, not downgraded.

pub mod attachments;
mod corrupt;
pub mod device;
pub mod downloads;
mod error;
pub mod forms;
pub mod interviews;
mod key;
pub mod prelist;
pub mod returns;
mod schema;
pub mod sqlcipher;
pub mod team;

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use error::{Error, Result};
pub use key::StoreKey;
#[cfg(any(test, feature = "internals"))]
pub use schema::VERSION as SCHEMA_VERSION;

use key::KeyCheck;

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "verivali.db";
const KEY_CHECK_FILE: &str = "verivali.keycheck";

/// How hard `open` looks for damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntegrityCheck {
    /// Only what opening and migrating touch (the header and the schema).
    #[default]
    OnUse,
    /// `PRAGMA quick_check` over every page before the store is handed out.
    Full,
}

/// The open store: one writer and one reader connection to the same file.
pub struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store in `data_dir`, migrating it to the current schema.
    pub fn open(data_dir: &Path, key: &StoreKey) -> Result<Store> {
        Self::open_with(data_dir, key, IntegrityCheck::OnUse)
    }

    /// Opens the store, checking its integrity as asked.
    pub fn open_with(data_dir: &Path, key: &StoreKey, check: IntegrityCheck) -> Result<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::io("create the data directory", data_dir, e))?;
        let path = data_dir.join(DATABASE_FILE);
        let key_check_path = data_dir.join(KEY_CHECK_FILE);
        let existed = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
        let key_check =
            if existed { key::check_key(&key_check_path, key)? } else { KeyCheck::NothingStored };
        if key_check == KeyCheck::DiffersFromStored {
            return Err(Error::WrongKey);
        }

        let writer = match open_writer(&path, key, check) {
            Ok(conn) => conn,
            Err(e) if e.is_damage() && existed => {
                // Without a stored key check we cannot tell damage from a wrong key, and a
                // wrong key must never cost the enumerator their database.
                if key_check != KeyCheck::Matches {
                    return Err(Error::WrongKey);
                }
                let moved_to = corrupt::move_aside(&path)?;
                tracing::error!(moved_to = %moved_to.display(), "the database was damaged and moved aside");
                return Err(Error::Corrupt { moved_to });
            }
            Err(e) => return Err(e),
        };
        if key_check != KeyCheck::Matches {
            key::store_key_check(&key_check_path, key)?;
        }
        let reader = open_reader(&path, key)?;
        tracing::debug!(schema = schema::VERSION, "store opened");
        Ok(Store { writer: Mutex::new(writer), reader: Mutex::new(reader), path })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the reader connection. It sees only committed data.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&lock(&self.reader))
    }

    /// Runs `f` inside one IMMEDIATE transaction on the writer; commits only if `f` succeeds.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs SQLite's full `integrity_check` and returns its findings; empty means sound.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
            Ok(problems.into_iter().filter(|p| p != "ok").collect())
        })
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves the connection usable: SQLite rolls back any open
    // transaction when the guard's `Transaction` is dropped during unwinding.
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_writer(path: &Path, key: &StoreKey, check: IntegrityCheck) -> Result<Connection> {
    sqlcipher::ensure_started();
    let mut conn = Connection::open(path)?;
    conn.execute_batch(&key.pragma())?;
    // Touches page 1: fails with NotADatabase here for a wrong key or a damaged header.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    // WAL cannot be switched on inside a transaction, so it comes before migrating.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA busy_timeout = 5000;",
    )?;
    if check == IntegrityCheck::Full {
        let result: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        if result != "ok" {
            return Err(Error::Sql(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some("quick_check found damage".into()),
            )));
        }
    }
    schema::migrate(&mut conn)?;
    Ok(conn)
}

fn open_reader(path: &Path, key: &StoreKey) -> Result<Connection> {
    sqlcipher::ensure_started();
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch(&key.pragma())?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 5000;",
    )?;
    Ok(conn)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::StoreKey;

    pub(crate) fn test_key() -> StoreKey {
        StoreKey::from_bytes(&[0x42; 32]).unwrap()
    }
}

#[cfg(test)]
mod tests;
