//! Where every open step stands against its time standard: what `suratd sla` prints and
//! what the digest and the weekly report list. Read-only.

use super::calendar::{show_seconds, Calendar};
use super::engine::step_clock;
use crate::outbound::context::SlaLine;
use crate::rules::RuleSet;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One open step.
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
    /// The role acting at the step (empty when the rule is gone).
    #[serde(skip)]
    pub actor: String,
}

/// Every open step at `now`, in ticket order.
pub fn rows(
    store: &Store,
    rules: &RuleSet,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<Vec<SlaRow>, StoreError> {
    let mut out = Vec::new();
    for t in store.sla_tickets()? {
        let Some(c) = store.current_clock(t.id)? else {
            continue;
        };
        let sc = step_clock(&c);
        let due = sc.due(cal, 100);
        let left = sc.left(cal, now);
        let actor = t
            .rule_id
            .as_deref()
            .and_then(|id| rules.get(id))
            .and_then(|r| r.steps.iter().find(|s| s.id == c.step))
            .map(|s| s.actor.clone())
            .unwrap_or_default();
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
            actor,
        });
    }
    Ok(out)
}

impl SlaRow {
    /// The row as template variables.
    pub fn line(&self, rules: &RuleSet) -> SlaLine {
        let rule = rules.get(&self.rule);
        let step = rule.and_then(|r| r.steps.iter().find(|s| s.id == self.step));
        SlaLine {
            ticket: self.ticket.clone(),
            sop: rule.map(|r| r.name.clone()).unwrap_or_default(),
            step: step.map_or_else(|| self.step.clone(), |s| s.title.clone()),
            standard: self.sla.clone(),
            actor: self.actor.clone(),
            due: self.due_local.clone().unwrap_or_default(),
            level: String::new(),
            left: if self.left_seconds > 0 {
                show_seconds(self.left_seconds)
            } else {
                String::new()
            },
            overdue: if self.overdue {
                show_seconds(-self.left_seconds)
            } else {
                String::new()
            },
        }
    }
}
