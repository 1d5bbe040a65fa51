//! What an attachment is: PDF, DOCX, plain text or something else, from its content
//! type, its file name's extension and its first bytes.
//!
//! Magic bytes win over labels (mail clients send PDFs as `application/octet-stream`, and
//! names lie); a label is trusted when the bytes say nothing. Never reads past what it needs
//! and never fails.

use crate::parse::AttachmentKind;

const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// `content_type` is the bare `type/subtype`, lower-cased.
pub(crate) fn detect(content_type: &str, filename: &str, bytes: &[u8]) -> AttachmentKind {
    let ext = extension(filename);
    if is_pdf(bytes) {
        return AttachmentKind::Pdf;
    }
    if is_docx(bytes) {
        return AttachmentKind::Docx;
    }
    if content_type == "application/pdf" || ext == "pdf" {
        return AttachmentKind::Pdf;
    }
    if content_type == DOCX_TYPE || ext == "docx" {
        return AttachmentKind::Docx;
    }
    if is_text_type(content_type) || matches!(ext.as_str(), "txt" | "csv" | "text" | "htm" | "html")
    {
        return AttachmentKind::Text;
    }
    AttachmentKind::Other
}

/// Text content types, including the machine-readable parts of bounces.
pub(crate) fn is_text_type(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "message/delivery-status"
                | "message/global-delivery-status"
                | "message/disposition-notification"
                | "message/feedback-report"
                | "application/csv"
        )
}

/// An HTML attachment, to be turned into text rather than read as is.
pub(crate) fn is_html(content_type: &str, filename: &str) -> bool {
    content_type == "text/html" || matches!(extension(filename).as_str(), "htm" | "html")
}

/// A Word 97–2003 file, which is not read: its error tells the sender what would be.
pub(crate) fn is_legacy_word(content_type: &str, filename: &str) -> bool {
    content_type == "application/msword" || extension(filename) == "doc"
}

/// The file name's extension, lower-cased, without the dot; empty when none.
pub(crate) fn extension(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 8 => ext.trim().to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// `%PDF-` at the start, or within the first KiB (the spec tolerates junk before it).
fn is_pdf(bytes: &[u8]) -> bool {
    let head = bytes.get(..1024).unwrap_or(bytes);
    head.windows(5).any(|w| w == b"%PDF-")
}

/// A zip (local file header magic) that holds `word/document.xml`. Entry names are stored
/// uncompressed in the zip's headers, so a byte search finds them without inflating anything.
fn is_docx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        && bytes
            .windows(b"word/document.xml".len())
            .any(|w| w == b"word/document.xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttachmentKind::*;

    #[test]
    fn magic_bytes_win() {
        assert_eq!(
            detect("application/octet-stream", "surat", b"%PDF-1.7\n..."),
            Pdf
        );
        assert_eq!(detect("image/jpeg", "scan.jpg", b"%PDF-1.4"), Pdf);
        assert_eq!(
            detect(
                "application/octet-stream",
                "x.bin",
                b"PK\x03\x04....word/document.xml...."
            ),
            Docx
        );
        assert_eq!(
            detect("application/zip", "x.zip", b"PK\x03\x04....other.xml"),
            Other
        );
    }

    #[test]
    fn labels_when_bytes_say_nothing() {
        assert_eq!(detect("application/pdf", "a", b"garbage"), Pdf);
        assert_eq!(detect("application/octet-stream", "Surat.PDF", b""), Pdf);
        assert_eq!(detect(DOCX_TYPE, "a", b""), Docx);
        assert_eq!(detect("application/octet-stream", "data.CSV", b"a,b"), Text);
        assert_eq!(detect("text/plain", "", b"hi"), Text);
        assert_eq!(
            detect("message/delivery-status", "", b"Status: 5.1.1"),
            Text
        );
        assert_eq!(detect("image/png", "logo.png", b"\x89PNG"), Other);
        assert_eq!(
            detect("application/msword", "lama.doc", b"\xd0\xcf\x11\xe0"),
            Other
        );
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("Surat Permohonan.v2.DOCX"), "docx");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("noext"), "");
    }
}
