//! The file transport: each queued email becomes `<dir>/<message-id>.eml`. Written to a
//! temporary name and renamed, so a reader never sees half a file; the name is the
//! Message-ID, so delivering the same row twice (a crash between writing and marking it
//! sent) rewrites the same file instead of adding a second email. Each file is synced before
//! its rename and the directory after the renames: the outbox marks an email sent only once
//! it is on disk.

use crate::store::StoreError;
use std::io::Write;
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

/// Writes each email as `<dir>/<message-id>.eml` (creating `dir`), atomically and durably:
/// a file's data is synced before it is renamed into place, and the directory once after
/// the renames, so an email reported Ok survives a power loss (and may then be marked sent).
/// Results in the order given. One call for a run of emails: the outbox hands the file
/// system a batch per blocking task, not one email per task (issue 7).
pub fn write_all<'a>(
    dir: &Path,
    emails: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Vec<Result<PathBuf, DeliverError>> {
    let mut written: Vec<_> = emails
        .into_iter()
        .map(|(message_id, raw)| write_one(dir, message_id, raw))
        .collect();
    if written.iter().any(Result::is_ok) {
        // The renames are durable only once the directory is.
        if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
            for w in written.iter_mut().filter(|w| w.is_ok()) {
                *w = Err(DeliverError::Io {
                    path: dir.to_path_buf(),
                    source: std::io::Error::new(e.kind(), e.to_string()),
                });
            }
        }
    }
    written
}

/// One email to its temporary name, synced, then renamed into place.
fn write_one(dir: &Path, message_id: &str, raw: &[u8]) -> Result<PathBuf, DeliverError> {
    let path = dir.join(file_name(message_id));
    let tmp = dir.join(format!(".{}.tmp", file_name(message_id)));
    let io = |source| DeliverError::Io {
        path: path.clone(),
        source,
    };
    // The directory is made when the first write finds it missing, not before every email
    // (a system call each, and on a busy outbox thousands of them).
    let file = match std::fs::File::create(&tmp) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|source| DeliverError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            std::fs::File::create(&tmp)
        }
        other => other,
    };
    let mut file = file.map_err(io)?;
    file.write_all(raw).map_err(io)?;
    file.sync_data().map_err(io)?;
    drop(file);
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
    fn a_run_of_emails_is_written_whole_in_order_and_a_blocked_one_fails_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let bodies: Vec<(String, Vec<u8>)> = (0..100)
            .map(|i| {
                (
                    format!("T-{i}.ack@k.id"),
                    format!("Subject: {i}\r\n\r\nisi\r\n").into_bytes(),
                )
            })
            .collect();
        // A directory where one email's temporary file would go: that one cannot be written.
        std::fs::create_dir_all(out.join(".T-7.ack@k.id.eml.tmp")).expect("mkdir");
        let written = write_all(
            &out,
            bodies.iter().map(|(id, raw)| (id.as_str(), raw.as_slice())),
        );
        assert_eq!(written.len(), 100);
        for (i, (w, (id, raw))) in written.iter().zip(&bodies).enumerate() {
            if i == 7 {
                assert!(w.is_err(), "{w:?}");
                continue;
            }
            let path = w.as_ref().expect("written");
            assert_eq!(path, &out.join(format!("{id}.eml")));
            assert_eq!(&std::fs::read(path).expect("read"), raw);
        }
        // Nothing half-written is left under a final name; only the blocked one's temp.
        let names = std::fs::read_dir(&out).expect("dir").count();
        assert_eq!(names, 100);
    }

    #[test]
    fn every_email_fails_when_the_directory_cannot_be_made() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocked = dir.path().join("out");
        std::fs::write(&blocked, "").expect("write");
        let written = write_all(&blocked, [("a@k.id", &b"x"[..]), ("b@k.id", &b"y"[..])]);
        assert!(written.iter().all(Result::is_err), "{written:?}");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("T-1.ack@k.id"), "T-1.ack@k.id.eml");
        assert_eq!(file_name("../../etc/x"), ".._.._etc_x.eml");
    }
}
