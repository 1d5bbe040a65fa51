//! The outbox service: delivers the emails that the workflow queued in the `outbox` table
//! (written in the same transaction as the ticket change that caused them).
//!
//! Invariants:
//! - One row at a time, in queue order. A row is `sent` only after the server's 250 to the
//!   end of DATA (or the file is in place): nothing is marked sent that was not handed over.
//!   Every mark is committed before the pass ends (the queue ran dry, shutdown, an error).
//! - Nothing is sent twice on restart, with one window left: a crash (or a database failure)
//!   between the server's 250 and the commit of the row's sent mark leaves the row queued,
//!   and the next start sends it once more. The marks are committed in batches (one commit
//!   for a run of fast deliveries, see `SentMarks`), so the window holds the emails
//!   accepted since the last commit: at most `MARK_BATCH`, batched only while hand-overs
//!   are fast enough that the oldest waits about `MARK_WINDOW` at most (a slow SMTP
//!   server gets one commit per email, as before), plus the one being handed over; each is logged
//!   with `unmarked` = how many await their mark. A database error there (rather than a
//!   crash) does not resend: the rows are remembered as sent and recorded before anything
//!   else is tried. The same duplicate can come from the network: a try that times out (or
//!   loses the connection) after the final dot but before the 250 arrives counts as failed
//!   and is retried, though the server may have taken it (RFC 5321 §6.1).
//! - Temporary failures (no answer, TLS trouble, 4xx) are retried with exponential backoff
//!   (`retry-base-seconds` doubling up to `retry-max-seconds`, minus up to a tenth of jitter
//!   per row) until the row is `give-up-hours` old; then it is parked. Permanent failures
//!   (5xx, unusable address) are parked at once with the server's code and text. Parked rows
//!   stay in the table, queryable, with their reason.
//! - The schedule lives in SQLite (`next_attempt_at`): [`Outbox::run`] sleeps until the
//!   next due row, a kick (the processor queued something) or shutdown; no periodic sweep.
//!   A restart loses nothing.
//! - The message bytes are never touched here: the transport gets them as queued.
//!
//! It must not decide anything about tickets or content: that was done when the row was
//! queued.

use super::outage::OutageLog;
use crate::clock::Clock;
use crate::config::{Config, OutboxConfig, SmtpConfig};
use crate::lifecycle::{Kick, Shutdown};
use crate::outbound::smtp::{self, SendError, SetupError};
use crate::store::outbox::DueEmail;
use crate::store::{Access, Store, StoreError};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

pub use super::transport::Transport;

/// How long the service waits after a failed pass (the database is busy or gone) before
/// trying again, unless kicked first.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// The shortest sleep after a pass that sent nothing while a row looked due.
const SPIN_PAUSE: Duration = Duration::from_secs(1);

/// At most this many emails accepted by the server wait for their sent mark: the most a
/// crash can make the outbox send again (with the one being handed over).
const MARK_BATCH: usize = 64;

/// The marks are committed before the oldest unmarked one would wait longer than this,
/// judging the next hand-over by the last one: with hand-overs slower than this (an SMTP
/// server that queues to disk: ~50 ms here) every email gets its own commit, as before; fast
/// hand-overs (the file transport, a local relay) share one.
const MARK_WINDOW: Duration = Duration::from_millis(20);

/// Emails accepted (id, time of the 250) whose sent mark is not committed yet.
#[derive(Debug, Default)]
struct SentMarks {
    rows: Vec<(i64, DateTime<Utc>)>,
    /// When the oldest of them was accepted.
    oldest: Option<std::time::Instant>,
}

impl SentMarks {
    fn push(&mut self, id: i64, at: DateTime<Utc>, accepted: std::time::Instant) {
        self.rows.push((id, at));
        self.oldest.get_or_insert(accepted);
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether to commit now, `last_send` being how long the last hand-over took: a full
    /// batch, or the oldest would wait past [`MARK_WINDOW`] if the next hand-over took as long.
    fn due(&self, last_send: Duration) -> bool {
        self.rows.len() >= MARK_BATCH
            || self
                .oldest
                .is_some_and(|t| t.elapsed() + last_send >= MARK_WINDOW)
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.oldest = None;
    }
}

/// When to retry a temporary failure and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base_seconds: u64,
    pub max_seconds: u64,
    pub give_up_hours: u64,
}

impl RetryPolicy {
    pub fn from_smtp(c: &SmtpConfig) -> RetryPolicy {
        RetryPolicy {
            base_seconds: c.retry_base_seconds.max(1),
            max_seconds: c.retry_max_seconds.max(1),
            give_up_hours: c.give_up_hours,
        }
    }

    /// The file transport fails only when the disk does; the SMTP defaults serve it.
    pub fn for_file() -> RetryPolicy {
        RetryPolicy {
            base_seconds: 30,
            max_seconds: 3600,
            give_up_hours: 48,
        }
    }

