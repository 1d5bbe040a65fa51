//! IMAP source: one task and one connection per configured folder, each reading its folder
//! into the raw store and then waiting for more with IDLE (RFC 2177) or by polling.
//!
//! The parts, one file each: `connect` (TCP, TLS or STARTTLS, login), `tls` (trust),
//! `sync` (cursor, batches, commit, after-store), `idle` (waiting for news),
//! `backoff` (how long to wait before reconnecting).
//!
//! Invariants:
//! - Store first: a message is committed raw before the durable cursor passes it and before
//!   it is flagged or moved on the server (see `sync`). A crash at any point loses nothing
//!   and doubles nothing.
//! - A folder task ends only at shutdown. A connection or protocol error means: log what
//!   happened, wait (1 s doubling to 60 s; 5 minutes for a failure a person must fix, such as
//!   a refused login), reconnect, sync again.
//! - Shutdown interrupts IDLE, polls and backoff waits at once, and a live session says
//!   LOGOUT before it goes.
//! - The password is never logged, nor put into an error.

mod backoff;
mod connect;
mod idle;
mod sync;
mod tls;

use super::{FetchError, FetchStats};
use crate::clock::Clock;
use crate::config::ImapConfig;
use crate::lifecycle::{Kick, Shutdown};
use crate::store::{SharedStore, Store, StoreError};
use connect::Session;
use idle::Wake;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for TCP connect and the TLS handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for the answer to one command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for one message of a FETCH: a 25 MB letter over a slow campus link.
const FETCH_ITEM_TIMEOUT: Duration = Duration::from_secs(600);
/// LOGOUT at shutdown is a courtesy: never hold the daemon up for it.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);
/// Re-issue IDLE well before the server's 30-minute inactivity limit (RFC 2177 §3).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);

/// What went wrong talking to the server. Whether retrying can help is in the variant
/// ([`ImapError::is_permanent`]), never in the text.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImapError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("TLS with {host}: {source}")]
    Tls {
        host: String,
        source: std::io::Error,
    },
    #[error("TLS setup: {0}")]
    TlsSetup(String),
    #[error(
        "login as \"{user}\" refused: {reason} (hint: check username and password of the source)"
    )]
    Auth { user: String, reason: String },
    #[error("folder \"{folder}\": {reason} (hint: check folders = [...] of the source)")]
    Folder { folder: String, reason: String },
    #[error("no answer to {what} within {secs} s")]
    Timeout { what: &'static str, secs: u64 },
    #[error("{0}")]
    Protocol(String),
    #[error("{0}")]
    Imap(#[from] async_imap::error::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ImapError {
    /// Needs a person (wrong password, untrusted certificate, missing folder, broken
    /// database): retrying soon only hammers the server.
    pub(crate) fn is_permanent(&self) -> bool {
        match self {
            ImapError::Auth { .. } | ImapError::TlsSetup(_) | ImapError::Folder { .. } => true,
            ImapError::Tls { source, .. } => tls::is_certificate_error(source),
            ImapError::Store(e) => !e.is_temporary(),
            _ => false,
        }
    }
}

/// Awaits `fut` for at most `limit`; a late answer is an [`ImapError::Timeout`].
async fn within<T, E: Into<ImapError>>(
    what: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(ImapError::Timeout {
            what,
            secs: limit.as_secs(),
        }),
    }
}

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
    pub async fn fetch_once(&self, clock: &dyn Clock) -> Result<FetchStats, FetchError> {
        self.sync_all_once(clock).await.map_err(|e| {
            FetchError::Imap(format!(
                "source \"{}\" ({}:{}): {e}",
                self.name, self.config.host, self.config.port
            ))
        })
    }

    async fn sync_all_once(&self, clock: &dyn Clock) -> Result<FetchStats, ImapError> {
        let store = open_store(&self.database).await?;
        let (mut session, caps) = connect::connect(&self.config).await?;
        let mut total = FetchStats::default();
        for folder in &self.config.folders {
            let s = sync::sync(
                &mut session,
                &self.folder(folder, &caps, &store, clock, None, None),
            )
            .await?;
            total.stored += s.stored;
            total.duplicates += s.duplicates;
            total.known += s.known;
            total.unreadable += s.unreadable;
        }
        logout(&mut session, &self.name, "").await;
        Ok(total)
    }

    fn folder<'a>(
        &'a self,
        folder: &'a str,
        caps: &'a connect::Caps,
        store: &'a SharedStore,
        clock: &'a dyn Clock,
        stored: Option<&'a Kick>,
        shutdown: Option<&'a Shutdown>,
    ) -> sync::Folder<'a> {
        sync::Folder {
            name: &self.name,
            folder,
            after_store: &self.config.after_store,
            batch_size: self.config.batch_size,
            caps,
            store,
            clock,
            stored,
            shutdown,
        }
    }

    /// Runs until shutdown; kicks `stored` whenever new messages were committed.
    pub async fn run(self, clock: Arc<dyn Clock>, stored: Kick, shutdown: Shutdown) {
        let this = Arc::new(self);
        let mut tasks = tokio::task::JoinSet::new();
        for folder in this.config.folders.clone() {
            // Opened one after another, before any task runs: the first open of a database
            // migrates it, and two connections migrating at once would race. A failure here
            // is retried by the task itself.
            let store = match open_store(&this.database).await {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(source = %this.name, folder, error = %e, "cannot open the database yet");
                    None
                }
            };
            tasks.spawn(folder_task(
                Arc::clone(&this),
                folder,
                store,
                Arc::clone(&clock),
                stored.clone(),
                shutdown.clone(),
            ));
        }
        while let Some(done) = tasks.join_next().await {
            if let Err(e) = done {
                tracing::error!(source = %this.name, error = %e, "imap folder task failed");
            }
        }
        tracing::debug!(source = %this.name, "imap source stopped");
    }

    /// One connection's life: connect, then sync and wait, sync and wait… Ok only at
    /// shutdown; any error ends the connection and is the caller's to retry.
    async fn watch(
        &self,
        folder: &str,
        store: &SharedStore,
        clock: &dyn Clock,
        stored: &Kick,
        shutdown: &mut Shutdown,
        backoff: &mut backoff::Backoff,
    ) -> Result<(), ImapError> {
        let name = self.name.as_str();
        let (mut session, caps) = tokio::select! {
            r = connect::connect(&self.config) => r?,
            _ = shutdown.wait() => return Ok(()),
        };
        let idle = self.config.idle && caps.has("IDLE");
        tracing::info!(source = name, folder, host = %self.config.host, idle, "connected");
        loop {
            let f = self.folder(folder, &caps, store, clock, Some(stored), Some(&*shutdown));
            sync::sync(&mut session, &f).await?;
            // It connected and synced: the next failure starts the backoff afresh.
            backoff.reset();
            if shutdown.is_set() {
                logout(&mut session, name, folder).await;
                return Ok(());
            }
            // Mail that arrived while we were busy was announced in passing: sync again.
            if sync::drain_news(&mut session) {
                continue;
            }
            let wake = if idle {
                let (s, wake) = idle::idle(session, shutdown, IDLE_RENEW, name, folder).await?;
                session = s;
                wake
            } else {
                let poll = Duration::from_secs(self.config.poll_seconds);
                tokio::select! {
                    _ = tokio::time::sleep(poll) => Wake::Renew,
                    _ = shutdown.wait() => Wake::Shutdown,
                }
            };
            tracing::debug!(source = name, folder, ?wake, "woken");
            if wake == Wake::Shutdown {
                logout(&mut session, name, folder).await;
                return Ok(());
            }
        }
    }
}

