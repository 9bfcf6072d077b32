//! The demo's scripted visits: one per existence status, a new household, a warning confirmed
//! with a reason, and an error fixed before finalizing. Answers come from the prelist records
//! (the KYC of each household's own pengurus), so the rules judge real data.

use serde_json::Value as Json;
use verivali_core::api::GeopointInput;

/// One thing the enumerator does.
#[derive(Debug, Clone)]
pub enum Step {
    Answer(String, String),
    AddRepeat(String),
    /// A question and the name of an embedded photo.
    Photo(String, &'static str),
    Location(String, GeopointInput),
}

/// One scripted visit.
#[derive(Debug, Clone)]
pub struct Script {
    /// What the visit shows, Bahasa Indonesia / English.
    pub title: &'static str,
    pub household: Option<String>,
    pub status: &'static str,
    pub steps: Vec<Step>,
    /// Done after the first finalize is blocked by an error.
    pub fix: Vec<Step>,
    /// Given for every warning when finalizing.
    pub reason: Option<&'static str>,
}

fn answer(reference: &str, value: &str) -> Step {
    Step::Answer(reference.to_owned(), value.to_owned())
}

fn text<'j>(json: &'j Json, pointer: &str) -> &'j str {
    json.pointer(pointer).and_then(Json::as_str).unwrap_or_default()
}

/// The KYC block from the household's pengurus, as the enumerator copies it from the KTP.
fn kyc(record: &Json) -> Vec<Step> {
    let pengurus = text(record, "/pengurus");
    let members = record["members"].as_array().cloned().unwrap_or_default();
    let Some(member) = members.iter().find(|m| text(m, "/no_art") == pengurus) else {
        return Vec::new();
    };
    vec![
        answer("/data/kyc/nama", text(member, "/nama")),
        answer("/data/kyc/nik", text(member, "/nik")),
        answer("/data/kyc/tanggal_lahir", text(member, "/tanggal_lahir")),
        answer("/data/kyc/nama_ibu_kandung", text(member, "/nama_ibu_kandung")),
        answer("/data/kyc/alamat", text(record, "/lokasi/alamat")),
    ]
}

/// Photos of the house and the KK, and the house's location (near Mataram, a little apart
/// for each visit).
fn evidence(visit: usize) -> Vec<Step> {
    let offset = visit as f64 * 0.0007;
    vec![
        Step::Photo("/data/bukti/foto_depan_rumah".into(), "depan.jpg"),
        Step::Photo("/data/bukti/foto_samping_rumah".into(), "samping.jpg"),
        Step::Photo("/data/bukti/foto_kk".into(), "kk.jpg"),
        Step::Location(
            "/data/bukti/lokasi_rumah".into(),
            GeopointInput {
                latitude: -8.5833 - offset,
                longitude: 116.1167 + offset,
                altitude: 14.0,
                accuracy: 4.0 + visit as f64 / 2.0,
            },
        ),
    ]
}

pub fn found(record: &Json, status: &str, visit: usize) -> Vec<Step> {
    let mut steps = vec![answer("/data/status_keberadaan", status)];
    steps.extend(kyc(record));
    steps.extend(evidence(visit));
    steps
}

