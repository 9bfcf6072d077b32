//! The receiver's HTTP stack: hyper connections on a tokio runtime of its own, with the bounds
//! an internet-facing server needs before any handler runs (docs/adr/0019-receiver-http-stack.md).
//!
//! - at most [`MAX_CONNECTIONS`] connections (the next waits to be accepted), at most
//!   [`CONNECTIONS_PER_ADDRESS`] from one address;
//! - a request's headers must arrive within [`HEADER_TIMEOUT`], a TLS handshake within
//!   [`HANDSHAKE_TIMEOUT`], and no connection lives longer than [`CONNECTION_LIFETIME`];
//! - bodies are read by the handlers only, after the token is checked, within limits
//!   ([`crate::submission`]);
//! - stopping lets requests in progress finish, for at most [`DRAIN_TIMEOUT`].

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
    thread::JoinHandle,
    time::Duration,
};

use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use rusqlite::Connection;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    sync::{Semaphore, oneshot},
};
use tokio_rustls::{TlsAcceptor, rustls};
use tower::Service;

use crate::{ServeError, ServeOptions, routes};

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 512;
/// How long a client may take to send a request's headers (an idle kept-alive connection
/// included).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection lives, however busy: longer than the slowest 10 MB body accepted
/// (60 s plus 10 MB at 4 KB/s, about 44 minutes).
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(50 * 60);
/// Connections one address may hold at once (loopback, where a reverse proxy connects from, is
/// not limited).
pub const CONNECTIONS_PER_ADDRESS: u32 = 32;
/// How long stopping waits for requests in progress.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate chain and private key (PEM files) for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A started server: where it listens, and how to stop it.
pub(crate) struct Running {
    pub url: String,
    pub address: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub thread: JoinHandle<()>,
}

/// Binds, then serves on a thread of its own until `stop` fires (or a signal, when asked).
pub(crate) fn start(
    dir: &Path,
    conn: Connection,
    options: ServeOptions,
) -> Result<Running, ServeError> {
    let tls = options.tls.as_ref().map(tls_acceptor).transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("verivali-serve")
        .build()
        .map_err(|e| ServeError::Io("tokio".into(), e.to_string()))?;
    let address = format!("{}:{}", options.bind, options.port);
    let listener = runtime
        .block_on(TcpListener::bind(&address))
        .map_err(|e| ServeError::Bind(address.clone(), e.to_string()))?;
    let local = listener.local_addr().map_err(|e| ServeError::Bind(address, e.to_string()))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{local}");
    let base = options
        .public_url
        .as_deref()
        .map_or_else(|| url.clone(), |u| u.trim_end_matches('/').to_owned());
    let app = routes::App::new(dir, conn, base, &options);
    let (stop, stopped) = oneshot::channel();
    let signals = options.stop_on_signals;
    let thread = std::thread::Builder::new()
        .name("verivali-serve".into())
        .spawn(move || runtime.block_on(serve(listener, tls, app, stopped, signals)))
        .map_err(|e| ServeError::Io("thread".into(), e.to_string()))?;
    Ok(Running { url, address: local, stop, thread })
}

/// Accepts connections until told to stop, then drains.
async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Arc<routes::App>,
    mut stopped: oneshot::Receiver<()>,
    signals: bool,
) {
    let router = routes::router(app);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let per_address = Arc::new(Mutex::new(HashMap::new()));
    let graceful = GracefulShutdown::new();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => break,
            _ = stop_signal(signals) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "a connection could not be accepted");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(counted) = AddressSlot::take(&per_address, peer.ip()) else {
            tracing::debug!(peer = %peer.ip(), "too many connections from one address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = (slot, counted);
            match tls {
                None => connection(stream, router, peer, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection(stream, router, peer, watcher).await,
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    tracing::info!("receiver stopping; waiting for requests in progress");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running when the receiver stopped");
    }
}

/// One of the [`CONNECTIONS_PER_ADDRESS`] connections an address may hold; given back on drop.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
    address: Option<IpAddr>,
}

impl AddressSlot {
    fn take(counts: &Arc<Mutex<HashMap<IpAddr, u32>>>, address: IpAddr) -> Option<AddressSlot> {
        if address.is_loopback() {
            return Some(AddressSlot { counts: Arc::clone(counts), address: None });
        }
        let mut held = counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(address).or_insert(0);
        if *count >= CONNECTIONS_PER_ADDRESS {
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: Arc::clone(counts), address: Some(address) })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some(address) = self.address else { return };
        let mut held = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                held.remove(&address);
            }
        }
    }
}

/// Serves one connection (HTTP/1.1) with the header timeout and a lifetime bound.
async fn connection<S>(
    stream: S,
    router: axum::Router,
    peer: SocketAddr,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(64 * 1024)
        .keep_alive(true);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(routes::Peer(peer));
        let mut router = router.clone();
        async move { router.call(request).await }
    });
    let served = builder.serve_connection(TokioIo::new(stream), service);
    let served = watcher.watch(served);
    match tokio::time::timeout(CONNECTION_LIFETIME, served).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!(%error, "connection ended with an error"),
        Err(_) => tracing::debug!("connection closed at the end of its lifetime"),
    }
}

/// Resolves on Ctrl-C or SIGTERM when `enabled`; never otherwise.
async fn stop_signal(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// A rustls acceptor for the PEM certificate chain and key in `files`.
fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServeError> {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let unusable = |path: &Path, e: &dyn std::fmt::Display| {
        ServeError::Tls(format!("{}: {e}", crate::label(path)))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| unusable(&files.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| unusable(&files.cert, &e))?;
    if certs.is_empty() {
        return Err(unusable(&files.cert, &"no certificate / tidak ada sertifikat"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| unusable(&files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
