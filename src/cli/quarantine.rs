//! `suratd quarantine` and `suratd replay ID`: the messages that ended as triage (no rule
//! claimed them, or they could not be read), and processing one again with the current
//! rules after a fix. Replay writes only through the pipeline's one transaction and records
//! a `replayed` event; see [`crate::pipeline::Pipeline::replay`].

use crate::pipeline::{Pipeline, Replayed};
use crate::store::{MessageRowId, Store};
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

/// One line of the listing: the stored row plus what its header says.
#[derive(Debug, Serialize)]
struct Entry {
    #[serde(flatten)]
    row: crate::store::quarantine::QuarantineRow,
    /// The letter's Date header (RFC 3339), when readable.
    date: Option<String>,
    from: Option<String>,
    subject: Option<String>,
}

pub fn list(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = super::tickets::load_config(config)?;
    let store = super::tickets::open_store(&cfg)?;
    let mut entries = Vec::new();
    for row in store.quarantine()? {
        let raw = store.raw(row.id)?.unwrap_or_default();
        let (date, from, subject) = match crate::parse::parse(&raw, &cfg.limits) {
            Ok(m) => (
                m.date.map(|d| d.to_rfc3339()),
                m.from.map(|a| a.normalized()),
                Some(m.subject),
            ),
            Err(_) => (None, None, None),
        };
        entries.push(Entry {
            row,
            date,
            from,
            subject,
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<6} {:<25} {:<16} {:<10} {:<30} {:<40} REASON",
        "ID", "DATE", "TICKET", "STATE", "FROM", "SUBJECT"
    );
    for e in &entries {
        println!(
            "{:<6} {:<25} {:<16} {:<10} {:<30} {:<40} {}",
            e.row.id.0,
            e.date.as_deref().unwrap_or(&e.row.stored_at),
            e.row.ticket.as_deref().unwrap_or("-"),
            e.row.ticket_state.as_deref().unwrap_or("-"),
            e.from.as_deref().unwrap_or("-"),
            e.subject
                .as_deref()
                .unwrap_or("(unreadable)")
                .chars()
                .take(40)
                .collect::<String>(),
            e.row.reason.as_deref().unwrap_or("")
        );
    }
    println!("{} message(s) in quarantine", entries.len());
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 when the message was promoted to a request or still reads as triage (nothing to
/// fix), 1 when it is not in quarantine or does not exist.
pub fn replay(config: &Path, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = super::load_or_report(config)?;
    let mut store = Store::open(&loaded.config.database)?;
    let pipeline = Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: &crate::clock::SystemClock,
    };
    let result = pipeline.replay(&mut store, MessageRowId(id))?;
    tracing::info!(message.id = id, result = ?result, "replayed");
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        match &result {
            Replayed::Promoted {
                ticket,
                rule,
                state,
                emails_queued,
            } => println!(
                "message {id}: ticket {ticket} is now a request of {rule} ({state}); {emails_queued} email(s) queued"
            ),
            Replayed::StillTriage { ticket, reason } => {
                println!("message {id}: still triage ({reason}); ticket {ticket} unchanged")
            }
            Replayed::NotApplied {
                ticket,
                kind,
                reason,
            } => println!(
                "message {id}: now reads as {kind} ({reason}); nothing applied, handle ticket {ticket} by hand"
            ),
            Replayed::NotQuarantined { outcome } => {
                eprintln!("message {id} is not in quarantine ({outcome}); nothing done")
            }
            Replayed::NoSuchMessage => eprintln!("error: no message {id}"),
        }
    }
    Ok(match result {
        Replayed::NotQuarantined { .. } | Replayed::NoSuchMessage => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}
