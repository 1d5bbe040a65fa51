//! SQLite: the raw store, tickets, the event log, the outbox. All SQL of suratd lives here.
//!
//! Invariants:
//! - A fetched message is committed raw ([`Store::store_raw`]) before anything else happens.
//! - Processing a message and everything it causes (ticket, events, queued emails, the
//!   message marked done) commit in one transaction ([`Store::transaction`]): a crash before
//!   the commit leaves the message pending and it is processed again from scratch; after the
//!   commit it is never processed again. Hence no lost letter and no doubled ticket or email.
//! - Migrations are numbered SQL files applied in one transaction each, tracked with
//!   `PRAGMA user_version`.

use crate::workflow::{TicketKind, TicketState};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub mod approval;
pub mod batch;
pub mod checkpoint;
pub mod cursor;
mod gate;
mod loops;
mod migrate;
pub mod outbox;
pub mod quarantine;
pub mod rawhead;
mod shared;
pub use shared::{lock, Access, SharedStore};
pub mod sla;

/// A ticket number as people see it: `TIK-2026-000042`.
pub fn ticket_number(prefix: &str, year: i32, counter: i64) -> String {
    format!("{prefix}-{year}-{counter:06}")
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database migration {version}: {source}")]
    Migration {
        version: usize,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds a bad value in {what}: {value}")]
    Corrupt { what: &'static str, value: String },
}

impl StoreError {
    /// Busy/locked databases clear up by themselves; everything else needs a person.
    pub fn is_temporary(&self) -> bool {
        let e = match self {
            StoreError::Sql(e) | StoreError::Open { source: e, .. } => e,
            _ => return false,
        };
        matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct MessageRowId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TicketId(pub i64);

/// What storing a fetched message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new message, now pending.
    New(MessageRowId),
    /// This source position was stored before.
    SeenPosition,
    /// The same message came from another position (another folder, a re-fetch).
    SameMessage(MessageRowId),
}

/// How a processed message ended (the `messages.outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NewTicket,
    Reply,
    Approval,
    Ignored,
    Triage,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::NewTicket => "new_ticket",
            Outcome::Reply => "reply",
            Outcome::Approval => "approval",
            Outcome::Ignored => "ignored",
            Outcome::Triage => "triage",
        }
    }
}

/// A ticket as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRow {
    pub id: TicketId,
    pub number: String,
    pub kind: TicketKind,
    pub rule_id: Option<String>,
    pub state: TicketState,
    pub step: Option<String>,
    pub requester: Option<String>,
    pub requester_name: Option<String>,
    pub language: String,
    pub subject: String,
    pub fields: serde_json::Value,
    pub missing: serde_json::Value,
    pub invalid: serde_json::Value,
    pub triage_reason: Option<String>,
    pub source_message: Option<MessageRowId>,
    pub created_at: String,
    pub updated_at: String,
    /// The Message-ID of the requester's letter, so answers thread with it.
    pub letter_message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub ticket: Option<String>,
    pub message: Option<MessageRowId>,
    pub at: String,
    pub kind: String,
    pub actor: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRow {
    pub id: MessageRowId,
    pub message_id: Option<String>,
    pub size: i64,
    pub stored_at: String,
    pub state: String,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub ticket: Option<String>,
}

/// An email waiting in (or gone through) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub attempts: i64,
}

/// A new ticket to insert.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub number: &'a str,
    pub kind: TicketKind,
    pub rule_id: Option<&'a str>,
    pub state: TicketState,
    pub step: Option<&'a str>,
    pub requester: Option<&'a str>,
    pub requester_name: Option<&'a str>,
    pub language: &'a str,
    pub subject: &'a str,
    /// JSON text: an object of fields, a list of names, a list of {field, value, message}.
    pub fields: &'a str,
    pub missing: &'a str,
    pub invalid: &'a str,
    pub triage_reason: Option<&'a str>,
    pub source_message: MessageRowId,
}

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    pub dedupe_key: &'a str,
    pub ticket: Option<TicketId>,
    pub message_id: &'a str,
    pub template: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub raw: &'a [u8],
}

pub struct Store {
    conn: Connection,
    /// This process's writers of the same file queue here ([`gate`]); None in memory.
    gate: Option<std::sync::Arc<gate::Gate>>,
    /// The thread that checkpoints for this connection's commits, when the daemon runs one
    /// ([`checkpoint`]).
    checkpoints: Option<std::sync::Arc<checkpoint::Signal>>,
}

