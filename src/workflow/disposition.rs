//! The disposition loop, pure: a complete request goes to the leader(s) holding the rule's
//! `approver` role with a token; their decision sends the task (with its own token) to staff,
//! or the rejection to the requester; the staff member's completion notifies the requester
//! (then the feedback request and the reply letter where the SOP has them). An unclear answer
//! asks the person again and changes nothing.
//!
//! Tokens are asked for, not made, here ([`Action::SendEmail::token`]): the pipeline issues
//! and stores them in the transaction that queues the email.

use super::{Action, EventRecord, Recipient, TicketState, TokenFor, Transition};
use crate::config::Person;
use crate::rules::{Extraction, Rule, Step, StepKind};
use chrono::{DateTime, Duration, Utc};

/// A work step listing this output grants access for a limited time (the webservice SOP:
/// one year). suratd fills it when the staff member's reply does not.
pub const ACCESS_OUTPUT: &str = "masa_akses";
/// How long access granted by a work step with [`ACCESS_OUTPUT`] lasts.
pub const ACCESS_DAYS: i64 = 365;

/// Output names whose values are secrets: sent once, stored as `***`.
pub fn is_secret_output(name: &str) -> bool {
    let n = name.to_lowercase();
    ["password", "sandi", "pin", "kata_sandi"]
        .iter()
        .any(|s| n.contains(s))
}

/// What a leader's or staff member's reply says, as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Approve {
        staff: Option<String>,
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
    /// The work is done, with its outputs.
    Done {
        outputs: Vec<(String, String)>,
        /// Outputs that are secrets (besides those [`is_secret_output`] recognises).
        secret: Vec<String>,
    },
    /// The staff member says the work is not done yet, and why.
    NotDone {
        reason: String,
    },
    Unclear {
        why: String,
    },
}

/// An output line of the work, as the requester's email shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputValue {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// The engine's answer for a decision or completion: the transition, plus what the ticket
/// keeps beside its state.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub transition: Transition,
    /// Whether the token that carried the answer is now spent (false for an unclear answer).
    pub spends_token: bool,
    /// The staff member's address, when assigned now.
    pub assignee: Option<String>,
    /// The work's outputs (clear text: the pipeline redacts secrets before storing).
    pub outputs: Vec<OutputValue>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// The reason of a rejection, or why an answer was unclear.
    pub reason: Option<String>,
}

fn step_applies(step: &Step, ex: &Extraction) -> bool {
    step.when.as_ref().is_none_or(|w| w.holds(ex))
}

fn has_role(p: &Person, role: &str) -> bool {
    p.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
}

fn find_step<'r>(rule: &'r Rule, ex: &Extraction, kind: StepKind) -> Option<&'r Step> {
    rule.steps
        .iter()
        .find(|s| s.kind == kind && step_applies(s, ex))
}

fn email_to(template: &str, p: &Person, key: String, token_step: Option<&str>) -> Action {
    Action::SendEmail {
        template: template.to_string(),
        to: Recipient::Person {
            address: p.email.clone(),
            name: p.name.clone(),
        },
        key,
        token: token_step.map(|s| TokenFor {
            step: s.to_string(),
            holder: p.email.clone(),
        }),
    }
}

