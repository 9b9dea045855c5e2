//! What an attachment is, decided by its first bytes and never by its name or by what a sender
//! claims: PDF, PNG, JPEG, GIF and WebP only, on every write path (app, command line, bundle import)
//! and again when the app shows one.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Reason, Result};

/// The attachment types the archive accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    /// `application/pdf`
    Pdf,
    /// `image/png`
    Png,
    /// `image/jpeg`
    Jpeg,
    /// `image/gif`
    Gif,
    /// `image/webp`
    Webp,
}

impl MediaType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }

    /// An image (shown in `<img>`), as opposed to a PDF (shown in `<object>`).
    pub fn is_image(self) -> bool {
        self != Self::Pdf
    }
}

/// The type of an attachment from its first bytes; anything else is refused as
/// [`Reason::UnsupportedMedia`] of the field `attachment`.
pub fn sniff_media_type(content: &[u8]) -> Result<MediaType> {
    const MAGIC: [(&[u8], MediaType); 5] = [
        (b"%PDF-", MediaType::Pdf),
        (b"\x89PNG\r\n\x1a\n", MediaType::Png),
        (b"\xff\xd8\xff", MediaType::Jpeg),
        (b"GIF87a", MediaType::Gif),
        (b"GIF89a", MediaType::Gif),
    ];
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| content.starts_with(m)) {
        return Ok(*t);
    }
    // RIFF is also WAV and AVI: only the WEBP form type at offset 8 makes it an image.
    if content.starts_with(b"RIFF") && content.get(8..12) == Some(b"WEBP") {
        return Ok(MediaType::Webp);
    }
    Err(Error::refused("attachment", Reason::UnsupportedMedia))
}

/// An attachment file read for storing: its bytes and their sniffed type. A file over
/// `limit_mb` is refused before it is read (and one that grew while being read, after).
pub fn read_attachment(path: &Path, limit_mb: u32) -> Result<(MediaType, Zeroizing<Vec<u8>>)> {
    let limit = u64::from(limit_mb) * 1024 * 1024;
    let too_large = || Error::TooLarge { limit_mb };
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > limit {
        return Err(too_large());
    }
    let mut content = Zeroizing::new(Vec::new());
    // One byte more than the limit tells a file that grew while being read.
    file.take(limit + 1).read_to_end(&mut content)?;
    if content.len() as u64 > limit {
        return Err(too_large());
    }
    Ok((sniff_media_type(&content)?, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_first_bytes() {
        let t = |b: &[u8]| sniff_media_type(b).ok();
        assert_eq!(t(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(t(b"\x89PNG\r\n\x1a\n...."), Some(MediaType::Png));
        assert_eq!(t(b"\xff\xd8\xff\xe0"), Some(MediaType::Jpeg));
        assert_eq!(t(b"GIF89a.."), Some(MediaType::Gif));
        assert_eq!(t(b"RIFF\0\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        for bad in [
            &b"RIFF\0\0\0\0WAVEfmt "[..],
            b"<script>",
            b"",
            b"PK\x03\x04",
            b"RIFF",
        ] {
            let e = sniff_media_type(bad).expect_err("refused");
            assert_eq!(e.reason(), Some(Reason::UnsupportedMedia));
            assert_eq!((e.code(), e.field()), ("invalid_input", Some("attachment")));
        }
        assert!(MediaType::Png.is_image() && !MediaType::Pdf.is_image());
        assert_eq!(MediaType::Webp.mime(), "image/webp");
    }

    #[test]
    fn a_file_is_read_within_the_limit_and_by_its_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.pdf");
        let f = std::fs::File::create(&big).expect("create");
        f.set_len(1024 * 1024 + 1).expect("grow");
        assert_eq!(
            read_attachment(&big, 1).expect_err("too large").code(),
            "too_large"
        );
        let text = dir.path().join("note.pdf");
        std::fs::write(&text, "not a pdf").expect("write");
        let e = read_attachment(&text, 1).expect_err("not a pdf");
        assert_eq!(e.reason(), Some(Reason::UnsupportedMedia));
        let png = dir.path().join("scan.txt");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n0000").expect("write");
        let (t, bytes) = read_attachment(&png, 1).expect("a png whatever its name");
        assert_eq!((t, bytes.len()), (MediaType::Png, 12));
    }
}
