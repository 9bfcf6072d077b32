//! The kab/kota office's day against things nobody here wrote (issue 19): a synthetic field
//! period (`verivali fixtures field-day`), the recap and the exports written by the real
//! command line, then recomputed by an independent Python script from the raw exports
//! (`tools/recap/recompute.py`, openpyxl reading the XLSX), and the printable recap printed to
//! PDF by headless Chromium, one PDF page per sheet the page declares.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

const HOUSEHOLDS: &str = "1500";
const SEED: &str = "11";

fn verivali(data: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(data)
        .arg("--key-file")
        .arg(data.with_extension("key"))
        .args(args)
        .output()
        .expect("the verivali binary runs");
    assert!(
        output.status.success(),
        "verivali {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A receiver's folder after a field period, with its key file beside it.
fn field_day(dir: &Path) -> PathBuf {
    let data = dir.join("office");
    std::fs::write(data.with_extension("key"), "7a".repeat(32)).unwrap();
    let out =
        verivali(&data, &["fixtures", "field-day", "--households", HOUSEHOLDS, "--seed", SEED]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains(&format!("{HOUSEHOLDS} prelist households")), "{summary}");
    data
}

fn python() -> &'static str {
    if Command::new("/usr/bin/python3")
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success())
    {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

#[test]
fn the_recap_equals_an_independent_recomputation_from_the_raw_exports() {
    let dir = tempfile::tempdir().unwrap();
    let data = field_day(dir.path());
    let file = |name: &str| dir.path().join(name).display().to_string();
    verivali(
        &data,
        &["serve", "report", "export", "--rows", "households", "--out", &file("households.csv")],
    );
    verivali(
        &data,
        &["serve", "report", "export", "--rows", "members", "--out", &file("members.csv")],
    );
    for format in ["json", "csv", "xlsx"] {
        let out = file(&format!("recap.{format}"));
        verivali(&data, &["serve", "report", "recap", "--format", format, "--out", &out]);
    }
    let prelist = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .args([
            "fixtures",
            "prelist",
            "--households",
            HOUSEHOLDS,
            "--seed",
            SEED,
            "--out",
            &file("prelist.jsonl"),
        ])
        .output()
        .unwrap();
    assert!(prelist.status.success());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/recap/recompute.py");
    let checked = Command::new(python())
        .arg(script)
        .args(["--prelist", &file("prelist.jsonl"), "--households", &file("households.csv")])
        .args(["--members", &file("members.csv"), "--recap-json", &file("recap.json")])
        .args(["--recap-csv", &file("recap.csv"), "--recap-xlsx", &file("recap.xlsx")])
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{said}{}", String::from_utf8_lossy(&checked.stderr));
    assert!(said.contains("all equal"), "{said}");

    // The recap counts approved interviews only, and says how many wait.
    let recap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("recap.json")).unwrap()).unwrap();
    let total = &recap["kabupaten"][0]["total"];
    assert!(total["pending"].as_u64().unwrap() > 0, "{total}");
    let approved = total["approved"].as_u64().unwrap();
    let by_status: u64 =
        total["status"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(by_status, approved, "every approved household has a status");
}

fn recap_total(data: &Path) -> serde_json::Value {
    let out = verivali(data, &["serve", "report", "recap", "--format", "json"]);
    let recap: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    recap["kabupaten"][0].clone()
}

#[test]
fn accepting_the_unsampled_interviews_moves_them_from_pending_into_the_recap_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = field_day(dir.path());
    let before = recap_total(&data);
    let kabupaten = before["code"].as_str().unwrap().to_owned();
    let queue = verivali(
        &data,
        &["serve", "review", "list", "--state", "not_sampled", "--json", "--limit", "1"],
    );
    let queue = serde_json::from_slice::<serde_json::Value>(&queue.stdout).unwrap();
    let unsampled = queue["matching"].as_u64().unwrap();
    assert!(unsampled > 0, "the field day leaves some interviews not sampled");

    let refused = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(&data)
        .arg("--key-file")
        .arg(data.with_extension("key"))
        .args(["serve", "review", "accept-unsampled", "--area", "52.x"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("bukan kode wilayah"));

    // The code as people type it, without dots.
    let undotted = kabupaten.replace('.', "");
    let said = verivali(
        &data,
        &["serve", "review", "accept-unsampled", "--area", &undotted, "--as", "Kabid Linjamsos"],
    );
    assert!(String::from_utf8_lossy(&said.stdout).starts_with(&format!("{unsampled} wawancara")));
    let after = recap_total(&data);
    let pending = |t: &serde_json::Value| t["total"]["pending"].as_u64().unwrap();
    let approved = |t: &serde_json::Value| t["total"]["approved"].as_u64().unwrap();
    assert_eq!(pending(&after), pending(&before) - unsampled);
    assert!(approved(&after) > approved(&before));
    assert!(approved(&after) <= approved(&before) + unsampled, "a household counts once");
    let unknown = Command::new(env!("CARGO_BIN_EXE_verivali"))
        .arg("--data")
        .arg(&data)
        .arg("--key-file")
        .arg(data.with_extension("key"))
        .args(["serve", "report", "export", "--form", "nope", "--out"])
        .arg(dir.path().join("nope.csv"))
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Form nope is not published here"));
    assert!(!dir.path().join("nope.csv").exists() && !dir.path().join("nope.part").exists());
    let again = verivali(&data, &["serve", "review", "accept-unsampled", "--area", &kabupaten]);
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 wawancara"), "nothing twice");
}

#[test]
fn the_printable_recap_prints_to_pdf_one_page_per_sheet() {
    let Ok(chromium) = which_chromium() else {
        panic!("chromium is needed: apt-get install chromium");
    };
    let dir = tempfile::tempdir().unwrap();
    let data = field_day(dir.path());
    let html = dir.path().join("rekap.html");
    verivali(
        &data,
        &[
            "serve",
            "report",
            "recap",
            "--format",
            "html",
            "--out",
            &html.display().to_string(),
            "--signer-office",
            "Bupati Banyumas",
            "--place",
            "Purwokerto",
        ],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let sheets = page.matches("<section class=\"sheet\">").count();
    assert!(page.contains(&format!("Halaman {sheets} dari {sheets}")));
    assert!(page.contains("Bupati Banyumas") && page.contains("Purwokerto"), "the signature block");
    let pdf = dir.path().join("rekap.pdf");
    let printed = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--no-first-run", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", dir.path().join("chromium").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(
        pdf_pages(&bytes),
        sheets,
        "one printed page per sheet: totals and page numbers hold"
    );
    if let Ok(keep) = std::env::var("VERIVALI_SCREENS") {
        std::fs::copy(&pdf, Path::new(&keep).join("office-recap.pdf")).unwrap();
    }
}

/// The PDF's page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut pages = 0;
    for (at, _) in pdf.windows(5).enumerate().filter(|(_, w)| w == b"/Type") {
        let rest = &pdf[at + 5..];
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        if rest.starts_with(b"/Page") && rest.get(5).is_none_or(|b| *b != b's') {
            pages += 1;
        }
    }
    pages
}

fn which_chromium() -> Result<PathBuf, ()> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or(())
}