/// A ticket that has just become complete (`t.state == Open`): when the rule has a
/// disposition step, ask for it. Otherwise `t` is returned unchanged.
pub fn ask_disposition(
    rule: &Rule,
    ex: &Extraction,
    people: &[Person],
    mut t: Transition,
) -> Transition {
    if t.state != TicketState::Open {
        return t;
    }
    let Some(step) = find_step(rule, ex, StepKind::Disposition) else {
        return t;
    };
    let role = rule.approver.clone().unwrap_or_else(|| step.actor.clone());
    let approvers: Vec<&Person> = people.iter().filter(|p| has_role(p, &role)).collect();
    if approvers.is_empty() {
        t.events.push(EventRecord {
            kind: "disposition_not_sent",
            detail: serde_json::json!({
                "step": step.id,
                "reason": format!("no [[person]] in daemon.toml holds the role \"{role}\""),
            }),
        });
        return t;
    }
    let template = step.template.as_deref().unwrap_or("disposisi");
    for p in &approvers {
        t.actions.push(email_to(
            template,
            p,
            format!("{}-{}", step.id, p.email),
            Some(&step.id),
        ));
    }
    t.events.push(EventRecord {
        kind: "disposition_requested",
        detail: serde_json::json!({
            "step": step.id,
            "role": role,
            "to": approvers.iter().map(|p| &p.email).collect::<Vec<_>>(),
        }),
    });
    t.state = TicketState::AwaitingApproval;
    t.step = Some(step.id.clone());
    t
}

/// Where the ticket is, for an answer.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub state: TicketState,
    pub step: Option<&'a str>,
    pub now: DateTime<Utc>,
    /// Names this answer (the message's id) so the emails it causes are queued once.
    pub key: &'a str,
}

/// Whether a ticket waits for an answer at `step` (the step a token is bound to).
pub fn awaits(rule: &Rule, at: &At<'_>, step: &str) -> bool {
    let Some(s) = rule.steps.iter().find(|s| s.id == step) else {
        return false;
    };
    at.step == Some(step)
        && match s.kind {
            StepKind::Disposition => at.state == TicketState::AwaitingApproval,
            StepKind::Work => at.state == TicketState::InProgress,
            _ => false,
        }
}

fn unclear(at: &At<'_>, by: &Person, why: String, step: &str) -> Progress {
    Progress {
        transition: Transition {
            state: at.state,
            step: None,
            // A fresh token for the same step and person: only hashes are stored, so the
            // first one cannot be shown again. Both stay valid; the decision retires both.
            actions: vec![email_to(
                "klarifikasi",
                by,
                format!("klarifikasi-{}", at.key),
                Some(step),
            )],
            events: vec![EventRecord {
                kind: "answer_unclear",
                detail: serde_json::json!({ "by": by.email, "step": step, "why": why }),
            }],
        },
        spends_token: false,
        assignee: None,
        outputs: Vec::new(),
        access_expires_at: None,
        reason: Some(why),
    }
}

fn progress(transition: Transition) -> Progress {
    Progress {
        transition,
        spends_token: true,
        assignee: None,
        outputs: Vec::new(),
        access_expires_at: None,
        reason: None,
    }
}

