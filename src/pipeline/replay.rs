//! `suratd replay ID`: a quarantined message (ended as triage) processed again with the
//! current rules, e.g. after a rule fix. The decision is made afresh; if a rule now claims the
//! letter, its triage ticket becomes that request (same number) and the emails of a new
//! request are queued, all in one transaction with a `replayed` event. Anything else changes
//! nothing but the event log. Idempotent: once promoted, the message is no longer in
//! quarantine, and a second replay finds nothing to do; the emails' dedupe keys could not
//! queue twice anyway.

use super::*;
use crate::store::quarantine::Promotion;

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Replayed {
    /// A rule now claims the letter: the triage ticket is now a request.
    Promoted {
        ticket: String,
        rule: String,
        state: String,
        emails_queued: usize,
    },
    /// Still no rule for it: it stays in quarantine.
    StillTriage {
        ticket: String,
        reason: String,
    },
    /// It now reads as something else (a reply, an automatic message, a decision): nothing
    /// is applied automatically; the helpdesk handles its ticket by hand.
    NotApplied {
        ticket: String,
        kind: String,
        reason: String,
    },
    /// Not (or no longer) in quarantine.
    NotQuarantined {
        outcome: String,
    },
    NoSuchMessage,
}

impl Pipeline<'_> {
    /// Processes quarantined message `id` again; see the module documentation.
    pub fn replay(&self, store: &mut Store, id: MessageRowId) -> Result<Replayed, PipelineError> {
        let Some(raw) = store.raw(id)? else {
            return Ok(Replayed::NoSuchMessage);
        };
        let d = self.decide(&raw, &StoreIndex(store));
        let now = self.clock.now();
        let mut stats = ProcessStats::default();
        store.transaction(|tx| -> Result<Replayed, PipelineError> {
            let (outcome, ticket) = tx.message_outcome(id)?.unwrap_or((None, None));
            let ticket_row = match ticket {
                Some(t) => tx.ticket_by_id(t)?,
                None => None,
            };
            let open_triage = ticket_row
                .as_ref()
                .filter(|t| t.kind == TicketKind::Triage && t.state == workflow::TicketState::Triage);
            let (Some("triage"), Some(t)) = (outcome.as_deref(), open_triage) else {
                let outcome = match (&outcome, &ticket_row) {
                    (Some(o), Some(t)) if o == "triage" => {
                        format!("triage, but ticket {} is already {}", t.number, t.state)
                    }
                    (Some(o), _) => o.clone(),
                    (None, _) => "pending".into(),
                };
                return Ok(Replayed::NotQuarantined { outcome });
            };
            let c = &d.classification;
            let result = match (c.kind, c.rule.as_deref(), &d.transition) {
                (Kind::NewRequest, Some(rule), Some(transition)) => {
                    let empty = Extraction::default();
                    let ex = c.extraction.as_ref().unwrap_or(&empty);
                    let fields = serde_json::to_value(&ex.fields).unwrap_or_default();
                    let missing = serde_json::to_value(&ex.missing).unwrap_or_default();
                    let invalid = serde_json::to_value(&ex.invalid).unwrap_or_default();
                    let promoted = tx.promote_triage(
                        t.id,
                        &Promotion {
                            rule_id: rule,
                            state: transition.state,
                            step: transition.step.as_deref(),
                            fields: &fields,
                            missing: &missing,
                            invalid: &invalid,
                        },
                        now,
                    )?;
                    if !promoted {
                        return Ok(Replayed::NotQuarantined {
                            outcome: format!("ticket {} changed meanwhile", t.number),
                        });
                    }
                    tx.add_event(
                        Some(t.id),
                        Some(id),
                        "replayed",
                        None,
                        &serde_json::json!({ "result": "promoted", "rule": rule, "reason": c.reason }),
                        now,
                    )?;
                    record_events(tx, t.id, id, transition, now)?;
                    self.queue_planned(tx, &d, &t.number, t.id, Some(id), now, &mut stats)?;
                    tx.finish_message(id, Outcome::NewTicket, Some(&c.reason), Some(t.id), now)?;
                    Replayed::Promoted {
                        ticket: t.number.clone(),
                        rule: rule.to_string(),
                        state: transition.state.to_string(),
                        emails_queued: stats.emails_queued,
                    }
                }
                (Kind::Unmatched | Kind::NewRequest, _, _) => Replayed::StillTriage {
                    ticket: t.number.clone(),
                    reason: c.reason.clone(),
                },
                (kind, _, _) => Replayed::NotApplied {
                    ticket: t.number.clone(),
                    kind: kind.as_str().to_string(),
                    reason: c.reason.clone(),
                },
            };
            if !matches!(result, Replayed::Promoted { .. }) {
                tx.add_event(
                    Some(t.id),
                    Some(id),
                    "replayed",
                    None,
                    &serde_json::to_value(&result).unwrap_or_default(),
                    now,
                )?;
            }
            Ok(result)
        })
    }
}