    /// The wait after a temporary failure of a row that had `attempts` attempts before:
    /// base·2^attempts, at most max, then up to a tenth less, by a hash of the row id and
    /// attempt. The jitter spreads rows that failed together (a server outage) so they do not
    /// all come back in the same second; deterministic, so tests can reason about it.
    pub fn retry_delay(&self, attempts: i64, row: i64) -> chrono::Duration {
        let exp = u32::try_from(attempts.max(0)).unwrap_or(u32::MAX).min(63);
        let seconds = self
            .base_seconds
            .max(1)
            .saturating_mul(1u64 << exp)
            .min(self.max_seconds.max(1));
        let ms = seconds.saturating_mul(1000);
        let jitter = mix(row as u64 ^ (attempts as u64).rotate_left(32)) % (ms / 10 + 1);
        chrono::Duration::milliseconds(i64::try_from(ms - jitter).unwrap_or(i64::MAX))
    }

    /// Whether a row queued at `created_at` has failed for too long at `now`.
    fn gave_up(&self, created_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        let limit = chrono::Duration::hours(i64::try_from(self.give_up_hours).unwrap_or(i64::MAX));
        match created_at {
            Some(t) => now - t >= limit,
            // An unreadable queue time cannot be aged: give up rather than retry forever.
            None => true,
        }
    }
}

/// splitmix64's finaliser: a cheap, well-spread hash of one number.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DeliverStats {
    pub sent: usize,
    /// Temporary failures, scheduled for another attempt.
    pub deferred: usize,
    /// Given up: permanent failures, and temporary ones past the give-up time.
    pub parked: usize,
}

impl DeliverStats {
    pub fn attempted(&self) -> usize {
        self.sent + self.deferred + self.parked
    }
}

/// A pass could not go on: the database failed. The rows are as they were (at worst one
/// remembered as sent in memory, see [`Outbox::deliver_due`]); the next pass resumes.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outbox service.
#[derive(Debug)]
pub struct Outbox {
    /// The database it opens its own connection to (in [`Outbox::run`]).
    pub database: PathBuf,
    pub transport: Transport,
    /// The envelope sender (MAIL FROM): the helpdesk address, so bounces come back to it
    /// (where the classifier records them and never answers).
    pub envelope_from: String,
    pub policy: RetryPolicy,
    /// Rows the server accepted whose `mark_sent` failed: recorded before anything else is
    /// sent, and never sent again by this process.
    unrecorded: Mutex<Vec<(i64, DateTime<Utc>)>>,
    /// Whether the server is down: one log line per change, not one per email
    /// ([`super::outage`]).
    outage: Mutex<OutageLog>,
}

impl Outbox {
    pub fn new(
        database: PathBuf,
        transport: Transport,
        envelope_from: String,
        policy: RetryPolicy,
    ) -> Outbox {
        Outbox {
            database,
            transport,
            envelope_from,
            policy,
            unrecorded: Mutex::new(Vec::new()),
            outage: Mutex::new(OutageLog::default()),
        }
    }

    /// The service as `daemon.toml` describes it.
    pub fn from_config(config: &Config) -> Result<Outbox, SetupError> {
        smtp::check_sender(&config.helpdesk.address)?;
        let policy = match &config.outbox {
            OutboxConfig::File { .. } => RetryPolicy::for_file(),
            OutboxConfig::Smtp(c) => RetryPolicy::from_smtp(c),
        };
        Ok(Outbox::new(
            config.database.clone(),
            Transport::from_config(&config.outbox)?,
            config.helpdesk.address.clone(),
            policy,
        ))
    }

    /// One pass over the rows due at `clock.now()`, one at a time in queue order.
    ///
    /// Takes `&mut Store` (not `&Store`) so that the future is `Send` and the service can be
    /// spawned: a SQLite connection may move between threads but not be shared.
    pub async fn deliver_due(
        &self,
        store: &mut (impl Access + Send),
        clock: &dyn Clock,
    ) -> Result<DeliverStats, DeliverError> {
        self.deliver(store, clock, &|| false).await
    }

    /// [`Outbox::deliver_due`] that stops between two emails once `stop()` says so.
    ///
    /// The sent marks are committed in batches ([`SentMarks`]): when [`MARK_BATCH`] emails
    /// await their mark, when the oldest unmarked one would otherwise wait past
    /// [`MARK_WINDOW`], and when the pass ends (the queue ran dry, shutdown, or an error).
    async fn deliver(
        &self,
        store: &mut (impl Access + Send),
        clock: &dyn Clock,
        stop: &(dyn Fn() -> bool + Send + Sync),
    ) -> Result<DeliverStats, DeliverError> {
        let mut marks = SentMarks::default();
        let passed = self.deliver_marking(store, clock, stop, &mut marks).await;
        // Whatever ended the pass, what was sent is recorded before anything else.
        let committed = store.with(|s| self.commit_marks(s, &mut marks));
        let stats = passed?;
        committed?;
        if let Some(line) = self.outage().pass_done() {
            store.with(|s| super::outage::log(&self.transport, s, clock.now(), line, ""));
        }
        Ok(stats)
    }

