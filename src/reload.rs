//! Hot reload of daemon.toml, the rule files and the templates while `suratd run` runs.
//!
//! The watcher polls: every [`POLL`] it hashes the name and bytes of daemon.toml and of every
//! file in the rules and templates directories (a few dozen small files; no new dependency,
//! and it works the same on every file system, network mounts included, where change
//! notification does not). A change is applied once the hash has stayed the same for one more
//! poll (debounce: an editor's save in several writes, or a `cp` of many files, is one reload).
//!
//! A reload reads daemon.toml, then loads templates, rules and the working-time calendar
//! (rules/calendar.toml) exactly as `suratd check` does. What the running services were
//! started with stays until a restart ([`keep_restart_only`]: the database, the sources, the
//! outbox, the poll interval, the rules and templates directories, the helpdesk address), and
//! the log says which of those an edit changed; the rest (people and roles, `[answers]`,
//! `[limits]`, `[security]`, `[cron]`, the helpdesk's name and admin, language, time zone,
//! ticket prefix) is in force from the next pass. If everything loads, the processor and the SLA
//! service use the new set from their next pass on; a pass under way finishes with the old.
//! If anything is broken, nothing changes: the rules in force stay, every problem is logged
//! with its file:line, and the `[helpdesk] admin` address gets one email per distinct broken
//! state (queued in the outbox like every email, so it survives restarts and outages).
//!
//! The same poll notices commits by other processes: a decision with `suratd approve|reject`,
//! a `suratd replay`. It reads SQLite's `PRAGMA data_version` on its own connection, a number
//! that changes whenever another connection has committed; when it changed it kicks the
//! processor, the outbox and the SLA service, so the new step's clock, its alerts and the
//! staff's task email follow within a poll (0.5 s) instead of at the daemon's next wake. The
//! daemon's own connections change it too (the watcher cannot tell them apart), so while the
//! daemon writes, the services get at most two extra kicks a second; a kick with nothing to
//! do only reads, commits nothing, and so does not feed itself.

use crate::clock::Clock;
use crate::config::Config;
use crate::daemon::Loaded;
use crate::diag::Diagnostic;
use crate::lifecycle::{Kick, Shutdown};
use crate::outbound::compose;
use crate::store::{NewEmail, Store};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often the watched files are looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// The configuration, rules and templates in force, swapped whole by a reload.
#[derive(Debug, Clone)]
pub struct Current(Arc<RwLock<Arc<Loaded>>>);

impl Current {
    pub fn new(loaded: Arc<Loaded>) -> Current {
        Current(Arc::new(RwLock::new(loaded)))
    }

    /// The set in force now (kept by the caller for the whole of one message or pass).
    pub fn get(&self) -> Arc<Loaded> {
        Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn set(&self, loaded: Loaded) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded);
    }
}

/// A hash of the name and bytes of every file directly in the directories of `paths`, and of
/// the other paths themselves (unreadable files count by name with their error, so they change
/// the hash when they become readable, or when they vanish).
pub fn fingerprint(paths: &[PathBuf]) -> String {
    let mut files: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| match std::fs::read_dir(p) {
            Ok(dir) => dir
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect(),
            Err(_) => vec![p.clone()],
        })
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let name = f.to_string_lossy();
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        match std::fs::read(f) {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(e) => h.update(e.to_string().as_bytes()),
        }
    }
    crate::store::hex(&h.finalize())
}

fn watched(loaded: &Loaded) -> Vec<PathBuf> {
    vec![
        loaded.config.file.clone(),
        loaded.config.rules_dir.clone(),
        loaded.config.templates_dir.clone(),
    ]
}

