//! The GET requests of a sync, with the guards a field phone needs against an odd or hostile
//! server: credentials go only to the origin (scheme, host, port) the device was given;
//! redirects are followed by hand, without credentials when they leave that origin; every body
//! is bounded, and a large one streams into the store instead of into memory.

use std::io::Read;

use md5::{Digest, Md5};
use ureq::http::Uri;

use super::SyncError;
use crate::{
    outbox::client::{Server, split_credentials},
    store::{Store, downloads},
};

/// How many redirects one download may take.
const MAX_REDIRECTS: usize = 5;

/// Scheme, host and port: where credentials may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of `url`, or `None` when it is not an absolute http(s) URL.
    pub fn of(url: &str) -> Option<Origin> {
        let (url, _) = split_credentials(url);
        let uri: Uri = url.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        Some(Origin {
            host: uri.host()?.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port),
            scheme,
        })
    }
}

/// What a GET brought back, with the MD5 of its bytes.
pub struct Fetched<T> {
    pub content: T,
    pub md5: String,
}

/// The GET client of one sync: the server, its origin, and the size limit.
pub struct Fetcher<'a> {
    pub agent: &'a ureq::Agent,
    pub server: &'a Server,
    pub origin: Origin,
    pub max_file_bytes: u64,
}

impl<'a> Fetcher<'a> {
    pub fn new(
        agent: &'a ureq::Agent,
        server: &'a Server,
        max_file_bytes: u64,
    ) -> Result<Fetcher<'a>, SyncError> {
        let origin = Origin::of(&server.base_url).ok_or(SyncError::BadServerUrl)?;
        Ok(Fetcher { agent, server, origin, max_file_bytes })
    }

    /// Refuses a URL the server listed on another origin: the device's credentials are for
    /// its own server only (`what` names the file).
    pub fn check_listed_url(&self, url: &str, what: &str) -> Result<(), SyncError> {
        match Origin::of(url) {
            Some(origin) if origin == self.origin => Ok(()),
            _ => Err(SyncError::ForeignUrl { file: what.to_owned() }),
        }
    }

    /// A small file (the form list, a manifest, a form) into memory, at most `limit` bytes.
    pub fn fetch_small(
        &self,
        url: &str,
        what: &str,
        limit: u64,
    ) -> Result<Fetched<Vec<u8>>, SyncError> {
        let mut response = self.get(url, what)?;
        let mut bytes = Vec::new();
        let read = response.body_mut().with_config().limit(limit).reader().read_to_end(&mut bytes);
        read.map_err(|error| self.read_error(error, what, limit))?;
        let md5 = crate::hex::hex(&Md5::digest(&bytes));
        Ok(Fetched { content: bytes, md5 })
    }

    /// A media file streamed into the store's download chunks; returns the download number.
    /// Memory holds one chunk at a time. A failure discards what was written.
    pub fn fetch_to_store(
        &self,
        store: &Store,
        url: &str,
        what: &str,
    ) -> Result<Fetched<i64>, SyncError> {
        let mut response = self.get(url, what)?;
        let download = store.write(downloads::begin)?;
        let result = stream_chunks(
            store,
            download,
            response.body_mut().with_config().limit(self.max_file_bytes).reader(),
        );
        match result {
            Ok(md5) => Ok(Fetched { content: download, md5 }),
            Err(error) => {
                if let Err(cleanup) = store.write(|tx| downloads::discard(tx, download)) {
                    tracing::warn!(%cleanup, "a failed download could not be discarded");
                }
                Err(match error {
                    StreamError::Read(error) => self.read_error(error, what, self.max_file_bytes),
                    StreamError::Store(error) => SyncError::Store(error),
                })
            }
        }
    }

    fn read_error(&self, error: std::io::Error, what: &str, limit: u64) -> SyncError {
        let too_large = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|e| matches!(e, ureq::Error::BodyExceedsLimit(_)));
        if too_large {
            SyncError::TooLarge { file: what.to_owned(), limit_mb: limit.div_ceil(1024 * 1024) }
        } else {
            tracing::info!(%error, "a download broke off");
            SyncError::BrokeOff { file: what.to_owned() }
        }
    }

    /// A GET that follows redirects itself: credentials only while on the device's origin.
    fn get(&self, url: &str, what: &str) -> Result<ureq::http::Response<ureq::Body>, SyncError> {
        let mut url = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            let (plain_url, basic) = split_credentials(&url);
            let same_origin = Origin::of(&url).is_some_and(|o| o == self.origin);
            let mut request = self.agent.get(&plain_url).header("X-OpenRosa-Version", "1.0");
            if same_origin {
                let bearer = self.server.token.as_ref().map(|token| format!("Bearer {token}"));
                if let Some(auth) = bearer.or(basic) {
                    request = request.header("Authorization", &auth);
                }
            }
            let response = request.call().map_err(|error| {
                tracing::info!(%error, "sync request failed");
                SyncError::Unreachable
            })?;
            let status = response.status().as_u16();
            match status {
                200 => return Ok(response),
                301 | 302 | 303 | 307 | 308 => {
                    let location = response
                        .headers()
                        .get("Location")
                        .and_then(|v| v.to_str().ok())
                        .ok_or(SyncError::Status { status, file: what.to_owned() })?;
                    url = resolve(&plain_url, location)
                        .ok_or(SyncError::Status { status, file: what.to_owned() })?;
                }
                401 | 403 => return Err(SyncError::Refused { status }),
                404 => return Err(SyncError::NotFound { file: what.to_owned() }),
                _ => return Err(SyncError::Status { status, file: what.to_owned() }),
            }
        }
        Err(SyncError::TooManyRedirects { file: what.to_owned() })
    }
}

