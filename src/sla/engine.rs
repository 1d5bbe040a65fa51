//! The SLA pass: follow each ticket's current step with a clock, and fire the alerts whose
//! time has come. Everything it writes goes through the store in a savepoint per ticket or
//! per alert, many of them per transaction (a chunk of tickets, a page of due alerts): a
//! ticket's or an alert's writes are kept or undone whole, so a crash in the middle repeats
//! nothing and loses nothing.
//!
//! - [`Sla::track`]: for every ticket that is not finished (or whose clock still runs),
//!   compare its state and step with its clock. A new step closes the old clock (cancelling
//!   its pending alerts) and starts one; waiting on the requester pauses the clock; their
//!   reply resumes it. The time of the change is the ticket's `updated_at` (written in the
//!   transaction that changed it), not the time of the pass, so a pass late by minutes (or a
//!   restart) computes the same deadlines.
//! - [`Sla::fire_due`]: every pending alert due by now: render its email (`pengingat` to the
//!   actor, `eskalasi` up the chain), queue it, record an event, mark the alert fired — all in
//!   one transaction, so an alert fires once.

use super::calendar::{show_seconds, Calendar};
use super::chain;
use super::deadline::{Measure, StepClock};
use crate::clock::Clock;
use crate::config::Config;
use crate::outbound::context::SlaLine;
use crate::outbound::Templates;
use crate::pipeline::{EmailExtra, Pipeline};
use crate::rules::{Rule, RuleSet, Step};
use crate::store::sla::{ClockRow, DueRow};
use crate::store::{Access, Store, StoreError, TicketId, TicketRow, Tx};

/// How many tickets [`Sla::track`] reads from the store at a time.
const TRACK_CHUNK: usize = 256;
use crate::workflow::{Recipient, TicketState};
use chrono::{DateTime, Utc};

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SlaStats {
    pub started: usize,
    pub paused: usize,
    pub resumed: usize,
    pub stopped: usize,
    pub fired: usize,
    pub emails_queued: usize,
}

impl SlaStats {
    fn add(&mut self, o: SlaStats) {
        self.started += o.started;
        self.paused += o.paused;
        self.resumed += o.resumed;
        self.stopped += o.stopped;
        self.fired += o.fired;
        self.emails_queued += o.emails_queued;
    }
}

pub struct Sla<'a> {
    pub config: &'a Config,
    pub rules: &'a RuleSet,
    pub templates: &'a Templates,
    pub calendar: &'a Calendar,
    pub clock: &'a dyn Clock,
}

/// The step of `row` that runs on a clock now, if any: requests that are not finished, at a
/// step someone of the unit acts on (not the requester's own steps).
pub fn clocked_step<'r>(rule: &'r Rule, row: &TicketRow) -> Option<&'r Step> {
    use crate::rules::StepKind;
    if matches!(
        row.state,
        TicketState::Triage | TicketState::Resolved | TicketState::Rejected | TicketState::Closed
    ) {
        return None;
    }
    let step = rule
        .steps
        .iter()
        .find(|s| Some(&s.id) == row.step.as_ref())?;
    let requester_step = matches!(
        step.kind,
        StepKind::Submit | StepKind::Redirect | StepKind::Feedback
    ) || step.actor.eq_ignore_ascii_case("pemohon");
    (!requester_step).then_some(step)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored clock as the pure [`StepClock`].
pub fn step_clock(c: &ClockRow) -> StepClock {
    StepClock {
        measure: Measure::parse(&c.measure).unwrap_or(Measure::Calendar),
        total: c.total,
        used: c.used,
        running_since: c.running_since,
    }
}

