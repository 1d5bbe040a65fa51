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
    DecisionLine, EmailContext, FieldLine, InvalidLine, MissingLine, OutputLine, Person,
    RefusalLine, Sop, StepLine,
};
use crate::outbound::Templates;
use crate::parse::{self, ParseError, ParsedMessage};
use crate::rules::{Extraction, Rule, RuleSet};
use crate::store::{MessageRowId, NewEmail, NewTicket, Outcome, Store, StoreError, TicketId};
use crate::workflow::{self, Action, Recipient, TicketKind, TokenFor, Transition};
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
    /// The token the email carries, to be stored when it is queued (never its text).
    #[serde(skip)]
    pub token: Option<crate::approval::token::StoredToken>,
}

/// What the emails of a decision or completion show beside the ticket's data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmailExtra {
    pub decision: DecisionLine,
    pub assignee: Option<Person>,
    pub outputs: Vec<OutputLine>,
    pub access_expires_at: String,
    pub clarification: String,
    pub refusal: RefusalLine,
}

/// What a message carrying a token brings, for the commit to check.
#[derive(Debug, Clone, Default)]
pub struct ApprovalInput {
    /// Candidate token texts, in the order found.
    pub tokens: Vec<String>,
    pub from: Option<crate::parse::Address>,
    pub headers: Vec<(String, String)>,
    /// The new part of the reply (quotes and signatures stripped).
    pub text: String,
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
    /// For a message carrying a token: what the commit checks.
    #[serde(skip)]
    pub approval: Option<ApprovalInput>,
    #[serde(skip)]
    pub extra: EmailExtra,
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
                .map(|(rule, ex)| {
                    workflow::disposition::ask_disposition(
                        rule,
                        ex,
                        &self.config.people,
                        workflow::on_new_request(rule, ex),
                    )
                }),
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
        let approval = (classification.kind == Kind::Approval).then(|| ApprovalInput {
            tokens: crate::approval::token::tokens_in_message(msg)
                .into_iter()
                .map(|t| t.text)
                .collect(),
            from: msg.from.clone(),
            headers: msg.headers.clone(),
            text: workflow::reading::new_text(&msg.body),
        });
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
            approval,
            extra: EmailExtra::default(),
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
            approval: None,
            extra: EmailExtra::default(),
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

    /// Renders the emails a decision asks for, for ticket `number`. Tokens are shown as a
    /// placeholder that can decide nothing (for `suratd try`); see [`Pipeline::plan_emails_issuing`].
    pub fn plan_emails(&self, d: &Decision, number: &str) -> Vec<Result<PlannedEmail, String>> {
        self.plan(d, number, false)
    }

    /// Renders the emails a decision asks for, issuing real tokens (to be stored when queued).
    pub fn plan_emails_issuing(
        &self,
        d: &Decision,
        number: &str,
    ) -> Vec<Result<PlannedEmail, String>> {
        self.plan(d, number, true)
    }