/// The answer of `by` (the person the token is bound to) to the step `step` of the ticket.
/// The caller has checked the token, the sender and [`awaits`].
pub fn on_answer(
    rule: &Rule,
    ex: &Extraction,
    people: &[Person],
    at: &At<'_>,
    step: &str,
    by: &Person,
    answer: &Answer,
) -> Progress {
    let kind = rule.steps.iter().find(|s| s.id == step).map(|s| s.kind);
    match (kind, answer) {
        (_, Answer::Unclear { why }) => unclear(at, by, why.clone(), step),
        (Some(StepKind::Disposition), Answer::Approve { staff, note }) => approve(
            rule,
            ex,
            people,
            at,
            step,
            by,
            staff.as_deref(),
            note.as_deref(),
        ),
        (Some(StepKind::Disposition), Answer::Reject { reason }) => {
            let mut p = progress(Transition {
                state: TicketState::Rejected,
                step: Some(step.to_string()),
                actions: vec![Action::SendEmail {
                    template: "penolakan".into(),
                    to: Recipient::Requester,
                    key: "penolakan".into(),
                    token: None,
                }],
                events: vec![EventRecord {
                    kind: "rejected",
                    detail: serde_json::json!({ "by": by.email, "step": step, "reason": reason }),
                }],
            });
            p.reason = Some(reason.clone());
            p
        }
        (Some(StepKind::Work), Answer::Done { outputs, secret }) => {
            done(rule, ex, at, step, by, outputs, secret)
        }
        (Some(StepKind::Work), Answer::NotDone { reason }) => {
            // Recorded; the task stays open and its token unspent.
            let mut p = unclear(at, by, reason.clone(), step);
            p.transition.actions.clear();
            p.transition.events = vec![EventRecord {
                kind: "work_not_done",
                detail: serde_json::json!({ "by": by.email, "step": step, "reason": reason }),
            }];
            p
        }
        (Some(StepKind::Disposition), Answer::Done { .. }) => unclear(
            at,
            by,
            "a disposition is answered with SETUJU or TOLAK, not SELESAI".into(),
            step,
        ),
        (_, _) => unclear(
            at,
            by,
            "a task is closed with SELESAI and its results, not with a decision".into(),
            step,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn approve(
    rule: &Rule,
    ex: &Extraction,
    people: &[Person],
    at: &At<'_>,
    step: &str,
    by: &Person,
    staff: Option<&str>,
    note: Option<&str>,
) -> Progress {
    let mut events = vec![EventRecord {
        kind: "approved",
        detail: serde_json::json!({ "by": by.email, "step": step, "staff": staff, "note": note }),
    }];
    let after = rule.steps.iter().position(|s| s.id == step).unwrap_or(0);
    let work = rule
        .steps
        .iter()
        .skip(after + 1)
        .find(|s| s.kind == StepKind::Work && step_applies(s, ex));
    let Some(work) = work else {
        // Nothing for staff to do: the approval completes the request.
        let mut p = finish(rule, ex, at, step, Vec::new(), events);
        p.transition.step = Some(step.to_string());
        return p;
    };
    let holders: Vec<&Person> = people.iter().filter(|p| has_role(p, &work.actor)).collect();
    let named = staff.and_then(|n| {
        let n = n.trim().to_lowercase();
        if n.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            return None;
        }
        holders
            .iter()
            .find(|p| p.name.to_lowercase() == n || p.email == n || p.aliases.contains(&n))
            .or_else(|| {
                // "Layanan TIK" for "Staf Layanan TIK"; "Andi, mohon segera" for "Andi".
                holders.iter().find(|p| {
                    let name = p.name.to_lowercase();
                    name.contains(&n) || n.contains(&name) || n.contains(&p.email)
                })
            })
            .copied()
    });
    let Some(assignee) = named.or_else(|| holders.first().copied()) else {
        events.push(EventRecord {
            kind: "task_not_sent",
            detail: serde_json::json!({
                "step": work.id,
                "reason": format!("no [[person]] in daemon.toml holds the role \"{}\"", work.actor),
            }),
        });
        let mut p = progress(Transition {
            state: TicketState::InProgress,
            step: Some(work.id.clone()),
            actions: Vec::new(),
            events,
        });
        p.transition.state = TicketState::InProgress;
        return p;
    };
    if staff.is_some() && named.is_none() {
        events.push(EventRecord {
            kind: "staff_not_found",
            detail: serde_json::json!({ "named": staff, "assigned": assignee.email }),
        });
    }
    events.push(EventRecord {
        kind: "assigned",
        detail: serde_json::json!({ "step": work.id, "to": assignee.email }),
    });
    let template = work.template.as_deref().unwrap_or("tugas");
    let mut p = progress(Transition {
        state: TicketState::InProgress,
        step: Some(work.id.clone()),
        actions: vec![email_to(
            template,
            assignee,
            format!("{}-{}", work.id, assignee.email),
            Some(&work.id),
        )],
        events,
    });
    p.assignee = Some(assignee.email.clone());
    p
}

fn done(
    rule: &Rule,
    ex: &Extraction,
    at: &At<'_>,
    step: &str,
    by: &Person,
    given: &[(String, String)],
    secret: &[String],
) -> Progress {
    let work = rule.steps.iter().find(|s| s.id == step);
    let wanted: &[String] = work.map_or(&[], |s| s.outputs.as_slice());
    // "user: …" answers an output named `user_id`: a given name that starts a wanted one.
    let canonical = |n: &str| -> String {
        wanted
            .iter()
            .find(|w| *w == n)
            .or_else(|| {
                wanted
                    .iter()
                    .find(|w| w.starts_with(&format!("{n}_")) || n.starts_with(&format!("{w}_")))
            })
            .cloned()
            .unwrap_or_else(|| n.to_string())
    };
    let mut outputs: Vec<OutputValue> = given
        .iter()
        .map(|(n, v)| OutputValue {
            name: canonical(n),
            value: v.clone(),
            secret: is_secret_output(n) || secret.contains(n),
        })
        .collect();
    let mut access = None;
    if wanted.iter().any(|w| w == ACCESS_OUTPUT) {
        let until = at.now + Duration::days(ACCESS_DAYS);
        access = Some(until);
        if !outputs.iter().any(|o| o.name == ACCESS_OUTPUT) {
            outputs.push(OutputValue {
                name: ACCESS_OUTPUT.into(),
                value: until.format("%Y-%m-%d").to_string(),
                secret: false,
            });
        }
    }
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !outputs.iter().any(|o| &o.name == *w))
        .collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return unclear(
            at,
            by,
            format!("SELESAI without {}", names.join(", ")),
            step,
        );
    }
    let events = vec![EventRecord {
        kind: "work_done",
        detail: serde_json::json!({
            "by": by.email,
            "step": step,
            "outputs": outputs.iter().map(|o| &o.name).collect::<Vec<_>>(),
        }),
    }];
    let mut p = finish(rule, ex, at, step, outputs, events);
    p.access_expires_at = access;
    p
}

