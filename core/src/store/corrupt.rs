//! Moving a damaged database aside instead of deleting it.
//!
//! app-services deletes a corrupt database because Sync restores it. Here the file may hold the
//! only copy of a week of unsent interviews, so it is renamed, with its WAL and shared-memory
//! files, to a name that carries the UTC time of the discovery, and support can try to recover
//! it. The next `open` then starts a fresh database.

use std::path::{Path, PathBuf};

use time::{OffsetDateTime, macros::format_description};

use super::error::{Error, Result};

/// Renames `path` (and its `-wal`/`-shm` companions) aside; returns the new database path.
pub(crate) fn move_aside(path: &Path) -> Result<PathBuf> {
    let target = free_target(path, &timestamp());
    rename(path, &target)?;
    for companion in ["-wal", "-shm"] {
        let from = with_suffix(path, companion);
        if from.exists() {
            rename(&from, &with_suffix(&target, companion))?;
        }
    }
    Ok(target)
}

fn timestamp() -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    OffsetDateTime::now_utc().format(&format).unwrap_or_else(|_| "unknown-time".into())
}

/// `verivali.db.corrupt-<ts>`, or `…-<ts>-2`, `-3`, … if that name is taken.
fn free_target(path: &Path, stamp: &str) -> PathBuf {
    let base = with_suffix(path, &format!(".corrupt-{stamp}"));
    if !base.exists() {
        return base;
    }
    (2u32..)
        .map(|n| with_suffix(path, &format!(".corrupt-{stamp}-{n}")))
        .find(|candidate| !candidate.exists())
        .expect("some numbered name is free")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::io("move aside", from, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_file_keeps_its_bytes_and_companions() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("verivali.db");
        std::fs::write(&db, b"precious").unwrap();
        std::fs::write(with_suffix(&db, "-wal"), b"wal").unwrap();
        let moved = move_aside(&db).unwrap();
        assert!(!db.exists());
        assert_eq!(std::fs::read(&moved).unwrap(), b"precious");
        assert_eq!(std::fs::read(with_suffix(&moved, "-wal")).unwrap(), b"wal");
        assert!(moved.file_name().unwrap().to_string_lossy().starts_with("verivali.db.corrupt-"));
    }

    #[test]
    fn second_damage_in_the_same_second_gets_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("verivali.db");
        let first = free_target(&db, "20260101T000000Z");
        std::fs::write(&first, b"1").unwrap();
        let second = free_target(&db, "20260101T000000Z");
        assert_ne!(first, second);
        assert!(second.to_string_lossy().ends_with("-2"));
    }
}
