//! The readable body of a message: its text/plain parts, or its HTML turned into text.
//!
//! Rule: the inline text/plain parts mail-parser chose as the text body, in order; when they
//! hold no text (HTML-only mail, or an empty text alternative), the HTML body converted by
//! [`html_to_text`]. Parts that are not text (inline images) are never body.
//!
//! Invariants: never panics; the body is [`normalize`]d; `from_html` is true exactly when some
//! of the text came from HTML.

use mail_parser::{Message, PartType};

use super::html::html_to_text;
use super::text::normalize;

pub(crate) struct Body {
    pub(crate) text: String,
    pub(crate) from_html: bool,
}

pub(crate) fn body(msg: &Message<'_>) -> Body {
    let plain = join(msg, &msg.text_body);
    if !plain.text.is_empty() {
        return plain;
    }
    let html = join(msg, &msg.html_body);
    if !html.text.is_empty() {
        return html;
    }
    plain
}

/// The text of the listed parts, separated by a blank line.
fn join(msg: &Message<'_>, ids: &[u32]) -> Body {
    let mut texts = Vec::new();
    let mut from_html = false;
    for part in ids.iter().filter_map(|&id| msg.parts.get(id as usize)) {
        let text = match &part.body {
            PartType::Text(t) => normalize(t),
            PartType::Html(h) => {
                let text = html_to_text(h);
                from_html |= !text.is_empty();
                text
            }
            _ => continue,
        };
        if !text.is_empty() {
            texts.push(text);
        }
    }
    let text = if texts.len() == 1 {
        texts.pop().unwrap_or_default()
    } else {
        texts.join("\n\n")
    };
    Body { text, from_html }
}
