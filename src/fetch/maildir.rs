//! A Maildir folder as a mail source: every file in `new/` and `cur/` is a message. Its
//! position is the file name's unique part (before `:`), which survives the move from
//! `new/` to `cur/`, so a message is stored once however often the folder is scanned.
//!
//! The folder is only written to when `move-to-cur` is on (then a stored message moves from
//! `new/` to `cur/`, as a mail client does); by default it is left untouched, which is what
//! the shipped sample inbox needs.

use super::{FetchError, FetchStats};
use crate::clock::Clock;
use crate::store::{Store, Stored};
use std::path::{Path, PathBuf};

/// Messages stored in one transaction at most (as the IMAP source does), and their bytes.
const BATCH_MESSAGES: usize = 128;
const BATCH_BYTES: usize = 1024 * 1024;
/// File names checked against the store at a time.
const KNOWN_CHUNK: usize = 512;

/// A message file read and waiting for its batch's commit.
struct Read {
    position: String,
    raw: Vec<u8>,
    path: PathBuf,
    new: bool,
}

/// Stores every message of the Maildir at `root` not stored before, up to 128 messages per
/// transaction. A file moves to `cur/` only after the transaction that stored it committed.
pub fn fetch(
    store: &mut Store,
    source: &str,
    root: &Path,
    move_to_cur: bool,
    clock: &dyn Clock,
) -> Result<FetchStats, FetchError> {
    let mut stats = FetchStats::default();
    let mut batch: Vec<Read> = Vec::new();
    for sub in ["new", "cur"] {
        let dir = root.join(sub);
        let mut files = list(&dir)?;
        files.sort();
        let named: Vec<(PathBuf, String)> = files
            .into_iter()
            .filter_map(|p| position_of(&p).map(|pos| (p, pos)))
            .collect();
        // Which files were stored before, asked a chunk at a time in one read transaction
        // (one per file took a lock and released it again: two system calls a letter).
        let mut known = Vec::with_capacity(named.len());
        for chunk in named.chunks(KNOWN_CHUNK) {
            known.extend(store.known_positions(source, chunk.iter().map(|(_, pos)| pos.as_str()))?);
        }
        for ((path, position), known) in named.into_iter().zip(known) {
            if known {
                stats.known += 1;
                continue;
            }
            let raw = match std::fs::read(&path) {
                Ok(raw) => raw,
                Err(e) => {
                    // Gone between listing and reading (another client moved it), or
                    // unreadable: the next pass sees it again under its new name.
                    tracing::warn!(source, path = %path.display(), error = %e, "cannot read message file");
                    stats.unreadable += 1;
                    continue;
                }
            };
            batch.push(Read {
                position,
                raw,
                path,
                new: sub == "new",
            });
            let bytes: usize = batch.iter().map(|r| r.raw.len()).sum();
            if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES {
                commit(store, source, &mut batch, move_to_cur, clock, &mut stats)?;
            }
        }
    }
    commit(store, source, &mut batch, move_to_cur, clock, &mut stats)?;
    Ok(stats)
}

/// Stores the messages read so far in one transaction; then moves their files.
fn commit(
    store: &mut Store,
    source: &str,
    batch: &mut Vec<Read>,
    move_to_cur: bool,
    clock: &dyn Clock,
    stats: &mut FetchStats,
) -> Result<(), FetchError> {
    if batch.is_empty() {
        return Ok(());
    }
    let items = batch
        .iter()
        .map(|r| (r.position.as_str(), r.raw.as_slice()));
    let outcomes = store.store_raw_many(source, items, clock.now())?;
    for (r, stored) in batch.iter().zip(outcomes) {
        let position = &r.position;
        match stored {
            Stored::New(id) => {
                tracing::debug!(source, position, message.id = id.0, "stored");
                stats.stored += 1;
            }
            Stored::SameMessage(id) => {
                tracing::info!(
                    source,
                    position,
                    message.id = id.0,
                    "same message stored before"
                );
                stats.duplicates += 1;
            }
            Stored::SeenPosition => stats.known += 1,
        }
        if move_to_cur && r.new {
            move_to_cur_dir(root_of(&r.path), &r.path);
        }
    }
    batch.clear();
    Ok(())
}

/// The Maildir of a message file (the parent of its `new/` or `cur/`).
fn root_of(path: &Path) -> &Path {
    path.parent().and_then(Path::parent).unwrap_or(path)
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FetchError::Maildir {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    Ok(entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| {
            // Dot files (e.g. .gitkeep) are not messages.
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect())
}

/// The unique part of a Maildir file name: everything before the `:2,FLAGS` info.
fn position_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let unique = name.split(':').next().unwrap_or(&name);
    (!unique.is_empty()).then(|| unique.to_string())
}

fn move_to_cur_dir(root: &Path, path: &Path) {
    let Some(name) = path.file_name() else {
        return;
    };
    let mut target = root.join("cur").join(name);
    target.as_mut_os_string().push(":2,");
    if let Err(e) = std::fs::rename(path, &target) {
        // Harmless: the message is stored; the next pass finds it by its position.
        tracing::warn!(path = %path.display(), error = %e, "cannot move message to cur/");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn position_survives_the_move_to_cur() {
        assert_eq!(
            position_of(Path::new("new/123.abc")),
            Some("123.abc".into())
        );
        assert_eq!(
            position_of(Path::new("cur/123.abc:2,S")),
            Some("123.abc".into())
        );
    }

    #[test]
    fn scanning_twice_stores_once_and_moving_keeps_identity() {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        std::fs::write(dir.path().join("new/1.a"), b"Subject: a\n\nA\n").expect("write");
        std::fs::write(dir.path().join("new/2.b"), b"Subject: b\n\nB\n").expect("write");
        std::fs::write(dir.path().join("new/.gitkeep"), b"").expect("write");
        let mut store = Store::open_in_memory().expect("db");
        let s1 = fetch(&mut store, "inbox", dir.path(), true, &SystemClock).expect("fetch");
        assert_eq!(s1.stored, 2);
        assert!(dir.path().join("cur/1.a:2,").exists());
        let s2 = fetch(&mut store, "inbox", dir.path(), true, &SystemClock).expect("fetch");
        assert_eq!((s2.stored, s2.known), (0, 2));
    }

    #[test]
    fn many_messages_are_stored_in_batches_each_once_and_moved_after_their_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        // More than two batches, one big message that closes a batch by its bytes, and a
        // message that is in new/ and (as another client moved it) in cur/ at once.
        let n = BATCH_MESSAGES * 2 + 5;
        for i in 0..n {
            let body = if i == 7 {
                "x".repeat(BATCH_BYTES)
            } else {
                i.to_string()
            };
            let raw = format!("Subject: {i}\n\n{body}\n");
            std::fs::write(dir.path().join(format!("new/{i:03}.m")), raw).expect("write");
        }
        std::fs::write(dir.path().join("cur/003.m:2,S"), b"Subject: 3\n\n3\n").expect("write");
        let mut store = Store::open_in_memory().expect("db");
        let s = fetch(&mut store, "inbox", dir.path(), true, &SystemClock).expect("fetch");
        // (Files moved to cur/ before it was listed count as known there.)
        assert_eq!((s.stored, s.duplicates), (n, 0), "{s:?}");
        assert_eq!(store.pending(1000).expect("pending").len(), n);
        let in_new = std::fs::read_dir(dir.path().join("new"))
            .expect("ls")
            .count();
        assert_eq!(in_new, 0);
        let again = fetch(&mut store, "inbox", dir.path(), true, &SystemClock).expect("fetch");
        assert_eq!((again.stored, again.known), (0, n + 1));
    }
}
