//! Wiring: load config, templates and rules together ([`load`], also what `suratd check`
//! runs), then run the services of `suratd run`:
//!
//! - one task per mail source (a Maildir folder polled; an IMAP account with a task per
//!   folder, on IDLE), each committing raw messages to the store and kicking the processor;
//! - the processor: processes every pending message (one transaction each), kicks the outbox
//!   when it queued email, then sleeps until the next kick;
//! - the outbox: delivers due email, sleeps until the next due row or a kick;
//! - the SLA (src/sla/): follows each ticket's step on a clock and sends reminders and
//!   escalations; sleeps until the next due alert or a kick from the processor.
//!
//! Each service runs under a supervisor that logs a failure or panic and restarts it with
//! backoff: the daemon never exits because a server is down or a message is bad. Shutdown
//! (SIGTERM/SIGINT) has two phases: every service is told to stop taking work and finishes
//! what it is doing; what has not finished after the grace period is aborted. Nothing is lost
//! by the abort: whatever was not committed is still pending in the store or on the server.

use crate::clock::Clock;
use crate::config::{self, Config, SourceKind};
use crate::diag::Diagnostic;
use crate::fetch::imap::ImapSource;
use crate::fetch::{self, FetchStats};
use crate::lifecycle::{Kick, Shutdown, ShutdownTrigger};
use crate::outbound::service::Outbox;
use crate::outbound::Templates;
use crate::pipeline::{Pipeline, ProcessStats};
use crate::rules::{self, RuleContext, RuleSet};
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Everything loaded from the admin's files.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub templates: Templates,
    pub rules: RuleSet,
    /// The working-time calendar (rules/calendar.toml).
    pub calendar: crate::sla::Calendar,
    /// Problems that do not stop suratd but that an admin should see (`check` prints them,
    /// `run` logs them at start).
    pub warnings: Vec<Diagnostic>,
}

/// Loads and checks daemon.toml, the templates and the rule files; every problem of all
/// three is returned together.
pub fn load(config_path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_with(config::load(config_path)?)
}

/// Loads and checks the templates and rule files named by `config` (also what a hot reload
/// runs, with the config in force).
pub fn load_with(config: Config) -> Result<Loaded, Vec<Diagnostic>> {
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
    // Which years' holidays the calendar must already hold depends on today.
    let today = crate::clock::from_env()
        .now()
        .with_timezone(&config.timezone.offset)
        .date_naive();
    let (calendar, calendar_diags) = crate::sla::load_calendar(&config, today);
    diags.extend(calendar_diags);
    match (templates, rules, calendar) {
        (Some(templates), Some(rules), Some(calendar)) if diags.iter().all(|d| !d.is_error()) => {
            diags.extend(unheld_roles(&config, &rules));
            Ok(Loaded {
                config,
                templates,
                rules,
                calendar,
                warnings: diags,
            })
        }
        _ => Err(diags),
    }
}

/// A rule whose approver, or whose work step's actor, is a role nobody holds would stop every
/// ticket short of its disposition: say so before it happens.
fn unheld_roles(config: &Config, rules: &RuleSet) -> Vec<Diagnostic> {
    use crate::rules::StepKind;
    let held: std::collections::BTreeSet<&str> = config
        .people
        .iter()
        .flat_map(|p| p.roles.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for rule in &rules.rules {
        let needed = rule.approver.iter().chain(
            rule.steps
                .iter()
                .filter(|s| matches!(s.kind, StepKind::Disposition | StepKind::Work))
                .map(|s| &s.actor),
        );
        let mut seen = std::collections::BTreeSet::new();
        for role in needed {
            if !held.contains(role.as_str()) && seen.insert(role.clone()) {
                out.push(
                    Diagnostic::warning(
                        &rule.file,
                        format!("role \"{role}\" is held by nobody: tickets of this SOP will wait at that step"),
                    )
                    .with_hint(format!(
                        "add a [[person]] with roles = [\"{role}\"] to {}",
                        crate::diag::display_path(&config.file)
                    )),
                );
            }
        }
    }
    out
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

/// What a run did (summed over its passes).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PassStats {
    pub fetched: FetchStats,
    pub processed: ProcessStats,
    pub delivered: usize,
}

/// How long services get to finish their current work after a shutdown request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// `suratd run --once`: every source once, process, deliver, return.
pub async fn run_once(loaded: &Loaded, clock: Arc<dyn Clock>) -> anyhow::Result<PassStats> {
    let mut stats = PassStats::default();
    let mut store = Store::open(&loaded.config.database)?;
    for source in &loaded.config.sources {
        let span = tracing::info_span!("source", name = %source.name);
        let fetched = match &source.kind {
            SourceKind::Maildir { path, move_to_cur } => {
                let _e = span.enter();
                fetch::maildir::fetch(&mut store, &source.name, path, *move_to_cur, clock.as_ref())
            }
            SourceKind::Imap(config) => {
                imap_source(loaded, &source.name, config)
                    .fetch_once(clock.as_ref())
                    .instrument(span)
                    .await
            }
        };
        match fetched {
            Ok(s) => add_fetch(&mut stats.fetched, &s),
            // One source failing does not stop the others.
            Err(e) => tracing::error!(source = %source.name, error = %e, "fetch failed"),
        }
    }
    let pipeline = Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: clock.as_ref(),
    };
    stats.processed = pipeline.process_pending(&mut store)?;
    crate::sla::service::pass(loaded, &mut store, clock.as_ref())?;
    stats.delivered = deliver_once(loaded, &mut store, clock.as_ref()).await?;
    Ok(stats)
}

