//! The photo pipeline: camera JPEG in, small upright JPEG out.
//!
//! 1. Refuse what is not a JPEG, or is too big in bytes or in declared pixels, before decoding.
//! 2. Decode with the DCT scaled to the smallest of 1/8, 1/4, 1/2 or 1 that still covers the
//!    target, so a 12 MP photo is never decoded whole just to be shrunk.
//! 3. Resize to the target long side, turn upright per EXIF, and encode as baseline 4:2:0 JPEG
//!    with nothing but the JFIF header: no EXIF, GPS, XMP or ICC leaves the phone.
//! 4. Hash the result: the hash names the file, so the same photo twice is stored once.
//!
//! Choices and figures: ADR 0011.

use std::{
    fs::File,
    io::{BufRead, BufReader, Read},
    path::Path,
};

use fast_image_resize as fr;

use super::{PhotoError, exif, orient};
use crate::media::Orientation;

/// Limits and output settings of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoSettings {
    /// The output's longest side in pixels (ODK's `max-pixels`); smaller photos keep their size.
    pub max_side: u32,
    /// JPEG quality of the output, 1–100.
    pub quality: u8,
    /// Files larger than this are refused unread.
    pub max_input_bytes: u64,
    /// Photos declaring more pixels than this are refused before decoding.
    pub max_input_pixels: u64,
    /// The most memory the decoder may need for its buffers.
    pub max_decoder_bytes: u64,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            max_side: 1280,
            quality: 80,
            // A 108 MP phone photo is about 30 MB.
            max_input_bytes: 64 * 1024 * 1024,
            max_input_pixels: 120_000_000,
            max_decoder_bytes: 160 * 1024 * 1024,
        }
    }
}

impl PhotoSettings {
    /// The default settings with the form's `max-pixels` for this question, when it has one.
    pub fn with_max_side(max_side: Option<u32>) -> Self {
        let mut settings = PhotoSettings::default();
        if let Some(side) = max_side.filter(|s| *s > 0) {
            settings.max_side = side;
        }
        settings
    }
}

/// A processed photo, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Lowercase hex SHA-256 of `jpeg`.
    pub sha256: String,
    /// The camera's size and orientation, before processing.
    pub source_width: u32,
    pub source_height: u32,
    pub orientation: Orientation,
}

impl Photo {
    /// The file name the instance records: the content hash, so equal photos share a name.
    pub fn file_name(&self) -> String {
        format!("{}.jpg", &self.sha256[..20])
    }
}

/// Processes the photo at `path`.
pub fn process_photo_file(path: &Path, settings: &PhotoSettings) -> Result<Photo, PhotoError> {
    let file = File::open(path).map_err(PhotoError::Unreadable)?;
    let bytes = file.metadata().map_err(PhotoError::Unreadable)?.len();
    check_byte_count(bytes, settings)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let head = reader.fill_buf().map_err(PhotoError::Unreadable)?;
    check_is_jpeg(head)?;
    process(reader, settings)
}

/// Processes a photo already in memory.
pub fn process_photo_bytes(bytes: &[u8], settings: &PhotoSettings) -> Result<Photo, PhotoError> {
    check_byte_count(bytes.len() as u64, settings)?;
    check_is_jpeg(bytes)?;
    process(bytes, settings)
}

fn check_byte_count(bytes: u64, settings: &PhotoSettings) -> Result<(), PhotoError> {
    if bytes == 0 {
        return Err(PhotoError::Empty);
    }
    if bytes > settings.max_input_bytes {
        return Err(PhotoError::TooManyBytes { bytes, limit: settings.max_input_bytes });
    }
    Ok(())
}

/// Refuses other formats by their magic bytes, naming the ones a phone may produce.
fn check_is_jpeg(head: &[u8]) -> Result<(), PhotoError> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(());
    }
    let detected = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        "PNG"
    } else if head.starts_with(b"GIF8") {
        "GIF"
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        "WebP"
    } else if head.get(4..8) == Some(b"ftyp") {
        "HEIC/HEIF"
    } else if head.starts_with(b"BM") {
        "BMP"
    } else if head.starts_with(&[0xFF, 0xD8]) {
        // A start-of-image marker followed by something that is not a marker.
        return Err(PhotoError::Corrupt { detail: "no marker after the start of image".into() });
    } else {
        "unknown / tidak dikenal"
    };
    Err(PhotoError::NotJpeg { detected })
}

fn process<R: Read>(reader: R, settings: &PhotoSettings) -> Result<Photo, PhotoError> {
    // A decoder bug on hostile input must become this photo's error, not a crash of the app.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_and_encode(reader, settings)))
        .unwrap_or_else(|_| Err(PhotoError::Corrupt { detail: "the decoder gave up".into() }))
}

