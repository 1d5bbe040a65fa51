//! The rule-file schema: which keys each table has, their types, and the checks that need
//! more than a type (names of roles, templates and fields; regexes; time standards). Built on
//! the generic readers of [`super::Checker`], so every problem is collected, never thrown.

use super::{choices_hint, describe_value, item_start, value_start, Checker, Tbl};
use crate::parse::AttachmentKind;
use crate::rules::extract::effective_labels;
use crate::rules::matching::normalize;
use crate::rules::timestd::ACCEPTED_FORMS;
use crate::rules::{
    AttachmentSpec, Condition, Fallback, FieldSpec, FieldType, Rule, RuleId, SlaAlerts, Step,
    StepKind, StepWhen, Target, TimeStandard,
};
use std::collections::BTreeMap;
use toml_edit::{Item, Table, Value};

const ROOT_KEYS: &[&str] = &[
    "name",
    "sop",
    "threshold",
    "approver",
    "escalation",
    "reminder_at",
    "escalate_at",
    "one_of",
    "condition",
    "field",
    "attachment",
    "step",
    "language",
];
const CONDITION_KEYS: &[&str] = &["in", "any", "regex", "weight"];
const FIELD_KEYS: &[&str] = &[
    "name",
    "title",
    "labels",
    "type",
    "choices",
    "aliases",
    "required",
    "must_match",
    "must_match_message",
    "fallback",
];
const ATTACHMENT_KEYS: &[&str] = &["name", "title", "required", "kinds", "keywords"];
const STEP_KEYS: &[&str] = &[
    "id", "title", "kind", "actor", "sla", "template", "outputs", "when",
];
const WHEN_KEYS: &[&str] = &["field", "in"];

const TARGETS: &[(&str, Target)] = &[
    ("subject", Target::Subject),
    ("body", Target::Body),
    ("attachment", Target::Attachment),
    ("text", Target::Text),
    ("from", Target::From),
    ("to", Target::To),
];
const STEP_KINDS: &[(&str, StepKind)] = &[
    ("submit", StepKind::Submit),
    ("verify", StepKind::Verify),
    ("disposition", StepKind::Disposition),
    ("work", StepKind::Work),
    ("notify", StepKind::Notify),
    ("reply_letter", StepKind::ReplyLetter),
    ("feedback", StepKind::Feedback),
    ("redirect", StepKind::Redirect),
    ("other", StepKind::Other),
];
const FALLBACKS: &[(&str, Fallback)] = &[
    ("sender_address", Fallback::SenderAddress),
    ("sender_name", Fallback::SenderName),
];
const KINDS: &[(&str, AttachmentKind)] = &[
    ("pdf", AttachmentKind::Pdf),
    ("docx", AttachmentKind::Docx),
    ("text", AttachmentKind::Text),
    ("other", AttachmentKind::Other),
];
const TYPES: &[&str] = &[
    "text", "nip", "nim", "phone", "email", "date", "number", "choice",
];

