//! Building an outgoing message. Its Message-ID is fixed before it is queued (derived from
//! the ticket and the purpose, so queuing the same email twice yields the same identity), it
//! threads with the requester's letter (In-Reply-To/References), carries the ticket tag in
//! the subject, and says it is automatic (RFC 3834 `Auto-Submitted: auto-replied`, and
//! `X-Auto-Response-Suppress: All` for Exchange) so other robots do not answer it.

use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::Message;

#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub from_name: &'a str,
    pub from_address: &'a str,
    pub to_name: Option<&'a str>,
    pub to_address: &'a str,
    /// Without angle brackets.
    pub message_id: &'a str,
    pub ticket: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The letter this answers (without brackets).
    pub in_reply_to: Option<&'a str>,
    /// The thread so far, oldest first (without brackets).
    pub references: &'a [String],
    pub date: DateTime<Utc>,
    /// Where replies must go (a plus-address carrying a token), when not to `from`.
    pub reply_to: Option<&'a str>,
    /// An approval token for the subject tag: `[TIK-2026-000123 a-…]`.
    pub token: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("bad address \"{address}\": {reason}")]
    Address { address: String, reason: String },
    #[error("cannot build message: {0}")]
    Build(String),
}

/// Message-IDs suratd makes: `<ticket>.<purpose>@<domain>`, stable for a ticket and purpose.
pub fn message_id(ticket: &str, purpose: &str, domain: &str) -> String {
    let purpose: String = purpose
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{ticket}.{purpose}@{domain}")
}

/// The subject with the ticket tag, added once.
pub fn tagged_subject(ticket: &str, subject: &str) -> String {
    let tag = format!("[{ticket}]");
    if subject.contains(&tag) {
        subject.to_string()
    } else {
        format!("{tag} {subject}")
    }
}

fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, ComposeError> {
    let addr = address
        .trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| ComposeError::Address {
            address: address.to_string(),
            reason: e.to_string(),
        })?;
    // Names come from letters: no line breaks may reach a header.
    let name = name
        .map(|n| n.replace(['\r', '\n'], " ").trim().to_string())
        .filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, addr))
}

/// The subject with the ticket and token tag `[TIK-2026-000123 a-…]`.
pub fn token_subject(ticket: &str, token: &str, subject: &str) -> String {
    format!("[{ticket} {token}] {subject}")
}

/// The plus-address replies carrying `token` go to: `helpdesk+a-…@kampus.ac.id`.
pub fn token_address(helpdesk: &str, token: &str) -> String {
    match helpdesk.split_once('@') {
        Some((local, domain)) => format!("{local}+{token}@{domain}"),
        None => helpdesk.to_string(),
    }
}

/// The full message bytes, CRLF line endings.
pub fn build(o: &Outgoing<'_>) -> Result<Vec<u8>, ComposeError> {
    build_with(o, &[])
}

/// The message with `files` attached after the text (multipart/mixed when there are any).
pub fn build_with(
    o: &Outgoing<'_>,
    files: &[super::attach::LetterFile],
) -> Result<Vec<u8>, ComposeError> {
    let clean = o.subject.replace(['\r', '\n'], " ");
    let subject = match o.token {
        Some(t) => token_subject(o.ticket, t, &clean),
        None => tagged_subject(o.ticket, &clean),
    };
    let from = mailbox(Some(o.from_name), o.from_address)?;
    let to = mailbox(o.to_name, o.to_address)?;
    // The SMTP envelope lettre would read back out of the From and To headers it was
    // given (parsing them again): the same two addresses.
    let envelope = Envelope::new(Some(from.email.clone()), vec![to.email.clone()])
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    let mut b = Message::builder()
        .envelope(envelope)
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{}>", o.message_id)))
        .date(o.date.into())
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".into(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".into(),
        ));
    if let Some(r) = o.reply_to {
        b = b.reply_to(mailbox(Some(o.from_name), r)?);
    }
    if let Some(parent) = o.in_reply_to {
        b = b.in_reply_to(format!("<{parent}>"));
    }
    let refs: Vec<String> = o.references.iter().map(|r| format!("<{r}>")).collect();
    if !refs.is_empty() {
        b = b.references(refs.join(" "));
    }
    // (memchr first: nearly every body has no CR at all.)
    let text = if o.body.contains('\r') {
        o.body.replace("\r\n", "\n")
    } else {
        o.body.to_owned()
    };
    let msg = if files.is_empty() {
        b.header(ContentType::TEXT_PLAIN).body(text)
    } else {
        use lettre::message::{Attachment, MultiPart, SinglePart};
        let mut mixed = MultiPart::mixed().singlepart(SinglePart::plain(text));
        for f in files {
            let ct = ContentType::parse(&f.content_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .map_err(|e| ComposeError::Build(e.to_string()))?;
            mixed = mixed.singlepart(Attachment::new(f.name.clone()).body(f.bytes.clone(), ct));
        }
        b.multipart(mixed)
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(msg.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_threaded_automatic_message() {
        let refs = vec!["surat-7@contoh.ac.id".to_string()];
        let o = Outgoing {
            from_name: "Helpdesk TIK",
            from_address: "helpdesk@kampus.ac.id",
            to_name: Some("Budi\r\nBcc: x@y"),
            to_address: "budi@contoh.ac.id",
            message_id: "TIK-2026-000007.ack@kampus.ac.id",
            ticket: "TIK-2026-000007",
            subject: "Tanda terima",
            body: "Halo Budi,\nterima kasih.\n",
            in_reply_to: Some("surat-7@contoh.ac.id"),
            references: &refs,
            date: DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
                .map(|d| d.with_timezone(&Utc))
                .expect("date"),
            reply_to: None,
            token: None,
        };
        let raw = String::from_utf8(build(&o).expect("builds")).expect("utf8");
        for want in [
            "Subject: [TIK-2026-000007] Tanda terima\r\n",
            "Message-ID: <TIK-2026-000007.ack@kampus.ac.id>\r\n",
            "In-Reply-To: <surat-7@contoh.ac.id>\r\n",
            "References: <surat-7@contoh.ac.id>\r\n",
            "Auto-Submitted: auto-replied\r\n",
            "X-Auto-Response-Suppress: All\r\n",
            "Date: Mon, 02 Mar 2026 01:00:00 +0000\r\n",
        ] {
            assert!(raw.contains(want), "missing {want:?} in\n{raw}");
        }
        assert!(
            !raw.contains("\r\nBcc:"),
            "header injection through a name:\n{raw}"
        );
    }

    #[test]
    fn tag_is_added_once() {
        assert_eq!(tagged_subject("T-1", "Re: [T-1] x"), "Re: [T-1] x");
        assert_eq!(tagged_subject("T-1", "x"), "[T-1] x");
    }
}
