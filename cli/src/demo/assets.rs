//! What the demo brings with it, so `verivali demo` runs on a fresh clone with no arguments:
//! the DTKS form with its region CSVs, the 200-household sample prelist, and three synthetic
//! camera photos. All are this repository's own fixtures, compiled in.

use std::path::{Path, PathBuf};

const FORM: &[(&str, &[u8])] = verivali_cli::fixtures::field_day::DTKS_FORM;

/// The 200-household sample prelist; the visits take their answers from its first records.
pub const PRELIST: &[u8] = include_bytes!("../../../test-fixtures/prelist/sample.jsonl");

/// Camera-like photos: upright, and as phones held sideways store them.
pub const PHOTOS: &[(&str, &[u8])] = &[
    ("depan.jpg", include_bytes!("../../../test-fixtures/photos/exif-6.jpg")),
    ("samping.jpg", include_bytes!("../../../test-fixtures/photos/exif-8.jpg")),
    ("kk.jpg", include_bytes!("../../../test-fixtures/photos/exif-1.jpg")),
];

/// Where the demo's inputs were written.
pub struct Assets {
    pub form: PathBuf,
    pub prelist: PathBuf,
    pub photos: PathBuf,
}

/// Writes the embedded inputs under `dir/inputs`.
pub fn write(dir: &Path) -> std::io::Result<Assets> {
    let inputs = dir.join("inputs");
    let form_dir = inputs.join("dtks-verivali");
    let photos = inputs.join("photos");
    std::fs::create_dir_all(&form_dir)?;
    std::fs::create_dir_all(&photos)?;
    for (name, bytes) in FORM {
        std::fs::write(form_dir.join(name), bytes)?;
    }
    for (name, bytes) in PHOTOS {
        std::fs::write(photos.join(name), bytes)?;
    }
    let prelist = inputs.join("prelist.jsonl");
    std::fs::write(&prelist, PRELIST)?;
    Ok(Assets { form: form_dir.join("form.xml"), prelist, photos })
}
