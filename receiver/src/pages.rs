//! The receiver's pages for people: log in, the status page, log out. Every page but the login
//! form needs a session; every form carries a CSRF token (the login form's is bound to a cookie
//! of its own, the others' to the session); pages are never cached, framed or given scripts.

use std::{sync::Arc, time::Instant};

use axum::{
    Extension,
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use http_body_util::{BodyExt, Limited};
use verivali_core::api::now_ms;

use crate::{
    accounts::{self, Session},
    random_hex,
    routes::{App, Peer, Reply, escape},
};

const SESSION_COOKIE: &str = "vv_session";
const LOGIN_COOKIE: &str = "vv_login";
/// The largest form post read, and how long it may take.
const FORM_LIMIT: usize = 8 * 1024;
const FORM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `GET /login`: the form, with a fresh CSRF token bound to a cookie.
pub(crate) async fn login_form(State(app): State<Arc<App>>) -> Reply {
    login_page(&app, StatusCode::OK, None)
}

fn login_page(app: &App, status: StatusCode, problem: Option<&str>) -> Reply {
    let Ok(token) = random_hex(32) else { return plain(StatusCode::INTERNAL_SERVER_ERROR, "") };
    let problem =
        problem.map(|p| format!("<p class=\"problem\">{}</p>", escape(p))).unwrap_or_default();
    let body = format!(
        "<h1>Verivali — masuk / log in</h1>{problem}\
         <form method=\"post\" action=\"{base}/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <p><label>Nama pengguna / User name<br><input name=\"user\" autocomplete=\"username\" required></label></p>\
         <p><label>Kata sandi / Password<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>\
         <p><button>Masuk / Log in</button></p></form>",
        base = app.base
    );
    let mut reply = page(status, "Masuk / Log in", &body);
    set_cookie(&mut reply, app, LOGIN_COOKIE, &token, 3600);
    reply
}

/// `POST /login`.
pub(crate) async fn login(
    State(app): State<Arc<App>>,
    Extension(Peer(peer)): Extension<Peer>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let Some(form) = read_form(body).await else {
        return login_page(&app, StatusCode::BAD_REQUEST, Some(BAD_FORM));
    };
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let bound = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let sent = field("csrf").unwrap_or_default();
    if bound.is_empty() || !accounts::same_secret(&bound, &sent) {
        return login_page(&app, StatusCode::FORBIDDEN, Some(STALE_FORM));
    }
    let user = field("user").unwrap_or_default();
    let password = field("password").unwrap_or_default();
    if !accounts::usable_user_name(&user) || password.len() > 1024 {
        return login_page(&app, StatusCode::UNAUTHORIZED, Some(WRONG_LOGIN));
    }
    let address = app.client_address(peer, &headers);
    let wait = match app.throttle.lock() {
        Ok(mut throttle) => throttle.begin(&user, address, Instant::now()).err(),
        Err(_) => None,
    };
    if let Some(wait) = wait {
        let mut reply = login_page(&app, StatusCode::TOO_MANY_REQUESTS, Some(THROTTLED));
        reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return reply;
    }
    let Ok(secrets) = accounts::new_session_secrets() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "");
    };
    let name = user.clone();
    let credentials = match app.db(move |conn| accounts::credentials(conn, &name)).await {
        Ok(credentials) => credentials,
        Err(refusal) => return refusal,
    };
    // Hashing runs outside the database lock, a few at a time.
    let Ok(_hashing) = app.hashing.acquire().await else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "");
    };
    let role = app.blocking(move || Ok(accounts::verify(credentials, &password))).await;
    match role {
        Ok(Some(_)) => {
            let name = user.clone();
            let started =
                app.db(move |conn| accounts::start_session(conn, &name, secrets, now_ms())).await;
            let session_id = match started {
                Ok(id) => id,
                Err(refusal) => return refusal,
            };
            if let Ok(mut throttle) = app.throttle.lock() {
                throttle.succeeded(&user, address);
            }
            tracing::info!("a person logged in");
            let mut reply = redirect(&app, "/status");
            set_cookie(&mut reply, &app, SESSION_COOKIE, &session_id, accounts::SESSION_MS / 1000);
            set_cookie(&mut reply, &app, LOGIN_COOKIE, "", 0);
            reply
        }
        Ok(None) => {
            tracing::warn!(peer = %address, "a login failed");
            login_page(&app, StatusCode::UNAUTHORIZED, Some(WRONG_LOGIN))
        }
        Err(refusal) => refusal,
    }
}

const BAD_FORM: &str = "Isian tidak terbaca / The form could not be read";
const STALE_FORM: &str =
    "Formulir kedaluwarsa; silakan coba lagi / The form has expired; please try again";
const THROTTLED: &str =
    "Terlalu banyak percobaan gagal; tunggu sebentar / Too many failed attempts; wait a while";
const WRONG_LOGIN: &str = "Nama pengguna atau kata sandi salah / Wrong user name or password";

