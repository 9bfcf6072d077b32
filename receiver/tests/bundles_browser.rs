//! Offline bundles and back-checks at the office in a real browser (headless Chromium through
//! chromedriver): a pengawas back from a blank spot uploads an enumerator's bundle and the
//! pengawas's phone's bundle at `/bundles` (the file picked through the file input, as a
//! person does), and reads the back-check report at `/backchecks`. Screenshots go to
//! `$VERIVALI_SCREENS` (docs/screens when refreshing them), else a temporary folder.

mod support;

use std::path::PathBuf;

use support::{KEY, Office, browser::Browser, phone};
use verivali_core::api::BackcheckAnswer;
use verivali_receiver::{self as serve, Role, TokenRights};

const PASSWORD: &str = "pengawas-rahasia-1";
const PASSPHRASE: &str = "tim-desa-kenanga";

fn save(name: &str, png: &[u8]) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dir =
        std::env::var_os("VERIVALI_SCREENS").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    std::fs::write(dir.join(name), png).unwrap();
}

#[test]
fn a_pengawas_uploads_the_teams_bundles_in_a_browser_and_reads_the_back_checks() {
    let office = Office::new();
    serve::add_user(office.path(), &KEY, "siti", Role::Pengawas, PASSWORD).unwrap();
    let rights =
        TokenRights { areas: vec!["52.71".into()], pengawas: true, ..TokenRights::default() };
    let siti_token = serve::add_token_with(office.path(), &KEY, "Siti", &rights).unwrap();
    let receiver = office.start();
    let dir = tempfile::tempdir().unwrap();
    let ayu = phone(&dir.path().join("ayu"), &["5271011009000001", "5271011009000002"]);
    let siti = phone(&dir.path().join("siti"), &[]);
    ayu.fetch_returns(receiver.url.clone(), Some(office.ayu.clone())).unwrap();
    siti.fetch_returns(receiver.url.clone(), Some(siti_token)).unwrap();
    siti.trust_signing_key(ayu.signing_public_key().unwrap(), "Ayu".into(), false).unwrap();
    let out = dir.path().join("out");
    let from_ayu = ayu.export_bundle(out.display().to_string(), PASSPHRASE.into()).unwrap();
    siti.import_bundle(from_ayu.path.clone(), PASSPHRASE.into()).unwrap();
    // Siti back-checks both households: the first says status 1 (the enumerator wrote 4).
    for (index, entry) in siti.team_interviews().unwrap().iter().enumerate() {
        siti.pick_backcheck(entry.instance_id.clone()).unwrap();
        let status = if index == 0 { "1" } else { "4" };
        let answer =
            BackcheckAnswer { key: "field:/data/status_keberadaan".into(), value: status.into() };
        siti.submit_backcheck(entry.instance_id.clone(), vec![answer]).unwrap();
    }
    let from_siti = siti.export_bundle(out.display().to_string(), PASSPHRASE.into()).unwrap();
    assert_eq!(from_siti.backchecks, 2);

    let browser = Browser::start(1366, 900);
    browser.go(&format!("{}/login", receiver.url));
    browser.type_into(&browser.find("input[name=user]"), "siti");
    browser.type_into(&browser.find("input[name=password]"), PASSWORD);
    browser.press_enter(&browser.find("form button"));
    browser.wait_for_url("/status");
    for (file, expected) in [(&from_ayu.path, "2 new"), (&from_siti.path, "back-checks: 2")] {
        browser.go(&format!("{}/bundles", receiver.url));
        browser.type_into(&browser.find("input[name=passphrase]"), PASSPHRASE);
        browser.type_into(&browser.find("input[name=bundle]"), file);
        browser.press_enter(&browser.find("form[enctype] button"));
        let done = browser.wait_for_text("p.done", "imported");
        assert!(done.contains(expected), "{done}");
    }
    save("office-bundles.png", &browser.screenshot());
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let held: i64 = conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(held, 2);

    browser.go(&format!("{}/backchecks", receiver.url));
    let rates = browser.text(&browser.find("table"));
    assert!(rates.contains("Ayu") && rates.contains("50.0 %"), "{rates}");
    assert_eq!(browser.find_all("tr.changed").len(), 1, "one household differs");
    save("office-backchecks.png", &browser.screenshot());
}
