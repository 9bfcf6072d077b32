//! People on the receiver's pages, over real sockets as a browser speaks: every page needs a
//! login, a device's token opens none, sessions live in HttpOnly SameSite cookies (Secure under
//! TLS), every form post carries its CSRF token, failed logins are throttled, and the
//! receiver serves HTTPS with rustls.

mod support;

use std::{
    io::{Read, Write},
    sync::Arc,
};

use support::{KEY, Office, web};
use verivali_receiver::{self as serve, Role, ServeOptions, TlsFiles};

const PASSWORD: &str = "kata-sandi-panjang";

fn office_with_viewer() -> Office {
    let office = Office::new();
    serve::add_user(office.path(), &KEY, "ani", Role::Viewer, PASSWORD).unwrap();
    office
}

#[test]
fn every_page_needs_a_login_and_a_device_token_opens_none() {
    let office = office_with_viewer();
    let receiver = office.start();
    for path in ["/", "/status"] {
        let anonymous = web::request(&receiver.url, "GET", path, &[], b"");
        assert_eq!(anonymous.status, 303, "{path}");
        assert_eq!(anonymous.header("location"), Some(format!("{}/login", receiver.url).as_str()));
        let bearer = format!("Bearer {}", office.ayu);
        let device = web::request(&receiver.url, "GET", path, &[("Authorization", &bearer)], b"");
        assert_eq!(device.status, 303, "a device token is not a login: {path}");
    }
    let (reply, session) = web::login(&receiver.url, "ani", PASSWORD);
    assert_eq!(reply.status, 303, "{}", reply.body);
    let cookie =
        reply.headers.iter().find(|(k, v)| k == "set-cookie" && v.starts_with("vv_session="));
    let flags = &cookie.unwrap().1;
    assert!(flags.contains("HttpOnly") && flags.contains("SameSite=Strict"), "{flags}");
    assert!(!flags.contains("Secure"), "plain HTTP cannot carry a Secure cookie: {flags}");
    let page = web::request(&receiver.url, "GET", "/status", &[("Cookie", &session.unwrap())], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("ani") && page.body.contains("viewer"), "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.header("content-security-policy").unwrap().contains("default-src 'none'"));
}

#[test]
fn a_wrong_password_or_unknown_name_is_refused_alike() {
    let office = office_with_viewer();
    let receiver = office.start();
    let (wrong, session) = web::login(&receiver.url, "ani", "not-her-password");
    assert_eq!((wrong.status, session), (401, None));
    let (unknown, session) = web::login(&receiver.url, "nobody", PASSWORD);
    assert_eq!((unknown.status, session), (401, None));
    assert!(wrong.body.contains("Wrong user name or password"));
    assert!(unknown.body.contains("Wrong user name or password"));
}

#[test]
fn a_form_posted_without_its_csrf_token_is_refused() {
    let office = office_with_viewer();
    let receiver = office.start();
    // A login posted from another site: the token field without the cookie it is bound to.
    let form = web::request(&receiver.url, "GET", "/login", &[], b"");
    let body = format!("csrf={}&user=ani&password={PASSWORD}", web::csrf_field(&form.body));
    let forged = web::request(
        &receiver.url,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert_eq!(forged.status, 403);
    assert!(forged.cookies().iter().all(|c| !c.starts_with("vv_session=") || c.len() == 11));

    // Logging out without the session's token leaves the session alive; with it, ends it.
    let (_, session) = web::login(&receiver.url, "ani", PASSWORD);
    let session = session.unwrap();
    let cookie = [("Cookie", session.as_str())];
    let page = web::request(&receiver.url, "GET", "/status", &cookie, b"");
    let no_token = web::request(&receiver.url, "POST", "/logout", &cookie, b"csrf=guess");
    assert_eq!(no_token.status, 403);
    assert_eq!(web::request(&receiver.url, "GET", "/status", &cookie, b"").status, 200);
    let body = format!("csrf={}", web::csrf_field(&page.body));
    let logout = web::request(&receiver.url, "POST", "/logout", &cookie, body.as_bytes());
    assert_eq!(logout.status, 303);
    assert_eq!(web::request(&receiver.url, "GET", "/status", &cookie, b"").status, 303);
}

#[test]
fn repeated_failed_logins_are_throttled_before_the_password_is_checked() {
    let office = office_with_viewer();
    let receiver = office.start();
    for _ in 0..serve::accounts::FREE_FAILURES {
        assert_eq!(web::login(&receiver.url, "ani", "guess-guess-guess").0.status, 401);
    }
    let (throttled, session) = web::login(&receiver.url, "ani", PASSWORD);
    assert_eq!((throttled.status, session), (429, None), "even the right password waits");
    let wait: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
}

#[test]
fn users_need_a_proper_name_a_long_password_and_a_name_of_their_own() {
    let office = office_with_viewer();
    let add = |name: &str, password: &str| {
        serve::add_user(office.path(), &KEY, name, Role::Operator, password)
            .map_err(|e| e.to_string())
    };
    assert!(add("budi", "short").unwrap_err().contains("at least 10"));
    assert!(add("../budi", PASSWORD).unwrap_err().contains("user name"));
    assert!(add("ani", PASSWORD).unwrap_err().contains("already exists"));
    add("budi", PASSWORD).unwrap();
    let conn = serve::store::open(office.path(), &KEY).unwrap();
    let hash: String = conn
        .query_row("SELECT password_hash FROM users WHERE name = 'budi'", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD));
}

#[test]
fn https_with_rustls_serves_openrosa_and_marks_cookies_secure() {
    use tokio_rustls::rustls;
    let office = office_with_viewer();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = office.path().join("cert.pem");
    let key = office.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let options =
        ServeOptions { tls: Some(TlsFiles { cert, key }), ..ServeOptions::local("127.0.0.1", 0) };
    let receiver = office.start_with(options);
    assert!(receiver.url.starts_with("https://"));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let ask = |request: String| {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let connection = rustls::ClientConnection::new(Arc::new(config.clone()), name).unwrap();
        let socket = std::net::TcpStream::connect(receiver.address).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, socket);
        tls.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = tls.read_to_end(&mut raw);
        web::parse(&raw)
    };
    let preflight = ask(format!(
        "HEAD /submission HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        office.ayu
    ));
    assert_eq!(preflight.status, 204);
    let login = ask("GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into());
    let cookie = login.header("set-cookie").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP to the TLS port is not served.
    let plain = web::request(&format!("http://{}", receiver.address), "GET", "/login", &[], b"");
    assert_ne!(plain.status, 200);
}

#[test]
fn logins_racing_each_other_are_all_counted() {
    let office = office_with_viewer();
    let receiver = office.start();
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let url = receiver.url.clone();
            std::thread::spawn(move || web::login(&url, "ani", "guess-guess-guess").0.status)
        })
        .collect();
    let statuses: Vec<u16> = attempts.into_iter().map(|a| a.join().unwrap()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= serve::accounts::FREE_FAILURES as usize, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 401 | 429)), "{statuses:?}");
}

