//! Opening the store: keys, damage and durability.

use std::{fs, path::Path};

use super::{test_support::test_key, *};

fn other_key() -> StoreKey {
    StoreKey::from_bytes(&[0x17; 32]).unwrap()
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(fs::read(path).unwrap()).to_vec()
}

fn store_with_a_row(dir: &Path) {
    let store = Store::open(dir, &test_key()).unwrap();
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO households (id_dtks, desa_code, member_count, record, imported_at)
                 VALUES ('H-1', '32.01.01.2001', 0, '{}', 0)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
}

/// Flushes the WAL into the main file so that tests can damage the main file's pages.
fn checkpoint(dir: &Path) {
    let store = Store::open(dir, &test_key()).unwrap();
    store.read(|c| Ok(c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?)).unwrap();
}

#[test]
fn fresh_store_is_encrypted_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    checkpoint(dir.path());
    let bytes = fs::read(dir.path().join(DATABASE_FILE)).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(13).any(|w| w == b"32.01.01.2001"));
}

#[test]
fn store_uses_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    let (mode, fks): (String, i64) = store
        .write(|tx| {
            Ok((
                tx.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                tx.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
            ))
        })
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(fks, 1);
}

#[test]
fn committed_rows_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    let store = Store::open(dir.path(), &test_key()).unwrap();
    let n: i64 = store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn wrong_key_is_reported_as_wrong_key_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    checkpoint(dir.path());
    let before = sha(&dir.path().join(DATABASE_FILE));
    let err = Store::open(dir.path(), &other_key()).unwrap_err();
    assert!(matches!(err, Error::WrongKey), "{err:?}");
    assert_eq!(sha(&dir.path().join(DATABASE_FILE)), before);
    assert!(Store::open(dir.path(), &test_key()).is_ok());
}

#[test]
fn wrong_key_without_a_key_check_file_is_still_wrong_key_and_nothing_moves() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    fs::remove_file(dir.path().join(KEY_CHECK_FILE)).unwrap();
    let err = Store::open(dir.path(), &other_key()).unwrap_err();
    assert!(matches!(err, Error::WrongKey), "{err:?}");
    assert!(dir.path().join(DATABASE_FILE).exists());
    // The right key still opens it and writes the key check again.
    Store::open(dir.path(), &test_key()).unwrap();
    assert!(dir.path().join(KEY_CHECK_FILE).exists());
}

fn damage(path: &Path, offset: usize, len: usize) {
    let mut bytes = fs::read(path).unwrap();
    for b in &mut bytes[offset..offset + len] {
        *b = !*b;
    }
    fs::write(path, bytes).unwrap();
}

fn corrupt_copies(dir: &Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".corrupt-"))
        .collect()
}

#[test]
fn damaged_header_page_is_moved_aside_with_a_timestamp_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    checkpoint(dir.path());
    let db = dir.path().join(DATABASE_FILE);
    damage(&db, 100, 64);
    let damaged = sha(&db);
    let err = Store::open(dir.path(), &test_key()).unwrap_err();
    let Error::Corrupt { moved_to } = err else { panic!("expected Corrupt, got {err:?}") };
    assert_eq!(sha(&moved_to), damaged, "the damaged bytes are kept as they were");
    assert_eq!(
        corrupt_copies(dir.path())
            .iter()
            .filter(|p| !p.to_string_lossy().ends_with("-wal")
                && !p.to_string_lossy().ends_with("-shm"))
            .count(),
        1
    );
    // The next open starts afresh, and the copy is still there.
    Store::open(dir.path(), &test_key()).unwrap();
    assert!(moved_to.exists());
}

#[test]
fn damage_deep_in_the_file_is_found_by_a_full_check_and_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    checkpoint(dir.path());
    let db = dir.path().join(DATABASE_FILE);
    let len = fs::metadata(&db).unwrap().len() as usize;
    assert!(len > 3 * 4096, "the test needs several pages");
    damage(&db, 2 * 4096 + 200, 32);
    let err = Store::open_with(dir.path(), &test_key(), IntegrityCheck::Full).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
}

#[test]
fn sound_store_has_no_integrity_problems() {
    let dir = tempfile::tempdir().unwrap();
    store_with_a_row(dir.path());
    let store = Store::open_with(dir.path(), &test_key(), IntegrityCheck::Full).unwrap();
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn failed_write_rolls_back_everything_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    let result: Result<()> = store.write(|tx| {
        tx.execute(
            "INSERT INTO households (id_dtks, desa_code, member_count, record, imported_at)
             VALUES ('H-1', '32.01.01.2001', 0, '{}', 0)",
            [],
        )?;
        Err(Error::WrongKey)
    });
    assert!(result.is_err());
    let n: i64 = store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 0);
}
