//! One stored message through parse → classify → workflow → outbox, in two halves:
//!
//! - [`Pipeline::decide`] is pure: what the message is and what should happen (the state, the
//!   events, the emails, rendered). `suratd try` prints it.
//! - [`Pipeline::process_pending`] carries decisions out, one transaction per message: the
//!   ticket (or the reply, or the ignore), its events, its queued emails and the message
//!   marked done commit together, or not at all.
//!
//! A message that cannot be parsed, or that no rule claims, becomes a triage ticket; one that
//! is automatic is recorded as ignored with the reason. Nothing panics, nothing is dropped.

use crate::classify::{self, Classification, Kind, SelfAddress, ThreadIndex, TicketRef};
use crate::clock::Clock;
use crate::config::Config;
use crate::outbound::compose::{self, Outgoing};
use crate::outbound::context::{
    EmailContext, FieldLine, InvalidLine, MissingLine, Person, Sop, StepLine,
};
use crate::outbound::Templates;
use crate::parse::{self, ParseError, ParsedMessage};
use crate::rules::{Extraction, Rule, RuleSet};
use crate::store::{MessageRowId, NewEmail, NewTicket, Outcome, Store, StoreError, TicketId};
use crate::workflow::{self, Action, Recipient, TicketKind, Transition};
use chrono::Datelike;
use serde::Serialize;

pub struct Pipeline<'a> {
    pub config: &'a Config,
    pub rules: &'a RuleSet,
    pub templates: &'a Templates,
    pub clock: &'a dyn Clock,
}

/// An email the decision wants queued, rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedEmail {
    pub template: String,
    /// Idempotency key within the ticket (e.g. `ack`).
    pub key: String,
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// Everything decided about one message, before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub classification: Classification,
    /// Why parsing failed, when it did (the message then becomes a triage ticket).
    pub parse_error: Option<String>,
    pub transition: Option<Transition>,
    /// Where answers go: Reply-To, else From.
    pub requester: Option<String>,
    pub requester_name: Option<String>,
    pub language: &'static str,
    pub subject: String,
    pub message_id: Option<String>,
    /// The letter's thread, to thread our answers with it.
    #[serde(skip)]
    pub references: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcessStats {
    pub new_tickets: usize,
    pub triage: usize,
    pub replies: usize,
    pub ignored: usize,
    pub emails_queued: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The store as the classifier's view of existing tickets.
pub struct StoreIndex<'s>(pub &'s Store);

impl ThreadIndex for StoreIndex<'_> {
    fn by_message_id(&self, message_id: &str) -> Option<TicketRef> {
        to_ref(self.0.ticket_by_thread_id(message_id))
    }
    fn by_number(&self, number: &str) -> Option<TicketRef> {
        to_ref(self.0.ticket_by_number(number))
    }
}

fn to_ref(row: Result<Option<crate::store::TicketRow>, StoreError>) -> Option<TicketRef> {
    match row {
        Ok(Some(t)) => Some(TicketRef {
            id: t.id,
            number: t.number,
            state: t.state,
            rule: t.rule_id,
        }),
        Ok(None) => None,
        Err(e) => {
            // A read error here must not turn a reply into a new ticket silently.
            tracing::error!(error = %e, "ticket lookup failed");
            None
        }
    }
}

