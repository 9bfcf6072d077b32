//! The office's pages, for anyone logged in (operator, pengawas, viewer): `/progress` (per
//! kecamatan, desa and enumerator, sortable by any column through links, with a bar per desa;
//! no script, as everywhere on the receiver) and `/recap` (the printable recap), with
//! `/recap.xlsx` and `/recap.csv` to download.

use std::{fmt::Write as _, sync::Arc};

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use serde::Deserialize;

use super::{
    print,
    progress::{self, Progress, ProgressRow},
    sheets, tally,
};
use crate::{
    pages::{page, redirect, session_of},
    review::pages::header_bar,
    routes::{App, Reply, escape},
};

#[derive(Deserialize, Default)]
pub(crate) struct ProgressQuery {
    sort: Option<String>,
    order: Option<String>,
}

/// The sortable columns: (key, title).
const COLUMNS: [(&str, &str); 12] = [
    ("name", "Nama / Name"),
    ("prelist", "Prelist"),
    ("visited", "Dikunjungi / Visited"),
    ("remaining", "Sisa / Remaining"),
    ("status_1", "1"),
    ("status_2", "2"),
    ("status_3", "3"),
    ("status_4", "4"),
    ("status_5", "5"),
    ("new", "Baru / New"),
    ("returned", "Dikembalikan / Returned"),
    ("approved", "Disetujui / Approved"),
];

fn sort_key(row: &ProgressRow, key: &str) -> u64 {
    match key {
        "prelist" => row.prelist,
        "visited" => row.visited,
        "remaining" => row.remaining,
        "status_1" => row.status[0],
        "status_2" => row.status[1],
        "status_3" => row.status[2],
        "status_4" => row.status[3],
        "status_5" => row.status[4],
        "new" => row.new_households,
        "returned" => row.returned,
        "approved" => row.approved,
        _ => 0,
    }
}

/// Sorts rows by a column key, ascending or not; by name (then code) otherwise.
pub fn sort_rows(rows: &mut [ProgressRow], key: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let order = if key == "name" || COLUMNS.iter().all(|(k, _)| *k != key) {
            a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code))
        } else {
            sort_key(a, key).cmp(&sort_key(b, key)).then_with(|| a.code.cmp(&b.code))
        };
        if descending { order.reverse() } else { order }
    });
}

/// `GET /progress`.
pub(crate) async fn progress_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<ProgressQuery>,
) -> Reply {
    let Some((_, session)) = session_of(&app, &headers).await else {
        return redirect(&app, "/login");
    };
    let mut progress = match app.db(|conn| progress::progress(conn)).await {
        Ok(progress) => progress,
        Err(reply) => return reply,
    };
    let key = query.sort.as_deref().unwrap_or("name");
    let descending = query.order.as_deref() == Some("desc");
    for rows in [&mut progress.desa, &mut progress.kecamatan, &mut progress.enumerators] {
        sort_rows(rows, key, descending);
    }
    let body = format!(
        "{}<h1>Kemajuan lapangan / Field progress</h1>\
         <p>Semua wawancara terkini, apa pun status pemeriksaannya; rekap hanya menghitung yang disetujui. \
         / Every current interview, whatever its review state; the recap counts approved ones only. \
         <a href=\"{base}/recap\">Rekap / Recap</a> · <a href=\"{base}/progress.csv\">CSV</a></p>{}{}{}{}",
        header_bar(&app, &session),
        totals(&progress),
        table(&app, "Per kecamatan", &progress.kecamatan, key, descending, false),
        table(&app, "Per desa", &progress.desa, key, descending, true),
        table(&app, "Per pencacah / Per enumerator", &progress.enumerators, key, descending, false),
        base = app.base,
    );
    page(StatusCode::OK, "Kemajuan / Progress", &body)
}

fn totals(progress: &Progress) -> String {
    let t = &progress.total;
    format!(
        "<p><strong>{} / {}</strong> rumah tangga prelist dikunjungi / prelist households visited ({:.1} %), \
         {} baru / new, {} disetujui / approved, {} dikembalikan / returned, {} menunggu / waiting.</p>",
        t.visited,
        t.prelist,
        t.visited_percent(),
        t.new_households,
        t.approved,
        t.returned,
        t.waiting
    )
}

