//! `suratd approve|reject TICKET --as PERSON`: a leader's decision given on the command line
//! instead of by reply. Recorded exactly like one by email (the same engine, the same events
//! with the person as actor, via "cli"), and refused unless PERSON holds the rule's approver
//! role and the ticket waits for that decision.

use crate::pipeline::{Pipeline, PipelineError, ProcessStats, Via};
use crate::store::Store;
use crate::workflow::disposition::Answer;
use crate::workflow::TicketState;
use std::path::Path;
use std::process::ExitCode;

pub fn decide(
    config: &Path,
    number: &str,
    as_person: &str,
    answer: Answer,
) -> anyhow::Result<ExitCode> {
    let loaded = super::load_or_report(config)?;
    let cfg = &loaded.config;
    let refuse = |why: String| -> anyhow::Result<ExitCode> {
        eprintln!("refused: {why}");
        Ok(ExitCode::from(1))
    };
    let Some(person) = cfg.person(as_person) else {
        return refuse(format!(
            "no [[person]] in daemon.toml is named \"{as_person}\""
        ));
    };
    let mut store = Store::open(&cfg.database)?;
    let Some(row) = store.ticket_by_number(number)? else {
        return refuse(format!("no ticket {number}"));
    };
    let Some(rule) = row.rule_id.as_deref().and_then(|id| loaded.rules.get(id)) else {
        return refuse(format!("ticket {number} has no rule"));
    };
    let step = row
        .step
        .as_deref()
        .and_then(|s| rule.steps.iter().find(|x| x.id == s));
    let Some(step) = step.filter(|s| {
        row.state == TicketState::AwaitingApproval && s.kind == crate::rules::StepKind::Disposition
    }) else {
        return refuse(format!(
            "ticket {number} is {} at step {}: it does not wait for a decision",
            row.state,
            row.step.as_deref().unwrap_or("-")
        ));
    };
    let role = rule.approver.clone().unwrap_or_else(|| step.actor.clone());
    if !person.roles.iter().any(|r| r.eq_ignore_ascii_case(&role)) {
        return refuse(format!(
            "{} <{}> does not hold the role \"{role}\" that decides {number}",
            person.name, person.email
        ));
    }
    // The system clock (debug builds: SURATD_CLOCK_START, like the daemon's).
    let clock = crate::clock::from_env();
    let pipeline = Pipeline {
        config: cfg,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: clock.as_ref(),
    };
    let now = clock.now();
    let mut stats = ProcessStats::default();
    let via = Via {
        actor: &person.email,
        channel: "cli",
        message: None,
    };
    let step_id = step.id.clone();
    let outcome = store.transaction(|tx| -> Result<_, PipelineError> {
        pipeline.apply_answer(tx, row.id, &step_id, None, &answer, via, now, &mut stats)
    })?;
    if let Err((kind, why)) = outcome {
        return refuse(format!("{kind}: {why}"));
    }
    let after = store.ticket_by_number(number)?.map(|t| t.state.to_string());
    println!(
        "{number}: decided by {} via cli; now {}; {} email(s) queued",
        person.name,
        after.unwrap_or_default(),
        stats.emails_queued
    );
    Ok(ExitCode::SUCCESS)
}
