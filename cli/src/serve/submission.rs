//! One OpenRosa submission arriving at the receiver: read the multipart body within bounds,
//! find the form and the instanceID, check the device's area, keep only the attachments the
//! instance names (a binary field's value, or an encrypted manifest's files, as ODK Central
//! keeps them), and store it idempotently; an edit (`meta/deprecatedID`) must name a submission
//! this receiver holds.

use std::io::Read;

use rusqlite::Connection;
use tiny_http::Request;
use verivali_core::api::now_ms;
use verivali_form::dom::Document;

use super::{
    MAX_SUBMISSION_BYTES, Reply, authorized, internal, multipart, openrosa, read_path, store,
};

pub(crate) fn receive(conn: &mut Connection, request: &mut Request) -> Reply {
    let device = match authorized(conn, request) {
        Ok(device) => device,
        Err(refusal) => return refusal,
    };
    let content_type = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .map(|h| h.value.as_str().to_owned())
        .unwrap_or_default();
    let mut body = Vec::new();
    let limit = MAX_SUBMISSION_BYTES as u64 + 1;
    if request.as_reader().take(limit).read_to_end(&mut body).is_err() {
        return openrosa(400, "error", "Kiriman terputus / The submission was cut off");
    }
    if body.len() > MAX_SUBMISSION_BYTES {
        return openrosa(413, "error", "Kiriman terlalu besar / The submission is too large");
    }
    let Some(parts) = multipart::boundary(&content_type).and_then(|b| multipart::parse(&body, &b))
    else {
        return openrosa(
            400,
            "error",
            "Bukan kiriman multipart yang sah / Not a valid multipart submission",
        );
    };
    if let Err(refusal) = check_part_names(&parts) {
        return refusal;
    }
    let Some(xml) = parts.iter().find(|p| p.name == "xml_submission_file") else {
        return openrosa(400, "error", "Tidak ada xml_submission_file / No xml_submission_file");
    };
    let Some(instance) = std::str::from_utf8(&xml.bytes).ok().and_then(|t| Document::parse(t).ok())
    else {
        return openrosa(400, "error", "XML kiriman tidak sah / The submission XML is not valid");
    };
    let form_id = instance.attribute(instance.root(), "id").unwrap_or("").to_owned();
    let Some(instance_id) = read_path(&instance, "/*/meta/instanceID") else {
        return openrosa(
            400,
            "error",
            "Kiriman tanpa meta/instanceID / The submission has no meta/instanceID",
        );
    };
    let deprecated_id = read_path(&instance, "/*/meta/deprecatedID");
    let published = match store::published(conn, &form_id) {
        Ok(Some(published)) => published,
        Ok(None) => {
            return openrosa(
                404,
                "error",
                &format!(
                    "Formulir {form_id} belum diterbitkan di server ini / Form {form_id} is not published on this server"
                ),
            );
        }
        Err(error) => return internal(error),
    };
    // An encrypted submission's manifest carries no answers: its area cannot be checked here.
    let encrypted = instance.attribute(instance.root(), "encrypted") == Some("yes");
    let desa = published.desa_path.as_deref().and_then(|p| read_path(&instance, p));
    if let Some(desa) = &desa
        && !device.covers(desa)
    {
        return openrosa(
            403,
            "error",
            &format!(
                "Desa {desa} di luar wilayah tugas perangkat ini / Desa {desa} is outside this device's area"
            ),
        );
    }
    let status = published.status_path.as_deref().and_then(|p| read_path(&instance, p));
    let named = if encrypted {
        encrypted_files(&instance)
    } else {
        named_files(&instance, &published.binary_paths)
    };
    let attachments: Vec<(String, Vec<u8>)> = parts
        .iter()
        .filter(|p| p.name != "xml_submission_file" && named.contains(&p.name))
        .map(|p| (p.name.clone(), p.bytes.clone()))
        .collect();
    let dropped = parts.len() - 1 - attachments.len();
    if dropped > 0 {
        tracing::info!(dropped, "parts the instance does not name were not kept");
    }
    let incoming = store::Incoming {
        instance_id: &instance_id,
        deprecated_id: deprecated_id.as_deref(),
        form_id: &form_id,
        enumerator: &device.enumerator,
        xml: &xml.bytes,
        desa: desa.as_deref(),
        status: status.as_deref(),
        attachments: &attachments,
    };
    match store::store_submission(conn, &incoming, now_ms()) {
        Ok(store::Stored::New) => openrosa(201, "", "Diterima / Received"),
        Ok(store::Stored::Duplicate) => {
            openrosa(201, "", "Sudah diterima sebelumnya / Already received")
        }
        Ok(store::Stored::Conflict) => openrosa(
            409,
            "error",
            "instanceID yang sama dengan isi berbeda sudah ada / The same instanceID already exists with other content",
        ),
        Ok(store::Stored::OtherDevice) => openrosa(
            409,
            "error",
            "instanceID ini sudah dikirim oleh perangkat lain / This instanceID was already sent by another device",
        ),
        Ok(store::Stored::ChangedAttachment(name)) => openrosa(
            409,
            "error",
            &format!(
                "Lampiran {name} sudah diterima dengan isi lain dan tidak diganti / The attachment {name} was already received with other content and is not replaced"
            ),
        ),
        Ok(store::Stored::UnknownDeprecated) => openrosa(
            404,
            "error",
            "Kiriman yang dikoreksi (deprecatedID) tidak ada di server ini / The submission this edit replaces (deprecatedID) is not on this server",
        ),
        Err(error) => internal(error),
    }
}