impl Pipeline<'_> {
    /// Parses, classifies and runs the workflow for one raw message. Writes nothing.
    pub fn decide(&self, raw: &[u8], index: &dyn ThreadIndex) -> Decision {
        match parse::parse(raw, &self.config.limits) {
            Ok(msg) => self.decide_parsed(&msg, index),
            Err(e) => self.undecidable(raw, &e),
        }
    }

    fn decide_parsed(&self, msg: &ParsedMessage, index: &dyn ThreadIndex) -> Decision {
        let me = SelfAddress {
            address: &self.config.helpdesk.address,
        };
        let classification =
            classify::classify(msg, self.rules, index, &me, &self.config.ticket_prefix);
        let transition = match classification.kind {
            Kind::NewRequest => classification
                .rule
                .as_deref()
                .and_then(|id| self.rules.get(id))
                .zip(classification.extraction.as_ref())
                .map(|(rule, ex)| workflow::on_new_request(rule, ex)),
            Kind::Unmatched => Some(workflow::on_unmatched(&classification.reason)),
            Kind::Reply | Kind::Automatic => classification.ticket.as_ref().map(|t| {
                let automatic = (classification.kind == Kind::Automatic)
                    .then_some(classification.reason.as_str());
                workflow::on_reply(
                    t.state,
                    msg.from.as_ref().map_or("", |a| a.email.as_str()),
                    automatic,
                )
            }),
            Kind::Approval => None,
        };
        let requester = msg.reply_to.as_ref().or(msg.from.as_ref());
        let mut references = msg.references.clone();
        if let Some(id) = &msg.message_id {
            references.push(id.clone());
        }
        Decision {
            classification,
            parse_error: None,
            transition,
            requester: requester.map(|a| a.normalized()),
            requester_name: msg
                .from
                .as_ref()
                .and_then(|a| a.name.clone())
                .filter(|n| !n.trim().is_empty()),
            language: self.language_of(msg),
            subject: msg.subject.clone(),
            message_id: msg.message_id.clone(),
            references,
        }
    }

    fn undecidable(&self, raw: &[u8], e: &ParseError) -> Decision {
        let reason = format!("unparseable: {e}");
        let head = crate::store::rawhead::RawHead::scan(raw);
        Decision {
            classification: Classification {
                kind: Kind::Unmatched,
                reason: reason.clone(),
                ticket: None,
                rule: None,
                scores: Vec::new(),
                extraction: None,
            },
            parse_error: Some(e.to_string()),
            transition: Some(workflow::on_unmatched(&reason)),
            requester: None,
            requester_name: None,
            language: "id",
            subject: "(pesan tidak terbaca)".into(),
            message_id: head.message_id.clone(),
            references: Vec::new(),
        }
    }

    fn language_of(&self, msg: &ParsedMessage) -> &'static str {
        let default = if self.config.language == "en" {
            "en"
        } else {
            "id"
        };
        classify::language(&msg.subject, &msg.body).unwrap_or(default)
    }

    /// Renders the emails a decision asks for, for ticket `number`.
    pub fn plan_emails(&self, d: &Decision, number: &str) -> Vec<Result<PlannedEmail, String>> {
        let Some(t) = &d.transition else {
            return Vec::new();
        };
        let rule = d
            .classification
            .rule
            .as_deref()
            .and_then(|id| self.rules.get(id));
        let mut out = Vec::new();
        for action in &t.actions {
            let Action::SendEmail { template, to, key } = action;
            out.push(self.plan_email(d, rule, number, template, to, key));
        }
        out
    }

    fn plan_email(
        &self,
        d: &Decision,
        rule: Option<&Rule>,
        number: &str,
        template: &str,
        to: &Recipient,
        key: &str,
    ) -> Result<PlannedEmail, String> {
        let Recipient::Requester = to;
        let address = d
            .requester
            .clone()
            .ok_or_else(|| "the letter has no sender address to answer".to_string())?;
        let ctx = self.context(d, rule, number, &address);
        let rendered = self
            .templates
            .render(template, d.language, &ctx)
            .map_err(|e| e.to_string())?;
        let message_id = compose::message_id(number, key, &self.config.helpdesk.domain);
        let raw = compose::build(&Outgoing {
            from_name: &self.config.helpdesk.name,
            from_address: &self.config.helpdesk.address,
            to_name: d.requester_name.as_deref(),
            to_address: &address,
            message_id: &message_id,
            ticket: number,
            subject: &rendered.subject,
            body: &rendered.body,
            in_reply_to: d.message_id.as_deref(),
            references: &d.references,
            date: self.clock.now(),
        })
        .map_err(|e| e.to_string())?;
        Ok(PlannedEmail {
            template: template.to_string(),
            key: key.to_string(),
            to: address,
            to_name: d.requester_name.clone(),
            subject: compose::tagged_subject(number, &rendered.subject),
            body: rendered.body,
            message_id,
            raw,
        })
    }

    fn context(
        &self,
        d: &Decision,
        rule: Option<&Rule>,
        number: &str,
        address: &str,
    ) -> EmailContext {
        let empty = Extraction::default();
        let ex = d.classification.extraction.as_ref().unwrap_or(&empty);
        let title_of = |name: &str| -> String {
            rule.and_then(|r| r.fields.iter().find(|f| f.name == name))
                .map_or_else(|| name.to_string(), |f| f.title.clone())
        };
        let missing_title = |item: &str| -> String {
            if let Some(att) = item.strip_prefix("lampiran:") {
                return rule
                    .and_then(|r| r.attachments.iter().find(|a| a.name == att))
                    .map_or_else(|| att.to_string(), |a| a.title.clone());
            }
            item.split('|')
                .map(title_of)
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let fields = match rule {
            Some(r) => r
                .fields
                .iter()
                .filter_map(|f| {
                    ex.fields.get(&f.name).map(|v| FieldLine {
                        name: f.name.clone(),
                        title: f.title.clone(),
                        value: v.value.clone(),
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        let steps: Vec<StepLine> = rule
            .map(|r| {
                r.steps
                    .iter()
                    .map(|s| StepLine {
                        title: s.title.clone(),
                        actor: s.actor.clone(),
                        sla: s.sla.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let next_step = d
            .transition
            .as_ref()
            .and_then(|t| t.step.as_deref())
            .and_then(|id| rule.and_then(|r| r.steps.iter().find(|s| s.id == id)))
            .map(|s| StepLine {
                title: s.title.clone(),
                actor: s.actor.clone(),
                sla: s.sla.text.clone(),
            });
        EmailContext {
            ticket: number.to_string(),
            helpdesk: Person {
                name: self.config.helpdesk.name.clone(),
                email: self.config.helpdesk.address.clone(),
            },
            requester: Person {
                name: d
                    .requester_name
                    .clone()
                    .or_else(|| ex.fields.get("nama").map(|v| v.value.clone()))
                    .unwrap_or_else(|| address.to_string()),
                email: address.to_string(),
            },
            sop: Sop {
                id: rule.map_or_else(String::new, |r| r.id.0.clone()),
                name: rule.map_or_else(String::new, |r| r.name.clone()),
            },
            subject: d.subject.clone(),
            fields,
            missing: ex
                .missing
                .iter()
                .map(|m| MissingLine {
                    name: m.clone(),
                    title: missing_title(m),
                })
                .collect(),
            invalid: ex
                .invalid
                .iter()
                .map(|i| InvalidLine {
                    name: i.field.clone(),
                    title: title_of(&i.field),
                    value: i.value.clone(),
                    message: i.message.clone(),
                })
                .collect(),
            complete: ex.is_complete(),
            steps,
            next_step,
        }
    }

    /// Processes every pending message in the store, one transaction each.
    pub fn process_pending(&self, store: &mut Store) -> Result<ProcessStats, PipelineError> {
        let mut stats = ProcessStats::default();
        loop {
            let batch = store.pending(64)?;
            if batch.is_empty() {
                return Ok(stats);
            }
            for (id, raw) in batch {
                let decision = self.decide(&raw, &StoreIndex(store));
                self.commit(store, id, &decision, &mut stats)?;
            }
        }
    }

    fn commit(
        &self,
        store: &mut Store,
        message: MessageRowId,
        d: &Decision,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let now = self.clock.now();
        let span = tracing::info_span!(
            "message",
            id = message.0,
            message_id = d.message_id.as_deref().unwrap_or("")
        );
        let _enter = span.enter();
        let c = &d.classification;
        store.transaction(|tx| -> Result<(), PipelineError> {
            match c.kind {
                Kind::Automatic | Kind::Approval => {
                    // Approval by token is not read yet: recorded, never acted on.
                    let ticket = c.ticket.as_ref().map(|t| t.id);
                    if let (Some(tid), Some(t)) = (ticket, &d.transition) {
                        record_events(tx, tid, message, t, now)?;
                    }
                    tx.finish_message(message, Outcome::Ignored, Some(&c.reason), ticket, now)?;
                    tracing::info!(kind = c.kind.as_str(), reason = %c.reason, ticket = ?c.ticket.as_ref().map(|t| &t.number), "ignored");
                    stats.ignored += 1;
                }
                Kind::Reply => {
                    let Some(t) = &c.ticket else {
                        return Ok(());
                    };
                    self.apply_reply(tx, message, t.id, d, now, stats)?;
                    if let Some(mid) = &d.message_id {
                        tx.add_thread_id(mid, t.id)?;
                    }
                    tx.finish_message(message, Outcome::Reply, Some(&c.reason), Some(t.id), now)?;
                    tracing::info!(ticket = %t.number, "reply added to ticket");
                    stats.replies += 1;
                }
                Kind::NewRequest | Kind::Unmatched => {
                    self.create_ticket(tx, message, d, now, stats)?;
                }
            }
            Ok(())
        })
    }

    fn create_ticket(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        d: &Decision,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let c = &d.classification;
        let Some(transition) = &d.transition else {
            return Ok(());
        };
        let year = now.with_timezone(&self.config.timezone.offset).year();
        let number = tx.next_ticket_number(&self.config.ticket_prefix, year)?;
        let empty = Extraction::default();
        let ex = c.extraction.as_ref().unwrap_or(&empty);
        let fields = serde_json::to_value(&ex.fields).unwrap_or_default();
        let missing = serde_json::to_value(&ex.missing).unwrap_or_default();
        let invalid = serde_json::to_value(&ex.invalid).unwrap_or_default();
        let (kind, outcome) = if c.kind == Kind::NewRequest {
            (TicketKind::Request, Outcome::NewTicket)
        } else {
            (TicketKind::Triage, Outcome::Triage)
        };
        let ticket = tx.insert_ticket(
            &NewTicket {
                number: &number,
                kind,
                rule_id: c.rule.as_deref(),
                state: transition.state,
                step: transition.step.as_deref(),
                requester: d.requester.as_deref(),
                requester_name: d.requester_name.as_deref(),
                language: d.language,
                subject: &d.subject,
                fields: &fields,
                missing: &missing,
                invalid: &invalid,
                triage_reason: (kind == TicketKind::Triage).then_some(c.reason.as_str()),
                source_message: message,
            },
            now,
        )?;
        if let Some(mid) = &d.message_id {
            tx.add_thread_id(mid, ticket)?;
        }
        record_events(tx, ticket, message, transition, now)?;
        self.queue_planned(tx, d, &number, ticket, message, now, stats)?;
        tx.finish_message(message, outcome, Some(&c.reason), Some(ticket), now)?;
        tracing::info!(ticket = %number, kind = c.kind.as_str(), rule = c.rule.as_deref().unwrap_or(""), state = %transition.state, "ticket created");
        match kind {
            TicketKind::Request => stats.new_tickets += 1,
            TicketKind::Triage => stats.triage += 1,
        }
        Ok(())
    }
}

impl Pipeline<'_> {
    /// A reply on a ticket: recorded, and when the ticket waits for data, what the reply
    /// supplies is merged in (see [`workflow::on_requester_reply`]).
    fn apply_reply(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        ticket: TicketId,
        d: &Decision,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let c = &d.classification;
        let row = tx.ticket_by_id(ticket)?;
        let rule = row
            .as_ref()
            .and_then(|r| r.rule_id.as_deref())
            .and_then(|id| self.rules.get(id));
        let (Some(row), Some(rule), Some(supplied)) = (row, rule, c.extraction.as_ref()) else {
            if let Some(t) = &d.transition {
                record_events(tx, ticket, message, t, now)?;
            }
            return Ok(());
        };
        let old = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        let from = d.requester.as_deref().unwrap_or("");
        let out = workflow::on_requester_reply(
            rule,
            row.state,
            &old,
            supplied,
            from,
            &message.0.to_string(),
        );
        if out.transition.state != row.state || !out.added.is_empty() {
            tx.update_ticket(
                ticket,
                out.transition.state,
                out.transition.step.as_deref(),
                &serde_json::to_value(&out.extraction.fields).unwrap_or_default(),
                &serde_json::to_value(&out.extraction.missing).unwrap_or_default(),
                &serde_json::to_value(&out.extraction.invalid).unwrap_or_default(),
                now,
            )?;
        }
        record_events(tx, ticket, message, &out.transition, now)?;
        // Answer as the ticket speaks: to its requester, in its language, with its data.
        let mut answer = d.clone();
        answer.classification.extraction = Some(out.extraction);
        answer.classification.rule = Some(rule.id.0.clone());
        answer.transition = Some(out.transition);
        answer.requester = row.requester.clone().or(answer.requester);
        answer.requester_name = row.requester_name.clone().or(answer.requester_name);
        answer.language = if row.language == "en" { "en" } else { "id" };
        answer.subject = row.subject.clone();
        self.queue_planned(tx, &answer, &row.number, ticket, message, now, stats)?;
        Ok(())
    }

    /// Renders and queues the emails `d` asks for; one that cannot be made is logged as an
    /// event on the ticket instead (a bad address must not stop the letter's processing).
    #[allow(clippy::too_many_arguments)]
    fn queue_planned(
        &self,
        tx: &crate::store::Tx<'_>,
        d: &Decision,
        number: &str,
        ticket: TicketId,
        message: MessageRowId,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        for planned in self.plan_emails(d, number) {
            match planned {
                Ok(e) => {
                    let to = vec![e.to.clone()];
                    let queued = tx.queue_email(
                        &NewEmail {
                            dedupe_key: &format!("{number}:{}", e.key),
                            ticket: Some(ticket),
                            message_id: &e.message_id,
                            template: &e.template,
                            recipients: &to,
                            subject: &e.subject,
                            raw: &e.raw,
                        },
                        now,
                    )?;
                    if queued {
                        tx.add_thread_id(&e.message_id, ticket)?;
                        tx.add_event(
                            Some(ticket),
                            Some(message),
                            "email_queued",
                            None,
                            &serde_json::json!({"template": e.template, "to": e.to, "message_id": e.message_id}),
                            now,
                        )?;
                        stats.emails_queued += 1;
                    }
                }
                Err(reason) => {
                    tracing::warn!(ticket = %number, %reason, "email not queued");
                    tx.add_event(
                        Some(ticket),
                        Some(message),
                        "email_not_queued",
                        None,
                        &serde_json::json!({ "reason": reason }),
                        now,
                    )?;
                }
            }
        }
        Ok(())
    }
}

fn record_events(
    tx: &crate::store::Tx<'_>,
    ticket: TicketId,
    message: MessageRowId,
    t: &Transition,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    for e in &t.events {
        tx.add_event(Some(ticket), Some(message), e.kind, None, &e.detail, now)?;
    }
    Ok(())
}
