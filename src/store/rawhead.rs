//! A cheap look at the raw header block, enough to store a message: its Message-ID and the
//! dedupe key. Full parsing happens later, from the store; this must work on any bytes.

use sha2::{Digest, Sha256};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct RawHead<'a> {
    /// Without angle brackets or surrounding space.
    pub message_id: Option<String>,
    from: &'a [u8],
    date: &'a [u8],
    subject: &'a [u8],
    body: &'a [u8],
}

impl<'a> RawHead<'a> {
    pub fn scan(raw: &'a [u8]) -> RawHead<'a> {
        let (head, body) = split_head(raw);
        let mut out = RawHead {
            body,
            ..RawHead::default()
        };
        for (name, value) in header_lines(head) {
            if name.eq_ignore_ascii_case(b"message-id") && out.message_id.is_none() {
                let v = String::from_utf8_lossy(value);
                let v = v.trim().trim_start_matches('<');
                let v = v.split('>').next().unwrap_or("").trim();
                if !v.is_empty() {
                    out.message_id = Some(v.to_string());
                }
            } else if name.eq_ignore_ascii_case(b"from") && out.from.is_empty() {
                out.from = value;
            } else if name.eq_ignore_ascii_case(b"date") && out.date.is_empty() {
                out.date = value;
            } else if name.eq_ignore_ascii_case(b"subject") && out.subject.is_empty() {
                out.subject = value;
            }
        }
        out
    }

    /// Hash of what identifies a letter regardless of the route it took: Message-ID, From,
    /// Date, Subject and the body. Trace headers (Received, Delivered-To…) are left out, so
    /// the same letter delivered twice is one message.
    pub fn dedupe_key(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.message_id.as_deref().unwrap_or("").as_bytes(),
            trim(self.from),
            trim(self.date),
            trim(self.subject),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        // Line endings differ between stores (Maildir LF, IMAP CRLF): hash the body without CR,
        // piece by piece between the CRs rather than from a copy (a letter may be 30 MB).
        for piece in self.body.split(|&b| b == b'\r') {
            h.update(piece);
        }
        super::hex(&h.finalize())
    }
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Splits at the first empty line (CRLF or LF); all header when there is none.
fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\n' {
            let rest = &raw[i + 1..];
            if rest.starts_with(b"\r\n") {
                return (&raw[..i + 1], &rest[2..]);
            }
            if rest.starts_with(b"\n") {
                return (&raw[..i + 1], &rest[1..]);
            }
        }
        i += 1;
    }
    (raw, &[])
}

/// (name, value) of each header field; a folded field's value keeps its inner line breaks.
fn header_lines(head: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut field_start = 0;
    for i in 0..=head.len() {
        let at_end = i == head.len();
        let field_ends =
            at_end || (head[i] == b'\n' && !matches!(head.get(i + 1), Some(b' ' | b'\t')));
        if !field_ends {
            continue;
        }
        let field = &head[field_start..i];
        if let Some(colon) = field.iter().position(|&c| c == b':') {
            out.push((&field[..colon], &field[colon + 1..]));
        }
        field_start = i + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_message_id_and_ignores_trace_headers() {
        let a = RawHead::scan(b"Message-ID: <x@y>\r\nSubject: Hi\r\n\r\nBody\r\n");
        let b = RawHead::scan(
            b"Received: by z\r\n\tfolded\r\nMessage-ID:\r\n <x@y>\r\nSubject: Hi\r\n\r\nBody\n",
        );
        assert_eq!(a.message_id.as_deref(), Some("x@y"));
        assert_eq!(b.message_id.as_deref(), Some("x@y"));
        assert_eq!(a.dedupe_key(), b.dedupe_key());
        let c = RawHead::scan(b"Message-ID: <x@y>\r\nSubject: Hi\r\n\r\nOther body\r\n");
        assert_ne!(a.dedupe_key(), c.dedupe_key());
    }

    #[test]
    fn junk_does_not_panic() {
        for raw in [
            &b""[..],
            b":",
            b"\n\n",
            b"no colon at all",
            b"a:\n b\n\n",
            b"\r\n\r\n",
        ] {
            let _ = RawHead::scan(raw).dedupe_key();
        }
    }
}
