//! The questionnaire engine, sans I/O: the caller hands it bytes and gets values back.
//!
//! Built so far: the instance tree ([`dom`]), the compact read-only trees for secondary
//! instances ([`frozen`], read by the guarded tokenizer in [`scan`]; ADR 0008), XPath 1.0 with
//! the ODK function library
//! ([`xpath`]), held to JavaRosa's behaviour by the conformance cases in
//! `test-fixtures/conformance/xpath` (see `core/tests/xpath_conformance.rs`), and the form definition
//! ([`definition`]): an XForm read into instances, binds, controls and translations. The bind
//! model, repeats, itemsets and screens build on these.

pub mod definition;
pub mod dom;
pub mod frozen;
pub mod scan;
pub mod session;
pub mod tree;
pub mod xpath;
