//! `/backchecks` in the browser: the back-check report for pengawas and operators: per
//! enumerator the share of questions that differ, per household the answers side by side
//! (differences marked without colour alone).

use std::{fmt::Write as _, sync::Arc};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};

use super::{
    backcheck::{self, Report},
    pages::{header_bar, reviewer},
    time_text,
};
use crate::{
    pages::page,
    routes::{App, Reply, escape},
};

/// `GET /backchecks`.
pub(crate) async fn backchecks_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    let session = match reviewer(&app, &headers).await {
        Ok(session) => session,
        Err(reply) => return reply,
    };
    let worker = Arc::clone(&app);
    let report = app.db(move |conn| backcheck::report(conn, &worker.forms)).await;
    let report = match report {
        Ok(report) => report,
        Err(reply) => return reply,
    };
    let body = format!(
        "{}<h1>Cek ulang / Back-checks</h1>\
         <p>Pengawas menanyakan ulang beberapa pertanyaan pada sampel rumah tangga; di sini \
         jawabannya dibandingkan dengan jawaban pencacah. / The pengawas re-asked a few questions \
         of a sample of households; here the answers are compared with the enumerator's.</p>{}{}",
        header_bar(&app, &session),
        enumerator_table(&report),
        household_tables(&report),
    );
    page(StatusCode::OK, "Cek ulang / Back-checks", &body)
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

fn enumerator_table(report: &Report) -> String {
    let mut out = String::from(
        "<h2>Per pencacah / Per enumerator</h2><table><thead><tr><th>Pencacah / Enumerator</th>\
         <th>Rumah tangga / Households</th><th>Pertanyaan / Questions</th>\
         <th>Berbeda / Differ</th><th>Bagian berbeda / Share differing</th></tr></thead><tbody>",
    );
    for e in &report.enumerators {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.enumerator),
            e.households,
            e.tally.asked,
            e.tally.differ,
            percent(e.share)
        );
    }
    if report.enumerators.is_empty() {
        out.push_str("<tr><td colspan=\"5\">Belum ada cek ulang / No back-check yet</td></tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn household_tables(report: &Report) -> String {
    let mut out = String::from("<h2>Per rumah tangga / Per household</h2>");
    for h in &report.households {
        let _ = write!(
            out,
            "<h3>{} — {} <small>({} UTC; {} / {} berbeda / differ)</small></h3>",
            escape(h.household.as_deref().unwrap_or("baru / new")),
            escape(&h.enumerator),
            time_text(h.done_at),
            h.tally.differ,
            h.tally.asked
        );
        if let Some(why) = &h.unreadable {
            let _ = write!(out, "<p class=\"problem\">{}</p>", escape(why));
            continue;
        }
        out.push_str(
            "<table><thead><tr><th>Pertanyaan / Question</th><th>Pencacah / Enumerator</th>\
             <th>Cek ulang / Back-check</th><th></th></tr></thead><tbody>",
        );
        for row in &h.rows {
            let (class, mark) = if row.differs {
                (" class=\"changed\"", "<mark>berbeda / differs</mark>")
            } else {
                ("", "sama / same")
            };
            let _ = write!(
                out,
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{mark}</td></tr>",
                escape(&row.label),
                escape(&row.first),
                escape(&row.second)
            );
        }
        out.push_str("</tbody></table>");
    }
    out
}
