//! `verivali serve`: a reference OpenRosa receiver for development and small deployments.
//!
//! It accepts submissions from devices holding a bearer token (`serve token add`), for forms
//! published with `serve form add`, keeps each by instanceID with the attachments its instance
//! names (as ODK Central does: a resend of the same content is acknowledged again, never stored
//! twice; other content under the same instanceID, an acknowledged attachment resent with other
//! bytes, or the instanceID from another device is a 409 and what is stored stays as it was; an
//! edit names the submission it replaces in `deprecatedID`), refuses attachment names that are
//! paths, hold control characters or come twice, refuses households outside the device's area
//! when the form tags its desa field, and shows a plain status page.

mod multipart;
pub mod store;
mod submission;

use std::{path::Path, sync::Arc, thread::JoinHandle};

use rusqlite::Connection;
use tiny_http::{Header, Method, Request, Response, Server};
use verivali_core::{api::now_ms, host::FolderMedia};
use verivali_form::{definition::FormDef, dom::Document};

/// The largest submission accepted, announced in `X-OpenRosa-Accept-Content-Length`.
pub const MAX_SUBMISSION_BYTES: usize = 10 * 1024 * 1024;

/// Why the receiver cannot start or publish.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "Basis data penerima tidak dapat dibuka / The receiver's database cannot be opened: {0}"
    )]
    Store(#[from] rusqlite::Error),
    #[error("Alamat {0} tidak dapat dipakai / The address {0} cannot be used: {1}")]
    Bind(String, String),
    #[error("Formulir tidak dapat diterbitkan / The form cannot be published: {0}")]
    Form(String),
    #[error(
        "Basis data penerima {0} tidak dapat dibuka dengan kunci ini (kunci salah, atau basis data lama tanpa enkripsi) / \
         The receiver's database {0} cannot be opened with this key (a wrong key, or an old unencrypted database)"
    )]
    Key(String),
}

/// A receiver running on its own thread.
pub struct Receiver {
    server: Arc<Server>,
    pub url: String,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts serving `dir` (its database encrypted with `key`) on `bind:port` (port 0: any free
    /// port); the URLs it writes for devices start with the address it listens on.
    pub fn start(dir: &Path, key: &[u8], bind: &str, port: u16) -> Result<Receiver, ServeError> {
        Receiver::start_public(dir, key, bind, port, None)
    }

    /// As [`Receiver::start`], the URLs it writes for devices (form and media downloads)
    /// starting with `public_url` when given (the address devices reach, behind a proxy say),
    /// never with what a request's `Host` header claims.
    pub fn start_public(
        dir: &Path,
        key: &[u8],
        bind: &str,
        port: u16,
        public_url: Option<&str>,
    ) -> Result<Receiver, ServeError> {
        let mut conn = store::open(dir, key)?;
        let address = format!("{bind}:{port}");
        let server =
            Server::http(&address).map_err(|e| ServeError::Bind(address, e.to_string()))?;
        let server = Arc::new(server);
        let url = format!("http://{}", server.server_addr().to_ip().expect("a TCP listener"));
        let base = public_url.map_or_else(|| url.clone(), |u| u.trim_end_matches('/').to_owned());
        let serving = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                handle(&mut conn, &base, request);
            }
        });
        Ok(Receiver { server, url, thread: Some(thread) })
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// An OpenRosa response with a message in both languages.
pub(crate) fn openrosa(
    status: u16,
    nature: &str,
    message: &str,
) -> Response<std::io::Cursor<Vec<u8>>> {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;");
    let body = format!(
        r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="{nature}">{escaped}</message></OpenRosaResponse>"#
    );
    Response::from_data(body.into_bytes())
        .with_status_code(status)
        .with_header(header("Content-Type", "text/xml; charset=utf-8"))
        .with_header(header("X-OpenRosa-Version", "1.0"))
}

