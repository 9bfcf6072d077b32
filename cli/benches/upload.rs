//! Uploads to the reference receiver on loopback: submissions per second (20 KB of XML each,
//! no photos) from a device store through the outbox, and bytes on the wire per submission
//! against the payload. Run: `cargo bench -p verivali-cli --bench upload`.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use criterion::{Criterion, criterion_group, criterion_main};
use verivali_cli::serve::{self, Receiver};
use verivali_core::{
    outbox::{client, upload},
    store::{
        Store, StoreKey,
        forms::{self, StoredForm},
        interviews::{self, InterviewState, StoredInterview},
    },
};

const FORM: &str = r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>b</h:title><model><instance><data id="bench"><x/><meta><instanceID/></meta></data></instance></model></h:head><h:body><input ref="/data/x"/></h:body></h:html>"#;

/// The receiver's database key for the benchmark.
const BENCH_KEY: [u8; 32] = [9; 32];

/// A submission of about 20 KB.
fn xml(id: &str) -> String {
    let filler = "Siti Aminah binti Ahmad; ".repeat(800);
    format!("<data id=\"bench\"><x>{filler}</x><meta><instanceID>{id}</instanceID></meta></data>")
}

fn queue(store: &Store, from: usize, count: usize) -> u64 {
    let form = StoredForm {
        row: 0,
        form_id: "bench".into(),
        version: "1".into(),
        title: "b".into(),
        xml: FORM.into(),
        media: vec![],
    };
    let row = store.write(|tx| forms::install_form(tx, &form, 0)).unwrap();
    let mut payload = 0u64;
    store
        .write(|tx| {
            for i in from..from + count {
                let id = format!("uuid:00000000-0000-4000-8000-{i:012}");
                let body = xml(&id);
                payload += body.len() as u64;
                let draft = StoredInterview {
                    id: id.clone(),
                    form_row: row,
                    id_dtks: None,
                    state: InterviewState::Draft,
                    instance_xml: body.clone(),
                    preload: None,
                    checks: None,
                    position: None,
                    updated_at: 0,
                };
                interviews::insert_interview(tx, &draft)?;
                let done = interviews::Finalized::plain(&id, &body, "{}");
                interviews::finalize(tx, &id, &done, i as i64)?;
            }
            Ok(())
        })
        .unwrap();
    payload
}

fn bench(c: &mut Criterion) {
    let server_dir = tempfile::tempdir().unwrap();
    let form_path = server_dir.path().join("form.xml");
    std::fs::write(&form_path, FORM).unwrap();
    serve::publish_form(server_dir.path(), &BENCH_KEY, &form_path).unwrap();
    // The benchmark's form tags no household: its token must allow that.
    let rights = serve::TokenRights {
        areas: vec!["00".into()],
        allow_untagged_forms: true,
        ..Default::default()
    };
    let token = serve::add_token_with(server_dir.path(), &BENCH_KEY, "bench", &rights).unwrap();
    let receiver = Receiver::start(server_dir.path(), &BENCH_KEY, "127.0.0.1", 0).unwrap();
    let server =
        client::Server { base_url: receiver.url.clone(), token: Some(token), device_id: None };
    let agent = client::agent(Duration::from_secs(5), Duration::from_secs(30));
    let device_dir = tempfile::tempdir().unwrap();
    let store = Store::open(device_dir.path(), &StoreKey::from_bytes(&[2; 32]).unwrap()).unwrap();
    let now = || 0i64;

    let payload = queue(&store, 0, 200);
    let started = Instant::now();
    let report =
        upload::upload_pending(&store, &agent, &server, i64::MAX, &now, &|| false, &mut |_| {})
            .unwrap();
    let elapsed = started.elapsed();
    let sample = xml("uuid:00000000-0000-4000-8000-000000000000");
    let checks = [client::Part {
        name: "verivali-checks.json".into(),
        content_type: "application/json".into(),
        bytes: b"{}".to_vec(),
    }];
    let body = client::body_len(sample.as_bytes(), &checks);
    eprintln!(
        "per submission: payload {} B, multipart body {body} B (+{:.1} %), plus the HTTP request line and headers",
        sample.len() + 2,
        (body as f64 / (sample.len() + 2) as f64 - 1.0) * 100.0
    );
    eprintln!(
        "200 submissions of ~20 KB: {:.0}/s; payload {} B, sent {} B of parts; acknowledged {}",
        200.0 / elapsed.as_secs_f64(),
        payload,
        report.bytes_sent,
        report.acknowledged
    );

    let next = Mutex::new(200usize);
    let mut group = c.benchmark_group("upload");
    group.sample_size(20);
    group.bench_function("one_submission_20kb", |b| {
        b.iter_batched(
            || {
                let mut n = next.lock().unwrap();
                queue(&store, *n, 1);
                *n += 1;
            },
            |_| {
                upload::upload_pending(
                    &store,
                    &agent,
                    &server,
                    i64::MAX,
                    &now,
                    &|| false,
                    &mut |_| {},
                )
                .unwrap()
                .acknowledged
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
