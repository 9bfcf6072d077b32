//! `verivali media process`: the phone's photo pipeline on a desktop file, for people checking
//! what a photo becomes and for benchmarks (ADR 0011).

use std::{path::PathBuf, process::ExitCode, time::Instant};

use clap::Subcommand;
use serde_json::json;
use verivali_core::host::{PhotoSettings, process_photo_file};

use crate::CliError;

#[derive(Subcommand)]
pub enum MediaCommand {
    /// Proses foto seperti di ponsel / Process a photo as the phone does
    ///
    /// Applies the EXIF orientation, shrinks the long side to --max-side (DCT-scaled decoding),
    /// re-encodes as 4:2:0 JPEG without any metadata (no EXIF, GPS or XMP) and prints the
    /// result's size and SHA-256. A corrupt, truncated, non-JPEG or oversized input is refused
    /// with its reason and exit code 1.
    Process {
        /// Foto masukan (JPEG) / Input photo (JPEG)
        #[arg(value_name = "IN.jpg")]
        input: PathBuf,
        /// Berkas keluaran / Output file
        #[arg(long, value_name = "OUT.jpg")]
        out: PathBuf,
        /// Sisi terpanjang keluaran, piksel / Longest side of the output, pixels
        #[arg(long, value_name = "N", default_value_t = PhotoSettings::default().max_side)]
        max_side: u32,
        /// Kualitas JPEG 1–100 / JPEG quality 1–100
        #[arg(long, value_name = "Q", default_value_t = PhotoSettings::default().quality,
              value_parser = clap::value_parser!(u8).range(1..=100))]
        quality: u8,
        /// Cetak hasil sebagai JSON / Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: MediaCommand) -> Result<ExitCode, CliError> {
    let MediaCommand::Process { input, out, max_side, quality, json } = command;
    if max_side == 0 {
        return Err(CliError::Usage(
            "--max-side harus lebih dari 0 / --max-side must be above 0".into(),
        ));
    }
    let settings = PhotoSettings { max_side, quality, ..PhotoSettings::default() };
    let source_bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    let started = Instant::now();
    let photo = match process_photo_file(&input, &settings) {
        Ok(photo) => photo,
        Err(error) => {
            if json {
                let problem = format!("{:?}", error.problem());
                println!(
                    "{}",
                    json!({"input": input, "refused": problem, "message": error.to_string()})
                );
            }
            eprintln!("{}: {error}", input.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::fs::write(&out, &photo.jpeg)
        .map_err(|e| CliError::Output { path: out.clone(), source: e })?;
    if json {
        let report = json!({
            "input": input,
            "output": out,
            "source": {"width": photo.source_width, "height": photo.source_height,
                       "bytes": source_bytes, "orientation": photo.orientation.exif_value()},
            "width": photo.width,
            "height": photo.height,
            "bytes": photo.jpeg.len(),
            "sha256": photo.sha256,
            "milliseconds": (elapsed_ms * 10.0).round() / 10.0,
        });
        println!("{report}");
    } else {
        println!(
            "{} {}×{} ({} KB, EXIF {}) → {} {}×{} ({} KB) dalam/in {:.0} ms\nsha256 {}",
            input.display(),
            photo.source_width,
            photo.source_height,
            source_bytes / 1024,
            photo.orientation.exif_value(),
            out.display(),
            photo.width,
            photo.height,
            photo.jpeg.len() / 1024,
            elapsed_ms,
            photo.sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}