    async fn deliver_marking(
        &self,
        store: &mut (impl Access + Send),
        clock: &dyn Clock,
        stop: &(dyn Fn() -> bool + Send + Sync),
        marks: &mut SentMarks,
    ) -> Result<DeliverStats, DeliverError> {
        let mut stats = DeliverStats::default();
        let mut after = 0;
        while !stop() {
            let rows = store.with(|s| {
                self.record_unrecorded(s)?;
                self.next_due(s, clock.now(), after)
            })?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.id;
            let many = rows.len() > 1;
            // One email (SMTP): what the transport logs belongs to its span.
            let span = (!many).then(|| email_span(last));
            let started = std::time::Instant::now();
            let handing = self.transport.hand_over(&self.envelope_from, rows);
            let (rows, results) = match span {
                Some(span) => handing.instrument(span).await,
                None => handing.await,
            };
            // Measured for RELIABILITY.md: the whole hand-over (connect to 250), or the
            // whole run of files written and synced.
            let accepted = std::time::Instant::now();
            let send_us = u64::try_from((accepted - started).as_micros()).unwrap_or(u64::MAX);
            for (row, result) in rows.into_iter().zip(results) {
                let span = email_span(&row);
                let _in = span.enter();
                match result {
                    Ok(()) => {
                        // THE DOUBLE-SEND WINDOW: the server has the email (250) and the row
                        // is still `queued` until its mark commits. A crash before that
                        // (process killed, power lost before the WAL reaches the disk) sends
                        // the email once more after the restart, as it does every email
                        // accepted since the last commit of marks: at most MARK_BATCH, and
                        // only while hand-overs are fast enough that the oldest waits less
                        // than about MARK_WINDOW (a run of files is marked as soon as it is
                        // written). A database *error* when committing is handled without
                        // resending: the rows are remembered and recorded first thing.
                        marks.push(row.id, clock.now(), accepted);
                        if !many && marks.due(accepted - started) {
                            store.with(|s| self.commit_marks(s, marks))?;
                        }
                        // `unmarked`: emails accepted whose mark is not committed yet, this
                        // one included (what a crash now would send again; tests/crash
                        // reads it).
                        tracing::info!(via = %self.transport, send_us, unmarked = marks.len(), "email sent");
                        self.outage().sent();
                        stats.sent += 1;
                    }
                    Err(e) => store.with(|s| self.failed(s, clock, &row, e, &mut stats))?,
                }
            }
            if many {
                store.with(|s| self.commit_marks(s, marks))?;
            }
        }
        Ok(stats)
    }

    /// The next emails due after row `after`: as many as the transport takes at once.
    fn next_due(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        after: i64,
    ) -> Result<Vec<DueEmail>, StoreError> {
        let (most, bytes) = self.transport.run_limits();
        store.due_run(now, after, most, bytes)
    }

    /// A failed hand-over: retried later, or parked.
    fn failed(
        &self,
        store: &mut Store,
        clock: &dyn Clock,
        row: &DueEmail,
        error: SendError,
        stats: &mut DeliverStats,
    ) -> Result<(), StoreError> {
        match error {
            SendError::Temporary(reason) => {
                let now = clock.now();
                if self.policy.gave_up(row.created_at, now) {
                    let why = format!(
                        "gave up after {} hours of temporary failures; last: {reason}",
                        self.policy.give_up_hours
                    );
                    store.mark_failed(row.id, &why, None)?;
                    tracing::error!(error = %reason, "email parked: temporary failures for too long");
                    self.outage_line(store, clock.now(), &reason);
                    stats.parked += 1;
                } else {
                    let retry_at = now + self.policy.retry_delay(row.attempts, row.id);
                    store.mark_failed(row.id, &reason, Some(retry_at))?;
                    // Per email at debug; the outage itself is one line per change.
                    tracing::debug!(error = %reason, retry_at = %retry_at.to_rfc3339(), "email deferred: waiting for the SMTP server to take it");
                    self.outage_line(store, now, &reason);
                    stats.deferred += 1;
                }
            }
            SendError::Permanent(reason) => {
                store.mark_failed(row.id, &reason, None)?;
                tracing::error!(error = %reason, "email parked: permanent failure");
                stats.parked += 1;
            }
        }
        Ok(())
    }