/// The visits, from the first records of the sample prelist (at least nine).
pub fn scripts(records: &[Json]) -> Vec<Script> {
    let id = |i: usize| text(&records[i], "/id_dtks").to_owned();
    let renamed = format!("{} Putra", text(&records[1], "/members/2/nama"));
    let changed_name = format!("{} Putri", text(&records[2], "/members/0/nama"));
    let mut almh = kyc(&records[7]);
    let mother = text(&records[7], "/members/0/nama_ibu_kandung").to_owned();
    almh[3] = answer("/data/kyc/nama_ibu_kandung", &format!("Almh. {mother}"));
    vec![
        Script {
            title: "Ditemukan, tanpa perubahan / Found, unchanged",
            household: Some(id(0)),
            status: "1",
            steps: found(&records[0], "1", 0),
            fix: Vec::new(),
            reason: None,
        },
        Script {
            title: "Ditemukan, ada perubahan / Found, with changes",
            household: Some(id(1)),
            status: "2",
            steps: [found(&records[1], "2", 1), vec![answer("/data/members[3]/nama", &renamed)]]
                .concat(),
            fix: Vec::new(),
            reason: None,
        },
        Script {
            title: "Status 1 tetapi ada perubahan: peringatan dengan alasan / \
                    Status 1 with a change: a warning confirmed with a reason",
            household: Some(id(2)),
            status: "1",
            steps: [
                found(&records[2], "1", 2),
                vec![answer("/data/members[1]/nama", &changed_name)],
            ]
            .concat(),
            fix: Vec::new(),
            reason: Some("Ejaan nama diperbaiki sesuai KK; status tetap 1 atas arahan pengawas."),
        },
        Script {
            title: "Tidak ditemukan / Not found",
            household: Some(id(3)),
            status: "3",
            steps: vec![
                answer("/data/status_keberadaan", "3"),
                answer("/data/alasan_tidak_ditemukan", "Pindah ke luar kota sejak 2024"),
            ],
            fix: Vec::new(),
            reason: None,
        },
        Script {
            title: "Ditemukan, sudah mampu / Found, no longer poor",
            household: Some(id(4)),
            status: "4",
            steps: [vec![answer("/data/status_keberadaan", "4")], evidence(4)].concat(),
            fix: Vec::new(),
            reason: None,
        },
        Script {
            title: "Ganda dengan rumah tangga lain / A duplicate of another household",
            household: Some(id(5)),
            status: "5",
            steps: [
                vec![answer("/data/status_keberadaan", "5"), answer("/data/id_dtks_ganda", &id(6))],
                evidence(5),
            ]
            .concat(),
            fix: Vec::new(),
            reason: Some("Keluarga pindah ke rumah mertua; anggota tercatat dengan NIK baru."),
        },
        Script {
            title: "Rumah tangga baru (usulan baru) / A new household",
            household: None,
            status: "2",
            steps: new_household(),
            fix: Vec::new(),
            reason: Some("Rumah tangga baru; data dicocokkan dengan KK asli."),
        },
        Script {
            title: "Kesalahan diperbaiki sebelum final / An error fixed before finalizing",
            household: Some(id(7)),
            status: "1",
            steps: [vec![answer("/data/status_keberadaan", "1")], almh, evidence(7)].concat(),
            fix: vec![answer("/data/kyc/nama_ibu_kandung", &mother)],
            reason: None,
        },
    ]
}

/// A household not in the prelist: location, two members, housing, the pengurus and KYC.
fn new_household() -> Vec<Step> {
    let mut steps = vec![
        // No ID DTKS: the form gives the proposal a provisional identifier (`id_sementara`) and the
        // Dinas Sosial assigns the registry's (docs/adr/0016-provisional-id-for-new-households.md).
        answer("/data/status_keberadaan", "2"),
        answer("/data/lokasi/provinsi", "52"),
        answer("/data/lokasi/kabupaten", "52.71"),
        answer("/data/lokasi/kecamatan", "52.71.01"),
        answer("/data/lokasi/desa", "52.71.01.1009"),
        answer("/data/lokasi/nama_sls", "RT 003 RW 001"),
        answer("/data/lokasi/alamat", "Gg. Melati No. 4"),
    ];
    let members = [
        ["1", "Made Wirawan", "5271011505850003", "1", "1985-05-15", "1", "2", "Ni Luh Sari"],
        ["2", "Komang Ayu", "5271014708900002", "2", "1990-08-07", "2", "2", "Wayan Rini"],
    ];
    for (i, m) in members.iter().enumerate() {
        let at = |field: &str| format!("/data/members[{}]/{field}", i + 1);
        if i > 0 {
            steps.push(Step::AddRepeat("/data/members".into()));
        }
        for (field, value) in [
            ("no_art", m[0]),
            ("nama", m[1]),
            ("status_keberadaan_art", "1"),
            ("nik", m[2]),
            ("no_kk", "5271010101250001"),
            ("jenis_kelamin", m[3]),
            ("tanggal_lahir", m[4]),
            ("hubungan_krt", m[5]),
            ("status_kawin", m[6]),
            ("nama_ibu_kandung", m[7]),
        ] {
            steps.push(answer(&at(field), value));
        }
    }
    for (field, value) in [
        ("status_bangunan", "1"),
        ("luas_lantai", "36"),
        ("lantai", "3"),
        ("dinding", "7"),
        ("atap", "2"),
        ("sumber_air_minum", "8"),
        ("sumber_penerangan", "3"),
        ("fasilitas_bab", "1"),
    ] {
        steps.push(answer(&format!("/data/perumahan/{field}"), value));
    }
    for (field, value) in [("kks", "2"), ("pkh", "2"), ("bpnt", "2"), ("pbi", "2")] {
        steps.push(answer(&format!("/data/program/{field}"), value));
    }
    steps.extend([
        answer("/data/pengurus", "1"),
        answer("/data/kyc/nama", "Made Wirawan"),
        answer("/data/kyc/nik", "5271011505850003"),
        answer("/data/kyc/tanggal_lahir", "1985-05-15"),
        answer("/data/kyc/nama_ibu_kandung", "Ni Luh Sari"),
        answer("/data/kyc/alamat", "Gg. Melati No. 4"),
    ]);
    steps.extend(evidence(6));
    steps
}
