//! One connection for the daemon's writers: the processor, every source folder, the outbox
//! and the SLA service.
//!
//! SQLite keeps a page cache per connection and, in WAL mode, throws all of it away when a
//! transaction begins after *another* connection committed: it cannot tell which pages
//! changed. The daemon's writers took turns (a fetcher's store, the processor's batch, a
//! fetcher's store …), so each transaction began with an empty cache and read again, one
//! `pread` each, every page it touched: the interior pages of every index, the tails of the
//! tables. In the bench's ingest of 10,000 letters that was 12 reads per letter, against 5 in
//! `run --once`, where one connection does everything (issue 7, sixth round).
//!
//! So they share one connection, behind a mutex taken per operation (a store of fetched
//! letters, a batch's commit, a read of pending letters, a run of sent marks, a chunk of
//! tickets to track), never for longer and never across an `await`: each operation is a
//! whole transaction, so no transaction is ever left open between two holders. The mutex
//! also orders these writers, as the [`gate`](super::gate) does for connections that stay
//! apart (the reload watcher's, `run --once`'s, the CLI's in the same process).

use super::gate::PerFile;
use super::{Result, Store};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A connection shared by several services of this process.
pub type SharedStore = Arc<Mutex<Store>>;

/// Locks the shared connection (a holder that panicked left no transaction open: rusqlite
/// rolls back a transaction it drops, so the connection is still good).
pub fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// The connection this process shares for the database at `path`, opened (with the
    /// processor's page cache) by the first to ask while no one holds it.
    pub fn shared(path: &Path) -> Result<SharedStore> {
        // Two first opens at once would migrate the file twice: the registry makes one.
        static OPEN: PerFile<Mutex<Store>> = PerFile::new();
        OPEN.get_or_make(path, || Ok(Mutex::new(Store::open(path)?)))
    }
}

/// How a pass reaches the store: a connection of its own (tests, `run --once`, the CLI) or
/// the shared one, locked for each operation.
pub trait Access {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T;
}

impl Access for Store {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(self)
    }
}

impl Access for SharedStore {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut lock(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_one_shared_connection_while_it_is_held() {
        let dir = tempfile::tempdir().expect("dir");
        let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let first = Store::shared(&a).expect("open");
        let again = Store::shared(&dir.path().join(".").join("a.db")).expect("open");
        assert!(Arc::ptr_eq(&first, &again));
        let other = Store::shared(&b).expect("open");
        assert!(!Arc::ptr_eq(&first, &other));
        // What one holder wrote, the other reads on the same connection.
        lock(&first)
            .store_raw(
                "uji",
                "1",
                b"From: a@x.test\r\n\r\nisi\r\n",
                chrono::Utc::now(),
            )
            .expect("store");
        assert_eq!(lock(&again).pending(10).expect("pending").len(), 1);
        assert!(lock(&other).pending(10).expect("pending").is_empty());
        // Once nobody holds it, the next to ask opens a new one.
        drop((first, again));
        let fresh = Store::shared(&a).expect("open");
        assert_eq!(lock(&fresh).pending(10).expect("pending").len(), 1);
    }
}
