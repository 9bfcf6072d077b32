//! What the receiver answers where: the OpenRosa endpoints devices use (bearer tokens only), the
//! pages people use (a login session only), and the shared state behind both.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    Router,
    body::Body,
    extract::{Path as UrlPath, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::{
    MAX_SUBMISSION_BYTES, accounts, openrosa_hash, pages, prelist, quota::Quotas, review, store,
    submission,
};

/// A response, as every handler gives one.
pub(crate) type Reply = Response;

/// Submission bodies held in memory at once (each at most [`MAX_SUBMISSION_BYTES`]).
pub const BODIES_IN_MEMORY: usize = 8;

/// The address a request came from (login throttling).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// What every handler shares: the database, where the receiver is reached, its limits.
pub(crate) struct App {
    db: Mutex<Connection>,
    /// The public URL every link the receiver writes starts with.
    pub base: String,
    /// Cookies carry `Secure` (the receiver serves HTTPS itself).
    pub secure_cookies: bool,
    pub quotas: Quotas,
    /// The data folder, for the disk guard.
    pub dir: PathBuf,
    /// Permits to hold a submission body in memory.
    pub bodies: Semaphore,
    pub throttle: Mutex<accounts::Throttle>,
    /// Bodies each device is sending now.
    pub sending: Mutex<std::collections::HashMap<String, u32>>,
    /// Permits to run a password hash (each takes 19 MiB and a core for a moment).
    pub hashing: Semaphore,
    /// Requests from loopback carry the client's address in `X-Forwarded-For` (a reverse proxy).
    pub behind_proxy: bool,
    /// Each device's prelist file, by its areas, while the prelist does not change.
    pub prelists: prelist::Cache,
    /// Forms loaded to show submissions to a pengawas.
    pub forms: crate::review::detail::FormCache,
}

impl App {
    pub fn new(
        dir: &Path,
        conn: Connection,
        base: String,
        options: &crate::ServeOptions,
    ) -> Arc<App> {
        let secure_cookies = options.tls.is_some() || base.starts_with("https://");
        Arc::new(App {
            db: Mutex::new(conn),
            base,
            secure_cookies,
            quotas: options.quotas.clone(),
            dir: dir.to_owned(),
            bodies: Semaphore::new(BODIES_IN_MEMORY),
            throttle: Mutex::new(accounts::Throttle::default()),
            sending: Mutex::new(std::collections::HashMap::new()),
            hashing: Semaphore::new(2),
            behind_proxy: options.behind_proxy,
            prelists: prelist::Cache::default(),
            forms: crate::review::detail::FormCache::default(),
        })
    }

    /// Runs `work` on the database from a blocking thread; a failure is a 500.
    pub async fn db<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Reply> {
        let app = Arc::clone(self);
        self.blocking(move || {
            let mut conn = app.db.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn).map_err(internal)
        })
        .await
    }

    /// Runs `work` (parsing, hashing, store access through [`App::lock`]) on a blocking thread.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce() -> Result<T, Reply> + Send + 'static,
    ) -> Result<T, Reply> {
        match tokio::task::spawn_blocking(work).await {
            Ok(result) => result,
            Err(error) => {
                tracing::error!(%error, "a receiver task failed");
                Err(server_error())
            }
        }
    }

    /// The client's address: the peer's, or behind a trusted proxy on loopback the last address
    /// the proxy added to `X-Forwarded-For`.
    pub fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
        if !self.behind_proxy || !peer.ip().is_loopback() {
            return peer.ip();
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(peer.ip())
    }

    /// The database, for work already on a blocking thread.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The device a request's bearer token belongs to, or the 401 to send (nothing read).
    pub async fn device(self: &Arc<Self>, headers: &HeaderMap) -> Result<store::Device, Reply> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 256) else {
            return Err(unknown_token());
        };
        match self.db(move |conn| store::device(conn, &token)).await? {
            Some(device) => Ok(device),
            None => Err(unknown_token()),
        }
    }
}

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/submission", post(submission::receive).head(preflight))
        .route("/formList", get(form_list))
        .route("/forms/{id}/form.xml", get(form_xml))
        .route("/forms/{id}/manifest", get(manifest))
        .route("/forms/{id}/media/{name}", get(media))
        .route("/", get(pages::status))
        .route("/status", get(pages::status))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/review", get(review::pages::queue_page))
        .route("/review/{id}", get(review::pages::interview_page).post(review::pages::decide))
        .route("/review/{id}/photo/{name}", get(review::pages::photo))
        .route("/backchecks", get(review::backcheck_page::backchecks_page))
        .route("/progress", get(crate::recap::pages::progress_page))
        .route("/progress.csv", get(crate::recap::pages::progress_csv))
        .route("/recap", get(crate::recap::pages::recap_page))
        .route("/recap.csv", get(crate::recap::pages::recap_csv))
        .route("/recap.xlsx", get(crate::recap::pages::recap_xlsx))
        .route("/verivali/v1/returns", get(review::returns::returns))
        .route("/verivali/v1/team", get(review::team::team))
        .route("/verivali/v1/team/{instance}/{name}", get(review::team::team_attachment))
        .route("/verivali/v1/signing-key", put(crate::bundles::keys::register_key))
        .route("/verivali/v1/bundles", post(crate::bundles::relay_bundle))
        .route("/bundles", get(crate::bundles::bundles_page).post(crate::bundles::upload_bundle))
        .fallback(nothing_here)
        .with_state(app)
}

