//! Writes the photo fixtures of `test-fixtures/photos/` (see its README):
//! `cargo run -p verivali-core --example photo_fixtures [-- DIR]`.

#[path = "../tests/support/photos.rs"]
mod photos;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-fixtures/photos").to_owned()
    });
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in photos::fixtures() {
        std::fs::write(format!("{dir}/{name}"), &bytes)?;
        println!("{name}: {} bytes", bytes.len());
    }
    Ok(())
}
