//! The ticket workflow: a pure engine. Given what happened (a new request, a reply…), the rule
//! and the ticket, it returns the new state and the [`Action`]s to carry out (emails to queue,
//! events to record). It does no I/O: the pipeline writes its result in one transaction, and
//! `suratd try` prints the same actions instead of carrying them out.

use crate::rules::{Extraction, Rule, StepKind};

pub mod disposition;
pub mod reading;
pub mod reply;
pub use reply::{on_requester_reply, ReplyOutcome};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Where a ticket stands. Stored as TEXT with a CHECK constraint (see the migrations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Nobody knows yet which SOP this is: the helpdesk must look.
    Triage,
    /// Waiting for the requester to send what is missing.
    AwaitingRequester,
    /// Verified and complete; the next step of the SOP is due.
    Open,
    AwaitingApproval,
    InProgress,
    Resolved,
    Rejected,
    Closed,
}

impl TicketState {
    pub const ALL: [TicketState; 8] = [
        TicketState::Triage,
        TicketState::AwaitingRequester,
        TicketState::Open,
        TicketState::AwaitingApproval,
        TicketState::InProgress,
        TicketState::Resolved,
        TicketState::Rejected,
        TicketState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Triage => "triage",
            TicketState::AwaitingRequester => "awaiting_requester",
            TicketState::Open => "open",
            TicketState::AwaitingApproval => "awaiting_approval",
            TicketState::InProgress => "in_progress",
            TicketState::Resolved => "resolved",
            TicketState::Rejected => "rejected",
            TicketState::Closed => "closed",
        }
    }
}

impl fmt::Display for TicketState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TicketState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TicketState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown ticket state \"{s}\""))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// A request matched to an SOP.
    Request,
    /// Something the helpdesk must look at by hand (unmatched, unparseable).
    Triage,
}

impl TicketKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::Request => "request",
            TicketKind::Triage => "triage",
        }
    }
}

impl FromStr for TicketKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "request" => Ok(TicketKind::Request),
            "triage" => Ok(TicketKind::Triage),
            _ => Err(format!("unknown ticket kind \"{s}\"")),
        }
    }
}

/// Who an email goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "to", content = "address")]
pub enum Recipient {
    /// The sender of the letter (its Reply-To if it has one).
    Requester,
    /// A person of daemon.toml (a leader, a staff member).
    Person { address: String, name: String },
    /// Another address of the requester (e.g. the personal address the letter gives).
    Address { address: String },
}

/// A token the email must carry, bound to the ticket, `step` and `holder` (an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenFor {
    pub step: String,
    pub holder: String,
}

/// Something the engine asks the edges to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Queue an email from a template. `key` makes it idempotent within the ticket
    /// (the outbox refuses a second email with the same ticket and key).
    SendEmail {
        template: String,
        to: Recipient,
        key: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<TokenFor>,
    },
}

/// An entry for the ticket's audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub kind: &'static str,
    pub detail: serde_json::Value,
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub state: TicketState,
    /// The step of the rule the ticket is now at.
    pub step: Option<String>,
    pub actions: Vec<Action>,
    pub events: Vec<EventRecord>,
}

/// A new letter matched `rule`: acknowledge it, and either wait for what is missing or move on
/// to the step after verification.
pub fn on_new_request(rule: &Rule, extraction: &Extraction) -> Transition {
    let verify = rule.steps.iter().position(|s| s.kind == StepKind::Verify);
    let mut events = vec![EventRecord {
        kind: "created",
        detail: serde_json::json!({ "rule": rule.id.0, "fields": extraction.fields.len() }),
    }];
    // A branch of the SOP that sends the requester elsewhere (e.g. students to Siakad)
    // applies as soon as its condition holds: nothing else is needed from them.
    if let Some(step) = rule.steps.iter().find(|s| {
        s.kind == StepKind::Redirect && s.when.as_ref().is_some_and(|w| w.holds(extraction))
    }) {
        events.push(EventRecord {
            kind: "redirected",
            detail: serde_json::json!({ "step": step.id }),
        });
        return Transition {
            state: TicketState::Resolved,
            step: Some(step.id.clone()),
            actions: vec![Action::SendEmail {
                template: step.template.clone().unwrap_or_else(|| "arahan".into()),
                to: Recipient::Requester,
                key: step.id.clone(),
                token: None,
            }],
            events,
        };
    }
    let (state, step) = if extraction.is_complete() {
        events.push(EventRecord {
            kind: "verified",
            detail: serde_json::json!({ "by": "rules" }),
        });
        (TicketState::Open, step_after_verification(rule, extraction))
    } else {
        events.push(EventRecord {
            kind: "incomplete",
            detail: serde_json::json!({
                "missing": extraction.missing,
                "invalid": extraction.invalid.iter().map(|i| &i.field).collect::<Vec<_>>(),
            }),
        });
        let step = verify.map(|i| rule.steps[i].id.clone());
        (TicketState::AwaitingRequester, step)
    };
    Transition {
        state,
        step,
        actions: vec![Action::SendEmail {
            template: "ack".into(),
            to: Recipient::Requester,
            key: "ack".into(),
            token: None,
        }],
        events,
    }
}

/// The first step past submission and verification that applies to this letter.
pub fn step_after_verification(rule: &Rule, extraction: &Extraction) -> Option<String> {
    let verify = rule.steps.iter().position(|s| s.kind == StepKind::Verify);
    rule.steps
        .iter()
        .skip(verify.map_or(0, |i| i + 1))
        .filter(|s| s.when.as_ref().is_none_or(|w| w.holds(extraction)))
        .find(|s| {
            !matches!(
                s.kind,
                StepKind::Submit | StepKind::Verify | StepKind::Redirect
            )
        })
        .map(|s| s.id.clone())
}

/// A letter no rule claimed (or that could not be read): the helpdesk triages it. No email
/// goes out: answering mail we do not understand invites loops and backscatter.
pub fn on_unmatched(reason: &str) -> Transition {
    Transition {
        state: TicketState::Triage,
        step: None,
        actions: Vec::new(),
        events: vec![EventRecord {
            kind: "triage",
            detail: serde_json::json!({ "reason": reason }),
        }],
    }
}

/// A message on an existing ticket's thread. It is recorded; the state is unchanged here
/// (decisions and completions by reply belong to later steps of the engine).
pub fn on_reply(state: TicketState, from: &str, automatic: Option<&str>) -> Transition {
    let detail = match automatic {
        Some(reason) => serde_json::json!({ "from": from, "automatic": reason }),
        None => serde_json::json!({ "from": from }),
    };
    Transition {
        state,
        step: None,
        actions: Vec::new(),
        events: vec![EventRecord {
            kind: if automatic.is_some() {
                "automatic_reply"
            } else {
                "reply"
            },
            detail,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        for s in TicketState::ALL {
            assert_eq!(s.as_str().parse::<TicketState>(), Ok(s));
        }
        assert!("done".parse::<TicketState>().is_err());
    }
}
