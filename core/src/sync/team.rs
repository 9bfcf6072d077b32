//! The team's interviews from the receiver, on a pengawas's phone with signal (`GET
//! …/verivali/v1/team`, docs/review-api.md): the same interviews a blank spot brings by bundle,
//! stored in the same place, so that the phone's review, sample and back-checks treat them
//! alike whichever way they came. Each interview is stored with its photos in one transaction;
//! the receiver's cursor is kept after each page, so an interrupted fetch resumes where it
//! stopped and a repeated one adds nothing twice. A plain OpenRosa server has no such endpoint
//! (404: the feature is absent).

use serde::Deserialize;

use super::{SyncError, http::Fetcher};
use crate::{
    bundle::Bundled,
    hex::sha256_hex,
    outbox::client::Server,
    store::{self, Store},
};

/// Where the receiver lists the team's interviews, under the server URL.
pub const TEAM_PATH: &str = "verivali/v1/team";
/// The team document's version this build reads.
const FORMAT: u32 = 1;
/// The largest page accepted (the receiver stops a page at 4 MB of XML).
const PAGE_LIMIT: u64 = 16 * 1024 * 1024;
/// The largest photo accepted.
const ATTACHMENT_LIMIT: u64 = 20 * 1024 * 1024;
/// At most this many pages in one fetch; the next fetch goes on from the cursor.
const MAX_PAGES: usize = 400;
/// What `team_submissions.bundle` says of an interview that came from the receiver.
pub const FROM_RECEIVER: &str = "receiver";

/// What fetching the team's interviews did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamFetchReport {
    /// Interviews the receiver listed now.
    pub listed: u32,
    /// Of those, new to this phone (the others came before, by bundle or by an earlier fetch).
    pub new: u32,
    /// Listed with content other than what this phone holds under the same instanceID; kept
    /// as this phone had it.
    pub conflicts: u32,
    /// The server has no team endpoint (a plain OpenRosa server).
    pub unsupported: bool,
}

#[derive(Deserialize)]
struct Page {
    format: u32,
    interviews: Vec<Listed>,
    next: i64,
    more: bool,
}

#[derive(Deserialize)]
struct Listed {
    instance_id: String,
    form_id: String,
    enumerator: String,
    xml: String,
    checks: Option<String>,
    attachments: Vec<ListedAttachment>,
}

#[derive(Deserialize)]
struct ListedAttachment {
    name: String,
}

/// Fetches the team's interviews the receiver took since the last fetch from this server.
pub fn fetch_team(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    now_ms: i64,
) -> Result<TeamFetchReport, SyncError> {
    let fetcher = Fetcher::new(agent, server, ATTACHMENT_LIMIT)?;
    let base = server.base_url.trim_end_matches('/').to_owned();
    let cursor_name = store::device::server_setting("team_cursor", &base);
    let mut report = TeamFetchReport::default();
    for _ in 0..MAX_PAGES {
        let after = store.read(|c| store::device::setting(c, &cursor_name))?;
        let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
        let url = format!("{base}/{TEAM_PATH}?after={after}");
        let page = match fetcher.fetch_small(&url, "team", PAGE_LIMIT) {
            Ok(fetched) => read_page(&fetched.content)?,
            Err(SyncError::NotFound { .. }) => {
                report.unsupported = true;
                return Ok(report);
            }
            Err(SyncError::Refused { status: 403 }) => return Err(SyncError::NotPengawas),
            Err(error) => return Err(error),
        };
        for listed in &page.interviews {
            report.listed += 1;
            match store_one(store, &fetcher, &base, listed, now_ms)? {
                Stored::New => report.new += 1,
                Stored::Known => {}
                Stored::Conflict => report.conflicts += 1,
            }
        }
        if page.next <= after && page.more {
            // A server that does not move its cursor would keep this loop going.
            return Err(SyncError::TeamUnreadable);
        }
        store.write(|tx| store::device::set_setting(tx, &cursor_name, &page.next.to_string()))?;
        if !page.more {
            break;
        }
    }
    if report.new > 0 {
        tracing::info!(new = report.new, "team interviews received from the server");
    }
    Ok(report)
}

fn read_page(content: &[u8]) -> Result<Page, SyncError> {
    let page: Page = serde_json::from_slice(content).map_err(|_| SyncError::TeamUnreadable)?;
    if page.format != FORMAT {
        return Err(SyncError::TeamUnreadable);
    }
    Ok(page)
}

enum Stored {
    New,
    Known,
    Conflict,
}

/// Stores one listed interview with its photos, unless this phone holds it already.
fn store_one(
    store: &Store,
    fetcher: &Fetcher<'_>,
    base: &str,
    listed: &Listed,
    now_ms: i64,
) -> Result<Stored, SyncError> {
    let held = store.read(|c| store::team::team_xml(c, &listed.instance_id))?;
    if let Some(held) = held {
        let same = sha256_hex(&held) == sha256_hex(listed.xml.as_bytes());
        return Ok(if same { Stored::Known } else { Stored::Conflict });
    }
    let mut attachments = Vec::new();
    for attachment in &listed.attachments {
        let url = format!(
            "{base}/{TEAM_PATH}/{}/{}",
            path_segment(&listed.instance_id),
            path_segment(&attachment.name)
        );
        match fetcher.fetch_small(&url, &attachment.name, ATTACHMENT_LIMIT) {
            Ok(fetched) => attachments.push((attachment.name.clone(), fetched.content)),
            // Gone from the server (or never there): the interview comes without it rather than
            // holding the whole feed at this page.
            Err(SyncError::NotFound { .. }) => {
                tracing::warn!("a team interview's photo is not on the server; stored without it");
            }
            Err(error) => return Err(error),
        }
    }
    let one = Bundled {
        instance_id: listed.instance_id.clone(),
        form_id: listed.form_id.clone(),
        version: String::new(),
        xml: listed.xml.clone().into_bytes(),
        checks: listed.checks.clone().map(String::into_bytes),
        attachments,
    };
    let added = store.write(|tx| {
        crate::bundle::add_team_submission(tx, &one, FROM_RECEIVER, "", &listed.enumerator, now_ms)
    });
    match added {
        Ok(true) => Ok(Stored::New),
        Ok(false) => Ok(Stored::Known),
        Err(store::Error::BundleConflict(_)) => Ok(Stored::Conflict),
        Err(error) => Err(error.into()),
    }
}

/// A path segment percent-encoded (instanceIDs hold `:`; names may hold anything).
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_instance_ids_and_encode_the_rest() {
        assert_eq!(path_segment("uuid:0b8c-1"), "uuid:0b8c-1");
        assert_eq!(path_segment("foto rumah/1.jpg"), "foto%20rumah%2F1.jpg");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn a_page_of_another_format_is_refused() {
        let other = br#"{"format":2,"interviews":[],"next":0,"more":false}"#;
        assert!(matches!(read_page(other), Err(SyncError::TeamUnreadable)));
        assert!(matches!(read_page(b"<html>"), Err(SyncError::TeamUnreadable)));
        let fine = br#"{"format":1,"interviews":[],"next":3,"more":false}"#;
        assert_eq!(read_page(fine).unwrap().next, 3);
    }

    #[test]
    fn each_server_keeps_its_own_cursor() {
        let cursor_name = |url: &str| store::device::server_setting("team_cursor", url);
        assert_ne!(cursor_name("https://a.example"), cursor_name("https://b.example"));
        assert_eq!(cursor_name("https://u:p@a.example"), cursor_name("https://a.example/"));
    }
}