/// A writer's turn ([`Store::writer_turn`]): the gate, and where due checkpoints go.
struct Writing {
    _turn: Option<gate::Turn>,
    _deferring: checkpoint::Deferring,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The work of [`Store::store_raw`] inside the caller's transaction.
fn put_raw(
    tx: &Connection,
    source: &str,
    position: &str,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<Stored> {
    let seen: Option<i64> = tx
        .prepare_cached("SELECT message FROM message_sources WHERE source = ?1 AND position = ?2")?
        .query_row(params![source, position], |r| r.get(0))
        .optional()?;
    if seen.is_some() {
        return Ok(Stored::SeenPosition);
    }
    let head = rawhead::RawHead::scan(raw);
    let dedupe_key = head.dedupe_key();
    let now_s = ts(now);
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM messages WHERE dedupe_key = ?1")?
        .query_row(params![dedupe_key], |r| r.get(0))
        .optional()?;
    let (id, outcome) = match existing {
        Some(id) => (id, Stored::SameMessage(MessageRowId(id))),
        None => {
            tx.prepare_cached(
                "INSERT INTO messages (dedupe_key, message_id, size, stored_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                dedupe_key,
                head.message_id,
                raw.len() as i64,
                now_s
            ])?;
            let id = tx.last_insert_rowid();
            if raw.len() > batch::LARGE {
                batch::write_large(tx, id, raw)?;
            } else {
                tx.prepare_cached("INSERT INTO message_raw (message, raw) VALUES (?1, ?2)")?
                    .execute(params![id, raw])?;
            }
            (id, Stored::New(MessageRowId(id)))
        }
    };
    tx.prepare_cached(
        "INSERT INTO message_sources (source, position, message, seen_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![source, position, id, now_s])?;
    Ok(outcome)
}

/// How long a writer waits for another to finish before giving up with SQLITE_BUSY.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// The page cache of a [`Store::open_light`] connection, in KiB.
pub const LIGHT_CACHE_KIB: i64 = 256;

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                let _ = std::fs::create_dir_all(dir);
            }
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::setup(conn, path)
    }

    /// Opens an existing database without writing to it (for `suratd try`).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store {
            conn,
            gate: None,
            checkpoints: None,
        })
    }

    /// [`Store::open`] with a page cache of [`LIGHT_CACHE_KIB`] instead of 1 MiB, for a
    /// connection of the daemon's that touches few pages again (the reload watcher's; the
    /// processor, the sources, the outbox and the SLA service share one of 1 MiB,
    /// [`Store::shared`]): each full cache is resident memory (issue 7: the steady RSS). At
    /// 256 KiB the processor's batches spilled pages mid-transaction (4× the reads and a third
    /// more writes, BENCHMARKS.md).
    pub fn open_light(path: &Path) -> Result<Store> {
        let store = Self::open(path)?;
        store
            .conn
            .pragma_update(None, "cache_size", -LIGHT_CACHE_KIB)
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(store)
    }

    /// A private in-memory database, for tests and `try` without a database.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        Self::setup(conn, Path::new(":memory:"))
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<Store> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Every statement of the processor, the SLA and the outbox stays prepared (the
        // default of 16 is fewer than one letter's statements, so they were re-prepared).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL: readers (the CLI) never block the daemon; NORMAL sync is durable in WAL mode
        // against process crashes, which is what store-first promises.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        // Savepoints (one per message of a processed batch) keep their statement journals in
        // memory, not in a temporary file each (hundreds of writes per batch).
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_err)?;
        // Redacted secrets (initial passwords) must not survive in freed pages.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(open_err)?;
        // 1 MiB of page cache per connection instead of SQLite's 2 MiB: the daemon holds
        // several connections (each source folder, the processor, the outbox), raw letters
        // pass through once, and the OS caches the file anyway. Keeps the resident size small.
        conn.pragma_update(None, "cache_size", -1024)
            .map_err(open_err)?;
        // No `mmap_size`: it took the page reads of the bench's ingest from 125,000 to 58,000
        // but the mapped database counts in the resident size (median 36.5 → 40.7 MiB, 80 MiB
        // idle after 10,000 letters), against a target of 30 MB.
        migrate::up_to(&mut conn, migrate::MIGRATIONS.len(), path)?;
        // Checkpoints as SQLite's automatic ones, or on the daemon's checkpoint thread.
        conn.wal_hook(Some(checkpoint::after_commit));
        let gate = (path != Path::new(":memory:")).then(|| gate::of(path));
        Ok(Store {
            conn,
            gate,
            checkpoints: None,
        })
    }

    /// This writer's turn at the database file ([`gate`]), held until its transaction ends
    /// (declare it before the transaction).
    fn writer_turn(&self) -> Writing {
        Writing {
            _turn: self.gate.as_ref().and_then(|g| g.enter(BUSY_TIMEOUT)),
            _deferring: checkpoint::defer(self.checkpoints.as_ref()),
        }
    }

    /// From now on this connection's commits leave due checkpoints to `to` (the daemon's).
    pub fn defer_checkpoints_to(&mut self, to: &checkpoint::Checkpointer) {
        self.checkpoints = Some(std::sync::Arc::clone(&to.signal));
    }

    /// SQLite's `PRAGMA data_version`: a number that changes when another connection (in
    /// this process or another) has committed to the database since this connection last
    /// looked. How the daemon notices a decision made with `suratd approve` (src/reload.rs).
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get::<_, i64>(0))?)
    }

    /// Commits a fetched message, unless its source position or the message itself is known.
    pub fn store_raw(
        &mut self,
        source: &str,
        position: &str,
        raw: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Stored> {
        // IMMEDIATE: a deferred transaction that reads and then writes gets SQLITE_BUSY at
        // once, without the busy timeout, when another connection wrote in between (WAL);
        // the crash test and the benchmark saw fetches fail that way under load.
        let _turn = self.writer_turn();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let outcome = put_raw(&tx, source, position, raw, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Whether a source position is already stored (lets a source skip reading a file).
    pub fn has_position(&self, source: &str, position: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM message_sources WHERE source = ?1 AND position = ?2")?
            .exists(params![source, position])?)
    }

    /// [`Store::has_position`] for several positions, in one read transaction.
    pub fn known_positions<'p>(
        &mut self,
        source: &str,
        positions: impl IntoIterator<Item = &'p str>,
    ) -> Result<Vec<bool>> {
        let tx = self.conn.transaction()?;
        let mut st =
            tx.prepare_cached("SELECT 1 FROM message_sources WHERE source = ?1 AND position = ?2")?;
        let known = positions
            .into_iter()
            .map(|p| st.exists(params![source, p]))
            .collect::<std::result::Result<Vec<bool>, _>>()?;
        drop(st);
        tx.commit()?;
        Ok(known)
    }

    /// Pending messages, oldest first.
    pub fn pending(&self, limit: usize) -> Result<Vec<(MessageRowId, Vec<u8>)>> {
        self.pending_after(None, limit)
    }

    /// The raw bytes of a stored message.
    pub fn raw(&self, id: MessageRowId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT raw FROM message_raw WHERE message = ?1")?
            .query_row(params![id.0], |r| r.get(0))
            .optional()?)
    }

    /// Runs `f` in one write transaction; it commits only if `f` returns Ok.
    pub fn transaction<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let _turn = self.writer_turn();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&Tx { tx: &tx })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    // ---- reading, for the CLI and the classifier ---------------------------------------

    pub fn ticket_by_number(&self, number: &str) -> Result<Option<TicketRow>> {
        ticket_where(&self.conn, "t.number = ?1", params![number])
    }

    pub fn ticket_by_thread_id(&self, message_id: &str) -> Result<Option<TicketRow>> {
        ticket_where(
            &self.conn,
            "t.id = (SELECT ticket_id FROM thread_ids WHERE message_id = ?1)",
            params![message_id],
        )
    }

    pub fn tickets(&self) -> Result<Vec<TicketRow>> {
        tickets_where(&self.conn, "1", params![])
    }

    pub fn events(&self, ticket: Option<TicketId>) -> Result<Vec<EventRow>> {
        // Two statements, not `?1 IS NULL OR e.ticket_id = ?1`: with the OR, SQLite reads
        // every event even for one ticket (it cannot use `events_ticket`).
        let mut st = self.conn.prepare_cached(if ticket.is_some() {
            "SELECT e.id, t.number, e.message, e.at, e.kind, e.actor, e.detail
             FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
             WHERE e.ticket_id = ?1 ORDER BY e.id"
        } else {
            "SELECT e.id, t.number, e.message, e.at, e.kind, e.actor, e.detail
             FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
             WHERE ?1 IS NULL ORDER BY e.id"
        })?;
        let rows = st.query_map(params![ticket.map(|t| t.0)], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                ticket: r.get(1)?,
                message: r.get::<_, Option<i64>>(2)?.map(MessageRowId),
                at: r.get(3)?,
                kind: r.get(4)?,
                actor: r.get(5)?,
                detail: json_col(r.get::<_, String>(6)?),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn messages(&self) -> Result<Vec<MessageRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.id, m.message_id, m.size, m.stored_at, m.state, m.outcome, m.outcome_detail, t.number
             FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id ORDER BY m.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(MessageRow {
                id: MessageRowId(r.get(0)?),
                message_id: r.get(1)?,
                size: r.get(2)?,
                stored_at: r.get(3)?,
                state: r.get(4)?,
                outcome: r.get(5)?,
                outcome_detail: r.get(6)?,
                ticket: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The counter the next ticket of `prefix` and `year` will get (read only: the number is
    /// handed out by [`Tx::next_ticket_number`]).
    pub fn peek_ticket_counter(&self, prefix: &str, year: i32) -> Result<i64> {
        let last: Option<i64> = self
            .conn
            .prepare_cached("SELECT last FROM ticket_counters WHERE prefix = ?1 AND year = ?2")?
            .query_row(params![prefix, year], |r| r.get(0))
            .optional()?;
        Ok(last.unwrap_or(0) + 1)
    }

    // ---- the outbox ----------------------------------------------------------------------

    /// Queued emails due at `now`, oldest first.
    pub fn due_emails(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT o.id, o.message_id, o.recipients, r.raw, o.attempts
             FROM outbox o JOIN outbox_raw r ON r.outbox = o.id
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 ORDER BY o.id LIMIT ?2",
        )?;
        let rows = st.query_map(params![ts(now), limit as i64], |r| {
            Ok(OutboxRow {
                id: r.get(0)?,
                message_id: r.get(1)?,
                recipients: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                raw: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One email sent, in a commit of its own (see [`Store::mark_sent_many`] for several).
    pub fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        if outbox::set_sent(&self.conn, id, now)? {
            self.truncate_wal_after_secret(id);
        }
        Ok(())
    }

    /// A failed attempt: retry at `retry_at`, or park the email when `retry_at` is None.
    pub fn mark_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        match retry_at {
            Some(t) => self.conn.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1")?.execute(params![id, error, ts(t)],
            )?,
            None => self.conn.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, state = 'parked' WHERE id = ?1")?.execute(params![id, error],
            )?,
        };
        Ok(())
    }
}

/// The write side of a transaction (see [`Store::transaction`]).
pub struct Tx<'c> {
    tx: &'c rusqlite::Transaction<'c>,
}

impl Tx<'_> {
    /// The next ticket number for `prefix` in `year`: `TIK-2026-000123`.
    pub fn next_ticket_number(&self, prefix: &str, year: i32) -> Result<String> {
        let last: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO ticket_counters (prefix, year, last) VALUES (?1, ?2, 1)
                 ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1
                 RETURNING last",
            )?
            .query_row(params![prefix, year], |r| r.get(0))?;
        Ok(ticket_number(prefix, year, last))
    }

    pub fn insert_ticket(&self, t: &NewTicket<'_>, now: DateTime<Utc>) -> Result<TicketId> {
        let now = ts(now);
        self.tx
            .prepare_cached(
                "INSERT INTO tickets (number, kind, rule_id, state, step, requester, requester_name,
                    language, subject, fields, missing, invalid, triage_reason, source_message,
                    created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
            )?
            .execute(params![
                t.number,
                t.kind.as_str(),
                t.rule_id,
                t.state.as_str(),
                t.step,
                t.requester,
                t.requester_name,
                t.language,
                t.subject,
                t.fields,
                t.missing,
                t.invalid,
                t.triage_reason,
                t.source_message.0,
                now
            ])?;
        Ok(TicketId(self.tx.last_insert_rowid()))
    }

    /// Replaces a ticket's data and state; `step` None keeps the current step.
    #[allow(clippy::too_many_arguments)]
    pub fn update_ticket(
        &self,
        ticket: TicketId,
        state: TicketState,
        step: Option<&str>,
        fields: &serde_json::Value,
        missing: &serde_json::Value,
        invalid: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx.prepare_cached("UPDATE tickets SET state = ?2, step = COALESCE(?3, step), fields = ?4, missing = ?5,
                invalid = ?6, updated_at = ?7 WHERE id = ?1")?.execute(params![
                ticket.0,
                state.as_str(),
                step,
                fields.to_string(),
                missing.to_string(),
                invalid.to_string(),
                ts(now)
            ],
        )?;
        Ok(())
    }

    /// Adds a Message-ID to a ticket's thread (ignored if it is there already).
    pub fn add_thread_id(&self, message_id: &str, ticket: TicketId) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO thread_ids (message_id, ticket_id) VALUES (?1, ?2)",
            )?
            .execute(params![message_id, ticket.0])?;
        Ok(())
    }

    pub fn add_event(
        &self,
        ticket: Option<TicketId>,
        message: Option<MessageRowId>,
        kind: &str,
        actor: Option<&str>,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO events (ticket_id, message, at, kind, actor, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                ticket.map(|t| t.0),
                message.map(|m| m.0),
                ts(now),
                kind,
                actor,
                detail.to_string()
            ])?;
        Ok(())
    }

    /// Queues an email; returns false when one with the same dedupe key was queued before.
    pub fn queue_email(&self, e: &NewEmail<'_>, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO outbox (dedupe_key, ticket_id, message_id, template,
                    recipients, subject, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?
            .execute(params![
                e.dedupe_key,
                e.ticket.map(|t| t.0),
                e.message_id,
                e.template,
                serde_json::to_string(e.recipients).unwrap_or_else(|_| "[]".into()),
                e.subject,
                ts(now)
            ])?;
        if n != 1 {
            return Ok(false);
        }
        // The bytes apart (migration 010): marking the email sent then rewrites a small row.
        self.tx
            .prepare_cached("INSERT INTO outbox_raw (outbox, raw) VALUES (?1, ?2)")?
            .execute(params![self.tx.last_insert_rowid(), e.raw])?;
        Ok(true)
    }

    /// Marks a message processed, with how it ended. Part of the same transaction as the
    /// ticket change it caused.
    pub fn finish_message(
        &self,
        message: MessageRowId,
        outcome: Outcome,
        detail: Option<&str>,
        ticket: Option<TicketId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE messages SET state = 'done', outcome = ?2, outcome_detail = ?3,
                    ticket_id = ?4, processed_at = ?5 WHERE id = ?1",
            )?
            .execute(params![
                message.0,
                outcome.as_str(),
                detail,
                ticket.map(|t| t.0),
                ts(now)
            ])?;
        Ok(())
    }

    pub fn ticket_by_id(&self, id: TicketId) -> Result<Option<TicketRow>> {
        ticket_where(self.tx, "t.id = ?1", params![id.0])
    }
}

