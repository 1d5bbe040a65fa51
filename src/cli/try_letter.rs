//! `suratd try FILE.eml [--json]`: how a message would be handled, by the same code path as
//! `run` ([`Pipeline::decide`] and [`Pipeline::plan_emails`]), with nothing written or sent.
//! Replies are recognised against the database when one exists (opened read-only).
//!
//! The JSON form ([`Report`]) is documented in README.md and is what the golden corpus
//! under tests/data/eml stores.

use crate::classify::{NoTickets, ThreadIndex};
use crate::clock::{Clock, SystemClock};
use crate::daemon::Loaded;
use crate::parse;
use crate::pipeline::{Pipeline, StoreIndex};
use crate::rules::{Score, ValueSource};
use crate::store::Store;
use chrono::Datelike;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Serialize)]
pub struct Report {
    /// new_request | reply | approval | automatic | unmatched
    pub kind: &'static str,
    pub reason: String,
    /// The matched rule (new requests), else null.
    pub rule: Option<String>,
    /// The ticket a reply belongs to, else null.
    pub ticket: Option<String>,
    /// Field name → value (for a reply: what the reply supplies, read with its ticket's rule).
    pub fields: BTreeMap<String, String>,
    /// Field name → where it was found: `subject`, `body`, `attachment:<file>`, `sender`.
    pub sources: BTreeMap<String, String>,
    /// Required items not found: field names, `a|b` for one-of groups, `lampiran:<name>`.
    pub missing: Vec<String>,
    /// Fields found but invalid, with why.
    pub invalid: Vec<InvalidOut>,
    /// Every rule's score, best first.
    pub scores: Vec<Score>,
    /// The ticket state a new ticket would get (null when no ticket would change).
    pub state: Option<String>,
    /// Emails that would be queued.
    pub outbound: Vec<EmailOut>,
    pub message: MessageOut,
}

#[derive(Debug, Serialize)]
pub struct InvalidOut {
    pub field: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct EmailOut {
    pub template: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Default, Serialize)]
