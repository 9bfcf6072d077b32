//! Prelist import and search against a real encrypted store.

use std::{cell::RefCell, io::Write, path::PathBuf};

use serde_json::json;

use super::*;
use crate::store::{Store, test_support::test_key};

struct Fixture {
    dir: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data"), &test_key()).unwrap();
        Fixture { dir, store }
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::File::create(&path).unwrap().write_all(content).unwrap();
        path
    }

    fn import(&self, lines: &[String]) -> ImportReport {
        let path = self.file("prelist.jsonl", lines.join("\n").as_bytes());
        import_jsonl(&self.store, &path, &NoProgress).unwrap()
    }

    fn search(&self, text: &str) -> SearchPage {
        self.search_in(text, None, 0, 20)
    }

    fn search_in(&self, text: &str, area: Option<&str>, page: u32, page_size: u32) -> SearchPage {
        let query = SearchQuery { text: text.into(), area: area.map(Into::into), page, page_size };
        self.store.read(|c| search(c, &query)).unwrap().unwrap()
    }

    fn ids(&self, text: &str) -> Vec<String> {
        self.search(text).hits.into_iter().map(|h| h.id_dtks).collect()
    }

    fn count(&self) -> u64 {
        self.store.read(household_count).unwrap()
    }
}

fn line(id: &str, desa: &str, members: &[(&str, &str)]) -> String {
    let members: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, (name, nik))| {
            json!({"nama": name, "nik": nik, "hubungan_krt": if i == 0 { "1" } else { "3" }})
        })
        .collect();
    json!({"id_dtks": id, "lokasi": {"desa": desa, "alamat": "Jl. Mawar"}, "members": members})
        .to_string()
}

fn sample() -> Vec<String> {
    vec![
        line(
            "H-1",
            "32.01.01.2001",
            &[("Budi Santoso", "3201011203780001"), ("Siti Aminah", "3201015208800002")],
        ),
        line("H-2", "32.01.02.2003", &[("Agus Salim", "3201021507650003")]),
        line(
            "H-3",
            "33.74.01.1001",
            &[("Siti Rahmawati", "3374014101900004"), ("Dewi Sartika", "3374014202100005")],
        ),
    ]
}

#[test]
fn good_lines_import_and_bad_lines_are_reported_with_line_and_reason() {
    let f = Fixture::new();
    let mut lines = sample();
    lines.insert(1, "{not json".into());
    lines.insert(
        3,
        json!({"id_dtks": "H-9", "lokasi": {"desa": "32.01.01.2001"}, "members": []}).to_string(),
    );
    let report = f.import(&lines);
    assert_eq!((report.imported, report.updated, report.rejected), (3, 0, 2));
    assert_eq!(report.rejections[0].line, 2);
    assert_eq!(report.rejections[0].problem.code(), "not_json");
    assert_eq!(report.rejections[1].line, 4);
    assert_eq!(report.rejections[1].problem, Problem::NoMembers);
    assert_eq!(report.rejections[1].file, "prelist.jsonl");
    assert_eq!(f.count(), 3);
}

#[test]
fn rejection_messages_name_the_field_not_the_value() {
    let f = Fixture::new();
    let bad = json!({"id_dtks": "H-1", "lokasi": {"desa": "32.01.01.2001"},
                     "members": [{"nama": "Siti Aminah", "nik": 3201015208800002u64}]});
    let report = f.import(&[bad.to_string()]);
    let text = report.rejections[0].to_string();
    assert!(text.contains("members[1]/nik"), "{text}");
    assert!(!text.contains("3201015208800002") && !text.contains("Siti"), "{text}");
    assert!(text.contains("teks") && text.contains("text"), "bilingual: {text}");
}