/// A redirect's `Location` against the URL that gave it.
fn resolve(base: &str, location: &str) -> Option<String> {
    if Origin::of(location).is_some() {
        return Some(location.to_owned());
    }
    let uri: Uri = base.parse().ok()?;
    let authority = uri.authority()?;
    let scheme = uri.scheme_str()?;
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    let path = uri.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    Some(format!("{scheme}://{authority}{dir}{location}"))
}

enum StreamError {
    Read(std::io::Error),
    Store(crate::store::Error),
}

/// Copies `reader` into download `download`, one chunk per row; returns the MD5.
fn stream_chunks(
    store: &Store,
    download: i64,
    mut reader: impl Read,
) -> Result<String, StreamError> {
    let mut md5 = Md5::new();
    let mut chunk = Vec::with_capacity(downloads::CHUNK_BYTES);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut seq = 0i64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StreamError::Read(error)),
        };
        if n > 0 {
            md5.update(&buffer[..n]);
            chunk.extend_from_slice(&buffer[..n]);
        }
        if chunk.len() >= downloads::CHUNK_BYTES || (n == 0 && !chunk.is_empty()) {
            store
                .write(|tx| downloads::append(tx, download, seq, &chunk))
                .map_err(StreamError::Store)?;
            seq += 1;
            chunk.clear();
        }
        if n == 0 {
            return Ok(crate::hex::hex(&md5.finalize()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port_with_default_ports() {
        let a = Origin::of("http://127.0.0.1:8080/v1/key/x/projects/1").unwrap();
        assert_eq!(Some(a.clone()), Origin::of("http://127.0.0.1:8080/formList"));
        assert_ne!(Some(a.clone()), Origin::of("http://127.0.0.2:8080/formList"));
        assert_ne!(Some(a), Origin::of("https://127.0.0.1:8080/formList"));
        assert_eq!(Origin::of("https://h.example/"), Origin::of("https://user:pw@H.example:443/x"));
        assert_eq!(Origin::of("ftp://h/"), None);
        assert_eq!(Origin::of("/relative"), None);
    }

    #[test]
    fn redirect_locations_resolve_against_the_url_that_gave_them() {
        assert_eq!(resolve("http://h:1/a/b", "/c").as_deref(), Some("http://h:1/c"));
        assert_eq!(resolve("http://h:1/a/b", "c").as_deref(), Some("http://h:1/a/c"));
        assert_eq!(resolve("http://h:1/a/b", "http://s3/x").as_deref(), Some("http://s3/x"));
    }
}
