//! `verivali sync` against a scripted form server on loopback: media that change under the
//! same form version are fetched again (entity lists by their opaque hash), a file without a
//! hash or over the limit installs nothing, credentials never go to another origin, a form
//! that does not load is refused while the previous version keeps working, failures name their
//! cause (also as JSON), and eight 64 MB media files sync within 100 MB of memory.

#[path = "support/form_server.rs"]
mod form_server;
mod support;

use std::path::Path;

use form_server::{Body, FormServer, md5_hex, pattern_md5};
use support::verivali;

const TOKEN: &str = "rahasia-perangkat";

fn form(version: &str, extra_binds: &str) -> String {
    format!(
        r#"<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Sync</h:title><model>
<instance><data id="sync_test" version="{version}"><item/><n/><meta><instanceID/></meta></data></instance>
<instance id="items" src="jr://file-csv/items.csv"/>
<bind nodeset="/data/item" type="string"/>
<bind nodeset="/data/n" type="int"{extra_binds}/>
<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
</model></h:head>
<h:body><select1 ref="/data/item"><label>Item</label><itemset nodeset="instance('items')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>
<input ref="/data/n"><label>N</label></input></h:body></h:html>"#
    )
}

/// `verivali sync --json`: (exit code, JSON).
fn sync(data: &Path, server: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let output = verivali(data)
        .args(["sync", "--json", "--server", server, "--token", TOKEN])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {stdout} / {}", String::from_utf8_lossy(&output.stderr))
    });
    (output.status.code().unwrap(), json)
}

fn media_paths(server: &FormServer) -> Vec<String> {
    server.requests().into_iter().map(|(p, _)| p).filter(|p| p.starts_with("/media/")).collect()
}

/// The forms installed in the store at `data`: (form id, version).
fn installed(data: &Path) -> Vec<(String, String)> {
    let device = verivali_core::api::Verivali::open(
        data.display().to_string(),
        verivali_cli::key::INSECURE_DEV_KEY.to_vec(),
        None,
    )
    .unwrap();
    device.forms().unwrap().into_iter().map(|f| (f.form_id, f.version)).collect()
}

#[test]
fn media_that_change_under_the_same_version_are_fetched_again_and_entity_lists_by_their_hash() {
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    let items_v1 = b"name,label\n1,Beras\n".to_vec();
    server.set("/media/items.csv", Body::Bytes(items_v1.clone()));
    server.set("/media/rumah.csv", Body::Bytes(b"name,label\nr1,Rumah 1\n".to_vec()));
    let media = |items: &[u8], entity_hash: &str| {
        vec![
            (
                "items.csv",
                format!("md5:{}", md5_hex(items)),
                format!("{}/media/items.csv", server.url),
                false,
            ),
            ("rumah.csv", entity_hash.to_owned(), format!("{}/media/rumah.csv", server.url), true),
        ]
    };
    server.publish("sync_test", "1", &form("1", ""), &media(&items_v1, "md5:opaque-1"));
    let (code, first) = sync(phone.path(), &server.url, &[]);
    assert_eq!((code, &first["installed"][0]), (0, &serde_json::json!("sync_test 1")), "{first}");

    let (_, unchanged) = sync(phone.path(), &server.url, &[]);
    assert_eq!(unchanged["up_to_date"], 1, "{unchanged}");
    assert_eq!(media_paths(&server).len(), 2, "nothing fetched when no hash changed");

    let items_v2 = b"name,label\n1,Beras\n2,Minyak goreng\n".to_vec();
    server.set("/media/items.csv", Body::Bytes(items_v2.clone()));
    server.publish("sync_test", "1", &form("1", ""), &media(&items_v2, "md5:opaque-1"));
    let (code, changed) = sync(phone.path(), &server.url, &[]);
    assert_eq!(
        (code, &changed["media_updated"][0]),
        (0, &serde_json::json!("sync_test 1: 1")),
        "{changed}"
    );
    assert_eq!(media_paths(&server).last().unwrap(), "/media/items.csv");

    // The entity list's hash is opaque: a new value means fetch, never "does not match".
    server.publish("sync_test", "1", &form("1", ""), &media(&items_v2, "md5:opaque-2"));
    let (code, entity) = sync(phone.path(), &server.url, &[]);
    assert_eq!(
        (code, &entity["media_updated"][0]),
        (0, &serde_json::json!("sync_test 1: 1")),
        "{entity}"
    );
    assert_eq!(media_paths(&server).last().unwrap(), "/media/rumah.csv");

    // A changed file that does not match its MD5 changes nothing.
    server.set("/media/items.csv", Body::Bytes(b"name,label\n9,Rusak\n".to_vec()));
    server.publish("sync_test", "1", &form("1", ""), &media(b"something else", "md5:opaque-2"));
    let (code, broken) = sync(phone.path(), &server.url, &[]);
    assert_eq!(code, 3);
    assert!(broken["failed"][0].as_str().unwrap().contains("does not match"), "{broken}");

    let device = verivali_core::api::Verivali::open(
        phone.path().display().to_string(),
        verivali_cli::key::INSECURE_DEV_KEY.to_vec(),
        None,
    )
    .unwrap();
    let interview = device.start_interview("sync_test".into(), None).unwrap();
    let screen = interview.screen().unwrap();
    let labels: Vec<String> = screen.questions[0].choices.iter().map(|c| c.label.clone()).collect();
    assert_eq!(labels, ["Beras", "Minyak goreng"], "the refreshed list, not the broken one");
}

