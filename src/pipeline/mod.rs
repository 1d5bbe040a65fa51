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
//!
//! Here: deciding, and new tickets. `emails`: planning and queuing the emails a decision
//! asks for. `reply`: replies on a ticket. `approval`: decisions and completions by reply
//! or by the CLI.

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
use crate::store::{
    Access, MessageRowId, NewEmail, NewTicket, Outcome, Store, StoreError, TicketId,
};
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
    /// The letter's attachments, for disposition and task emails (read when they are queued).
    pub letter_files: Vec<crate::outbound::attach::LetterFile>,
    pub sla: crate::outbound::context::SlaLine,
    pub waiting: Vec<crate::outbound::context::SlaLine>,
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
        self.decide_from(raw, parse::parse(raw, &self.config.limits).as_ref(), index)
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
        let mut d = Decision {
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
        };
        self.answer_unread_attachment(msg, &mut d);
        d
    }

    fn undecidable(&self, raw: &[u8], e: &ParseError) -> Decision {
        let reason = format!("unparseable: {e}");
        let head = crate::store::rawhead::RawHead::scan(raw);
        let mut d = Decision {
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
        };
        self.answer_too_large(raw, e, &mut d);
        d
    }

    fn language_of(&self, msg: &ParsedMessage) -> &'static str {
        let default = if self.config.language == "en" {
            "en"
        } else {
            "id"
        };
        classify::language(&msg.subject, &msg.body).unwrap_or(default)
    }

    /// Processes every pending message in the store: a batch at a time, parsed and decided
    /// in parallel (`batch::prepare_all`; decided again in order when a ticket it could
    /// belong to exists by now), then committed in order in one transaction
    /// (`commit_batch`; again with a savepoint per message should one fail): each
    /// message's ticket, events, queued emails and done mark are kept or undone together. The
    /// next batch is prepared while one commits. The store is taken for each read and commit
    /// only (`store` may be the daemon's shared connection). A message a pass leaves pending
    /// (none should) waits for the next pass.
    pub fn process_pending(&self, store: &mut impl Access) -> Result<ProcessStats, PipelineError> {
        // The worker threads of this pass (started when a batch first needs them); closed
        // before the scope joins them.
        std::thread::scope(|scope| {
            let pool = workers::Pool::new();
            let _closing = pool.closing();
            self.process_with(store, scope, &pool)
        })
    }

    fn process_with<'s, 'e>(
        &'s self,
        store: &mut impl Access,
        scope: &'s std::thread::Scope<'s, 'e>,
        pool: &workers::Pool<'s>,
    ) -> Result<ProcessStats, PipelineError> {
        let mut stats = ProcessStats::default();
        let mut batch: batch::Batch = std::sync::Arc::new(
            store.with(|s| s.pending_batch(None, batch::PENDING_BATCH, batch::PENDING_BYTES))?,
        );
        if batch.len() > 1 {
            pool.start(scope, batch::cores());
        }
        let mut numbering = store.with(|s| self.numbering(s))?;
        let mut prepared = batch::prepare_all(self, pool, &batch, Some(&numbering));
        // Letters since the heap was last trimmed (a long pass gives back what it freed).
        let mut since_trim = 0u64;
        while let Some(last) = batch.last().map(|(id, _)| *id) {
            // The next batch is parsed and decided on the other cores while this one commits
            // (its decisions are checked again in its own transaction, as any batch's are).
            let next: batch::Batch = std::sync::Arc::new(store.with(|s| {
                s.pending_batch(Some(last), batch::PENDING_BATCH, batch::PENDING_BYTES)
            })?);
            let made = prepared
                .iter()
                .filter(|p| self.makes_ticket(&p.decision))
                .count() as i64;
            let after = batch::Numbering {
                next: numbering.next + made,
                ..numbering.clone()
            };
            if !next.is_empty() {
                pool.start(scope, batch::cores());
            }
            let ahead = (!next.is_empty() && pool.threads() > 0).then(|| {
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                let (p, n, a) = (pool.clone(), std::sync::Arc::clone(&next), after.clone());
                pool.submit(move || {
                    let _ = tx.send(batch::prepare_all(self, &p, &n, Some(&a)));
                });
                rx
            });
            let committed = store.with(|s| self.commit_batch(s, &batch, prepared, &mut stats));
            // A worker that died preparing the next batch (its channel closed without an
            // answer) leaves it to this thread, as does a pass without workers.
            let next_prepared = (!next.is_empty()).then(|| {
                ahead
                    .and_then(|rx| rx.recv().ok())
                    .unwrap_or_else(|| batch::prepare_all(self, pool, &next, Some(&after)))
            });
            committed?;
            since_trim += batch.len() as u64;
            if since_trim >= crate::heap::TRIM_EVERY {
                crate::heap::trim();
                since_trim = 0;
            }
            // The numbers as they are now, whatever this batch did with them.
            numbering = store.with(|s| self.numbering(s))?;
            match next_prepared {
                Some(p) => (batch, prepared) = (next, p),
                None => {
                    // Nothing was waiting behind this batch; letters stored while it
                    // committed come after it. (One this pass left pending is not taken
                    // again before the next pass.)
                    batch = std::sync::Arc::new(store.with(|s| {
                        s.pending_batch(Some(last), batch::PENDING_BATCH, batch::PENDING_BYTES)
                    })?);
                    if batch.len() > 1 {
                        pool.start(scope, batch::cores());
                    }
                    prepared = batch::prepare_all(self, pool, &batch, Some(&numbering));
                }
            }
        }
        Ok(stats)
    }

    /// Commits a prepared batch in one transaction. Should a message fail (a database
    /// error), nothing of the batch is kept and it is committed again with one savepoint per
    /// message, each message decided afresh ([`Pipeline::commit_each`]): the messages before
    /// the failing one are kept, as they always were, and its error is returned.
    fn commit_batch(
        &self,
        store: &mut Store,
        batch: &[(MessageRowId, Vec<u8>)],
        prepared: Vec<batch::Prepared>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let before = *stats;
        let whole = store.transaction_all(batch.iter().zip(prepared), |tx, ((id, raw), p)| {
            let index = batch::TxIndex(tx);
            let (decision, emails) = if p.still_valid(&index) {
                (p.decision, p.emails)
            } else {
                (self.decide_from(raw, p.parsed.as_ref(), &index), None)
            };
            self.commit(tx, *id, &decision, emails, stats)
        });
        let Err(e) = whole else {
            return Ok(());
        };
        *stats = before;
        tracing::warn!(error = %e, letters = batch.len(), "a batch could not be committed whole; committing its letters one at a time");
        self.commit_each(store, batch, stats)
    }

    /// Commits `batch` with one savepoint per message, parsing and deciding each in the
    /// transaction: the slow path of [`Pipeline::commit_batch`].
    fn commit_each(
        &self,
        store: &mut Store,
        batch: &[(MessageRowId, Vec<u8>)],
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let limits = &self.config.limits;
        store.transaction_each(batch.iter(), |tx, (id, raw)| {
            let parsed = batch::parse_one(raw, limits);
            let decision = self.decide_from(raw, parsed.as_ref(), &batch::TxIndex(tx));
            self.commit(tx, *id, &decision, None, stats)
        })
    }

    /// Where the ticket numbers of this year stand.
    fn numbering(&self, store: &Store) -> Result<batch::Numbering, StoreError> {
        let prefix = self.config.ticket_prefix.clone();
        let year = self.ticket_year(self.clock.now());
        let next = store.peek_ticket_counter(&prefix, year)?;
        Ok(batch::Numbering { prefix, year, next })
    }

    fn ticket_year(&self, now: chrono::DateTime<chrono::Utc>) -> i32 {
        now.with_timezone(&self.config.timezone.offset).year()
    }

    /// Whether committing `d` makes a new ticket (and so takes a number).
    pub(super) fn makes_ticket(&self, d: &Decision) -> bool {
        matches!(d.classification.kind, Kind::NewRequest | Kind::Unmatched)
            && d.transition.is_some()
    }

    /// [`Pipeline::decide`] for a message parsed already.
    /// [`Pipeline::decide`] on a message already parsed (`suratd try` shows the parse too,
    /// so a letter's attachments are read once, not twice).
    pub fn decide_from(
        &self,
        raw: &[u8],
        parsed: Result<&ParsedMessage, &ParseError>,
        index: &dyn ThreadIndex,
    ) -> Decision {
        match parsed {
            Ok(msg) => self.decide_parsed(msg, index),
            Err(e) => self.undecidable(raw, e),
        }
    }

    fn commit(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        d: &Decision,
        emails: Option<batch::PreRendered>,
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
                self.create_ticket(tx, message, d, emails, now, stats)?;
            }
        }
        Ok(())
    }

    fn create_ticket(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        d: &Decision,
        emails: Option<batch::PreRendered>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let c = &d.classification;
        let Some(transition) = &d.transition else {
            return Ok(());
        };
        let year = self.ticket_year(now);
        let number = tx.next_ticket_number(&self.config.ticket_prefix, year)?;
        // Rendered ahead for this very number, or else rendered here.
        let (emails, json) = match emails.filter(|e| e.number == number) {
            Some(e) => (Some(e.emails), e.json),
            None => (None, batch::TicketJson::of(c.extraction.as_ref())),
        };
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
                fields: &json.fields,
                missing: &json.missing,
                invalid: &json.invalid,
                triage_reason: (kind == TicketKind::Triage).then_some(c.reason.as_str()),
                source_message: message,
            },
            now,
        )?;
        if let Some(mid) = &d.message_id {
            tx.add_thread_id(mid, ticket)?;
        }
        record_events(tx, ticket, message, transition, now)?;
        self.queue_emails(tx, d, &number, ticket, Some(message), emails, now, stats)?;
        tx.finish_message(message, outcome, Some(&c.reason), Some(ticket), now)?;
        tracing::info!(ticket = %number, kind = c.kind.as_str(), rule = c.rule.as_deref().unwrap_or(""), state = %transition.state, "ticket created");
        match kind {
            TicketKind::Request => stats.new_tickets += 1,
            TicketKind::Triage => stats.triage += 1,
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

mod approval;
pub use approval::Via;
mod batch;
mod emails;
mod limits;
mod loops;
mod replay;
mod reply;
mod workers;
pub use replay::Replayed;
