//! `suratd tickets [NUMBER]` and `suratd messages`: what the store holds, read-only.

use crate::store::Store;
use std::path::Path;
use std::process::ExitCode;

fn open(config: &Path) -> anyhow::Result<Store> {
    open_store(&load_config(config)?)
}

pub(super) fn load_config(config: &Path) -> anyhow::Result<crate::config::Config> {
    crate::config::load(config).map_err(|diags| {
        for d in &diags {
            eprint!("{d}");
        }
        anyhow::anyhow!("cannot read the configuration")
    })
}

pub(super) fn open_store(cfg: &crate::config::Config) -> anyhow::Result<Store> {
    if !cfg.database.exists() {
        anyhow::bail!(
            "no database at {} yet (hint: run `suratd run --once` first)",
            cfg.database.display()
        );
    }
    Ok(Store::open_read_only(&cfg.database)?)
}

pub fn tickets(config: &Path, number: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let store = open(config)?;
    if let Some(n) = number {
        let Some(t) = store.ticket_by_number(n)? else {
            eprintln!("error: no ticket {n}");
            return Ok(ExitCode::from(1));
        };
        let events = store.events(Some(t.id))?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "ticket": t, "events": events })
                )?
            );
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{}  {}  {}",
            t.number,
            t.state,
            t.rule_id.as_deref().unwrap_or("(triage)")
        );
        println!(
            "  requester: {} <{}>",
            t.requester_name.as_deref().unwrap_or(""),
            t.requester.as_deref().unwrap_or("")
        );
        println!("  subject:   {}", t.subject);
        if let Some(r) = &t.triage_reason {
            println!("  triage:    {r}");
        }
        if let Some(fields) = t.fields.as_object() {
            for (k, v) in fields {
                println!(
                    "  {k:<14} {}",
                    v.get("value").and_then(|v| v.as_str()).unwrap_or("")
                );
            }
        }
        if t.missing.as_array().is_some_and(|a| !a.is_empty()) {
            println!("  missing:   {}", t.missing);
        }
        println!("events:");
        for e in events {
            println!("  {}  {:<16} {}", e.at, e.kind, e.detail);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let all = store.tickets()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<19} {:<16} {:<24} {:<34} SUBJECT",
        "TICKET", "STATE", "SOP", "MISSING", "REQUESTER"
    );
    for t in &all {
        let mut gaps: Vec<String> = t
            .missing
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let invalid = t.invalid.as_array().map_or(0, Vec::len);
        if invalid > 0 {
            gaps.push(format!("{invalid} invalid"));
        }
        let gaps = if gaps.is_empty() {
            "-".to_string()
        } else {
            gaps.join(",")
        };
        println!(
            "{:<16} {:<19} {:<16} {:<24} {:<34} {}",
            t.number,
            t.state.as_str(),
            t.rule_id.as_deref().unwrap_or("-"),
            gaps,
            t.requester.as_deref().unwrap_or("-"),
            t.subject.chars().take(50).collect::<String>()
        );
    }
    println!("{} ticket(s)", all.len());
    Ok(ExitCode::SUCCESS)
}

pub fn messages(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let store = open(config)?;
    let all = store.messages()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<6} {:<8} {:<11} {:<16} DETAIL",
        "ID", "STATE", "OUTCOME", "TICKET"
    );
    for m in &all {
        println!(
            "{:<6} {:<8} {:<11} {:<16} {}",
            m.id.0,
            m.state,
            m.outcome.as_deref().unwrap_or("-"),
            m.ticket.as_deref().unwrap_or("-"),
            m.outcome_detail.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `suratd render TEMPLATE --ticket N [--lang id|en]`.
pub fn render(
    config: &Path,
    template: &str,
    number: &str,
    lang: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let loaded = super::load_or_report(config)?;
    let store = open(config)?;
    let Some(row) = store.ticket_by_number(number)? else {
        eprintln!("error: no ticket {number}");
        return Ok(ExitCode::from(1));
    };
    let pipeline = crate::pipeline::Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: &crate::clock::SystemClock,
    };
    match pipeline.render_for_ticket(template, &row, lang) {
        Ok(r) => {
            println!("Subject: {}\n\n{}", r.subject, r.body);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!(
                "error: {e} (hint: templates: {})",
                loaded
                    .templates
                    .names()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::from(1))
        }
    }
}