/// The request is done: the notification (to the personal address of the letter for the
/// institutional-email SOP), the feedback request and the reply letter where the SOP has them.
fn finish(
    rule: &Rule,
    ex: &Extraction,
    _at: &At<'_>,
    step: &str,
    outputs: Vec<OutputValue>,
    mut events: Vec<EventRecord>,
) -> Progress {
    let after = rule.steps.iter().position(|s| s.id == step).unwrap_or(0);
    let mut actions = Vec::new();
    let mut last = step.to_string();
    for s in rule
        .steps
        .iter()
        .skip(after + 1)
        .filter(|s| step_applies(s, ex))
    {
        let (default, to) = match s.kind {
            StepKind::Notify => ("aktivasi", notify_recipient(rule, ex)),
            StepKind::Feedback => ("umpan_balik", Recipient::Requester),
            StepKind::ReplyLetter => ("balasan", Recipient::Requester),
            _ => continue,
        };
        actions.push(Action::SendEmail {
            template: s.template.clone().unwrap_or_else(|| default.into()),
            to,
            key: s.id.clone(),
            token: None,
        });
        last = s.id.clone();
    }
    events.push(EventRecord {
        kind: "resolved",
        detail: serde_json::json!({ "step": last }),
    });
    let mut p = progress(Transition {
        state: TicketState::Resolved,
        step: Some(last),
        actions,
        events,
    });
    p.outputs = outputs;
    p
}

