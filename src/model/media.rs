//! The media types an attachment may have, told by its first bytes (never by its name): PDF and
//! the four image formats the viewer shows. One check for every write path: the app, the
//! command line and bundle import.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An accepted attachment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaType {
    /// PDF (`%PDF-`).
    Pdf,
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF (87a or 89a).
    Gif,
    /// WebP (a RIFF container of form WEBP).
    Webp,
}

impl MediaType {
    /// The MIME name, as stored in `Attachment::media_type`.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
        }
    }

    /// Whether it is shown as an image (`<img>`) rather than a document (`<object>`).
    pub fn is_image(self) -> bool {
        self != MediaType::Pdf
    }
}

/// The media type of `bytes` from their first bytes; anything else is refused
/// (`attachment_type`).
pub fn sniff_media_type(bytes: &[u8]) -> Result<MediaType> {
    const KINDS: [(&[u8], MediaType); 5] = [
        (b"%PDF-", MediaType::Pdf),
        (b"\x89PNG\r\n\x1a\n", MediaType::Png),
        (b"\xff\xd8\xff", MediaType::Jpeg),
        (b"GIF87a", MediaType::Gif),
        (b"GIF89a", MediaType::Gif),
    ];
    if let Some((_, kind)) = KINDS.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Ok(*kind);
    }
    // WebP is a RIFF container whose form type is WEBP (a WAVE file is RIFF too).
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(MediaType::Webp);
    }
    Err(Error::AttachmentType)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pdf_and_four_image_formats_pass() {
        let ok: [(&[u8], &str); 6] = [
            (b"%PDF-1.7\n", "application/pdf"),
            (b"\x89PNG\r\n\x1a\n\0\0", "image/png"),
            (b"\xff\xd8\xff\xe0", "image/jpeg"),
            (b"GIF87a..", "image/gif"),
            (b"GIF89a..", "image/gif"),
            (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        ];
        for (bytes, mime) in ok {
            assert_eq!(sniff_media_type(bytes).expect("accepted").mime(), mime);
        }
        for bad in [
            &b"RIFF\0\0\0\0WAVEfmt "[..],
            b"<html><script>",
            b"<svg xmlns=",
            b"PK\x03\x04",
            b"",
            b"%PD",
        ] {
            assert_eq!(
                sniff_media_type(bad).map_err(|e| e.code()),
                Err("attachment_type")
            );
        }
        assert!(!MediaType::Pdf.is_image() && MediaType::Webp.is_image());
    }
}
