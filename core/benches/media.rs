//! `media`: a 12 MP and a 48 MP photo-like camera JPEG (baseline 4:2:0, quality 92, EXIF
//! orientation 6 with GPS) down to 1280 px, ours against libjpeg-turbo in the same run
//! (`djpeg -scale M/8 | cjpeg -quality 80`, M the smallest eighth that stays at or above 1280
//! px; Debian's libjpeg-turbo-progs). Also prints our peak heap per photo (counting allocator)
//! and the output sizes. The goal (issue "Evidence"): within 2× of libjpeg-turbo's time; peak
//! under 40 MB (12 MP) and 100 MB (48 MP). Figures and the choice of crates: ADR 0011.
//!
//! `cargo bench -p verivali-core --bench media`

#[path = "../tests/support/photos.rs"]
mod photos;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::Ordering,
};

use criterion::{Criterion, criterion_group, criterion_main};
use verivali_core::media::{PhotoSettings, process_photo_file};

#[path = "support/counting.rs"]
mod counting;

use counting::{Counting, LIVE, PEAK};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TARGET: u32 = 1280;

/// Writes a camera-like photo of `w`×`h` once per machine (in the temporary folder).
fn camera_photo(w: usize, h: usize) -> PathBuf {
    let dir = std::env::temp_dir().join("verivali-bench-photos");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("camera-{w}x{h}.jpg"));
    if !path.exists() {
        // Stored as a phone held upright stores it: sideways, with EXIF 6.
        let pixels = photos::scene(h, w, 3);
        std::fs::write(&path, photos::camera_jpeg(&pixels, h, w, 6, 92)).unwrap();
    }
    path
}

/// The smallest M in M/8 that keeps the long side at or above the target.
fn turbo_scale(long_side: u32) -> u32 {
    (1..=8).find(|m| long_side * m / 8 >= TARGET).unwrap_or(8)
}

fn turbo_command(photo: &Path, long_side: u32) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!(
        "djpeg -scale {}/8 '{}' | cjpeg -quality 80 > /dev/null",
        turbo_scale(long_side),
        photo.display()
    ));
    command
}

fn has_turbo() -> bool {
    Command::new("sh")
        .args(["-c", "command -v djpeg && command -v cjpeg"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn report_memory_and_sizes(name: &str, photo: &Path) {
    let settings = PhotoSettings::default();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = process_photo_file(photo, &settings).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let input = std::fs::metadata(photo).unwrap().len();
    println!(
        "media/{name}: {}×{} {:.1} MB -> {}×{} {} KB; peak heap {:.1} MB",
        out.source_width,
        out.source_height,
        input as f64 / 1e6,
        out.width,
        out.height,
        out.jpeg.len() / 1024,
        peak as f64 / 1e6
    );
}

fn bench(c: &mut Criterion) {
    let photos =
        [("12mp", camera_photo(4000, 3000), 4000), ("48mp", camera_photo(8000, 6000), 8000)];
    let turbo = has_turbo();
    if !turbo {
        println!("media: djpeg/cjpeg not found (apt install libjpeg-turbo-progs); ours only");
    }
    let mut group = c.benchmark_group("media");
    group.sample_size(20);
    for (name, photo, long_side) in &photos {
        report_memory_and_sizes(name, photo);
        let settings = PhotoSettings::default();
        group.bench_function(format!("{name}-to-1280/verivali"), |b| {
            b.iter(|| process_photo_file(photo, &settings).unwrap())
        });
        if turbo {
            group.bench_function(format!("{name}-to-1280/libjpeg-turbo"), |b| {
                b.iter(|| assert!(turbo_command(photo, *long_side).status().unwrap().success()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
