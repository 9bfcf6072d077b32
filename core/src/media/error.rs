//! Why a photo was refused. Each class of bad input has its own variant, so the shell can say
//! what to do (take it again, switch the camera to JPEG) and tests can tell them apart. The
//! messages are Bahasa Indonesia first, English second, and never name the household.

/// The class of a refused photo, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// The file cannot be opened or read.
    Unreadable,
    /// The file is empty.
    Empty,
    /// Another format (PNG, HEIC, …) or no image at all.
    NotJpeg,
    /// More bytes than the limit.
    TooManyBytes,
    /// More pixels declared than the limit: a decompression bomb or an absurd camera.
    TooManyPixels,
    /// The file ends before the image does.
    Truncated,
    /// The JPEG data is damaged.
    Corrupt,
    /// A valid JPEG of a kind the decoder does not handle (lossless, 12-bit arithmetic, …).
    Unsupported,
}

/// A photo the pipeline refused, and why.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("Berkas foto tidak dapat dibaca ({0}). / The photo file cannot be read ({0}).")]
    Unreadable(std::io::Error),

    #[error("Berkas foto kosong (0 bita). / The photo file is empty (0 bytes).")]
    Empty,

    #[error(
        "Berkas ini bukan foto JPEG (terdeteksi: {detected}); atur kamera ke JPEG. / \
         This file is not a JPEG photo (detected: {detected}); set the camera to JPEG."
    )]
    NotJpeg { detected: &'static str },

    #[error(
        "Berkas foto {bytes} bita, melebihi batas {limit} bita. / \
         The photo file has {bytes} bytes, more than the limit of {limit}."
    )]
    TooManyBytes { bytes: u64, limit: u64 },

    #[error(
        "Foto menyatakan ukuran {width}×{height} piksel, melebihi batas {limit} piksel; berkas \
         mungkin rusak atau berbahaya. / The photo declares {width}×{height} pixels, more than \
         the limit of {limit}; the file may be damaged or hostile (a decompression bomb)."
    )]
    TooManyPixels { width: u32, height: u32, limit: u64 },

    #[error(
        "Berkas foto terpotong (tidak lengkap); ambil foto ulang. / \
         The photo file is cut short (truncated); take the photo again."
    )]
    Truncated,

    #[error(
        "Berkas foto rusak ({detail}); ambil foto ulang. / \
         The photo file is damaged ({detail}); take the photo again."
    )]
    Corrupt { detail: String },

    #[error(
        "Jenis JPEG ini tidak didukung ({detail}). / This kind of JPEG is not supported ({detail})."
    )]
    Unsupported { detail: String },

    #[error("Foto tidak dapat disimpan ulang: {0} / The photo cannot be re-encoded: {0}")]
    Encode(String),
}

impl PhotoError {
    /// The class of this error.
    pub fn problem(&self) -> PhotoProblem {
        match self {
            PhotoError::Unreadable(_) => PhotoProblem::Unreadable,
            PhotoError::Empty => PhotoProblem::Empty,
            PhotoError::NotJpeg { .. } => PhotoProblem::NotJpeg,
            PhotoError::TooManyBytes { .. } => PhotoProblem::TooManyBytes,
            PhotoError::TooManyPixels { .. } => PhotoProblem::TooManyPixels,
            PhotoError::Truncated => PhotoProblem::Truncated,
            PhotoError::Corrupt { .. } => PhotoProblem::Corrupt,
            PhotoError::Unsupported { .. } => PhotoProblem::Unsupported,
            // Our own encoder failing is not the input's fault, but it is still this photo.
            PhotoError::Encode(_) => PhotoProblem::Corrupt,
        }
    }
}

impl From<jpeg_decoder::Error> for PhotoError {
    fn from(error: jpeg_decoder::Error) -> Self {
        use jpeg_decoder::Error as E;
        match error {
            E::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => PhotoError::Truncated,
            E::Io(e) => PhotoError::Unreadable(e),
            E::Format(detail) => PhotoError::Corrupt { detail },
            E::Unsupported(feature) => PhotoError::Unsupported { detail: format!("{feature:?}") },
            E::Internal(e) => PhotoError::Corrupt { detail: e.to_string() },
        }
    }
}
