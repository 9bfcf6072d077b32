//! Quotas: how much one device may send in a day, and how full the disk may get. A device that
//! sends too much (a loop, a stolen token) hears 429 with `Retry-After` and cannot fill the
//! office's disk; when free space falls under the threshold, new data is refused with 507 while
//! what is stored stays readable.

use std::path::Path;

use rusqlite::Connection;

/// A rolling day.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Per-device limits over a rolling day, and the disk guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    pub submissions_per_day: u32,
    pub bytes_per_day: u64,
    /// New data is refused when the data folder's disk has less free space than this.
    pub min_free_disk_bytes: u64,
}

impl Default for Quotas {
    /// Generous for a field day: an enumerator visits 20–40 households, each a few photos.
    fn default() -> Quotas {
        Quotas {
            submissions_per_day: 500,
            bytes_per_day: 1024 * 1024 * 1024,
            min_free_disk_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// A device over its quota: the submissions or bytes of its last day are used up until this
/// many seconds from now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OverQuota {
    pub retry_after_s: u64,
}

/// Whether `device` may send `incoming` more bytes now.
pub(crate) fn check(
    conn: &Connection,
    quotas: &Quotas,
    device: &str,
    incoming: u64,
    now: i64,
) -> rusqlite::Result<Result<(), OverQuota>> {
    let since = now - DAY_MS;
    let (count, bytes, oldest): (u64, u64, Option<i64>) = conn.query_row(
        "SELECT coalesce(sum(new), 0), coalesce(sum(bytes), 0), min(at) FROM uploads
         WHERE device = ?1 AND at > ?2",
        rusqlite::params![device, since],
        |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get(2)?)),
    )?;
    if count >= u64::from(quotas.submissions_per_day) || bytes + incoming > quotas.bytes_per_day {
        let frees_at = oldest.map_or(DAY_MS, |t| t + DAY_MS - now);
        return Ok(Err(OverQuota { retry_after_s: (frees_at.max(1000) / 1000) as u64 }));
    }
    Ok(Ok(()))
}

/// Whether the disk holding `dir` has at least `min_free` bytes free (true when unknown).
pub(crate) fn disk_has_room(dir: &Path, min_free: u64) -> bool {
    free_bytes(dir).is_none_or(|free| free >= min_free)
}

#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid C string and `stats` is written by statvfs before it is read.
    let status = unsafe { libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) };
    if status != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled `stats`.
    let stats = unsafe { stats.assume_init() };
    // The fields are 32 bits wide on 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    Some(stats.f_bavail as u64 * stats.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}