fn json_col(s: String) -> serde_json::Value {
    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
}

const TICKET_COLUMNS: &str = "t.id, t.number, t.kind, t.rule_id, t.state, t.step, t.requester,
    t.requester_name, t.language, t.subject, t.fields, t.missing, t.invalid, t.triage_reason,
    t.source_message, t.created_at, t.updated_at,
    (SELECT m.message_id FROM messages m WHERE m.id = t.source_message)";

fn ticket_where(
    conn: &Connection,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Option<TicketRow>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE {cond}");
    let row = conn
        .prepare_cached(&sql)?
        .query_row(p, read_ticket)
        .optional()?;
    row.transpose()
}

fn tickets_where(
    conn: &Connection,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<TicketRow>> {
    let order = if cond.contains("ORDER BY") {
        ""
    } else {
        " ORDER BY t.id"
    };
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE {cond}{order}");
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(p, read_ticket)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

fn read_ticket(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<TicketRow>> {
    let kind: String = r.get(2)?;
    let state: String = r.get(4)?;
    let kind = match kind.parse() {
        Ok(k) => k,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                what: "tickets.kind",
                value: kind,
            }))
        }
    };
    let state = match state.parse() {
        Ok(s) => s,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                what: "tickets.state",
                value: state,
            }))
        }
    };
    Ok(Ok(TicketRow {
        id: TicketId(r.get(0)?),
        number: r.get(1)?,
        kind,
        rule_id: r.get(3)?,
        state,
        step: r.get(5)?,
        requester: r.get(6)?,
        requester_name: r.get(7)?,
        language: r.get(8)?,
        subject: r.get(9)?,
        fields: json_col(r.get(10)?),
        missing: json_col(r.get(11)?),
        invalid: json_col(r.get(12)?),
        triage_reason: r.get(13)?,
        source_message: r.get::<_, Option<i64>>(14)?.map(MessageRowId),
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        letter_message_id: r.get(17)?,
    }))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
