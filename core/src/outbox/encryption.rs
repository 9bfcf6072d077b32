//! Submission encryption as ODK specifies it and ODK Collect does it (ADR 0014): when a form's
//! `<submission>` carries `base64RsaPublicKey`, no plain text of the instance or of any
//! attachment leaves the phone.
//!
//! At finalize a random AES-256 key is drawn and wrapped with the form's RSA public key
//! (OAEP, SHA-256), the element signature is computed and wrapped the same way, and the
//! small manifest instance the server sees is written. Key and manifest are kept with the
//! queued submission (the store itself is encrypted), so every attempt sends exactly the same
//! bytes: a resend after a lost acknowledgement is the same submission, not a conflicting one.
//! At upload each file is encrypted with AES-256 in CFB mode (128-bit segments) after PKCS#5
//! padding, with an IV derived from the instanceID and the key, one per file: the attachments
//! in manifest order, then `submission.xml`.

use aes::{
    Aes256,
    cipher::{BlockEncrypt, KeyInit, generic_array::GenericArray},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use md5::{Digest, Md5};
use rsa::{Oaep, RsaPublicKey, pkcs8::DecodePublicKey};
use serde::{Deserialize, Serialize};

use super::client::Part;

/// The namespace of the manifest instance.
const ENCRYPTED_NS: &str = "http://www.opendatakit.org/xforms/encrypted";
/// The namespace of its `meta` block.
const OPENROSA_NS: &str = "http://openrosa.org/xforms";
/// The name the encrypted instance travels under.
pub const ENCRYPTED_XML_FILE: &str = "submission.xml.enc";

/// Why a submission cannot be encrypted.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    #[error(
        "Kunci publik formulir tidak dapat dibaca; minta versi formulir yang benar. / The \
         form's public key cannot be read; ask for a corrected form version. ({0})"
    )]
    PublicKey(String),
    #[error("The operating system did not provide random bytes for the submission key.")]
    Random,
    #[error("The stored encryption record of this submission is damaged.")]
    DamagedRecord,
    #[error("The attachment {name} is not the one the encrypted manifest lists.")]
    AttachmentMismatch { name: String },
}

/// What finalize fixes for an encrypted submission: kept with the queued submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealPlan {
    /// The AES-256 key, base64.
    pub key: String,
    /// The instanceID the IVs derive from.
    pub instance_id: String,
    /// The attachments' plain names, in manifest (and IV) order.
    pub media: Vec<String>,
    /// The manifest instance sent as `xml_submission_file`.
    pub manifest: String,
}

/// A submission ready for the wire: the manifest and the `.enc` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub manifest: String,
    pub files: Vec<Part>,
}

/// The form a submission belongs to, as the manifest and the signature name it.
#[derive(Debug, Clone, Copy)]
pub struct FormIdentity<'a> {
    pub form_id: &'a str,
    pub version: Option<&'a str>,
}

/// Draws the key and writes the manifest for a submission of `form` with `instance_id`,
/// whose instance is `submission_xml` and whose attachments are `media` (plain name, bytes).
/// Returns the plan as the JSON the outbox keeps.
pub fn plan(
    public_key_base64: &str,
    form: FormIdentity<'_>,
    instance_id: &str,
    submission_xml: &[u8],
    media: &[(&str, &[u8])],
) -> Result<String, EncryptionError> {
    let public_key = public_key(public_key_base64)?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|_| EncryptionError::Random)?;
    let wrapped_key = wrap(&public_key, &key)?;
    let signature_source = signature_source(form, &wrapped_key, instance_id, submission_xml, media);
    let signature = wrap(&public_key, &Md5::digest(signature_source.as_bytes()))?;
    let names: Vec<String> = media.iter().map(|(name, _)| (*name).to_owned()).collect();
    let manifest = manifest(form, &wrapped_key, instance_id, &names, &signature);
    let plan = SealPlan {
        key: BASE64.encode(key),
        instance_id: instance_id.to_owned(),
        media: names,
        manifest,
    };
    Ok(serde_json::to_string(&plan).expect("a plan serializes"))
}

/// Encrypts `submission_xml` and `attachments` as `plan_json` (from [`plan`]) fixed them.
pub fn seal(
    plan_json: &str,
    submission_xml: &[u8],
    attachments: &[Part],
) -> Result<Sealed, EncryptionError> {
    let plan: SealPlan =
        serde_json::from_str(plan_json).map_err(|_| EncryptionError::DamagedRecord)?;
    let key: [u8; 32] = BASE64
        .decode(&plan.key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or(EncryptionError::DamagedRecord)?;
    let mut ivs = IvSequence::new(&plan.instance_id, &key);
    let mut files = Vec::with_capacity(plan.media.len() + 1);
    for name in &plan.media {
        let part = attachments
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| EncryptionError::AttachmentMismatch { name: name.clone() })?;
        files.push(Part {
            name: format!("{name}.enc"),
            content_type: "application/octet-stream".into(),
            bytes: encrypt_file(&key, &ivs.next_iv(), &part.bytes),
        });
    }
    if let Some(extra) = attachments.iter().find(|p| !plan.media.contains(&p.name)) {
        return Err(EncryptionError::AttachmentMismatch { name: extra.name.clone() });
    }
    files.push(Part {
        name: ENCRYPTED_XML_FILE.into(),
        content_type: "application/octet-stream".into(),
        bytes: encrypt_file(&key, &ivs.next_iv(), submission_xml),
    });
    Ok(Sealed { manifest: plan.manifest, files })
}

