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

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
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
mod messages;
pub mod sla;
mod tickets;
use messages::put_raw;
pub use messages::{MessageRow, Outcome, Stored};
pub use outbox::{NewEmail, OutboxRow};
use tickets::{bare_tickets_where, ticket_where};
pub use tickets::{EventRow, NewTicket, TicketRow};

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
}

/// The write side of a transaction (see [`Store::transaction`]).
pub struct Tx<'c> {
    tx: &'c rusqlite::Transaction<'c>,
}

impl Tx<'_> {}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// For tests: a fixed time, 2 March 2026 01:00 UTC.
#[cfg(test)]
pub(crate) fn test_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid time")
}

#[cfg(test)]
impl Store {
    /// For tests: runs `sql` on the connection as it is (a trigger that makes a write fail).
    pub(crate) fn execute_for_test(&self, sql: &str) {
        self.conn.execute_batch(sql).expect("test SQL");
    }
}
