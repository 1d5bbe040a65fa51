//! Who an SLA alert goes to.
//!
//! - A **reminder** goes to whoever acts at the step: the assigned staff member when the work
//!   was assigned, otherwise every person holding the step's `actor` role.
//! - **Escalations** climb the rule's `escalation` list of roles (e.g. `["kabag",
//!   "pimpinan"]`), read as the chain *above* the actor: the first escalation goes to the
//!   first role above the step's actor, the second to the one above that. When the actor is
//!   itself in the list, the chain starts after it. Past the top of the chain, escalations
//!   go to the top role again (nobody is above it). A rule without `escalation` escalates to
//!   `pimpinan`. People are found by role in daemon.toml's `[[person]]` entries.

use crate::config::{Config, Person};
use crate::rules::{Rule, Step};

/// The role an alert is for, and its holders.
pub type Recipients = (String, Vec<Person>);

pub fn actors(config: &Config, step: &Step, assignee: Option<&str>) -> Recipients {
    if let Some(a) = assignee.filter(|a| !a.trim().is_empty()) {
        let person = config.person(a).cloned().unwrap_or_else(|| Person {
            name: a.to_string(),
            email: a.to_string(),
            roles: Vec::new(),
            aliases: Vec::new(),
            language: None,
        });
        return (step.actor.clone(), vec![person]);
    }
    let people = config.people_with_role(&step.actor).cloned().collect();
    (step.actor.clone(), people)
}

/// The roles above the step's actor, nearest first.
pub fn above(rule: &Rule, step: &Step) -> Vec<String> {
    let list: Vec<String> = if rule.escalation.is_empty() {
        vec!["pimpinan".to_string()]
    } else {
        rule.escalation.clone()
    };
    let after = list
        .iter()
        .position(|r| r.eq_ignore_ascii_case(&step.actor))
        .map_or(0, |i| i + 1);
    let mut up: Vec<String> = list[after..].to_vec();
    if up.is_empty() {
        // The actor is the top of the chain: escalations stay with the top role.
        up.push(list.last().cloned().unwrap_or_else(|| step.actor.clone()));
    }
    up
}

/// Escalation number `rank` (1 = the first).
pub fn escalation(config: &Config, rule: &Rule, step: &Step, rank: u32) -> Recipients {
    let up = above(rule, step);
    let i = (rank.max(1) as usize - 1).min(up.len() - 1);
    let role = up[i].clone();
    let people = config.people_with_role(&role).cloned().collect();
    (role, people)
}
