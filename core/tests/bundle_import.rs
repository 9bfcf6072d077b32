//! Importing a bundle on a phone (issue 18, ADR 0023): only from a trusted key, never the
//! phone's own, whole or not at all, and once; random damage never imports part of a bundle.

use std::{path::Path, sync::Arc};

use verivali_core::api::{FinalizeResult, Verivali};

const PASSPHRASE: &str = "rahasia-desa";

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A phone with the mini form, the sample prelist and `households` finalized.
fn phone(dir: &Path, households: &[&str]) -> Arc<Verivali> {
    let phone = Verivali::open(dir.display().to_string(), vec![4; 32], None).unwrap();
    let form = root().join("test-fixtures/forms/mini-verivali/form.xml");
    phone.install_form(form.display().to_string()).unwrap();
    let prelist = root().join("test-fixtures/prelist/sample.jsonl");
    phone.import_prelist(prelist.display().to_string(), None).unwrap();
    for household in households {
        let visit =
            phone.start_interview("mini_verivali".into(), Some((*household).into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "4".into()).unwrap();
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
    phone
}

#[test]
fn a_phone_imports_only_trusted_bundles_whole_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let ayu = phone(&dir.path().join("ayu"), &["5271011009000001", "5271011009000002"]);
    let siti = phone(&dir.path().join("siti"), &[]);
    let written =
        ayu.export_bundle(dir.path().join("out").display().to_string(), PASSPHRASE.into());
    let path = written.unwrap().path;

    let untrusted = siti.import_bundle(path.clone(), PASSPHRASE.into()).unwrap_err();
    assert!(untrusted.to_string().contains("does not trust"), "{untrusted}");
    assert!(siti.team_interviews().unwrap().is_empty());
    let own = ayu.import_bundle(path.clone(), PASSPHRASE.into()).unwrap_err();
    assert!(own.to_string().contains("written on this phone"), "{own}");
    let bad_key = siti.trust_signing_key("not-a-key".into(), "Ayu".into(), false);
    assert!(bad_key.is_err());

    siti.trust_signing_key(ayu.signing_public_key().unwrap(), "Ayu".into(), false).unwrap();
    let first = siti.import_bundle(path.clone(), PASSPHRASE.into()).unwrap();
    assert_eq!((first.submissions, first.new, first.signer_label.as_str()), (2, 2, "Ayu"));
    let again = siti.import_bundle(path.clone(), PASSPHRASE.into()).unwrap();
    assert_eq!((again.submissions, again.new), (2, 0));
    assert_eq!(siti.team_interviews().unwrap().len(), 2);
    let wrong = siti.import_bundle(path, "salah-sandi".into()).unwrap_err();
    assert!(wrong.to_string().contains("passphrase"), "{wrong}");
}

/// Rounds of random damage: each opens the bundle with SQLCipher's key stretching, which takes
/// seconds under the armv7 emulator in CI; the x86-64 run does them all.
const DAMAGE_ROUNDS: u32 = if cfg!(target_arch = "x86_64") { 200 } else { 25 };

#[test]
fn randomly_damaged_bundles_never_import_partially_on_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let ayu = phone(&dir.path().join("ayu"), &["5271011009000001", "5271011009000002"]);
    let siti = phone(&dir.path().join("siti"), &[]);
    siti.trust_signing_key(ayu.signing_public_key().unwrap(), "Ayu".into(), false).unwrap();
    let written =
        ayu.export_bundle(dir.path().join("out").display().to_string(), PASSPHRASE.into());
    let original = std::fs::read(written.unwrap().path).unwrap();
    let damaged = dir.path().join("damaged.vvbundle");
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let mut refused = 0;
    for round in 0..DAMAGE_ROUNDS {
        let mut bytes = original.clone();
        for _ in 0..=next(4) {
            let at = next(bytes.len() as u64) as usize;
            bytes[at] ^= 1 << next(8);
        }
        std::fs::write(&damaged, &bytes).unwrap();
        if siti.import_bundle(damaged.display().to_string(), PASSPHRASE.into()).is_err() {
            refused += 1;
        }
        let held = siti.team_interviews().unwrap().len();
        assert!(held == 0 || held == 2, "round {round}: {held} of 2 interviews imported");
    }
    assert!(
        refused * 10 > DAMAGE_ROUNDS * 9,
        "random damage is almost always noticed: {refused} of {DAMAGE_ROUNDS} refused"
    );
}
