//! The recap as a printable page that goes with the Bupati/Walikota's ratification letter: A4
//! landscape, a fixed number of rows per sheet so that each sheet carries its own totals and
//! "Halaman X dari Y" whatever the browser's print engine does, the desa table with the
//! kab/kota's totals, a signature block, and the three lists behind it as attachments
//! (*lampiran*). Self-contained (no script, no external file), so it prints the same from a
//! saved file.

use std::fmt::Write;

use super::tally::{Counts, Kabupaten, Listed, Recap, Row, STATUS_LABELS};
use crate::routes::escape;

/// Desa rows on one sheet.
const TABLE_ROWS_PER_SHEET: usize = 18;
/// Households on one sheet of a list.
const LIST_ROWS_PER_SHEET: usize = 22;

/// Who signs the ratification letter, and where; blank lines when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    /// `Bupati Lombok Barat`, `Walikota Mataram`.
    pub office: Option<String>,
    pub name: Option<String>,
    pub place: Option<String>,
}

/// One printed sheet: its body; page numbers are added once all are known.
struct Sheet {
    body: String,
}

/// The whole printable recap.
pub fn page(recap: &Recap, signature: &Signature) -> String {
    let mut sheets = Vec::new();
    for kabupaten in &recap.kabupaten {
        summary_sheets(kabupaten, recap.generated_at, signature, &mut sheets);
        let lists: [(&str, &str, &[Listed]); 3] = [
            (
                "Lampiran 1. Rumah tangga tetap (status 1 dan 2)",
                "Attachment 1. Households that stay (status 1 and 2)",
                &kabupaten.stay,
            ),
            (
                "Lampiran 2. Rumah tangga diusulkan keluar (status 3, 4 dan 5)",
                "Attachment 2. Households proposed for removal (status 3, 4 and 5)",
                &kabupaten.removal,
            ),
            (
                "Lampiran 3. Rumah tangga baru (usulan baru)",
                "Attachment 3. New households",
                &kabupaten.new,
            ),
        ];
        for (title, english, listed) in lists {
            list_sheets(kabupaten, title, english, listed, &mut sheets);
        }
    }
    if sheets.is_empty() {
        sheets.push(Sheet {
            body: "<h1>Rekapitulasi Hasil Verifikasi dan Validasi</h1><p>Belum ada data / No data yet.</p>".into(),
        });
    }
    let total = sheets.len();
    let mut out = String::from(HEAD);
    for (index, sheet) in sheets.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"sheet\">{}<footer>Halaman {} dari {} / Page {} of {}</footer></section>",
            sheet.body,
            index + 1,
            total,
            index + 1,
            total
        );
    }
    out.push_str("</body></html>");
    out
}

