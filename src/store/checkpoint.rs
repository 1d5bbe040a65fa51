//! WAL checkpoints on a thread of their own while the daemon runs.
//!
//! A commit in WAL mode appends the pages it changed to the log; a checkpoint copies them
//! back into the database file (a `pread` from the log and a `pwrite` into the file per page,
//! then an `fsync` of each). SQLite runs it inside the commit that brings the log past 1,000
//! pages: in the committing thread, holding this process's writer turn, so every writer waits
//! for it. In the bench's ingest of 10,000 letters that was a third of the `pread`s of the
//! whole run and all of its `fsync`s on the path where the letters queue up (issue 7, sixth
//! round).
//!
//! The daemon starts a [`Checkpointer`] and hands it its shared connection
//! ([`Store::defer_checkpoints_to`](super::Store::defer_checkpoints_to)). A commit there that
//! finds the log past [`PAGES`] only wakes the thread, which checkpoints (PASSIVE: it never
//! blocks a writer or a reader) on its own connection while the next commit goes on. Other
//! connections (`run --once`, the CLI, the SLA service), and any commit that finds the log at
//! [`BEHIND`] pages all the same (a reader holding an old snapshot, a stalled disk),
//! checkpoint in the commit, as SQLite does by default: the log never grows without bound.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Log size (pages) at which a checkpoint is due: SQLite's own default.
pub const PAGES: i32 = 1000;

/// Log size at which the committing connection checkpoints even while a checkpointer runs.
pub const BEHIND: i32 = 8 * PAGES;

#[derive(Default)]
pub(super) struct Signal {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    due: bool,
    stop: bool,
    /// A checkpoint is running.
    busy: bool,
    /// Checkpoints run (for tests and the log).
    runs: u64,
}

impl Signal {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

thread_local! {
    /// The checkpointer of the database this thread is writing to, while it writes: set by
    /// [`Deferring`] for the write transactions of a store that has one.
    static WRITING: std::cell::RefCell<Option<Arc<Signal>>> = const { std::cell::RefCell::new(None) };
}

/// While alive, commits on this thread leave due checkpoints to `to` (when Some).
pub(super) struct Deferring(Option<Arc<Signal>>);

pub(super) fn defer(to: Option<&Arc<Signal>>) -> Deferring {
    Deferring(WRITING.with(|w| w.replace(to.cloned())))
}

impl Drop for Deferring {
    fn drop(&mut self) {
        let before = self.0.take();
        WRITING.with(|w| *w.borrow_mut() = before);
    }
}

/// Installed on every read-write connection ([`super::Store::open`]) in place of SQLite's
/// automatic checkpoint: called after each commit with the log's size in pages.
pub(super) fn after_commit(wal: &rusqlite::hooks::Wal, pages: i32) -> rusqlite::Result<()> {
    if pages < PAGES {
        return Ok(());
    }
    if pages < BEHIND {
        let handed = WRITING.with(|w| {
            w.borrow().as_ref().map(|s| {
                s.lock().due = true;
                s.wake.notify_one();
            })
        });
        if handed.is_some() {
            return Ok(());
        }
    }
    // As SQLite's automatic checkpoint does: PASSIVE, and a busy log is no error of the
    // commit that just succeeded.
    match wal.checkpoint() {
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => Ok(()),
        other => other,
    }
}

/// A thread checkpointing one database when commits say the log is due; stopped (and
/// joined) when dropped.
pub struct Checkpointer {
    pub(super) signal: Arc<Signal>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a connection of its own to `path` and starts the thread. On an error the
    /// caller goes on without it: commits then checkpoint themselves, as SQLite's do.
    pub fn start(path: &Path) -> std::io::Result<Checkpointer> {
        let conn = open(path)
            .map_err(|e| std::io::Error::other(format!("database {}: {e}", path.display())))?;
        let signal = Arc::new(Signal::default());
        let s = Arc::clone(&signal);
        let file: PathBuf = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("suratd-wal".into())
            .spawn(move || serve(&conn, &s, &file))?;
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }

    /// Checkpoints run so far, and whether one is running or due now.
    pub fn runs(&self) -> (u64, bool) {
        let st = self.signal.lock();
        (st.runs, st.busy || st.due)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal.lock().stop = true;
        self.signal.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn open(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // The checkpoint syncs the log before copying and the file after, as NORMAL asks.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // It reads the log and writes the file a page at a time: no cache to speak of.
    conn.pragma_update(None, "cache_size", 16)?;
    Ok(conn)
}

fn serve(conn: &rusqlite::Connection, signal: &Signal, file: &Path) {
    loop {
        {
            let mut st = signal.lock();
            while !st.due && !st.stop {
                st = signal.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            if st.stop {
                return;
            }
            st.due = false;
            st.busy = true;
        }
        // (busy, log pages, pages copied); a busy checkpoint is simply tried at the next due.
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        match done {
            Ok((_, log, copied)) => {
                tracing::trace!(database = %file.display(), log, copied, "checkpoint");
            }
            Err(e) => {
                tracing::warn!(database = %file.display(), error = %e, "WAL checkpoint failed; the next commit past the limit tries again");
            }
        }
        let mut st = signal.lock();
        st.runs += 1;
        st.busy = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The pages the log file has room for: it is reused from its start once copied back,
    /// never shrunk, so this is the most it held.
    fn wal_pages(db: &Path) -> u64 {
        let wal = db.with_extension("sqlite-wal");
        let len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        len.saturating_sub(32) / (4096 + 24)
    }

    /// Commits of about 100 pages each (4 KiB pages, 400 KB of letters).
    fn fill(store: &mut Store, from: usize, n: usize) {
        for i in from..from + n {
            let raw = format!(
                "From: a@x.test\r\nSubject: {i}\r\n\r\n{}\r\n",
                "x".repeat(400_000)
            );
            store
                .store_raw("uji", &i.to_string(), raw.as_bytes(), chrono::Utc::now())
                .expect("store");
        }
    }

    #[test]
    fn commits_past_the_limit_leave_the_checkpoint_to_the_thread_and_the_log_is_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db.sqlite");
        let mut store = Store::open(&path).expect("open");
        let ck = Checkpointer::start(&path).expect("checkpointer");
        store.defer_checkpoints_to(&ck);
        fill(&mut store, 0, 30);
        // The thread was woken and copies the log back meanwhile; wait until it has done so
        // and is idle (no sleeps: poll its state, bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while ck.runs().0 == 0 || ck.runs().1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the checkpointer never finished"
            );
            std::thread::yield_now();
        }
        assert!(
            wal_pages(&path) >= 2500,
            "the log held {}",
            wal_pages(&path)
        );
        // Copied back: a commit starts the log from its beginning again, so 30 more commits of
        // ~100 pages take it to ~3,000 pages (4,000 if the last few hundred were left over),
        // not ~6,000.
        fill(&mut store, 30, 30);
        assert!(
            wal_pages(&path) < 5000,
            "log not reused: {}",
            wal_pages(&path)
        );
        drop(ck);
    }

    #[test]
    fn without_a_checkpointer_the_commit_checkpoints_as_sqlite_would() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db.sqlite");
        let mut store = Store::open(&path).expect("open");
        fill(&mut store, 0, 60);
        assert!(wal_pages(&path) < 2 * PAGES as u64, "{}", wal_pages(&path));
    }
}
