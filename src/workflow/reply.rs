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
        .retain(|i| !added.contains(&i.field) || now_invalid(&i.field));
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
                token: None,
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
                token: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Letter, RuleContext};

    const RULE: &str = r#"
name = "Zoom"
sop = "t"
threshold = 1
[[condition]]
in = "text"
any = ["zoom"]
weight = 1
[[field]]
name = "no_hp"
title = "No HP"
type = "phone"
required = true
[[field]]
name = "email"
title = "Email"
type = "email"
required = true
must_match = "@student\\.uns\\.ac\\.id$"
[[attachment]]
name = "surat_rekomendasi"
title = "Surat rekomendasi"
required = true
keywords = ["rekomendasi"]
[[step]]
id = "verifikasi"
title = "Verifikasi"
kind = "verify"
actor = "helpdesk"
sla = "5 menit"
[[step]]
id = "disposisi"
title = "Disposisi"
kind = "disposition"
actor = "pimpinan"
sla = "5 menit"
"#;

    fn rule() -> Rule {
        let (rule, diags) = crate::rules::load::load_str(
            "zoom",
            std::path::Path::new("zoom.toml"),
            RULE,
            &RuleContext::default(),
        );
        rule.unwrap_or_else(|| panic!("rule does not load: {diags:?}"))
    }

    fn read(rule: &Rule, body: &str, attachments: Vec<(&str, &str)>) -> Extraction {
        let letter = Letter {
            body,
            attachments,
            ..Letter::default()
        };
        crate::rules::extract(rule, &letter)
    }

    #[test]
    fn a_reply_fixes_an_invalid_value_and_brings_the_attachment() {
        let r = rule();
        let old = read(&r, "No HP: 0812 3456 7890\nEmail: budi@gmail.com\n", vec![]);
        assert_eq!(old.missing, vec!["lampiran:surat_rekomendasi"]);
        assert_eq!(old.invalid.len(), 1);
        let reply = read(
            &r,
            "Email: budi@student.uns.ac.id\n> No HP: 0899 0000 0000\n",
            vec![("rekomendasi.pdf", "Surat rekomendasi Wakil Dekan III")],
        );
        let out = on_requester_reply(&r, TicketState::AwaitingRequester, &old, &reply, "b@x", "9");
        assert_eq!(
            out.added,
            vec!["email"],
            "the accepted phone number is not overwritten"
        );
        assert_eq!(
            out.extraction.fields["email"].value,
            "budi@student.uns.ac.id"
        );
        assert_eq!(out.extraction.fields["no_hp"].value, "081234567890");
        assert!(out.extraction.is_complete(), "{:?}", out.extraction);
        assert_eq!(out.transition.state, TicketState::Open);
        assert_eq!(out.transition.step.as_deref(), Some("disposisi"));
        assert!(
            matches!(&out.transition.actions[..], [Action::SendEmail { template, .. }] if template == "lengkap")
        );
    }

    #[test]
    fn a_partial_reply_asks_again_once_and_an_empty_one_not_at_all() {
        let r = rule();
        let old = read(&r, "Email: budi@student.uns.ac.id\n", vec![]);
        let partial = read(&r, "No HP saya 0812-3456-7890\n", vec![]);
        let out = on_requester_reply(
            &r,
            TicketState::AwaitingRequester,
            &old,
            &partial,
            "b@x",
            "9",
        );
        assert_eq!(out.transition.state, TicketState::AwaitingRequester);
        assert_eq!(out.extraction.missing, vec!["lampiran:surat_rekomendasi"]);
        assert!(
            matches!(&out.transition.actions[..], [Action::SendEmail { key, .. }] if key == "kelengkapan-9")
        );
        let thanks = read(&r, "Terima kasih.\n", vec![]);
        let out = on_requester_reply(
            &r,
            TicketState::AwaitingRequester,
            &out.extraction,
            &thanks,
            "b@x",
            "10",
        );
        assert!(out.transition.actions.is_empty());
    }

    #[test]
    fn a_reply_on_a_ticket_not_waiting_changes_nothing() {
        let r = rule();
        let old = read(&r, "No HP: 0812 3456 7890\n", vec![]);
        let reply = read(&r, "Email: budi@student.uns.ac.id\n", vec![]);
        let out = on_requester_reply(&r, TicketState::Open, &old, &reply, "b@x", "9");
        assert_eq!(out.extraction, old);
        assert!(out.transition.actions.is_empty());
        assert_eq!(out.transition.events[0].kind, "reply");
    }
}
