//! `verivali interview` driven through a pseudo-terminal, keys and all, as a person uses it:
//! find a household, answer, open the menu, switch language, finalize; then the stored
//! interview is checked through the API.

mod support;

use support::fixtures;

use std::{process::Command, time::Duration};

use rexpect::session::{PtySession, spawn_command};
use verivali_core::api::{UploadState, Verivali};

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

/// The binary on `data` in an 80×24 xterm.
fn verivali(data: &std::path::Path) -> Command {
    let mut command = support::verivali(data);
    command.env("TERM", "xterm-256color").env("COLUMNS", "80").env("LINES", "24");
    command
}

fn import_sample(data: &std::path::Path) {
    let out = verivali(data)
        .args(["prelist", "import"])
        .arg(fixtures().join("prelist/sample.jsonl"))
        .output()
        .unwrap();
    assert!(out.status.success());
}

fn keys(p: &mut PtySession, text: &str) {
    p.send(text).unwrap();
    p.flush().unwrap();
    // Let the prompt redraw before the next key, as a person would.
    std::thread::sleep(Duration::from_millis(150));
}

/// Esc, then the menu item `item` (typed to filter, then Enter).
fn menu(p: &mut PtySession, item: &str) {
    keys(p, ESC);
    p.exp_string("Menu:").unwrap();
    keys(p, item);
    keys(p, ENTER);
}

fn device(data: &std::path::Path) -> std::sync::Arc<Verivali> {
    Verivali::open(data.display().to_string(), verivali_cli::key::INSECURE_DEV_KEY.to_vec(), None)
        .unwrap()
}

#[test]
fn a_household_found_by_search_is_answered_and_finalized_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    import_sample(dir.path());
    let mut command = verivali(dir.path());
    command.arg("interview").arg("--form").arg(fixtures().join("forms/mini-verivali/form.xml"));
    let mut p = spawn_command(command, Some(20_000)).unwrap();

    p.exp_string("Cari rumah tangga").unwrap();
    keys(&mut p, "Wayan Santoso");
    keys(&mut p, ENTER);
    p.exp_string("5271011009000001").unwrap();
    // Filter the hits down to the one household, then choose it.
    keys(&mut p, "5271011009000001");
    keys(&mut p, ENTER);
    p.exp_string("Wawancara / Interview uuid:").unwrap();
    // The status question: filter to "4", choose.
    p.exp_string("Status keberadaan").unwrap();
    keys(&mut p, "4 ");
    keys(&mut p, ENTER);
    // The first member's number is preloaded; Esc opens the menu instead.
    p.exp_string("No. ART").unwrap();
    menu(&mut p, "Final");
    p.exp_string("Final: wawancara").unwrap();
    p.exp_eof().unwrap();

    let device = device(dir.path());
    let outbox = device.outbox_status().unwrap();
    assert_eq!(outbox.len(), 1, "finalized means queued");
    assert_eq!(outbox[0].state, UploadState::Queued);
    let xml = device.interview(outbox[0].interview_id.clone()).unwrap().submission_xml().unwrap();
    assert!(xml.contains("<id_dtks>5271011009000001</id_dtks>"), "{xml}");
    assert!(xml.contains("<status_keberadaan>4</status_keberadaan>"), "{xml}");
}

#[test]
fn a_refused_answer_is_shown_inline_and_the_form_language_switches_to_english() {
    let dir = tempfile::tempdir().unwrap();
    import_sample(dir.path());
    let mut command = verivali(dir.path());
    command
        .args(["interview", "--new", "--form"])
        .arg(fixtures().join("forms/dtks-verivali/form.xml"));
    let mut p = spawn_command(command, Some(30_000)).unwrap();
    p.exp_string("Wawancara / Interview uuid:").unwrap();
    p.exp_string("ID DTKS").unwrap();
    menu(&mut p, "Bahasa");
    p.exp_string("Bahasa / Language:").unwrap();
    keys(&mut p, "English");
    keys(&mut p, ENTER);
    // The same screen again, its label now in English.
    p.exp_string("DTKS ID").unwrap();
    // A new household has no ID DTKS: left empty, on through block I and II (Enter takes a
    // select's first choice) to the status.
    for label in ["Province", "Regency/city", "District", "Village", "Neighbourhood unit"]
        .into_iter()
        .chain(["Address", "Visit date", "verification officer", "Household status"])
    {
        keys(&mut p, ENTER);
        p.exp_string(label).unwrap();
    }
    keys(&mut p, "3 ");
    keys(&mut p, ENTER);
    p.exp_string("Why the household was not found").unwrap();
    // Required and left empty: refused inline, and asked again.
    keys(&mut p, ENTER);
    p.exp_string("Wajib diisi / Required").unwrap();
    p.exp_string("Why the household was not found").unwrap();
    menu(&mut p, "Keluar");
    p.exp_string("Draf tersimpan / Draft saved").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn opening_a_household_again_goes_on_with_its_draft() {
    let dir = tempfile::tempdir().unwrap();
    import_sample(dir.path());
    let form = fixtures().join("forms/mini-verivali/form.xml");
    let run = |dir: &std::path::Path| {
        let mut command = verivali(dir);
        command.args(["interview", "--household", "5271011009000001", "--form"]).arg(&form);
        spawn_command(command, Some(20_000)).unwrap()
    };
    let mut p = run(dir.path());
    p.exp_string("Status keberadaan").unwrap();
    keys(&mut p, "4 ");
    keys(&mut p, ENTER);
    p.exp_string("No. ART").unwrap();
    menu(&mut p, "Keluar");
    p.exp_string("Draf tersimpan / Draft saved").unwrap();
    p.exp_eof().unwrap();

    let mut p = run(dir.path());
    p.exp_string("This household has a draft").unwrap();
    keys(&mut p, ENTER);
    p.exp_string("Status keberadaan").unwrap();
    menu(&mut p, "Final");
    p.exp_string("Final: wawancara").unwrap();
    p.exp_eof().unwrap();

    let device = device(dir.path());
    assert_eq!(device.interviews().unwrap().len(), 1, "one interview, resumed, not two");
    let xml = device.interview(device.outbox_status().unwrap()[0].interview_id.clone()).unwrap();
    assert!(xml.submission_xml().unwrap().contains("<status_keberadaan>4</status_keberadaan>"));
}
