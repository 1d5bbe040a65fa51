//! The file transport: each queued email becomes `<dir>/<message-id>.eml`. Written to a
//! temporary name and renamed, so a reader never sees half a file; the name is the
//! Message-ID, so delivering the same row twice (a crash between writing and marking it
//! sent) rewrites the same file instead of adding a second email.

use crate::store::StoreError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("outbox directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes one email as `<dir>/<message-id>.eml` (creating `dir`), atomically; returns the path.
pub fn write(dir: &Path, message_id: &str, raw: &[u8]) -> Result<PathBuf, DeliverError> {
    let path = dir.join(file_name(message_id));
    let tmp = dir.join(format!(".{}.tmp", file_name(message_id)));
    let io = |source| DeliverError::Io {
        path: path.clone(),
        source,
    };
    // The directory is made when the first write finds it missing, not before every email
    // (a system call each, and on a busy outbox thousands of them).
    if let Err(e) = std::fs::write(&tmp, raw) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(io(e));
        }
        std::fs::create_dir_all(dir).map_err(|source| DeliverError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        std::fs::write(&tmp, raw).map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

/// A file name from a Message-ID: only characters safe on every file system.
fn file_name(message_id: &str) -> String {
    let safe: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("T-1.ack@k.id"), "T-1.ack@k.id.eml");
        assert_eq!(file_name("../../etc/x"), ".._.._etc_x.eml");
    }
}
