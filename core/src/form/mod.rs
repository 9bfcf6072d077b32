//! The questionnaire engine, sans I/O: the caller hands it bytes and gets values back.
//!
//! Built so far: the instance tree ([`dom`]) and XPath 1.0 with the ODK function library
//! ([`xpath`]), held to JavaRosa's behaviour by the conformance cases in
//! `shared/conformance/xpath` (see `core/tests/xpath_conformance.rs`). The form model, bind
//! model, repeats, itemsets and screens build on these.

pub mod dom;
pub mod xpath;