fn handle(conn: &mut Connection, base: &str, mut request: Request) {
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let response = match (request.method(), path.as_str()) {
        // OpenRosa's pre-flight: only a known device learns the limit.
        (Method::Head, "/submission") => match authorized(conn, &request) {
            Ok(_) => Response::from_data(Vec::new())
                .with_status_code(204)
                .with_header(header("X-OpenRosa-Version", "1.0"))
                .with_header(header(
                    "X-OpenRosa-Accept-Content-Length",
                    &MAX_SUBMISSION_BYTES.to_string(),
                )),
            Err(refusal) => refusal,
        },
        (Method::Post, "/submission") => submission::receive(conn, &mut request),
        (Method::Get, "/" | "/status") => status_page(conn),
        (Method::Get, "/formList") => match authorized(conn, &request) {
            Ok(_) => form_list(conn, base),
            Err(refusal) => refusal,
        },
        (Method::Get, p) if p.starts_with("/forms/") => match authorized(conn, &request) {
            Ok(_) => form_file(conn, base, p),
            Err(refusal) => refusal,
        },
        _ => openrosa(404, "error", "Tidak ada di sini / Not found here"),
    };
    if let Err(error) = request.respond(response) {
        tracing::info!(%error, "a client left before the answer");
    }
}

pub(crate) type Reply = Response<std::io::Cursor<Vec<u8>>>;

/// The device a request's bearer token belongs to, or the refusal to send.
pub(crate) fn authorized(conn: &Connection, request: &Request) -> Result<store::Device, Reply> {
    let token = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .and_then(|h| h.value.as_str().strip_prefix("Bearer ").map(str::to_owned));
    match token.map(|t| store::device(conn, &t)) {
        Some(Ok(Some(device))) => Ok(device),
        Some(Err(error)) => Err(internal(error)),
        _ => Err(openrosa(
            401,
            "error",
            "Token perangkat tidak dikenal; minta token baru ke admin. / Unknown device token; ask the admin for a new one.",
        )
        .with_header(header("WWW-Authenticate", r#"Bearer realm="verivali""#))),
    }
}

pub(crate) fn internal(error: rusqlite::Error) -> Response<std::io::Cursor<Vec<u8>>> {
    tracing::error!(%error, "receiver store failed");
    openrosa(500, "error", "Kesalahan server; coba lagi / Server error; try again")
}

/// The text of the node at a generic path (`/*` matches the root of any name).
pub(crate) fn read_path(doc: &Document, path: &str) -> Option<String> {
    let mut steps = path.trim_start_matches('/').split('/');
    let root_name = steps.next()?;
    let mut at = doc.root();
    if root_name != "*" && &*doc.get(at).name != root_name {
        return None;
    }
    for step in steps {
        at = doc.child(at, step)?;
    }
    let text = doc.string_value(at);
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The submissions no edit has replaced: what the status page counts.
const CURRENT: &str = "(SELECT * FROM submissions WHERE instance_id NOT IN \
     (SELECT deprecated_id FROM submissions WHERE deprecated_id IS NOT NULL))";

fn status_page(conn: &Connection) -> Response<std::io::Cursor<Vec<u8>>> {
    let table = |sql: &str| -> Vec<(String, String)> {
        let Ok(mut stmt) = conn.prepare(sql) else { return Vec::new() };
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "-".into()),
                r.get::<_, String>(1)?,
            ))
        })
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
    };
    let section = |title: &str, rows: Vec<(String, String)>| {
        let body: String = rows
            .iter()
            .map(|(k, v)| {
                format!("<tr><td>{}</td><td>{}</td></tr>", escape_html(k), escape_html(v))
            })
            .collect();
        format!("<h2>{title}</h2><table>{body}</table>")
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Verivali</title></head><body><h1>Verivali — penerima / receiver</h1>{}{}{}</body></html>",
        section(
            "Kiriman per desa / Submissions per desa",
            table(&format!(
                "SELECT desa, CAST(count(*) AS TEXT) FROM {CURRENT} GROUP BY desa ORDER BY desa"
            ))
        ),
        section(
            "Per status keberadaan / Per existence status",
            table(&format!(
                "SELECT status, CAST(count(*) AS TEXT) FROM {CURRENT} GROUP BY status ORDER BY status"
            ))
        ),
        section(
            "Kiriman terakhir per pencacah / Last upload per enumerator",
            table(
                "SELECT enumerator, datetime(max(received_at) / 1000, 'unixepoch') FROM submissions GROUP BY enumerator ORDER BY enumerator"
            )
        ),
    );
    Response::from_data(html.into_bytes())
        .with_header(header("Content-Type", "text/html; charset=utf-8"))
}

