//! People's accounts on the receiver: operators, pengawas and viewers log in to its pages;
//! devices never do (their tokens serve OpenRosa only). Passwords are hashed with Argon2id;
//! a session is a random id in an HttpOnly, SameSite=Strict cookie (Secure under TLS), stored
//! hashed, with its own CSRF token for every form it posts; repeated failed logins for a name or
//! from an address are throttled before the password is even checked.

use std::{
    collections::HashMap,
    net::IpAddr,
    path::Path,
    time::{Duration, Instant},
};

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use rusqlite::{Connection, OptionalExtension, params};
use verivali_core::api::now_ms;
use verivali_form::hex::sha256_hex;

use crate::{ServeError, random_hex, store};

/// How long a login session lasts.
pub const SESSION_MS: i64 = 8 * 60 * 60 * 1000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Failed logins (for a name, or from an address) before the next attempts are refused.
pub const FREE_FAILURES: u32 = 5;

/// What a person may do on the receiver's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the office: forms, tokens, prelists, exports.
    Operator,
    /// Reviews enumerators' work.
    Pengawas,
    /// Follows progress only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Pengawas => "pengawas",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "operator" => Some(Role::Operator),
            "pengawas" => Some(Role::Pengawas),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// Adds a person who logs in with `name` and `password`.
