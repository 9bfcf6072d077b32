//! Prelist import and search at kabupaten scale: 100,000 synthetic households.
//!
//! - `import/verivali`: `import_prelist` of the JSON Lines file into a fresh store (parsing,
//!   validation, upserts, the name index), in households per second;
//! - `import/bare_rusqlite`: the same rows, already parsed, bulk-inserted with prepared statements
//!   into the same schema on the same SQLCipher settings: the floor for any import;
//! - `search/nik`, `search/name_prefix`: one search on the 100k store; after criterion's figures,
//!   a separate pass of 5,000 timed queries prints p50/p99 (criterion reports means, not tails);
//! - database bytes per household, printed once.
//!
//! Run: `cargo bench -p verivali-cli --bench prelist`. Set `VERIVALI_BENCH_HOUSEHOLDS` to change
//! the size (default 100000).

use std::{
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rusqlite::{Connection, params};
use serde_json::Value;
use verivali_core::api::{SearchRequest, Verivali};

const KEY: [u8; 32] = [0x5a; 32];
const KEY_PRAGMA: &str =
    "PRAGMA key = \"x'5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'\";";

fn households() -> u64 {
    std::env::var("VERIVALI_BENCH_HOUSEHOLDS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000)
}

/// The generated prelist, its parsed rows, and a store holding it for the search benches.
struct Corpus {
    _dir: tempfile::TempDir,
    jsonl: PathBuf,
    rows: Vec<Row>,
    store: Arc<Verivali>,
    niks: Vec<String>,
    prefixes: Vec<String>,
}

/// One household as the bare baseline inserts it.
struct Row {
    id_dtks: String,
    desa: String,
    head: String,
    record: String,
    members: Vec<(Option<String>, String, String)>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("prelist.jsonl");
        let n = households();
        let manifest = verivali_cli::fixtures::generate(
            n,
            2026,
            &mut std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap()),
        )
        .unwrap();
        let rows = parse_rows(&jsonl);
        let store_dir = dir.path().join("search-store");
        let store = Verivali::open(store_dir.display().to_string(), KEY.to_vec(), None).unwrap();
        store.import_prelist(jsonl.display().to_string(), None).unwrap();
        let (niks, prefixes) = queries(&rows);
        drop(store);
        let bytes = std::fs::metadata(store_dir.join("verivali.db")).unwrap().len();
        let jsonl_bytes = std::fs::metadata(&jsonl).unwrap().len();
        eprintln!(
            "prelist: {} households, {} members; JSON Lines {:.0} B/household; \
             database {:.0} B/household ({:.1} MiB)",
            n,
            manifest.members,
            jsonl_bytes as f64 / n as f64,
            bytes as f64 / n as f64,
            bytes as f64 / (1 << 20) as f64
        );
        let store = Verivali::open(store_dir.display().to_string(), KEY.to_vec(), None).unwrap();
        Corpus { _dir: dir, jsonl, rows, store, niks, prefixes }
    })
}

fn parse_rows(jsonl: &Path) -> Vec<Row> {
    std::fs::read_to_string(jsonl)
        .unwrap()
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let members: Vec<(Option<String>, String, String)> = v["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["nik"].as_str().map(str::to_owned),
                        m["nama"].as_str().unwrap().to_owned(),
                        m.to_string(),
                    )
                })
                .collect();
            v.as_object_mut().unwrap().remove("members");
            Row {
                id_dtks: v["id_dtks"].as_str().unwrap().to_owned(),
                desa: v["lokasi"]["desa"].as_str().unwrap().to_owned(),
                head: members[0].1.clone(),
                record: v.to_string(),
                members,
            }
        })
        .collect()
}

