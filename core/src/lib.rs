//! Verivali's core: everything the field app knows, behind a small synchronous API.
//!
//! Layers (DESIGN §2): `form` is the questionnaire engine and does no I/O; `store` does the I/O
//! on the one encrypted database; `api` is the uniffi surface that the Android shell and the CLI
//! call. Later layers (`rules`, `media`, `outbox`) arrive with their issues.

pub mod api;
pub mod bundle;
pub mod form;
pub mod hex;
pub mod interview;
pub mod media;
pub mod outbox;
pub mod rules;
pub mod store;

uniffi::setup_scaffolding!();
