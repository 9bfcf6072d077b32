//! What the receiver's tests share: fixtures, a receiver set up as an office would set it up
//! (the mini form, the sample prelist, devices for two areas), and multipart posts over raw
//! sockets.

#![allow(dead_code)]

pub mod browser;
pub mod web;

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use verivali_receiver::{self as serve, Receiver, ServeOptions};

/// The key the tests' receivers encrypt their databases with.
pub const KEY: [u8; 32] = [7; 32];

/// The repository's `test-fixtures/`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures")
}

pub fn mini_form() -> PathBuf {
    fixtures().join("forms/mini-verivali/form.xml")
}

/// A household of the sample prelist (desa 52.71.01.1009).
pub const OWN_HOUSEHOLD: &str = "5271011009000001";
/// A household of another kabupaten (desa 11.01.01.2001), added by [`Office::new`].
pub const OTHER_HOUSEHOLD: &str = "1101012001000001";

/// A receiver's folder with the mini form, the sample prelist and one household elsewhere,
/// and tokens for Ayu (52.71) and Budi (11.01).
pub struct Office {
    pub dir: tempfile::TempDir,
    pub ayu: String,
    pub budi: String,
}

impl Office {
    pub fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        serve::publish_form(dir.path(), &KEY, &mini_form()).unwrap();
        serve::add_prelist(dir.path(), &KEY, &fixtures().join("prelist/sample.jsonl"), None)
            .unwrap();
        let other = dir.path().join("other.jsonl");
        std::fs::write(
            &other,
            format!(
                r#"{{"id_dtks":"{OTHER_HOUSEHOLD}","lokasi":{{"desa":"11.01.01.2001"}},"members":[{{"nama":"X","hubungan_krt":"1"}}]}}"#
            ),
        )
        .unwrap();
        serve::add_prelist(dir.path(), &KEY, &other, None).unwrap();
        let ayu = serve::add_token(dir.path(), &KEY, "Ayu", &["52.71".into()]).unwrap();
        let budi = serve::add_token(dir.path(), &KEY, "Budi", &["11.01".into()]).unwrap();
        Office { dir, ayu, budi }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn start(&self) -> Receiver {
        Receiver::start(self.path(), &KEY, "127.0.0.1", 0).unwrap()
    }

    pub fn start_with(&self, options: ServeOptions) -> Receiver {
        Receiver::start_with(self.path(), &KEY, options).unwrap()
    }

    /// How many submissions the receiver holds.
    pub fn stored(&self) -> i64 {
        let conn = serve::store::open(self.path(), &KEY).unwrap();
        conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap()
    }
}

/// A mini-form instance for `household` (empty: a new household) in `desa`.
pub fn instance(instance_id: &str, household: &str, desa: &str) -> String {
    format!(
        r#"<data id="mini_verivali" version="1"><id_dtks>{household}</id_dtks><status_keberadaan>4</status_keberadaan><lokasi><desa>{desa}</desa></lokasi><bukti><foto_rumah/></bukti><meta><instanceID>{instance_id}</instanceID></meta></data>"#
    )
}

/// A multipart body: the instance, then each attachment.
pub fn multipart(xml: &[u8], attachments: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "verivali-test-boundary";
    let mut body = Vec::new();
    let mut part = |name: &str, bytes: &[u8]| {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part("xml_submission_file", xml);
    for (name, bytes) in attachments {
        part(name, bytes);
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs a submission with `token`; the reply.
pub fn submit(url: &str, token: &str, xml: &str, attachments: &[(&str, &[u8])]) -> web::Reply {
    let (content_type, body) = multipart(xml.as_bytes(), attachments);
    let auth = format!("Bearer {token}");
    web::request(
        url,
        "POST",
        "/submission",
        &[("Authorization", &auth), ("X-OpenRosa-Version", "1.0"), ("Content-Type", &content_type)],
        &body,
    )
}

/// A phone (the core's API on a real store in `dir`) with the mini form, the sample prelist,
/// and `households` finalized with status 4, the first with a photo.
pub fn phone(dir: &Path, households: &[&str]) -> std::sync::Arc<verivali_core::api::Verivali> {
    use verivali_core::api::{FinalizeResult, Verivali};
    let phone = Verivali::open(dir.display().to_string(), vec![4; 32], None).unwrap();
    phone.install_form(mini_form().display().to_string()).unwrap();
    let prelist = fixtures().join("prelist/sample.jsonl");
    phone.import_prelist(prelist.display().to_string(), None).unwrap();
    for (index, household) in households.iter().enumerate() {
        let visit =
            phone.start_interview("mini_verivali".into(), Some((*household).into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        if index == 0 {
            let jpeg = fixtures().join("photos/exif-6.jpg");
            visit
                .attach_photo("/data/bukti/foto_rumah".into(), jpeg.display().to_string())
                .unwrap();
        }
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
    phone
}
