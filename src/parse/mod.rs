//! From raw bytes to a [`ParsedMessage`]: headers, the readable body (HTML turned into text),
//! and the text of attachments (PDF, DOCX, plain text), so rules see a letter wherever it is.
//!
//! Invariants: never panics on any input; junk is data (a defect list), not a failure. Only a
//! message that has nothing usable at all (not an email, over the size limit) is a
//! [`ParseError`], which the pipeline turns into a triage ticket. Limits come from
//! `daemon.toml` ([`Limits`]). This module does no I/O.
//!
//! mail-parser does the MIME work (structure, transfer encodings, charsets, encoded words);
//! the files here turn its tree into the flat [`ParsedMessage`]: `headers` the envelope and
//! header list, `body` the readable body, `attachment` the attachment rows (with `kind`,
//! `pdf`, `docx`), `html` + `entities` HTML to text, `text` the normalisation every text goes
//! through.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use mail_parser::{HeaderName, Message, MessageParser, PartType};
use serde::Serialize;

pub mod attachment;
mod body;
mod docx;
mod entities;
mod headers;
mod html;
mod kind;
mod pdf;
pub mod reply;
pub mod sandbox;
mod text;

/// The fast PDF reader alone (for fuzzing and measuring): the file's normalised text, or
/// `None` when it leaves the file to pdf-extract (the reason is logged at debug level).
#[doc(hidden)]
pub fn pdf_fast_text(bytes: &[u8]) -> Option<String> {
    pdf::fast_text(bytes)
        .map_err(|why| tracing::debug!(reason = %why, "fast pdf reader refused"))
        .ok()
        .map(|t| text::normalize(&t))
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod tests;

/// Size and count limits for one message, from `[limits]` in daemon.toml.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Limits {
    /// A message larger than this is not parsed: it becomes a triage ticket.
    pub max_message_bytes: usize,
    /// Attachments past this count are listed but their text is not extracted.
    pub max_attachments: usize,
    /// An attachment larger than this is listed but its text is not extracted.
    pub max_attachment_bytes: usize,
    /// Extracted text of one attachment is cut at this many characters.
    pub max_attachment_text_chars: usize,
    /// MIME nesting deeper than this is not descended into.
    pub max_mime_depth: usize,
    /// Reading the text of one PDF is stopped after this many seconds (the `suratd` binary
    /// reads PDFs in worker processes it kills; see [`sandbox`]).
    pub max_attachment_seconds: u64,
    /// Address space of each PDF worker process, in MiB (0: no limit).
    pub max_extractor_mb: u64,
    /// The letter's attachments go with its disposition and task emails up to this total;
    /// past it they are listed by name and size (the helpdesk keeps them).
    pub forward_attachments_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 30 * 1024 * 1024,
            max_attachments: 20,
            max_attachment_bytes: 20 * 1024 * 1024,
            max_attachment_text_chars: 200_000,
            max_mime_depth: 20,
            max_attachment_seconds: 30,
            max_extractor_mb: 2048,
            forward_attachments_bytes: 10 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: Option<String>,
    /// As written; compare with [`Address::normalized`].
    pub email: String,
}

