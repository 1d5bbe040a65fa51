//! Rule files: one `rules/*.toml` per SOP, written by admins. A rule says how to recognise
//! the SOP's letters (weighted conditions), which fields to extract and validate, which
//! attachments are required, and the SOP's steps (actor, time standard, template).
//!
//! - [`load`]: read a directory of rule files into a [`RuleSet`], collecting *every* problem
//!   as a [`Diagnostic`] with file:line:col and a hint; never stops at the first.
//! - [`matching`]: score a [`Letter`] against each rule; explainable (every hit listed).
//! - [`extract`](mod@extract): pull the rule's fields out of the letter (body and attachment text,
//!   "label : value" lines, tables), validate them, list what is missing.
//!
//! Everything here except [`load`] is pure.

use crate::diag::Diagnostic;
use crate::parse::{AttachmentKind, ParsedMessage};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod cache;
pub mod extract;
mod labels;
pub mod load;
pub mod matching;
mod phrases;
pub mod timestd;
mod tokens;
mod values;

pub use cache::{PhraseFinders, RuleCache};

#[cfg(test)]
mod tests;

pub use extract::extract;
pub use load::check_dir;
pub use matching::{best, score, NormalizedLetter};
pub use timestd::{TimeStandard, TimeUnit};

/// A rule's id: its file stem, e.g. `zoom-ormawa` for `rules/zoom-ormawa.toml`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the rule files may refer to, known before they are loaded.
#[derive(Debug, Clone, Default)]
pub struct RuleContext {
    /// Template names available (e.g. `ack`, `disposisi`), without language or extension.
    pub templates: BTreeSet<String>,
    /// Roles people can hold (e.g. `helpdesk`, `pimpinan`, `staf`, `pemohon`).
    pub roles: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Sorted by id.
    pub rules: Vec<Rule>,
    /// Every rule's phrases in one automaton, built on first use (see `phrases.rs`).
    pub(crate) phrases: cache::Cached<phrases::PhraseIndex>,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.0 == id)
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: RuleId,
    /// Human name, e.g. "Layanan Lisensi Zoom Ormawa (300 participants)".
    pub name: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Where the SOP comes from (institution, SOP number), for people reading the rule.
    pub sop: String,
    /// Minimum total score for a letter to be this SOP's.
    pub threshold: f64,
    pub conditions: Vec<Condition>,
    pub fields: Vec<FieldSpec>,
    pub attachments: Vec<AttachmentSpec>,
    pub steps: Vec<Step>,
    /// Role that decides the disposition (e.g. `pimpinan`).
    pub approver: Option<String>,
    /// Roles to escalate to, in order, when a step runs past its time standard.
    pub escalation: Vec<String>,
    /// When the SLA reminds and escalates (keys `reminder_at`, `escalate_at`).
    pub alerts: SlaAlerts,
    /// Groups of fields of which at least one must be found (e.g. `[["nim", "nip"]]`);
    /// a group with none found is missing as `"nim|nip"`.
    pub one_of: Vec<Vec<String>>,
    /// The language of this SOP's emails to leaders and staff who have none of their own
    /// (`id` or `en`); `None`: the daemon's. The requester keeps the letter's language.
    pub language: Option<String>,
    /// Worked out once per rule, not per letter (label set, phrase finders).
    pub cache: RuleCache,
}

/// When a step's SLA clock sends its emails, in percent of the step's time standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaAlerts {
    /// A reminder to the step's actor; `None` (written `reminder_at = 0`) for none.
    pub reminder: Option<u32>,
    /// Escalations, ascending: the first to the next role of the chain, the second to the
    /// one above it… (see docs/sla.md).
    pub escalate: Vec<u32>,
}

impl Default for SlaAlerts {
    /// A reminder at 75 %, escalations at 100 % and 200 %.
    fn default() -> Self {
        SlaAlerts {
            reminder: Some(75),
            escalate: vec![100, 200],
        }
    }
}

/// Where a condition looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Subject,
    Body,
    /// The text of all attachments (and their file names).
    Attachment,
    /// Subject, body and attachments together.
    Text,
    /// The sender's address.
    From,
    /// The recipient addresses (To and Cc).
    To,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub target: Target,
    /// Phrases, matched case-insensitively on word boundaries; any one is enough.
    pub any: Vec<String>,
    /// Alternatively a regular expression (case-insensitive).
    pub regex: Option<regex::Regex>,
    /// May be negative (a phrase that speaks against the SOP).
    pub weight: f64,
    /// Line of the condition in its rule file, for explanations.
    pub line: usize,
    /// The phrases' substring finders, built once.
    pub finders: PhraseFinders,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    /// NIP: 18 digits, often written in groups (`19750819 199903 1 001`).
    Nip,
    /// NIM: student number, digits and letters, 6–20 long.
    Nim,
    /// Indonesian phone/WhatsApp: 08…, +62…, 62…; normalised to 08….
    Phone,
    Email,
    Date,
    Number,
    /// One of a fixed list (matched case-insensitively).
    Choice(Vec<String>),
}

