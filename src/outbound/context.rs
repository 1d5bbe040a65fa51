//! The variables a template can use: one [`EmailContext`] for every email, so the set is
//! documented in one place (docs/templates.md lists them) and checked at load time against
//! [`EmailContext::sample`], which fills every variable and every list.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sop {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldLine {
    pub name: String,
    pub title: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingLine {
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidLine {
    pub name: String,
    pub title: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepLine {
    pub title: String,
    pub actor: String,
    /// The time standard as the rule file writes it ("5 menit").
    pub sla: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailContext {
    /// The ticket number, e.g. `TIK-2026-000123`.
    pub ticket: String,
    pub helpdesk: Person,
    pub requester: Person,
    pub sop: Sop,
    /// The subject of the requester's letter.
    pub subject: String,
    /// Fields understood from the letter, in the rule's order.
    pub fields: Vec<FieldLine>,
    pub missing: Vec<MissingLine>,
    pub invalid: Vec<InvalidLine>,
    /// True when nothing is missing or invalid.
    pub complete: bool,
    /// The SOP's steps, for telling the requester what happens next.
    pub steps: Vec<StepLine>,
    /// The step the ticket is at now, if any.
    pub next_step: Option<StepLine>,
}

impl EmailContext {
    /// Every variable, for error hints.
    pub const VARIABLES: &'static str = "ticket, helpdesk.name, helpdesk.email, requester.name, \
        requester.email, sop.id, sop.name, subject, fields[].name/title/value, \
        missing[].name/title, invalid[].name/title/value/message, complete, \
        steps[].title/actor/sla, next_step.title/actor/sla";

    /// A context with every variable set and every list non-empty, for checking templates.
    pub fn sample() -> EmailContext {
        let step = StepLine {
            title: "Disposisi pimpinan".into(),
            actor: "pimpinan".into(),
            sla: "5 menit".into(),
        };
        EmailContext {
            ticket: "TIK-2026-000123".into(),
            helpdesk: Person {
                name: "Helpdesk TIK".into(),
                email: "helpdesk@kampus.ac.id".into(),
            },
            requester: Person {
                name: "Budi Santoso".into(),
                email: "budi@kampus.ac.id".into(),
            },
            sop: Sop {
                id: "office365".into(),
                name: "Layanan Lisensi Microsoft Office 365".into(),
            },
            subject: "Permohonan lisensi Office 365".into(),
            fields: vec![FieldLine {
                name: "nama".into(),
                title: "Nama".into(),
                value: "Budi Santoso".into(),
            }],
            missing: vec![MissingLine {
                name: "no_hp".into(),
                title: "No HP/WhatsApp".into(),
            }],
            invalid: vec![InvalidLine {
                name: "email".into(),
                title: "Email".into(),
                value: "budi@gmail.com".into(),
                message: "email harus beralamat @student.uns.ac.id".into(),
            }],
            complete: false,
            steps: vec![step.clone()],
            next_step: Some(step),
        }
    }
}