fn public_key(base64_der: &str) -> Result<RsaPublicKey, EncryptionError> {
    let der = BASE64
        .decode(base64_der.trim())
        .map_err(|_| EncryptionError::PublicKey("not base64".into()))?;
    RsaPublicKey::from_public_key_der(&der).map_err(|e| EncryptionError::PublicKey(e.to_string()))
}

/// RSA-OAEP with SHA-256 (for the label hash and MGF1), base64.
fn wrap(key: &RsaPublicKey, bytes: &[u8]) -> Result<String, EncryptionError> {
    let wrapped = key
        .encrypt(&mut rand_core::OsRng, Oaep::new::<sha2::Sha256>(), bytes)
        .map_err(|e| EncryptionError::PublicKey(e.to_string()))?;
    Ok(BASE64.encode(wrapped))
}

/// The per-file IVs: the MD5 of the instanceID's UTF-8 bytes followed by the key is the seed;
/// before each file one byte of it is incremented, the first byte for the first file, the
/// second for the second, wrapping round the 16 bytes.
struct IvSequence {
    seed: [u8; 16],
    counter: usize,
}

impl IvSequence {
    fn new(instance_id: &str, key: &[u8; 32]) -> IvSequence {
        let mut md5 = Md5::new();
        md5.update(instance_id.as_bytes());
        md5.update(key);
        IvSequence { seed: md5.finalize().into(), counter: 0 }
    }

    fn next_iv(&mut self) -> [u8; 16] {
        let at = self.counter % self.seed.len();
        self.seed[at] = self.seed[at].wrapping_add(1);
        self.counter += 1;
        self.seed
    }
}

/// AES-256-CFB (128-bit feedback) over the PKCS#5-padded bytes.
fn encrypt_file(key: &[u8; 32], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    let cipher = Aes256::new(GenericArray::from_slice(key));
    let pad = 16 - plain.len() % 16;
    let mut out = Vec::with_capacity(plain.len() + pad);
    out.extend_from_slice(plain);
    out.extend(std::iter::repeat_n(pad as u8, pad));
    let mut feedback = GenericArray::clone_from_slice(iv);
    for block in out.chunks_mut(16) {
        cipher.encrypt_block(&mut feedback);
        for (byte, mask) in block.iter_mut().zip(feedback.iter()) {
            *byte ^= mask;
        }
        feedback.copy_from_slice(block);
    }
    out
}

/// The text whose MD5 is signed: form id, version (when the form has one), the wrapped key,
/// the instanceID, then `name::md5` of each attachment and of `submission.xml`, each on its
/// own line.
fn signature_source(
    form: FormIdentity<'_>,
    wrapped_key: &str,
    instance_id: &str,
    submission_xml: &[u8],
    media: &[(&str, &[u8])],
) -> String {
    let mut text = String::new();
    let mut line = |value: &str| {
        text.push_str(value);
        text.push('\n');
    };
    line(form.form_id);
    if let Some(version) = form.version.filter(|v| !v.trim().is_empty()) {
        line(version);
    }
    line(wrapped_key);
    line(instance_id);
    for (name, bytes) in media {
        line(&format!("{name}::{}", crate::hex::hex(&Md5::digest(bytes))));
    }
    line(&format!("submission.xml::{}", crate::hex::hex(&Md5::digest(submission_xml))));
    text
}

/// The manifest instance: what the server stores in place of the instance, laid out byte for
/// byte as ODK Collect writes it (no XML declaration; a line feed after `meta` and after each
/// media entry).
fn manifest(
    form: FormIdentity<'_>,
    wrapped_key: &str,
    instance_id: &str,
    media: &[String],
    signature: &str,
) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let version = form
        .version
        .filter(|v| !v.trim().is_empty())
        .map(|v| format!(" version=\"{}\"", escape(v)))
        .unwrap_or_default();
    let mut xml = format!(
        "<data id=\"{}\"{version} encrypted=\"yes\" xmlns=\"{ENCRYPTED_NS}\">\
         <base64EncryptedKey>{wrapped_key}</base64EncryptedKey>\
         <orx:meta xmlns:orx=\"{OPENROSA_NS}\"><orx:instanceID>{}</orx:instanceID></orx:meta>\n",
        escape(form.form_id),
        escape(instance_id),
    );
    for name in media {
        xml.push_str(&format!("<media><file>{}.enc</file></media>\n", escape(name)));
    }
    xml.push_str(&format!(
        "<encryptedXmlFile>{ENCRYPTED_XML_FILE}</encryptedXmlFile>\
         <base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>"
    ));
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len() / 2)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn cfb_with_padding_matches_the_nist_vector_for_the_first_block() {
        // NIST SP 800-38A F.3.13, CFB128-AES256.Encrypt, first block.
        let key: [u8; 32] =
            unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
                .try_into()
                .unwrap();
        let iv: [u8; 16] = unhex("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let plain = unhex("6bc1bee22e409f96e93d7e117393172a");
        let sealed = encrypt_file(&key, &iv, &plain);
        assert_eq!(crate::hex::hex(&sealed[..16]), "dc7e84bfda79164b7ecd8486985d3860");
        assert_eq!(sealed.len(), 32, "a full block of padding follows 16 bytes");
    }

    #[test]
    fn each_file_gets_the_next_iv_with_one_more_byte_incremented() {
        let mut ivs = IvSequence::new("uuid:1", &[7; 32]);
        let seed = ivs.seed;
        let first = ivs.next_iv();
        let second = ivs.next_iv();
        assert_eq!(first[0], seed[0].wrapping_add(1));
        assert_eq!(first[1..], seed[1..]);
        assert_eq!((second[0], second[1]), (first[0], seed[1].wrapping_add(1)));
    }
}