fn imap_source(loaded: &Loaded, name: &str, config: &crate::config::ImapConfig) -> ImapSource {
    ImapSource {
        name: name.to_string(),
        config: config.clone(),
        database: loaded.config.database.clone(),
    }
}

/// `suratd run`: the services, until SIGTERM/SIGINT (or one pass with `once`).
pub async fn run(loaded: Loaded, once: bool) -> anyhow::Result<PassStats> {
    let clock: Arc<dyn Clock> = crate::clock::from_env();
    if once {
        return run_once(&loaded, clock).await;
    }
    for w in &loaded.warnings {
        tracing::warn!(file = %crate::diag::display_path(&w.file), line = w.line, "{}", w.message);
    }
    let loaded = Arc::new(loaded);
    // Fail fast on a database that cannot be opened at all (wrong path, permissions). The
    // connection the processor, the sources, the outbox and the SLA service share
    // (src/store/shared.rs), held here for the daemon's life, and the thread that checkpoints
    // its commits.
    let shared = Store::shared(&loaded.config.database)?;
    let checkpointer = match crate::store::checkpoint::Checkpointer::start(&loaded.config.database)
    {
        Ok(c) => {
            crate::store::lock(&shared).defer_checkpoints_to(&c);
            Some(c)
        }
        Err(e) => {
            tracing::warn!(error = %e, "no checkpoint thread: commits copy the write-ahead log back themselves");
            None
        }
    };
    let (trigger, shutdown) = ShutdownTrigger::new();
    let stored = Kick::new();
    let queued = Kick::new();
    let tracked = Kick::new();
    let mut services = Vec::new();
    for source in &loaded.config.sources {
        let name = format!("source {}", source.name);
        let (l, c, k) = (Arc::clone(&loaded), Arc::clone(&clock), stored.clone());
        let source = source.clone();
        services.push(supervise(name, shutdown.clone(), move |sd| {
            let (l, c, k, source) = (Arc::clone(&l), Arc::clone(&c), k.clone(), source.clone());
            async move {
                match &source.kind {
                    SourceKind::Maildir { path, move_to_cur } => {
                        maildir_service(&l, &source.name, path, *move_to_cur, c, k, sd).await
                    }
                    SourceKind::Imap(config) => {
                        imap_source(&l, &source.name, config).run(c, k, sd).await;
                        Ok(())
                    }
                }
            }
        }));
    }
    // The rules, templates and calendar in force: the processor and the SLA service take
    // them per pass, the watcher swaps them on a good edit (src/reload.rs).
    let current = crate::reload::Current::new(Arc::clone(&loaded));
    {
        let (l, c, s, q, t) = (
            current.clone(),
            Arc::clone(&clock),
            stored.clone(),
            queued.clone(),
            tracked.clone(),
        );
        services.push(supervise("processor".into(), shutdown.clone(), move |sd| {
            processor(
                l.clone(),
                Arc::clone(&c),
                s.clone(),
                [q.clone(), t.clone()],
                sd,
            )
        }));
    }
    {
        let (l, c, q, t, s) = (
            current.clone(),
            Arc::clone(&clock),
            queued.clone(),
            tracked.clone(),
            stored.clone(),
        );
        services.push(supervise("reload".into(), shutdown.clone(), move |sd| {
            crate::reload::watch(
                l.clone(),
                Arc::clone(&c),
                [q.clone(), t.clone(), s.clone()],
                sd,
            )
        }));
    }
    {
        let (l, c, q) = (Arc::clone(&loaded), Arc::clone(&clock), queued.clone());
        services.push(supervise("outbox".into(), shutdown.clone(), move |sd| {
            outbox_service(Arc::clone(&l), Arc::clone(&c), q.clone(), sd)
        }));
    }
    {
        let (l, c, t, q, s) = (
            current.clone(),
            Arc::clone(&clock),
            tracked.clone(),
            queued.clone(),
            stored.clone(),
        );
        services.push(supervise("sla".into(), shutdown.clone(), move |sd| {
            crate::sla::service::run(
                l.clone(),
                Arc::clone(&c),
                t.clone(),
                [q.clone(), s.clone()],
                sd,
            )
        }));
    }
    tracing::info!(
        database = %loaded.config.database.display(),
        rules = loaded.rules.rules.len(),
        sources = loaded.config.sources.len(),
        "suratd started"
    );
    // Start with a full round, in case messages were left pending by an earlier run.
    stored.kick();
    queued.kick();
    shutdown_signal().await;
    tracing::info!(
        grace_secs = SHUTDOWN_GRACE.as_secs(),
        "shutdown: no new work is taken; finishing what is under way"
    );
    trigger.trigger();
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    for handle in &mut services {
        if tokio::time::timeout_at(deadline, &mut *handle)
            .await
            .is_err()
        {
            break;
        }
    }
    let unfinished: Vec<_> = services.iter().filter(|h| !h.is_finished()).collect();
    if !unfinished.is_empty() {
        tracing::warn!(
            services = unfinished.len(),
            "grace period over: aborting what is left"
        );
        for h in unfinished {
            h.abort();
        }
    }
    drop(checkpointer);
    drop(shared);
    tracing::info!("suratd stopped");
    Ok(PassStats::default())
}

