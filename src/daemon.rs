//! Wiring: load config, templates and rules together ([`load`], also what `suratd check`
//! runs), then the loop of `suratd run`: fetch every source into the store, process what is
//! pending, deliver the outbox; then sleep until the next poll or a shutdown signal.
//!
//! A pass that fails (a database hiccup, an unreadable folder) is logged and retried on the
//! next poll; the loop itself never exits because of a message or a source.

use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config, OutboxConfig, SourceKind};
use crate::diag::Diagnostic;
use crate::fetch::{self, FetchStats};
use crate::outbound::{self, Templates};
use crate::pipeline::{Pipeline, ProcessStats};
use crate::rules::{self, RuleContext, RuleSet};
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;

/// Everything loaded from the admin's files.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub templates: Templates,
    pub rules: RuleSet,
}

/// Loads and checks daemon.toml, the templates and the rule files; every problem of all
/// three is returned together.
pub fn load(config_path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let config = config::load(config_path)?;
    let mut diags = Vec::new();
    let templates = match Templates::load(&config.templates_dir) {
        Ok(t) => Some(t),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let ctx = RuleContext {
        // With broken templates, still check the rules against the names on disk.
        templates: templates
            .as_ref()
            .map(|t| t.names())
            .unwrap_or_else(|| template_names_on_disk(&config.templates_dir)),
        roles: config.roles(),
    };
    let rules = match rules::load_dir(&config.rules_dir, &ctx) {
        Ok(r) => Some(r),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    match (templates, rules) {
        (Some(templates), Some(rules)) if diags.iter().all(|d| !d.is_error()) => Ok(Loaded {
            config,
            templates,
            rules,
        }),
        _ => Err(diags),
    }
}

fn template_names_on_disk(dir: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().to_string();
                    let stem = n.strip_suffix(".hbs")?;
                    Some(stem.rsplit_once('.').map_or(stem, |(a, _)| a).to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PassStats {
    pub fetched: FetchStats,
    pub processed: ProcessStats,
    pub delivered: usize,
}

/// One pass: fetch all sources, process pending messages, deliver due emails.
pub fn pass(loaded: &Loaded, store: &mut Store, clock: &dyn Clock) -> anyhow::Result<PassStats> {
    let mut stats = PassStats::default();
    for source in &loaded.config.sources {
        let span = tracing::info_span!("source", name = %source.name);
        let _e = span.enter();
        match &source.kind {
            SourceKind::Maildir { path, move_to_cur } => {
                match fetch::maildir::fetch(store, &source.name, path, *move_to_cur, clock) {
                    Ok(s) => {
                        stats.fetched.stored += s.stored;
                        stats.fetched.duplicates += s.duplicates;
                        stats.fetched.known += s.known;
                        stats.fetched.unreadable += s.unreadable;
                    }
                    // One source failing does not stop the others.
                    Err(e) => tracing::error!(error = %e, "fetch failed"),
                }
            }
            SourceKind::Imap(_) => {
                tracing::error!("imap sources run only in the daemon for now");
            }
        }
    }
    let pipeline = Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock,
    };
    stats.processed = pipeline.process_pending(store)?;
    stats.delivered = match &loaded.config.outbox {
        OutboxConfig::File { dir } => outbound::file::deliver_due(store, dir, clock)?,
        OutboxConfig::Smtp(_) => 0,
    };
    Ok(stats)
}

/// `suratd run`: passes until a shutdown signal (or one pass with `once`).
pub async fn run(loaded: Loaded, once: bool) -> anyhow::Result<PassStats> {
    let loaded = Arc::new(loaded);
    let db = loaded.config.database.clone();
    let store = Store::open(&db)?;
    let store = Arc::new(std::sync::Mutex::new(store));
    let poll = std::time::Duration::from_secs(loaded.config.poll_seconds);
    let mut total = PassStats::default();
    tracing::info!(database = %db.display(), rules = loaded.rules.rules.len(), sources = loaded.config.sources.len(), "suratd started");
    loop {
        let (l, s) = (Arc::clone(&loaded), Arc::clone(&store));
        let result = tokio::task::spawn_blocking(move || {
            let mut store = s.lock().unwrap_or_else(|e| e.into_inner());
            pass(&l, &mut store, &SystemClock)
        })
        .await;
        match result {
            Ok(Ok(s)) => {
                add(&mut total, &s);
                if s.fetched.stored + s.processed.emails_queued + s.delivered > 0 {
                    tracing::info!(
                        stored = s.fetched.stored,
                        tickets = s.processed.new_tickets,
                        triage = s.processed.triage,
                        replies = s.processed.replies,
                        ignored = s.processed.ignored,
                        delivered = s.delivered,
                        "pass done"
                    );
                }
            }
            Ok(Err(e)) if once => return Err(e),
            Ok(Err(e)) => tracing::error!(error = %e, "pass failed; retrying at the next poll"),
            Err(e) => tracing::error!(error = %e, "pass panicked; retrying at the next poll"),
        }
        if once {
            return Ok(total);
        }
        tokio::select! {
            _ = shutdown_signal() => {
                tracing::info!("shutdown requested; stopping after the current pass");
                return Ok(total);
            }
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

fn add(total: &mut PassStats, s: &PassStats) {
    total.fetched.stored += s.fetched.stored;
    total.fetched.duplicates += s.fetched.duplicates;
    total.fetched.known += s.fetched.known;
    total.fetched.unreadable += s.fetched.unreadable;
    total.processed.new_tickets += s.processed.new_tickets;
    total.processed.triage += s.processed.triage;
    total.processed.replies += s.processed.replies;
    total.processed.ignored += s.processed.ignored;
    total.processed.emails_queued += s.processed.emails_queued;
    total.delivered += s.delivered;
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
