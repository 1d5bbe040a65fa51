//! `suratd sla [--json]`: each open ticket's current step against its time standard: the
//! deadline, and the time left or how long overdue, in the step's measure (working time for
//! working-time standards). Read-only.

use crate::sla::calendar::show_seconds;
use crate::sla::engine::step_clock;
use crate::store::Store;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaRow {
    pub ticket: String,
    pub state: String,
    pub rule: String,
    pub step: String,
    /// The time standard as the rule writes it.
    pub sla: String,
    /// `working` or `calendar`.
    pub measure: String,
    /// When 100 % is reached (RFC 3339), or null while paused.
    pub due_at: Option<String>,
    /// The same in the calendar's zone, for people.
    pub due_local: Option<String>,
    /// Seconds left in the step's measure; negative when overdue.
    pub left_seconds: i64,
    pub paused: bool,
    pub overdue: bool,
}

/// The report at the daemon's clock (see [`crate::clock::from_env`]).
pub fn report(loaded: &crate::daemon::Loaded, store: &Store) -> anyhow::Result<Vec<SlaRow>> {
    let now = crate::clock::from_env().now();
    let cal = &loaded.calendar;
    let mut out = Vec::new();
    for t in store.sla_tickets()? {
        let Some(c) = store.current_clock(t.id)? else {
            continue;
        };
        let sc = step_clock(&c);
        let due = sc.due(cal, 100);
        let left = sc.left(cal, now);
        out.push(SlaRow {
            ticket: t.number.clone(),
            state: t.state.to_string(),
            rule: t.rule_id.clone().unwrap_or_default(),
            step: c.step.clone(),
            sla: c.sla.clone(),
            measure: c.measure.clone(),
            due_at: due.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            due_local: due.map(|d| cal.show(d)),
            left_seconds: left,
            paused: sc.running_since.is_none(),
            overdue: left < 0,
        });
    }
    Ok(out)
}

pub fn sla(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = crate::daemon::load(config).map_err(|diags| {
        for d in &diags {
            eprint!("{d}");
        }
        anyhow::anyhow!("cannot load the configuration (see `suratd check`)")
    })?;
    if !loaded.config.database.exists() {
        anyhow::bail!(
            "no database at {} yet (hint: run `suratd run --once` first)",
            loaded.config.database.display()
        );
    }
    let store = Store::open_read_only(&loaded.config.database)?;
    let rows = report(&loaded, &store)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<18} {:<16} {:<16} {:<22} {:<22} LEFT",
        "TICKET", "STATE", "SOP", "STEP", "SLA", "DUE"
    );
    for r in &rows {
        let when = if r.paused {
            "paused (waiting on the requester)".to_string()
        } else if r.overdue {
            format!("OVERDUE {}", show_seconds(-r.left_seconds))
        } else {
            show_seconds(r.left_seconds)
        };
        let unit = if r.measure == "working" && !r.paused {
            " (working time)"
        } else {
            ""
        };
        println!(
            "{:<16} {:<18} {:<16} {:<16} {:<22} {:<22} {when}{unit}",
            r.ticket,
            r.state,
            r.rule,
            r.step,
            r.sla,
            r.due_local.as_deref().unwrap_or("-"),
        );
    }
    println!("{} open step(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}
