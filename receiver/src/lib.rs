//! `verivali serve`: the OpenRosa receiver a kab/kota Dinas Sosial runs for its devices.
//!
//! It faces the internet, so every part of it assumes a hostile peer (docs/adr/0019 and 0020):
//! - the HTTP stack ([`http`]) bounds what a connection may cost before anything is read: header
//!   and body timeouts, a cap on connections and on bodies in memory, no body read for a request
//!   without a valid token, and TLS with rustls when the office has no reverse proxy;
//! - devices hold bearer tokens (`serve token add`) and speak OpenRosa only; people hold
//!   accounts ([`accounts`]) and see pages only after logging in;
//! - a submission is checked by its household against the prelist the receiver holds
//!   ([`scope`], [`prelist`]), within the device's quotas ([`quota`]);
//! - what it acknowledged never changes ([`store`]): a resend of the same content is
//!   acknowledged again, anything else under the same instanceID is a 409; an edit is a new
//!   instanceID naming the one it replaces in `deprecatedID`, and both are kept;
//! - its database is encrypted with SQLCipher, readable by its owner only.

// Handlers answer refusals as `Err(Response)`, axum's own idiom; a response is built and moved
// once per request, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod accounts;
pub mod bundles;
mod http;
mod multipart;
mod pages;
pub mod prelist;
pub mod quota;
pub mod recap;
pub mod review;
mod routes;
mod scope;
pub mod store;
mod submission;

use std::{net::SocketAddr, path::Path, thread::JoinHandle};

use verivali_core::{api::now_ms, host::FolderMedia};
use verivali_form::definition::FormDef;

pub use accounts::{Role, add_user};
pub use http::TlsFiles;
pub use prelist::add_prelist;
pub use quota::Quotas;
pub use scope::area_code;
pub use submission::ingest;

/// The largest submission accepted, announced in `X-OpenRosa-Accept-Content-Length`.
pub const MAX_SUBMISSION_BYTES: usize = 10 * 1024 * 1024;

/// Why the receiver cannot start, publish or add what it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "Basis data penerima tidak dapat dibuka / The receiver's database cannot be opened: {0}"
    )]
    Store(#[from] rusqlite::Error),
    #[error("Alamat {0} tidak dapat dipakai / The address {0} cannot be used: {1}")]
    Bind(String, String),
    #[error("Formulir tidak dapat diterbitkan / The form cannot be published: {0}")]
    Form(String),
    #[error(
        "Basis data penerima {0} tidak dapat dibuka dengan kunci ini (kunci salah, atau basis data lama tanpa enkripsi) / \
         The receiver's database {0} cannot be opened with this key (a wrong key, or an old unencrypted database)"
    )]
    Key(String),
    #[error("Sertifikat TLS tidak dapat dipakai / The TLS certificate cannot be used: {0}")]
    Tls(String),
    #[error("Prelist tidak dapat ditambahkan / The prelist cannot be added: {0}")]
    Prelist(String),
    #[error("Pengguna tidak dapat ditambahkan / The user cannot be added: {0}")]
    User(String),
    #[error("Token perangkat tidak dapat dibuat / The device token cannot be made: {0}")]
    Token(String),
    #[error("Bundel tidak diimpor / The bundle was not imported: {0}")]
    Bundle(String),
    #[error(
        "Berkas atau folder {0} tidak dapat dipakai / The file or folder {0} cannot be used: {1}"
    )]
    Io(String, String),
    #[error("{0}")]
    Review(#[from] review::store::ActError),
}

/// How a receiver listens and what it allows.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: String,
    /// 0: any free port.
    pub port: u16,
    /// The address devices and browsers reach (behind a proxy, say); every URL the receiver
    /// writes starts with it, never with a request's `Host`. Default: the listening address.
    pub public_url: Option<String>,
    /// Serve HTTPS with this certificate instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    pub quotas: Quotas,
    /// A reverse proxy on this machine connects for the clients: requests from loopback name
    /// the client in `X-Forwarded-For` (login throttling counts by it).
    pub behind_proxy: bool,
    /// Stop gracefully on Ctrl-C or SIGTERM (the command line); tests stop by dropping.
    pub stop_on_signals: bool,
}

impl ServeOptions {
    /// Plain HTTP on `bind:port` with the default quotas.
    pub fn local(bind: &str, port: u16) -> ServeOptions {
        ServeOptions {
            bind: bind.to_owned(),
            port,
            public_url: None,
            tls: None,
            quotas: Quotas::default(),
            behind_proxy: false,
            stop_on_signals: false,
        }
    }
}

/// A receiver running on its own thread; dropping it shuts it down gracefully.
pub struct Receiver {
    pub url: String,
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts serving `dir` (its database encrypted with `key`) over plain HTTP on
    /// `bind:port` with the default quotas.
    pub fn start(dir: &Path, key: &[u8], bind: &str, port: u16) -> Result<Receiver, ServeError> {
        Receiver::start_with(dir, key, ServeOptions::local(bind, port))
    }

