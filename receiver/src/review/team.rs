//! `GET /verivali/v1/team`: the interviews of a pengawas's area, for the pengawas's phone when
//! it has signal (issue 18, docs/review-api.md). The phone then reviews them, back-checks them
//! and decides on them as on interviews received by bundle; its decisions come back signed in a
//! bundle. Only a token made with `serve token add --pengawas` reads this; the interviews it
//! lists are other devices' submissions whose desa lies in the token's areas, in the order the
//! receiver took them, a page at a time behind a cursor, so that a phone on a weak connection
//! resumes where it stopped. `GET /verivali/v1/team/{instance}/{attachment}` gives one photo.

use std::sync::Arc;

use axum::{
    extract::{Path as UrlPath, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::{
    bundles::{json_refusal, json_reply},
    routes::{App, Reply},
    store::Device,
};

/// The version of the team document; a phone refuses a document of another.
pub const FORMAT: u32 = 1;
/// At most this many interviews in one page.
const PAGE_INTERVIEWS: usize = 25;
/// A page stops growing past this many bytes of XML.
const PAGE_XML_BYTES: usize = 4 * 1024 * 1024;
/// Rows looked at in one request (those outside the area included), so that a request over a
/// large database costs a bounded time; the cursor says where the next one goes on.
const SCAN_ROWS: i64 = 5_000;

#[derive(Deserialize)]
pub(crate) struct Cursor {
    after: Option<i64>,
}

/// One interview of the team, as the phone stores it.
#[derive(Debug, Serialize)]
pub struct TeamInterview {
    pub instance_id: String,
    pub form_id: String,
    pub enumerator: String,
    pub received_at: i64,
    /// The submission's XML as the enumerator's device sent it.
    pub xml: String,
    /// The checks file the device sent with it (`verivali-checks.json`), when any.
    pub checks: Option<String>,
    /// The other attachments (photos), fetched one by one.
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Serialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub size: i64,
}

/// One page of the team's interviews and where the next page starts.
#[derive(Debug, Serialize)]
pub struct TeamPage {
    pub format: u32,
    pub interviews: Vec<TeamInterview>,
    /// Give it back as `after` for the next page.
    pub next: i64,
    /// Whether rows remain after `next`.
    pub more: bool,
}

pub(crate) async fn team(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(cursor): Query<Cursor>,
) -> Reply {
    let device = match pengawas(&app, &headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let after = cursor.after.unwrap_or(0).max(0);
    match app.db(move |conn| page(conn, &device, after)).await {
        Ok(page) => {
            let body = serde_json::to_value(&page).unwrap_or_default();
            let mut reply = json_reply(200, body);
            reply
                .headers_mut()
                .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            reply
        }
        Err(refusal) => refusal,
    }
}

pub(crate) async fn team_attachment(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath((instance_id, name)): UrlPath<(String, String)>,
) -> Reply {
    let device = match pengawas(&app, &headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let found = app.db(move |conn| area_attachment(conn, &device, &instance_id, &name)).await;
    match found {
        Ok(Some(bytes)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => json_refusal(
            404,
            "Lampiran tidak ada di wilayah Anda / No such attachment in your area",
        ),
        Err(refusal) => refusal,
    }
}

/// The requesting device, when its token is a pengawas's.
async fn pengawas(app: &Arc<App>, headers: &HeaderMap) -> Result<Device, Reply> {
    let device = app.device(headers).await?;
    let id = device.id.clone();
    let is_pengawas = app.db(move |conn| crate::store::is_pengawas(conn, &id)).await?;
    if !is_pengawas {
        return Err(json_refusal(
            403,
            "Token ini bukan token pengawas / This token is not a pengawas's token",
        ));
    }
    Ok(device)
}

/// The page of interviews after row `after`: other devices' submissions in the device's areas.
pub fn page(conn: &Connection, device: &Device, after: i64) -> rusqlite::Result<TeamPage> {
    let mut statement = conn.prepare(
        "SELECT rowid, instance_id, form_id, enumerator, received_at, xml, desa
         FROM submissions
         WHERE rowid > ?1 AND rowid <= ?2 AND device IS NOT ?3
         ORDER BY rowid",
    )?;
    let last_row: i64 =
        conn.query_row("SELECT coalesce(max(rowid), 0) FROM submissions", [], |r| r.get(0))?;
    let mut interviews = Vec::new();
    let mut next = after.min(last_row);
    let mut xml_bytes = 0;
    let mut rows = statement.query(params![after, after.saturating_add(SCAN_ROWS), device.id])?;
    while let Some(row) = rows.next()? {
        if interviews.len() >= PAGE_INTERVIEWS || xml_bytes >= PAGE_XML_BYTES {
            break;
        }
        let rowid: i64 = row.get(0)?;
        next = rowid;
        let desa: Option<String> = row.get(6)?;
        if !desa.as_deref().is_some_and(|d| device.covers(d)) {
            continue;
        }
        let xml: Vec<u8> = row.get(5)?;
        // An encrypted form's submission is sealed for the office; a phone cannot review it.
        let Ok(xml) = String::from_utf8(xml) else { continue };
        if xml.contains("base64EncryptedKey") {
            continue;
        }
        xml_bytes += xml.len();
        let instance_id: String = row.get(1)?;
        let (checks, attachments) = attachments_of(conn, &instance_id)?;
        interviews.push(TeamInterview {
            instance_id,
            form_id: row.get(2)?,
            enumerator: row.get(3)?,
            received_at: row.get(4)?,
            xml,
            checks,
            attachments,
        });
    }
    let scan_end = after.saturating_add(SCAN_ROWS);
    if next < scan_end && interviews.len() < PAGE_INTERVIEWS && xml_bytes < PAGE_XML_BYTES {
        // Everything up to the scan's end was looked at.
        next = scan_end.min(last_row).max(next);
    }
    Ok(TeamPage { format: FORMAT, interviews, next, more: next < last_row })
}

/// A submission's checks file and its other attachments' names and sizes.
fn attachments_of(
    conn: &Connection,
    instance_id: &str,
) -> rusqlite::Result<(Option<String>, Vec<AttachmentInfo>)> {
    let mut checks = None;
    let mut others = Vec::new();
    let mut statement = conn.prepare(
        "SELECT name, length(bytes), CASE WHEN name = ?2 THEN bytes END
         FROM attachments WHERE instance_id = ?1 ORDER BY name",
    )?;
    let mut rows = statement.query(params![instance_id, super::CHECKS_FILE])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        if name == super::CHECKS_FILE {
            let bytes: Option<Vec<u8>> = row.get(2)?;
            checks = bytes.and_then(|b| String::from_utf8(b).ok());
        } else {
            others.push(AttachmentInfo { name, size: row.get(1)? });
        }
    }
    Ok((checks, others))
}

/// An attachment of a submission in the device's areas, sent by another device.
fn area_attachment(
    conn: &Connection,
    device: &Device,
    instance_id: &str,
    name: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    use rusqlite::OptionalExtension;
    let desa: Option<Option<String>> = conn
        .query_row(
            "SELECT desa FROM submissions WHERE instance_id = ?1 AND device IS NOT ?2",
            params![instance_id, device.id],
            |r| r.get(0),
        )
        .optional()?;
    if !desa.flatten().as_deref().is_some_and(|d| device.covers(d)) {
        return Ok(None);
    }
    super::attachment(conn, instance_id, name)
}
