//! `/bundles` in the browser: a pengawas or operator back from a blank spot uploads the bundle
//! files the team's phones wrote, with the passphrase, and sees what each import did. The
//! upload is spooled to disk (never whole in memory) and imported like any bundle: whole or
//! not at all, each interview once.

use std::{fmt::Write as _, sync::Arc};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use verivali_core::api::now_ms;

use super::{MAX_BUNDLE_BYTES, spool};
use crate::{
    accounts::Session,
    pages::page,
    review::{
        pages::{header_bar, reviewer},
        time_text,
    },
    routes::{App, Reply, escape},
};

/// Imports the page lists.
const RECENT: u32 = 50;

/// `GET /bundles`: the upload form and the recent imports.
pub(crate) async fn bundles_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    show(&app, &session, StatusCode::OK, "").await
}

/// `POST /bundles`: one bundle file with its passphrase.
pub(crate) async fn upload_bundle(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    let outcome = receive(&app, &session, &headers, body).await;
    let (status, message) = match outcome {
        Ok(imported) => (StatusCode::OK, imported_message(&imported)),
        Err((status, text)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            format!("<p class=\"problem\" role=\"alert\">{}</p>", escape(&text)),
        ),
    };
    show(&app, &session, status, &message).await
}

/// What an import did, in both languages.
fn imported_message(imported: &super::Imported) -> String {
    let who = escape(&imported.enumerator);
    let (n, new, old) = (imported.submissions, imported.new, imported.duplicates);
    let mut text = format!(
        "Bundel dari {who} diimpor: {n} wawancara, {new} baru, {old} sudah ada / \
         Bundle from {who} imported: {n} interviews, {new} new, {old} already here."
    );
    if imported.decisions + imported.decisions_skipped + imported.backchecks > 0 {
        let (d, s, b) = (imported.decisions, imported.decisions_skipped, imported.backchecks);
        text.push_str(&format!(
            " Keputusan pengawas dicatat: {d} (dilewati {s}); cek ulang: {b} / \
             Pengawas's decisions recorded: {d} ({s} skipped); back-checks: {b}."
        ));
    }
    format!("<p class=\"done\" role=\"status\">{text}</p>")
}

/// Spools, splits and imports the upload.
async fn receive(
    app: &Arc<App>,
    session: &Session,
    headers: &HeaderMap,
    body: Body,
) -> Result<super::Imported, (u16, String)> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary)
        .ok_or((400, "Unggahan bukan multipart / The upload is not multipart".to_owned()))?;
    if !crate::quota::disk_has_room(&app.dir, app.quotas.min_free_disk_bytes + 2 * MAX_BUNDLE_BYTES)
    {
        return Err((
            507,
            "Ruang disk server hampir habis / The server's disk is nearly full".into(),
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let spooled = spool::spool(&app.dir, body, declared, MAX_BUNDLE_BYTES + 64 * 1024)
        .await
        .map_err(|error| {
            let (status, message) = error.status_and_message();
            (status, message.to_owned())
        })?;
    let worker = Arc::clone(app);
    let csrf = session.csrf.clone();
    let imported_by = session.user.clone();
    let imported = app
        .blocking(move || {
            let unshaped = || {
                (
                    400,
                    "Unggahan tidak berisi berkas bundel / The upload holds no bundle file"
                        .to_owned(),
                )
            };
            let Some(form) = spool::split_form(&worker.dir, &spooled, &boundary, "bundle") else {
                return Ok(Err(unshaped()));
            };
            drop(spooled);
            let field =
                |name: &str| form.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
            if !crate::accounts::same_secret(&csrf, field("csrf").unwrap_or("")) {
                return Ok(Err((
                    403,
                    "Formulir kedaluwarsa; muat ulang halaman / The form expired; reload the page"
                        .into(),
                )));
            }
            let Some(file) = form.file.as_ref() else { return Ok(Err(unshaped())) };
            let passphrase = field("passphrase").unwrap_or("");
            let refused = |error: super::ImportError| (error.status(), error.to_string());
            // Read and hashed outside the database lock; stored under it.
            let verified = match super::verify(&file.path, passphrase) {
                Ok(verified) => verified,
                Err(error) => return Ok(Err(refused(error))),
            };
            let mut conn = worker.lock();
            Ok(super::store_verified(&mut conn, &verified, &imported_by, now_ms()).map_err(refused))
        })
        .await;
    match imported {
        Ok(result) => result,
        Err(_) => Err((500, "Kesalahan server / Server error".into())),
    }
}

async fn show(app: &Arc<App>, session: &Session, status: StatusCode, message: &str) -> Reply {
    let recent = match app.db(|conn| super::recent(conn, RECENT)).await {
        Ok(recent) => recent,
        Err(reply) => return reply,
    };
    let mut body = format!(
        "{}<h1>Bundel luring / Offline bundles</h1>{message}\
         <p>Bundel dari ponsel tim yang bekerja tanpa sinyal. Tiap wawancara disimpan sekali, \
         dan bundel yang rusak atau diubah tidak diimpor sama sekali. / Bundles from the team's \
         phones that worked without signal. Each interview is stored once; a damaged or changed \
         bundle imports nothing.</p>\
         <form method=\"post\" action=\"{base}/bundles\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label>Frasa sandi / Passphrase <input type=\"password\" name=\"passphrase\" required minlength=\"8\" autocomplete=\"off\"></label></p>\
         <p><label>Berkas bundel / Bundle file <input type=\"file\" name=\"bundle\" required accept=\".vvbundle\"></label></p>\
         <p><button>Impor / Import</button></p></form>",
        header_bar(app, session),
        base = app.base,
        csrf = session.csrf,
    );
    body.push_str(
        "<h2>Impor terakhir / Recent imports</h2><table><thead><tr><th>Waktu / Time (UTC)</th>\
         <th>Perangkat / Device of</th><th>Oleh / By</th><th>Wawancara / Interviews</th>\
         <th>Baru / New</th></tr></thead><tbody>",
    );
    for record in &recent {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            time_text(record.imported_at),
            escape(&record.enumerator),
            escape(&record.imported_by),
            record.submissions,
            record.new
        );
    }
    if recent.is_empty() {
        body.push_str("<tr><td colspan=\"5\">Belum ada / None yet</td></tr>");
    }
    body.push_str("</tbody></table>");
    page(status, "Bundel / Bundles", &body)
}
