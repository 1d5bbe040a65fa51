//! Mail sources. Each hands raw messages to the store, which commits them before anything
//! else happens; a source never parses or judges a message.
//!
//! [`imap`]: an IMAP account, a task per folder, IDLE, a durable cursor per folder.
//! [`maildir`]: a Maildir folder (the embedded default and many tests).

pub mod imap;
pub mod maildir;

/// What one pass over a source did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FetchStats {
    /// Newly stored messages.
    pub stored: usize,
    /// Messages already stored from another position (same letter twice).
    pub duplicates: usize,
    /// Positions seen in an earlier pass.
    pub known: usize,
    /// Files that could not be read (logged; retried next pass).
    pub unreadable: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("maildir {path}: {source}")]
    Maildir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("imap: {0}")]
    Imap(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
