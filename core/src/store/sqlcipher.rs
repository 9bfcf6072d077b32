//! SQLCipher's one-time start-up, finished before any connection is keyed.
//!
//! SQLite marks itself initialised *before* it runs SQLCipher's own start-up (the crypto
//! provider, its private heap), and it runs that step outside its lock. A second thread that
//! opens and keys a connection inside that window is told "An error occurred with PRAGMA key or
//! rekey" and the store does not open. CI met it on i686, where start-up is slow and six tests
//! open stores at once; a phone that opens the store while an upload job starts could too.
//!
//! [`ensure_started`] closes the window: under a `Once` it initialises SQLite and then calls
//! SQLCipher's start-up itself. That call is idempotent and takes SQLite's main mutex for its
//! whole length, so it returns only once the start-up is complete, even when another thread
//! (or code outside this crate) began it.

use std::{
    ffi::{c_char, c_int},
    sync::Once,
};

unsafe extern "C" {
    /// SQLCipher's start-up routine (`SQLITE_EXTRA_INIT`) in the bundled amalgamation.
    fn sqlcipher_extra_init(arg: *const c_char) -> c_int;
}

static STARTED: Once = Once::new();

/// Makes sure SQLite and SQLCipher are fully started; cheap after the first call.
pub fn ensure_started() {
    STARTED.call_once(|| {
        // SAFETY: both functions take no pointers from us (a null argument is what SQLite
        // itself passes) and are documented as safe to call more than once, from any thread.
        let initialised = unsafe { rusqlite::ffi::sqlite3_initialize() };
        let started = unsafe { sqlcipher_extra_init(std::ptr::null()) };
        if initialised != 0 || started != 0 {
            // Opening will then fail with SQLite's own error, which names the cause.
            tracing::error!(initialised, started, "SQLCipher did not start");
        }
    });
}
