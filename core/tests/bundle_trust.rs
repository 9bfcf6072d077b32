//! Bundles that can be trusted (issue 18, ADR 0023): a bundle changed by someone who knows the
//! passphrase no longer verifies, whatever they change: content rewritten with recomputed sums,
//! rows slipped in beside the manifest, manifest rows dropped, objects added to the schema, the
//! signature edited; a bundle re-signed with another key verifies only as that key's. A missing
//! path is an error and creates nothing; random damage never passes as sound with other content.

use std::{path::Path, sync::Arc};

use rusqlite::Connection;
use verivali_core::api::{BundleCheck, FinalizeResult, Verivali, VerivaliError};

const PASSPHRASE: &str = "rahasia-desa";

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A phone with two finalized visits (one with a photo) and their bundle's path.
fn bundle(dir: &Path) -> (Arc<Verivali>, String) {
    let phone = Verivali::open(dir.join("phone").display().to_string(), vec![4; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/mini-verivali/form.xml");
    phone.install_form(form.display().to_string()).unwrap();
    let prelist = root().join("test-fixtures/prelist/sample.jsonl");
    phone.import_prelist(prelist.display().to_string(), None).unwrap();
    for (household, photo) in [("5271011009000001", true), ("5271011009000002", false)] {
        let visit = phone.start_interview("mini_verivali".into(), Some(household.into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        if photo {
            let jpeg = root().join("test-fixtures/photos/exif-6.jpg");
            visit
                .attach_photo("/data/bukti/foto_rumah".into(), jpeg.display().to_string())
                .unwrap();
        }
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
    let out = dir.join("out");
    let info = phone.export_bundle(out.display().to_string(), PASSPHRASE.into()).unwrap();
    (phone, info.path)
}

fn tamper(path: &str, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn check(phone: &Verivali, path: &str) -> BundleCheck {
    phone.verify_bundle(path.into(), PASSPHRASE.into()).unwrap()
}

#[test]
fn a_bundle_as_written_is_sound_and_names_its_signer() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, path) = bundle(dir.path());
    let checked = check(&phone, &path);
    assert!(checked.sound, "{checked:?}");
    assert_eq!((checked.submissions, checked.attachments), (2, 1));
    assert_eq!(checked.signer_key, Some(phone.signing_public_key().unwrap()));
    assert_eq!(checked.signer_device, Some(phone.device_id()));
}

#[test]
fn each_kind_of_tampering_is_refused_and_named() {
    let variants: [(&str, &str, &str); 7] = [
        (
            "content rewritten with its sums recomputed",
            "UPDATE submissions SET xml = CAST(replace(CAST(xml AS TEXT), '>4<', '>1<') AS BLOB);
             UPDATE manifest SET sha256 = (SELECT lower(hex(sha3(xml))) FROM submissions s
                 WHERE s.instance_id = manifest.instance_id) WHERE part = 'xml';",
            "",
        ),
        (
            "an attachment slipped in beside the manifest",
            "INSERT INTO attachments SELECT instance_id, 'tambahan.jpg', bytes FROM attachments LIMIT 1;",
            "tambahan.jpg is not in the manifest",
        ),
        (
            "a submission slipped in beside the manifest",
            "INSERT INTO submissions SELECT 'uuid:palsu', form_id, version, xml, NULL FROM submissions LIMIT 1;",
            "submission uuid:palsu is not in the manifest",
        ),
        (
            "a manifest row dropped",
            "DELETE FROM manifest WHERE rowid = (SELECT max(rowid) FROM manifest);",
            "not in the manifest",
        ),
        (
            "an object added to the schema",
            "CREATE TRIGGER t AFTER INSERT ON submissions BEGIN SELECT 1; END;",
            "an object not in its format: trigger t",
        ),
        (
            "the signature edited",
            "UPDATE signature SET signature = '00' || substr(signature, 3);",
            "the signature does not match",
        ),
        ("a second signature", "INSERT INTO signature SELECT * FROM signature;", "2 signatures"),
    ];
    for (what, sql, named) in variants {
        let dir = tempfile::tempdir().unwrap();
        let (phone, path) = bundle(dir.path());
        // SQLCipher has no sha3(); recompute sums the way an attacker would, outside SQL.
        if sql.contains("sha3(") {
            rewrite_with_recomputed_sums(&path);
        } else {
            tamper(&path, sql);
        }
        let checked = check(&phone, &path);
        assert!(!checked.sound, "{what}: {checked:?}");
        let said = format!("{:?} {:?}", checked.problems, checked.damaged);
        assert!(said.contains(named), "{what}: {said}");
    }
}

/// Changes a visit's status and writes the manifest's sum and length to match, as someone who
/// knows the passphrase (but not the device's key) would.
fn rewrite_with_recomputed_sums(path: &str) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    let (id, xml): (String, Vec<u8>) = conn
        .query_row("SELECT instance_id, xml FROM submissions LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let changed = String::from_utf8(xml).unwrap().replace(
        "<status_keberadaan>4</status_keberadaan>",
        "<status_keberadaan>1</status_keberadaan>",
    );
    conn.execute(
        "UPDATE submissions SET xml = ?2 WHERE instance_id = ?1",
        rusqlite::params![id, changed.as_bytes()],
    )
    .unwrap();
    conn.execute(
        "UPDATE manifest SET sha256 = ?2, bytes = ?3 WHERE instance_id = ?1 AND part = 'xml'",
        rusqlite::params![
            id,
            verivali_form::hex::sha256_hex(changed.as_bytes()),
            changed.len() as i64
        ],
    )
    .unwrap();
}

#[test]
fn content_rewritten_with_recomputed_sums_fails_only_on_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, path) = bundle(dir.path());
    rewrite_with_recomputed_sums(&path);
    let checked = check(&phone, &path);
    assert!(checked.damaged.is_empty(), "the sums were made to match");
    assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
    assert!(checked.problems[0].contains("changed after it was signed"));
    assert_eq!(checked.signer_key, None);
}

#[test]
fn a_bundle_re_signed_by_another_device_verifies_only_as_that_device() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, path) = bundle(dir.path());
    let other_dir = tempfile::tempdir().unwrap();
    let (other, other_path) = bundle(other_dir.path());
    // Another device's whole signature over the same content does not fit this manifest…
    let foreign: (String, String, i64, String) = {
        let conn = Connection::open(&other_path).unwrap();
        conn.pragma_update(None, "key", PASSPHRASE).unwrap();
        conn.query_row("SELECT * FROM signature", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
    };
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "key", PASSPHRASE).unwrap();
    conn.execute(
        "UPDATE signature SET device_id = ?1, public_key = ?2, created_at = ?3, signature = ?4",
        rusqlite::params![foreign.0, foreign.1, foreign.2, foreign.3],
    )
    .unwrap();
    drop(conn);
    let checked = check(&phone, &path);
    assert!(!checked.sound);
    // …and the other device's own bundle names the other device, never this one.
    let theirs = check(&other, &other_path);
    assert!(theirs.sound);
    assert_ne!(theirs.signer_key, Some(phone.signing_public_key().unwrap()));
}

