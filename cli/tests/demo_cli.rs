//! `verivali demo` end to end, as a new user runs it: a real process, a real loopback receiver
//! and real stores. The receiver must hold exactly the demo's submissions, each with its
//! photos and its checks file, and the visits must cover every status and a new household.

use std::{collections::BTreeMap, path::Path, process::Command};

fn demo(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verivali"))
        .args(["demo", "--json", "--pace", "0", "--dir"])
        .arg(dir)
        .output()
        .unwrap()
}

struct Submission {
    xml: String,
    attachments: Vec<(String, Vec<u8>)>,
}

fn receiver_holds(dir: &Path) -> BTreeMap<String, Submission> {
    // The demo's receiver is encrypted with the publicly known trial key, as its device is.
    let conn = verivali_cli::serve::store::open(
        &dir.join("receiver"),
        &verivali_cli::key::INSECURE_DEV_KEY,
    )
    .unwrap();
    // The current version of each visit (a correction replaces the version it corrects).
    let mut stmt = conn
        .prepare(
            "SELECT instance_id, xml FROM submissions WHERE instance_id NOT IN
             (SELECT deprecated_id FROM submissions WHERE deprecated_id IS NOT NULL)
             AND enumerator = 'Pencacah Demo'",
        )
        .unwrap();
    let rows: Vec<(String, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    rows.into_iter()
        .map(|(id, xml)| {
            let mut stmt = conn
                .prepare("SELECT name, bytes FROM attachments WHERE instance_id = ?1 ORDER BY name")
                .unwrap();
            let attachments = stmt
                .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (id, Submission { xml: String::from_utf8(xml).unwrap(), attachments })
        })
        .collect()
}

fn tag<'x>(xml: &'x str, name: &str) -> &'x str {
    xml.split(&format!("<{name}>")).nth(1).and_then(|rest| rest.split('<').next()).unwrap_or("")
}

#[test]
fn the_demo_sends_every_visit_once_with_its_photos_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().join("demo");
    let run = demo(&dir);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("DEMO KEY") && stderr.contains("KUNCI DEMO"), "the loud notice");
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["uploads"]["acknowledged"], 8, "{summary}");
    assert_eq!(summary["offline"]["retry_later"], 8, "queued while offline");
    assert!(summary["status_page"].as_str().unwrap().ends_with("/status"));
    // The blank spot: two visits handed over by bundle, one returned by bundle and corrected,
    // each stored once on the receiver, the pengawas's approvals recorded there.
    let blank = &summary["blank_spot"];
    assert_eq!(blank["handed"], 2, "{blank}");
    assert_eq!(blank["received"], 3, "two visits and one correction, each once: {blank}");
    assert_eq!(blank["approved"], 2, "{blank}");
    assert_ne!(blank["returned"], blank["correction"]);
    assert_eq!(blank["back_check"]["differ"], 1, "the floor differs: {blank}");
    assert!(blank["back_check"]["asked"].as_u64().unwrap() >= 5, "{blank}");
    // The review loop: a visit returned, corrected on the device, sent as an edit, approved.
    let review = &summary["review"];
    assert!(review["sampled"].as_u64().unwrap() >= 3, "statuses 3-5 at least: {review}");
    assert_eq!(review["corrections_acknowledged"], 1);
    assert_eq!(review["per_state"]["approved"], 1, "{review}");
    assert_eq!(review["per_state"].get("returned"), None, "the returned version was replaced");
    // The office's recap: approved interviews counted, the others pending, the page written.
    let recap = &summary["recap"];
    let (approved, pending) =
        (recap["approved"].as_u64().unwrap(), recap["pending"].as_u64().unwrap());
    assert!(approved >= 3, "the review loop's and the blank spot's approvals: {recap}");
    assert!(pending > 0, "the sample left some waiting: {recap}");
    let page = std::fs::read_to_string(recap["file"].as_str().unwrap()).unwrap();
    assert!(
        page.contains(&format!("{pending} wawancara belum disetujui")),
        "the page says what waits"
    );
    let returned = review["returned"].as_str().unwrap();
    let correction = review["correction"].as_str().unwrap();
    assert_ne!(returned, correction);
    let conn = verivali_cli::serve::store::open(
        &dir.join("receiver"),
        &verivali_cli::key::INSECURE_DEV_KEY,
    )
    .unwrap();
    let edit_of: String = conn
        .query_row(
            "SELECT deprecated_id FROM submissions WHERE instance_id = ?1",
            [correction],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(edit_of, returned, "the correction names the returned version");
    drop(conn);
    assert!(stderr.contains("demo / demo-verivali"), "how to log in to the status page");
    // The demo's device got its prelist from the receiver, through sync.
    assert!(stderr.contains("prelist 200"), "{stderr}");
    let receiver = verivali_cli::serve::store::open(
        &dir.join("receiver"),
        &verivali_cli::key::INSECURE_DEV_KEY,
    )
    .unwrap();
    let role: String =
        receiver.query_row("SELECT role FROM users WHERE name = 'demo'", [], |r| r.get(0)).unwrap();
    assert_eq!(role, "operator");

    let outbox: Vec<String> = summary["next"]["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert!(stderr.contains(&outbox.join(" ")), "the demo prints the outbox command");
    let listed =
        Command::new(env!("CARGO_BIN_EXE_verivali")).args(&outbox).arg("--json").output().unwrap();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let entries: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let states: Vec<&str> =
        entries.as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["sent"; 8], "the printed command shows the demo's outbox");

    let held = receiver_holds(&dir);
    assert_eq!(held.len(), 8, "exactly the demo's visits");
    // The new household has no ID DTKS, only the provisional identifier: its first instanceID.
    let new_household = |xml: &str| {
        tag(xml, "id_dtks").is_empty() && tag(xml, "id_sementara") == tag(xml, "instanceID")
    };
    let mut statuses: Vec<(&str, bool)> =
        held.values().map(|s| (tag(&s.xml, "status_keberadaan"), new_household(&s.xml))).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("1", false),
            ("1", false),
            ("1", false),
            ("2", false),
            ("2", true),
            ("3", false),
            ("4", false),
            ("5", false)
        ]
    );
    for submission in held.values() {
        let names: Vec<&str> = submission.attachments.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"verivali-checks.json"), "{names:?}");
        let photos: Vec<&(String, Vec<u8>)> =
            submission.attachments.iter().filter(|(n, _)| n.ends_with(".jpg")).collect();
        let expected = if tag(&submission.xml, "status_keberadaan") == "3" { 0 } else { 3 };
        assert_eq!(photos.len(), expected, "{names:?}");
        for (name, bytes) in photos {
            assert!(submission.xml.contains(&format!(">{name}<")), "the instance names {name}");
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
        }
    }
    // The warnings travel with their reasons.
    let reasons: Vec<String> = held
        .values()
        .flat_map(|s| s.attachments.iter().filter(|(n, _)| n == "verivali-checks.json"))
        .map(|(_, bytes)| serde_json::from_slice::<serde_json::Value>(bytes).unwrap())
        .flat_map(|checks| checks["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["severity"] == "warning")
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["reason"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.starts_with("status.1_changed Ejaan")), "{reasons:?}");

    // A second run empties its own folder and ends the same.
    assert!(demo(&dir).status.success());
    assert_eq!(receiver_holds(&dir).len(), 8);
}

#[test]
fn the_demo_refuses_a_folder_that_is_not_its_own() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.docx"), b"precious").unwrap();
    let run = demo(dir.path());
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--dir"));
    assert!(dir.path().join("thesis.docx").exists());
}
