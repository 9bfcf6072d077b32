//! A form server on a loopback socket for the sync tests, scripted file by file: the test
//! sets what each path answers (bytes, or a large generated body streamed from a pattern so
//! that the test itself holds no 64 MB file) and reads back every request with its
//! `Authorization` header.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
    thread,
};

/// What a path answers.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// `len` bytes of a pattern that depends on `seed`.
    Pattern {
        len: usize,
        seed: u8,
    },
    Status(u16),
    /// 302 to this URL.
    Redirect(String),
}

/// The bytes of a pattern body from `offset` (a multiple of 256): the pattern repeats every
/// 256 bytes, so one block serves every chunk.
pub fn pattern_chunk(offset: usize, len: usize, seed: u8) -> Vec<u8> {
    assert_eq!(offset % 256, 0);
    let block: Vec<u8> = (0..=255u8).map(|i| i.wrapping_mul(31).wrapping_add(seed)).collect();
    block.iter().copied().cycle().take(len).collect()
}

pub fn pattern_md5(len: usize, seed: u8) -> String {
    use md5::{Digest, Md5};
    let mut md5 = Md5::new();
    let chunk = pattern_chunk(0, 1 << 20, seed);
    let mut offset = 0;
    while offset < len {
        let n = (len - offset).min(1 << 20);
        md5.update(&chunk[..n]);
        offset += n;
    }
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// (path, Authorization header) of every request.
pub type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

#[derive(Clone)]
pub struct FormServer {
    pub url: String,
    routes: Arc<Mutex<HashMap<String, Body>>>,
    pub seen: Requests,
}

impl FormServer {
    pub fn start(bind: &str) -> FormServer {
        let listener = TcpListener::bind(bind).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = FormServer { url, routes: Arc::default(), seen: Arc::default() };
        let (routes, seen) = (Arc::clone(&server.routes), Arc::clone(&server.seen));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (routes, seen) = (Arc::clone(&routes), Arc::clone(&seen));
                thread::spawn(move || serve_one(stream, &routes, &seen));
            }
        });
        server
    }

    pub fn set(&self, path: &str, body: Body) {
        self.routes.lock().unwrap().insert(path.to_owned(), body);
    }

    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        self.seen.lock().unwrap().clone()
    }

    /// Publishes a form list with one form and, when `media` is not empty, its manifest:
    /// (file name, hash as the manifest gives it, download URL, entity list).
    pub fn publish(
        &self,
        form_id: &str,
        version: &str,
        xml: &str,
        media: &[(&str, String, String, bool)],
    ) {
        let manifest_url = format!("{}/forms/{form_id}/manifest", self.url);
        let list = format!(
            r#"<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform><formID>{form_id}</formID><name>{form_id}</name><version>{version}</version><hash>md5:{}</hash><downloadUrl>{}/forms/{form_id}/form.xml</downloadUrl>{}</xform></xforms>"#,
            md5_hex(xml.as_bytes()),
            self.url,
            if media.is_empty() {
                String::new()
            } else {
                format!("<manifestUrl>{manifest_url}</manifestUrl>")
            },
        );
        self.set("/formList", Body::Bytes(list.into_bytes()));
        self.set(&format!("/forms/{form_id}/form.xml"), Body::Bytes(xml.as_bytes().to_vec()));
        let entries: String = media
            .iter()
            .map(|(name, hash, url, entity)| {
                let kind = if *entity { r#" type="entityList""# } else { "" };
                format!("<mediaFile{kind}><filename>{name}</filename><hash>{hash}</hash><downloadUrl>{url}</downloadUrl></mediaFile>")
            })
            .collect();
        let manifest = format!(
            r#"<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{entries}</manifest>"#
        );
        self.set(&format!("/forms/{form_id}/manifest"), Body::Bytes(manifest.into_bytes()));
    }
}

fn serve_one(
    mut stream: std::net::TcpStream,
    routes: &Mutex<HashMap<String, Body>>,
    seen: &Mutex<Vec<(String, Option<String>)>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut auth = None;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            auth = Some(value.trim().to_owned());
        }
    }
    let path =
        request_line.split_whitespace().nth(1).unwrap_or("").split('?').next().unwrap().to_owned();
    seen.lock().unwrap().push((path.clone(), auth));
    let body = routes.lock().unwrap().get(&path).cloned().unwrap_or(Body::Status(404));
    let head = |status: &str, len: usize| {
        format!(
            "HTTP/1.1 {status}\r\nX-OpenRosa-Version: 1.0\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    let _ = match body {
        Body::Bytes(bytes) => stream
            .write_all(head("200 OK", bytes.len()).as_bytes())
            .and_then(|()| stream.write_all(&bytes)),
        Body::Status(status) => stream.write_all(head(&format!("{status} X"), 0).as_bytes()),
        Body::Redirect(to) => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Body::Pattern { len, seed } => {
            let mut result = stream.write_all(head("200 OK", len).as_bytes());
            let chunk = pattern_chunk(0, 1 << 20, seed);
            let mut offset = 0;
            while result.is_ok() && offset < len {
                let n = (len - offset).min(1 << 20);
                result = stream.write_all(&chunk[..n]);
                offset += n;
            }
            result
        }
    };
}