impl Checker<'_> {
    // ----- the rule -------------------------------------------------------------------

    pub(super) fn rule(&mut self, id: &str, root: &Table) -> Option<Rule> {
        let root = Tbl::Table(root);
        let top = "the top level";
        self.keys(root, ROOT_KEYS, top);
        let name = self.string(root, "name", top, true);
        let sop = self.string(root, "sop", top, true);
        let threshold = self.number(root, "threshold", top, true);
        if let Some((t, at)) = threshold {
            if t <= 0.0 {
                self.error(
                    at,
                    format!("threshold must be greater than 0, found {t}"),
                    Some("a letter is this SOP's when its conditions' weights add up to at least the threshold".into()),
                );
            }
        }
        let approver = self.string(root, "approver", top, false);
        if let Some((r, at)) = &approver {
            self.role(r, *at);
        }
        let language = self.string(root, "language", top, false);
        if let Some((l, at)) = &language {
            if l != "id" && l != "en" {
                self.error(
                    *at,
                    format!("unknown language \"{l}\""),
                    Some("use \"id\" (Bahasa Indonesia) or \"en\" (English)".into()),
                );
            }
        }
        let escalation = self.strings(root, "escalation").unwrap_or_default();
        for (r, at) in &escalation {
            self.role(r, *at);
        }

        let alerts = self.alerts(root);

        let conditions = self.conditions(root);
        let fields = self.fields(root);
        let one_of = self.one_of(root, &fields);
        let attachments = self.attachments(root);
        let steps = self.steps(root, &fields);

        Some(Rule {
            id: RuleId(id.to_owned()),
            name: name?.0,
            file: self.file.to_path_buf(),
            sop: sop?.0,
            threshold: threshold?.0,
            conditions,
            fields: fields.into_iter().map(|(f, _)| f).collect(),
            attachments,
            steps,
            approver: approver.map(|a| a.0),
            escalation: escalation.into_iter().map(|e| e.0).collect(),
            alerts,
            one_of,
            language: language.map(|l| l.0),
            cache: Default::default(),
        })
    }

    /// `reminder_at = 75` (0: none) and `escalate_at = [100, 200]`, in percent.
    fn alerts(&mut self, root: Tbl<'_>) -> SlaAlerts {
        let mut alerts = SlaAlerts::default();
        if let Some((n, at)) = self.number(root, "reminder_at", "the top level", false) {
            if n.fract() != 0.0 || !(0.0..100.0).contains(&n) {
                self.error(
                    at,
                    format!("reminder_at must be a whole percent from 0 to 99, found {n}"),
                    Some(
                        "e.g. reminder_at = 75 (a reminder at 75 % of the time); 0 for none".into(),
                    ),
                );
            } else {
                alerts.reminder = (n > 0.0).then_some(n as u32);
            }
        }
        if let Some(item) = root.get("escalate_at") {
            let Some(arr) = item.as_array() else {
                self.error(
                    item_start(item),
                    "expected an array of percents for \"escalate_at\"".to_string(),
                    Some("e.g. escalate_at = [100, 200]".into()),
                );
                return alerts;
            };
            let mut levels = Vec::new();
            for v in arr.iter() {
                match v.as_integer() {
                    Some(p) if p > 0 && p <= 10_000 && levels.last().is_none_or(|&l| l < p as u32) => {
                        levels.push(p as u32)
                    }
                    _ => self.error(
                        value_start(v),
                        format!("expected ascending whole percents above 0 in \"escalate_at\", found {}", describe_value(v)),
                        Some("e.g. escalate_at = [100, 200]".into()),
                    ),
                }
            }
            alerts.escalate = levels;
        }
        alerts
    }

    fn conditions(&mut self, root: Tbl<'_>) -> Vec<Condition> {
        let tables = self.tables(root, "condition");
        // A "condition" of the wrong shape has been reported already.
        if tables.is_empty() && root.get("condition").is_none_or(is_empty_array) {
            self.error(
                0,
                "the rule has no [[condition]]",
                Some("add at least one [[condition]] so that its letters can be recognised".into()),
            );
        }
        let section = "[[condition]]";
        let mut out = Vec::new();
        for t in tables {
            self.keys(t, CONDITION_KEYS, section);
            let target = self
                .string(t, "in", section, true)
                .and_then(|(s, at)| self.named(&s, at, "target", TARGETS));
            let weight = self.number(t, "weight", section, true);
            if let Some((w, at)) = weight {
                if w == 0.0 {
                    self.warning(at, "weight 0: this condition counts for nothing", None);
                }
            }
            let any = self.strings(t, "any");
            let regex = self.string(t, "regex", section, false);
            let mut phrases = Vec::new();
            match (&any, &regex) {
                (Some(_), Some((_, at))) => self.error(
                    *at,
                    "a condition has \"any\" or \"regex\", not both",
                    Some("split it into two [[condition]] tables".into()),
                ),
                (None, None) if t.get("any").is_none() && t.get("regex").is_none() => {
                    self.missing(t, "any", section)
                }
                _ => {}
            }
            if let Some(list) = &any {
                if list.is_empty() {
                    let at = t.get("any").map_or(t.start(), item_start);
                    self.error(
                        at,
                        "\"any\" is empty",
                        Some("list at least one phrase".into()),
                    );
                }
                for (p, at) in list {
                    let n = normalize(p);
                    if n.is_empty() {
                        self.error(*at, "empty phrase", None);
                    } else {
                        phrases.push(n);
                    }
                }
            }
            let compiled = regex.as_ref().and_then(|(p, at)| self.regex(p, *at));
            if let (Some(target), Some((weight, _))) = (target, weight) {
                out.push(Condition {
                    target,
                    any: phrases,
                    regex: compiled,
                    weight,
                    line: self.line_of(t.start()),
                    finders: Default::default(),
                });
            }
        }
        out
    }

    fn fields(&mut self, root: Tbl<'_>) -> Vec<(FieldSpec, usize)> {
        let section = "[[field]]";
        let mut out: Vec<(FieldSpec, usize)> = Vec::new();
        for t in self.tables(root, "field") {
            self.keys(t, FIELD_KEYS, section);
            let Some((name, name_at)) = self.string(t, "name", section, true) else {
                continue;
            };
            if !is_identifier(&name) {
                self.error(
                    name_at,
                    format!("bad field name \"{name}\""),
                    Some("use lowercase letters, digits and _, e.g. `no_hp`".into()),
                );
            }
            if let Some((_, first)) = out.iter().find(|(f, _)| f.name == name) {
                let hint = format!("first defined on line {}", self.line_of(*first));
                self.error(
                    name_at,
                    format!("duplicate field name \"{name}\""),
                    Some(hint),
                );
            }
            let title = self
                .string(t, "title", section, false)
                .map_or_else(|| name.clone(), |t| t.0);
            let labels = self.strings(t, "labels").unwrap_or_default();
            for (l, at) in &labels {
                if normalize(l).is_empty() {
                    self.error(*at, "empty label", None);
                }
            }
            let ty_written = self.string(t, "type", section, false);
            let choices = self.strings(t, "choices");
            let ty = match &ty_written {
                None => FieldType::Text,
                Some((ty, at)) => match ty.as_str() {
                    "text" => FieldType::Text,
                    "nip" => FieldType::Nip,
                    "nim" => FieldType::Nim,
                    "phone" => FieldType::Phone,
                    "email" => FieldType::Email,
                    "date" => FieldType::Date,
                    "number" => FieldType::Number,
                    "choice" => {
                        let list: Vec<String> =
                            choices.iter().flatten().map(|(c, _)| c.clone()).collect();
                        if list.is_empty()
                            && t.get("choices").is_none_or(|i| i.as_array().is_some())
                        {
                            self.error(
                                *at,
                                "type \"choice\" needs a non-empty \"choices\" list",
                                Some("add e.g. choices = [\"mahasiswa\", \"dosen\"]".into()),
                            );
                        }
                        FieldType::Choice(list)
                    }
                    other => {
                        self.error(
                            *at,
                            format!("unknown field type \"{other}\""),
                            Some(choices_hint(other, TYPES, "field types are:")),
                        );
                        FieldType::Text
                    }
                },
            };
            if !matches!(ty, FieldType::Choice(_)) {
                if let Some(at) = t.key_at("choices") {
                    self.error(at, "\"choices\" is only for type \"choice\"", None);
                }
            }
            let aliases = self.aliases(t, &ty);
            let required = self.boolean(t, "required").unwrap_or(false);
            let must_match = self
                .string(t, "must_match", section, false)
                .and_then(|(p, at)| self.regex(&p, at));
            let must_match_message = self
                .string(t, "must_match_message", section, false)
                .map(|m| m.0);
            let fallback = self
                .string(t, "fallback", section, false)
                .and_then(|(f, at)| self.named(&f, at, "fallback", FALLBACKS));
            let mut spec = FieldSpec {
                name,
                title,
                labels: labels.into_iter().map(|l| l.0).collect(),
                ty,
                required,
                must_match,
                must_match_message,
                fallback,
                aliases,
            };
            // Store the labels the field is looked for by, so tools can show them.
            spec.labels = effective_labels(&spec).into_owned();
            out.push((spec, name_at));
        }
        out
    }

    fn aliases(&mut self, t: Tbl<'_>, ty: &FieldType) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let Some(item) = t.get("aliases") else {
            return out;
        };
        let table = match item {
            Item::Table(tb) => Tbl::Table(tb),
            Item::Value(Value::InlineTable(tb)) => Tbl::Inline(tb),
            other => {
                self.wrong_type(
                    other,
                    "aliases",
                    "a table",
                    Some("write aliases = { tendik = [\"tenaga kependidikan\"] }".into()),
                );
                return out;
            }
        };
        let FieldType::Choice(choices) = ty else {
            self.error(
                item_start(item),
                "\"aliases\" is only for type \"choice\"",
                None,
            );
            return out;
        };
        for (key, at) in table.keys() {
            if !choices.iter().any(|c| c == key) {
                let all: Vec<&str> = choices.iter().map(String::as_str).collect();
                let hint = choices_hint(key, &all, "choices are:");
                self.error(
                    at,
                    format!("alias for unknown choice \"{key}\""),
                    Some(hint),
                );
                continue;
            }
            if let Some(list) = self.strings(table, key) {
                out.insert(key.to_owned(), list.into_iter().map(|s| s.0).collect());
            }
        }
        out
    }

    fn one_of(&mut self, root: Tbl<'_>, fields: &[(FieldSpec, usize)]) -> Vec<Vec<String>> {
        let Some(item) = root.get("one_of") else {
            return Vec::new();
        };
        let hint = Some("write one_of = [[\"nim\", \"nip\"]]".to_owned());
        let Some(groups) = item.as_array() else {
            self.wrong_type(item, "one_of", "an array of arrays of field names", hint);
            return Vec::new();
        };
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.name.as_str()).collect();
        let mut out = Vec::new();
        for g in groups.iter() {
            let Some(list) = g.as_array() else {
                self.error(
                    value_start(g),
                    format!(
                        "expected an array of field names in \"one_of\", found {}",
                        describe_value(g)
                    ),
                    hint.clone(),
                );
                continue;
            };
            if list.is_empty() {
                self.error(value_start(g), "empty group in \"one_of\"", None);
            }
            let mut group = Vec::new();
            for v in list.iter() {
                match v.as_str() {
                    Some(n) if names.contains(&n) => group.push(n.to_owned()),
                    Some(n) => {
                        let h = choices_hint(n, &names, "fields are:");
                        self.error(
                            value_start(v),
                            format!("unknown field \"{n}\" in \"one_of\""),
                            Some(h),
                        );
                    }
                    None => self.error(
                        value_start(v),
                        format!(
                            "expected a field name in \"one_of\", found {}",
                            describe_value(v)
                        ),
                        None,
                    ),
                }
            }
            out.push(group);
        }
        out
    }

    fn attachments(&mut self, root: Tbl<'_>) -> Vec<AttachmentSpec> {
        let section = "[[attachment]]";
        let mut out: Vec<(AttachmentSpec, usize)> = Vec::new();
        for t in self.tables(root, "attachment") {
            self.keys(t, ATTACHMENT_KEYS, section);
            let Some((name, name_at)) = self.string(t, "name", section, true) else {
                continue;
            };
            if let Some((_, first)) = out.iter().find(|(a, _)| a.name == name) {
                let hint = format!("first defined on line {}", self.line_of(*first));
                self.error(
                    name_at,
                    format!("duplicate attachment name \"{name}\""),
                    Some(hint),
                );
            }
            let title = self
                .string(t, "title", section, false)
                .map_or_else(|| name.clone(), |t| t.0);
            let required = self.boolean(t, "required").unwrap_or(false);
            let mut kinds = Vec::new();
            for (k, at) in self.strings(t, "kinds").unwrap_or_default() {
                kinds.extend(self.named(&k, at, "attachment kind", KINDS));
            }
            let keywords = self
                .strings(t, "keywords")
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.0)
                .collect();
            out.push((
                AttachmentSpec {
                    name,
                    title,
                    required,
                    kinds,
                    keywords,
                },
                name_at,
            ));
        }
        out.into_iter().map(|(a, _)| a).collect()
    }

    fn steps(&mut self, root: Tbl<'_>, fields: &[(FieldSpec, usize)]) -> Vec<Step> {
        let tables = self.tables(root, "step");
        // A "step" of the wrong shape has been reported already.
        if tables.is_empty() && root.get("step").is_none_or(is_empty_array) {
            self.error(
                0,
                "the rule has no [[step]]",
                Some("list the SOP's steps as [[step]] tables: see docs/rules.md".into()),
            );
        }
        let section = "[[step]]";
        let mut out: Vec<(Step, usize)> = Vec::new();
        for t in tables {
            self.keys(t, STEP_KEYS, section);
            let id = self.string(t, "id", section, true);
            if let Some((id, at)) = &id {
                if !is_identifier(id) {
                    self.error(
                        *at,
                        format!("bad step id \"{id}\""),
                        Some("use lowercase letters, digits and _, e.g. `verifikasi`".into()),
                    );
                }
                if let Some((_, first)) = out.iter().find(|(s, _)| &s.id == id) {
                    let hint = format!("first defined on line {}", self.line_of(*first));
                    self.error(*at, format!("duplicate step id \"{id}\""), Some(hint));
                }
            }
            let title = self.string(t, "title", section, true);
            let kind = self
                .string(t, "kind", section, true)
                .and_then(|(k, at)| self.named(&k, at, "step kind", STEP_KINDS));
            let actor = self.string(t, "actor", section, true);
            if let Some((a, at)) = &actor {
                self.role(a, *at);
            }
            let sla =
                self.string(t, "sla", section, true)
                    .and_then(|(s, at)| match TimeStandard::parse(&s) {
                        Ok(ts) => Some(ts),
                        Err(e) => {
                            self.error(
                                at,
                                format!("bad time standard \"{s}\": {}", e.problem),
                                Some(format!("accepted forms: {}", ACCEPTED_FORMS)),
                            );
                            None
                        }
                    });
            let template = self.string(t, "template", section, false);
            if let Some((name, at)) = &template {
                self.template(name, *at);
            }
            let outputs = self
                .strings(t, "outputs")
                .unwrap_or_default()
                .into_iter()
                .map(|o| o.0)
                .collect();
            let when = self.when(t, fields);
            if let (Some((id, at)), Some((title, _)), Some(kind), Some((actor, _)), Some(sla)) =
                (id, title, kind, actor, sla)
            {
                let step = Step {
                    id,
                    title,
                    kind,
                    actor,
                    sla,
                    template: template.map(|t| t.0),
                    outputs,
                    when,
                };
                out.push((step, at));
            }
        }
        out.into_iter().map(|(s, _)| s).collect()
    }

    fn when(&mut self, step: Tbl<'_>, fields: &[(FieldSpec, usize)]) -> Option<StepWhen> {
        let item = step.get("when")?;
        let t = match item {
            Item::Table(tb) => Tbl::Table(tb),
            Item::Value(Value::InlineTable(tb)) => Tbl::Inline(tb),
            other => {
                self.wrong_type(
                    other,
                    "when",
                    "a table",
                    Some("write when = { field = \"jenis_akun\", in = [\"mahasiswa\"] }".into()),
                );
                return None;
            }
        };
        let section = "\"when\"";
        self.keys(t, WHEN_KEYS, section);
        let field = self.string(t, "field", section, true);
        let values = self.strings(t, "in");
        if t.get("in").is_none() {
            self.missing(t, "in", section);
        }
        let (field, at) = field?;
        let Some((spec, _)) = fields.iter().find(|(f, _)| f.name == field) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| f.name.as_str()).collect();
            let hint = choices_hint(&field, &names, "fields are:");
            self.error(
                at,
                format!("unknown field \"{field}\" in \"when\""),
                Some(hint),
            );
            return None;
        };
        let values = values?;
        if let FieldType::Choice(choices) = &spec.ty {
            for (v, at) in &values {
                if !choices.contains(v) {
                    let all: Vec<&str> = choices.iter().map(String::as_str).collect();
                    let hint = choices_hint(v, &all, "choices are:");
                    self.error(
                        *at,
                        format!("\"{v}\" is not a choice of \"{field}\""),
                        Some(hint),
                    );
                }
            }
        }
        Some(StepWhen {
            field,
            values: values.into_iter().map(|v| v.0).collect(),
        })
    }
}

fn is_empty_array(item: &Item) -> bool {
    match item {
        Item::ArrayOfTables(a) => a.is_empty(),
        Item::Value(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("no_hp"));
        assert!(!is_identifier("No HP"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier(""));
    }
}