fn table(
    app: &App,
    title: &str,
    rows: &[ProgressRow],
    key: &str,
    descending: bool,
    bars: bool,
) -> String {
    let mut out = format!("<h2>{title}</h2><table class=\"progress\"><thead><tr>");
    for (column, label) in COLUMNS {
        let next = if column == key && !descending { "desc" } else { "asc" };
        let mark = match (column == key, descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        let _ = write!(
            out,
            "<th><a href=\"{}/progress?sort={column}&amp;order={next}\">{label}{mark}</a></th>",
            app.base
        );
    }
    if bars {
        out.push_str("<th>Dikunjungi / Visited</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        let _ = write!(out, "<tr><td>{}</td>", escape(&row.name));
        let numbers = [
            row.prelist,
            row.visited,
            row.remaining,
            row.status[0],
            row.status[1],
            row.status[2],
            row.status[3],
            row.status[4],
            row.new_households,
            row.returned,
            row.approved,
        ];
        for number in numbers {
            let _ = write!(out, "<td class=\"n\">{number}</td>");
        }
        if bars {
            let percent = row.visited_percent();
            let _ = write!(
                out,
                "<td><span class=\"bar\" role=\"img\" aria-label=\"{percent:.0} %\"><span style=\"width:{percent:.1}%\"></span></span> {percent:.0} %</td>"
            );
        }
        out.push_str("</tr>");
    }
    if rows.is_empty() {
        let _ =
            write!(out, "<tr><td colspan=\"{}\">Belum ada / None yet</td></tr>", COLUMNS.len() + 1);
    }
    out.push_str("</tbody></table>");
    out
}

#[derive(Deserialize, Default)]
pub(crate) struct RecapQuery {
    area: Option<String>,
}

/// `GET /recap`, `/recap.csv`, `/recap.xlsx`, `/progress.csv`.
pub(crate) async fn recap_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<RecapQuery>,
) -> Reply {
    recap_as(app, headers, q, "html").await
}

pub(crate) async fn recap_csv(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<RecapQuery>,
) -> Reply {
    recap_as(app, headers, q, "csv").await
}

pub(crate) async fn recap_xlsx(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<RecapQuery>,
) -> Reply {
    recap_as(app, headers, q, "xlsx").await
}

async fn recap_as(
    app: Arc<App>,
    headers: HeaderMap,
    query: RecapQuery,
    format: &'static str,
) -> Reply {
    if session_of(&app, &headers).await.is_none() {
        return redirect(&app, "/login");
    }
    let asked = query.area.filter(|a| !a.is_empty());
    let area = asked.as_deref().and_then(crate::scope::area_code);
    if asked.is_some() && area.is_none() {
        return page(
            StatusCode::BAD_REQUEST,
            "Rekap",
            "<p class=\"problem\">Kode wilayah tidak sah (mis. 52.71) / Not a region code (e.g. 52.71)</p>",
        );
    }
    let now = verivali_core::api::now_ms();
    let recap = match app.db(move |conn| tally::recap(conn, area.as_deref(), now)).await {
        Ok(recap) => recap,
        Err(reply) => return reply,
    };
    let (content_type, body): (&str, Vec<u8>) = match format {
        "csv" => {
            let mut out = Vec::new();
            if sheets::csv(&recap, &mut out).is_err() {
                return page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Rekap",
                    "<p>CSV gagal / CSV failed</p>",
                );
            }
            ("text/csv; charset=utf-8", out)
        }
        "xlsx" => match sheets::xlsx(&recap) {
            Ok(bytes) => {
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes)
            }
            Err(_) => {
                return page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Rekap",
                    "<p>XLSX gagal / XLSX failed</p>",
                );
            }
        },
        _ => (
            "text/html; charset=utf-8",
            print::page(&recap, &print::Signature::default()).into_bytes(),
        ),
    };
    download(content_type, format, "rekap", body)
}

pub(crate) async fn progress_csv(State(app): State<Arc<App>>, headers: HeaderMap) -> Reply {
    if session_of(&app, &headers).await.is_none() {
        return redirect(&app, "/login");
    }
    let progress = match app.db(|conn| progress::progress(conn)).await {
        Ok(progress) => progress,
        Err(reply) => return reply,
    };
    let mut out = Vec::new();
    if progress::csv(&progress, &mut out).is_err() {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Kemajuan",
            "<p>CSV gagal / CSV failed</p>",
        );
    }
    download("text/csv; charset=utf-8", "csv", "kemajuan", out)
}

fn download(content_type: &str, format: &str, stem: &str, body: Vec<u8>) -> Reply {
    let disposition = if format == "html" {
        "inline".to_owned()
    } else {
        format!("attachment; filename=\"{stem}.{format}\"")
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'".to_owned(),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, visited: u64) -> ProgressRow {
        ProgressRow { code: name.into(), name: name.into(), visited, ..ProgressRow::default() }
    }

    #[test]
    fn rows_sort_by_the_chosen_column_either_way_and_by_name_otherwise() {
        let mut rows = vec![row("Bintaro", 3), row("Ampenan", 9), row("Cakra", 1)];
        sort_rows(&mut rows, "visited", true);
        assert_eq!(rows.iter().map(|r| r.visited).collect::<Vec<_>>(), [9, 3, 1]);
        sort_rows(&mut rows, "visited", false);
        assert_eq!(rows.iter().map(|r| r.visited).collect::<Vec<_>>(), [1, 3, 9]);
        sort_rows(&mut rows, "<script>", false);
        assert_eq!(rows[0].name, "Ampenan");
    }
}
