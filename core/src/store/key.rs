//! The database key, and the small key-check file that tells a wrong key from a damaged file.
//!
//! SQLCipher answers "file is not a database" both when the key is wrong and when the first page
//! is damaged. The two must never be confused: a damaged file is moved aside, and moving aside a
//! healthy database because somebody typed the wrong key would strand the enumerator's unsent
//! interviews. So, next to the database, we keep a salted SHA-256 of the key. It reveals nothing
//! useful about a random 32-byte key, and it lets `open` answer `WrongKey` with certainty.

use std::{fs, io::Write, path::Path};

use sha2::{Digest, Sha256};

use super::error::{Error, Result};

const KEY_LEN: usize = 32;
const CHECK_MAGIC: &[u8; 8] = b"VVKEYCK1";
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = CHECK_MAGIC.len() + SALT_LEN + 32;

/// A raw 32-byte SQLCipher key. The shell generates it at random and keeps it wrapped by the
/// Android Keystore; the CLI derives it from a passphrase or reads it from a key file.
#[derive(Clone)]
pub struct StoreKey([u8; KEY_LEN]);

impl StoreKey {
    /// Wraps raw key bytes, refusing anything that is not exactly 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let array: [u8; KEY_LEN] =
            bytes.try_into().map_err(|_| Error::InvalidKeyLength(bytes.len()))?;
        Ok(StoreKey(array))
    }

    /// The `PRAGMA key` statement for this key, in SQLCipher's raw-key syntax (no KDF).
    pub(crate) fn pragma(&self) -> String {
        format!("PRAGMA key = \"x'{}'\";", crate::hex::hex(&self.0))
    }

    fn fingerprint(&self, salt: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"verivali key check v1");
        hasher.update(salt);
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        // Best effort: leave no copy of the key in freed memory.
        self.0.iter_mut().for_each(|b| *b = 0);
    }
}

/// What the key-check file says about a key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    Matches,
    DiffersFromStored,
    NothingStored,
}

pub(crate) fn check_key(path: &Path, key: &StoreKey) -> Result<KeyCheck> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyCheck::NothingStored),
        Err(e) => return Err(Error::io("read the key check file", path, e)),
    };
    if bytes.len() != CHECK_LEN || !bytes.starts_with(CHECK_MAGIC) {
        tracing::warn!("key check file is unreadable; ignoring it");
        return Ok(KeyCheck::NothingStored);
    }
    let salt = &bytes[CHECK_MAGIC.len()..CHECK_MAGIC.len() + SALT_LEN];
    let stored = &bytes[CHECK_MAGIC.len() + SALT_LEN..];
    if key.fingerprint(salt).as_slice() == stored {
        Ok(KeyCheck::Matches)
    } else {
        Ok(KeyCheck::DiffersFromStored)
    }
}

/// Writes the key-check file atomically: a temporary file, fsync, then rename.
pub(crate) fn store_key_check(path: &Path, key: &StoreKey) -> Result<()> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| Error::Random(e.to_string()))?;
    let mut content = Vec::with_capacity(CHECK_LEN);
    content.extend_from_slice(CHECK_MAGIC);
    content.extend_from_slice(&salt);
    content.extend_from_slice(&key.fingerprint(&salt));
    let tmp = path.with_extension("keycheck-tmp");
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&content)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| Error::io("write the key check file", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_of_wrong_length_is_refused() {
        assert!(matches!(StoreKey::from_bytes(&[1; 31]), Err(Error::InvalidKeyLength(31))));
        assert!(StoreKey::from_bytes(&[1; 32]).is_ok());
    }

    #[test]
    fn key_check_tells_same_key_from_other_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = StoreKey::from_bytes(&[7; 32]).unwrap();
        assert_eq!(check_key(&path, &key).unwrap(), KeyCheck::NothingStored);
        store_key_check(&path, &key).unwrap();
        assert_eq!(check_key(&path, &key).unwrap(), KeyCheck::Matches);
        let other = StoreKey::from_bytes(&[8; 32]).unwrap();
        assert_eq!(check_key(&path, &other).unwrap(), KeyCheck::DiffersFromStored);
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = StoreKey::from_bytes(&[0xab; 32]).unwrap();
        assert!(!format!("{key:?}").contains("ab"));
    }
}