const HEAD: &str = r#"<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Rekapitulasi Hasil Verifikasi dan Validasi / Verification recap</title>
<style>
@page { size: A4 landscape; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; margin: 0; color: #000; }
.sheet { height: 188mm; position: relative; page-break-after: always; break-after: page; padding-bottom: 8mm; }
.sheet:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 13pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 0 0 2mm; }
p.meta { margin: 0 0 2mm; } p.pending { margin: 0 0 2mm; font-weight: bold; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 0.3mm solid #000; padding: 0.8mm 1.2mm; vertical-align: top; }
/* One line per row whatever the text, so that a sheet always fits its page. */
td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
th { background: #e8e8e8; font-weight: bold; text-align: center; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.subtotal td { font-weight: bold; background: #f4f4f4; }
tr.total td { font-weight: bold; background: #dcdcdc; }
footer { position: absolute; bottom: 0; right: 0; font-size: 8pt; }
.signature { margin-top: 6mm; margin-left: 60%; text-align: center; }
.signature .space { height: 20mm; }
</style></head><body>
"#;

const TABLE_HEAD: &str = "<colgroup><col style=\"width:3%\"><col style=\"width:8%\"><col style=\"width:15%\"><col span=\"12\"></colgroup><thead><tr><th rowspan=\"2\">No</th><th rowspan=\"2\">Kode</th><th rowspan=\"2\">Wilayah / Region</th><th rowspan=\"2\">Prelist</th><th colspan=\"5\">Status keberadaan rumah tangga (disetujui / approved)</th><th rowspan=\"2\">Ruta baru / New</th><th colspan=\"3\">ART / Members</th><th rowspan=\"2\">KYC lengkap / complete</th><th rowspan=\"2\">Belum disetujui / Pending</th></tr><tr><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th><th>+ baru</th><th>− keluar</th><th>meninggal</th></tr></thead>";

/// The kab/kota's summary: its kecamatan, then its desa, each a sheet at a time with each
/// sheet's totals and the kab/kota's total on the last; the signature block closes the desa.
fn summary_sheets(
    k: &Kabupaten,
    generated_at: i64,
    signature: &Signature,
    sheets: &mut Vec<Sheet>,
) {
    let heading = format!(
        "<h1>Rekapitulasi Hasil Verifikasi dan Validasi Data Terpadu Kesejahteraan Sosial — {}</h1>\
         <p class=\"meta\">Recap of the verification and validation, {} ({}) · dibuat / made {} UTC · \
         hanya wawancara yang disetujui pengawas / approved interviews only</p>{}",
        escape(&k.name),
        escape(&k.name),
        escape(&k.code),
        crate::review::time_text(generated_at),
        pending_line(&k.total),
    );
    let by_kecamatan = format!("{heading}<h2>Per kecamatan / By kecamatan</h2>");
    table_sheets(&by_kecamatan, &k.kecamatan, &k.total, &status_legend(), sheets);
    let by_desa = format!("<h2>{} — per desa / by desa</h2>", escape(&k.name));
    table_sheets(&by_desa, &k.desa, &k.total, &signature_block(k, signature), sheets);
}

/// Rows of counts a sheet at a time under `heading`, each sheet with its own totals, the last
/// with the kab/kota's total and `closing` below the table.
fn table_sheets(
    heading: &str,
    rows: &[Row],
    total: &Counts,
    closing: &str,
    sheets: &mut Vec<Sheet>,
) {
    let chunks: Vec<&[Row]> = rows.chunks(TABLE_ROWS_PER_SHEET).collect();
    let chunks = if chunks.is_empty() { vec![&rows[..0]] } else { chunks };
    let count = chunks.len();
    for (chunk_index, chunk) in chunks.into_iter().enumerate() {
        let mut body = format!("{heading}<table>{TABLE_HEAD}<tbody>");
        let mut on_sheet = Counts::default();
        for (offset, row) in chunk.iter().enumerate() {
            body.push_str(&count_row(chunk_index * TABLE_ROWS_PER_SHEET + offset + 1, row));
            on_sheet.add(&row.counts);
        }
        let last = chunk_index + 1 == count;
        if count > 1 {
            body.push_str(&subtotal_row("Jumlah halaman ini / This page", &on_sheet));
        }
        if last {
            body.push_str(&total_row("Jumlah kab/kota / Total", total));
        }
        body.push_str("</tbody></table>");
        if last {
            body.push_str(closing);
        }
        sheets.push(Sheet { body });
    }
}

fn pending_line(total: &Counts) -> String {
    if total.pending == 0 {
        return "<p class=\"meta\">Semua wawancara sudah disetujui / Every interview is approved.</p>".into();
    }
    format!(
        "<p class=\"pending\">{} wawancara belum disetujui dan tidak dihitung ({} dikembalikan ke pencacah) / {} interviews not yet approved are not counted ({} returned to the enumerator).</p>",
        total.pending, total.returned, total.pending, total.returned
    )
}

fn status_legend() -> String {
    let items: Vec<String> =
        STATUS_LABELS.iter().enumerate().map(|(i, l)| format!("{} {}", i + 1, escape(l))).collect();
    format!(
        "<p class=\"meta\">Status: {}. Ruta baru juga dihitung pada kolom statusnya / New households are also counted under their status.</p>",
        items.join(" · ")
    )
}

fn numbers(c: &Counts) -> String {
    let kyc = format!("{} / {}", c.kyc_complete, c.kyc_required);
    let mut cells = vec![c.prelist.to_string()];
    cells.extend(c.status.iter().map(u64::to_string));
    cells.extend([
        c.new_households.to_string(),
        c.members_added.to_string(),
        c.members_removed.to_string(),
        c.members_deceased.to_string(),
        kyc,
        c.pending.to_string(),
    ]);
    cells.iter().map(|v| format!("<td class=\"n\">{v}</td>")).collect()
}

fn count_row(number: usize, row: &Row) -> String {
    format!(
        "<tr><td class=\"n\">{number}</td><td>{}</td><td>{}</td>{}</tr>",
        escape(&row.code),
        escape(&row.name),
        numbers(&row.counts)
    )
}

fn subtotal_row(label: &str, counts: &Counts) -> String {
    format!("<tr class=\"subtotal\"><td colspan=\"3\">{label}</td>{}</tr>", numbers(counts))
}

fn total_row(label: &str, counts: &Counts) -> String {
    format!("<tr class=\"total\"><td colspan=\"3\">{label}</td>{}</tr>", numbers(counts))
}

fn signature_block(k: &Kabupaten, signature: &Signature) -> String {
    let blank = "……………………………";
    let office = signature.office.clone().unwrap_or_else(|| format!("Bupati/Walikota {}", k.name));
    format!(
        "<div class=\"signature\"><p>Ditetapkan di / Ratified at {}, tanggal / on {}</p><p>{}</p>\
         <div class=\"space\"></div><p><strong>{}</strong></p></div>",
        escape(signature.place.as_deref().unwrap_or(blank)),
        blank,
        escape(&office),
        escape(signature.name.as_deref().unwrap_or(blank)),
    )
}

/// One list behind the recap, a sheet at a time, each with the number of households on it.
fn list_sheets(
    k: &Kabupaten,
    title: &str,
    english: &str,
    listed: &[Listed],
    sheets: &mut Vec<Sheet>,
) {
    let head = "<colgroup><col style=\"width:4%\"><col style=\"width:12%\"><col style=\"width:11%\"><col style=\"width:15%\"><col style=\"width:19%\"><col style=\"width:5%\"><col style=\"width:21%\"><col style=\"width:13%\"></colgroup><thead><tr><th>No</th><th>ID DTKS</th><th>Desa</th><th>Kepala rumah tangga / Head</th><th>Alamat / Address</th><th>Status</th><th>Alasan / Reason</th><th>Pencacah / Enumerator</th></tr></thead>";
    let heading = format!(
        "<h2>{} — {}</h2><p class=\"meta\">{}</p>",
        escape(title),
        escape(&k.name),
        escape(english)
    );
    if listed.is_empty() {
        sheets.push(Sheet { body: format!("{heading}<p>Tidak ada / None.</p>") });
        return;
    }
    let chunks: Vec<&[Listed]> = listed.chunks(LIST_ROWS_PER_SHEET).collect();
    for (chunk_index, chunk) in chunks.iter().enumerate() {
        let mut body = format!("{heading}<table>{head}<tbody>");
        for (offset, l) in chunk.iter().enumerate() {
            let status = l.status.as_deref().unwrap_or("-");
            let _ = write!(
                body,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                chunk_index * LIST_ROWS_PER_SHEET + offset + 1,
                escape(l.id_dtks.as_deref().unwrap_or("usulan baru")),
                escape(&l.desa_name),
                escape(l.head_name.as_deref().unwrap_or("-")),
                escape(l.address.as_deref().unwrap_or("-")),
                escape(status),
                escape(&reason_text(l)),
                escape(&l.enumerator),
            );
        }
        let _ = write!(
            body,
            "<tr class=\"subtotal\"><td colspan=\"8\">Jumlah halaman ini / This page: {} rumah tangga / households{}</td></tr></tbody></table>",
            chunk.len(),
            if chunk_index + 1 == chunks.len() {
                format!(" · seluruhnya / in all: {}", listed.len())
            } else {
                String::new()
            }
        );
        sheets.push(Sheet { body });
    }
}

/// The reason a household is proposed for removal, in words.
pub fn reason_text(l: &Listed) -> String {
    match (l.status.as_deref(), l.reason.as_deref()) {
        (Some("3"), Some(reason)) => format!("Tidak ditemukan: {reason}"),
        (Some("3"), None) => "Tidak ditemukan".into(),
        (Some("4"), _) => "Ditemukan mampu".into(),
        (Some("5"), Some(other)) => format!("Ganda dengan ID DTKS {other}"),
        (Some("5"), None) => "Ditemukan ganda".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(n: usize) -> Listed {
        Listed {
            id_dtks: Some(format!("52710110090000{n:02}")),
            desa: "52.71.01.1009".into(),
            desa_name: "Ampenan <Utara>".into(),
            head_name: Some("Wayan".into()),
            address: None,
            status: Some("3".into()),
            reason: Some("Pindah".into()),
            enumerator: "Ani".into(),
            instance_id: format!("uuid:{n}"),
        }
    }

    #[test]
    fn every_sheet_says_its_page_and_lists_carry_a_total_per_sheet() {
        let k = Kabupaten {
            code: "52.71".into(),
            name: "Kota Mataram".into(),
            total: Counts { pending: 3, returned: 1, ..Counts::default() },
            kecamatan: vec![],
            desa: vec![],
            stay: vec![],
            removal: (0..30).map(listed).collect(),
            new: vec![],
        };
        let recap = Recap { generated_at: 0, kabupaten: vec![k] };
        let html = page(&recap, &Signature::default());
        let sheets = html.matches("<section class=\"sheet\">").count();
        // kecamatan (none), desa (none, with the signature), stay (none), removal on two
        // sheets, new (none)
        assert_eq!(sheets, 6);
        assert!(html.contains(&format!("Halaman {sheets} dari {sheets}")));
        assert!(html.contains("Jumlah halaman ini / This page: 22 rumah tangga"));
        assert!(html.contains("This page: 8 rumah tangga / households · seluruhnya / in all: 30"));
        assert!(html.contains("3 wawancara belum disetujui"));
        assert!(html.contains("Ampenan &lt;Utara&gt;"), "names are escaped");
        assert!(html.contains("Tidak ditemukan: Pindah"));
    }
}