impl Sla<'_> {
    /// Tracks every ticket, then fires what is due.
    pub fn pass(&self, store: &mut Store) -> Result<SlaStats, StoreError> {
        self.pass_since(store, 0)
    }

    /// [`Sla::pass`] that tracks only the tickets with an event newer than `since_event`
    /// (0: every ticket); due alerts are fired whatever the watermark.
    pub fn pass_since(
        &self,
        store: &mut impl Access,
        since_event: i64,
    ) -> Result<SlaStats, StoreError> {
        let mut stats = self.track_from(store, TRACK_CHUNK, since_event)?;
        stats.add(self.fire_due(store)?);
        Ok(stats)
    }

    pub fn track(&self, store: &mut Store) -> Result<SlaStats, StoreError> {
        self.track_in_chunks(store, TRACK_CHUNK)
    }

    /// [`Sla::track`], reading at most `chunk` tickets at a time (in id order), so a large
    /// backlog (thousands of new tickets after a big ingest) does not sit in memory at once.
    pub fn track_in_chunks(&self, store: &mut Store, chunk: usize) -> Result<SlaStats, StoreError> {
        self.track_from(store, chunk, 0)
    }

    /// The store is taken a chunk at a time: the daemon shares its connection with the
    /// processor, the sources and the outbox (src/store/shared.rs), which wait meanwhile.
    fn track_from(
        &self,
        store: &mut impl Access,
        chunk: usize,
        since_event: i64,
    ) -> Result<SlaStats, StoreError> {
        let mut stats = SlaStats::default();
        let chunk = chunk.max(1);
        if since_event > 0 {
            let ids = store.with(|s| s.tickets_with_events_after(since_event))?;
            for part in ids.chunks(chunk) {
                store.with(|s| {
                    let rows = s.sla_tickets_among(part)?;
                    self.track_rows(s, rows, &mut stats)
                })?;
            }
            return Ok(stats);
        }
        let mut after = TicketId(0);
        loop {
            let more = store.with(|s| {
                let rows = s.sla_tickets_after(after, chunk)?;
                let Some(last) = rows.last() else {
                    return Ok(false);
                };
                after = last.id;
                self.track_rows(s, rows, &mut stats).map(|()| true)
            })?;
            if !more {
                return Ok(stats);
            }
        }
    }

    /// Tracks those of `rows` whose clock does not match their step and state.
    fn track_rows(
        &self,
        store: &mut Store,
        rows: Vec<TicketRow>,
        stats: &mut SlaStats,
    ) -> Result<(), StoreError> {
        // Most tickets have not changed since the last pass: look before taking the write
        // lock.
        let mut changed = Vec::new();
        for row in rows {
            if !self.in_step(&row, store.current_clock(row.id)?.as_ref()) {
                changed.push(row);
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        // The changed tickets of a chunk in one transaction, each in a savepoint of its own:
        // one commit (and one WAL append of the shared pages) per chunk instead of one per
        // ticket. A failure undoes that ticket only; the ones before it commit and the error
        // is returned (the next pass, a full one, tracks the rest).
        let mut done = SlaStats::default();
        let r = store.transaction_each(changed.iter(), |tx, row| {
            done.add(self.track_ticket(tx, row)?);
            Ok::<_, StoreError>(())
        });
        stats.add(done);
        r
    }

    /// Whether the ticket's clock already matches its step and state (nothing to do).
    fn in_step(&self, row: &TicketRow, current: Option<&ClockRow>) -> bool {
        let rule = row.rule_id.as_deref().and_then(|id| self.rules.get(id));
        let step = rule.and_then(|r| clocked_step(r, row));
        match (current, step) {
            (None, None) => true,
            (Some(c), Some(s)) => {
                let waiting = row.state == TicketState::AwaitingRequester;
                c.step == s.id && c.running_since.is_none() == waiting
            }
            _ => false,
        }
    }

    fn track_ticket(&self, tx: &Tx<'_>, row: &TicketRow) -> Result<SlaStats, StoreError> {
        let mut stats = SlaStats::default();
        let rule = row.rule_id.as_deref().and_then(|id| self.rules.get(id));
        let step = rule.and_then(|r| clocked_step(r, row));
        let changed_at = parse_time(&row.updated_at).unwrap_or_else(|| self.clock.now());
        let waiting = row.state == TicketState::AwaitingRequester;
        let current = tx.current_clock(row.id)?;
        if let Some(c) = &current {
            if step.is_none_or(|s| s.id != c.step) {
                let cancelled = tx.close_clock(c.id, changed_at)?;
                self.event(
                    tx,
                    row,
                    "sla_stopped",
                    serde_json::json!({"step": c.step, "cancelled": cancelled}),
                    changed_at,
                )?;
                stats.stopped += 1;
            } else {
                let mut sc = step_clock(c);
                let was_running = sc.running_since.is_some();
                if waiting && was_running {
                    sc.pause(self.calendar, changed_at);
                    stats.paused += 1;
                    self.event(
                        tx,
                        row,
                        "sla_paused",
                        serde_json::json!({"step": c.step, "used_seconds": sc.used}),
                        changed_at,
                    )?;
                } else if !waiting && !was_running {
                    sc.resume(changed_at);
                    stats.resumed += 1;
                    self.event(
                        tx,
                        row,
                        "sla_resumed",
                        serde_json::json!({"step": c.step, "left_seconds": sc.total - sc.used}),
                        changed_at,
                    )?;
                } else {
                    return Ok(stats);
                }
                tx.update_clock(c.id, sc.used, sc.running_since)?;
                self.schedule(tx, c.id, rule, &sc)?;
                return Ok(stats);
            }
        }
        let (Some(rule), Some(step)) = (rule, step) else {
            return Ok(stats);
        };
        let Some(sc) = StepClock::start(&step.sla, self.calendar, changed_at, waiting) else {
            tracing::warn!(ticket = %row.number, step = %step.id, "the calendar has no working time: no deadline");
            return Ok(stats);
        };
        let id = tx.insert_clock(
            row.id,
            &step.id,
            &step.sla.text,
            sc.measure.as_str(),
            sc.total.max(1),
            sc.running_since,
            changed_at,
        )?;
        self.schedule(tx, id, Some(rule), &sc)?;
        let due = sc.due(self.calendar, 100);
        self.event(
            tx,
            row,
            "sla_started",
            serde_json::json!({
                "step": step.id, "sla": step.sla.text, "measure": sc.measure,
                "due_at": due, "paused": waiting,
            }),
            changed_at,
        )?;
        stats.started += 1;
        Ok(stats)
    }

    /// Writes (or moves) every alert of a clock: the reminder, the escalations, and a
    /// silent row at 100 % (for `suratd sla`) when no escalation is at 100 %.
    fn schedule(
        &self,
        tx: &Tx<'_>,
        clock: i64,
        rule: Option<&Rule>,
        sc: &StepClock,
    ) -> Result<(), StoreError> {
        let alerts = rule.map(|r| r.alerts.clone()).unwrap_or_default();
        if let Some(p) = alerts.reminder {
            tx.set_deadline(clock, p, "reminder", 0, sc.due(self.calendar, p))?;
        }
        for (i, &p) in alerts.escalate.iter().enumerate() {
            let rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            tx.set_deadline(clock, p, "escalation", rank, sc.due(self.calendar, p))?;
        }
        Ok(())
    }

    fn event(
        &self,
        tx: &Tx<'_>,
        row: &TicketRow,
        kind: &str,
        detail: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tracing::info!(ticket = %row.number, event = kind, %detail, "sla");
        tx.add_event(Some(row.id), None, kind, Some("sla"), &detail, at)
    }

    /// Fires every alert due by now.
    pub fn fire_due(&self, store: &mut impl Access) -> Result<SlaStats, StoreError> {
        let mut stats = SlaStats::default();
        while store.with(|s| self.fire_some(s, &mut stats))? {}
        Ok(stats)
    }

    /// Fires up to 100 due alerts; false when none was due.
    fn fire_some(&self, store: &mut Store, stats: &mut SlaStats) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let due = store.due_sla(now, 100)?;
        if due.is_empty() {
            return Ok(false);
        }
        let mut items = Vec::with_capacity(due.len());
        for d in due {
            let row = store.sla_ticket(d.clock.ticket)?;
            let assignee = match &row {
                Some(r) => store.assignee(r.id)?,
                None => None,
            };
            items.push((d, row, assignee));
        }
        // The alerts read in one transaction, each in a savepoint: an alert's email,
        // event and fired mark are kept or undone together, so it fires once.
        let mut done = SlaStats::default();
        let r = store.transaction_each(items, |tx, (d, row, assignee)| {
            match row {
                Some(row) => done.add(self.fire(tx, &row, assignee.as_deref(), &d, now)?),
                // The ticket is gone (cannot happen with foreign keys on): retire the
                // alert, or this loop would find it again.
                None => {
                    tx.fire_deadline(d.clock.id, d.level, now)?;
                }
            }
            Ok::<_, StoreError>(())
        });
        stats.add(done);
        r?;
        Ok(true)
    }

    fn fire(
        &self,
        tx: &Tx<'_>,
        row: &TicketRow,
        assignee: Option<&str>,
        d: &DueRow,
        now: DateTime<Utc>,
    ) -> Result<SlaStats, StoreError> {
        let mut stats = SlaStats::default();
        if !tx.fire_deadline(d.clock.id, d.level, now)? {
            return Ok(stats);
        }
        stats.fired += 1;
        let rule = row.rule_id.as_deref().and_then(|id| self.rules.get(id));
        let step = rule.and_then(|r| r.steps.iter().find(|s| s.id == d.clock.step));
        let (template, kind) = if d.alert == "reminder" {
            ("pengingat", "sla_reminder")
        } else {
            ("eskalasi", "sla_escalation")
        };
        let (role, people) = match (rule, step) {
            (Some(_), Some(s)) if d.alert == "reminder" => chain::actors(self.config, s, assignee),
            (Some(r), Some(s)) => chain::escalation(self.config, r, s, d.rank),
            _ => (String::new(), Vec::new()),
        };
        let line = self.line(row, rule, step, d, now);
        let mut sent = Vec::new();
        for p in &people {
            let key = format!("sla-{}-{}-{}", d.clock.id, d.level, p.email.to_lowercase());
            let planned = Pipeline {
                config: self.config,
                rules: self.rules,
                templates: self.templates,
                clock: self.clock,
            }
            .plan_for_ticket(
                row,
                template,
                &Recipient::Person {
                    address: p.email.clone(),
                    name: p.name.clone(),
                },
                &key,
                EmailExtra {
                    sla: line.clone(),
                    ..EmailExtra::default()
                },
            );
            match planned {
                Ok(e) => {
                    if Pipeline::queue_one(tx, row.id, &row.number, &e, now)? {
                        stats.emails_queued += 1;
                        sent.push(e.to);
                    }
                }
                Err(reason) => {
                    tracing::warn!(ticket = %row.number, %reason, "sla email not queued");
                }
            }
        }
        self.event(
            tx,
            row,
            kind,
            serde_json::json!({
                "step": d.clock.step, "level": d.level, "due_at": d.due_at,
                "role": role, "to": sent,
            }),
            now,
        )?;
        if people.is_empty() {
            tracing::warn!(ticket = %row.number, role = %role, "sla alert: nobody holds the role");
        }
        Ok(stats)
    }

    fn line(
        &self,
        row: &TicketRow,
        rule: Option<&Rule>,
        step: Option<&Step>,
        d: &DueRow,
        now: DateTime<Utc>,
    ) -> SlaLine {
        let sc = step_clock(&d.clock);
        let left = sc.left(self.calendar, now);
        SlaLine {
            ticket: row.number.clone(),
            sop: rule.map(|r| r.name.clone()).unwrap_or_default(),
            step: step.map_or_else(|| d.clock.step.clone(), |s| s.title.clone()),
            standard: d.clock.sla.clone(),
            actor: step.map(|s| s.actor.clone()).unwrap_or_default(),
            due: sc
                .due(self.calendar, 100)
                .map(|t| self.calendar.show(t))
                .unwrap_or_default(),
            level: d.level.to_string(),
            left: if left > 0 {
                show_seconds(left)
            } else {
                String::new()
            },
            overdue: if left < 0 {
                show_seconds(-left)
            } else {
                String::new()
            },
        }
    }
}