    /// As [`Receiver::start`], its download links starting with `public_url` when given.
    pub fn start_public(
        dir: &Path,
        key: &[u8],
        bind: &str,
        port: u16,
        public_url: Option<&str>,
    ) -> Result<Receiver, ServeError> {
        let mut options = ServeOptions::local(bind, port);
        options.public_url = public_url.map(str::to_owned);
        Receiver::start_with(dir, key, options)
    }

    /// Starts serving `dir` as `options` say.
    pub fn start_with(
        dir: &Path,
        key: &[u8],
        options: ServeOptions,
    ) -> Result<Receiver, ServeError> {
        let conn = store::open(dir, key)?;
        bundles::sweep_incoming(dir);
        let running = http::start(dir, conn, options)?;
        Ok(Receiver {
            url: running.url,
            address: running.address,
            stop: Some(running.stop),
            thread: Some(running.thread),
        })
    }

    /// Serves until it is stopped (by a signal, when the options asked for it).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Publishes a form (and the CSVs it names, from its folder); returns its id and version.
pub fn publish_form(dir: &Path, key: &[u8], form: &Path) -> Result<(String, String), ServeError> {
    let xml = std::fs::read_to_string(form)
        .map_err(|e| ServeError::Form(format!("{}: {e}", form.display())))?;
    let folder = FolderMedia::new(form.parent().unwrap_or(Path::new(".")));
    let def = FormDef::parse(&xml, &folder).map_err(|e| ServeError::Form(e.to_string()))?;
    let published = store::Published::from_definition(&def);
    let version = def.version.clone().unwrap_or_default();
    let media = folder.into_files();
    if media.iter().any(|(name, _)| name == prelist::MEDIA_NAME) {
        return Err(ServeError::Form(format!(
            "{} dibuat server dari prelistnya / is made by the server from its prelist",
            prelist::MEDIA_NAME
        )));
    }
    let mut conn = store::open(dir, key)?;
    store::publish(&mut conn, &published, &version, &def.title, &xml, &media, now_ms())?;
    Ok((def.form_id, version))
}

/// What a device token may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRights {
    /// Desa codes (or dotted code prefixes) of the device's area.
    pub areas: Vec<String>,
    /// Whether the device may submit forms whose household and desa cannot be checked (forms
    /// without `verivali:role` tags, encrypted submissions).
    pub allow_untagged_forms: bool,
    /// A pengawas's phone: the decisions it makes offline count as the pengawas's.
    pub pengawas: bool,
}

/// Creates a device token for `enumerator` in `areas`; returns the token.
pub fn add_token(
    dir: &Path,
    key: &[u8],
    enumerator: &str,
    areas: &[String],
) -> Result<String, ServeError> {
    let rights = TokenRights { areas: areas.to_vec(), ..TokenRights::default() };
    add_token_with(dir, key, enumerator, &rights)
}

/// Creates a device token for `enumerator` with `rights`; returns the token.
pub fn add_token_with(
    dir: &Path,
    key: &[u8],
    enumerator: &str,
    rights: &TokenRights,
) -> Result<String, ServeError> {
    if let Some(bad) = rights.areas.iter().find(|a| !scope::is_area_code(a)) {
        return Err(ServeError::Token(format!(
            "{bad:?} bukan kode wilayah (mis. 52.71 atau 52.71.01.1009) / is not a region code (e.g. 52.71 or 52.71.01.1009)"
        )));
    }
    let token = random_hex(24)?;
    let conn = store::open(dir, key)?;
    let device = store::Device {
        id: String::new(),
        enumerator: enumerator.to_owned(),
        areas: rights.areas.iter().map(|a| scope::dotted(a)).collect(),
        allow_untagged_forms: rights.allow_untagged_forms,
    };
    store::add_token(&conn, &token, &device, now_ms())?;
    if rights.pengawas {
        conn.execute(
            "UPDATE tokens SET pengawas = 1 WHERE token_sha = ?1",
            [verivali_form::hex::sha256_hex(token.as_bytes())],
        )?;
    }
    Ok(token)
}

/// `bytes` random bytes as hex, from the operating system's generator.
pub(crate) fn random_hex(bytes: usize) -> Result<String, ServeError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ServeError::Io("getrandom".into(), e.to_string()))?;
    Ok(verivali_form::hex::hex(&buffer))
}

/// `md5:` and the hex MD5 of `bytes`, as OpenRosa form lists and manifests give hashes.
pub fn openrosa_hash(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(bytes);
    format!("md5:{}", verivali_form::hex::hex(&digest))
}

/// A path as errors name it.
pub(crate) fn label(path: &Path) -> String {
    path.display().to_string()
}
