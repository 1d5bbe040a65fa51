//! The SLA service of `suratd run`: one pass (track tickets, fire due alerts, run due cron
//! jobs), then sleep until the earliest of the next pending alert, the next cron time, a
//! kick (the processor changed tickets) or shutdown. No periodic sweep: with nothing
//! pending it sleeps until kicked.

use super::engine::{Sla, SlaStats};
use super::jobs::CronRuns;
use crate::clock::Clock;
use crate::daemon::Loaded;
use crate::lifecycle::{Kick, Shutdown};
use crate::store::{Access, Store};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

fn sla<'a>(loaded: &'a Loaded, clock: &'a dyn Clock) -> Sla<'a> {
    Sla {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        calendar: &loaded.calendar,
        clock,
    }
}

/// One pass over the store: clocks, due alerts, due cron jobs. What the service does each
/// time it wakes, and what `suratd run --once` runs after processing. (An `imap-poll` job
/// that is due is reported in the second value; `run --once` polls every source anyway.)
pub fn pass(
    loaded: &Loaded,
    store: &mut Store,
    clock: &dyn Clock,
) -> anyhow::Result<(SlaStats, CronRuns)> {
    pass_since(loaded, store, clock, 0)
}

/// [`pass`] that tracks only tickets with an event newer than `since_event` (0: all).
fn pass_since(
    loaded: &Loaded,
    store: &mut impl Access,
    clock: &dyn Clock,
    since_event: i64,
) -> anyhow::Result<(SlaStats, CronRuns)> {
    let sla = sla(loaded, clock);
    let mut stats = sla.pass_since(store, since_event)?;
    let runs = sla.run_cron(store)?;
    stats.emails_queued += runs.emails_queued;
    Ok((stats, runs))
}

/// The next time the service has something to do: a pending alert or a cron job.
pub fn next_wake(
    loaded: &Loaded,
    store: &Store,
    clock: &dyn Clock,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let alert = store.next_sla_due()?;
    let cron = sla(loaded, clock).next_cron(store)?;
    Ok(match (alert, cron) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    })
}

/// The `imap-poll` job: one full pass over every IMAP source; kicks the processor when
/// something was stored.
async fn poll_imap(loaded: &Loaded, clock: &dyn Clock, stored: &Kick) {
    for source in &loaded.config.sources {
        let crate::config::SourceKind::Imap(config) = &source.kind else {
            continue;
        };
        let imap = crate::fetch::imap::ImapSource {
            name: source.name.clone(),
            config: config.clone(),
            database: loaded.config.database.clone(),
        };
        match imap.fetch_once(clock).await {
            Ok(s) if s.stored > 0 => {
                tracing::info!(source = %source.name, stored = s.stored, "imap-poll found mail");
                stored.kick();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(source = %source.name, error = %e, "imap-poll failed"),
        }
    }
}

/// Runs until shutdown. `kick` wakes it (the processor kicks after changing tickets);
/// `queued` is kicked when alerts or jobs queued email, `stored` when the IMAP poll stored
/// mail.
/// The rules, templates and calendar are those in force at each wake (hot reload,
/// src/reload.rs).
pub async fn run(
    current: crate::reload::Current,
    clock: Arc<dyn Clock>,
    kick: Kick,
    [queued, stored]: [Kick; 2],
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    // Shared with the processor, the sources and the outbox (src/store/shared.rs), taken a
    // chunk of tickets at a time.
    let mut store = Store::shared(&current.get().config.database)?;
    // Every change of a ticket is an event: after the first (full) pass, a pass looks only at
    // the tickets with an event newer than the last one the previous pass saw, so a kick after
    // each processed batch costs what changed, not every open ticket. A reload (new rules or
    // calendar) makes the next pass a full one again.
    let mut seen: Option<(Arc<Loaded>, i64)> = None;
    loop {
        let loaded = current.get();
        let since = match &seen {
            Some((l, id)) if Arc::ptr_eq(l, &loaded) => *id,
            _ => 0,
        };
        let (stats, runs) = tokio::task::block_in_place(|| {
            // Read before the pass: an event committed meanwhile is seen by the next one.
            let mark = store.with(|s| s.last_event_id())?;
            let done = pass_since(&loaded, &mut store, clock.as_ref(), since)?;
            seen = Some((loaded.clone(), mark));
            anyhow::Ok(done)
        })?;
        if runs.poll_imap {
            poll_imap(&loaded, clock.as_ref(), &stored).await;
        }
        if stats.emails_queued > 0 {
            queued.kick();
        }
        if stats != SlaStats::default() {
            tracing::info!(
                started = stats.started,
                paused = stats.paused,
                resumed = stats.resumed,
                stopped = stats.stopped,
                fired = stats.fired,
                emails_queued = stats.emails_queued,
                "sla"
            );
        }
        // With nothing scheduled, only a kick or shutdown wakes it. (A ticket changed from
        // the command line kicks it through the watcher's data_version poll, src/reload.rs;
        // every pass tracks before it fires, so no alert of a step already left goes out.)
        let next = store.with(|s| next_wake(&loaded, s, clock.as_ref()))?;
        let sleep = async {
            match next {
                Some(t) => {
                    tokio::time::sleep((t - clock.now()).to_std().unwrap_or(Duration::ZERO)).await
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = sleep => {}
            _ = kick.wait() => {}
            _ = shutdown.wait() => return Ok(()),
        }
    }
}