/// The institutional-email SOP sends the new account to the personal address the letter
/// gives (`email` field); every other SOP answers the requester.
fn notify_recipient(rule: &Rule, ex: &Extraction) -> Recipient {
    if rule.id.0 == "email-institusi" {
        if let Some(v) = ex.fields.get("email") {
            return Recipient::Address {
                address: v.value.clone(),
            };
        }
    }
    Recipient::Requester
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleContext;

    fn rule(id: &str) -> Rule {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{id}.toml"));
        let text = std::fs::read_to_string(&path).expect("rule file");
        let (rule, diags) = crate::rules::load::load_str(id, &path, &text, &RuleContext::default());
        rule.unwrap_or_else(|| panic!("{diags:?}"))
    }

    fn person(name: &str, email: &str, role: &str) -> Person {
        Person {
            name: name.into(),
            email: email.into(),
            roles: vec![role.into()],
            aliases: Vec::new(),
            language: None,
        }
    }

    fn open() -> Transition {
        Transition {
            state: TicketState::Open,
            step: None,
            actions: Vec::new(),
            events: Vec::new(),
        }
    }

    fn at(state: TicketState, step: &str) -> At<'_> {
        At {
            state,
            step: Some(step),
            now: DateTime::from_timestamp(1_772_409_600, 0).expect("time"),
            key: "7",
        }
    }

    #[test]
    fn a_complete_request_goes_to_every_approver_with_a_token_or_waits_when_none() {
        let r = rule("webservice");
        let ex = Extraction::default();
        let people = [
            person("Kepala", "k@x.id", "pimpinan"),
            person("Wakil", "w@x.id", "pimpinan"),
            person("Staf", "s@x.id", "staf"),
        ];
        let t = ask_disposition(&r, &ex, &people, open());
        assert_eq!(t.state, TicketState::AwaitingApproval);
        assert_eq!(t.step.as_deref(), Some("disposisi"));
        assert_eq!(t.actions.len(), 2);
        assert!(t.actions.iter().all(|a| matches!(a,
            Action::SendEmail { token: Some(tf), .. } if tf.step == "disposisi")));
        let t = ask_disposition(&r, &ex, &people[2..], open());
        assert_eq!(t.state, TicketState::Open);
        assert_eq!(t.events[0].kind, "disposition_not_sent");
    }

    #[test]
    fn approval_assigns_the_named_staff_and_completion_grants_a_year() {
        let r = rule("webservice");
        let ex = Extraction::default();
        let people = [
            person("Kepala", "k@x.id", "pimpinan"),
            person("Andi Pratama", "andi@x.id", "staf"),
            person("Budi", "budi@x.id", "staf"),
        ];
        let by = &people[0];
        let a = at(TicketState::AwaitingApproval, "disposisi");
        let p = on_answer(
            &r,
            &ex,
            &people,
            &a,
            "disposisi",
            by,
            &Answer::Approve {
                staff: Some("budi".into()),
                note: None,
            },
        );
        assert_eq!(p.transition.state, TicketState::InProgress);
        assert_eq!(p.assignee.as_deref(), Some("budi@x.id"));
        let p = on_answer(
            &r,
            &ex,
            &people,
            &a,
            "disposisi",
            by,
            &Answer::Approve {
                staff: Some("orang tak dikenal".into()),
                note: None,
            },
        );
        assert_eq!(
            p.assignee.as_deref(),
            Some("andi@x.id"),
            "first holder when unknown"
        );
        let w = at(TicketState::InProgress, "pembuatan_akun");
        let p = on_answer(
            &r,
            &ex,
            &people,
            &w,
            "pembuatan_akun",
            &people[1],
            &Answer::Done {
                outputs: vec![
                    ("akun".into(), "ws-ft".into()),
                    ("pin".into(), "123456".into()),
                ],
                secret: Vec::new(),
            },
        );
        assert_eq!(p.transition.state, TicketState::Resolved);
        assert!(p.spends_token);
        let until = p.access_expires_at.expect("access");
        assert_eq!((until - w.now).num_days(), ACCESS_DAYS);
        assert!(p.outputs.iter().any(|o| o.name == "pin" && o.secret));
        assert!(p.outputs.iter().any(|o| o.name == ACCESS_OUTPUT));
        // A missing output is asked for, not guessed.
        let p = on_answer(
            &r,
            &ex,
            &people,
            &w,
            "pembuatan_akun",
            &people[1],
            &Answer::Done {
                outputs: Vec::new(),
                secret: Vec::new(),
            },
        );
        assert!(!p.spends_token);
        assert_eq!(p.transition.state, TicketState::InProgress);
        assert_eq!(p.transition.events[0].kind, "answer_unclear");
    }
}
