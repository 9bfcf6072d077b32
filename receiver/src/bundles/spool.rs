//! A bundle arriving over HTTP goes to a private file in the data folder, never whole into
//! memory: written as it arrives, within a size limit, a deadline and an idle limit, and
//! removed when the request is done, whatever happened. A browser's upload is multipart; its
//! file part is then copied out to a file of its own (SQLCipher needs the bundle at offset 0).

use std::{
    io::{Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use axum::body::Body;
use http_body_util::BodyExt;

use crate::submission::{BODY_GRACE, BODY_IDLE, MIN_BODY_RATE};

/// A file in `<data>/incoming` that is removed when dropped.
pub(crate) struct Spooled {
    pub path: PathBuf,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why a body could not be spooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpoolError {
    TooLarge,
    TooSlow,
    CutOff,
    Disk,
}

impl SpoolError {
    pub(crate) fn status_and_message(self) -> (u16, &'static str) {
        match self {
            SpoolError::TooLarge => (413, "Bundel terlalu besar / The bundle is too large"),
            SpoolError::TooSlow => (
                408,
                "Kiriman terlalu lambat dan dihentikan / The upload was too slow and was stopped",
            ),
            SpoolError::CutOff => (400, "Kiriman terputus / The upload was cut off"),
            SpoolError::Disk => (
                507,
                "Bundel tidak dapat disimpan sementara / The bundle cannot be stored for import",
            ),
        }
    }
}

/// A new empty private file in `<dir>/incoming`.
pub(crate) fn new_file(dir: &Path) -> Result<(Spooled, std::fs::File), SpoolError> {
    let incoming = dir.join("incoming");
    std::fs::create_dir_all(&incoming).map_err(|_| SpoolError::Disk)?;
    let name = crate::random_hex(16).map_err(|_| SpoolError::Disk)?;
    let path = incoming.join(format!("{name}.part"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).read(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(|_| SpoolError::Disk)?;
    Ok((Spooled { path }, file))
}

/// Writes `body` to a new private file, at most `limit` bytes, within a deadline that grows
/// with the declared length and an idle limit between pieces.
pub(crate) async fn spool(
    dir: &Path,
    body: Body,
    declared: Option<u64>,
    limit: u64,
) -> Result<Spooled, SpoolError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(SpoolError::TooLarge);
    }
    let (spooled, file) = new_file(dir)?;
    let mut file = std::io::BufWriter::new(file);
    let deadline = BODY_GRACE + Duration::from_secs(declared.unwrap_or(limit) / MIN_BODY_RATE);
    let mut body = body;
    let mut written = 0u64;
    let reading = async {
        loop {
            match tokio::time::timeout(BODY_IDLE, body.frame()).await {
                Err(_) => return Err(SpoolError::TooSlow),
                Ok(None) => return Ok(()),
                Ok(Some(Err(_))) => return Err(SpoolError::CutOff),
                Ok(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else { continue };
                    written += data.len() as u64;
                    if written > limit {
                        return Err(SpoolError::TooLarge);
                    }
                    file.write_all(&data).map_err(|_| SpoolError::Disk)?;
                }
            }
        }
    };
    tokio::time::timeout(deadline, reading).await.unwrap_or(Err(SpoolError::TooSlow))?;
    file.flush().map_err(|_| SpoolError::Disk)?;
    Ok(spooled)
}

/// A browser's `multipart/form-data` upload spooled to a file: its small text fields, and the
/// file part (which must be the last part) copied out to a file of its own.
pub(crate) struct FormUpload {
    pub fields: Vec<(String, String)>,
    pub file: Option<Spooled>,
}

/// How much of the start of an upload holds the text fields and the file part's headers.
const HEAD_BYTES: usize = 64 * 1024;

/// Splits a spooled multipart upload with `boundary`: text fields before the file part named
/// `file_field`, and that part's content up to the closing delimiter. `None` when the upload is
/// not shaped so.
pub(crate) fn split_form(
    dir: &Path,
    spooled: &Spooled,
    boundary: &str,
    file_field: &str,
) -> Option<FormUpload> {
    let mut source = std::fs::File::open(&spooled.path).ok()?;
    let length = source.metadata().ok()?.len();
    let mut head = vec![0u8; HEAD_BYTES.min(length as usize)];
    source.read_exact(&mut head).ok()?;
    let delimiter = format!("--{boundary}");
    let mut fields = Vec::new();
    let mut at = find(&head, delimiter.as_bytes(), 0)? + delimiter.len();
    loop {
        if head.get(at..at + 2)? != b"\r\n" {
            return None;
        }
        let headers_end = find(&head, b"\r\n\r\n", at)?;
        let headers = std::str::from_utf8(&head[at + 2..headers_end]).ok()?;
        let name = part_name(headers)?;
        let content_start = headers_end + 4;
        if name == file_field {
            let file = copy_file_part(dir, &mut source, content_start as u64, length, &delimiter)?;
            return Some(FormUpload { fields, file: Some(file) });
        }
        let end = find(&head, format!("\r\n{delimiter}").as_bytes(), content_start)?;
        let value = std::str::from_utf8(&head[content_start..end]).ok()?;
        fields.push((name, value.to_owned()));
        at = end + 2 + delimiter.len();
        if head.get(at..at + 2) == Some(b"--") {
            return Some(FormUpload { fields, file: None });
        }
    }
}

/// Copies `[start, end of the last part)` of `source` to a new file; the upload must end with
/// the closing delimiter.
fn copy_file_part(
    dir: &Path,
    source: &mut std::fs::File,
    start: u64,
    length: u64,
    delimiter: &str,
) -> Option<Spooled> {
    let closing = format!("\r\n{delimiter}--");
    let tail_len = (closing.len() as u64 + 2).min(length);
    let mut tail = vec![0u8; tail_len as usize];
    source.seek(SeekFrom::Start(length - tail_len)).ok()?;
    source.read_exact(&mut tail).ok()?;
    let trailing = if tail.ends_with(b"\r\n") { 2 } else { 0 };
    let closing_at = length - trailing - closing.len() as u64;
    if !tail[..tail.len() - trailing as usize].ends_with(closing.as_bytes()) || closing_at < start {
        return None;
    }
    let (target, mut file) = new_file(dir).ok()?;
    source.seek(SeekFrom::Start(start)).ok()?;
    std::io::copy(&mut source.take(closing_at - start), &mut file).ok()?;
    file.flush().ok()?;
    Some(target)
}

fn part_name(headers: &str) -> Option<String> {
    let disposition = headers
        .split("\r\n")
        .find(|line| line.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let after = &disposition[disposition.find("name=\"")? + 6..];
    Some(after[..after.find('"')?].to_owned())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|i| i + from)
}
