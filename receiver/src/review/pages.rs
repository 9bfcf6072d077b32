//! The pengawas's pages: the queue (filtered by state, desa, enumerator and reason) and one
//! interview (answers by section with every change against the prelist and against the returned
//! version marked, findings with reasons, photos, location, history) with approve, return with
//! comments on questions, and queue. For pengawas and operators; plain HTML forms, no scripts,
//! usable from the keyboard (every control is a link, an input or a button, in reading order).

use std::{fmt::Write as _, sync::Arc};

use axum::{
    body::Body,
    extract::{Path as UrlPath, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use verivali_core::api::now_ms;

use super::{
    detail::{self, InterviewDetail},
    model::{Action, Comment, ReviewState},
    queue::{self, Filter, Queue},
    store::{self, ActError},
    time_text,
};
use crate::{
    accounts::{Role, Session},
    pages::{page, plain, read_form_within, redirect, session_of},
    routes::{App, Reply, escape},
};

/// Rows on one page of the queue.
const PAGE_ROWS: u32 = 50;
/// The largest review post: a comment field per question of a large household.
const REVIEW_FORM_LIMIT: usize = 256 * 1024;

/// The session of a pengawas or operator, or the reply to send instead.
pub(crate) async fn reviewer(app: &Arc<App>, headers: &HeaderMap) -> Result<Session, Reply> {
    let Some((_, session)) = session_of(app, headers).await else {
        return Err(redirect(app, "/login"));
    };
    if session.role == Role::Viewer {
        return Err(plain(
            StatusCode::FORBIDDEN,
            "Halaman ini untuk pengawas dan operator / This page is for pengawas and operators",
        ));
    }
    Ok(session)
}

/// `GET /review`: the queue.
pub(crate) async fn queue_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    let filter = filter_from(query.as_deref().unwrap_or(""));
    let asked = filter.clone();
    let found =
        app.db(move |conn| Ok((queue::queue(conn, &asked)?, queue::enumerators(conn)?))).await;
    let (queue, enumerators) = match found {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let body = format!(
        "{}<h1>Antrean pemeriksaan / Review queue</h1>{}{}{}",
        header_bar(&app, &session),
        state_links(&app, &queue),
        filter_form(&app, &filter, &enumerators),
        queue_table(&app, &queue, &filter),
    );
    page(StatusCode::OK, "Antrean / Queue", &body)
}

fn filter_from(query: &str) -> Filter {
    let mut filter = Filter { limit: PAGE_ROWS, ..Filter::default() };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().chars().take(64).collect::<String>();
        match key.as_ref() {
            "state" => filter.state = ReviewState::parse(&value),
            "desa" if !value.is_empty() => filter.desa = Some(value),
            "enumerator" if !value.is_empty() => filter.enumerator = Some(value),
            "reason" if !value.is_empty() => filter.reason = Some(value),
            "page" => filter.offset = value.parse::<u32>().unwrap_or(0).min(10_000) * PAGE_ROWS,
            _ => {}
        }
    }
    filter
}

fn query_of(filter: &Filter, page: u32) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(state) = filter.state {
        query.append_pair("state", state.as_str());
    }
    for (key, value) in
        [("desa", &filter.desa), ("enumerator", &filter.enumerator), ("reason", &filter.reason)]
    {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    if page > 0 {
        query.append_pair("page", &page.to_string());
    }
    query.finish()
}

pub(crate) fn header_bar(app: &App, session: &Session) -> String {
    format!(
        "<nav><a href=\"{base}/status\">Status</a> · <a href=\"{base}/review\">Antrean / Queue</a> · \
         <a href=\"{base}/bundles\">Bundel / Bundles</a> · \
         <a href=\"{base}/backchecks\">Cek ulang / Back-checks</a> · \
         <a href=\"{base}/progress\">Kemajuan / Progress</a> · <a href=\"{base}/recap\">Rekap / Recap</a> · \
         {user} ({role}) <form method=\"post\" action=\"{base}/logout\" class=\"inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Keluar / Log out</button></form></nav>",
        base = app.base,
        user = escape(&session.user),
        role = session.role.as_str(),
        csrf = session.csrf,
    )
}

const STATES: [(ReviewState, &str); 4] = [
    (ReviewState::Waiting, "Menunggu / Waiting"),
    (ReviewState::Returned, "Dikembalikan / Returned"),
    (ReviewState::Approved, "Disetujui / Approved"),
    (ReviewState::NotSampled, "Tidak terpilih / Not sampled"),
];

fn state_label(state: &str) -> &'static str {
    STATES.iter().find(|(s, _)| s.as_str() == state).map_or("?", |(_, label)| label)
}