#[test]
fn a_manifest_entry_without_a_hash_or_a_file_over_the_limit_installs_nothing() {
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    server.set("/media/items.csv", Body::Bytes(b"name,label\n1,A\n".to_vec()));
    let xml = form("1", "");
    server.publish("sync_test", "1", &xml, &[]);
    let list = String::from_utf8(match server_body(&server, "/formList") {
        Body::Bytes(b) => b,
        _ => unreachable!(),
    })
    .unwrap();
    let list = list.replace(
        "</xform>",
        &format!("<manifestUrl>{}/forms/sync_test/manifest</manifestUrl></xform>", server.url),
    );
    server.set("/formList", Body::Bytes(list.into_bytes()));
    let manifest = format!(
        r#"<manifest><mediaFile><filename>items.csv</filename><downloadUrl>{}/media/items.csv</downloadUrl></mediaFile></manifest>"#,
        server.url
    );
    server.set("/forms/sync_test/manifest", Body::Bytes(manifest.into_bytes()));
    let (code, no_hash) = sync(phone.path(), &server.url, &[]);
    assert_eq!(code, 3);
    assert!(no_hash["failed"][0].as_str().unwrap().contains("has no hash"), "{no_hash}");
    assert!(installed(phone.path()).is_empty());

    let big = 2 * 1024 * 1024 + 1;
    server.set("/media/items.csv", Body::Pattern { len: big, seed: 1 });
    server.publish(
        "sync_test",
        "1",
        &xml,
        &[(
            "items.csv",
            format!("md5:{}", pattern_md5(big, 1)),
            format!("{}/media/items.csv", server.url),
            false,
        )],
    );
    let (code, too_large) = sync(phone.path(), &server.url, &["--max-file-mb", "2"]);
    assert_eq!(code, 3);
    assert!(
        too_large["failed"][0].as_str().unwrap().contains("larger than the 2 MB limit"),
        "{too_large}"
    );
    assert!(installed(phone.path()).is_empty(), "nothing of the form installed");
}

fn server_body(server: &FormServer, path: &str) -> Body {
    // Re-publishing is simplest; the list is rebuilt from what `publish` wrote.
    let _ = path;
    let xml = form("1", "");
    Body::Bytes(
        format!(
            r#"<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform><formID>sync_test</formID><name>sync_test</name><version>1</version><hash>md5:{}</hash><downloadUrl>{}/forms/sync_test/form.xml</downloadUrl></xform></xforms>"#,
            md5_hex(xml.as_bytes()),
            server.url
        )
        .into_bytes(),
    )
}

#[test]
fn credentials_go_only_to_the_origin_the_device_was_given() {
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    let elsewhere = FormServer::start("127.0.0.2:0");
    let items = b"name,label\n1,A\n".to_vec();
    elsewhere.set("/media/items.csv", Body::Bytes(items.clone()));
    let hash = format!("md5:{}", md5_hex(&items));
    server.publish(
        "sync_test",
        "1",
        &form("1", ""),
        &[("items.csv", hash.clone(), format!("{}/media/items.csv", elsewhere.url), false)],
    );
    let (code, refused) = sync(phone.path(), &server.url, &[]);
    assert_eq!(code, 3);
    assert!(refused["failed"][0].as_str().unwrap().contains("another address"), "{refused}");
    assert!(elsewhere.requests().is_empty(), "no request, so no token, went to 127.0.0.2");
    assert!(
        server
            .requests()
            .iter()
            .all(|(_, auth)| auth.as_deref() == Some(&format!("Bearer {TOKEN}")[..]))
    );

    // A redirect (as to a blob store) is followed, without the token.
    server.set("/media/items.csv", Body::Redirect(format!("{}/media/items.csv", elsewhere.url)));
    server.publish(
        "sync_test",
        "1",
        &form("1", ""),
        &[("items.csv", hash, format!("{}/media/items.csv", server.url), false)],
    );
    let (code, redirected) = sync(phone.path(), &server.url, &[]);
    assert_eq!(
        (code, &redirected["installed"][0]),
        (0, &serde_json::json!("sync_test 1")),
        "{redirected}"
    );
    assert_eq!(elsewhere.requests(), [("/media/items.csv".to_owned(), None)]);
}

