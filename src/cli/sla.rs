//! `suratd sla [--json]`: each open ticket's current step against its time standard: the
//! deadline, and the time left or how long overdue, in the step's measure (working time for
//! working-time standards). Read-only.

use crate::sla::calendar::show_seconds;
use crate::store::Store;
use std::path::Path;
use std::process::ExitCode;

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
    let now = crate::clock::from_env().now();
    let rows = crate::sla::overview::rows(&store, &loaded.rules, &loaded.calendar, now)?;
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