/// Publishes a form (and the CSVs it names, from its folder); returns its id and version.
pub fn publish_form(dir: &Path, key: &[u8], form: &Path) -> Result<(String, String), ServeError> {
    let xml = std::fs::read_to_string(form)
        .map_err(|e| ServeError::Form(format!("{}: {e}", form.display())))?;
    let folder = FolderMedia::new(form.parent().unwrap_or(Path::new(".")));
    let def = FormDef::parse(&xml, &folder).map_err(|e| ServeError::Form(e.to_string()))?;
    let path_of = |role: &str| {
        def.binds.iter().find(|b| b.role.as_deref() == Some(role)).map(|b| b.nodeset.clone())
    };
    let published = store::Published {
        form_id: def.form_id.clone(),
        desa_path: path_of("desa"),
        status_path: path_of("status_keberadaan"),
        binary_paths: def
            .binds
            .iter()
            .filter(|b| b.data_type == verivali_form::definition::DataType::Binary)
            .map(|b| b.nodeset.clone())
            .collect(),
    };
    let version = def.version.clone().unwrap_or_default();
    let media = folder.into_files();
    let mut conn = store::open(dir, key)?;
    store::publish(&mut conn, &published, &version, &def.title, &xml, &media, now_ms())?;
    Ok((def.form_id, version))
}

/// Creates a device token for `enumerator` in `areas`; returns the token.
pub fn add_token(
    dir: &Path,
    key: &[u8],
    enumerator: &str,
    areas: &[String],
) -> Result<String, ServeError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| ServeError::Form(e.to_string()))?;
    let token = verivali_form::hex::hex(&bytes);
    let conn = store::open(dir, key)?;
    let device = store::Device { enumerator: enumerator.to_owned(), areas: areas.to_vec() };
    store::add_token(&conn, &token, &device, now_ms())?;
    Ok(token)
}

/// `md5:` and the hex MD5 of `bytes`, as OpenRosa form lists and manifests give hashes.
pub fn openrosa_hash(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(bytes);
    format!("md5:{}", verivali_form::hex::hex(&digest))
}

fn xml_response(body: String) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body.into_bytes())
        .with_header(header("Content-Type", "text/xml; charset=utf-8"))
        .with_header(header("X-OpenRosa-Version", "1.0"))
}

/// The OpenRosa form list: every published form with its hash and where to fetch it.
fn form_list(conn: &Connection, base: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let rows: Vec<(String, String, String, String)> = conn
        .prepare("SELECT form_id, title, version, xml FROM forms ORDER BY form_id")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
        })
        .unwrap_or_default();
    let items: String = rows
        .iter()
        .map(|(id, title, version, xml)| {
            format!(
                "<xform><formID>{id}</formID><name>{}</name><version>{version}</version><hash>{}</hash><downloadUrl>{base}/forms/{id}/form.xml</downloadUrl><manifestUrl>{base}/forms/{id}/manifest</manifestUrl></xform>",
                escape_html(title),
                openrosa_hash(xml.as_bytes())
            )
        })
        .collect();
    xml_response(format!(
        r#"<xforms xmlns="http://openrosa.org/xforms/xformsList">{items}</xforms>"#
    ))
}

/// A form's XML, its manifest, or one of its media files.
fn form_file(conn: &Connection, base: &str, path: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut steps = path.trim_start_matches("/forms/").splitn(3, '/');
    let (Some(id), Some(what)) = (steps.next(), steps.next()) else {
        return openrosa(404, "error", "Tidak ada di sini / Not found here");
    };
    let not_found = || openrosa(404, "error", "Tidak ada di sini / Not found here");
    match (what, steps.next()) {
        ("form.xml", None) => conn
            .query_row("SELECT xml FROM forms WHERE form_id = ?1", [id], |r| r.get::<_, String>(0))
            .map(xml_response)
            .unwrap_or_else(|_| not_found()),
        ("manifest", None) => {
            let files: Vec<(String, Vec<u8>)> = conn
                .prepare("SELECT name, bytes FROM form_media WHERE form_id = ?1 ORDER BY name")
                .and_then(|mut s| s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .unwrap_or_default();
            let items: String = files
                .iter()
                .map(|(name, bytes)| {
                    format!(
                        "<mediaFile><filename>{name}</filename><hash>{}</hash><downloadUrl>{base}/forms/{id}/media/{name}</downloadUrl></mediaFile>",
                        openrosa_hash(bytes)
                    )
                })
                .collect();
            xml_response(format!(
                r#"<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{items}</manifest>"#
            ))
        }
        ("media", Some(name)) => conn
            .query_row(
                "SELECT bytes FROM form_media WHERE form_id = ?1 AND name = ?2",
                [id, name],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .map(|bytes| Response::from_data(bytes).with_header(header("Content-Type", "text/csv")))
            .unwrap_or_else(|_| not_found()),
        _ => not_found(),
    }
}