#[test]
fn verifying_a_missing_path_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, _) = bundle(dir.path());
    let missing = dir.path().join("tidak-ada.vvbundle");
    let refused = phone.verify_bundle(missing.display().to_string(), PASSPHRASE.into());
    match refused {
        Err(VerivaliError::NotFound { what }) => assert!(what.contains("tidak-ada.vvbundle")),
        other => panic!("{other:?}"),
    }
    assert!(!missing.exists(), "nothing was created");
}

#[test]
fn random_damage_never_passes_as_sound_with_other_content() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, path) = bundle(dir.path());
    let original = std::fs::read(&path).unwrap();
    let sound = check(&phone, &path);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let damaged = dir.path().join("damaged.vvbundle");
    let (mut refused, mut unharmed) = (0, 0);
    // Each try derives the passphrase's key (PBKDF2): a few dozen keep the suite quick, also
    // under qemu.
    for _ in 0..60 {
        let mut bytes = original.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] ^= 1 << (next() % 8);
        }
        std::fs::write(&damaged, &bytes).unwrap();
        match phone.verify_bundle(damaged.display().to_string(), PASSPHRASE.into()) {
            Ok(checked) if checked.sound => {
                // Only damage SQLCipher did not need to read (unused space) may pass, and then
                // the content is exactly what was signed.
                assert_eq!(
                    (checked.submissions, checked.attachments),
                    (sound.submissions, sound.attachments)
                );
                assert_eq!(checked.signer_key, sound.signer_key);
                unharmed += 1;
            }
            _ => refused += 1,
        }
    }
    assert!(refused > 45, "refused {refused}, unharmed {unharmed}");
}