#[test]
fn a_form_that_does_not_load_is_refused_and_the_previous_version_still_opens() {
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    let items = b"name,label\n1,A\n".to_vec();
    server.set("/media/items.csv", Body::Bytes(items.clone()));
    let media = vec![(
        "items.csv",
        format!("md5:{}", md5_hex(&items)),
        format!("{}/media/items.csv", server.url),
        false,
    )];
    server.publish("sync_test", "1", &form("1", ""), &media);
    assert_eq!(sync(phone.path(), &server.url, &[]).0, 0);

    let with_dtd =
        form("2", "").replacen("<h:html", "<!DOCTYPE h:html [<!ENTITY x \"y\">]>\n<h:html", 1);
    let deep = form("3", &format!(" constraint=\"{}1{}\"", "(".repeat(5_000), ")".repeat(5_000)));
    for (version, broken) in [("2", with_dtd), ("3", deep)] {
        server.publish("sync_test", version, &broken, &media);
        let (code, refused) = sync(phone.path(), &server.url, &[]);
        assert_eq!(code, 3, "{refused}");
        let why = refused["failed"][0].as_str().unwrap();
        assert!(why.contains("does not load") && why.contains("previous version stays"), "{why}");
    }
    assert!(
        sync(phone.path(), &server.url, &[]).1["failed"][0]
            .as_str()
            .unwrap()
            .contains("nests deeper")
    );
    assert_eq!(installed(phone.path()), [("sync_test".to_owned(), "1".to_owned())]);
    let device = verivali_core::api::Verivali::open(
        phone.path().display().to_string(),
        verivali_cli::key::INSECURE_DEV_KEY.to_vec(),
        None,
    )
    .unwrap();
    assert!(device.start_interview("sync_test".into(), None).is_ok(), "version 1 still opens");
}

#[test]
fn a_failed_sync_names_its_cause_in_text_and_in_json() {
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    server.set("/formList", Body::Status(401));
    let (code, refused) = sync(phone.path(), &server.url, &[]);
    assert_eq!(
        (code, &refused["ok"], &refused["cause"]),
        (3, &serde_json::json!(false), &serde_json::json!("token_refused"))
    );
    assert!(refused["error"].as_str().unwrap().contains("refused the device token"), "{refused}");
    let text = verivali(phone.path())
        .args(["sync", "--server", &server.url, "--token", TOKEN])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(stderr.contains("minta token baru") && !stderr.contains("cannot be read"), "{stderr}");

    server.set("/formList", Body::Status(404));
    assert_eq!(sync(phone.path(), &server.url, &[]).1["cause"], "wrong_address");
    server.set("/formList", Body::Bytes(b"<html><body>Masuk</body></html>".to_vec()));
    assert_eq!(sync(phone.path(), &server.url, &[]).1["cause"], "wrong_address");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let offline = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, unreachable) = sync(phone.path(), &offline, &[]);
    assert_eq!((code, &unreachable["cause"]), (1, &serde_json::json!("unreachable")));
}

#[test]
fn eight_64_mb_media_files_sync_within_100_mb_of_client_memory() {
    const LEN: usize = 64 * 1024 * 1024;
    let phone = tempfile::tempdir().unwrap();
    let server = FormServer::start("127.0.0.1:0");
    let items = b"name,label\n1,A\n".to_vec();
    server.set("/media/items.csv", Body::Bytes(items.clone()));
    let mut media = vec![(
        "items.csv".to_owned(),
        format!("md5:{}", md5_hex(&items)),
        format!("{}/media/items.csv", server.url),
        false,
    )];
    for i in 0..8u8 {
        let name = format!("video-{i}.mp4");
        server.set(&format!("/media/{name}"), Body::Pattern { len: LEN, seed: i });
        media.push((
            name.clone(),
            format!("md5:{}", pattern_md5(LEN, i)),
            format!("{}/media/{name}", server.url),
            false,
        ));
    }
    let media: Vec<(&str, String, String, bool)> =
        media.iter().map(|(n, h, u, e)| (n.as_str(), h.clone(), u.clone(), *e)).collect();
    server.publish("sync_test", "1", &form("1", ""), &media);

    // Reaped by wait4 below, which also reports the child's peak memory.
    #[allow(clippy::zombie_processes)]
    let child = verivali(phone.path())
        .args(["sync", "--json", "--server", &server.url, "--token", TOKEN])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "sync failed: {status}");
    let peak_mb = usage.ru_maxrss as f64 / 1024.0;
    eprintln!(
        "verivali sync with 8 × 64 MB media: peak RSS {peak_mb:.1} MB, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(peak_mb < 100.0, "peak RSS {peak_mb:.1} MB");
    let installed = installed(phone.path());
    assert_eq!(installed, [("sync_test".to_owned(), "1".to_owned())]);
    let size = std::fs::metadata(phone.path().join("verivali.db")).unwrap().len();
    assert!(size > 8 * LEN as u64, "every byte is in the store: {size}");
}
