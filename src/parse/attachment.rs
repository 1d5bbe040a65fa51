//! Text of attachments: PDF, DOCX (zip of XML, tables as tab-separated rows), plain text.
//!
//! Lists every part of a message that is not body text — files, inline images, the
//! machine-readable parts of bounces — as an [`Attachment`] row, in MIME order. A forwarded
//! message (message/rfc822) is a row whose text is its Subject and From lines and its body;
//! its own attachments follow it, flattened, down to `limits.max-mime-depth`.
//!
//! Invariants: never panics; every row has a file name (`lampiran-N` when none was sent);
//! nothing is extracted past a limit (the row says which one in `error`, and so does a
//! defect); text is cut at `limits.max-attachment-text-chars` (with a defect); DOCX XML never
//! inflates past `DOCX_MAX_XML_BYTES`. Does no I/O.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::body::body;
use super::headers::{content_type_bare, first_address, subject};
use super::html::html_to_text;
use super::kind::{detect, is_html, is_legacy_word};
use super::text::{decode_bytes, normalize, normalize_line, truncate_chars};
use super::{docx, pdf, Attachment, AttachmentKind, Limits};

/// All XML parts of one DOCX together never decompress to more than this: past it the file is
/// taken for a zip bomb. Real letters stay far below (their document.xml is a few MiB at most).
pub(crate) const DOCX_MAX_XML_BYTES: u64 = 64 * 1024 * 1024;

/// The attachment rows of a message (and of the messages it carries), with their defects.
pub(crate) fn attachments(
    msg: &Message<'_>,
    limits: &Limits,
    defects: &mut Vec<String>,
) -> Vec<Attachment> {
    let mut collector = Collector {
        limits,
        rows: Vec::new(),
        defects,
    };
    collector.message(msg, 0);
    collector.rows
}

struct Collector<'a> {
    limits: &'a Limits,
    rows: Vec<Attachment>,
    defects: &'a mut Vec<String>,
}

