//! The one EXIF field the pipeline needs: the orientation (tag 0x0112 of IFD0). Everything else
//! in EXIF is dropped on purpose (the output carries no metadata), so this is a bounds-checked
//! reader of a few bytes, not an EXIF library. A malformed block means "no orientation".

use super::Orientation;

const ORIENTATION_TAG: u16 = 0x0112;
const TYPE_SHORT: u16 = 3;

/// The orientation in an APP1 EXIF payload (with or without its `Exif\0\0` header).
pub(crate) fn orientation(exif: &[u8]) -> Option<Orientation> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let big_endian = match tiff.get(..2)? {
        b"II" => false,
        b"MM" => true,
        _ => return None,
    };
    let read16 = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    };
    let read32 = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    if read16(2)? != 42 {
        return None;
    }
    let ifd = read32(4)? as usize;
    let entries = read16(ifd)? as usize;
    (0..entries.min(512)).find_map(|i| {
        let entry = ifd.checked_add(2)?.checked_add(i * 12)?;
        if read16(entry)? != ORIENTATION_TAG || read16(entry + 2)? != TYPE_SHORT {
            return None;
        }
        Orientation::from_exif(read16(entry + 8)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiff(big_endian: bool, value: u16) -> Vec<u8> {
        type Writers = (fn(u16) -> [u8; 2], fn(u32) -> [u8; 4]);
        let (w16, w32): Writers = if big_endian {
            (u16::to_be_bytes, u32::to_be_bytes)
        } else {
            (u16::to_le_bytes, u32::to_le_bytes)
        };
        let mut out = if big_endian { b"MM".to_vec() } else { b"II".to_vec() };
        out.extend(w16(42));
        out.extend(w32(8));
        out.extend(w16(2));
        // An unrelated tag first (ImageWidth), then the orientation.
        out.extend(w16(0x0100));
        out.extend(w16(TYPE_SHORT));
        out.extend(w32(1));
        out.extend(w16(4000));
        out.extend([0, 0]);
        out.extend(w16(ORIENTATION_TAG));
        out.extend(w16(TYPE_SHORT));
        out.extend(w32(1));
        out.extend(w16(value));
        out.extend([0, 0]);
        out.extend(w32(0));
        out
    }

    #[test]
    fn orientation_is_read_in_either_byte_order_with_or_without_the_exif_header() {
        assert_eq!(orientation(&tiff(false, 6)), Some(Orientation::Rotate90));
        assert_eq!(orientation(&tiff(true, 8)), Some(Orientation::Rotate270));
        let mut with_header = b"Exif\0\0".to_vec();
        with_header.extend(tiff(true, 3));
        assert_eq!(orientation(&with_header), Some(Orientation::Rotate180));
    }

    #[test]
    fn malformed_or_hostile_exif_means_no_orientation() {
        assert_eq!(orientation(b""), None);
        assert_eq!(orientation(b"II*\0\xff\xff\xff\xff"), None);
        assert_eq!(orientation(&tiff(false, 9)), None);
        let full = tiff(false, 6);
        for cut in 0..full.len() - 6 {
            // Any prefix that loses the orientation value must not find one, nor panic.
            let _ = orientation(&full[..cut]);
        }
        let mut huge_count = tiff(false, 6);
        huge_count[8] = 0xff;
        huge_count[9] = 0xff;
        // A lying entry count reads no further than the data and still finds the tag.
        assert_eq!(orientation(&huge_count), Some(Orientation::Rotate90));
    }
}