/// A folder's task: [`ImapSource::watch`] again and again, with a backoff between failures,
/// until shutdown.
async fn folder_task(
    source: Arc<ImapSource>,
    folder: String,
    mut store: Option<SharedStore>,
    clock: Arc<dyn Clock>,
    stored: Kick,
    mut shutdown: Shutdown,
) {
    let name = source.name.as_str();
    let folder = folder.as_str();
    let mut backoff = backoff::Backoff::default();
    while !shutdown.is_set() {
        let result = match &store {
            Some(s) => {
                source
                    .watch(folder, s, &*clock, &stored, &mut shutdown, &mut backoff)
                    .await
            }
            None => match open_store(&source.database).await {
                Ok(s) => {
                    store = Some(s);
                    continue;
                }
                Err(e) => Err(e),
            },
        };
        let error = match result {
            Ok(()) => break,
            Err(e) => e,
        };
        let permanent = error.is_permanent();
        let wait = backoff.next(permanent, backoff::jitter());
        let retry_in_secs = wait.as_secs_f64();
        if permanent {
            tracing::error!(source = name, folder, error = %error, retry_in_secs, permanent, "imap source failed; this needs fixing, retrying slowly");
        } else {
            let server = format!("{}:{}", source.config.host, source.config.port);
            if matches!(error, ImapError::Store(_)) {
                tracing::warn!(source = name, folder, error = %error, retry_in_secs, "waiting for the database (busy); fetching again");
            } else {
                tracing::warn!(source = name, folder, %server, error = %error, retry_in_secs, permanent, "waiting for the IMAP server: connection failed; reconnecting");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait() => break,
        }
    }
    tracing::debug!(source = name, folder, "folder task stopped");
}

async fn open_store(path: &Path) -> Result<SharedStore, ImapError> {
    let path = path.to_path_buf();
    Ok(tokio::task::spawn_blocking(move || Store::shared(&path))
        .await
        .map_err(|e| ImapError::Internal(format!("store task failed: {e}")))??)
}

/// Says goodbye (RFC 3501 §6.1.3), briefly: the session is over whatever the answer.
async fn logout(session: &mut Session, source: &str, folder: &str) {
    if let Err(e) = within("LOGOUT", LOGOUT_TIMEOUT, session.logout()).await {
        tracing::debug!(source, folder, error = %e, "logout not acknowledged");
    }
}
