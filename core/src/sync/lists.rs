//! The OpenRosa form list and a form's manifest, read into plain records. Both come from a
//! server the device only partly trusts: sizes are bounded by the caller, and an entry
//! missing what the device needs (an id, a URL, a hash) is named, not guessed.

use super::SyncError;
use crate::form::dom::{Document, NodeId};

/// A form the server lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedForm {
    pub form_id: String,
    pub name: String,
    pub version: String,
    pub hash: String,
    pub download_url: String,
    pub manifest_url: Option<String>,
}

/// A file a form's manifest names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub filename: String,
    /// `md5:…` for a file; for an entity list, an opaque value that changes with its content.
    pub hash: String,
    pub download_url: String,
    /// ODK Central marks dataset-backed files `type="entityList"`: their hash is not an MD5.
    pub entity_list: bool,
}

fn text_of(doc: &Document, item: NodeId, name: &str) -> Option<String> {
    doc.child(item, name).map(|n| doc.string_value(n).trim().to_owned()).filter(|t| !t.is_empty())
}

fn parse_xml(bytes: &[u8], what: &'static str) -> Result<Document, SyncError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SyncError::NotOpenRosa { what })?;
    Document::parse(text).map_err(|_| SyncError::NotOpenRosa { what })
}

/// The forms of an OpenRosa `<xforms>` list.
pub fn parse_form_list(bytes: &[u8]) -> Result<Vec<ListedForm>, SyncError> {
    let doc = parse_xml(bytes, "daftar formulir / form list")?;
    if &*doc.get(doc.root()).name != "xforms" {
        return Err(SyncError::NotOpenRosa { what: "daftar formulir / form list" });
    }
    let mut out = Vec::new();
    for &item in &doc.get(doc.root()).children {
        let (Some(form_id), Some(download_url)) =
            (text_of(&doc, item, "formID"), text_of(&doc, item, "downloadUrl"))
        else {
            continue;
        };
        out.push(ListedForm {
            name: text_of(&doc, item, "name").unwrap_or_else(|| form_id.clone()),
            version: text_of(&doc, item, "version").unwrap_or_default(),
            hash: text_of(&doc, item, "hash").unwrap_or_default(),
            manifest_url: text_of(&doc, item, "manifestUrl"),
            form_id,
            download_url,
        });
    }
    Ok(out)
}

/// The files of a `<manifest>`; an entry without a file name, hash or URL is an error that
/// names the entry, since installing without it would be installing a form that cannot work.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<ManifestEntry>, SyncError> {
    let doc = parse_xml(bytes, "manifest")?;
    let mut out = Vec::new();
    for (index, &item) in doc.get(doc.root()).children.iter().enumerate() {
        if &*doc.get(item).name != "mediaFile" {
            continue;
        }
        let filename = text_of(&doc, item, "filename")
            .ok_or(SyncError::ManifestEntry { entry: index + 1, missing: "filename" })?;
        if filename.contains(['/', '\\']) || filename.starts_with('.') {
            return Err(SyncError::ManifestEntry {
                entry: index + 1,
                missing: "a plain file name",
            });
        }
        let hash = text_of(&doc, item, "hash")
            .ok_or(SyncError::ManifestEntry { entry: index + 1, missing: "hash" })?;
        let download_url = text_of(&doc, item, "downloadUrl")
            .ok_or(SyncError::ManifestEntry { entry: index + 1, missing: "downloadUrl" })?;
        let entity_list = doc.attribute(item, "type") == Some("entityList");
        out.push(ManifestEntry { filename, hash, download_url, entity_list });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_list_and_a_manifest_with_an_entity_list_are_read() {
        let list = br#"<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform><formID>dtks_verivali</formID><name>DTKS</name><version>2</version><hash>md5:00</hash><downloadUrl>http://h/f.xml</downloadUrl><manifestUrl>http://h/m</manifestUrl></xform></xforms>"#;
        let forms = parse_form_list(list).unwrap();
        assert_eq!((forms[0].form_id.as_str(), forms[0].version.as_str()), ("dtks_verivali", "2"));
        let manifest = br#"<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile><filename>desa.csv</filename><hash>md5:01</hash><downloadUrl>http://h/desa.csv</downloadUrl></mediaFile><mediaFile type="entityList"><filename>rumah.csv</filename><hash>md5:9a1f</hash><downloadUrl>http://h/rumah.csv</downloadUrl></mediaFile></manifest>"#;
        let entries = parse_manifest(manifest).unwrap();
        assert_eq!(entries[0].filename, "desa.csv");
        assert!(!entries[0].entity_list && entries[1].entity_list);
        assert!(matches!(parse_form_list(b"<html>"), Err(SyncError::NotOpenRosa { .. })));
        assert!(matches!(
            parse_form_list(b"<html><body>login</body></html>"),
            Err(SyncError::NotOpenRosa { .. })
        ));
    }

    #[test]
    fn a_manifest_entry_without_a_hash_or_with_a_path_is_refused_by_its_position() {
        let no_hash = br#"<manifest><mediaFile><filename>a.csv</filename><downloadUrl>http://h/a</downloadUrl></mediaFile></manifest>"#;
        let error = parse_manifest(no_hash).unwrap_err();
        assert!(matches!(error, SyncError::ManifestEntry { entry: 1, missing: "hash" }), "{error}");
        let path = br#"<manifest><mediaFile><filename>../a.csv</filename><hash>md5:1</hash><downloadUrl>http://h/a</downloadUrl></mediaFile></manifest>"#;
        assert!(matches!(parse_manifest(path), Err(SyncError::ManifestEntry { .. })));
    }
}
