//! A pengawas's decisions go to the server by themselves, in a bundle the phone signs (issue 18),
//! but only to a server that takes bundles: a plain OpenRosa server that answers 404 is
//! remembered, and no bundle is written for it again; the pengawas's own interviews are never
//! put in such a bundle.

#[allow(dead_code)]
#[path = "support/openrosa.rs"]
mod openrosa;

use std::{path::Path, sync::Arc};

use openrosa::Seen;
use verivali_core::api::{FinalizeResult, Verivali};

const PASSPHRASE: &str = "rahasia-desa";

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn phone(dir: &Path, households: &[&str]) -> Arc<Verivali> {
    let phone = Verivali::open(dir.display().to_string(), vec![4; 32], None).unwrap();
    phone
        .install_form(
            root().join("test-fixtures/forms/mini-verivali/form.xml").display().to_string(),
        )
        .unwrap();
    phone
        .import_prelist(
            root().join("test-fixtures/prelist/sample.jsonl").display().to_string(),
            None,
        )
        .unwrap();
    let none_drawn = verivali_core::api::Settings { backcheck_percent: 0, ..phone.settings() };
    phone.update_settings(none_drawn).unwrap();
    for household in households {
        let visit =
            phone.start_interview("mini_verivali".into(), Some((*household).into())).unwrap();
        visit.answer("/data/status_keberadaan".into(), "1".into()).unwrap();
        assert!(matches!(visit.finalize(vec![]).unwrap(), FinalizeResult::Finalized { .. }));
    }
    phone
}

fn carried_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("bundles"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "vvbundle"))
                .count()
        })
        .unwrap_or(0)
}

fn to_bundles(seen: &[Seen]) -> usize {
    seen.iter().filter(|s| s.request_line.contains("/verivali/v1/bundles")).count()
}

#[test]
fn a_server_that_takes_no_bundles_gets_one_try_and_then_only_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let ani = phone(&dir.path().join("ani"), &["5271011009000001", "5271011009000002"]);
    let siti_dir = dir.path().join("siti");
    // The pengawas also did one visit herself: it goes by the outbox, never in a decisions bundle.
    let siti = phone(&siti_dir, &["5271011009000003"]);
    siti.trust_signing_key(ani.signing_public_key().unwrap(), "Ani".into(), false).unwrap();
    let handed =
        ani.export_bundle(dir.path().join("out").display().to_string(), PASSPHRASE.into()).unwrap();
    siti.import_bundle(handed.path, PASSPHRASE.into()).unwrap();
    let team = siti.team_interviews().unwrap();
    siti.review_team_interview(team[0].instance_id.clone(), true, vec![], None).unwrap();

    // A plain OpenRosa server: submissions accepted, our endpoints unknown.
    let server = openrosa::scripted("127.0.0.1:0", |seen, _| {
        if seen.request_line.contains("/submission") {
            openrosa::created()
        } else {
            ("404 Not Found".into(), String::new(), openrosa::message("not found"))
        }
    });
    let sent = siti
        .upload_pending(server.url.clone(), Some("token-siti".into()), 30_000, None, None)
        .unwrap();
    assert_eq!(sent.acknowledged, 1, "the pengawas's own visit went by the outbox");
    let first = server.seen.lock().unwrap().clone();
    assert_eq!(to_bundles(&first), 1, "one try; the 404 says this server takes no bundles");
    assert_eq!(carried_files(&siti_dir), 2, "the team's bundle and one of the decisions");

    // A second decision: nothing more is bundled for this server.
    siti.review_team_interview(team[1].instance_id.clone(), true, vec![], None).unwrap();
    siti.upload_pending(server.url.clone(), Some("token-siti".into()), 30_000, None, None).unwrap();
    assert_eq!(carried_files(&siti_dir), 2, "no new bundle for a server that takes none");
    let outbox = siti.outbox_status().unwrap();
    assert!(outbox.iter().all(|o| o.state == verivali_core::api::UploadState::Sent), "{outbox:?}");
}
