//! Evidence: the photos and the house location that SIKS-Droid asks for (docs/domain.md#evidence).
//!
//! A phone camera writes 3–10 MB JPEGs; sent as they are they fill the phone and turn one
//! household's upload into an hour on 2G, and decoding them whole crashes cheap phones. This
//! module turns the camera's file into a small, upright, metadata-free JPEG (ADR 0011), and
//! judges a GPS fix against the form's accuracy rule (ADR 0012). Storing and sending the
//! result is the store's and the outbox's business.

mod error;
mod exif;
mod orient;
mod photo;

pub use error::{PhotoError, PhotoProblem};
pub use geo::{FixQuality, Geopoint, LocationPolicy};
pub use orient::Orientation;
pub use photo::{Photo, PhotoSettings, process_photo_bytes, process_photo_file};
pub use verivali_form::geo;