/// Runs `make(shutdown)` as a task, again and again with backoff when it fails or panics,
/// until shutdown.
fn supervise<F, Fut>(name: String, shutdown: Shutdown, make: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(Shutdown) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        loop {
            let outcome = tokio::spawn(make(shutdown.clone())).await;
            if shutdown.is_set() {
                return;
            }
            match outcome {
                Ok(Ok(())) => {
                    tracing::warn!(service = %name, "service ended by itself; restarting")
                }
                Ok(Err(e)) => {
                    tracing::error!(service = %name, error = %format!("{e:#}"), retry_in_secs = backoff.as_secs(), "service failed; restarting")
                }
                Err(e) => {
                    tracing::error!(service = %name, error = %e, retry_in_secs = backoff.as_secs(), "service panicked; restarting")
                }
            }
            let mut sd = shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = sd.wait() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    })
}

/// Polls a Maildir folder; kicks the processor when something new was stored.
async fn maildir_service(
    loaded: &Loaded,
    name: &str,
    path: &Path,
    move_to_cur: bool,
    clock: Arc<dyn Clock>,
    stored: Kick,
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    let mut store = Store::open(&loaded.config.database)?;
    let poll = Duration::from_secs(loaded.config.poll_seconds);
    loop {
        let stats = tokio::task::block_in_place(|| {
            fetch::maildir::fetch(&mut store, name, path, move_to_cur, clock.as_ref())
        })?;
        if stats.stored > 0 {
            tracing::info!(
                source = name,
                stored = stats.stored,
                duplicates = stats.duplicates,
                "new messages"
            );
            stored.kick();
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.wait() => return Ok(()),
        }
    }
}

/// Processes pending messages whenever a source kicks; kicks the outbox when email was queued
/// and the SLA service when tickets changed.
async fn processor(
    current: crate::reload::Current,
    clock: Arc<dyn Clock>,
    stored: Kick,
    [queued, tracked]: [Kick; 2],
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    // Shared with the sources, the outbox and the SLA service (src/store/shared.rs): one page
    // cache for all of them.
    let mut store = Store::shared(&current.get().config.database)?;
    loop {
        tokio::select! {
            _ = stored.wait() => {}
            _ = shutdown.wait() => return Ok(()),
        }
        let loaded = current.get();
        let stats = tokio::task::block_in_place(|| {
            Pipeline {
                config: &loaded.config,
                rules: &loaded.rules,
                templates: &loaded.templates,
                clock: clock.as_ref(),
            }
            .process_pending(&mut store)
        })?;
        if stats.emails_queued > 0 {
            queued.kick();
        }
        if stats != ProcessStats::default() {
            // The pass's letters are freed: the daemon at rest keeps only what it uses.
            crate::heap::trim();
            tracked.kick();
            tracing::info!(
                tickets = stats.new_tickets,
                triage = stats.triage,
                replies = stats.replies,
                ignored = stats.ignored,
                emails_queued = stats.emails_queued,
                "processed"
            );
        }
    }
}

/// Delivers due email once. (`&mut`: a `&Store` held across an await would make the
/// future not `Send`, the connection not being `Sync`.)
async fn deliver_once(
    loaded: &Loaded,
    store: &mut Store,
    clock: &dyn Clock,
) -> anyhow::Result<usize> {
    let outbox = Outbox::from_config(&loaded.config)?;
    let stats = outbox.deliver_due(store, clock).await?;
    if stats.deferred + stats.parked > 0 {
        tracing::warn!(
            sent = stats.sent,
            deferred = stats.deferred,
            parked = stats.parked,
            "some email could not be delivered"
        );
    }
    Ok(stats.sent)
}

/// The outbox service: delivers due email, sleeps until the next due row, a kick from the
/// processor, or shutdown.
async fn outbox_service(
    loaded: Arc<Loaded>,
    clock: Arc<dyn Clock>,
    queued: Kick,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    Outbox::from_config(&loaded.config)?
        .run(clock, queued, shutdown)
        .await;
    Ok(())
}

fn add_fetch(total: &mut FetchStats, s: &FetchStats) {
    total.stored += s.stored;
    total.duplicates += s.duplicates;
    total.known += s.known;
    total.unreadable += s.unreadable;
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
