//! One OpenRosa submission arriving at the receiver: check the token, size, quota and disk
//! before reading, read the multipart body within bounds, find the form and the instanceID,
//! check the household against the device's area ([`crate::scope`]), accept only attachments
//! the instance names (a binary field's value, or an encrypted manifest's files, as ODK Central
//! keeps them), and store it idempotently; an edit (`meta/deprecatedID`) must name a submission
//! this receiver holds.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Limited};
use verivali_core::api::now_ms;
use verivali_form::dom::Document;

use crate::{
    MAX_SUBMISSION_BYTES, multipart, prelist, quota,
    routes::{App, Reply, openrosa},
    scope, store,
};

/// The slowest a device may send a body (a weak 2G link sends more), and the least time any body
/// gets: a body must arrive within `BODY_GRACE + length / MIN_BODY_RATE`.
pub const MIN_BODY_RATE: u64 = 4 * 1024;
pub const BODY_GRACE: Duration = Duration::from_secs(60);
/// Bodies one device may be sending at once.
pub const BODIES_PER_DEVICE: u32 = 2;
/// The longest a body may pause between two pieces.
pub const BODY_IDLE: Duration = Duration::from_secs(30);
/// The longest a device waits for a permit to send its body before it is asked to come back.
pub const PERMIT_WAIT: Duration = Duration::from_secs(20);

/// `POST /submission`: the token, the declared size, the quota and the disk are checked before
/// a byte of the body is read; then the body is read within its limits and stored.
pub(crate) async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SUBMISSION_BYTES as u64) {
        return too_large();
    }
    if !quota::disk_has_room(&app.dir, app.quotas.min_free_disk_bytes) {
        tracing::warn!("disk nearly full: new submissions refused");
        return openrosa(
            507,
            "error",
            "Ruang disk server hampir habis; kiriman akan dicoba lagi nanti / The server's disk is nearly full; the submission will be retried later",
        );
    }
    let quotas = app.quotas.clone();
    let device_id = device.id.clone();
    let now = now_ms();
    let over = app
        .db(move |conn| quota::check(conn, &quotas, &device_id, declared.unwrap_or(0), now))
        .await;
    match over {
        Ok(Ok(())) => {}
        Ok(Err(quota::OverQuota { retry_after_s })) => return over_quota(retry_after_s),
        Err(refusal) => return refusal,
    }
    let Some(_sending) = Sending::start(&app, &device.id) else {
        return busy();
    };
    let Ok(Ok(_permit)) = tokio::time::timeout(PERMIT_WAIT, app.bodies.acquire()).await else {
        let mut reply = openrosa(
            503,
            "error",
            "Server sedang sibuk; kiriman dicoba lagi nanti / The server is busy; the submission will be retried later",
        );
        reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(60u64));
        return reply;
    };
    let deadline = BODY_GRACE
        + Duration::from_secs(declared.unwrap_or(MAX_SUBMISSION_BYTES as u64) / MIN_BODY_RATE);
    let body = match read_body(body, deadline).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let worker = Arc::clone(&app);
    app.blocking(move || Ok(accept(&worker, &device, &content_type, &body)))
        .await
        .unwrap_or_else(|refusal| refusal)
}

/// A device's body being read: counted while it lasts, at most [`BODIES_PER_DEVICE`] at once.
pub(crate) struct Sending<'a> {
    app: &'a App,
    device: String,
}

impl<'a> Sending<'a> {
    pub(crate) fn start(app: &'a App, device: &str) -> Option<Sending<'a>> {
        let mut sending = app.sending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = sending.entry(device.to_owned()).or_insert(0);
        if *count >= BODIES_PER_DEVICE {
            return None;
        }
        *count += 1;
        Some(Sending { app, device: device.to_owned() })
    }
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        let mut sending =
            self.app.sending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = sending.get_mut(&self.device) {
            *count -= 1;
            if *count == 0 {
                sending.remove(&self.device);
            }
        }
    }
}

fn busy() -> Reply {
    let mut reply = openrosa(
        429,
        "error",
        "Perangkat ini sedang mengirim; coba lagi sebentar / This device is already sending; try again shortly",
    );
    reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(30u64));
    reply
}