#[test]
fn reimporting_a_household_updates_it_and_replaces_its_members() {
    let f = Fixture::new();
    f.import(&sample());
    let changed = line(
        "H-1",
        "32.01.01.2001",
        &[("Budi Santoso", "3201011203780001"), ("Rina Wati", "3201016509050009")],
    );
    let report = f.import(&[changed]);
    assert_eq!((report.imported, report.updated, report.rejected), (0, 1, 0));
    assert_eq!(f.count(), 3);
    assert!(f.ids("aminah").is_empty(), "the removed member is no longer found");
    assert_eq!(f.ids("rina"), vec!["H-1"]);
    assert!(f.ids("3201015208800002").is_empty());
    let h = f.store.read(|c| household(c, "H-1")).unwrap().unwrap();
    assert_eq!(
        h.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["Budi Santoso", "Rina Wati"]
    );
}

#[test]
fn same_id_twice_in_one_import_keeps_the_first_and_rejects_the_second() {
    let f = Fixture::new();
    let mut lines = sample();
    lines.push(line("H-2", "32.01.02.2003", &[("Someone Else", "")]));
    let report = f.import(&lines);
    assert_eq!(report.rejections[0].problem, Problem::DuplicateInImport { first_line: 2 });
    assert_eq!(report.rejections[0].line, 4);
    assert_eq!(f.ids("agus"), vec!["H-2"]);
}

#[test]
fn unreadable_file_fails_the_import_and_writes_nothing() {
    let f = Fixture::new();
    f.import(&sample());
    let dir_as_file = f.dir.path().to_path_buf();
    let err = import_jsonl(&f.store, &dir_as_file, &NoProgress).unwrap_err();
    assert!(matches!(err, crate::store::Error::Io { .. }), "{err:?}");
    assert_eq!(f.count(), 3);
    let imports: i64 = f
        .store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM prelist_imports", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(imports, 1, "the failed import left no trace");
}

#[test]
fn overlong_and_non_utf8_lines_are_rejected_and_the_rest_imports() {
    let f = Fixture::new();
    let mut content = Vec::new();
    content.extend_from_slice(sample()[0].as_bytes());
    content.extend_from_slice(b"\n\xff\xfe\n");
    content.extend_from_slice(&vec![b'x'; MAX_LINE_BYTES + 10]);
    content.push(b'\n');
    content.extend_from_slice(sample()[1].as_bytes());
    let path = f.file("mixed.jsonl", &content);
    let report = import_jsonl(&f.store, &path, &NoProgress).unwrap();
    assert_eq!(report.imported, 2);
    let codes: Vec<_> = report.rejections.iter().map(|r| (r.line, r.problem.code())).collect();
    assert_eq!(codes, vec![(2, "not_utf8"), (3, "line_too_long")]);
}

#[test]
fn bom_crlf_and_blank_lines_are_tolerated() {
    let f = Fixture::new();
    let content = format!("\u{feff}{}\r\n\r\n{}\r\n", sample()[0], sample()[1]);
    let path = f.file("windows.jsonl", content.as_bytes());
    let report = import_jsonl(&f.store, &path, &NoProgress).unwrap();
    assert_eq!((report.imported, report.rejected), (2, 0));
}

struct Recorder(RefCell<Vec<ImportProgress>>);
impl ProgressSink for Recorder {
    fn report(&self, p: ImportProgress) {
        self.0.borrow_mut().push(p);
    }
}

#[test]
fn progress_is_reported_and_ends_at_the_file_size() {
    let f = Fixture::new();
    let lines: Vec<String> = (0..600)
        .map(|i| line(&format!("H-{i}"), "32.01.01.2001", &[("Budi Santoso", "")]))
        .collect();
    let path = f.file("big.jsonl", lines.join("\n").as_bytes());
    let recorder = Recorder(RefCell::new(Vec::new()));
    import_jsonl(&f.store, &path, &recorder).unwrap();
    let seen = recorder.0.into_inner();
    assert!(seen.len() >= 3, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].bytes_read <= w[1].bytes_read));
    let last = seen.last().unwrap();
    assert_eq!(last.bytes_read, std::fs::metadata(&path).unwrap().len());
    assert_eq!(last.imported, 600);
}

