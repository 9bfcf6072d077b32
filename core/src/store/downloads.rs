//! Form media on its way in from a server: streamed into chunk rows as it arrives, so that
//! memory holds one chunk, not the file; checked; then moved into `form_media` inside the
//! transaction that installs the form version, or discarded. Nothing half-downloaded is ever
//! visible as installed media.

use rusqlite::{Connection, MAIN_DB, Transaction, params};

use super::Result;

/// How much of a download one row holds.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// A fresh download number.
pub fn begin(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row("SELECT coalesce(max(download), 0) + 1 FROM download_chunks", [], |r| {
        r.get(0)
    })?)
}

/// Appends the next chunk of download `download`.
pub fn append(tx: &Transaction<'_>, download: i64, seq: i64, bytes: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO download_chunks (download, seq, bytes) VALUES (?1, ?2, ?3)",
        params![download, seq, bytes],
    )?;
    Ok(())
}

/// The whole of download `download`, for the few files the form engine reads (its CSV and
/// XML instances); other media is never read whole.
pub fn read_whole(conn: &Connection, download: i64) -> Result<Vec<u8>> {
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM download_chunks WHERE download = ?1 ORDER BY seq")?;
    let mut out = Vec::new();
    let mut rows = stmt.query([download])?;
    while let Some(row) = rows.next()? {
        out.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
    }
    Ok(out)
}

/// Moves download `download` into `form_media` as file `name` of form row `form`, written
/// through SQLite's incremental blob I/O one chunk at a time; replaces an older file of that
/// name. Part of the caller's install transaction.
pub fn install_media(
    tx: &Transaction<'_>,
    form: i64,
    name: &str,
    download: i64,
    server_hash: Option<&str>,
) -> Result<()> {
    let total: i64 = tx.query_row(
        "SELECT coalesce(sum(length(bytes)), 0) FROM download_chunks WHERE download = ?1",
        [download],
        |r| r.get(0),
    )?;
    // Delete, then insert with the blob last in the row: SQLite then neither reads the old
    // file nor materializes the new one's zeros in memory.
    tx.execute("DELETE FROM form_media WHERE form = ?1 AND name = ?2", params![form, name])?;
    tx.execute(
        "INSERT INTO form_media (form, name, bytes) VALUES (?1, ?2, zeroblob(?3))",
        params![form, name, total],
    )?;
    match server_hash {
        Some(hash) => tx.execute(
            "INSERT INTO form_media_hashes (form, name, server_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (form, name) DO UPDATE SET server_hash = ?3",
            params![form, name, hash],
        )?,
        None => tx.execute(
            "DELETE FROM form_media_hashes WHERE form = ?1 AND name = ?2",
            params![form, name],
        )?,
    };
    let rowid: i64 = tx.query_row(
        "SELECT rowid FROM form_media WHERE form = ?1 AND name = ?2",
        params![form, name],
        |r| r.get(0),
    )?;
    let mut blob = tx.blob_open(MAIN_DB, c"form_media", c"bytes", rowid, false)?;
    let mut stmt =
        tx.prepare_cached("SELECT bytes FROM download_chunks WHERE download = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([download])?;
    let mut offset = 0usize;
    while let Some(row) = rows.next()? {
        let chunk = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        blob.write_at(chunk, offset)?;
        offset += chunk.len();
    }
    drop(rows);
    blob.close()?;
    discard(tx, download)
}

/// Forgets download `download`.
pub fn discard(tx: &Transaction<'_>, download: i64) -> Result<()> {
    tx.execute("DELETE FROM download_chunks WHERE download = ?1", [download])?;
    Ok(())
}

/// Forgets every download, after a sync that was killed midway.
pub fn discard_all(tx: &Transaction<'_>) -> Result<usize> {
    Ok(tx.execute("DELETE FROM download_chunks", [])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        Store,
        forms::{self, StoredForm},
        test_support::test_key,
    };

    #[test]
    fn chunks_become_one_media_file_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &test_key()).unwrap();
        let form = StoredForm {
            row: 0,
            form_id: "f".into(),
            version: "1".into(),
            title: "F".into(),
            xml: "<f/>".into(),
            media: vec![("a.csv".into(), b"old".to_vec())],
        };
        let row = store.write(|tx| forms::install_form(tx, &form, 0)).unwrap();
        let download = store.write(begin).unwrap();
        let content: Vec<u8> = (0..(2 * CHUNK_BYTES + 10)).map(|i| (i % 251) as u8).collect();
        for (seq, chunk) in content.chunks(CHUNK_BYTES).enumerate() {
            store.write(|tx| append(tx, download, seq as i64, chunk)).unwrap();
        }
        assert_eq!(store.read(|c| read_whole(c, download)).unwrap(), content);
        store.write(|tx| install_media(tx, row, "a.csv", download, Some("md5:x"))).unwrap();
        let installed = store.read(|c| forms::media_bytes(c, row, "a.csv")).unwrap();
        assert_eq!(installed.as_deref(), Some(content.as_slice()));
        let left: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM download_chunks", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(left, 0);
    }
}