#[test]
fn behind_a_proxy_each_client_address_is_throttled_on_its_own() {
    let office = office_with_viewer();
    let options = ServeOptions { behind_proxy: true, ..ServeOptions::local("127.0.0.1", 0) };
    let receiver = office.start_with(options);
    let attempt = |name: &str, client: &str| {
        let form = web::request(&receiver.url, "GET", "/login", &[], b"");
        let cookie = form.cookies().into_iter().find(|c| c.starts_with("vv_login=")).unwrap();
        let body = format!("csrf={}&user={name}&password=guess-guess", web::csrf_field(&form.body));
        web::request(
            &receiver.url,
            "POST",
            "/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
                ("X-Forwarded-For", client),
            ],
            body.as_bytes(),
        )
        .status
    };
    for n in 0..serve::accounts::FREE_FAILURES {
        assert_eq!(attempt(&format!("u{n}"), "203.0.113.1"), 401);
    }
    assert_eq!(attempt("someone", "203.0.113.1"), 429, "that client is throttled");
    assert_eq!(attempt("another", "198.51.100.7"), 401, "another client is not");
}

#[test]
fn cookies_are_secure_when_the_public_url_is_https_behind_a_proxy() {
    let office = office_with_viewer();
    let options = ServeOptions {
        public_url: Some("https://dinsos.example.go.id/verivali".into()),
        ..ServeOptions::local("127.0.0.1", 0)
    };
    let receiver = office.start_with(options);
    let form = web::request(&receiver.url, "GET", "/login", &[], b"");
    assert!(form.header("set-cookie").unwrap().contains("; Secure"));
    assert!(form.body.contains("action=\"https://dinsos.example.go.id/verivali/login\""));
}
