//! A polite answer when a letter could not be read because of a `[limits]` setting: the
//! whole message was over `max-message-bytes`, or an attachment was not read (too large, too
//! many, too slow to read) and no rule claimed the letter. The letter is a triage ticket
//! either way; the sender is told why and what to do (template `terlalu_besar`).
//!
//! A message over the size limit is not parsed, but its header block (at most
//! [`parse::HEAD_MAX_BYTES`]) is: that gives the sender, the subject, and whether the message
//! is automatic — automatic mail is never answered, so a bounce loop cannot start here.

use super::*;

/// The template of the answer.
pub(crate) const TEMPLATE: &str = "terlalu_besar";

impl Pipeline<'_> {
    /// Fills the sender and the answer into the decision for a message over the size limit.
    pub(super) fn answer_too_large(&self, raw: &[u8], e: &ParseError, d: &mut Decision) {
        let ParseError::TooLarge { size, limit } = e else {
            return;
        };
        let Some(head) = parse::parse_head(raw) else {
            return;
        };
        let me = SelfAddress {
            address: &self.config.helpdesk.address,
        };
        if let Some(reason) = classify::automatic_reason(&head, &me) {
            tracing::info!(%reason, "message over the size limit is automatic: not answered");
            return;
        }
        let Some(requester) = head.reply_to.as_ref().or(head.from.as_ref()) else {
            return;
        };
        d.requester = Some(requester.normalized());
        d.requester_name = head
            .from
            .as_ref()
            .and_then(|a| a.name.clone())
            .filter(|n| !n.trim().is_empty());
        if !head.subject.trim().is_empty() {
            d.subject = head.subject.clone();
        }
        d.language = self.language_of(&head);
        d.references = head.references.clone();
        if let Some(id) = &head.message_id {
            d.references.push(id.clone());
        }
        d.extra.clarification = match d.language {
            "en" => format!(
                "your message is {} in size, over our limit of {}",
                megabytes(*size),
                megabytes(*limit)
            ),
            _ => format!(
                "ukuran surat Anda {}, melebihi batas {}",
                megabytes(*size),
                megabytes(*limit)
            ),
        };
        push_answer(d);
    }

    /// For a letter no rule claimed with an attachment left unread by a limit: the answer.
    pub(super) fn answer_unread_attachment(&self, msg: &ParsedMessage, d: &mut Decision) {
        if d.classification.kind != Kind::Unmatched || d.requester.is_none() {
            return;
        }
        let Some(a) = msg.attachments.iter().find(|a| a.over_limit()) else {
            return;
        };
        d.extra.clarification = match d.language {
            "en" => format!("the attachment \"{}\" could not be read (too large, too many attachments, or too slow to read)", a.filename),
            _ => format!("lampiran \"{}\" tidak dapat kami baca (terlalu besar, terlalu banyak lampiran, atau terlalu lama dibaca)", a.filename),
        };
        push_answer(d);
    }
}

fn push_answer(d: &mut Decision) {
    if let Some(t) = &mut d.transition {
        t.actions.push(Action::SendEmail {
            template: TEMPLATE.into(),
            to: Recipient::Requester,
            key: "terlalu-besar".into(),
            token: None,
        });
    }
}

/// `31.5 MB`: sizes as people read them (MiB, one decimal).
fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}
