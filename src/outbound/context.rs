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

/// A decision on the ticket (empty strings when none was made).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DecisionLine {
    /// Who decided (name).
    pub by: String,
    /// The reason given with a rejection.
    pub reason: String,
    /// The note given with an approval.
    pub note: String,
}

/// A refused decision attempt, for the `keputusan_ditolak` notice to the real approver.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RefusalLine {
    /// The sender of the refused message.
    pub from: String,
    /// Machine name of the refusal (`wrong_sender`, `already_used`, `expired`…).
    pub kind: String,
    /// In words.
    pub reason: String,
}

/// One of the letter's attachments, in a disposition or task email.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentLine {
    /// The file name as sent.
    pub name: String,
    /// In words: `812 B`, `45 KB`, `3.2 MB`.
    pub size: String,
    /// False when the file is not attached (over `[limits] forward-attachments-bytes`): the
    /// helpdesk keeps it in the stored letter.
    pub attached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputLine {
    pub name: String,
    pub value: String,
}

/// A step's SLA, for reminders, escalations and digests (empty strings when none).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SlaLine {
    /// The ticket number.
    pub ticket: String,
    /// The SOP's name.
    pub sop: String,
    /// The step's title and its time standard ("5 menit").
    pub step: String,
    pub standard: String,
    /// The role that acts at the step.
    pub actor: String,
    /// When the step is due, local time: `2026-03-25 09:15 WIB`.
    pub due: String,
    /// Percent of the time standard this alert is for (75, 100, 200), or empty.
    pub level: String,
    /// Time left (`2 j 15 m`), or empty when overdue.
    pub left: String,
    /// How long past due (`1 j 5 m`), or empty.
    pub overdue: String,
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
    /// Who this email is addressed to (the requester, a leader or a staff member).
    pub recipient: Person,
    /// The approval token this email carries (`a-…`), or empty.
    pub token: String,
    /// Where a reply must go for the token to count (`helpdesk+a-…@domain`), or empty.
    pub reply_to: String,
    pub decision: DecisionLine,
    /// The staff member the work is assigned to (empty strings when none).
    pub assignee: Person,
    /// What the work produced (`user: …`, `lisensi: …`), secrets included: only the email
    /// carries them.
    pub outputs: Vec<OutputLine>,
    /// Until when access granted by the work lasts (`YYYY-MM-DD`), or empty.
    pub access_expires_at: String,
    /// What was unclear in an answer (for `klarifikasi`), or why a letter could not be read
    /// (for `terlalu_besar`), or empty.
    pub clarification: String,
    pub refusal: RefusalLine,
    /// The letter's attachments (dispositions and tasks only; empty elsewhere).
    pub attachments: Vec<AttachmentLine>,
    /// True when some attachment is listed but not attached.
    pub attachments_kept: bool,
    /// The SLA of the ticket's current step (reminders, escalations).
    pub sla: SlaLine,
    /// Steps waiting, for a digest or a report (one line per ticket).
    pub waiting: Vec<SlaLine>,
}

impl EmailContext {
    /// Every variable, for error hints.
    pub const VARIABLES: &'static str = "ticket, helpdesk.name, helpdesk.email, requester.name, \
        requester.email, sop.id, sop.name, subject, fields[].name/title/value, \
        missing[].name/title, invalid[].name/title/value/message, complete, \
        steps[].title/actor/sla, next_step.title/actor/sla, recipient.name, recipient.email, \
        token, reply_to, decision.by/reason/note, assignee.name, assignee.email, \
        outputs[].name/value, access_expires_at, clarification, refusal.from/kind/reason, \
        attachments[].name/size/attached, attachments_kept, \
        sla.ticket/sop/step/standard/actor/due/level/left/overdue, waiting[] (as sla)";

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
            recipient: Person {
                name: "Kepala UPT TIK".into(),
                email: "kepala.tik@kampus.ac.id".into(),
            },
            token: "a-abcdefghijklmnopqrstuvwxyz234567".into(),
            reply_to: "helpdesk+a-abcdefghijklmnopqrstuvwxyz234567@kampus.ac.id".into(),
            decision: DecisionLine {
                by: "Kepala UPT TIK".into(),
                reason: "kuota lisensi habis".into(),
                note: "mohon segera".into(),
            },
            assignee: Person {
                name: "Staf Layanan TIK".into(),
                email: "staf.tik@kampus.ac.id".into(),
            },
            outputs: vec![OutputLine {
                name: "user_id".into(),
                value: "budi.santoso@kampus.ac.id".into(),
            }],
            access_expires_at: "2027-03-02".into(),
            clarification: "tidak ada kata keputusan (SETUJU/TOLAK)".into(),
            refusal: RefusalLine {
                from: "orang.lain@contoh.com".into(),
                kind: "wrong_sender".into(),
                reason:
                    "token of approver kepala.tik@kampus.ac.id presented by orang.lain@contoh.com"
                        .into(),
            },
            attachments: vec![AttachmentLine {
                name: "surat-permohonan.pdf".into(),
                size: "45 KB".into(),
                attached: false,
            }],
            attachments_kept: true,
            sla: SlaLine::sample(),
            waiting: vec![SlaLine::sample()],
        }
    }
}