fn state_links(app: &App, queue: &Queue) -> String {
    let mut out = String::from("<p class=\"states\">");
    for (state, label) in STATES {
        let count = queue.per_state.iter().find(|(s, _)| s == state.as_str()).map_or(0, |c| c.1);
        let _ = write!(
            out,
            "<a href=\"{}/review?state={}\">{label}: <b>{count}</b></a> ",
            app.base,
            state.as_str()
        );
    }
    out.push_str("</p>");
    out
}

const REASONS: [(&str, &str); 9] = [
    ("status", "Status 3/4/5"),
    ("new_household", "Ruta baru / New household"),
    ("warning", "Peringatan dikonfirmasi / Confirmed warning"),
    ("far_from_prelist", "Jauh dari titik prelist / Far from the prelist point"),
    ("random", "Acak / Random"),
    ("correction", "Koreksi / Correction"),
    ("edit", "Diedit pencacah / Edited by the enumerator"),
    ("picked", "Dipilih pengawas / Picked by a pengawas"),
    ("", "Semua alasan / Any reason"),
];

/// A stored reason (`status_4`, `warning:nik.dob`, `far_from_prelist (8123 m)`) in words.
fn reason_label(code: &str) -> String {
    if let Some(status) = code.strip_prefix("status_") {
        return format!("Status {status}");
    }
    if let Some(rule) = code.strip_prefix("warning:") {
        return format!("Peringatan dikonfirmasi / Confirmed warning: {rule}");
    }
    let (word, rest) = code.split_once(' ').unwrap_or((code, ""));
    match REASONS.iter().find(|(c, _)| *c == word) {
        Some((_, label)) if rest.is_empty() => (*label).to_owned(),
        Some((_, label)) => format!("{label} {rest}"),
        None => code.to_owned(),
    }
}

fn reasons_text(codes: &[String]) -> String {
    if codes.is_empty() {
        return "-".into();
    }
    codes.iter().map(|c| reason_label(c)).collect::<Vec<_>>().join("; ")
}

/// A household as the queue names it: its ID DTKS, "new" for a new one, else unknown.
fn household_text(row: &super::queue::QueueRow) -> String {
    match &row.household {
        Some(id) => id.clone(),
        None if row.reasons.iter().any(|r| r == "new_household") => "baru / new".into(),
        None => "-".into(),
    }
}

/// A recorded action in words.
fn action_label(action: &str) -> &str {
    match action {
        "received" => "Diterima / Received",
        "sampled" => "Masuk sampel / Sampled",
        "queue" => "Masuk antrean / Queued",
        "approve" => "Disetujui / Approved",
        "return" => "Dikembalikan / Returned",
        "replaced" => "Diganti versi baru / Replaced by a new version",
        other => other,
    }
}

