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

/// Stores every message of the Maildir at `root` not stored before.
pub fn fetch(
    store: &mut Store,
    source: &str,
    root: &Path,
    move_to_cur: bool,
    clock: &dyn Clock,
) -> Result<FetchStats, FetchError> {
    let mut stats = FetchStats::default();
    for sub in ["new", "cur"] {
        let dir = root.join(sub);
        let mut files = list(&dir)?;
        files.sort();
        for path in files {
            let Some(position) = position_of(&path) else {
                continue;
            };
            if store.has_position(source, &position)? {
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
            match store.store_raw(source, &position, &raw, clock.now())? {
                Stored::New(id) => {
                    tracing::debug!(source, position, message = id.0, "stored");
                    stats.stored += 1;
                }
                Stored::SameMessage(id) => {
                    tracing::info!(
                        source,
                        position,
                        message = id.0,
                        "same message stored before"
                    );
                    stats.duplicates += 1;
                }
                Stored::SeenPosition => stats.known += 1,
            }
            if move_to_cur && sub == "new" {
                move_to_cur_dir(root, &path);
            }
        }
    }
    Ok(stats)
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
}
