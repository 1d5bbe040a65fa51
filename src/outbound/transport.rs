//! Where the outbox hands emails over: a directory of files, or an SMTP server.
//!
//! The file transport takes a run of due emails at once: they are written and synced in one
//! blocking task ([`file::write_all`]), because each task handed to tokio's blocking pool
//! costs wake-ups (futex calls of 15–25 µs each on this machine) on both sides, and a busy
//! outbox writes thousands of emails. SMTP takes one email at a time, as before: each has
//! its own connection and outcome.

use super::file;
use super::smtp::{SendError, SmtpSender};
use crate::store::outbox::DueEmail;
use std::path::PathBuf;

/// Emails the file transport writes in one blocking task, and the bytes it stops adding at
/// (a run of disposition emails carrying PDFs should not sit in memory all at once). The
/// run is marked sent in one commit after it is written: [`super::service`]'s bound on the
/// emails a crash can make it send again (64 and the one being handed over) still holds.
const FILE_RUN: usize = 64;
const FILE_RUN_BYTES: usize = 1 << 20;

/// Where emails go.
#[derive(Debug, Clone)]
pub enum Transport {
    /// Each email becomes `<dir>/<message-id>.eml` ([`file::write_all`]).
    File(PathBuf),
    Smtp(SmtpSender),
}

impl Transport {
    pub fn from_config(
        config: &crate::config::OutboxConfig,
    ) -> Result<Transport, super::smtp::SetupError> {
        use crate::config::OutboxConfig;
        Ok(match config {
            OutboxConfig::File { dir } => Transport::File(dir.clone()),
            OutboxConfig::Smtp(c) => Transport::Smtp(SmtpSender::new(c)?),
        })
    }

    /// How many emails (and about how many bytes) one [`Transport::hand_over`] takes.
    pub fn run_limits(&self) -> (usize, usize) {
        match self {
            Transport::File(_) => (FILE_RUN, FILE_RUN_BYTES),
            Transport::Smtp(_) => (1, usize::MAX),
        }
    }

    /// Hands `rows` over in order; gives them back with one outcome each, in the same order.
    /// Ok only when the server (or the file system, synced) has the email.
    pub async fn hand_over(
        &self,
        from: &str,
        rows: Vec<DueEmail>,
    ) -> (Vec<DueEmail>, Vec<Result<(), SendError>>) {
        match self {
            Transport::Smtp(s) => {
                let mut results = Vec::with_capacity(rows.len());
                for row in &rows {
                    results.push(s.send(from, &row.recipients, &row.raw).await);
                }
                (rows, results)
            }
            Transport::File(dir) => {
                let dir = dir.clone();
                let n = rows.len();
                // The rows go to the blocking task and come back: their bytes are not copied.
                let task = tokio::task::spawn_blocking(move || {
                    let written = file::write_all(
                        &dir,
                        rows.iter()
                            .map(|r| (r.message_id.as_str(), r.raw.as_slice())),
                    );
                    (rows, written)
                });
                match task.await {
                    Ok((rows, written)) => {
                        let results = written.into_iter().map(file_outcome).collect();
                        (rows, results)
                    }
                    // The task panicked or was cancelled: the rows went with it. They stay
                    // queued and are tried again in the next pass.
                    Err(e) => {
                        tracing::error!(error = %e, emails = n, "file transport failed; the emails stay queued");
                        (Vec::new(), Vec::new())
                    }
                }
            }
        }
    }
}

/// A file write as the outbox's outcome: a full disk or a permission problem can be fixed,
/// so every failure is temporary (retried).
fn file_outcome(w: Result<PathBuf, file::DeliverError>) -> Result<(), SendError> {
    w.map(|_| ())
        .map_err(|e| SendError::Temporary(e.to_string()))
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::File(dir) => write!(f, "file:{}", dir.display()),
            Transport::Smtp(s) => write!(f, "smtp:{}", s.server()),
        }
    }
}