fn filter_form(app: &App, filter: &Filter, enumerators: &[String]) -> String {
    let option = |value: &str, label: &str, chosen: bool| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            escape(value),
            if chosen { " selected" } else { "" },
            escape(label)
        )
    };
    let states: String =
        std::iter::once(option("", "Semua status / Any state", filter.state.is_none()))
            .chain(STATES.iter().map(|(s, l)| option(s.as_str(), l, filter.state == Some(*s))))
            .collect();
    let people: String =
        std::iter::once(option("", "Semua / Everyone", filter.enumerator.is_none()))
            .chain(
                enumerators.iter().map(|e| option(e, e, filter.enumerator.as_deref() == Some(e))),
            )
            .collect();
    let reasons: String = REASONS
        .iter()
        .map(|(code, label)| option(code, label, filter.reason.as_deref().unwrap_or("") == *code))
        .collect();
    format!(
        "<form method=\"get\" action=\"{base}/review\" class=\"filters\" role=\"search\">\
         <label>Status pemeriksaan / Review state <select name=\"state\">{states}</select></label> \
         <label>Desa (kode atau awalan / code or prefix) <input name=\"desa\" value=\"{desa}\" size=\"14\"></label> \
         <label>Pencacah / Enumerator <select name=\"enumerator\">{people}</select></label> \
         <label>Alasan / Reason <select name=\"reason\">{reasons}</select></label> \
         <button>Saring / Filter</button></form>",
        base = app.base,
        desa = escape(filter.desa.as_deref().unwrap_or("")),
    )
}

fn queue_table(app: &App, queue: &Queue, filter: &Filter) -> String {
    let page = filter.offset / PAGE_ROWS;
    let mut out = format!(
        "<p>{} wawancara cocok / interviews match; halaman / page {}</p>",
        queue.matching,
        page + 1
    );
    out.push_str(
        "<table class=\"queue\"><thead><tr><th>Diterima / Received (UTC)</th><th>Desa</th>\
         <th>ID DTKS</th><th>Pencacah / Enumerator</th><th>Status keberadaan</th>\
         <th>Pemeriksaan / Review</th><th>Alasan / Reasons</th></tr></thead><tbody>",
    );
    for row in &queue.rows {
        let _ = write!(
            out,
            "<tr><td><a href=\"{base}/review/{id}\">{at}</a></td><td>{desa}</td><td>{household}</td>\
             <td>{enumerator}</td><td>{status}</td><td class=\"state-{state}\">{state_label}</td><td>{reasons}</td></tr>",
            base = app.base,
            id = escape(&url_part(&row.instance_id)),
            at = time_text(row.received_at),
            desa = escape(row.desa.as_deref().unwrap_or("-")),
            household = escape(&household_text(row)),
            enumerator = escape(&row.enumerator),
            status = escape(row.status.as_deref().unwrap_or("-")),
            state = escape(&row.state),
            state_label = state_label(&row.state),
            reasons = escape(&reasons_text(&row.reasons)),
        );
    }
    out.push_str("</tbody></table><p>");
    if page > 0 {
        let _ = write!(
            out,
            "<a href=\"{}/review?{}\" rel=\"prev\">← Sebelumnya / Previous</a> ",
            app.base,
            escape(&query_of(filter, page - 1))
        );
    }
    if u64::from(filter.offset + PAGE_ROWS) < queue.matching {
        let _ = write!(
            out,
            "<a href=\"{}/review?{}\" rel=\"next\">Berikutnya / Next →</a>",
            app.base,
            escape(&query_of(filter, page + 1))
        );
    }
    out.push_str("</p>");
    out
}

/// An instanceID or file name as a URL path segment: unreserved characters and `:` as they are,
/// every other byte percent-encoded (a space as `%20`, never `+`).
fn url_part(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `GET /review/{id}`: one interview.
pub(crate) async fn interview_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    render_interview(&app, &session, id, StatusCode::OK, None).await
}

