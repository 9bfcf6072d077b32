//! Reading a JSON Lines prelist as a stream, one household per line.
//!
//! The file is never held in memory: each line is read into a bounded buffer, parsed, validated
//! and written before the next is read. A line longer than [`MAX_LINE_BYTES`] (a broken export
//! or a hostile file) is skipped without buffering it and reported.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use super::{
    file_label,
    import::{ImportReport, Importer, ProgressSink},
    problem::Problem,
    record::household_from_json,
};
use crate::store::{Error, Result, Store};

/// The longest line accepted. A 60-member household with every field filled is about 40 KB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Imports a JSON Lines prelist in one transaction. See [`super::import`] for the semantics.
pub fn import_jsonl(store: &Store, path: &Path, sink: &dyn ProgressSink) -> Result<ImportReport> {
    let file = File::open(path).map_err(|e| Error::io("open the prelist", path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = BufReader::with_capacity(64 * 1024, file);
    import_jsonl_from(store, reader, &file_label(path), total, path, sink)
}

/// Imports a JSON Lines prelist read from `reader` (`total` bytes, named `label` in reports;
/// `path` names it in read errors).
pub fn import_jsonl_from(
    store: &Store,
    mut reader: impl BufRead,
    label: &str,
    total: u64,
    path: &Path,
    sink: &dyn ProgressSink,
) -> Result<ImportReport> {
    let label = label.to_owned();
    store.write(|tx| {
        let mut importer = Importer::begin(tx, &label, "jsonl", total, sink)?;
        let mut buf = Vec::with_capacity(4096);
        let mut bytes_read = 0u64;
        let mut line_no = 0u64;
        loop {
            let line = read_bounded_line(&mut reader, &mut buf, MAX_LINE_BYTES)
                .map_err(|e| Error::io("read the prelist", path, e))?;
            let (consumed, fits) = match line {
                Line::End => break,
                Line::Complete(n) => (n, true),
                Line::TooLong(n) => (n, false),
            };
            line_no += 1;
            bytes_read += consumed as u64;
            importer.set_bytes_read(bytes_read);
            if !fits {
                importer.reject(&label, line_no, Problem::LineTooLong { limit: MAX_LINE_BYTES });
                continue;
            }
            let text = match std::str::from_utf8(strip_bom(&buf, line_no)) {
                Ok(text) => text.trim(),
                Err(_) => {
                    importer.reject(&label, line_no, Problem::NotUtf8);
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            let household = serde_json::from_str(text)
                .map_err(|e| Problem::NotJson { detail: format!("column {}", e.column()) })
                .and_then(household_from_json);
            importer.offer(&label, line_no, household)?;
        }
        importer.finish()
    })
}

fn strip_bom(line: &[u8], line_no: u64) -> &[u8] {
    if line_no == 1 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line }
}

/// The outcome of reading one line.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// No more input.
    End,
    /// A line (without its terminator) is in the buffer; the value is the bytes consumed.
    Complete(usize),
    /// The line exceeded the limit and was skipped; the value is the bytes consumed.
    TooLong(usize),
}

/// Reads up to and including the next `\n`, keeping at most `limit` bytes in `buf`.
fn read_bounded_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut consumed = 0usize;
    let mut overflow = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (consumed, overflow) {
                (0, _) => Line::End,
                (n, true) => Line::TooLong(n),
                (n, false) => Line::Complete(n),
            });
        }
        let (chunk, found_newline) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], true),
            None => (available, false),
        };
        if !overflow && buf.len() + chunk.len() <= limit {
            buf.extend_from_slice(chunk);
        } else {
            overflow = true;
            buf.clear();
        }
        let used = chunk.len() + usize::from(found_newline);
        reader.consume(used);
        consumed += used;
        if found_newline {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(if overflow { Line::TooLong(consumed) } else { Line::Complete(consumed) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_bounded_line(&mut reader, &mut buf, limit).unwrap();
            if line == Line::End {
                return out;
            }
            out.push((line, buf.clone()));
        }
    }

    #[test]
    fn bounded_reader_splits_lines_across_small_buffers() {
        let got = lines(b"abcdef\r\nxy\nlast", 100);
        assert_eq!(
            got,
            vec![
                (Line::Complete(8), b"abcdef".to_vec()),
                (Line::Complete(3), b"xy".to_vec()),
                (Line::Complete(4), b"last".to_vec()),
            ]
        );
    }

    #[test]
    fn bounded_reader_skips_an_overlong_line_and_goes_on() {
        let got = lines(b"0123456789\nok\n", 5);
        assert_eq!(got, vec![(Line::TooLong(11), vec![]), (Line::Complete(3), b"ok".to_vec())]);
    }
}
