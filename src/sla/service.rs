//! The SLA service of `suratd run`: one pass (track tickets, fire due alerts, run due cron
//! jobs), then sleep until the earliest of the next pending alert, the next cron time, a
//! kick (the processor changed tickets) or shutdown. No periodic sweep: with nothing
//! pending it sleeps until kicked.

use super::engine::{Sla, SlaStats};
use crate::clock::Clock;
use crate::daemon::Loaded;
use crate::lifecycle::{Kick, Shutdown};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// With nothing scheduled, the service still wakes this rarely (a guard against a clock
/// that jumps; not a sweep: a wake with nothing due does nothing).
const IDLE_WAKE: Duration = Duration::from_secs(6 * 3600);

/// One pass over the store: what the service does each time it wakes. Also what `suratd run
/// --once` runs.
pub fn pass(loaded: &Loaded, store: &mut Store, clock: &dyn Clock) -> anyhow::Result<SlaStats> {
    let sla = Sla {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        calendar: &loaded.calendar,
        clock,
    };
    Ok(sla.pass(store)?)
}

/// The next time the service has something to do.
pub fn next_wake(store: &Store) -> anyhow::Result<Option<DateTime<Utc>>> {
    Ok(store.next_sla_due()?)
}

/// Runs until shutdown. `kick` wakes it (the processor kicks after changing tickets);
/// `queued` is kicked when alerts queued email. Each pass's stats are published on
/// `passes` (tests wait on it instead of sleeping).
pub async fn run(
    loaded: Arc<Loaded>,
    clock: Arc<dyn Clock>,
    kick: Kick,
    queued: Kick,
    mut shutdown: Shutdown,
    passes: Option<watch::Sender<(u64, SlaStats)>>,
) -> anyhow::Result<()> {
    let mut store = Store::open(&loaded.config.database)?;
    let mut n = 0u64;
    loop {
        let stats = tokio::task::block_in_place(|| pass(&loaded, &mut store, clock.as_ref()))?;
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
        n += 1;
        if let Some(p) = &passes {
            let _ = p.send((n, stats));
        }
        let wait = match next_wake(&store)? {
            Some(t) => (t - clock.now()).to_std().unwrap_or(Duration::ZERO),
            None => IDLE_WAKE,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait.min(IDLE_WAKE)) => {}
            _ = kick.wait() => {}
            _ = shutdown.wait() => return Ok(()),
        }
    }
}