    /// Commits the waiting marks in one transaction. On a database error the rows are
    /// remembered (never sent again by this process) and recorded before anything else.
    fn commit_marks(&self, store: &mut Store, marks: &mut SentMarks) -> Result<(), StoreError> {
        let Some(oldest) = marks.oldest else {
            return Ok(());
        };
        let n = marks.rows.len();
        if let Err(e) = store.mark_sent_many(&marks.rows) {
            for &(id, at) in &marks.rows {
                self.remember(id, at);
            }
            marks.clear();
            tracing::error!(error = %e, emails = n, "emails sent but not recorded as sent; recording them before anything else");
            return Err(e);
        }
        marks.clear();
        // The window of the oldest of them: from its 250 to this commit.
        let window_us = u64::try_from(oldest.elapsed().as_micros()).unwrap_or(u64::MAX);
        tracing::info!(emails = n, window_us, "marked sent");
        Ok(())
    }

    fn outage(&self) -> std::sync::MutexGuard<'_, OutageLog> {
        self.outage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A temporary failure: logs the outage's start or its once-a-minute summary.
    fn outage_line(&self, store: &Store, now: DateTime<Utc>, reason: &str) {
        let line = self.outage().failed(now);
        if let Some(line) = line {
            super::outage::log(&self.transport, store, now, line, reason);
        }
    }

    fn remember(&self, id: i64, at: DateTime<Utc>) {
        self.unrecorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, at));
    }

    /// Records the rows sent whose `mark_sent` failed before; an error leaves them remembered.
    fn record_unrecorded(&self, store: &mut Store) -> Result<(), StoreError> {
        let mut pending = self.unrecorded.lock().unwrap_or_else(|e| e.into_inner());
        if !pending.is_empty() {
            store.mark_sent_many(&pending)?;
            pending.clear();
        }
        Ok(())
    }

    /// The service: deliver what is due, then sleep until the next row falls due, a kick,
    /// or shutdown. Opens its own database connection. Stops between two emails once
    /// shutdown is asked for; a send in progress is finished (or aborted with the task by
    /// the daemon's grace period, which is the crash window described above).
    pub async fn run(self, clock: Arc<dyn Clock>, kick: Kick, mut shutdown: Shutdown) {
        let mut store = loop {
            match Store::shared(&self.database) {
                Ok(s) => break s,
                Err(e) => {
                    tracing::error!(error = %e, "outbox cannot open the database; trying again");
                    if !pause(&kick, &mut shutdown, Some(ERROR_PAUSE)).await {
                        return;
                    }
                }
            }
        };
        tracing::info!(transport = %self.transport, "outbox service started");
        let stop = {
            let s = shutdown.clone();
            move || s.is_set()
        };
        while !shutdown.is_set() {
            let wait = match self.deliver(&mut store, &*clock, &stop).await {
                Ok(stats) => {
                    if stats.sent + stats.parked > 0 {
                        tracing::info!(
                            sent = stats.sent,
                            deferred = stats.deferred,
                            parked = stats.parked,
                            "outbox pass done"
                        );
                    } else if stats.deferred > 0 {
                        // During an outage: the outage lines say it once a minute.
                        tracing::debug!(
                            sent = stats.sent,
                            deferred = stats.deferred,
                            parked = stats.parked,
                            "outbox pass done"
                        );
                    }
                    match store.with(|s| s.next_due_at()) {
                        Ok(None) => None,
                        Ok(Some(at)) => {
                            let d = (at - clock.now()).to_std().unwrap_or(Duration::ZERO);
                            // Due now, yet the pass found nothing to do: the row fell due
                            // just after the pass looked (go again shortly), or its stored
                            // time is odd. Never spin on it.
                            Some(if d.is_zero() && stats.attempted() == 0 {
                                SPIN_PAUSE
                            } else {
                                d
                            })
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "outbox cannot read its schedule");
                            Some(ERROR_PAUSE)
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "outbox pass failed; trying again");
                    Some(ERROR_PAUSE)
                }
            };
            if !pause(&kick, &mut shutdown, wait).await {
                break;
            }
        }
        tracing::info!("outbox service stopped");
    }
}

/// The span of one email's hand-over and outcome.
fn email_span(row: &DueEmail) -> tracing::Span {
    tracing::info_span!(
        "email",
        ticket = row.ticket.as_deref().unwrap_or("-"),
        message_id = %row.message_id,
        to = ?row.recipients,
        attempt = row.attempts + 1,
    )
}

/// Waits for a kick, `wait` (None: no deadline) or shutdown; false on shutdown.
async fn pause(kick: &Kick, shutdown: &mut Shutdown, wait: Option<Duration>) -> bool {
    let timer = async {
        match wait {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = shutdown.wait() => false,
        _ = kick.wait() => true,
        _ = timer => true,
    }
}

#[cfg(test)]
mod tests;