/// Reads a body of at most [`MAX_SUBMISSION_BYTES`] within `deadline`.
/// Reads a body of at most [`MAX_SUBMISSION_BYTES`] within `deadline`, no piece more than
/// [`BODY_IDLE`] after the one before.
async fn read_body(body: Body, deadline: Duration) -> Result<Bytes, Reply> {
    let too_slow = || {
        openrosa(
            408,
            "error",
            "Kiriman terlalu lambat dan dihentikan / The submission was too slow and was stopped",
        )
    };
    let cut_off = || openrosa(400, "error", "Kiriman terputus / The submission was cut off");
    let mut body = Limited::new(body, MAX_SUBMISSION_BYTES);
    let mut collected = BytesMut::new();
    let reading = async {
        loop {
            match tokio::time::timeout(BODY_IDLE, body.frame()).await {
                Err(_) => return Err(too_slow()),
                Ok(None) => return Ok(collected.freeze()),
                Ok(Some(Err(error))) if error.is::<http_body_util::LengthLimitError>() => {
                    return Err(too_large());
                }
                Ok(Some(Err(_))) => return Err(cut_off()),
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        collected.extend_from_slice(&data);
                    }
                }
            }
        }
    };
    tokio::time::timeout(deadline, reading).await.unwrap_or_else(|_| Err(too_slow()))
}

fn too_large() -> Reply {
    openrosa(413, "error", "Kiriman terlalu besar / The submission is too large")
}

fn over_quota(retry_after_s: u64) -> Reply {
    let mut reply = openrosa(
        429,
        "error",
        "Kuota harian perangkat ini habis; kiriman dicoba lagi nanti / This device's daily quota is used up; the submission will be retried later",
    );
    reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    reply
}

/// Parses, checks and stores a read body; on a blocking thread.
fn accept(app: &App, device: &store::Device, content_type: &str, body: &Bytes) -> Reply {
    let Some(parts) = multipart::boundary(content_type).and_then(|b| multipart::parse(body, &b))
    else {
        return openrosa(
            400,
            "error",
            "Bukan kiriman multipart yang sah / Not a valid multipart submission",
        );
    };
    if let Err(refusal) = check_part_names(&parts) {
        return refusal;
    }
    let Some(xml) = parts.iter().find(|p| p.name == "xml_submission_file") else {
        return openrosa(400, "error", "Tidak ada xml_submission_file / No xml_submission_file");
    };
    let attachments: Vec<(String, Bytes)> = parts
        .iter()
        .filter(|p| p.name != "xml_submission_file")
        .map(|p| (p.name.clone(), p.bytes.clone()))
        .collect();
    let mut conn = app.lock();
    let admitted = match admit(&conn, device, xml.bytes.clone(), attachments) {
        Ok(admitted) => admitted,
        Err(refusal) => return openrosa(refusal.status, "error", &refusal.message),
    };
    match store::store_submission(&mut conn, &admitted.incoming(device), now_ms()) {
        Ok(stored) => match outcome(&stored) {
            Ok(message) => openrosa(201, "", message),
            Err(refusal) => openrosa(refusal.status, "error", &refusal.message),
        },
        Err(error) => crate::routes::internal(error),
    }
}

/// Why a submission is not stored: the HTTP status and a bilingual message naming what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Refusal {
        Refusal { status, message: message.into() }
    }
}

/// A submission that passed every check and may be stored.
pub(crate) struct Admitted {
    instance_id: String,
    deprecated_id: Option<String>,
    form_id: String,
    desa: Option<String>,
    status: Option<String>,
    xml: Bytes,
    attachments: Vec<(String, Bytes)>,
    arrival: crate::review::store::Arrival,
}

impl Admitted {
    pub(crate) fn incoming<'a>(&'a self, device: &'a store::Device) -> store::Incoming<'a> {
        store::Incoming {
            instance_id: &self.instance_id,
            device: &device.id,
            deprecated_id: self.deprecated_id.as_deref(),
            form_id: &self.form_id,
            enumerator: &device.enumerator,
            xml: &self.xml,
            desa: self.desa.as_deref(),
            status: self.status.as_deref(),
            attachments: &self.attachments,
            arrival: &self.arrival,
        }
    }

    pub(crate) fn instance_id(&self) -> &str {
        &self.instance_id
    }
}