/// Puts back into `new` what the running services were started with and only a restart
/// changes; names what the edit changed there (as daemon.toml names it).
pub fn keep_restart_only(old: &Config, new: &mut Config) -> Vec<&'static str> {
    let mut kept = Vec::new();
    macro_rules! keep {
        ($($field:ident).+, $name:literal) => {
            if old.$($field).+ != new.$($field).+ {
                new.$($field).+ = old.$($field).+.clone();
                kept.push($name);
            }
        };
    }
    keep!(database, "[daemon] database");
    keep!(rules_dir, "[daemon] rules");
    keep!(templates_dir, "[daemon] templates");
    keep!(poll_seconds, "[daemon] poll-seconds");
    keep!(helpdesk.address, "[helpdesk] address");
    keep!(sources, "[[source]]");
    keep!(outbox, "[outbox]");
    if kept.contains(&"[helpdesk] address") {
        // Message-IDs are made under the address's domain.
        new.helpdesk.domain = old.helpdesk.domain.clone();
    }
    kept
}

/// The watcher service: until shutdown, reloads when the watched files change. Kicks the
/// outbox (`queued`) when it emailed the admin, and the SLA service (`tracked`) after each
/// attempt, so a new calendar or rule's clocks apply at once. Kicks all three services
/// (`stored` is the processor's) when another connection committed to the database.
pub async fn watch(
    current: Current,
    clock: Arc<dyn Clock>,
    [queued, tracked, stored]: [Kick; 3],
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    let dirs = watched(&current.get());
    let db = Store::open_light(&current.get().config.database)?;
    let mut version = db.data_version()?;
    let mut applied = tokio::task::block_in_place(|| fingerprint(&dirs));
    let mut seen = applied.clone();
    tracing::info!(poll_ms = POLL.as_millis() as u64, paths = ?dirs, "watching daemon.toml, rules and templates (and the database) for changes");
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.wait() => return Ok(()),
        }
        let now_version = db.data_version()?;
        if now_version != version {
            version = now_version;
            tracing::debug!("the database changed: waking the processor, outbox and SLA");
            stored.kick();
            queued.kick();
            tracked.kick();
        }
        let now = tokio::task::block_in_place(|| fingerprint(&dirs));
        let settled = now == seen;
        seen = now.clone();
        if now == applied || !settled {
            continue;
        }
        applied = now;
        let emailed = tokio::task::block_in_place(|| reload(&current, &applied, clock.as_ref()))?;
        if emailed {
            queued.kick();
        }
        tracked.kick();
    }
}

/// Loads daemon.toml, the rules and the templates again; puts them in force or reports why
/// not. True when an email to the admin was queued.
pub fn reload(current: &Current, fingerprint: &str, clock: &dyn Clock) -> anyhow::Result<bool> {
    let old = current.get();
    let loaded = crate::config::load(&old.config.file).and_then(|mut config| {
        let kept = keep_restart_only(&old.config, &mut config);
        crate::daemon::load_with(config).map(|new| (new, kept))
    });
    match loaded {
        Ok((new, kept)) => {
            for w in &new.warnings {
                tracing::warn!(at = %w.headline(), "after reload");
            }
            if !kept.is_empty() {
                tracing::warn!(
                    file = %crate::diag::display_path(&new.config.file),
                    changed = %kept.join(", "),
                    "these daemon.toml changes need a restart: the running ones stay until then"
                );
            }
            tracing::info!(
                rules = new.rules.rules.len(),
                templates = new.templates.names().len(),
                people = new.config.people.len(),
                "daemon.toml, rules and templates reloaded"
            );
            current.set(new);
            Ok(false)
        }
        Err(diags) => {
            for d in diags.iter().filter(|d| d.is_error()) {
                tracing::error!(at = %d.headline(), "broken edit");
            }
            tracing::error!(
                problems = diags.iter().filter(|d| d.is_error()).count(),
                "reload refused: the configuration, rules and templates in force stay as they were"
            );
            notify_admin(&old, fingerprint, &diags, clock)
        }
    }
}

