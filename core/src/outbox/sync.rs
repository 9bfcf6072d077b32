//! Sync down: the server's OpenRosa form list, then for each form version not installed yet its
//! XML and the media its manifest names, every file checked against its MD5 and the whole
//! version installed in one transaction. A failed download installs nothing of that form, so
//! the version already installed keeps working; older versions stay for their drafts.

use std::io::Read;

use md5::{Digest, Md5};

use super::client::Server;
use crate::{
    form::dom::Document,
    store::{
        Store,
        interviews::{self, StoredForm},
    },
};

/// The largest file sync down accepts (a desa list is about 3 MB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// (form id, version) installed by this sync.
    pub installed: Vec<(String, String)>,
    pub up_to_date: u32,
    /// (form id, why) for forms that could not be installed; the previous version stays.
    pub failed: Vec<(String, String)>,
}

/// A form the server lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    form_id: String,
    name: String,
    version: String,
    hash: String,
    download_url: String,
    manifest_url: Option<String>,
}

/// Fetches the form list and installs every version not installed yet; `progress` hears each
/// form as it starts (form id, forms done, forms listed).
pub fn sync_down(
    store: &Store,
    agent: &ureq::Agent,
    server: &Server,
    now_ms: i64,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<SyncReport, String> {
    let list_url = format!("{}/formList", server.base_url.trim_end_matches('/'));
    let list = fetch(agent, server, &list_url)?;
    let mut report = SyncReport::default();
    let listed = parse_list(&list)?;
    let installed_forms = store.read(interviews::forms).map_err(|e| e.to_string())?;
    let total = listed.len();
    for (done, form) in listed.into_iter().enumerate() {
        progress(&form.form_id, done, total);
        let installed = installed_forms
            .iter()
            .any(|(_, id, version, _)| *id == form.form_id && *version == form.version);
        if installed {
            report.up_to_date += 1;
            continue;
        }
        match download(agent, server, &form) {
            Ok(stored) => {
                store
                    .write(|tx| interviews::install_form(tx, &stored, now_ms))
                    .map_err(|e| e.to_string())?;
                report.installed.push((form.form_id, form.version));
            }
            Err(reason) => {
                tracing::warn!(form = %form.form_id, "form download failed");
                report.failed.push((form.form_id, reason));
            }
        }
    }
    Ok(report)
}

fn download(agent: &ureq::Agent, server: &Server, form: &Listed) -> Result<StoredForm, String> {
    let xml = fetch(agent, server, &form.download_url)?;
    check_hash(&form.form_id, &xml, &form.hash)?;
    let mut media = Vec::new();
    if let Some(manifest_url) = &form.manifest_url {
        let manifest = fetch(agent, server, manifest_url)?;
        for (name, hash, url) in parse_manifest(&manifest)? {
            let bytes = fetch(agent, server, &url)?;
            check_hash(&name, &bytes, &hash)?;
            media.push((name, bytes));
        }
    }
    Ok(StoredForm {
        row: 0,
        form_id: form.form_id.clone(),
        version: form.version.clone(),
        title: form.name.clone(),
        xml: String::from_utf8(xml).map_err(|_| "the form is not UTF-8 text".to_owned())?,
        media,
    })
}

fn check_hash(what: &str, bytes: &[u8], expected: &str) -> Result<(), String> {
    let actual = crate::hex::hex(&Md5::digest(bytes));
    match expected.strip_prefix("md5:") {
        Some(hex) if hex.eq_ignore_ascii_case(&actual) => Ok(()),
        Some(_) => Err(format!(
            "{what}: isi tidak sesuai hash server / the content does not match the server's hash"
        )),
        None => Ok(()),
    }
}

fn fetch(agent: &ureq::Agent, server: &Server, url: &str) -> Result<Vec<u8>, String> {
    let (url, basic) = super::client::split_credentials(url);
    let mut request = agent.get(&url).header("X-OpenRosa-Version", "1.0");
    let bearer = server.token.as_ref().map(|token| format!("Bearer {token}"));
    if let Some(auth) = bearer.or(basic) {
        request = request.header("Authorization", &auth);
    }
    let mut response = request
        .call()
        .map_err(|e| format!("server tidak terjangkau / the server could not be reached ({e})"))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("server menjawab HTTP {status} / the server answered HTTP {status}"));
    }
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("unduhan terputus / the download broke off ({e})"))?;
    Ok(bytes)
}

fn children_text(doc: &Document, item: crate::form::dom::NodeId, name: &str) -> Option<String> {
    doc.child(item, name).map(|n| doc.string_value(n).trim().to_owned()).filter(|t| !t.is_empty())
}

fn parse_list(bytes: &[u8]) -> Result<Vec<Listed>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the form list is not UTF-8".to_owned())?;
    let doc = Document::parse(text).map_err(|e| format!("the form list is not valid XML: {e}"))?;
    let mut out = Vec::new();
    for &item in &doc.get(doc.root()).children {
        let (Some(form_id), Some(download_url)) =
            (children_text(&doc, item, "formID"), children_text(&doc, item, "downloadUrl"))
        else {
            continue;
        };
        out.push(Listed {
            name: children_text(&doc, item, "name").unwrap_or_else(|| form_id.clone()),
            version: children_text(&doc, item, "version").unwrap_or_default(),
            hash: children_text(&doc, item, "hash").unwrap_or_default(),
            manifest_url: children_text(&doc, item, "manifestUrl"),
            form_id,
            download_url,
        });
    }
    Ok(out)
}

fn parse_manifest(bytes: &[u8]) -> Result<Vec<(String, String, String)>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the manifest is not UTF-8".to_owned())?;
    let doc = Document::parse(text).map_err(|e| format!("the manifest is not valid XML: {e}"))?;
    Ok(doc
        .get(doc.root())
        .children
        .iter()
        .filter_map(|&item| {
            Some((
                children_text(&doc, item, "filename")?,
                children_text(&doc, item, "hash").unwrap_or_default(),
                children_text(&doc, item, "downloadUrl")?,
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_that_does_not_match_its_md5_is_refused() {
        let bytes = b"name,label\n1,A\n";
        let good = crate::hex::hex(&Md5::digest(bytes));
        assert!(check_hash("desa.csv", bytes, &format!("md5:{good}")).is_ok());
        let err = check_hash("desa.csv", b"name,label\n1,B\n", &format!("md5:{good}")).unwrap_err();
        assert!(err.contains("desa.csv") && err.contains("does not match"), "{err}");
    }

    #[test]
    fn a_form_list_and_a_manifest_are_read() {
        let list = br#"<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform><formID>dtks_verivali</formID><name>DTKS</name><version>2</version><hash>md5:00</hash><downloadUrl>http://h/f.xml</downloadUrl><manifestUrl>http://h/m</manifestUrl></xform></xforms>"#;
        let forms = parse_list(list).unwrap();
        assert_eq!((forms[0].form_id.as_str(), forms[0].version.as_str()), ("dtks_verivali", "2"));
        let manifest = br#"<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile><filename>desa.csv</filename><hash>md5:01</hash><downloadUrl>http://h/desa.csv</downloadUrl></mediaFile></manifest>"#;
        assert_eq!(parse_manifest(manifest).unwrap()[0].0, "desa.csv");
        assert!(parse_list(b"<html>").is_err());
    }
}
