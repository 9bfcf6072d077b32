//! The review model lives in `verivali-rules` ([`verivali_rules::review`]), pure, so that the
//! receiver and a pengawas's phone draw the same sample and allow the same actions.

pub use verivali_rules::review::*;
