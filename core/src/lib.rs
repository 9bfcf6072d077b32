//! Verivali's core: everything the field app knows, behind a small synchronous API.
//!
//! The layers (docs/architecture.md): the questionnaire engine (`verivali-form`) and the
//! registry's rules (`verivali-rules`) are crates of their own that cannot do I/O. This crate
//! holds what does: `store` (the one encrypted SQLite database), `media` (the photo pipeline),
//! `outbox` (upload to an OpenRosa server, with encryption and the HTTP client), `sync` (forms
//! and their media down from it), `interview` (a visit: the
//! engine's session bound to the store and the rules) and `bundle` (offline hand-over files).
//! Outside this crate only two modules are visible: [`api`], the uniffi surface that the Android
//! shell and the CLI call, and [`host`], the few Rust-only pieces a program on a computer needs.
//!
//! The `internals` feature makes the private modules public for this workspace's tests and
//! benchmarks, which reach below the API on purpose; the CLI and the app never enable it.

pub mod api;
pub mod host;

/// Declares the internal modules: crate-private, or public under the `internals` feature.
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            pub(crate) mod $name;
        )*
    };
}

internal_modules!(bundle, interview, media, outbox, store, sync);

// The engine and the rules live in their own crates, which cannot do I/O; inside the core they
// keep their short names.
use verivali_form as form;
use verivali_form::hex;
use verivali_rules as rules;

uniffi::setup_scaffolding!();