impl Store {
    /// For tests: runs `sql` on the connection as it is (a trigger that makes a write fail).
    pub(crate) fn execute_for_test(&self, sql: &str) {
        self.conn.execute_batch(sql).expect("test SQL");
    }
}

#[cfg(test)]
impl Tx<'_> {
    /// For tests: an office365 request `number` from `msg`, awaiting approval at `disposisi`.
    pub(crate) fn insert_sample_request(
        &self,
        number: &str,
        msg: MessageRowId,
        now: DateTime<Utc>,
    ) -> Result<TicketId> {
        self.insert_ticket(
            &NewTicket {
                number,
                kind: crate::workflow::TicketKind::Request,
                rule_id: Some("office365"),
                state: crate::workflow::TicketState::AwaitingApproval,
                step: Some("disposisi"),
                requester: Some("a@b.c"),
                requester_name: None,
                language: "id",
                subject: "x",
                fields: "{}",
                missing: "[]",
                invalid: "[]",
                triage_reason: None,
                source_message: msg,
            },
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid time")
    }

    const MSG: &[u8] = b"Message-ID: <a@b>\r\nFrom: x@y.id\r\nSubject: hi\r\n\r\nbody\r\n";

    #[test]
    fn stores_once_per_position_and_once_per_message() {
        let mut s = Store::open_in_memory().expect("db");
        let first = s.store_raw("inbox", "1", MSG, now()).expect("store");
        assert!(matches!(first, Stored::New(_)));
        assert_eq!(
            s.store_raw("inbox", "1", MSG, now()).expect("store"),
            Stored::SeenPosition
        );
        // Same letter, another position, with an extra trace header: the same message.
        let mut traced = b"Received: from relay\r\n".to_vec();
        traced.extend_from_slice(MSG);
        let again = s.store_raw("other", "9", &traced, now()).expect("store");
        assert!(matches!(again, Stored::SameMessage(_)));
        assert_eq!(s.pending(10).expect("pending").len(), 1);
    }

    #[test]
    fn ticket_numbers_count_per_prefix_and_year() {
        let mut s = Store::open_in_memory().expect("db");
        let nums: Vec<String> = s
            .transaction(|tx| -> Result<Vec<String>> {
                Ok(vec![
                    tx.next_ticket_number("TIK", 2026)?,
                    tx.next_ticket_number("TIK", 2026)?,
                    tx.next_ticket_number("TIK", 2027)?,
                ])
            })
            .expect("tx");
        assert_eq!(
            nums,
            ["TIK-2026-000001", "TIK-2026-000002", "TIK-2027-000001"]
        );
    }

    #[test]
    fn events_are_append_only() {
        let mut s = Store::open_in_memory().expect("db");
        s.transaction(|tx| tx.add_event(None, None, "x", None, &serde_json::json!({}), now()))
            .expect("insert");
        let err = s.conn.execute("UPDATE events SET kind = 'y'", []);
        assert!(err.is_err());
        let err = s.conn.execute("DELETE FROM events", []);
        assert!(err.is_err());
    }

    #[test]
    fn queue_is_idempotent_by_key() {
        let mut s = Store::open_in_memory().expect("db");
        let to = vec!["a@b.id".to_string()];
        let e = NewEmail {
            dedupe_key: "ack:T-1",
            ticket: None,
            message_id: "m1@x",
            template: "ack",
            recipients: &to,
            subject: "s",
            raw: b"raw",
        };
        let first = s.transaction(|tx| tx.queue_email(&e, now())).expect("q");
        let second = s.transaction(|tx| tx.queue_email(&e, now())).expect("q");
        assert!(first);
        assert!(!second);
        assert_eq!(s.due_emails(now(), 10).expect("due").len(), 1);
    }
}