/// Stores one submission from `device` with the checks and the storage an upload gets, without
/// HTTP, inside the caller's transaction: for synthetic field data (`verivali fixtures
/// field-day`) and tools. A refusal comes back in the words an upload would get.
pub fn ingest(
    tx: &rusqlite::Transaction<'_>,
    device: &store::Device,
    xml: Vec<u8>,
    attachments: Vec<(String, Vec<u8>)>,
    now: i64,
) -> Result<store::Stored, String> {
    let attachments =
        attachments.into_iter().map(|(name, bytes)| (name, Bytes::from(bytes))).collect();
    let admitted = admit(tx, device, Bytes::from(xml), attachments).map_err(|r| r.message)?;
    store::store_in(tx, &admitted.incoming(device), now).map_err(|e| e.to_string())
}

/// Checks a submission from `device` as an upload is checked, whichever way it travelled: the
/// XML and its instanceID, the form published here, the household within the device's area,
/// and only attachments the instance names.
pub(crate) fn admit(
    conn: &rusqlite::Connection,
    device: &store::Device,
    xml: Bytes,
    attachments: Vec<(String, Bytes)>,
) -> Result<Admitted, Refusal> {
    let Some(instance) = std::str::from_utf8(&xml).ok().and_then(|t| Document::parse(t).ok())
    else {
        return Err(Refusal::new(400, "XML kiriman tidak sah / The submission XML is not valid"));
    };
    let form_id = instance.attribute(instance.root(), "id").unwrap_or("").to_owned();
    let Some(instance_id) = read_path(&instance, "/*/meta/instanceID") else {
        return Err(Refusal::new(
            400,
            "Kiriman tanpa meta/instanceID / The submission has no meta/instanceID",
        ));
    };
    let deprecated_id = read_path(&instance, "/*/meta/deprecatedID");
    let published = match store::published(conn, &form_id) {
        Ok(Some(published)) => published,
        Ok(None) => {
            return Err(Refusal::new(
                404,
                format!(
                    "Formulir {form_id} belum diterbitkan di server ini / Form {form_id} is not published on this server"
                ),
            ));
        }
        Err(error) => {
            tracing::error!(%error, "reading a published form failed");
            return Err(Refusal::new(500, "Kesalahan server / Server error"));
        }
    };
    // An encrypted submission's manifest carries no answers: its area cannot be checked here.
    let encrypted = instance.attribute(instance.root(), "encrypted") == Some("yes");
    let scoped = scope::check(&instance, &published, device, encrypted, |id| {
        prelist::desa_of(conn, id).unwrap_or_else(|error| {
            tracing::error!(%error, "prelist lookup failed");
            None
        })
    });
    let in_scope = scoped.map_err(|refusal| Refusal::new(refusal.status, refusal.message))?;
    let status = published.status_path.as_deref().and_then(|p| read_path(&instance, p));
    let named = if encrypted {
        encrypted_files(&instance)
    } else {
        named_files(&instance, &published.binary_paths)
    };
    if named.len() > MAX_PARTS {
        return Err(Refusal::new(
            400,
            format!(
                "Isian menyebut lebih dari {MAX_PARTS} lampiran / The instance names more than {MAX_PARTS} attachments"
            ),
        ));
    }
    if let Some((name, _)) =
        attachments.iter().find(|(name, _)| name != "*isIncomplete*" && !named.contains(name))
    {
        return Err(Refusal::new(
            400,
            format!(
                "Lampiran {name} tidak disebut oleh isian formulir / The attachment {name} is not named by the instance"
            ),
        ));
    }
    let checks = attachments
        .iter()
        .find(|(name, _)| name == crate::review::CHECKS_FILE)
        .map(|(_, bytes)| &bytes[..]);
    let arrival = crate::review::arrival(
        &instance,
        &published,
        in_scope.household.clone(),
        encrypted,
        checks,
    );
    Ok(Admitted {
        instance_id,
        deprecated_id,
        form_id,
        desa: in_scope.desa,
        status,
        xml,
        attachments,
        arrival,
    })
}