/// Where a field falls back to when the letter does not state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The From address.
    SenderAddress,
    /// The From display name.
    SenderName,
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// Key, e.g. `no_hp`.
    pub name: String,
    /// Human title, e.g. "No HP/WhatsApp".
    pub title: String,
    /// Labels the value may follow in the letter, e.g. `["no hp", "whatsapp", "telepon"]`.
    pub labels: Vec<String>,
    pub ty: FieldType,
    pub required: bool,
    /// A value must match this (e.g. `@student\.uns\.ac\.id$`)…
    pub must_match: Option<regex::Regex>,
    /// …or this message explains why it is invalid.
    pub must_match_message: Option<String>,
    pub fallback: Option<Fallback>,
    /// For [`FieldType::Choice`]: other spellings of a choice, e.g. `tendik` ←
    /// `["tenaga kependidikan", "pegawai"]`. The value is normalised to the choice.
    pub aliases: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct AttachmentSpec {
    pub name: String,
    pub title: String,
    pub required: bool,
    /// Allowed kinds; empty means any.
    pub kinds: Vec<AttachmentKind>,
    /// When non-empty, an attachment counts only if its file name or text has one of these.
    pub keywords: Vec<String>,
}

/// What a step is, so the workflow engine knows what to do at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The requester submits (the letter itself).
    Submit,
    /// Helpdesk checks the letter and its requirements.
    Verify,
    /// A leader decides and routes to staff.
    Disposition,
    /// Staff do the work and report the output.
    Work,
    /// The requester is told the result.
    Notify,
    /// A formal reply letter to the unit.
    ReplyLetter,
    /// The requester is asked for feedback.
    Feedback,
    /// The requester is pointed to an existing system instead (e.g. Siakad/Simpeg).
    Redirect,
    /// Anything else the SOP lists (preparation, execution of an event…).
    Other,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    /// Role that performs the step.
    pub actor: String,
    pub sla: TimeStandard,
    pub template: Option<String>,
    /// Output the step produces (e.g. `["user", "lisensi"]` that staff must report).
    pub outputs: Vec<String>,
    /// The step applies only when a field has one of some values (e.g. the `redirect` step
    /// of e-mail institusi when `jenis_akun` is mahasiswa, dosen or tendik). `None`: always.
    pub when: Option<StepWhen>,
}

/// A step's condition: the extracted value of `field` is one of `values`
/// (compared case-insensitively, after choice normalisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepWhen {
    pub field: String,
    pub values: Vec<String>,
}

impl StepWhen {
    /// Whether the step applies to this extraction.
    pub fn holds(&self, extraction: &Extraction) -> bool {
        extraction.fields.get(&self.field).is_some_and(|v| {
            self.values
                .iter()
                .any(|want| want.eq_ignore_ascii_case(v.value.trim()))
        })
    }
}

/// A message seen through the eyes of the rules: just the text, by where it came from.
#[derive(Debug, Clone, Default)]
pub struct Letter<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    /// (file name, extracted text) of each attachment that has text.
    pub attachments: Vec<(&'a str, &'a str)>,
    /// (file name, kind) of every attachment, with text or without.
    pub attachment_kinds: Vec<(&'a str, AttachmentKind)>,
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: Vec<&'a str>,
}

impl<'a> Letter<'a> {
    pub fn from_parsed(p: &'a ParsedMessage) -> Letter<'a> {
        Letter {
            subject: &p.subject,
            body: &p.body,
            attachments: p
                .attachments
                .iter()
                .filter_map(|a| a.text.as_deref().map(|t| (a.filename.as_str(), t)))
                .collect(),
            attachment_kinds: p
                .attachments
                .iter()
                .map(|a| (a.filename.as_str(), a.kind))
                .collect(),
            from: p.from.as_ref().map_or("", |a| a.email.as_str()),
            from_name: p
                .from
                .as_ref()
                .and_then(|a| a.name.as_deref())
                .unwrap_or(""),
            to: p
                .to
                .iter()
                .chain(p.cc.iter())
                .map(|a| a.email.as_str())
                .collect(),
        }
    }
}

/// One condition that matched, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub target: Target,
    /// The phrase or pattern that matched.
    pub matched: String,
    pub weight: f64,
    /// Line of the condition in the rule file.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub rule: RuleId,
    pub total: f64,
    pub threshold: f64,
    pub hits: Vec<Hit>,
}

impl Score {
    pub fn passes(&self) -> bool {
        self.total >= self.threshold
    }
}

/// Where an extracted value was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "in", content = "name")]
pub enum ValueSource {
    Subject,
    Body,
    /// The attachment's file name.
    Attachment(String),
    /// The From header (a fallback).
    Sender,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FieldValue {
    pub value: String,
    pub source: ValueSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Invalid {
    pub field: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct Extraction {
    /// Field name → value, for every field found (valid or not).
    pub fields: BTreeMap<String, FieldValue>,
    /// Required items not found: field names, and `lampiran:<name>` for attachments.
    pub missing: Vec<String>,
    /// Fields found whose value fails validation.
    pub invalid: Vec<Invalid>,
}

impl Extraction {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty()
    }
}

/// Loads every `*.toml` in `dir` (see [`load`]); `Err` holds every diagnostic when any is
/// an error. [`check_dir`] also returns the warnings.
pub fn load_dir(dir: &Path, ctx: &RuleContext) -> Result<RuleSet, Vec<Diagnostic>> {
    load::load_dir(dir, ctx)
}
