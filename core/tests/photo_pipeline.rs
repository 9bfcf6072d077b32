//! The photo pipeline on the fixtures of `test-fixtures/photos/`: upright output judged on
//! pixels, no metadata left, each bad input refused with its own error.

#[path = "support/photos.rs"]
mod photos;

use std::path::PathBuf;

use verivali_core::media::{
    Orientation, PhotoError, PhotoProblem, PhotoSettings, process_photo_bytes, process_photo_file,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../test-fixtures/photos")).join(name)
}

/// Decodes a JPEG to RGB for judging.
fn decode(jpeg: &[u8]) -> (Vec<u8>, usize, usize) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().expect("our output decodes");
    let info = decoder.info().unwrap();
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&g| [g, g, g]).collect(),
        _ => pixels,
    };
    (rgb, info.width as usize, info.height as usize)
}

/// The mean colour of the middle of a corner's marker square.
fn corner_colour(rgb: &[u8], w: usize, h: usize, corner: photos::Corner) -> [u8; 3] {
    let side = photos::marker_side(w, h);
    let (x0, y0) = match corner {
        photos::Corner::TopLeft => (0, 0),
        photos::Corner::TopRight => (w - side, 0),
        photos::Corner::BottomLeft => (0, h - side),
        photos::Corner::BottomRight => (w - side, h - side),
    };
    let mut sum = [0u64; 3];
    let mut count = 0;
    for y in y0 + side / 4..y0 + side * 3 / 4 {
        for x in x0 + side / 4..x0 + side * 3 / 4 {
            for c in 0..3 {
                sum[c] += u64::from(rgb[(y * w + x) * 3 + c]);
            }
            count += 1;
        }
    }
    sum.map(|s| (s / count) as u8)
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 40)
}

fn assert_upright(jpeg: &[u8], expected_w: usize, expected_h: usize, what: &str) {
    use photos::Corner::*;
    let (rgb, w, h) = decode(jpeg);
    assert_eq!((w, h), (expected_w, expected_h), "{what}: size");
    let top_left = corner_colour(&rgb, w, h, TopLeft);
    let top_right = corner_colour(&rgb, w, h, TopRight);
    assert!(near(top_left, photos::RED), "{what}: top-left is {top_left:?}, not red");
    assert!(near(top_right, photos::BLUE), "{what}: top-right is {top_right:?}, not blue");
    for corner in [BottomLeft, BottomRight] {
        let colour = corner_colour(&rgb, w, h, corner);
        assert!(
            !near(colour, photos::RED) && !near(colour, photos::BLUE),
            "{what}: {corner:?} holds a marker ({colour:?})"
        );
    }
}

#[test]
fn every_exif_orientation_comes_out_upright_at_full_and_scaled_size() {
    for (name, orientation) in [
        ("exif-1.jpg", Orientation::Normal),
        ("exif-3.jpg", Orientation::Rotate180),
        ("exif-6.jpg", Orientation::Rotate90),
        ("exif-8.jpg", Orientation::Rotate270),
        ("progressive-exif-6.jpg", Orientation::Rotate90),
    ] {
        let photo = process_photo_file(&fixture(name), &PhotoSettings::default()).unwrap();
        assert_eq!(photo.orientation, orientation, "{name}");
        assert_eq!((photo.width, photo.height), (480, 360), "{name}");
        assert_upright(&photo.jpeg, 480, 360, name);

        // 480 → 240 goes through the decoder's 1/2 DCT scaling; 200 adds a resize after it.
        for side in [240, 200] {
            let settings = PhotoSettings::with_max_side(Some(side));
            let photo = process_photo_file(&fixture(name), &settings).unwrap();
            let expected_h = (360 * side as usize + 240) / 480;
            assert_upright(&photo.jpeg, side as usize, expected_h, &format!("{name} at {side}"));
        }
    }
}

#[test]
fn cmyk_and_gray_photos_come_out_as_viewable_jpegs() {
    let photo = process_photo_file(&fixture("cmyk.jpg"), &PhotoSettings::default()).unwrap();
    assert_upright(&photo.jpeg, 480, 360, "cmyk");
    let photo = process_photo_file(&fixture("gray.jpg"), &PhotoSettings::default()).unwrap();
    let (rgb, w, h) = decode(&photo.jpeg);
    assert_eq!((w, h), (480, 360));
    assert!(rgb.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]), "gray stays gray");
}