pub struct MessageOut {
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub subject: String,
    pub language: String,
    pub attachments: Vec<AttachmentOut>,
    pub defects: Vec<String>,
    pub parse_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AttachmentOut {
    pub filename: String,
    pub kind: parse::AttachmentKind,
    pub size: usize,
    pub text_chars: usize,
    pub error: Option<String>,
}

/// Decides about `raw` and describes it. `number` is the ticket number shown in emails.
pub fn report(loaded: &Loaded, raw: &[u8], index: &dyn ThreadIndex, clock: &dyn Clock) -> Report {
    let pipeline = Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock,
    };
    let parsed = parse::parse(raw, &loaded.config.limits);
    let d = pipeline.decide_from(raw, parsed.as_ref(), index);
    let parsed = parsed.ok();
    let year = clock
        .now()
        .with_timezone(&loaded.config.timezone.offset)
        .year();
    let creates_ticket = matches!(
        d.classification.kind,
        crate::classify::Kind::NewRequest | crate::classify::Kind::Unmatched
    );
    let number = match &d.classification.ticket {
        Some(t) => t.number.clone(),
        None => format!("{}-{year}-??????", loaded.config.ticket_prefix),
    };
    let outbound = pipeline
        .plan_emails(&d, &number)
        .into_iter()
        .map(|e| match e {
            Ok(e) => EmailOut {
                template: e.template,
                to: e.to,
                subject: e.subject,
                body: e.body,
            },
            Err(reason) => EmailOut {
                template: String::new(),
                to: String::new(),
                subject: format!("(not queued: {reason})"),
                body: String::new(),
            },
        })
        .collect();
    let ex = d.classification.extraction.clone().unwrap_or_default();
    Report {
        kind: d.classification.kind.as_str(),
        reason: d.classification.reason.clone(),
        rule: d.classification.rule.clone(),
        ticket: d.classification.ticket.as_ref().map(|t| t.number.clone()),
        fields: ex
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        sources: ex
            .fields
            .iter()
            .map(|(k, v)| {
                let s = match &v.source {
                    ValueSource::Subject => "subject".to_string(),
                    ValueSource::Body => "body".to_string(),
                    ValueSource::Attachment(f) => format!("attachment:{f}"),
                    ValueSource::Sender => "sender".to_string(),
                };
                (k.clone(), s)
            })
            .collect(),
        // A reply's own gaps mean nothing: what is missing belongs to its ticket.
        missing: if d.classification.kind == crate::classify::Kind::Reply {
            Vec::new()
        } else {
            ex.missing.clone()
        },
        invalid: ex
            .invalid
            .iter()
            .map(|i| InvalidOut {
                field: i.field.clone(),
                value: i.value.clone(),
                message: i.message.clone(),
            })
            .collect(),
        scores: d.classification.scores.clone(),
        state: d
            .transition
            .as_ref()
            .filter(|_| creates_ticket)
            .map(|t| t.state.as_str().to_string()),
        outbound,
        message: MessageOut {
            message_id: d.message_id.clone(),
            from: parsed
                .as_ref()
                .and_then(|p| p.from.as_ref())
                .map(|a| a.email.clone()),
            subject: d.subject.clone(),
            language: d.language.to_string(),
            attachments: parsed
                .as_ref()
                .map(|p| {
                    p.attachments
                        .iter()
                        .map(|a| AttachmentOut {
                            filename: a.filename.clone(),
                            kind: a.kind,
                            size: a.size,
                            text_chars: a.text.as_ref().map_or(0, |t| t.chars().count()),
                            error: a.error.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            defects: parsed
                .as_ref()
                .map(|p| p.defects.clone())
                .unwrap_or_default(),
            parse_error: d.parse_error.clone(),
        },
    }
}

pub fn run(config: &Path, file: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = super::load_or_report(config)?;
    let raw = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let db = &loaded.config.database;
    let store = if db.exists() {
        Some(Store::open_read_only(db)?)
    } else {
        None
    };
    let index: Box<dyn ThreadIndex> = match &store {
        Some(s) => Box::new(StoreIndex(s)),
        None => Box::new(NoTickets),
    };
    let r = report(&loaded, &raw, index.as_ref(), &SystemClock);
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", human(&r, file));
    }
    Ok(ExitCode::SUCCESS)
}

/// The report for people.
pub fn human(r: &Report, file: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let m = &r.message;
    let _ = writeln!(s, "message:  {}", file.display());
    let _ = writeln!(s, "  from:     {}", m.from.as_deref().unwrap_or("(none)"));
    let _ = writeln!(s, "  subject:  {}", m.subject);
    let _ = writeln!(s, "  language: {}", m.language);
    for a in &m.attachments {
        let text = match &a.error {
            Some(e) => format!("no text: {e}"),
            None => format!("{} characters of text", a.text_chars),
        };
        let _ = writeln!(
            s,
            "  attached: {} ({:?}, {} bytes, {text})",
            a.filename, a.kind, a.size
        );
    }
    for d in &m.defects {
        let _ = writeln!(s, "  defect:   {d}");
    }
    let _ = writeln!(s, "\nkind:     {} ({})", r.kind, r.reason);
    if !r.scores.is_empty() {
        let _ = writeln!(s, "scores:");
        for sc in &r.scores {
            let mark = if sc.total >= sc.threshold { "✓" } else { " " };
            let hits: Vec<String> = sc
                .hits
                .iter()
                .map(|h| {
                    format!(
                        "{:?} \"{}\" {:+} (line {})",
                        h.target, h.matched, h.weight, h.line
                    )
                    .to_lowercase()
                })
                .collect();
            let _ = writeln!(
                s,
                "  {mark} {:<16} {:>5} / {:<4} {}",
                sc.rule.0,
                sc.total,
                sc.threshold,
                hits.join("; ")
            );
        }
    }
    if !r.fields.is_empty() {
        let _ = writeln!(s, "fields:");
        for (k, v) in &r.fields {
            let src = r.sources.get(k).map_or("", String::as_str);
            let _ = writeln!(s, "  {k:<15} {v:<40} ({src})");
        }
    }
    if !r.missing.is_empty() {
        let _ = writeln!(s, "missing:  {}", r.missing.join(", "));
    }
    for i in &r.invalid {
        let _ = writeln!(s, "invalid:  {} \"{}\": {}", i.field, i.value, i.message);
    }
    if let Some(st) = &r.state {
        let _ = writeln!(s, "ticket state: {st}");
    }
    if let Some(t) = &r.ticket {
        let _ = writeln!(s, "ticket:   {t}");
    }
    if r.outbound.is_empty() {
        let _ = writeln!(s, "emails:   none");
    }
    for e in &r.outbound {
        let _ = writeln!(
            s,
            "\nemail to {} ({}):\n  Subject: {}",
            e.to, e.template, e.subject
        );
        for line in e.body.lines() {
            let _ = writeln!(s, "  | {line}");
        }
    }
    s
}