fn decode_and_encode<R: Read>(reader: R, settings: &PhotoSettings) -> Result<Photo, PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(reader);
    decoder.set_max_decoding_buffer_size(settings.max_decoder_bytes as usize);
    decoder.read_info()?;
    let info = decoder.info().ok_or(PhotoError::Corrupt { detail: "no frame header".into() })?;
    let (source_w, source_h) = (u32::from(info.width), u32::from(info.height));
    check_pixel_count(&info, settings)?;
    let orientation =
        decoder.exif_data().and_then(exif::orientation).unwrap_or(Orientation::Normal);

    let (target_w, target_h) = fit(source_w, source_h, settings.max_side);
    let (scaled_w, scaled_h) = decoder.scale(target_w as u16, target_h as u16)?;
    let raw = decoder.decode()?;
    let format = decoder.info().map(|i| i.pixel_format).unwrap_or(info.pixel_format);
    let (pixels, channels) = to_rgb_or_gray(raw, format);
    let pixels =
        resize(pixels, (u32::from(scaled_w), u32::from(scaled_h)), (target_w, target_h), channels)?;
    let (pixels, w, h) =
        orient::upright(pixels, target_w as usize, target_h as usize, channels, orientation);
    let jpeg = encode(&pixels, w as u16, h as u16, channels, settings.quality)?;
    let sha256 = crate::hex::sha256_hex(&jpeg);
    Ok(Photo {
        jpeg,
        width: w as u32,
        height: h as u32,
        sha256,
        source_width: source_w,
        source_height: source_h,
        orientation,
    })
}

/// Refuses decompression bombs: too many declared pixels, or a progressive image whose
/// coefficient buffers (kept whole until the last scan) would not fit the decoder's budget.
fn check_pixel_count(
    info: &jpeg_decoder::ImageInfo,
    settings: &PhotoSettings,
) -> Result<(), PhotoError> {
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let pixels = u64::from(width) * u64::from(height);
    let too_many = PhotoError::TooManyPixels { width, height, limit: settings.max_input_pixels };
    if pixels == 0 || pixels > settings.max_input_pixels {
        return Err(too_many);
    }
    let progressive = info.coding_process == jpeg_decoder::CodingProcess::DctProgressive;
    let coefficient_bytes = pixels * info.pixel_format.pixel_bytes() as u64 * 2;
    if progressive && coefficient_bytes > settings.max_decoder_bytes {
        return Err(too_many);
    }
    Ok(())
}

/// The size that fits `max_side`, keeping the aspect ratio; never larger than the source.
fn fit(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max_side {
        return (w, h);
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long)).max(1)
            as u32
    };
    (scale(w), scale(h))
}

/// Decoded pixels as RGB (3 bytes) or gray (1 byte).
fn to_rgb_or_gray(raw: Vec<u8>, format: jpeg_decoder::PixelFormat) -> (Vec<u8>, usize) {
    use jpeg_decoder::PixelFormat as F;
    match format {
        F::RGB24 => (raw, 3),
        F::L8 => (raw, 1),
        // 16-bit gray only comes from lossless JPEGs; keep the high byte (big-endian samples).
        F::L16 => (raw.chunks_exact(2).map(|p| p[0]).collect(), 1),
        // The decoder hands CMYK with 255 = full ink (Adobe's inversion already undone).
        F::CMYK32 => {
            let rgb = raw
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    let ink = |c: u8| ((255 - u16::from(c)) * k / 255) as u8;
                    [ink(p[0]), ink(p[1]), ink(p[2])]
                })
                .collect();
            (rgb, 3)
        }
    }
}

fn resize(
    pixels: Vec<u8>,
    (from_w, from_h): (u32, u32),
    (to_w, to_h): (u32, u32),
    channels: usize,
) -> Result<Vec<u8>, PhotoError> {
    if (from_w, from_h) == (to_w, to_h) {
        return Ok(pixels);
    }
    let pixel_type = if channels == 3 { fr::PixelType::U8x3 } else { fr::PixelType::U8 };
    let source = fr::images::ImageRef::new(from_w, from_h, &pixels, pixel_type)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    let mut target = fr::images::Image::new(to_w, to_h, pixel_type);
    // After DCT scaling the remaining factor is below 2, where Catmull-Rom is sharp and cheap.
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom));
    fr::Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(target.into_vec())
}

fn encode(
    pixels: &[u8],
    w: u16,
    h: u16,
    channels: usize,
    quality: u8,
) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    let color =
        if channels == 3 { jpeg_encoder::ColorType::Rgb } else { jpeg_encoder::ColorType::Luma };
    encoder.encode(pixels, w, h, color).map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_side_shrinks_to_the_limit_and_small_photos_keep_their_size() {
        assert_eq!(fit(4000, 3000, 1280), (1280, 960));
        assert_eq!(fit(3000, 4000, 1280), (960, 1280));
        assert_eq!(fit(800, 600, 1280), (800, 600));
        assert_eq!(fit(20000, 10, 1280), (1280, 1));
    }

    #[test]
    fn other_formats_are_named_by_their_magic_bytes() {
        let detected = |head: &[u8]| match check_is_jpeg(head) {
            Err(PhotoError::NotJpeg { detected }) => detected,
            other => panic!("{other:?}"),
        };
        assert_eq!(detected(b"\x89PNG\r\n\x1a\n\0\0"), "PNG");
        assert_eq!(detected(b"\0\0\0\x18ftypheic"), "HEIC/HEIF");
        assert_eq!(detected(b"RIFF\0\0\0\0WEBPVP8 "), "WebP");
        assert!(check_is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
    }
}