/// Attachment names a receiver can keep: no path separator, no NUL or other control character,
/// not `.` or `..`, at most 255 bytes, each once in a submission. The refusal names the part by
/// its position (a bad name is not echoed back).
fn check_part_names(parts: &[multipart::FormPart]) -> Result<(), Reply> {
    let mut seen = std::collections::HashSet::new();
    for (index, part) in parts.iter().enumerate() {
        let name = &part.name;
        if !usable_name(name) || part.filename.as_deref().is_some_and(|f| !usable_name(f)) {
            return Err(openrosa(
                400,
                "error",
                &format!(
                    "Nama lampiran ke-{} tidak dapat dipakai / The name of part {} cannot be used (no paths, control characters or more than 255 bytes)",
                    index + 1,
                    index + 1
                ),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(openrosa(
                400,
                "error",
                &format!("Lampiran {name} dikirim dua kali / The attachment {name} is sent twice"),
            ));
        }
    }
    Ok(())
}

fn usable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// The values of the instance's binary fields (photos, the checks file): the attachments it
/// names. `binary_paths` are generic paths (`/data/members/foto`), repeats included.
fn named_files(instance: &Document, binary_paths: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![(instance.root(), format!("/{}", instance.get(instance.root()).name))];
    while let Some((node, path)) = stack.pop() {
        let element = instance.get(node);
        if element.children.is_empty() {
            let value = element.text.trim();
            if !value.is_empty() && binary_paths.contains(&path) {
                names.push(value.to_owned());
            }
            continue;
        }
        for &child in &element.children {
            stack.push((child, format!("{path}/{}", instance.get(child).name)));
        }
    }
    names
}

/// The files of an encrypted submission's manifest: each `media/file` and `encryptedXmlFile`.
fn encrypted_files(manifest: &Document) -> Vec<String> {
    let root = manifest.root();
    let mut names = Vec::new();
    for &child in &manifest.get(root).children {
        match &*manifest.get(child).name {
            "media" => {
                if let Some(file) = manifest.child(child, "file") {
                    names.push(manifest.string_value(file).trim().to_owned());
                }
            }
            "encryptedXmlFile" => names.push(manifest.string_value(child).trim().to_owned()),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_of_binary_fields_name_attachments() {
        let doc = Document::parse(
            "<data><a>x.jpg</a><m><f>y.jpg</f></m><m><f>z.jpg</f></m><note>w.jpg</note></data>",
        )
        .unwrap();
        let mut names = named_files(&doc, &["/data/a".into(), "/data/m/f".into()]);
        names.sort();
        assert_eq!(names, ["x.jpg", "y.jpg", "z.jpg"]);
    }

    #[test]
    fn an_encrypted_manifest_names_its_enc_files() {
        let doc = Document::parse(
            r#"<data id="f" encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted"><base64EncryptedKey>k</base64EncryptedKey><media><file>a.jpg.enc</file></media><encryptedXmlFile>submission.xml.enc</encryptedXmlFile></data>"#,
        )
        .unwrap();
        assert_eq!(encrypted_files(&doc), ["a.jpg.enc", "submission.xml.enc"]);
    }
}
