//! Verivali's core: everything the field app knows, behind a small synchronous API.
//!
//! Layers (DESIGN §2): `form` is the questionnaire engine and does no I/O; `store` does the I/O
//! on the one encrypted database; `api` is the uniffi surface that the Android shell and the CLI
//! call. Later layers (`rules`, `media`, `outbox`) arrive with their issues.

pub mod api;
pub mod bundle;
pub mod interview;
pub mod media;
pub mod outbox;
pub mod store;

// The engine and the rules live in their own crates, which cannot do I/O; inside the core they
// keep their short names.
use verivali_form as form;
use verivali_form::hex;
use verivali_rules as rules;

uniffi::setup_scaffolding!();
