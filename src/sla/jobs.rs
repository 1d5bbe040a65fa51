//! Running the cron jobs of [`super::cron`] that send email: the leaders' digest and the
//! weekly SLA report. (The IMAP poll is run by the service, which holds the sources.)

use super::chain;
use super::cron::{latest_due, next_after, CronJob, JobKind};
use super::engine::Sla;
use super::overview::{rows, SlaRow};
use crate::config::Person;
use crate::outbound::compose::{self, Outgoing};
use crate::outbound::context::{self, EmailContext};
use crate::store::{Access, NewEmail, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// What a pass of the cron jobs did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CronRuns {
    /// (job, scheduled time) of each run made.
    pub ran: Vec<(String, DateTime<Utc>)>,
    pub emails_queued: usize,
    /// The `imap-poll` job is due: the caller polls its IMAP sources.
    pub poll_imap: bool,
}

impl Sla<'_> {
    /// Runs every job due by now (once, however many times were missed). The first time a
    /// job is seen only its starting point is recorded.
    pub fn run_cron(&self, store: &mut impl Access) -> Result<CronRuns, StoreError> {
        store.with(|s| self.run_cron_on(s))
    }

    fn run_cron_on(&self, store: &mut Store) -> Result<CronRuns, StoreError> {
        let mut out = CronRuns::default();
        let now = self.clock.now();
        let tz = self.config.timezone.offset;
        for job in self.active_jobs() {
            let Some(last) = store.cron_last_due(&job.name)? else {
                store.transaction(|tx| tx.record_cron_run(&job.name, now, now))?;
                continue;
            };
            let Some(due) = latest_due(&job.schedule, tz, last, now) else {
                continue;
            };
            let rows = rows(store, self.rules, self.calendar, now)?;
            let queued = store.transaction(|tx| {
                if !tx.record_cron_run(&job.name, due, now)? {
                    return Ok::<_, StoreError>(None);
                }
                let n = match job.kind {
                    JobKind::Digest => self.digest(tx, job, due, &rows, now)?,
                    JobKind::Report => self.report(tx, job, due, &rows, now)?,
                    JobKind::ImapPoll => 0,
                };
                Ok(Some(n))
            })?;
            if let Some(n) = queued {
                tracing::info!(job = %job.name, due = %due, emails = n, "cron job ran");
                out.emails_queued += n;
                out.poll_imap |= job.kind == JobKind::ImapPoll;
                out.ran.push((job.name.clone(), due));
            }
        }
        Ok(out)
    }

    /// The next time a cron job is due.
    pub fn next_cron(&self, store: &Store) -> Result<Option<DateTime<Utc>>, StoreError> {
        let tz = self.config.timezone.offset;
        let mut next: Option<DateTime<Utc>> = None;
        for job in self.active_jobs() {
            let from = store
                .cron_last_due(&job.name)?
                .unwrap_or_else(|| self.clock.now());
            if let Some(t) = next_after(&job.schedule, tz, from) {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        Ok(next)
    }

    /// The jobs that have something to do: `imap-poll` only with an IMAP source.
    fn active_jobs(&self) -> impl Iterator<Item = &CronJob> {
        let imap = self
            .config
            .sources
            .iter()
            .any(|s| matches!(s.kind, crate::config::SourceKind::Imap(_)));
        self.config
            .cron
            .iter()
            .filter(move |j| imap || j.kind != JobKind::ImapPoll)
    }

    /// To each leader (a person holding a rule's approver or escalation role): the steps
    /// their roles act on, and the overdue steps whose chain they are in.
    fn digest(
        &self,
        tx: &Tx<'_>,
        job: &CronJob,
        due: DateTime<Utc>,
        rows: &[SlaRow],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let leader_roles: BTreeSet<String> = self
            .rules
            .rules
            .iter()
            .flat_map(|r| r.approver.iter().chain(r.escalation.iter()))
            .map(|r| r.to_lowercase())
            .collect();
        let mut seen = BTreeSet::new();
        let mut n = 0;
        for p in &self.config.people {
            let holds = |role: &str| p.roles.iter().any(|r| r.eq_ignore_ascii_case(role));
            if !p
                .roles
                .iter()
                .any(|r| leader_roles.contains(&r.to_lowercase()))
                || !seen.insert(p.email.to_lowercase())
            {
                continue;
            }
            let mine: Vec<&SlaRow> = rows
                .iter()
                .filter(|row| {
                    holds(&row.actor)
                        || (row.overdue && self.chain_of(row).iter().any(|r| holds(r)))
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            n += self.send(tx, job, "ringkasan", p, &mine, due, now)?;
        }
        Ok(n)
    }

    /// To the head of the unit (role `kepala`): every open step.
    fn report(
        &self,
        tx: &Tx<'_>,
        job: &CronJob,
        due: DateTime<Utc>,
        rows: &[SlaRow],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let all: Vec<&SlaRow> = rows.iter().collect();
        let mut n = 0;
        for p in self.config.people_with_role("kepala") {
            n += self.send(tx, job, "laporan_sla", p, &all, due, now)?;
        }
        Ok(n)
    }

    fn chain_of(&self, row: &SlaRow) -> Vec<String> {
        let Some(rule) = self.rules.get(&row.rule) else {
            return Vec::new();
        };
        rule.steps
            .iter()
            .find(|s| s.id == row.step)
            .map(|s| chain::above(rule, s))
            .unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        tx: &Tx<'_>,
        job: &CronJob,
        template: &str,
        to: &Person,
        items: &[&SlaRow],
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut ctx = EmailContext::about_no_ticket(
            context::Person {
                name: self.config.helpdesk.name.clone(),
                email: self.config.helpdesk.address.clone(),
            },
            context::Person {
                name: to.name.clone(),
                email: to.email.clone(),
            },
        );
        ctx.waiting = items.iter().map(|r| r.line(self.rules)).collect();
        let date = due
            .with_timezone(&self.config.timezone.offset)
            .format("%Y%m%d");
        let tag = format!("SLA-{date}");
        let built = self
            .templates
            .render(
                template,
                to.language.as_deref().unwrap_or(&self.config.language),
                &ctx,
            )
            .map_err(|e| e.to_string())
            .and_then(|r| {
                let message_id = compose::message_id(
                    &tag,
                    &format!("{}-{}-{}", job.name, due.timestamp(), to.email),
                    &self.config.helpdesk.domain,
                );
                let raw = compose::build(&Outgoing {
                    from_name: &self.config.helpdesk.name,
                    from_address: &self.config.helpdesk.address,
                    to_name: Some(&to.name),
                    to_address: &to.email,
                    message_id: &message_id,
                    ticket: &tag,
                    subject: &r.subject,
                    body: &r.body,
                    in_reply_to: None,
                    references: &[],
                    date: now,
                    reply_to: None,
                    token: None,
                })
                .map_err(|e| e.to_string())?;
                Ok((message_id, compose::tagged_subject(&tag, &r.subject), raw))
            });
        let (message_id, subject, raw) = match built {
            Ok(b) => b,
            Err(reason) => {
                tracing::warn!(job = %job.name, to = %to.email, %reason, "cron email not queued");
                return Ok(0);
            }
        };
        let queued = tx.queue_email(
            &NewEmail {
                dedupe_key: &format!(
                    "{}:{}:{}",
                    job.name,
                    due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    to.email.to_lowercase()
                ),
                ticket: None,
                message_id: &message_id,
                template,
                recipients: std::slice::from_ref(&to.email),
                subject: &subject,
                raw: &raw,
            },
            now,
        )?;
        Ok(usize::from(queued))
    }
}