async fn render_interview(
    app: &Arc<App>,
    session: &Session,
    id: String,
    status: StatusCode,
    problem: Option<String>,
) -> Reply {
    let forms = Arc::clone(app);
    let found = app.db(move |conn| detail::gather(conn, &forms.forms, &id)).await;
    let gathered = match found {
        Ok(Some(gathered)) => gathered,
        Ok(None) => return crate::routes::not_found(),
        Err(reply) => return reply,
    };
    // The form engine's work runs outside the database lock.
    let detail = match app.blocking(move || Ok(detail::build(gathered))).await {
        Ok(detail) => detail,
        Err(reply) => return reply,
    };
    let problem =
        problem.map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>", escape(&p)));
    let body = format!(
        "{}{}{}",
        header_bar(app, session),
        problem.unwrap_or_default(),
        interview_html(app, session, &detail)
    );
    page(status, "Wawancara / Interview", &body)
}

fn interview_html(app: &App, session: &Session, d: &InterviewDetail) -> String {
    let s = &d.summary;
    let mut out = format!(
        "<h1>Wawancara / Interview {household}</h1>\
         <p class=\"summary\"><span class=\"state-{state}\">{state_label}</span> · desa {desa} · \
         {enumerator} · status keberadaan {status} · {at} UTC<br>Alasan / Reasons: {reasons}<br>\
         <small>instanceID {id}</small></p>",
        household = escape(&household_text(s)),
        state = escape(&s.state),
        state_label = state_label(&s.state),
        desa = escape(s.desa.as_deref().unwrap_or("-")),
        enumerator = escape(&s.enumerator),
        status = escape(s.status.as_deref().unwrap_or("-")),
        at = time_text(s.received_at),
        reasons = escape(&reasons_text(&s.reasons)),
        id = escape(&s.instance_id),
    );
    if let Some(newer) = &d.replaced_by {
        let _ = write!(
            out,
            "<p class=\"problem\">Diganti oleh koreksi / Replaced by the correction \
             <a href=\"{}/review/{}\">{}</a></p>",
            app.base,
            escape(&url_part(newer)),
            escape(newer)
        );
    }
    if let Some(previous) = &d.edit_of {
        let _ = write!(
            out,
            "<p>Koreksi dari / Corrects <a href=\"{}/review/{}\">{}</a>; jawaban yang berubah ditandai / changed answers are marked</p>",
            app.base,
            escape(&url_part(previous)),
            escape(previous)
        );
    }
    out.push_str(&findings_html(d));
    out.push_str(&location_html(d));
    out.push_str(&photos_html(app, d));
    let editable = d.replaced_by.is_none() && matches!(s.state.as_str(), "waiting" | "not_sampled");
    if editable {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"{}/review/{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            app.base,
            escape(&url_part(&s.instance_id)),
            session.csrf
        );
    }
    out.push_str(&answers_html(d, editable));
    if editable {
        out.push_str(
            "<h2 id=\"decide\">Keputusan / Decision</h2>\
             <p><label>Catatan untuk seluruh wawancara / Note on the whole interview<br>\
             <textarea name=\"note\" rows=\"3\" cols=\"70\"></textarea></label></p>\
             <p><button name=\"action\" value=\"approve\" accesskey=\"s\">Setujui / Approve</button> \
             <button name=\"action\" value=\"return\" accesskey=\"k\">Kembalikan dengan komentar / Return with comments</button>",
        );
        if s.state == "not_sampled" {
            out.push_str(
                " <button name=\"action\" value=\"queue\">Masukkan ke antrean / Add to the queue</button>",
            );
        }
        out.push_str("</p></form>");
    }
    out.push_str(&history_html(d));
    out
}