impl Collector<'_> {
    /// Lists the attachments of `msg`, whose top level sits at MIME depth `base`.
    fn message(&mut self, msg: &Message<'_>, base: usize) {
        let depths = part_depths(msg);
        for (id, part) in msg.parts.iter().enumerate() {
            // mail-parser also flags a message that has no body at all: nothing lost there.
            if part.is_encoding_problem && !part.is_empty() {
                self.defects.push(format!(
                    "mime part {} at depth {}: broken encoding, read as raw text",
                    id,
                    base + depths.get(id).copied().unwrap_or(0)
                ));
            }
        }
        for &id in &msg.attachments {
            let Some(part) = msg.parts.get(id as usize) else {
                continue;
            };
            let is_body = matches!(part.body, PartType::Text(_) | PartType::Html(_))
                && (msg.text_body.contains(&id) || msg.html_body.contains(&id));
            if is_body {
                continue;
            }
            let depth = base + depths.get(id as usize).copied().unwrap_or(0);
            self.part(part, depth);
        }
    }

    fn part(&mut self, part: &MessagePart<'_>, depth: usize) {
        let number = self.rows.len() + 1;
        let filename = part
            .attachment_name()
            .map(normalize_line)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("lampiran-{number}"));
        let content_type = content_type_bare(part);
        let size = part.len();
        let nested = part.message();
        let kind = if nested.is_some() {
            AttachmentKind::Text
        } else {
            detect(&content_type, &filename, part.contents())
        };
        let mut row = Attachment {
            filename,
            content_type,
            size,
            kind,
            text: None,
            error: None,
        };

        let limits = self.limits;
        let refused = if self.rows.len() >= limits.max_attachments {
            Some(format!(
                "not read: more than {} attachments (limits.max-attachments)",
                limits.max_attachments
            ))
        } else if size > limits.max_attachment_bytes {
            Some(format!(
                "not read: {size} bytes is over the limit of {} bytes (limits.max-attachment-bytes)",
                limits.max_attachment_bytes
            ))
        } else if depth > limits.max_mime_depth {
            Some(format!(
                "not read: nested {depth} deep, deeper than {} (limits.max-mime-depth)",
                limits.max_mime_depth
            ))
        } else {
            None
        };

        let result = match (&refused, nested) {
            (Some(why), _) => Err(why.clone()),
            (None, Some(inner)) => Ok(Some(forwarded_text(inner))),
            (None, None) => self.extract(part, &row),
        };
        match result {
            Ok(Some(mut text)) => {
                if truncate_chars(&mut text, limits.max_attachment_text_chars) {
                    self.defects.push(format!(
                        "attachment {:?}: text cut at {} characters (limits.max-attachment-text-chars)",
                        row.filename, limits.max_attachment_text_chars
                    ));
                    text = normalize(&text);
                }
                row.text = (!text.is_empty()).then_some(text);
            }
            Ok(None) => {}
            Err(why) => {
                self.defects
                    .push(format!("attachment {:?}: {why}", row.filename));
                row.error = Some(why);
            }
        }
        self.rows.push(row);

        if let Some(inner) = nested {
            if depth < limits.max_mime_depth {
                self.message(inner, depth + 1);
            } else {
                self.defects.push(format!(
                    "attachments of forwarded message nested {} deep not listed (limits.max-mime-depth {})",
                    depth + 1,
                    limits.max_mime_depth
                ));
            }
        }
    }

    /// The text of one file part, `None` when it is not a kind that has text.
    fn extract(&self, part: &MessagePart<'_>, row: &Attachment) -> Result<Option<String>, String> {
        let bytes = part.contents();
        match row.kind {
            AttachmentKind::Pdf => pdf::extract(bytes, self.limits).map(Some),
            AttachmentKind::Docx => docx::extract(
                bytes,
                DOCX_MAX_XML_BYTES,
                self.limits.max_attachment_text_chars,
            )
            .map(Some),
            AttachmentKind::Text => {
                let decoded = match &part.body {
                    // mail-parser already decoded text/* parts with their charset.
                    PartType::Text(t) | PartType::Html(t) => std::borrow::Cow::Borrowed(t.as_ref()),
                    _ => decode_bytes(
                        bytes,
                        part.content_type().and_then(|ct| ct.attribute("charset")),
                    ),
                };
                let text = if is_html(&row.content_type, &row.filename) {
                    html_to_text(&decoded)
                } else {
                    normalize(&decoded)
                };
                Ok(Some(text))
            }
            AttachmentKind::Other if is_legacy_word(&row.content_type, &row.filename) => Err(
                "not read: Word 97-2003 .doc files are not supported (hint: send .docx or .pdf)"
                    .into(),
            ),
            AttachmentKind::Other => Ok(None),
        }
    }
}

/// A forwarded message as text: its Subject and From lines, a blank line, its body.
fn forwarded_text(inner: &Message<'_>) -> String {
    // mail-parser's accessors index the top-level part: make sure there is one.
    if inner.parts.is_empty() {
        return String::new();
    }
    let mut text = format!("Subject: {}\n", subject(inner));
    match first_address(inner.from()) {
        Some(a) => match a.name {
            Some(name) => text.push_str(&format!("From: {name} <{}>\n", a.email)),
            None => text.push_str(&format!("From: {}\n", a.email)),
        },
        None => text.push_str("From:\n"),
    }
    let body = body(inner).text;
    if !body.is_empty() {
        text.push('\n');
        text.push_str(&body);
    }
    normalize(&text)
}

/// The MIME depth of each part of `msg`: its top level 0, the parts of a multipart one
/// deeper than it. Parts not reached from the top (there should be none) count as 0.
fn part_depths(msg: &Message<'_>) -> Vec<usize> {
    let mut depths: Vec<Option<usize>> = vec![None; msg.parts.len()];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        match depths.get_mut(id) {
            Some(slot @ None) => *slot = Some(depth),
            // Seen already (a cycle would be a parser bug) or out of range.
            _ => continue,
        }
        if let Some(PartType::Multipart(children)) = msg.parts.get(id).map(|p| &p.body) {
            stack.extend(children.iter().map(|&c| (c as usize, depth + 1)));
        }
    }
    depths.into_iter().map(|d| d.unwrap_or(0)).collect()
}
