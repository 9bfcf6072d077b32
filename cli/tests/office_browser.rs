//! The office's pages in a real browser (headless Chromium through chromedriver) on a synthetic
//! field period: a viewer (the camat, say) follows the progress, sorts the desa by what remains
//! with the column's link, and opens the printable recap; a stranger gets the login page, not
//! the recap. Screenshots go to `$VERIVALI_SCREENS` (docs/screens when refreshing them).

#[path = "../../receiver/tests/support/browser.rs"]
mod browser;
#[path = "../../receiver/tests/support/web.rs"]
mod web;

use std::path::PathBuf;

use browser::Browser;
use verivali_cli::{fixtures, serve};

const KEY: [u8; 32] = [0x5a; 32];
const PASSWORD: &str = "camat-rahasia-2026";

fn save(name: &str, png: &[u8]) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dir =
        std::env::var_os("VERIVALI_SCREENS").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    std::fs::write(dir.join(name), png).unwrap();
}

fn numbers(browser: &Browser, css: &str) -> Vec<u64> {
    browser.find_all(css).iter().map(|cell| browser.text(cell).trim().parse().unwrap()).collect()
}

#[test]
fn a_viewer_sorts_the_desa_by_what_remains_and_opens_the_printable_recap() {
    let dir = tempfile::tempdir().unwrap();
    let written = fixtures::field_day::write(dir.path(), &KEY, 1200, 5, &mut |_, _| {}).unwrap();
    serve::add_user(dir.path(), &KEY, "camat", serve::Role::Viewer, PASSWORD).unwrap();
    let receiver = serve::Receiver::start(dir.path(), &KEY, "127.0.0.1", 0).unwrap();

    let stranger = web::request(&receiver.url, "GET", "/recap.csv", &[], b"");
    assert_eq!(stranger.status, 303, "no recap without a login");

    let browser = Browser::start(1366, 900);
    browser.go(&format!("{}/login", receiver.url));
    browser.type_into(&browser.find("input[name=user]"), "camat");
    browser.type_into(&browser.find("input[name=password]"), PASSWORD);
    browser.press_enter(&browser.find("form button"));
    browser.wait_for_url("/status");
    browser.go(&format!("{}/progress", receiver.url));
    let totals = browser.text(&browser.find("p strong"));
    assert!(totals.ends_with(&format!("/ {}", written.prelist)), "{totals}");

    let desa = "table.progress:nth-of-type(2)";
    let remaining_link = format!("{desa} thead a[href*=\"sort=remaining\"]");
    browser.click(&browser.find(&remaining_link));
    browser.wait_for_url("order=asc");
    browser.click(&browser.find(&remaining_link));
    browser.wait_for_url("order=desc");
    let remaining = numbers(&browser, &format!("{desa} tbody td:nth-child(4)"));
    assert!(remaining.len() > 10, "{remaining:?}");
    assert!(remaining.windows(2).all(|w| w[0] >= w[1]), "sorted, most first: {remaining:?}");
    let prelist = numbers(&browser, &format!("{desa} tbody td:nth-child(2)"));
    assert_eq!(prelist.iter().sum::<u64>(), written.prelist);
    assert_eq!(browser.find_all(&format!("{desa} .bar")).len(), remaining.len(), "a bar per desa");
    save("office-progress.png", &browser.screenshot());

    browser.go(&format!("{}/recap", receiver.url));
    let heading = browser.text(&browser.find("h1"));
    assert!(heading.starts_with("Rekapitulasi Hasil Verifikasi dan Validasi"), "{heading}");
    let pending = browser.text(&browser.find("p.pending"));
    assert!(pending.contains("belum disetujui"), "{pending}");
    let sheets = browser.find_all("section.sheet").len();
    let last = browser.find_all("footer").pop().unwrap();
    assert_eq!(
        browser.text(&last),
        format!("Halaman {sheets} dari {sheets} / Page {sheets} of {sheets}")
    );
    browser.resize(1123, 794);
    save("office-recap.png", &browser.screenshot());
    browser.go(&format!("{}/recap?area=52.x%3Cb%3E", receiver.url));
    let refused = browser.text(&browser.find("p.problem"));
    assert!(refused.contains("Kode wilayah tidak sah"), "{refused}");
}
