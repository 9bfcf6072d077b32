//! The recap for spreadsheets: CSV (one row per desa, kecamatan and kab/kota, with a level
//! column, so a pivot or a sum filters by level) and an XLSX workbook (the same table, then one
//! sheet per list behind it), in Bahasa Indonesia with English in the headers.

use std::io::Write;

use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet, XlsxError};

use super::{
    print::reason_text,
    tally::{Counts, Kabupaten, Listed, Recap},
};

/// The count columns, in order, after level, code and name.
pub const COUNT_COLUMNS: [&str; 15] = [
    "prelist",
    "disetujui/approved",
    "status_1",
    "status_2",
    "status_3",
    "status_4",
    "status_5",
    "ruta_baru/new_households",
    "art_baru/members_added",
    "art_keluar/members_removed",
    "art_meninggal/members_deceased",
    "kyc_lengkap/kyc_complete",
    "kyc_wajib/kyc_required",
    "belum_disetujui/pending",
    "dikembalikan/returned",
];

fn count_values(c: &Counts) -> [u64; 15] {
    [
        c.prelist,
        c.approved,
        c.status[0],
        c.status[1],
        c.status[2],
        c.status[3],
        c.status[4],
        c.new_households,
        c.members_added,
        c.members_removed,
        c.members_deceased,
        c.kyc_complete,
        c.kyc_required,
        c.pending,
        c.returned,
    ]
}

/// Every row of the recap: (level, code, name, counts), each kab/kota's desa, then its
/// kecamatan, then itself.
fn rows(recap: &Recap) -> impl Iterator<Item = (&'static str, &str, &str, &Counts)> {
    recap.kabupaten.iter().flat_map(|k: &Kabupaten| {
        let desa = k.desa.iter().map(|r| ("desa", r.code.as_str(), r.name.as_str(), &r.counts));
        let kecamatan =
            k.kecamatan.iter().map(|r| ("kecamatan", r.code.as_str(), r.name.as_str(), &r.counts));
        desa.chain(kecamatan).chain(std::iter::once((
            "kabupaten",
            k.code.as_str(),
            k.name.as_str(),
            &k.total,
        )))
    })
}

/// The recap's table as CSV.
pub fn csv(recap: &Recap, out: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["tingkat/level", "kode/code", "nama/name"];
    header.extend(COUNT_COLUMNS);
    writer.write_record(&header)?;
    for (level, code, name, counts) in rows(recap) {
        let mut record =
            vec![level.to_owned(), code.to_owned(), super::spreadsheet_safe(name).into_owned()];
        record.extend(count_values(counts).iter().map(u64::to_string));
        writer.write_record(&record)?;
    }
    writer.flush()
}

/// Which list of a kab/kota a sheet holds.
type ListOf = fn(&Kabupaten) -> &Vec<Listed>;

/// The list columns.
const LIST_COLUMNS: [&str; 9] = [
    "ID DTKS",
    "Kode desa / Desa code",
    "Desa",
    "Kepala rumah tangga / Head",
    "Alamat / Address",
    "Status",
    "Alasan / Reason",
    "Pencacah / Enumerator",
    "instanceID",
];

/// The recap as an XLSX workbook: "Rekap", then "Tetap", "Usul keluar", "Baru".
pub fn xlsx(recap: &Recap) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let sheet = workbook.add_worksheet().set_name("Rekap")?;
    let mut header = vec!["Tingkat / Level", "Kode / Code", "Nama / Name"];
    header.extend(COUNT_COLUMNS);
    write_header(sheet, &header, &bold)?;
    for (index, (level, code, name, counts)) in rows(recap).enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, level)?;
        sheet.write_string(row, 1, code)?;
        sheet.write_string(row, 2, name)?;
        for (column, value) in count_values(counts).iter().enumerate() {
            sheet.write_number(row, column as u16 + 3, *value as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 3)?;
    let lists: [(&str, ListOf); 3] =
        [("Tetap", |k| &k.stay), ("Usul keluar", |k| &k.removal), ("Baru", |k| &k.new)];
    for (name, list) in lists {
        let sheet = workbook.add_worksheet_with_constant_memory()?.set_name(name)?;
        write_header(sheet, &LIST_COLUMNS, &bold)?;
        let listed = recap.kabupaten.iter().flat_map(|k| list(k).iter());
        for (index, l) in listed.enumerate() {
            write_listed(sheet, index as u32 + 1, l)?;
        }
    }
    workbook.save_to_buffer()
}

fn write_header(
    sheet: &mut Worksheet,
    header: &[&str],
    bold: &CellFormat,
) -> Result<(), XlsxError> {
    for (column, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *title, bold)?;
    }
    Ok(())
}

fn write_listed(sheet: &mut Worksheet, row: u32, l: &Listed) -> Result<(), XlsxError> {
    let cells = [
        l.id_dtks.clone().unwrap_or_default(),
        l.desa.clone(),
        l.desa_name.clone(),
        l.head_name.clone().unwrap_or_default(),
        l.address.clone().unwrap_or_default(),
        l.status.clone().unwrap_or_default(),
        reason_text(l),
        l.enumerator.clone(),
        l.instance_id.clone(),
    ];
    for (column, text) in cells.iter().enumerate() {
        sheet.write_string(row, column as u16, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recap::tally::Row;

    #[test]
    fn the_csv_has_one_row_per_desa_kecamatan_and_kabupaten() {
        let counts =
            Counts { prelist: 4, approved: 2, status: [1, 1, 0, 0, 0], ..Counts::default() };
        let recap = Recap {
            generated_at: 0,
            kabupaten: vec![Kabupaten {
                code: "52.71".into(),
                name: "Kota Mataram".into(),
                total: counts.clone(),
                kecamatan: vec![Row {
                    code: "52.71.01".into(),
                    name: "Ampenan".into(),
                    counts: counts.clone(),
                }],
                desa: vec![Row {
                    code: "52.71.01.1009".into(),
                    name: "Ampenan, Utara".into(),
                    counts,
                }],
                stay: vec![],
                removal: vec![],
                new: vec![],
            }],
        };
        let mut out = Vec::new();
        csv(&recap, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("desa,52.71.01.1009,\"Ampenan, Utara\",4,2,1,1,0"));
        assert!(lines[3].starts_with("kabupaten,52.71,Kota Mataram,4,2"));
        assert!(!xlsx(&recap).unwrap().is_empty());
    }
}