/// What a storing outcome tells the sender: acknowledged (`Ok`, the message) or refused.
pub(crate) fn outcome(stored: &store::Stored) -> Result<&'static str, Refusal> {
    match stored {
        store::Stored::New => Ok("Diterima / Received"),
        store::Stored::Duplicate => Ok("Sudah diterima sebelumnya / Already received"),
        store::Stored::Conflict => Err(Refusal::new(
            409,
            "instanceID yang sama dengan isi berbeda sudah ada / The same instanceID already exists with other content",
        )),
        store::Stored::OtherDevice => Err(Refusal::new(
            409,
            "instanceID ini sudah dikirim oleh perangkat lain / This instanceID was already sent by another device",
        )),
        store::Stored::ChangedAttachment(name) => Err(Refusal::new(
            409,
            format!(
                "Lampiran {name} sudah diterima dengan isi lain dan tidak diganti / The attachment {name} was already received with other content and is not replaced"
            ),
        )),
        store::Stored::EditOfOther => Err(Refusal::new(
            409,
            "Koreksi (deprecatedID) menunjuk kiriman perangkat atau formulir lain / The edit (deprecatedID) names another device's or another form's submission",
        )),
        store::Stored::UnknownDeprecated => Err(Refusal::new(
            404,
            "Kiriman yang dikoreksi (deprecatedID) tidak ada di server ini / The submission this edit replaces (deprecatedID) is not on this server",
        )),
    }
}

/// The most parts a submission may have.
const MAX_PARTS: usize = 200;

/// The text of the node at a generic path (`/*` matches the root of any name).
pub(crate) fn read_path(doc: &Document, path: &str) -> Option<String> {
    doc.text_at(path)
}

/// Attachment names a receiver can keep: no path separator, no NUL or other control character,
/// not `.` or `..`, at most 255 bytes, each once in a submission. The refusal names the part by
/// its position (a bad name is not echoed back).
fn check_part_names(parts: &[multipart::FormPart]) -> Result<(), Reply> {
    if parts.len() > MAX_PARTS {
        return Err(openrosa(
            400,
            "error",
            &format!("Lebih dari {MAX_PARTS} lampiran / More than {MAX_PARTS} attachments"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (index, part) in parts.iter().enumerate() {
        let name = &part.name;
        if !usable_name(name) || part.filename.as_deref().is_some_and(|f| !usable_name(f)) {
            return Err(openrosa(
                400,
                "error",
                &format!(
                    "Nama lampiran ke-{} tidak dapat dipakai / The name of part {} cannot be used (no paths, control characters or more than 255 bytes)",
                    index + 1,
                    index + 1
                ),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(openrosa(
                400,
                "error",
                &format!("Lampiran {name} dikirim dua kali / The attachment {name} is sent twice"),
            ));
        }
    }
    Ok(())
}

fn usable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// The values of the instance's binary fields (photos, the checks file): the attachments it
/// names. `binary_paths` are generic paths (`/data/members/foto`), repeats included.
fn named_files(instance: &Document, binary_paths: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![(instance.root(), format!("/{}", instance.get(instance.root()).name))];
    while let Some((node, path)) = stack.pop() {
        let element = instance.get(node);
        if element.children.is_empty() {
            let value = element.text.trim();
            if !value.is_empty() && binary_paths.contains(&path) {
                names.push(value.to_owned());
            }
            continue;
        }
        for &child in &element.children {
            stack.push((child, format!("{path}/{}", instance.get(child).name)));
        }
    }
    names
}

/// The files of an encrypted submission's manifest: each `media/file` and `encryptedXmlFile`.
fn encrypted_files(manifest: &Document) -> Vec<String> {
    let root = manifest.root();
    let mut names = Vec::new();
    for &child in &manifest.get(root).children {
        match &*manifest.get(child).name {
            "media" => {
                if let Some(file) = manifest.child(child, "file") {
                    names.push(manifest.string_value(file).trim().to_owned());
                }
            }
            "encryptedXmlFile" => names.push(manifest.string_value(child).trim().to_owned()),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_of_binary_fields_name_attachments() {
        let doc = Document::parse(
            "<data><a>x.jpg</a><m><f>y.jpg</f></m><m><f>z.jpg</f></m><note>w.jpg</note></data>",
        )
        .unwrap();
        let mut names = named_files(&doc, &["/data/a".into(), "/data/m/f".into()]);
        names.sort();
        assert_eq!(names, ["x.jpg", "y.jpg", "z.jpg"]);
    }

    #[test]
    fn an_encrypted_manifest_names_its_enc_files() {
        let doc = Document::parse(
            r#"<data id="f" encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted"><base64EncryptedKey>k</base64EncryptedKey><media><file>a.jpg.enc</file></media><encryptedXmlFile>submission.xml.enc</encryptedXmlFile></data>"#,
        )
        .unwrap();
        assert_eq!(encrypted_files(&doc), ["a.jpg.enc", "submission.xml.enc"]);
    }
}
