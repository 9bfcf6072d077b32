//! `kill -9` of `verivali serve` in the middle of a burst of uploads, three times over: every
//! submission the receiver acknowledged (201) is in its database afterwards, byte for byte with
//! its photo, and the database is sound.

mod support;

use std::{
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use support::{
    RECEIVER_KEY,
    serve_process::{new_household, post, start},
};
use verivali_cli::serve;
use verivali_form::hex::sha256_hex;

#[test]
fn sigkill_during_a_burst_of_uploads_loses_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    support::receiver_dir_with_sample_prelist(dir.path());
    // Four devices (a device may send two bodies at once).
    let tokens: Vec<String> = (0..4)
        .map(|n| {
            serve::add_token(dir.path(), &RECEIVER_KEY, &format!("Pencacah {n}"), &["52.71".into()])
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let key_file = dir.path().join("receiver.key");
    std::fs::write(&key_file, verivali_form::hex::hex(&RECEIVER_KEY)).unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    for round in 0..3u64 {
        let (mut child, url) = start(dir.path(), &key_file);
        let senders: Vec<_> = (0..4)
            .map(|sender| {
                let (url, token, acknowledged) =
                    (url.clone(), tokens[sender].clone(), Arc::clone(&acknowledged));
                thread::spawn(move || {
                    let mut acked = 0;
                    for n in 0.. {
                        let id = format!("uuid:kill-{round}-{sender}-{n}");
                        let photo: Vec<u8> = (0..30_000u32).map(|i| (i * 7 + n) as u8).collect();
                        match post(&url, &token, &new_household(&id, &photo, "")) {
                            Some(201) => {
                                acked += 1;
                                acknowledged.lock().unwrap().push((id, sha256_hex(&photo)));
                            }
                            Some(status) => panic!("{id}: HTTP {status}"),
                            None => return acked,
                        }
                    }
                    acked
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(800 + 300 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let acked: u32 = senders.into_iter().map(|s| s.join().unwrap()).sum();
        assert!(acked > 0, "round {round}: the burst was under way when the receiver died");
    }
    let conn = serve::store::open(dir.path(), &RECEIVER_KEY).unwrap();
    let sound: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(sound, "ok");
    let acknowledged = acknowledged.lock().unwrap();
    for (id, photo_sha) in acknowledged.iter() {
        let stored: Vec<u8> = conn
            .query_row(
                "SELECT bytes FROM attachments WHERE instance_id = ?1 AND name = 'rumah.jpg'",
                [id],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{id} was acknowledged but is not stored: {e}"));
        assert_eq!(&sha256_hex(&stored), photo_sha, "{id}: the photo byte for byte");
    }
    eprintln!("{} acknowledged submissions over three kills, all stored", acknowledged.len());
}