/// `POST /logout`: ends the session (the form must carry the session's CSRF token).
pub(crate) async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Reply {
    let Some((id, session)) = session_of(&app, &headers).await else {
        return redirect(&app, "/login");
    };
    let form = read_form(body).await.unwrap_or_default();
    let sent = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !accounts::same_secret(&session.csrf, sent) {
        return plain(StatusCode::FORBIDDEN, STALE_FORM);
    }
    if let Err(refusal) = app.db(move |conn| accounts::end_session(conn, &id)).await {
        return refusal;
    }
    let mut reply = redirect(&app, "/login");
    set_cookie(&mut reply, &app, SESSION_COOKIE, "", 0);
    reply
}

/// `GET /` and `GET /status`: progress per desa, per status, per enumerator; people only.
pub(crate) async fn status(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    let Some((_, session)) = session_of(&app, &headers).await else {
        return redirect(&app, "/login");
    };
    let tables = app
        .db(|conn| {
            Ok([
                ("Kiriman per desa / Submissions per desa", crate::store::per_desa(conn)?),
                ("Per status keberadaan / Per existence status", crate::store::per_status(conn)?),
                (
                    "Kiriman terakhir per pencacah / Last upload per enumerator",
                    crate::store::last_upload(conn)?,
                ),
            ])
        })
        .await;
    let tables = match tables {
        Ok(tables) => tables,
        Err(refusal) => return refusal,
    };
    let sections: String = tables
        .iter()
        .map(|(title, rows)| {
            let rows: String = rows
                .iter()
                .map(|(k, v)| format!("<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(v)))
                .collect();
            format!("<h2>{title}</h2><table>{rows}</table>")
        })
        .collect();
    let body = format!(
        "<h1>Verivali — penerima / receiver</h1>\
         <p><a href=\"{base}/review\">Antrean pemeriksaan / Review queue</a></p>\
         <p>{user} ({role}) <form method=\"post\" action=\"{base}/logout\" style=\"display:inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Keluar / Log out</button></form></p>{sections}",
        user = escape(&session.user),
        role = session.role.as_str(),
        base = app.base,
        csrf = session.csrf,
    );
    page(StatusCode::OK, "Status", &body)
}

/// The session a request's cookie names, with the cookie's value.
pub(crate) async fn session_of(app: &Arc<App>, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = cookie(headers, SESSION_COOKIE).filter(|id| !id.is_empty() && id.len() <= 128)?;
    let lookup = id.clone();
    let session = app.db(move |conn| accounts::session(conn, &lookup, now_ms())).await.ok()??;
    Some((id, session))
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn set_cookie(reply: &mut Response, app: &App, name: &str, value: &str, max_age_s: i64) {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        reply.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// An `application/x-www-form-urlencoded` body of at most [`FORM_LIMIT`] bytes, read within
/// [`FORM_TIMEOUT`].
async fn read_form(body: Body) -> Option<Vec<(String, String)>> {
    read_form_within(body, FORM_LIMIT).await
}

/// An `application/x-www-form-urlencoded` body of at most `limit` bytes, read within
/// [`FORM_TIMEOUT`].
pub(crate) async fn read_form_within(body: Body, limit: usize) -> Option<Vec<(String, String)>> {
    let collected = tokio::time::timeout(FORM_TIMEOUT, Limited::new(body, limit).collect()).await;
    let bytes = collected.ok()?.ok()?.to_bytes();
    Some(form_urlencoded::parse(&bytes).into_owned().collect())
}

pub(crate) fn redirect(app: &App, path: &str) -> Reply {
    let mut reply = plain(StatusCode::SEE_OTHER, "");
    if let Ok(location) = HeaderValue::from_str(&format!("{}{path}", app.base)) {
        reply.headers_mut().insert(header::LOCATION, location);
    }
    reply
}

pub(crate) fn plain(status: StatusCode, text: &str) -> Reply {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text.to_owned()).into_response()
}

/// The pages' look: readable on a laptop, changes and corrections marked without colour alone
/// (marked text, struck-out earlier values).
const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;max-width:80em;line-height:1.4}\
    td,th{padding:.2em .6em;text-align:left;vertical-align:top}table{border-collapse:collapse}\
    tr{border-bottom:1px solid #ddd}.problem{color:#a00}.inline{display:inline}\
    td.n{text-align:right;font-variant-numeric:tabular-nums}\
    .bar{display:inline-block;width:8em;height:.8em;background:#e4e4e4;vertical-align:middle}\
    .bar span{display:block;height:100%;background:#3a6ea5}\
    tr.changed{background:#fff3c4}tr.corrected{outline:2px solid #3a6ea5}mark{background:#ffd54f}\
    .state-waiting{color:#8a5a00;font-weight:bold}.state-returned{color:#a00;font-weight:bold}\
    .state-approved{color:#176117;font-weight:bold}tr.warning{background:#fff8e1}tr.error{background:#fde0dc}\
    a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #1a73e8}\
    .filters label{margin-right:1em}small{color:#555}";

/// A page: no scripts, no framing, no caching.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Reply {
    let html = format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — Verivali</title>\
         <style>{STYLE}</style>\
         </head><body>{body}</body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
        ],
        Body::from(html),
    )
        .into_response()
}