/// 1,000 NIKs and 1,000 name prefixes (3–5 letters of a word, sometimes two words), spread
/// over the whole prelist.
fn queries(rows: &[Row]) -> (Vec<String>, Vec<String>) {
    let step = (rows.len() / 1000).max(1);
    let picks: Vec<&(Option<String>, String, String)> =
        rows.iter().step_by(step).take(1000).map(|r| &r.members[r.members.len() / 2]).collect();
    let niks = picks.iter().filter_map(|m| m.0.clone()).collect();
    let prefixes = picks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let words: Vec<&str> = m.1.split_whitespace().collect();
            let first = &words[i % words.len()];
            let prefix: String = first.chars().take(3 + i % 3).collect();
            match (i % 4, words.get(1)) {
                (0, Some(second)) => {
                    format!("{} {}", words[0], second.chars().take(2).collect::<String>())
                }
                _ => prefix,
            }
        })
        .collect();
    (niks, prefixes)
}

fn bench_import(c: &mut Criterion) {
    let corpus = corpus();
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(corpus.rows.len() as u64));
    group.bench_function("verivali", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Verivali::open(dir.path().display().to_string(), KEY.to_vec(), None).unwrap();
                (dir, store)
            },
            |(dir, store)| {
                let summary =
                    store.import_prelist(corpus.jsonl.display().to_string(), None).unwrap();
                assert_eq!(summary.imported, corpus.rows.len() as u64);
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("bare_rusqlite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                drop(Verivali::open(dir.path().display().to_string(), KEY.to_vec(), None).unwrap());
                let conn = Connection::open(dir.path().join("verivali.db")).unwrap();
                conn.execute_batch(KEY_PRAGMA).unwrap();
                conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").unwrap();
                (dir, conn)
            },
            |(dir, mut conn)| {
                bare_insert(&mut conn, &corpus.rows);
                (dir, conn)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bare_insert(conn: &mut Connection, rows: &[Row]) {
    let tx = conn.transaction().unwrap();
    {
        let mut household = tx
            .prepare(
                "INSERT INTO households (id_dtks, desa_code, head_name, member_count, record, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            )
            .unwrap();
        let mut member = tx
            .prepare("INSERT INTO members (household_id, position, nik, name, record) VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        let mut name =
            tx.prepare("INSERT INTO member_names (rowid, name) VALUES (?1, ?2)").unwrap();
        for row in rows {
            household
                .execute(params![
                    row.id_dtks,
                    row.desa,
                    row.head,
                    row.members.len() as i64,
                    row.record
                ])
                .unwrap();
            let household_id = tx.last_insert_rowid();
            for (position, (nik, member_name, record)) in row.members.iter().enumerate() {
                member
                    .execute(params![household_id, position as i64 + 1, nik, member_name, record])
                    .unwrap();
                name.execute(params![tx.last_insert_rowid(), member_name]).unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

fn request(text: &str) -> SearchRequest {
    SearchRequest { text: text.to_owned(), area: None, page_size: 20 }
}

fn bench_search(c: &mut Criterion) {
    let corpus = corpus();
    let mut group = c.benchmark_group("search");
    for (name, queries) in [("nik", &corpus.niks), ("name_prefix", &corpus.prefixes)] {
        let mut next = 0usize;
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % queries.len();
                let page = corpus.store.search(request(&queries[next]), 0).unwrap();
                assert!(!page.hits.is_empty());
                page
            })
        });
    }
    group.finish();
    for (name, queries) in [("nik", &corpus.niks), ("name_prefix", &corpus.prefixes)] {
        report_percentiles(name, queries, &corpus.store);
    }
}

/// Times 5,000 single queries and prints the latency distribution.
fn report_percentiles(name: &str, queries: &[String], store: &Verivali) {
    let mut times: Vec<Duration> = (0..5000)
        .map(|i| {
            let started = Instant::now();
            let page = store.search(request(&queries[i % queries.len()]), 0).unwrap();
            let elapsed = started.elapsed();
            assert!(!page.hits.is_empty());
            elapsed
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    eprintln!(
        "search/{name}: 5000 queries, p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        at(0.50),
        at(0.90),
        at(0.99),
        times.last().unwrap()
    );
}

criterion_group!(benches, bench_search, bench_import);
criterion_main!(benches);
