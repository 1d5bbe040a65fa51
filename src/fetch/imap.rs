//! IMAP source (being written): see the real-mail issue.

use super::{FetchError, FetchStats};
use crate::clock::Clock;
use crate::config::ImapConfig;
use crate::lifecycle::{Kick, Shutdown};
use std::path::PathBuf;
use std::sync::Arc;

/// One configured IMAP account: a task per folder.
#[derive(Debug, Clone)]
pub struct ImapSource {
    /// The `[[source]]` name: part of every stored position.
    pub name: String,
    pub config: ImapConfig,
    /// The SQLite database (each folder task opens its own connection).
    pub database: PathBuf,
}

impl ImapSource {
    /// One sync of every folder, then disconnect (`suratd run --once`).
    pub async fn fetch_once(&self, _clock: &dyn Clock) -> Result<FetchStats, FetchError> {
        Err(FetchError::Imap("imap source not written yet".into()))
    }

    /// Runs until shutdown; kicks `stored` whenever new messages were committed.
    pub async fn run(self, _clock: Arc<dyn Clock>, _stored: Kick, mut shutdown: Shutdown) {
        shutdown.wait().await;
    }
}