#[test]
fn search_finds_by_id_dtks() {
    let f = Fixture::new();
    f.import(&sample());
    let page = f.search("H-2");
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].matched_by, MatchedBy::IdDtks);
    assert_eq!(page.hits[0].head_name.as_deref(), Some("Agus Salim"));
}

#[test]
fn search_finds_by_any_members_nik_even_typed_with_spaces() {
    let f = Fixture::new();
    f.import(&sample());
    let page = f.search("3374 0142 0210 0005");
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].id_dtks, "H-3");
    assert_eq!(page.hits[0].matched_by, MatchedBy::Nik);
    assert_eq!(page.hits[0].matched_member.as_deref(), Some("Dewi Sartika"));
}

#[test]
fn search_finds_by_the_start_of_any_word_of_any_members_name() {
    let f = Fixture::new();
    f.import(&sample());
    assert_eq!(f.ids("siti"), vec!["H-1", "H-3"]);
    assert_eq!(f.ids("SITI RAH"), vec!["H-3"]);
    assert_eq!(f.ids("rahma"), vec!["H-3"]);
    assert_eq!(f.ids("sar"), vec!["H-3"]);
    assert!(f.ids("itI").is_empty(), "infix is not prefix");
}

#[test]
fn search_ignores_diacritics() {
    let f = Fixture::new();
    f.import(&[line("H-7", "32.01.01.2001", &[("Désy Ratnasari", "")])]);
    assert_eq!(f.ids("desy"), vec!["H-7"]);
}

#[test]
fn area_filter_keeps_only_households_in_the_area() {
    let f = Fixture::new();
    f.import(&sample());
    let kab = f.search_in("siti", Some("3201"), 0, 20);
    assert_eq!(kab.hits.iter().map(|h| h.id_dtks.as_str()).collect::<Vec<_>>(), ["H-1"]);
    let desa = f.search_in("H-1", Some("32.01.02.2003"), 0, 20);
    assert!(desa.hits.is_empty());
    let query =
        SearchQuery { text: "siti".into(), area: Some("Bandung".into()), page: 0, page_size: 20 };
    assert_eq!(f.store.read(|c| search(c, &query)).unwrap(), Err(SearchRefusal::BadArea));
}

#[test]
fn results_come_in_pages_without_repeats() {
    let f = Fixture::new();
    let lines: Vec<String> = (0..25)
        .map(|i| {
            line(&format!("H-{i:02}"), "32.01.01.2001", &[("Siti Aminah", ""), ("Siti Aisyah", "")])
        })
        .collect();
    f.import(&lines);
    let first = f.search_in("siti", None, 0, 10);
    let second = f.search_in("siti", None, 1, 10);
    let third = f.search_in("siti", None, 2, 10);
    assert_eq!((first.hits.len(), second.hits.len(), third.hits.len()), (10, 10, 5));
    assert!(first.has_more && second.has_more && !third.has_more);
    let mut all: Vec<_> =
        [first, second, third].into_iter().flat_map(|p| p.hits).map(|h| h.id_dtks).collect();
    all.dedup();
    assert_eq!(all.len(), 25);
}

#[test]
fn household_comes_back_whole_with_members_in_order() {
    let f = Fixture::new();
    f.import(&sample());
    let h = f.store.read(|c| household(c, "H-3")).unwrap().unwrap();
    assert_eq!(h.desa_code, "33.74.01.1001");
    assert_eq!(h.head_name.as_deref(), Some("Siti Rahmawati"));
    assert_eq!(
        h.members[1],
        Member { position: 2, nik: Some("3374014202100005".into()), name: "Dewi Sartika".into() }
    );
    assert_eq!(h.record["lokasi"]["alamat"], "Jl. Mawar");
    assert_eq!(h.record["members"][1]["nama"], "Dewi Sartika");
    assert!(f.store.read(|c| household(c, "nope")).unwrap().is_none());
}

