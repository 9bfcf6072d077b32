//! The questionnaire engine, sans I/O: the caller hands it bytes, a clock reading and a random
//! seed, and gets values back. It is a crate of its own so that the compiler, not a convention,
//! keeps SQLite, HTTP, uniffi, files and the OS clock out of it (`.ci/run` checks its
//! dependency tree; docs/architecture.md).
//!
//! The parts: the instance tree ([`dom`]); the compact read-only trees for secondary instances
//! ([`frozen`], read by the guarded tokenizer in [`scan`]; ADR 0008); XPath 1.0 with the ODK
//! function library ([`xpath`]), held to JavaRosa 5.1.0 by the conformance cases in
//! `test-fixtures/conformance/xpath` (`form/tests/xpath_conformance.rs`, ADR 0006); the form
//! definition ([`definition`]): an XForm read into instances, binds, controls and translations;
//! and the [`session`] that walks it: screens, repeats, values, validation, prefill and meta.
//! [`geo`] (a geopoint and the form's accuracy rule) and [`hex`] are small pure helpers the
//! engine's callers share.

pub mod definition;
pub mod dom;
pub mod frozen;
pub mod geo;
pub mod hex;
pub mod scan;
pub mod session;
pub mod tree;
pub mod xpath;
