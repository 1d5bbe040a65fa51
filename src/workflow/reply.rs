//! A requester's reply on a ticket that waits for data: what the reply supplies (read with the
//! ticket's rule) fills what was missing or invalid, and the ticket moves on once complete.
//!
//! Values already accepted are kept: a reply usually quotes the letter and our
//! acknowledgement, and a quoted old value must not overwrite nor re-open anything. Only
//! fields that were missing or invalid are taken from the reply.

use super::{Action, EventRecord, Recipient, TicketState, Transition};
use crate::rules::{Extraction, Rule};

/// The ticket's data after the reply, and what the engine does about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyOutcome {
    pub extraction: Extraction,
    /// Fields the reply supplied.
    pub added: Vec<String>,
    pub transition: Transition,
}

/// Merges `reply` into `old` for a ticket in `state`. `key` names this reply (unique per
/// message) so the email it causes is queued once however often it is processed.
pub fn on_requester_reply(
    rule: &Rule,
    state: TicketState,
    old: &Extraction,
    reply: &Extraction,
    from: &str,
    key: &str,
) -> ReplyOutcome {
    if state != TicketState::AwaitingRequester {
        return ReplyOutcome {
            extraction: old.clone(),
            added: Vec::new(),
            transition: super::on_reply(state, from, None),
        };
    }
    let was_invalid = |name: &str| old.invalid.iter().any(|i| i.field == name);
    let mut merged = old.clone();
    let mut added = Vec::new();
    for (name, value) in &reply.fields {
        if !old.fields.contains_key(name) || was_invalid(name) {
            merged.fields.insert(name.clone(), value.clone());
            added.push(name.clone());
        }
    }
    let now_invalid = |name: &str| reply.invalid.iter().any(|i| i.field == name);
    // Invalid values fixed by the reply leave; newly supplied invalid values come in.
    merged
        .invalid
        .retain(|i| !(added.contains(&i.field) && !now_invalid(&i.field)));
    for inv in &reply.invalid {
        if added.contains(&inv.field) && !merged.invalid.iter().any(|i| i.field == inv.field) {
            merged.invalid.push(inv.clone());
        }
    }
    let has = |name: &str| merged.fields.contains_key(name);
    merged.missing.retain(|m| {
        if m.starts_with("lampiran:") {
            // The reply carried the attachment when its own extraction does not miss it.
            reply.missing.contains(m)
        } else {
            !m.split('|').any(has)
        }
    });
    let mut events = vec![EventRecord {
        kind: "reply",
        detail: serde_json::json!({ "from": from, "added": added }),
    }];
    let (state, step, actions) = if merged.is_complete() {
        events.push(EventRecord {
            kind: "verified",
            detail: serde_json::json!({ "by": "rules" }),
        });
        (
            TicketState::Open,
            super::step_after_verification(rule, &merged),
            vec![Action::SendEmail {
                template: "lengkap".into(),
                to: Recipient::Requester,
                key: "lengkap".into(),
            }],
        )
    } else if added.is_empty() {
        // Nothing new (a thank-you, a question): no answer, so two parties cannot ping-pong.
        (TicketState::AwaitingRequester, None, Vec::new())
    } else {
        (
            TicketState::AwaitingRequester,
            None,
            vec![Action::SendEmail {
                template: "kelengkapan".into(),
                to: Recipient::Requester,
                key: format!("kelengkapan-{key}"),
            }],
        )
    };
    ReplyOutcome {
        extraction: merged,
        added,
        transition: Transition {
            state,
            step,
            actions,
            events,
        },
    }
}