#[test]
fn the_output_holds_no_exif_gps_xmp_or_comment() {
    let input = std::fs::read(fixture("exif-6.jpg")).unwrap();
    assert_eq!(photos::metadata_markers(&input), vec![0xE0, 0xE1, 0xE1], "the input has EXIF+XMP");
    let photo = process_photo_bytes(&input, &PhotoSettings::default()).unwrap();
    // Only the JFIF header (APP0) remains.
    assert_eq!(photos::metadata_markers(&photo.jpeg), vec![0xE0]);
    let app0 = photos::find_marker(&photo.jpeg, 0xE0).unwrap();
    assert_eq!(&photo.jpeg[app0 + 4..app0 + 9], b"JFIF\0");
    let mut decoder = jpeg_decoder::Decoder::new(&photo.jpeg[..]);
    decoder.read_info().unwrap();
    assert!(decoder.exif_data().is_none());
    assert!(decoder.xmp_data().is_none());
    assert!(decoder.icc_profile().is_none());
    for needle in [&b"Exif"[..], b"http://ns.adobe.com", b"GPS"] {
        assert!(!photo.jpeg.windows(needle.len()).any(|w| w == needle), "{needle:?} left");
    }
}

#[test]
fn the_output_is_four_two_zero_and_named_by_its_hash() {
    let settings = PhotoSettings::default();
    let a = process_photo_file(&fixture("exif-1.jpg"), &settings).unwrap();
    let b = process_photo_file(&fixture("exif-1.jpg"), &settings).unwrap();
    assert_eq!(a.sha256, b.sha256, "the same photo twice gives the same bytes");
    assert_eq!(a.file_name(), format!("{}.jpg", &a.sha256[..20]));
    let other = process_photo_file(&fixture("exif-3.jpg"), &settings).unwrap();
    assert_ne!(a.file_name(), other.file_name());
    // Frame header: components with sampling factors; Y is 2×2, Cb and Cr 1×1.
    let sof = photos::find_marker(&a.jpeg, 0xC0).expect("baseline output");
    assert_eq!(a.jpeg[sof + 9], 3);
    assert_eq!([a.jpeg[sof + 11], a.jpeg[sof + 14], a.jpeg[sof + 17]], [0x22, 0x11, 0x11]);
}

fn problem(result: Result<verivali_core::media::Photo, PhotoError>) -> PhotoProblem {
    match result {
        Ok(_) => panic!("accepted a bad photo"),
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(" / "), "bilingual: {message}");
            e.problem()
        }
    }
}

#[test]
fn each_bad_input_gets_its_own_error() {
    let settings = PhotoSettings::default();
    let file = |name: &str| problem(process_photo_file(&fixture(name), &settings));
    assert_eq!(file("truncated.jpg"), PhotoProblem::Truncated);
    assert_eq!(file("corrupt.jpg"), PhotoProblem::Corrupt);
    assert_eq!(file("bomb.jpg"), PhotoProblem::TooManyPixels);
    assert_eq!(file("png-named-jpg.jpg"), PhotoProblem::NotJpeg);
    assert_eq!(file("no-such-photo.jpg"), PhotoProblem::Unreadable);
    assert_eq!(problem(process_photo_bytes(b"", &settings)), PhotoProblem::Empty);
    let tiny = PhotoSettings { max_input_bytes: 1_000, ..PhotoSettings::default() };
    assert_eq!(
        problem(process_photo_file(&fixture("exif-1.jpg"), &tiny)),
        PhotoProblem::TooManyBytes
    );
    let few = PhotoSettings { max_input_pixels: 100_000, ..PhotoSettings::default() };
    assert_eq!(
        problem(process_photo_file(&fixture("exif-1.jpg"), &few)),
        PhotoProblem::TooManyPixels
    );
}

#[test]
fn every_cut_of_a_photo_is_refused_or_decoded_never_a_crash() {
    let whole = std::fs::read(fixture("exif-6.jpg")).unwrap();
    let settings = PhotoSettings::default();
    for cut in (0..whole.len()).step_by(997) {
        let _ = process_photo_bytes(&whole[..cut], &settings);
    }
    let mut noisy = whole.clone();
    for i in (600..noisy.len()).step_by(331) {
        noisy[i] ^= 0x5A;
    }
    let _ = process_photo_bytes(&noisy, &settings);
}