fn findings_html(d: &InterviewDetail) -> String {
    if d.findings.is_empty() {
        return "<h2>Temuan aturan / Rule findings</h2><p>Tidak ada / None</p>".into();
    }
    let mut out = String::from(
        "<h2>Temuan aturan / Rule findings</h2><table><thead><tr><th>Aturan / Rule</th>\
         <th>Tingkat / Severity</th><th>Pertanyaan / Question</th><th>Pesan / Message</th>\
         <th>Alasan pencacah / Enumerator's reason</th></tr></thead><tbody>",
    );
    for f in &d.findings {
        let _ = write!(
            out,
            "<tr class=\"{sev}\"><td>{rule}</td><td>{sev}</td><td>{reference}</td><td>{message}</td><td>{reason}</td></tr>",
            sev = escape(&f.severity),
            rule = escape(&f.rule),
            reference = escape(f.reference.as_deref().unwrap_or("-")),
            message = escape(&f.message),
            reason = escape(f.reason.as_deref().unwrap_or("-")),
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn location_html(d: &InterviewDetail) -> String {
    let Some(location) = &d.location else { return String::new() };
    let distance = location
        .metres
        .map(|m| format!("{m:.0} m"))
        .unwrap_or_else(|| "tidak diketahui / unknown".into());
    format!(
        "<h2>Lokasi / Location</h2><table><tr><th>Titik rumah / House point</th><td>{}</td></tr>\
         <tr><th>Titik prelist / Prelist point</th><td>{}</td></tr>\
         <tr><th>Jarak / Distance</th><td>{distance}</td></tr></table>",
        escape(location.house.as_deref().unwrap_or("-")),
        escape(location.prelist.as_deref().unwrap_or("-")),
    )
}

fn photos_html(app: &App, d: &InterviewDetail) -> String {
    if d.photos.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Foto / Photos</h2><p class=\"photos\">");
    for name in &d.photos {
        let href = format!(
            "{}/review/{}/photo/{}",
            app.base,
            url_part(&d.summary.instance_id),
            url_part(name)
        );
        let _ = write!(
            out,
            "<a href=\"{href}\"><img src=\"{href}\" alt=\"{name}\" width=\"240\"></a> ",
            href = escape(&href),
            name = escape(name)
        );
    }
    out.push_str("</p>");
    out
}

fn answers_html(d: &InterviewDetail, editable: bool) -> String {
    if let Some(why) = &d.unreadable {
        return format!(
            "<h2>Jawaban / Answers</h2><p class=\"problem\">Jawaban tidak dapat ditampilkan / The answers cannot be shown: {}</p>",
            escape(why)
        );
    }
    let mut out = format!(
        "<h2>Jawaban / Answers</h2><p>{} perubahan terhadap prelist ditandai / changes against the prelist are marked</p>",
        d.changed_from_prelist()
    );
    if !d.removed.is_empty() {
        let _ = write!(
            out,
            "<p class=\"changed\">Ada di prelist, tidak ada di wawancara / In the prelist, not in the interview: {}</p>",
            escape(&d.removed.join(", "))
        );
    }
    let correction = d.edit_of.is_some();
    for section in &d.sections {
        let _ = write!(
            out,
            "<h3>{}</h3><table class=\"answers\"><thead><tr><th>Pertanyaan / Question</th><th>Jawaban / Answer</th>\
             <th>Prelist</th>{}{}</tr></thead><tbody>",
            escape(&section.title),
            if correction { "<th>Sebelum koreksi / Before the correction</th>" } else { "" },
            if editable { "<th>Komentar / Comment</th>" } else { "" },
        );
        for a in &section.answers {
            let changed = a.prelist.is_some() || a.added;
            let class = match (changed, a.before_correction.is_some()) {
                (true, true) => " class=\"changed corrected\"",
                (true, false) => " class=\"changed\"",
                (false, true) => " class=\"corrected\"",
                (false, false) => "",
            };
            let prelist = match (&a.prelist, a.added) {
                (Some(p), _) => format!("<del>{}</del>", escape(p)),
                (None, true) => "<em>baru / new</em>".into(),
                (None, false) => String::new(),
            };
            let _ = write!(
                out,
                "<tr{class}><td>{label}<br><small>{reference}</small></td><td>{shown}</td><td>{prelist}</td>",
                label = escape(&a.label),
                reference = escape(&a.reference),
                shown = if changed {
                    format!("<mark>{}</mark>", escape(&a.shown))
                } else {
                    escape(&a.shown)
                },
            );
            if correction {
                let _ = write!(
                    out,
                    "<td>{}</td>",
                    escape(a.before_correction.as_deref().unwrap_or(""))
                );
            }
            // A textarea, not an input: Enter in a text input would submit the form with its
            // first button, approving by accident.
            if editable {
                let _ = write!(
                    out,
                    "<td><textarea name=\"comment:{reference}\" rows=\"1\" cols=\"28\" aria-label=\"Komentar / Comment: {label}\"></textarea></td>",
                    reference = escape(&a.reference),
                    label = escape(&a.label),
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }
    out
}

fn history_html(d: &InterviewDetail) -> String {
    let mut out = String::from(
        "<h2>Riwayat / History</h2><table><thead><tr><th>Waktu / When (UTC)</th><th>Oleh / By</th>\
         <th>Tindakan / Action</th><th>Status</th><th>Catatan dan komentar / Note and comments</th></tr></thead><tbody>",
    );
    for event in &d.history {
        let comments: Vec<String> = event
            .comments
            .iter()
            .map(|c| {
                format!("{}: {}", c.reference.as_deref().unwrap_or("(seluruh / whole)"), c.text)
            })
            .collect();
        let words: Vec<String> = event.note.iter().cloned().chain(comments).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            time_text(event.at),
            escape(&event.actor),
            escape(action_label(&event.action)),
            state_label(&event.state),
            escape(&words.join(" · ")),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// `POST /review/{id}`: approve, return with comments, or queue.
pub(crate) async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    let Some(form) = read_form_within(body, REVIEW_FORM_LIMIT).await else {
        return plain(StatusCode::BAD_REQUEST, "Isian tidak terbaca / The form could not be read");
    };
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if !crate::accounts::same_secret(&session.csrf, field("csrf").unwrap_or("")) {
        return plain(
            StatusCode::FORBIDDEN,
            "Formulir kedaluwarsa; muat ulang halaman / The form has expired; reload the page",
        );
    }
    let comments = comments_of(&form);
    let action = match field("action") {
        Some("approve") => Action::Approve,
        Some("queue") => Action::Queue,
        Some("return") => Action::Return { comments: comments.clone() },
        _ => return plain(StatusCode::BAD_REQUEST, "Tindakan tidak dikenal / Unknown action"),
    };
    // Comments typed on questions are never dropped by an approval.
    if !matches!(action, Action::Return { .. }) && comments.iter().any(|c| c.reference.is_some()) {
        return render_interview(&app, &session, id, StatusCode::CONFLICT, Some(TYPED.into()))
            .await;
    }
    // A return's note travels as its comment on the whole interview.
    let note = field("note")
        .filter(|_| !matches!(action, Action::Return { .. }))
        .map(|n| n.chars().take(2000).collect::<String>());
    let (target, actor) = (id.clone(), session.user.clone());
    let taken = app
        .db(move |conn| Ok(store::act(conn, &target, &actor, &action, note.as_deref(), now_ms())))
        .await;
    match taken {
        Ok(Ok(state)) => {
            tracing::info!(state = state.as_str(), "a pengawas decided on an interview");
            let mut reply = redirect(&app, &format!("/review/{}", url_part(&id)));
            reply.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            reply
        }
        Ok(Err(ActError::Unknown(_))) => crate::routes::not_found(),
        Ok(Err(ActError::Store(error))) => crate::routes::internal(error),
        Ok(Err(refused)) => {
            render_interview(&app, &session, id, StatusCode::CONFLICT, Some(refused.to_string()))
                .await
        }
        Err(reply) => reply,
    }
}

const TYPED: &str = "Ada komentar pada pertanyaan: pilih Kembalikan, atau kosongkan komentarnya dulu / \
    Comments were typed on questions: choose Return, or clear them first";

/// The comments of a return form: each non-empty `comment:REF` field, in form order.
fn comments_of(form: &[(String, String)]) -> Vec<Comment> {
    form.iter()
        .filter_map(|(key, value)| {
            let reference = key.strip_prefix("comment:")?;
            let text: String = value.trim().chars().take(1000).collect();
            (!text.is_empty()).then(|| Comment { reference: Some(reference.to_owned()), text })
        })
        .chain(form.iter().find(|(k, _)| k == "note").and_then(|(_, note)| {
            let note = note.trim();
            (!note.is_empty())
                .then(|| Comment { reference: None, text: note.chars().take(2000).collect() })
        }))
        .collect()
}

/// `GET /review/{id}/photo/{name}`: a photo of a submission, for people only.
pub(crate) async fn photo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Reply {
    if let Err(reply) = reviewer(&app, &headers).await {
        return reply;
    }
    let lower = name.to_ascii_lowercase();
    let content_type = if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else {
        return crate::routes::not_found();
    };
    match app.db(move |conn| super::attachment(conn, &id, &name)).await {
        Ok(Some(bytes)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => crate::routes::not_found(),
        Err(reply) => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_as_utc_calendar_dates() {
        assert_eq!(time_text(0), "1970-01-01 00:00");
        assert_eq!(time_text(1_796_601_600_000 + 3_723_000), "2026-12-07 01:02");
        assert_eq!(time_text(951_782_400_000), "2000-02-29 00:00");
    }

    #[test]
    fn reasons_read_as_words_in_both_languages() {
        assert_eq!(reason_label("status_4"), "Status 4");
        assert_eq!(
            reason_label("far_from_prelist (8123 m)"),
            "Jauh dari titik prelist / Far from the prelist point (8123 m)"
        );
        assert!(reason_label("warning:nik.dob").ends_with("Confirmed warning: nik.dob"));
        assert_eq!(reason_label("edit"), "Diedit pencacah / Edited by the enumerator");
        assert_eq!(reasons_text(&[]), "-");
    }

    #[test]
    fn path_segments_are_percent_encoded_never_with_plus() {
        assert_eq!(url_part("uuid:ab-12"), "uuid:ab-12");
        assert_eq!(url_part("foto rumah.jpg"), "foto%20rumah.jpg");
        assert_eq!(url_part("a/b?c#d\"\u{e9}"), "a%2Fb%3Fc%23d%22%C3%A9");
    }

    #[test]
    fn a_return_keeps_each_filled_comment_with_its_question_and_the_note_for_the_whole() {
        let form = vec![
            ("csrf".to_owned(), "x".to_owned()),
            ("comment:/data/members[2]/nik".to_owned(), " NIK beda dengan KK ".to_owned()),
            ("comment:/data/no_hp".to_owned(), "   ".to_owned()),
            ("note".to_owned(), "Cek lagi".to_owned()),
        ];
        assert_eq!(
            comments_of(&form),
            vec![
                Comment {
                    reference: Some("/data/members[2]/nik".into()),
                    text: "NIK beda dengan KK".into()
                },
                Comment { reference: None, text: "Cek lagi".into() },
            ]
        );
    }

    #[test]
    fn the_queue_filter_reads_what_the_form_sends_and_ignores_the_rest() {
        let filter =
            filter_from("state=waiting&desa=52.71&enumerator=Ayu&reason=status&page=2&x=1");
        assert_eq!(filter.state, Some(ReviewState::Waiting));
        assert_eq!(filter.desa.as_deref(), Some("52.71"));
        assert_eq!(filter.enumerator.as_deref(), Some("Ayu"));
        assert_eq!(filter.reason.as_deref(), Some("status"));
        assert_eq!(filter.offset, 2 * PAGE_ROWS);
        assert_eq!(
            query_of(&filter, 3),
            "state=waiting&desa=52.71&enumerator=Ayu&reason=status&page=3"
        );
    }
}
