//! The Verivali command line as a library, so that integration tests and benchmarks reach the
//! same code the binary runs.

pub mod fixtures;
pub mod key;
/// The receiver (`verivali serve`), its own crate.
pub use verivali_receiver as serve;
