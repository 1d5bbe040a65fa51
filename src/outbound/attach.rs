//! The requester's attachments, re-read from the stored raw letter (and from the replies that
//! completed it, see `Pipeline::request_files`) when a disposition or a task is composed, so the leader and the staff member see the letter's PDF or DOCX as it
//! came. Their total is capped by `[limits] forward-attachments-bytes`: past the cap a file is
//! not attached but listed (name and size) in the email, which says the helpdesk keeps it.

use crate::outbound::context::AttachmentLine;
use mail_parser::{MessageParser, MimeHeaders};

/// One file of the letter, decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LetterFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The attachments of a raw letter, in order (an unreadable letter has none).
pub fn letter_files(raw: &[u8]) -> Vec<LetterFile> {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    msg.attachments()
        .enumerate()
        .map(|(i, part)| {
            let content_type = part
                .content_type()
                .map(|c| match c.subtype() {
                    Some(sub) => format!("{}/{}", c.ctype(), sub),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let name = part
                .attachment_name()
                .map(|n| n.replace(['\r', '\n', '"', '/', '\\'], "_"))
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("lampiran-{}", i + 1));
            LetterFile {
                name,
                content_type,
                bytes: part.contents().to_vec(),
            }
        })
        .collect()
}

/// The sender's address of a raw letter, lower-cased (`None` when it has no readable From).
pub fn sender(raw: &[u8]) -> Option<String> {
    let msg = MessageParser::default().parse_headers(raw)?;
    let addr = msg.from()?.first()?.address()?;
    Some(addr.to_lowercase())
}

/// Adds the files of `more` that `files` does not hold yet (same name and bytes), in order.
pub fn add_new(files: &mut Vec<LetterFile>, more: Vec<LetterFile>) {
    for f in more {
        if !files.contains(&f) {
            files.push(f);
        }
    }
}

/// Splits `files` by the cap on their total: those attached (in order, while the total stays
/// within `cap` bytes) and the lines every file gets in the email.
pub fn within_cap(files: &[LetterFile], cap: usize) -> (Vec<LetterFile>, Vec<AttachmentLine>) {
    let mut total = 0usize;
    let mut attached = Vec::new();
    let mut lines = Vec::new();
    for f in files {
        let fits = total.saturating_add(f.bytes.len()) <= cap;
        if fits {
            total += f.bytes.len();
            attached.push(f.clone());
        }
        lines.push(AttachmentLine {
            name: f.name.clone(),
            size: human_size(f.bytes.len()),
            attached: fits,
        });
    }
    (attached, lines)
}

/// `812 B`, `45 KB`, `3.2 MB`.
pub fn human_size(n: usize) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * 1024;
    if n < KB {
        format!("{n} B")
    } else if n < MB {
        format!("{} KB", n.div_ceil(KB))
    } else {
        format!("{}.{} MB", n / MB, (n % MB) * 10 / MB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &[u8] = b"From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhalo\r\n\
--b\r\nContent-Type: application/pdf; name=\"surat.pdf\"\r\nContent-Disposition: attachment; filename=\"surat.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfs\r\n--b\r\n\
Content-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--b--\r\n";

    #[test]
    fn files_are_decoded_with_names_and_types() {
        let files = letter_files(LETTER);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].name, "surat.pdf");
        assert_eq!(files[0].content_type, "application/pdf");
        assert_eq!(files[0].bytes, b"%PDF-1.4\n%\xc7\xec");
        assert_eq!(files[1].name, "lampiran-2");
        assert_eq!(files[1].bytes, (0u8..10).collect::<Vec<u8>>());
        assert!(letter_files(b"\xff\xfe").is_empty());
    }

    #[test]
    fn the_cap_keeps_the_first_files_and_lists_the_rest() {
        let files = letter_files(LETTER);
        let (attached, lines) = within_cap(&files, 10);
        assert_eq!(attached.len(), 1);
        assert_eq!(attached[0].name, "lampiran-2");
        assert!(!lines[0].attached && lines[1].attached);
        assert_eq!(lines[0].size, "12 B");
        let (attached, _) = within_cap(&files, 22);
        assert_eq!(attached.len(), 2);
        assert_eq!(human_size(3 * 1024 * 1024 + 300_000), "3.2 MB");
        assert_eq!(human_size(2000), "2 KB");
    }
}
