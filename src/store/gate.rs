//! One writer at a time per database file within this process, queued by blocking instead
//! of by SQLite's busy handler.
//!
//! SQLite lets one connection write at a time. Another that asks gets SQLITE_BUSY, and its
//! busy handler sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries: a fetcher waiting for the
//! processor's commit often slept past its end, and the bench saw about 750 such sleeps in
//! an ingest of 10,000 letters. The writers of one process wait here first and the next one
//! is woken as soon as the writer before it is done. (The daemon's own writers now share one
//! connection, src/store/shared.rs, whose mutex orders them; the gate orders that connection
//! against any other of the process, as in `run --once` and the tests. The checkpoint thread
//! takes no write transaction.)
//!
//! The gate only orders this process's writers; SQLite's own lock stays the guard (writers
//! in other processes, `suratd approve`, meet it and its busy timeout as before). A writer
//! that waits longer than the busy timeout goes ahead without its turn, so a mistake in the
//! order of locks ends in SQLITE_BUSY, as it would without the gate, never in a hang.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

#[derive(Default)]
pub(super) struct Gate {
    busy: Mutex<bool>,
    free: Condvar,
}

/// A writer's turn: the next one waiting goes in when it is dropped.
pub(super) struct Turn(Arc<Gate>);

impl Drop for Turn {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.0.free.notify_one();
    }
}

/// The gate of the database file at `path`, shared by every connection of this process.
pub(super) fn of(path: &Path) -> Arc<Gate> {
    static GATES: PerFile<Gate> = PerFile::new();
    GATES
        .get_or_make(path, || Ok::<_, std::convert::Infallible>(Gate::default()))
        .unwrap_or_else(|never| match never {})
}

/// One `T` per database file in this process, while anyone holds it.
pub(super) struct PerFile<T>(OnceLock<Mutex<HashMap<PathBuf, Weak<T>>>>);

impl<T> PerFile<T> {
    pub const fn new() -> Self {
        PerFile(OnceLock::new())
    }

    /// The `T` of the file at `path` (however the path is spelled), made by `make` when
    /// nobody holds one. The registry stays locked while `make` runs, so two callers never
    /// make two.
    pub fn get_or_make<E>(
        &self,
        path: &Path,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut all = self
            .0
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(t) = all.get(&key).and_then(Weak::upgrade) {
            return Ok(t);
        }
        all.retain(|_, t| t.strong_count() > 0);
        let t = Arc::new(make()?);
        all.insert(key, Arc::downgrade(&t));
        Ok(t)
    }
}

impl Gate {
    /// Waits for this writer's turn, at most `limit`; None when it did not come in time.
    pub(super) fn enter(self: &Arc<Self>, limit: Duration) -> Option<Turn> {
        let deadline = Instant::now() + limit;
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            let left = deadline.checked_duration_since(Instant::now())?;
            busy = self
                .free
                .wait_timeout(busy, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *busy = true;
        Some(Turn(Arc::clone(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn one_file_one_gate_and_one_writer_at_a_time() {
        let dir = tempfile::tempdir().expect("dir");
        let a = dir.path().join("a.db");
        std::fs::write(&a, b"").expect("file");
        let g = of(&a);
        // The same file by another spelling is the same gate; another file is not.
        assert!(Arc::ptr_eq(&g, &of(&dir.path().join(".").join("a.db"))));
        assert!(!Arc::ptr_eq(&g, &of(&dir.path().join("b.db"))));
        let inside = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..200 {
                        let _turn = g.enter(Duration::from_secs(10)).expect("turn");
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
    }

    #[test]
    fn a_writer_kept_waiting_past_the_limit_goes_without_its_turn() {
        let g = Arc::new(Gate::default());
        let _held = g.enter(Duration::from_secs(1)).expect("first");
        assert!(g.enter(Duration::from_millis(1)).is_none());
    }
}
