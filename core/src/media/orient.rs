//! EXIF orientations, and turning pixels upright. Phones store the sensor's rows as they came
//! and write in EXIF how to turn them for display; the output of the pipeline carries no EXIF,
//! so the turn is applied to the pixels instead.

/// How the stored pixels must be turned to show the scene upright (EXIF tag 0x0112, 1–8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// 1: as stored.
    Normal,
    /// 2: mirrored left–right.
    MirrorHorizontal,
    /// 3: turned half a circle.
    Rotate180,
    /// 4: mirrored top–bottom.
    MirrorVertical,
    /// 5: mirrored along the main diagonal (transpose).
    Transpose,
    /// 6: turned a quarter clockwise for display.
    Rotate90,
    /// 7: mirrored along the other diagonal (transverse).
    Transverse,
    /// 8: turned a quarter counter-clockwise for display.
    Rotate270,
}

impl Orientation {
    pub fn from_exif(value: u16) -> Option<Orientation> {
        Some(match value {
            1 => Orientation::Normal,
            2 => Orientation::MirrorHorizontal,
            3 => Orientation::Rotate180,
            4 => Orientation::MirrorVertical,
            5 => Orientation::Transpose,
            6 => Orientation::Rotate90,
            7 => Orientation::Transverse,
            8 => Orientation::Rotate270,
            _ => return None,
        })
    }

    pub fn exif_value(self) -> u16 {
        match self {
            Orientation::Normal => 1,
            Orientation::MirrorHorizontal => 2,
            Orientation::Rotate180 => 3,
            Orientation::MirrorVertical => 4,
            Orientation::Transpose => 5,
            Orientation::Rotate90 => 6,
            Orientation::Transverse => 7,
            Orientation::Rotate270 => 8,
        }
    }

    /// Whether turning upright swaps width and height.
    pub fn swaps_sides(self) -> bool {
        matches!(
            self,
            Orientation::Transpose
                | Orientation::Rotate90
                | Orientation::Transverse
                | Orientation::Rotate270
        )
    }

    /// Where stored pixel (x, y) of a `w`×`h` image lands in the upright image.
    fn target(self, x: usize, y: usize, w: usize, h: usize) -> (usize, usize) {
        match self {
            Orientation::Normal => (x, y),
            Orientation::MirrorHorizontal => (w - 1 - x, y),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::MirrorVertical => (x, h - 1 - y),
            Orientation::Transpose => (y, x),
            Orientation::Rotate90 => (h - 1 - y, x),
            Orientation::Transverse => (h - 1 - y, w - 1 - x),
            Orientation::Rotate270 => (y, w - 1 - x),
        }
    }
}

/// Turns `pixels` (`w`×`h`, `channels` bytes each, rows top to bottom) upright; returns the
/// pixels with the upright width and height.
pub(crate) fn upright(
    pixels: Vec<u8>,
    w: usize,
    h: usize,
    channels: usize,
    orientation: Orientation,
) -> (Vec<u8>, usize, usize) {
    if orientation == Orientation::Normal {
        return (pixels, w, h);
    }
    let out_w = if orientation.swaps_sides() { h } else { w };
    let out_h = if orientation.swaps_sides() { w } else { h };
    let mut out = vec![0u8; pixels.len()];
    for y in 0..h {
        let row = &pixels[y * w * channels..(y + 1) * w * channels];
        for (x, pixel) in row.chunks_exact(channels).enumerate() {
            let (tx, ty) = orientation.target(x, y, w, h);
            let at = (ty * out_w + tx) * channels;
            out[at..at + channels].copy_from_slice(pixel);
        }
    }
    (out, out_w, out_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 image whose pixels are their own stored index.
    fn numbered() -> Vec<u8> {
        (0..6).collect()
    }

    #[test]
    fn a_quarter_turn_clockwise_moves_the_bottom_left_corner_to_the_top_left() {
        // Stored:  0 1 2     Upright (6, clockwise):  3 0
        //          3 4 5                              4 1
        //                                             5 2
        let (out, w, h) = upright(numbered(), 3, 2, 1, Orientation::Rotate90);
        assert_eq!((w, h), (2, 3));
        assert_eq!(out, vec![3, 0, 4, 1, 5, 2]);
    }

    #[test]
    fn a_quarter_turn_counter_clockwise_moves_the_top_right_corner_to_the_top_left() {
        let (out, w, h) = upright(numbered(), 3, 2, 1, Orientation::Rotate270);
        assert_eq!((w, h), (2, 3));
        assert_eq!(out, vec![2, 5, 1, 4, 0, 3]);
    }

    #[test]
    fn every_orientation_is_a_permutation_and_mirrors_undo_themselves() {
        for value in 1..=8 {
            let o = Orientation::from_exif(value).unwrap();
            assert_eq!(o.exif_value(), value);
            let (out, w, h) = upright(numbered(), 3, 2, 1, o);
            let mut sorted = out.clone();
            sorted.sort();
            assert_eq!(sorted, numbered(), "orientation {value}");
            if matches!(value, 2 | 3 | 4 | 5 | 7) {
                assert_eq!(upright(out, w, h, 1, o).0, numbered(), "orientation {value}");
            }
        }
    }
}
