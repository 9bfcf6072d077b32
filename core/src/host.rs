//! Rust-only building blocks for programs that run on a computer beside the phone's API: the
//! CLI's form tools, the office receiver, the photo command and the benchmarks.
//!
//! The phone reaches the core only through [`crate::api`]. A host on a computer also needs a few
//! pieces that have no place in that surface: reading a form's media from a folder, the photo
//! pipeline on its own, reading an offline bundle, and SQLCipher's start-up for a database the host keys itself. They are
//! listed here, and only here, so that the rest of the core stays private to it.

pub use crate::interview::FolderMedia;

/// Reading a device's offline bundle for import (the receiver), and checking that a device
/// registering its signing key holds it.
pub mod bundle {
    pub use crate::bundle::{
        BundleError, Bundled, Checked, Opened, key_registration_holds, open_verified,
    };
    pub use crate::store::team::{BackcheckRecord, Decision};
}
pub use crate::media::{
    Photo, PhotoError, PhotoProblem, PhotoSettings, process_photo_bytes, process_photo_file,
};

/// Finishes SQLite's and SQLCipher's start-up before the host keys a connection of its own
/// (the receiver's database); see `store::sqlcipher` for the race it closes.
pub fn start_sqlcipher() {
    crate::store::sqlcipher::ensure_started();
}