impl Address {
    /// Lower-cased address, for comparisons.
    pub fn normalized(&self) -> String {
        self.email.trim().to_lowercase()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Pdf,
    Docx,
    Text,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    /// The file name as sent (decoded), or a made-up `lampiran-N` when it had none.
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    pub kind: AttachmentKind,
    /// The extracted text, when there is any.
    pub text: Option<String>,
    /// Why no text could be had, when it could not (too big, encrypted PDF, broken zip…).
    pub error: Option<String>,
}

impl Attachment {
    /// Whether a limit kept its text from being read: a `[limits]` setting (size, count,
    /// depth, time) or the zip-bomb cap of a DOCX.
    pub fn over_limit(&self) -> bool {
        self.error.as_deref().is_some_and(|e| {
            (e.starts_with("not read: ") && e.contains("(limits."))
                || e.starts_with("docx too large")
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedMessage {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Decoded (encoded words resolved); empty when absent.
    pub subject: String,
    pub from: Option<Address>,
    pub reply_to: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub date: Option<DateTime<Utc>>,
    /// `Some("")` for the null return path `<>` (bounces).
    pub return_path: Option<String>,
    /// Every header as (lower-cased name, decoded value), in order; for classify.
    pub headers: Vec<(String, String)>,
    /// The top-level Content-Type, lower-cased, with parameters but the boundary (e.g.
    /// `multipart/report; report-type=delivery-status`); `text/plain` when absent.
    pub content_type: String,
    /// The readable body: the text/plain part, or the HTML part turned into text.
    pub body: String,
    /// True when [`ParsedMessage::body`] came from HTML.
    pub body_from_html: bool,
    pub attachments: Vec<Attachment>,
    /// Non-fatal problems met while parsing.
    pub defects: Vec<String>,
    /// How many parts mail-parser lists as attachments (body parts among them), i.e. what
    /// `outbound::attach::letter_files` would forward; `None` when not known (a header
    /// block read alone). `Some(0)`: there is nothing to read again for forwarding.
    #[serde(skip)]
    pub mime_attachments: Option<usize>,
}

impl ParsedMessage {
    /// The first value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is {size} bytes, over the limit of {limit} bytes (limits.max-message-bytes)")]
    TooLarge { size: usize, limit: usize },
    #[error("message is empty")]
    Empty,
    #[error("not an email message: {0}")]
    NotAMessage(String),
}

/// Parses one raw message. See the module doc for the guarantees.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<ParsedMessage, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    // mail-parser promises not to panic, but has debug assertions and index arithmetic on
    // input offsets: one bad message must not take the daemon down.
    let msg = catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse(raw)))
        .map_err(|_| ParseError::NotAMessage("the MIME parser failed on it".into()))?
        .ok_or_else(|| ParseError::NotAMessage("no header could be read".into()))?;
    let parsed = from_mail(&msg, limits);
    drop_flat(msg);
    parsed
}

/// At most this much of a message is read by [`parse_head`].
pub const HEAD_MAX_BYTES: usize = 256 * 1024;

/// The header block alone of a message (for one too large to parse whole): a
/// [`ParsedMessage`] with no body and no attachments, `None` when no header can be read.
/// Reads at most [`HEAD_MAX_BYTES`]; a header block longer than that is cut at a line end.
pub fn parse_head(raw: &[u8]) -> Option<ParsedMessage> {
    let window = &raw[..raw.len().min(HEAD_MAX_BYTES)];
    let blank_lf = window.windows(2).position(|w| w == b"\n\n");
    let blank_crlf = window.windows(3).position(|w| w == b"\n\r\n");
    let end = blank_lf
        .into_iter()
        .chain(blank_crlf)
        .min()
        .map(|i| i + 1)
        .or_else(|| window.iter().rposition(|&b| b == b'\n').map(|i| i + 1))
        .unwrap_or(window.len());
    let mut head = window[..end].to_vec();
    head.extend_from_slice(b"\r\n");
    let limits = Limits {
        max_attachments: 0,
        ..Limits::default()
    };
    let mut msg = parse(&head, &limits).ok()?;
    msg.body.clear();
    msg.attachments.clear();
    msg.mime_attachments = None;
    Some(msg)
}

/// Builds the [`ParsedMessage`] from mail-parser's tree.
fn from_mail(msg: &Message<'_>, limits: &Limits) -> Result<ParsedMessage, ParseError> {
    let Some(root) = msg.parts.first() else {
        return Err(ParseError::NotAMessage("no header could be read".into()));
    };
    if !root.headers.iter().any(|h| headers::is_real(msg, h)) {
        return Err(ParseError::NotAMessage("no header could be read".into()));
    }

    let mut defects = Vec::new();
    let headers = headers::all_headers(msg, &mut defects);
    let from = headers::first_address(msg.from())
        .or_else(|| headers::address_lossy(msg, HeaderName::From));
    if from.is_none() {
        defects.push("no From address".into());
    }
    let date = headers::date(msg, &mut defects);
    let body = body::body(msg);
    let attachments = attachment::attachments(msg, limits, &mut defects);
    Ok(ParsedMessage {
        message_id: headers::message_id(msg),
        in_reply_to: headers::all_ids(msg, HeaderName::InReplyTo),
        references: headers::all_ids(msg, HeaderName::References),
        subject: headers::subject(msg),
        from,
        reply_to: headers::first_address(msg.reply_to())
            .or_else(|| headers::address_lossy(msg, HeaderName::ReplyTo)),
        to: headers::all_addresses(
            msg.header_values(HeaderName::To)
                .filter_map(|v| v.as_address()),
        ),
        cc: headers::all_addresses(
            msg.header_values(HeaderName::Cc)
                .filter_map(|v| v.as_address()),
        ),
        date,
        return_path: headers::return_path(msg),
        headers,
        content_type: headers::content_type_full(root),
        body: body.text,
        body_from_html: body.from_html,
        attachments,
        defects,
        mime_attachments: Some(msg.attachments.len()),
    })
}

/// Drops mail-parser's tree without recursion. Each message/rfc822 nested in another is a
/// level of its tree, and the compiler's drop recurses once per level: a few MB of
/// `Content-Type: message/rfc822` lines nest deep enough to overflow the stack and abort the
/// process. Taking the nested messages out onto a heap stack first keeps every drop shallow.
fn drop_flat(msg: Message<'_>) {
    let mut pending = vec![msg];
    while let Some(mut msg) = pending.pop() {
        for part in &mut msg.parts {
            if matches!(part.body, PartType::Message(_)) {
                if let PartType::Message(inner) = std::mem::take(&mut part.body) {
                    pending.push(inner);
                }
            }
        }
    }
}