    fn plan(&self, d: &Decision, number: &str, issue: bool) -> Vec<Result<PlannedEmail, String>> {
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
            let Action::SendEmail {
                template,
                to,
                key,
                token,
            } = action;
            out.push(self.plan_email(d, rule, number, template, to, key, token.as_ref(), issue));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_email(
        &self,
        d: &Decision,
        rule: Option<&Rule>,
        number: &str,
        template: &str,
        to: &Recipient,
        key: &str,
        token: Option<&TokenFor>,
        issue: bool,
    ) -> Result<PlannedEmail, String> {
        let (address, to_name) = match to {
            Recipient::Requester => (
                d.requester
                    .clone()
                    .ok_or_else(|| "the letter has no sender address to answer".to_string())?,
                d.requester_name.clone(),
            ),
            Recipient::Person { address, name } => (address.clone(), Some(name.clone())),
            Recipient::Address { address } => (address.clone(), d.requester_name.clone()),
        };
        let (token_text, stored) = match token {
            None => (None, None),
            Some(_) if !issue => (Some(format!("a-{}", "0".repeat(32))), None),
            Some(t) => {
                let (issued, stored) = self.issue_token(number, t)?;
                (Some(issued), Some(stored))
            }
        };
        let reply_to = token_text
            .as_deref()
            .map(|t| compose::token_address(&self.config.helpdesk.address, t));
        let requester_address = d.requester.clone().unwrap_or_else(|| address.clone());
        let mut ctx = self.context(d, rule, number, &requester_address);
        ctx.recipient = Person {
            name: to_name.clone().unwrap_or_else(|| address.clone()),
            email: address.clone(),
        };
        if matches!(to, Recipient::Address { .. }) {
            ctx.recipient.name = ctx.requester.name.clone();
        }
        ctx.token = token_text.clone().unwrap_or_default();
        ctx.reply_to = reply_to.clone().unwrap_or_default();
        if template_is_task(token, rule) {
            // The task names the outputs the staff member must give back.
            ctx.outputs = rule
                .and_then(|r| token.and_then(|t| r.steps.iter().find(|s| s.id == t.step)))
                .map(|s| {
                    s.outputs
                        .iter()
                        .map(|o| OutputLine {
                            name: o.clone(),
                            value: String::new(),
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
        let rendered = self
            .templates
            .render(template, d.language, &ctx)
            .map_err(|e| e.to_string())?;
        let message_id = compose::message_id(number, key, &self.config.helpdesk.domain);
        let raw = compose::build(&Outgoing {
            from_name: &self.config.helpdesk.name,
            from_address: &self.config.helpdesk.address,
            to_name: to_name.as_deref(),
            to_address: &address,
            message_id: &message_id,
            ticket: number,
            subject: &rendered.subject,
            body: &rendered.body,
            in_reply_to: d.message_id.as_deref(),
            references: &d.references,
            date: self.clock.now(),
            reply_to: reply_to.as_deref(),
            token: token_text.as_deref(),
        })
        .map_err(|e| e.to_string())?;
        let subject = match &token_text {
            Some(t) => compose::token_subject(number, t, &rendered.subject),
            None => compose::tagged_subject(number, &rendered.subject),
        };
        Ok(PlannedEmail {
            template: template.to_string(),
            key: key.to_string(),
            to: address,
            to_name,
            subject,
            body: rendered.body,
            message_id,
            raw,
            token: stored,
        })
    }

    fn issue_token(
        &self,
        number: &str,
        t: &TokenFor,
    ) -> Result<(String, crate::approval::token::StoredToken), String> {
        use crate::approval::token::{ApprovalToken, Binding, Nonce};
        let secret = self.config.security.token_secret.as_ref().ok_or_else(|| {
            "no token secret: add [security] token-secret-file to daemon.toml".to_string()
        })?;
        let nonce = Nonce::random().map_err(|e| format!("no randomness for a token: {e}"))?;
        let expires =
            self.clock.now() + chrono::Duration::days(i64::from(self.config.security.token_days));
        let (issued, stored) = ApprovalToken::issue(
            secret,
            Binding {
                ticket: number.to_string(),
                step: t.step.clone(),
                approver: t.holder.clone(),
            },
            expires,
            nonce,
        );
        Ok((issued.text, stored))
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
            recipient: Person {
                name: String::new(),
                email: address.to_string(),
            },
            token: String::new(),
            reply_to: String::new(),
            decision: d.extra.decision.clone(),
            assignee: d.extra.assignee.clone().unwrap_or(Person {
                name: String::new(),
                email: String::new(),
            }),
            outputs: d.extra.outputs.clone(),
            access_expires_at: d.extra.access_expires_at.clone(),
            clarification: d.extra.clarification.clone(),
            refusal: d.extra.refusal.clone(),
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
                Kind::Approval => {
                    self.apply_approval(tx, message, d, now, stats)?;
                }
                Kind::Automatic => {
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
        self.queue_planned(tx, d, &number, ticket, Some(message), now, stats)?;
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
        let mut out = workflow::on_requester_reply(
            rule,
            row.state,
            &old,
            supplied,
            from,
            &message.0.to_string(),
        );
        out.transition = workflow::disposition::ask_disposition(
            rule,
            &out.extraction,
            &self.config.people,
            out.transition,
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
        self.queue_planned(tx, &answer, &row.number, ticket, Some(message), now, stats)?;
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
        message: Option<MessageRowId>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        for planned in self.plan_emails_issuing(d, number) {
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
                        if let Some(t) = &e.token {
                            tx.insert_token(ticket, t, now)?;
                        }
                        tx.add_thread_id(&e.message_id, ticket)?;
                        tx.add_event(
                            Some(ticket),
                            message,
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
                        message,
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

/// Whether the email for `token` is a staff task (its step is a work step).
fn template_is_task(token: Option<&TokenFor>, rule: Option<&Rule>) -> bool {
    let (Some(t), Some(r)) = (token, rule) else {
        return false;
    };
    r.steps
        .iter()
        .any(|s| s.id == t.step && s.kind == crate::rules::StepKind::Work)
}

/// Who answers, and through what, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Via<'a> {
    /// The person's address.
    pub actor: &'a str,
    /// `email` or `cli`.
    pub channel: &'static str,
    pub message: Option<MessageRowId>,
}

impl Pipeline<'_> {
    /// A message carrying a token: checked (token, sender, ticket state) and, when every check
    /// holds, applied. A refusal is logged on the bound ticket and told to the bound person's
    /// real address; nothing else happens.
    fn apply_approval(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        d: &Decision,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        use crate::approval::{sender, token};
        let c = &d.classification;
        let empty = ApprovalInput::default();
        let input = d.approval.as_ref().unwrap_or(&empty);
        let from = input
            .from
            .as_ref()
            .map(|a| a.normalized())
            .unwrap_or_default();
        let mut found = None;
        for text in &input.tokens {
            if let Some(rec) = tx.token_by_hash(&token::token_hash(text))? {
                found = Some((text, rec));
                break;
            }
        }
        let Some((text, rec)) = found else {
            let ticket = c.ticket.as_ref().map(|t| t.id);
            if let Some(t) = ticket {
                tx.add_event(
                    Some(t),
                    Some(message),
                    "decision_refused",
                    None,
                    &serde_json::json!({ "refusal": "unknown", "from": from }),
                    now,
                )?;
            }
            tx.finish_message(
                message,
                Outcome::Ignored,
                Some("unknown approval token"),
                ticket,
                now,
            )?;
            tracing::warn!(%from, "approval token unknown: ignored");
            stats.ignored += 1;
            return Ok(());
        };
        let binding = rec.token.binding.clone();
        let policy = &self.config.security.sender;
        let Some(secret) = self.config.security.token_secret.as_ref() else {
            return self.refuse(
                tx,
                message,
                &rec,
                "no_secret",
                "no token secret configured",
                &from,
                now,
                stats,
            );
        };
        let presented = token::Presentation {
            now,
            sender: &from,
            aliases: policy.aliases_of(&binding.approver),
            thread_ticket: c.ticket.as_ref().map(|t| t.number.as_str()),
        };
        if let Err(r) = token::verify(secret, text, Some(&rec.token), &presented) {
            return self.refuse(
                tx,
                message,
                &rec,
                r.kind(),
                &r.to_string(),
                &from,
                now,
                stats,
            );
        }
        let checked = match &input.from {
            Some(a) => sender::check(policy, a, &input.headers, &binding.approver),
            None => Err(sender::SenderRefusal::NotTheApprover {
                from: String::new(),
                approver: binding.approver.clone(),
            }),
        };
        if let Err(r) = checked {
            return self.refuse(
                tx,
                message,
                &rec,
                r.kind(),
                &r.to_string(),
                &from,
                now,
                stats,
            );
        }
        let work = self
            .rules
            .get(
                tx.ticket_by_id(rec.ticket)?
                    .and_then(|r| r.rule_id)
                    .as_deref()
                    .unwrap_or(""),
            )
            .and_then(|r| r.steps.iter().find(|s| s.id == binding.step));
        let outputs = work.map(|s| s.outputs.clone()).unwrap_or_default();
        let work = work.is_some_and(|s| s.kind == crate::rules::StepKind::Work);
        let answer = workflow::reading::read_answer(&input.text, work, &outputs);
        let via = Via {
            actor: &binding.approver,
            channel: "email",
            message: Some(message),
        };
        match self.apply_answer(
            tx,
            rec.ticket,
            &binding.step,
            Some(&rec.token.hash),
            &answer,
            via,
            now,
            stats,
        )? {
            Ok(()) => {
                if let Some(mid) = &d.message_id {
                    tx.add_thread_id(mid, rec.ticket)?;
                }
                tx.finish_message(
                    message,
                    Outcome::Approval,
                    Some(&c.reason),
                    Some(rec.ticket),
                    now,
                )?;
                stats.replies += 1;
                Ok(())
            }
            Err((kind, why)) => self.refuse(tx, message, &rec, kind, &why, &from, now, stats),
        }
    }

    /// Logs a refused attempt on the bound ticket and tells the bound person.
    #[allow(clippy::too_many_arguments)]
    fn refuse(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        rec: &crate::store::approval::TokenRecord,
        kind: &str,
        reason: &str,
        from: &str,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let binding = &rec.token.binding;
        tracing::warn!(ticket = %binding.ticket, refusal = kind, %from, "decision refused");
        tx.add_event(
            Some(rec.ticket),
            Some(message),
            "decision_refused",
            None,
            &serde_json::json!({
                "refusal": kind, "reason": reason, "from": from, "step": binding.step,
                "approver": binding.approver,
            }),
            now,
        )?;
        if let Some(row) = tx.ticket_by_id(rec.ticket)? {
            let person = self.person_or_address(&binding.approver);
            let mut notice = self.ticket_decision(
                &row,
                Transition {
                    state: row.state,
                    step: None,
                    actions: vec![Action::SendEmail {
                        template: "keputusan_ditolak".into(),
                        to: Recipient::Person {
                            address: person.email.clone(),
                            name: person.name.clone(),
                        },
                        key: format!("ditolak-{}", message.0),
                        token: None,
                    }],
                    events: Vec::new(),
                },
            );
            notice.extra.refusal = RefusalLine {
                from: from.to_string(),
                kind: kind.to_string(),
                reason: reason.to_string(),
            };
            self.queue_planned(
                tx,
                &notice,
                &row.number,
                rec.ticket,
                Some(message),
                now,
                stats,
            )?;
        }
        tx.finish_message(
            message,
            Outcome::Ignored,
            Some(&format!("decision refused: {kind}")),
            Some(rec.ticket),
            now,
        )?;
        stats.ignored += 1;
        Ok(())
    }

    fn person_or_address(&self, address: &str) -> crate::config::Person {
        self.config
            .person(address)
            .cloned()
            .unwrap_or(crate::config::Person {
                name: address.to_string(),
                email: address.to_lowercase(),
                roles: Vec::new(),
                aliases: Vec::new(),
            })
    }

    /// A decision as the ticket speaks: to its requester, in its language, with its data.
    fn ticket_decision(&self, row: &crate::store::TicketRow, t: Transition) -> Decision {
        let ex = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        Decision {
            classification: Classification {
                kind: Kind::Approval,
                reason: String::new(),
                ticket: None,
                rule: row.rule_id.clone(),
                scores: Vec::new(),
                extraction: Some(ex),
            },
            parse_error: None,
            transition: Some(t),
            requester: row.requester.clone(),
            requester_name: row.requester_name.clone(),
            language: if row.language == "en" { "en" } else { "id" },
            subject: row.subject.clone(),
            message_id: None,
            references: Vec::new(),
            approval: None,
            extra: EmailExtra::default(),
        }
    }

    /// Applies `answer` by `via.actor` to `step` of `ticket` (by email after the token and
    /// sender checks, or from the CLI after the role check). `Err((kind, why))`: refused,
    /// nothing written.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_answer(
        &self,
        tx: &crate::store::Tx<'_>,
        ticket: TicketId,
        step: &str,
        token_hash: Option<&str>,
        answer: &workflow::disposition::Answer,
        via: Via<'_>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<Result<(), (&'static str, String)>, PipelineError> {
        use workflow::disposition::{self, At};
        let Some(row) = tx.ticket_by_id(ticket)? else {
            return Ok(Err(("no_ticket", "the ticket does not exist".into())));
        };
        let Some(rule) = row.rule_id.as_deref().and_then(|id| self.rules.get(id)) else {
            return Ok(Err(("no_rule", "the ticket has no (loaded) rule".into())));
        };
        let key = match via.message {
            Some(m) => m.0.to_string(),
            None => format!("cli-{}", now.timestamp_millis()),
        };
        let at = At {
            state: row.state,
            step: row.step.as_deref(),
            now,
            key: &key,
        };
        if !disposition::awaits(rule, &at, step) {
            return Ok(Err((
                "not_awaiting",
                format!(
                    "ticket {} is {} at step {}, not waiting for an answer at step {step}",
                    row.number,
                    row.state,
                    row.step.as_deref().unwrap_or("-")
                ),
            )));
        }
        let ex = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        let by = self.person_or_address(via.actor);
        let p = disposition::on_answer(rule, &ex, &self.config.people, &at, step, &by, answer);
        if p.spends_token {
            if let Some(hash) = token_hash {
                if !tx.use_token(hash, now)? {
                    return Ok(Err(("already_used", "token already used".into())));
                }
            }
            // The other approvers' tokens for this step are spent too: one decision per step.
            tx.retire_tokens(ticket, step, now)?;
            let stored_outputs = (!p.outputs.is_empty()).then(|| {
                serde_json::Value::Object(
                    p.outputs
                        .iter()
                        .map(|o| {
                            let v = if o.secret {
                                "***".to_string()
                            } else {
                                o.value.clone()
                            };
                            (o.name.clone(), serde_json::Value::String(v))
                        })
                        .collect(),
                )
            });
            tx.set_ticket_progress(
                ticket,
                p.transition.state,
                p.transition.step.as_deref(),
                &crate::store::approval::WorkState {
                    assignee: p.assignee.clone(),
                    outputs: stored_outputs,
                    access_expires_at: p.access_expires_at.map(|a| a.to_rfc3339()),
                },
                now,
            )?;
        }
        for e in &p.transition.events {
            let mut detail = e.detail.clone();
            if let Some(obj) = detail.as_object_mut() {
                obj.insert("via".into(), via.channel.into());
            }
            tx.add_event(
                Some(ticket),
                via.message,
                e.kind,
                Some(via.actor),
                &detail,
                now,
            )?;
        }
        let work = tx.work_state(ticket)?;
        let mut out = self.ticket_decision(&row, p.transition.clone());
        out.extra = EmailExtra {
            decision: DecisionLine {
                by: by.name.clone(),
                reason: match answer {
                    disposition::Answer::Reject { reason } => reason.clone(),
                    _ => String::new(),
                },
                note: match answer {
                    disposition::Answer::Approve { note, .. } => note.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            },
            assignee: work
                .assignee
                .as_deref()
                .map(|a| self.person_or_address(a))
                .map(|p| Person {
                    name: p.name,
                    email: p.email,
                }),
            outputs: p
                .outputs
                .iter()
                .map(|o| OutputLine {
                    name: o.name.clone(),
                    value: o.value.clone(),
                })
                .collect(),
            access_expires_at: p
                .access_expires_at
                .map(|a| {
                    a.with_timezone(&self.config.timezone.offset)
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default(),
            clarification: if p.spends_token {
                String::new()
            } else {
                p.reason.clone().unwrap_or_default()
            },
            refusal: RefusalLine::default(),
        };
        self.queue_planned(tx, &out, &row.number, ticket, via.message, now, stats)?;
        // Secrets are sent once: the reply that brought them and the emails that carry them
        // keep them no longer than needed.
        let secrets: Vec<String> = p
            .outputs
            .iter()
            .filter(|o| o.secret)
            .map(|o| o.value.clone())
            .collect();
        if !secrets.is_empty() {
            if let Some(m) = via.message {
                tx.redact_message(m, &secrets)?;
            }
            for a in &p.transition.actions {
                let Action::SendEmail { key, .. } = a;
                tx.scrub_after_send(&compose::message_id(
                    &row.number,
                    key,
                    &self.config.helpdesk.domain,
                ))?;
            }
        }
        tracing::info!(ticket = %row.number, state = %p.transition.state, actor = via.actor, channel = via.channel, "answer applied");
        Ok(Ok(()))
    }
}