const HOUSEHOLDS_CSV: &str = "\u{feff}id_dtks,lokasi/desa,lokasi/alamat,perumahan/lantai\n\
H-1,3201012001,Jl. Melati,2\n\
H-2,32.01.01.2001,\"Jl. Kenanga, Gg. 3\",\n\
H-3,32.01.01.2001,Jl. Anggrek,9\n\
H-4,nowhere,Jl. Lain,1\n";

const MEMBERS_CSV: &str = "id_dtks,nama,nik,no_kk,hubungan_krt\n\
H-2,Agus Salim,3201021507650003,3201020101100001,1\n\
H-1,Budi Santoso,3201011203780001,3201010101100007,1\n\
H-1,Siti Aminah,3201015208800002,3201010101100007,2\n\
H-8,Orphan Member,,,1\n\
H-1,Broken Row\n";

#[test]
fn csv_pair_imports_members_in_any_order_and_keeps_numbers_as_text() {
    let f = Fixture::new();
    let households = f.file("households.csv", HOUSEHOLDS_CSV.as_bytes());
    let members = f.file("members.csv", MEMBERS_CSV.as_bytes());
    let report = import_csv(&f.store, &households, &members, &NoProgress).unwrap();
    assert_eq!((report.imported, report.updated), (2, 0));
    let mut rejected: Vec<_> =
        report.rejections.iter().map(|r| (r.file.as_str(), r.line, r.problem.code())).collect();
    rejected.sort();
    assert_eq!(
        rejected,
        vec![
            ("households.csv", 4, "no_members"),
            ("households.csv", 5, "bad_desa_code"),
            ("members.csv", 5, "unknown_household"),
            ("members.csv", 6, "csv_row"),
        ]
    );
    let h = f.store.read(|c| household(c, "H-1")).unwrap().unwrap();
    assert_eq!(h.desa_code, "32.01.01.2001");
    assert_eq!(h.record["perumahan"]["lantai"], "2");
    assert_eq!(h.record["members"][0]["no_kk"], "3201010101100007");
    assert_eq!(h.members[1].nik.as_deref(), Some("3201015208800002"));
    let h2 = f.store.read(|c| household(c, "H-2")).unwrap().unwrap();
    assert_eq!(h2.record["lokasi"]["alamat"], "Jl. Kenanga, Gg. 3");
    assert!(h2.record.get("perumahan").is_none(), "empty cells are left out");
    let staged: i64 = f
        .store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM staged_members", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(staged, 0);
    assert_eq!(f.ids("aminah"), vec!["H-1"]);
}

#[test]
fn csv_with_a_missing_members_file_fails_and_writes_nothing() {
    let f = Fixture::new();
    let households = f.file("households.csv", HOUSEHOLDS_CSV.as_bytes());
    let missing = f.dir.path().join("absent.csv");
    let err = import_csv(&f.store, &households, &missing, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("absent.csv"), "{err}");
    assert_eq!(f.count(), 0);
}

#[test]
fn without_search_text_the_prelist_is_listed_in_id_order_by_page_and_area() {
    let f = Fixture::new();
    let mut lines = sample();
    lines.reverse();
    f.import(&lines);
    let all: Vec<(String, MatchedBy)> =
        f.search("  ").hits.into_iter().map(|h| (h.id_dtks, h.matched_by)).collect();
    assert_eq!(
        all,
        [
            ("H-1".to_owned(), MatchedBy::Listed),
            ("H-2".to_owned(), MatchedBy::Listed),
            ("H-3".to_owned(), MatchedBy::Listed)
        ]
    );
    let second = f.search_in("", None, 1, 2);
    assert_eq!(second.hits.iter().map(|h| h.id_dtks.as_str()).collect::<Vec<_>>(), ["H-3"]);
    assert!(!second.has_more);
    assert!(f.search_in("", None, 0, 2).has_more);
    let area = f.search_in("", Some("32.01"), 0, 20);
    assert_eq!(area.hits.iter().map(|h| h.id_dtks.as_str()).collect::<Vec<_>>(), ["H-1", "H-2"]);
}