/// An OpenRosa response with a message in both languages.
pub(crate) fn openrosa(status: u16, nature: &str, message: &str) -> Reply {
    let body = format!(
        r#"<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="{nature}">{}</message></OpenRosaResponse>"#,
        escape(message)
    );
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    xml_reply(body, status)
}

fn xml_reply(body: String, status: StatusCode) -> Reply {
    (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8"), (OPENROSA_VERSION, "1.0")], body)
        .into_response()
}

const OPENROSA_VERSION: HeaderName = HeaderName::from_static("x-openrosa-version");

fn unknown_token() -> Reply {
    let mut reply = openrosa(
        401,
        "error",
        "Token perangkat tidak dikenal; minta token baru ke admin. / Unknown device token; ask the admin for a new one.",
    );
    reply
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="verivali""#));
    reply
}

pub(crate) fn internal(error: rusqlite::Error) -> Reply {
    tracing::error!(%error, "receiver store failed");
    server_error()
}

fn server_error() -> Reply {
    openrosa(500, "error", "Kesalahan server; coba lagi / Server error; try again")
}

async fn nothing_here() -> Reply {
    not_found()
}

pub(crate) fn not_found() -> Reply {
    openrosa(404, "error", "Tidak ada di sini / Not found here")
}

/// Text escaped for XML and HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// OpenRosa's pre-flight: only a known device learns the limit.
async fn preflight(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    match app.device(&headers).await {
        Ok(_) => (
            StatusCode::NO_CONTENT,
            [
                (OPENROSA_VERSION, "1.0".to_owned()),
                (
                    HeaderName::from_static("x-openrosa-accept-content-length"),
                    MAX_SUBMISSION_BYTES.to_string(),
                ),
            ],
        )
            .into_response(),
        Err(refusal) => refusal,
    }
}

/// The OpenRosa form list: every published form with its hash and where to fetch it.
async fn form_list(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    if let Err(refusal) = app.device(&headers).await {
        return refusal;
    }
    let rows = app
        .db(|conn| {
            conn.prepare("SELECT form_id, title, version, xml FROM forms ORDER BY form_id")?
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(refusal) => return refusal,
    };
    let base = &app.base;
    let items: String = rows
        .iter()
        .map(|(id, title, version, xml)| {
            let id = escape(id);
            format!(
                "<xform><formID>{id}</formID><name>{}</name><version>{}</version><hash>{}</hash><downloadUrl>{base}/forms/{id}/form.xml</downloadUrl><manifestUrl>{base}/forms/{id}/manifest</manifestUrl></xform>",
                escape(title),
                escape(version),
                openrosa_hash(xml.as_bytes())
            )
        })
        .collect();
    xml_reply(
        format!(r#"<xforms xmlns="http://openrosa.org/xforms/xformsList">{items}</xforms>"#),
        StatusCode::OK,
    )
}

async fn form_xml(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Reply {
    if let Err(refusal) = app.device(&headers).await {
        return refusal;
    }
    match app.db(move |conn| store::form_xml(conn, &id)).await {
        Ok(Some(xml)) => xml_reply(xml, StatusCode::OK),
        Ok(None) => not_found(),
        Err(refusal) => refusal,
    }
}

/// A form's manifest: its media files, and for a household form the device's own prelist.
async fn manifest(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let cache = Arc::clone(&app);
    let files = app
        .db(move |conn| {
            let Some(published) = store::published(conn, &id)? else { return Ok(None) };
            let mut files = store::media_hashes(conn, &id)?;
            if published.id_dtks_path.is_some() {
                let households = cache.prelists.file(conn, &device)?;
                if !households.bytes.is_empty() {
                    files.push((prelist::MEDIA_NAME.to_owned(), households.hash));
                }
            }
            Ok(Some((id, files)))
        })
        .await;
    let (id, files) = match files {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(refusal) => return refusal,
    };
    let base = &app.base;
    let id = escape(&id);
    let items: String = files
        .iter()
        .map(|(name, hash)| {
            let name = escape(name);
            format!(
                "<mediaFile><filename>{name}</filename><hash>{hash}</hash><downloadUrl>{base}/forms/{id}/media/{name}</downloadUrl></mediaFile>"
            )
        })
        .collect();
    xml_reply(
        format!(
            r#"<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{items}</manifest>"#
        ),
        StatusCode::OK,
    )
}

/// One media file of a form; the prelist file holds the asking device's area only.
async fn media(
    State(app): State<Arc<App>>,
    UrlPath((id, name)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Reply {
    let device = match app.device(&headers).await {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let cache = Arc::clone(&app);
    let bytes = app
        .db(move |conn| {
            if name == prelist::MEDIA_NAME {
                let household_form =
                    store::published(conn, &id)?.is_some_and(|p| p.id_dtks_path.is_some());
                return household_form
                    .then(|| cache.prelists.file(conn, &device).map(|file| file.bytes))
                    .transpose();
            }
            Ok(store::media_bytes(conn, &id, &name)?.map(bytes::Bytes::from))
        })
        .await;
    match bytes {
        Ok(Some(bytes)) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], Body::from(bytes))
                .into_response()
        }
        Ok(None) => not_found(),
        Err(refusal) => refusal,
    }
}
