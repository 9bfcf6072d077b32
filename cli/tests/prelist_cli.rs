//! The `verivali prelist` commands as a user runs them: real binary, real files, real store.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

const KEY: &str = "4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263646566676869";

fn verivali(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verivali"));
    cmd.arg("--data").arg(data).env_remove("VERIVALI_KEY");
    cmd
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-fixtures/prelist/sample.jsonl")
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
}

fn import_sample(data: &Path) -> Output {
    verivali(data)
        .env("VERIVALI_KEY", KEY)
        .args(["prelist", "import"])
        .arg(sample())
        .output()
        .unwrap()
}

#[test]
fn without_a_key_the_cli_refuses_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let out = verivali(dir.path()).args(["prelist", "import"]).arg(sample()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (_, err) = text(&out);
    assert!(err.contains("Tidak ada kunci") && err.contains("No database key"), "{err}");
    assert!(!dir.path().join("verivali.db").exists(), "nothing is created without a key");
}

#[test]
fn sample_imports_and_is_found_by_nik_name_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let out = import_sample(dir.path());
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("200 new, 0 updated, 0 rejected"), "{stdout}");

    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(sample()).unwrap().lines().next().unwrap())
            .unwrap();
    let id = first["id_dtks"].as_str().unwrap();
    let member = &first["members"][0];
    let nik = member["nik"].as_str().unwrap();
    let given = member["nama"].as_str().unwrap().split(' ').next().unwrap();

    let search = |query: &str| -> serde_json::Value {
        let out = verivali(dir.path())
            .env("VERIVALI_KEY", KEY)
            .args(["prelist", "search", query, "--json", "--page-size", "200"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{:?}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let by_nik = search(nik);
    assert_eq!(by_nik["hits"][0]["id_dtks"], id);
    assert_eq!(by_nik["hits"][0]["matched_by"], "nik");
    let by_id = search(id);
    assert_eq!(by_id["hits"][0]["matched_by"], "id_dtks");
    let by_name = search(&given[..3]);
    assert!(by_name["hits"].as_array().unwrap().iter().any(|h| h["id_dtks"] == id));

    let again = import_sample(dir.path());
    assert!(text(&again).0.contains("0 new, 200 updated"), "re-import updates");
}

#[test]
fn wrong_key_is_refused_without_touching_the_store() {
    let dir = tempfile::tempdir().unwrap();
    assert!(import_sample(dir.path()).status.success());
    let out = verivali(dir.path())
        .env("VERIVALI_KEY", "a different passphrase")
        .args(["prelist", "search", "siti"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (_, err) = text(&out);
    assert!(err.contains("Kunci basis data salah") && err.contains("key is wrong"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn insecure_dev_key_works_but_warns() {
    let dir = tempfile::tempdir().unwrap();
    let out = verivali(dir.path())
        .args(["--insecure-dev-key", "prelist", "search", "siti"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(text(&out).1.contains("WARNING"));
}

#[test]
fn rejected_lines_are_listed_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.jsonl");
    let good = std::fs::read_to_string(sample()).unwrap().lines().next().unwrap().to_owned();
    std::fs::write(&file, format!("{good}\n{{\"id_dtks\": 12}}\n")).unwrap();
    let out = verivali(&dir.path().join("data"))
        .env("VERIVALI_KEY", KEY)
        .args(["prelist", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let (stdout, _) = text(&out);
    assert!(stdout.contains("1 new, 0 updated, 1 rejected"), "{stdout}");
    assert!(stdout.contains("broken.jsonl:2:"), "{stdout}");
}

#[test]
fn csv_import_needs_its_members_file() {
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("rt.csv");
    std::fs::write(&households, "id_dtks,lokasi/desa\nH-1,3201012001\n").unwrap();
    let out = verivali(dir.path())
        .env("VERIVALI_KEY", KEY)
        .args(["prelist", "import"])
        .arg(&households)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let members = dir.path().join("art.csv");
    std::fs::write(&members, "id_dtks,nama,nik\nH-1,Siti Aminah,3201015208800002\n").unwrap();
    let out = verivali(dir.path())
        .env("VERIVALI_KEY", KEY)
        .args(["prelist", "import"])
        .arg(&households)
        .arg("--members")
        .arg(&members)
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
}