pub fn add_user(
    dir: &Path,
    key: &[u8],
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), ServeError> {
    if !usable_user_name(name) {
        return Err(ServeError::User(
            "nama pengguna: 1–64 huruf, angka, titik, garis bawah atau tanda hubung / user name: 1–64 letters, digits, dots, underscores or hyphens".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServeError::User(format!(
            "kata sandi minimal {MIN_PASSWORD_CHARS} karakter / the password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let hash = hash_password(password)?;
    let conn = store::open(dir, key)?;
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), hash, now_ms()],
    )?;
    if inserted == 0 {
        return Err(ServeError::User(format!(
            "pengguna {name} sudah ada / the user {name} already exists"
        )));
    }
    Ok(())
}

/// A user name: 1–64 ASCII letters, digits, `.`, `_` or `-`.
pub(crate) fn usable_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn hash_password(password: &str) -> Result<String, ServeError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ServeError::User(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServeError::User(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServeError::User(e.to_string()))
}

/// A logged-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The token every form this session posts must carry.
    pub csrf: String,
}

/// A user's role and password hash, read under the database lock; the hashing itself happens
/// outside it ([`verify`]).
pub(crate) fn credentials(
    conn: &Connection,
    name: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row("SELECT role, password_hash FROM users WHERE name = ?1", [name], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// The user's role when `password` matches their `credentials`. An unknown name (`None`) costs
/// the same hashing work as a known one, so timing does not tell which names exist.
pub(crate) fn verify(credentials: Option<(String, String)>, password: &str) -> Option<Role> {
    let (role, hash) = credentials.unwrap_or_else(|| (String::new(), decoy_hash()));
    let matches = PasswordHash::new(&hash)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok());
    if matches { Role::parse(&role) } else { None }
}

/// A valid Argon2id hash of no one's password, verified against for unknown names.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password no one has").unwrap_or_default()).clone()
}

/// A new session's cookie value and CSRF token.
pub(crate) fn new_session_secrets() -> Result<(String, String), ServeError> {
    Ok((random_hex(32)?, random_hex(32)?))
}

/// Starts a session for `user` with the secrets of [`new_session_secrets`]; returns the cookie
/// value.
pub(crate) fn start_session(
    conn: &Connection,
    user: &str,
    (id, csrf): (String, String),
    now: i64,
) -> rusqlite::Result<String> {
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    conn.execute(
        "INSERT INTO sessions (session_sha, user, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256_hex(id.as_bytes()), user, csrf, now + SESSION_MS],
    )?;
    Ok(id)
}

/// The session a cookie value belongs to, while it lasts.
pub(crate) fn session(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<Option<Session>> {
    conn.query_row(
        "SELECT s.user, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.user
         WHERE s.session_sha = ?1 AND s.expires_at >= ?2",
        params![sha256_hex(id.as_bytes()), now],
        |r| {
            let role: String = r.get(1)?;
            Ok(Session {
                user: r.get(0)?,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                csrf: r.get(2)?,
            })
        },
    )
    .optional()
}

pub(crate) fn end_session(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE session_sha = ?1", [sha256_hex(id.as_bytes())])?;
    Ok(())
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Login attempts per user name and per address (IPv6 by its /64). Each attempt counts when it
/// starts, so attempts racing each other are counted too; a success clears both counters. After
/// [`FREE_FAILURES`], each further attempt waits twice as long as the last (from 30 s, at most an
/// hour), password unchecked. A counter untouched for an hour starts again from zero.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    attempts: HashMap<String, (u32, Instant)>,
}

/// How long a quiet counter is remembered.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

impl Throttle {
    fn keys(name: &str, peer: IpAddr) -> [String; 2] {
        let address = match peer {
            IpAddr::V6(v6) => {
                let segments = v6.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
            IpAddr::V4(v4) => v4.to_string(),
        };
        [format!("user:{name}"), format!("ip:{address}")]
    }

    /// Starts an attempt for `name` from `peer`: counts it, or says how long to wait first.
    pub fn begin(&mut self, name: &str, peer: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.attempts.len() > 100_000 {
            self.attempts.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
        }
        let keys = Throttle::keys(name, peer);
        let wait = keys
            .iter()
            .filter_map(|key| self.attempts.get(key))
            .filter(|(_, last)| now.duration_since(*last) < FORGET_AFTER)
            .filter(|(count, _)| *count >= FREE_FAILURES)
            .map(|(count, last)| {
                let doublings = (count - FREE_FAILURES).min(7);
                let lock = Duration::from_secs(30 << doublings).min(Duration::from_secs(3600));
                (*last + lock).saturating_duration_since(now)
            })
            .filter(|left| !left.is_zero())
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        for key in keys {
            let entry = self.attempts.entry(key).or_insert((0, now));
            let count = if now.duration_since(entry.1) >= FORGET_AFTER { 0 } else { entry.0 };
            *entry = (count.saturating_add(1), now);
        }
        Ok(())
    }

    pub fn succeeded(&mut self, name: &str, peer: IpAddr) {
        for key in Throttle::keys(name, peer) {
            self.attempts.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_attempts_are_free_then_each_waits_longer_and_a_quiet_hour_forgets() {
        let mut throttle = Throttle::default();
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.begin("ani", peer, start), Ok(()));
        }
        assert_eq!(throttle.begin("ani", peer, start), Err(Duration::from_secs(30)));
        // Another name from the same address waits too; the same name from elsewhere too.
        assert!(throttle.begin("budi", peer, start).is_err());
        assert!(throttle.begin("ani", "10.0.0.2".parse().unwrap(), start).is_err());
        let later = start + Duration::from_secs(31);
        assert_eq!(throttle.begin("ani", peer, later), Ok(()));
        assert_eq!(throttle.begin("ani", peer, later), Err(Duration::from_secs(60)));
        let quiet = later + FORGET_AFTER;
        assert_eq!(throttle.begin("ani", peer, quiet), Ok(()), "an hour later it starts again");
        throttle.succeeded("ani", peer);
        assert_eq!(throttle.begin("ani", peer, quiet), Ok(()));
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let mut throttle = Throttle::default();
        let now = Instant::now();
        for host in 0..FREE_FAILURES {
            let peer: IpAddr = format!("2001:db8:1:2::{host:x}").parse().unwrap();
            assert_eq!(throttle.begin(&format!("u{host}"), peer, now), Ok(()));
        }
        assert!(throttle.begin("other", "2001:db8:1:2::ffff".parse().unwrap(), now).is_err());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "ab"));
    }
}