impl EmailContext {
    /// A context about no ticket (a digest, a report): from the helpdesk to `recipient`, every
    /// ticket variable empty.
    pub fn about_no_ticket(helpdesk: Person, recipient: Person) -> EmailContext {
        let empty = Person {
            name: String::new(),
            email: String::new(),
        };
        EmailContext {
            ticket: String::new(),
            helpdesk,
            requester: empty.clone(),
            sop: Sop {
                id: String::new(),
                name: String::new(),
            },
            subject: String::new(),
            fields: Vec::new(),
            missing: Vec::new(),
            invalid: Vec::new(),
            complete: true,
            steps: Vec::new(),
            next_step: None,
            recipient,
            token: String::new(),
            reply_to: String::new(),
            decision: DecisionLine::default(),
            assignee: empty,
            outputs: Vec::new(),
            access_expires_at: String::new(),
            clarification: String::new(),
            refusal: RefusalLine::default(),
            attachments: Vec::new(),
            attachments_kept: false,
            sla: SlaLine::default(),
            waiting: Vec::new(),
        }
    }
}

impl EmailContext {
    /// The top-level variables, in the order of the struct.
    pub const KEYS: [&'static str; 24] = [
        "ticket",
        "helpdesk",
        "requester",
        "sop",
        "subject",
        "fields",
        "missing",
        "invalid",
        "complete",
        "steps",
        "next_step",
        "recipient",
        "token",
        "reply_to",
        "decision",
        "assignee",
        "outputs",
        "access_expires_at",
        "clarification",
        "refusal",
        "attachments",
        "attachments_kept",
        "sla",
        "waiting",
    ];

    /// Every variable, as a [`Self::data`] mask.
    pub const ALL_KEYS: u32 = (1 << Self::KEYS.len()) - 1;

    /// The template data of the variables of `keys` (bit `i`: `KEYS[i]`): what
    /// `serde_json::to_value(self)` gives, less the variables not asked for. A template
    /// names a few of the 24; turning the others into JSON (and dropping it) for every
    /// email was half the cost of rendering it.
    pub fn data(&self, keys: u32) -> serde_json::Result<serde_json::Value> {
        use serde_json::to_value as v;
        let mut map = serde_json::Map::new();
        for (i, key) in Self::KEYS.iter().enumerate() {
            if keys & (1 << i) == 0 {
                continue;
            }
            let value = match *key {
                "ticket" => v(&self.ticket),
                "helpdesk" => v(&self.helpdesk),
                "requester" => v(&self.requester),
                "sop" => v(&self.sop),
                "subject" => v(&self.subject),
                "fields" => v(&self.fields),
                "missing" => v(&self.missing),
                "invalid" => v(&self.invalid),
                "complete" => v(self.complete),
                "steps" => v(&self.steps),
                "next_step" => v(&self.next_step),
                "recipient" => v(&self.recipient),
                "token" => v(&self.token),
                "reply_to" => v(&self.reply_to),
                "decision" => v(&self.decision),
                "assignee" => v(&self.assignee),
                "outputs" => v(&self.outputs),
                "access_expires_at" => v(&self.access_expires_at),
                "clarification" => v(&self.clarification),
                "refusal" => v(&self.refusal),
                "attachments" => v(&self.attachments),
                "attachments_kept" => v(self.attachments_kept),
                "sla" => v(&self.sla),
                "waiting" => v(&self.waiting),
                _ => continue,
            }?;
            map.insert((*key).to_owned(), value);
        }
        Ok(serde_json::Value::Object(map))
    }
}

impl SlaLine {
    fn sample() -> SlaLine {
        SlaLine {
            ticket: "TIK-2026-000123".into(),
            sop: "Layanan Lisensi Microsoft Office 365".into(),
            step: "Disposisi pimpinan".into(),
            standard: "5 menit".into(),
            actor: "pimpinan".into(),
            due: "2026-03-25 09:15 WIB".into(),
            level: "100".into(),
            left: "".into(),
            overdue: "1 j 5 m".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_of_every_key_is_the_whole_context() {
        for ctx in [
            EmailContext::sample(),
            EmailContext::about_no_ticket(
                EmailContext::sample().helpdesk,
                EmailContext::sample().recipient,
            ),
        ] {
            let whole = serde_json::to_value(&ctx).expect("json");
            assert_eq!(ctx.data(EmailContext::ALL_KEYS).expect("data"), whole);
            let just = ctx.data(0b101).expect("data");
            let keys: Vec<&String> = just.as_object().expect("map").keys().collect();
            assert_eq!(keys, ["requester", "ticket"]);
        }
    }
}
