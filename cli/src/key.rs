//! Where the CLI gets the database key: a key file, the `VERIVALI_KEY` environment variable, or
//! (loudly) a fixed development key.
//!
//! A secret of exactly 64 hex digits is taken as the raw 32-byte key, as the Android shell
//! holds it. Anything else is a passphrase, stretched with PBKDF2-HMAC-SHA256 over a random salt
//! kept beside the database (`verivali.salt`). Without the salt the passphrase opens nothing, so
//! the salt is written once and never replaced.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
const PBKDF2_ROUNDS: u32 = 210_000;
const SALT_FILE: &str = "verivali.salt";
const MIN_PASSPHRASE_CHARS: usize = 8;

/// The well-known key behind `--insecure-dev-key`. Anyone can open a store made with it.
pub const INSECURE_DEV_KEY: [u8; 32] = *b"verivali-insecure-development-k!";

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "Tidak ada kunci basis data. Berikan --key-file FILE atau variabel lingkungan VERIVALI_KEY \
         (atau --insecure-dev-key untuk uji coba saja).\n\
         No database key. Give --key-file FILE or the VERIVALI_KEY environment variable \
         (or --insecure-dev-key, for trials only)."
    )]
    Missing,

    #[error(
        "Berkas kunci {path} tidak dapat dibaca: {source} / The key file {path} cannot be read: {source}"
    )]
    Unreadable { path: PathBuf, source: std::io::Error },

    #[error("Kunci dari {origin} kosong. / The key from {origin} is empty.")]
    Empty { origin: String },

    #[error(
        "Frasa sandi dari {origin} terlalu pendek (minimal {MIN_PASSPHRASE_CHARS} karakter). / \
         The passphrase from {origin} is too short (at least {MIN_PASSPHRASE_CHARS} characters)."
    )]
    TooShort { origin: String },

    #[error(
        "Garam kunci {path} tidak dapat dipakai: {reason} / The key salt {path} cannot be used: {reason}"
    )]
    Salt { path: PathBuf, reason: String },
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    File(PathBuf),
    Environment,
    InsecureDevKey,
}

/// Resolves the key for the store in `data_dir`.
pub fn resolve(
    key_file: Option<&Path>,
    env_key: Option<&str>,
    insecure_dev_key: bool,
    data_dir: &Path,
) -> Result<(Vec<u8>, KeyOrigin), KeyError> {
    if let Some(path) = key_file {
        let secret = fs::read_to_string(path)
            .map_err(|source| KeyError::Unreadable { path: path.to_owned(), source })?;
        let origin = path.display().to_string();
        return Ok((from_secret(&secret, &origin, data_dir)?, KeyOrigin::File(path.to_owned())));
    }
    if let Some(secret) = env_key {
        return Ok((from_secret(secret, "VERIVALI_KEY", data_dir)?, KeyOrigin::Environment));
    }
    if insecure_dev_key {
        return Ok((INSECURE_DEV_KEY.to_vec(), KeyOrigin::InsecureDevKey));
    }
    Err(KeyError::Missing)
}

fn from_secret(secret: &str, origin: &str, data_dir: &Path) -> Result<Vec<u8>, KeyError> {
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(KeyError::Empty { origin: origin.into() });
    }
    if let Some(raw) = decode_hex_key(secret) {
        return Ok(raw);
    }
    if secret.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(KeyError::TooShort { origin: origin.into() });
    }
    let salt = load_or_create_salt(data_dir)?;
    let mut key = vec![0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(secret.as_bytes(), &salt, PBKDF2_ROUNDS, &mut key);
    Ok(key)
}

fn decode_hex_key(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    verivali_form::hex::decode(text)
}

fn load_or_create_salt(data_dir: &Path) -> Result<Vec<u8>, KeyError> {
    let path = data_dir.join(SALT_FILE);
    let fail = |reason: String| KeyError::Salt { path: path.clone(), reason };
    match fs::read(&path) {
        Ok(salt) if salt.len() == 16 => return Ok(salt),
        Ok(_) => return Err(fail("it is not 16 bytes long".into())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(e.to_string())),
        Err(_) => {}
    }
    let mut salt = vec![0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| fail(e.to_string()))?;
    fs::create_dir_all(data_dir).map_err(|e| fail(e.to_string()))?;
    let tmp = path.with_extension("salt-tmp");
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&salt)?;
        file.sync_all()?;
        fs::rename(&tmp, &path)
    };
    write().map_err(|e| fail(e.to_string()))?;
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_anywhere_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(resolve(None, None, false, dir.path()), Err(KeyError::Missing)));
    }

    #[test]
    fn sixty_four_hex_digits_are_the_raw_key() {
        let dir = tempfile::tempdir().unwrap();
        let hex = "00".repeat(31) + "ff";
        let (key, origin) = resolve(None, Some(&hex), false, dir.path()).unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(key[31], 0xff);
        assert_eq!(origin, KeyOrigin::Environment);
        assert!(!dir.path().join(SALT_FILE).exists(), "a raw key needs no salt");
    }

    #[test]
    fn passphrase_gives_the_same_key_twice_in_one_data_dir_and_another_elsewhere() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let first = resolve(None, Some("kopi tubruk pagi"), false, a.path()).unwrap().0;
        let second = resolve(None, Some("kopi tubruk pagi\n"), false, a.path()).unwrap().0;
        let elsewhere = resolve(None, Some("kopi tubruk pagi"), false, b.path()).unwrap().0;
        assert_eq!(first, second);
        assert_ne!(first, elsewhere, "each data directory has its own salt");
    }

    #[test]
    fn key_file_wins_over_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        fs::write(&file, "11".repeat(32)).unwrap();
        let (key, origin) =
            resolve(Some(&file), Some(&"22".repeat(32)), false, dir.path()).unwrap();
        assert_eq!(key, vec![0x11; 32]);
        assert_eq!(origin, KeyOrigin::File(file));
    }

    #[test]
    fn short_passphrase_and_empty_key_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            resolve(None, Some("abc"), false, dir.path()),
            Err(KeyError::TooShort { .. })
        ));
        assert!(matches!(
            resolve(None, Some("  \n"), false, dir.path()),
            Err(KeyError::Empty { .. })
        ));
    }

    #[test]
    fn missing_key_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve(Some(&dir.path().join("nope.key")), None, false, dir.path()).unwrap_err();
        assert!(err.to_string().contains("nope.key"));
    }
}