fn notify_admin(
    loaded: &Loaded,
    fingerprint: &str,
    diags: &[Diagnostic],
    clock: &dyn Clock,
) -> anyhow::Result<bool> {
    let cfg = &loaded.config;
    let Some(admin) = &cfg.helpdesk.admin else {
        tracing::warn!(
            "no [helpdesk] admin address in daemon.toml: nobody is emailed about the broken edit"
        );
        return Ok(false);
    };
    let problems: String = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    let body = format!(
        "Perubahan pada daemon.toml, aturan atau templat suratd ditolak; yang lama tetap berlaku.\n\
         Perbaiki masalah berikut, lalu periksa dengan `suratd check`.\n\n\
         The edit to suratd's daemon.toml, rules or templates was refused; the old ones stay in force.\n\
         Fix the problems below and check with `suratd check`.\n\n{problems}"
    );
    let subject = "Perubahan aturan ditolak / Broken edit refused";
    let key = &fingerprint[..16.min(fingerprint.len())];
    let message_id = compose::message_id("suratd", &format!("reload-{key}"), &cfg.helpdesk.domain);
    let raw = compose::build(&compose::Outgoing {
        from_name: &cfg.helpdesk.name,
        from_address: &cfg.helpdesk.address,
        to_name: None,
        to_address: admin,
        message_id: &message_id,
        ticket: "suratd",
        subject,
        body: &body,
        in_reply_to: None,
        references: &[],
        date: clock.now(),
        reply_to: None,
        token: None,
    })?;
    let mut store = Store::open(&cfg.database)?;
    let queued = store.transaction(|tx| {
        tx.queue_email(
            &NewEmail {
                dedupe_key: &format!("reload:{fingerprint}"),
                ticket: None,
                message_id: &message_id,
                template: "reload-error",
                recipients: std::slice::from_ref(admin),
                subject: &compose::tagged_subject("suratd", subject),
                raw: &raw,
            },
            clock.now(),
        )
    })?;
    if queued {
        tracing::info!(to = %admin, "the admin is emailed about the broken edit");
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_follows_names_and_bytes_not_times() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dirs = vec![dir.path().to_path_buf()];
        let empty = fingerprint(&dirs);
        std::fs::write(dir.path().join("a.toml"), "x = 1\n").expect("w");
        let one = fingerprint(&dirs);
        assert_ne!(empty, one);
        std::fs::write(dir.path().join("a.toml"), "x = 1\n").expect("w");
        assert_eq!(
            one,
            fingerprint(&dirs),
            "rewriting the same bytes is no change"
        );
        std::fs::write(dir.path().join("a.toml"), "x = 2\n").expect("w");
        assert_ne!(one, fingerprint(&dirs));
        std::fs::rename(dir.path().join("a.toml"), dir.path().join("b.toml")).expect("mv");
        let renamed = fingerprint(&dirs);
        std::fs::write(dir.path().join("b.toml"), "x = 2\n").expect("w");
        assert_eq!(renamed, fingerprint(&dirs));
        assert_ne!(renamed, empty);
    }

    /// A daemon.toml edit keeps what the services were started with and applies the rest.
    #[test]
    fn an_edit_keeps_what_only_a_restart_changes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("daemon.toml");
        let old = crate::config::load(&path).expect("shipped daemon.toml");
        let mut new = old.clone();
        new.poll_seconds += 1;
        new.outbox = crate::config::OutboxConfig::File {
            dir: "/elsewhere".into(),
        };
        new.helpdesk.name = "Layanan TIK".into();
        new.people.pop();
        let kept = keep_restart_only(&old, &mut new);
        assert_eq!(kept, ["[daemon] poll-seconds", "[outbox]"]);
        assert_eq!(new.poll_seconds, old.poll_seconds);
        assert_eq!(new.outbox, old.outbox);
        assert_eq!(new.helpdesk.name, "Layanan TIK");
        assert_eq!(new.people.len() + 1, old.people.len());
        let mut same = old.clone();
        assert!(keep_restart_only(&old, &mut same).is_empty());
    }
}
