//! Reading and checking rule files: the files, the TOML walk and its diagnostics. What a
//! rule file may hold (its keys, their types, the checks of names) is in `schema.rs`.
//!
//! Every `*.toml` of a directory is one rule; its id is the file stem. A file is parsed with
//! `toml_edit`, which keeps the byte span of every key and value, and walked by hand so that
//! *every* problem of *every* file is reported as a [`Diagnostic`] at the offending key or
//! value (or at the table header, for a missing key), with a hint where one helps. Nothing
//! stops at the first error; a file with errors yields no rule. The format is documented in
//! docs/rules.md.
//!
//! Checks need the names rule files refer to ([`RuleContext`]): an empty set of templates or
//! roles turns that check off.

use super::{Rule, RuleContext, RuleSet};
use crate::diag::{self, Diagnostic};
use regex::{Regex, RegexBuilder};
use std::path::Path;
use toml_edit::{ImDocument, InlineTable, Item, Table, Value};

mod schema;

/// Loads every `*.toml` in `dir`: the rules, or every diagnostic if any is an error.
pub fn load_dir(dir: &Path, ctx: &RuleContext) -> Result<RuleSet, Vec<Diagnostic>> {
    let (set, diags) = check_dir(dir, ctx);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(set)
    }
}

/// Loads what can be loaded and returns every diagnostic, warnings included, sorted by file
/// and position. The set holds only the rules of files without errors.
pub fn check_dir(dir: &Path, ctx: &RuleContext) -> (RuleSet, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut set = RuleSet::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::error(
                dir,
                format!("cannot read the rule directory: {e}"),
            ));
            return (set, diags);
        }
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        // The working-time calendar lives beside the rules but is not one (see src/sla/).
        .filter(|p| p.file_name().is_none_or(|n| n != crate::sla::CALENDAR_FILE))
        .collect();
    files.sort();
    if files.is_empty() {
        diags.push(
            Diagnostic::warning(
                dir,
                "no rule files (*.toml) here: every letter goes to triage",
            )
            .with_hint("see docs/rules.md for the format"),
        );
    }
    for file in files {
        let id = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&file) {
            Ok(source) => {
                let (rule, d) = load_str(&id, &file, &source, ctx);
                diags.extend(d);
                set.rules.extend(rule);
            }
            Err(e) => diags.push(Diagnostic::error(&file, format!("cannot read: {e}"))),
        }
    }
    set.rules.sort_by(|a, b| a.id.cmp(&b.id));
    diag::sort(&mut diags);
    (set, diags)
}

/// Checks one rule file's text. The rule comes back only when there is no error.
pub fn load_str(
    id: &str,
    file: &Path,
    source: &str,
    ctx: &RuleContext,
) -> (Option<Rule>, Vec<Diagnostic>) {
    let mut c = Checker {
        file,
        src: source,
        ctx,
        diags: Vec::new(),
    };
    let rule = match ImDocument::parse(source) {
        Ok(doc) => c.rule(id, doc.as_table()),
        Err(e) => {
            let (at, msg) = syntax_error(&e);
            c.error(at, msg, None);
            None
        }
    };
    let ok = !c.diags.iter().any(Diagnostic::is_error);
    (rule.filter(|_| ok), c.diags)
}

/// Where a TOML syntax error is, and the message for it (on one line).
pub(crate) fn syntax_error(e: &toml_edit::TomlError) -> (usize, String) {
    let at = e.span().map_or(0, |s| s.start);
    let msg = e.message().lines().collect::<Vec<_>>().join(": ");
    (at, format!("toml syntax error: {msg}"))
}

/// A table written as `[[x]]`/`[x]` or inline `{ … }`.
#[derive(Clone, Copy)]
enum Tbl<'d> {
    Table(&'d Table),
    Inline(&'d InlineTable),
}

impl<'d> Tbl<'d> {
    fn start(self) -> usize {
        let span = match self {
            Tbl::Table(t) => t.span(),
            Tbl::Inline(t) => t.span(),
        };
        span.map_or(0, |s| s.start)
    }

    /// Keys with the offset of each.
    fn keys(self) -> Vec<(&'d str, usize)> {
        let names: Vec<&str> = match self {
            Tbl::Table(t) => t.iter().map(|(k, _)| k).collect(),
            Tbl::Inline(t) => t.iter().map(|(k, _)| k).collect(),
        };
        names
            .into_iter()
            .map(|k| {
                let key = match self {
                    Tbl::Table(t) => t.key(k),
                    Tbl::Inline(t) => t.key(k),
                };
                (k, key.and_then(|k| k.span()).map_or(0, |s| s.start))
            })
            .collect()
    }

    fn get(self, key: &str) -> Option<&'d Item> {
        match self {
            Tbl::Table(t) => t.get(key),
            Tbl::Inline(t) => t.get_key_value(key).map(|(_, v)| v),
        }
    }

    fn key_at(self, key: &str) -> Option<usize> {
        let k = match self {
            Tbl::Table(t) => t.key(key),
            Tbl::Inline(t) => t.key(key),
        };
        k.and_then(|k| k.span()).map(|s| s.start)
    }
}

fn item_start(item: &Item) -> usize {
    item.span().map_or(0, |s| s.start)
}

fn value_start(v: &Value) -> usize {
    v.span().map_or(0, |s| s.start)
}

/// "a string \"tinggi\"", "an integer 3", "an array" — what a value is, for messages.
fn describe(item: &Item) -> String {
    match item {
        Item::None => "nothing".into(),
        Item::Value(v) => describe_value(v),
        Item::Table(_) => "a table".into(),
        Item::ArrayOfTables(_) => "an array of tables".into(),
    }
}

fn describe_value(v: &Value) -> String {
    let shown = || v.to_string().trim().to_owned();
    match v {
        Value::String(_) => format!("a string {}", shown()),
        Value::Integer(_) => format!("an integer {}", shown()),
        Value::Float(_) => format!("a float {}", shown()),
        Value::Boolean(_) => format!("a boolean {}", shown()),
        Value::Datetime(_) => format!("a date-time {}", shown()),
        Value::Array(_) => "an array".into(),
        Value::InlineTable(_) => "an inline table".into(),
    }
}
struct Checker<'a> {
    file: &'a Path,
    src: &'a str,
    ctx: &'a RuleContext,
    diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn error(&mut self, at: usize, msg: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::error(self.file, msg).at_offset(self.src, at);
        d.hint = hint;
        self.diags.push(d);
    }

    fn warning(&mut self, at: usize, msg: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::warning(self.file, msg).at_offset(self.src, at);
        d.hint = hint;
        self.diags.push(d);
    }

    fn line_of(&self, at: usize) -> usize {
        diag::line_col(self.src, at).0
    }

    // ----- generic readers ------------------------------------------------------------

    fn keys(&mut self, t: Tbl<'_>, allowed: &[&str], section: &str) {
        for (key, at) in t.keys() {
            if !allowed.contains(&key) {
                let hint = match did_you_mean(key, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", allowed.join(", ")),
                };
                self.error(
                    at,
                    format!("unknown key \"{key}\" in {section}"),
                    Some(hint),
                );
            }
        }
    }

    fn missing(&mut self, t: Tbl<'_>, key: &str, section: &str) {
        self.error(
            t.start(),
            format!("missing key \"{key}\" in {section}"),
            None,
        );
    }

    fn wrong_type(&mut self, item: &Item, key: &str, expected: &str, hint: Option<String>) {
        self.error(
            item_start(item),
            format!(
                "expected {expected} for \"{key}\", found {}",
                describe(item)
            ),
            hint,
        );
    }

    /// A string; `None` when absent (reported if `required`) or of another type.
    fn string(
        &mut self,
        t: Tbl<'_>,
        key: &str,
        section: &str,
        required: bool,
    ) -> Option<(String, usize)> {
        let Some(item) = t.get(key) else {
            if required {
                self.missing(t, key, section);
            }
            return None;
        };
        match item.as_str() {
            Some(s) => Some((s.to_owned(), item_start(item))),
            None => {
                self.wrong_type(item, key, "a string", None);
                None
            }
        }
    }

    fn number(
        &mut self,
        t: Tbl<'_>,
        key: &str,
        section: &str,
        required: bool,
    ) -> Option<(f64, usize)> {
        let Some(item) = t.get(key) else {
            if required {
                self.missing(t, key, section);
            }
            return None;
        };
        let n = item
            .as_integer()
            .map(|i| i as f64)
            .or_else(|| item.as_float());
        match n {
            Some(n) if n.is_finite() => Some((n, item_start(item))),
            Some(_) => {
                self.error(
                    item_start(item),
                    format!(
                        "expected a finite number for \"{key}\", found {}",
                        describe(item)
                    ),
                    None,
                );
                None
            }
            None => {
                self.wrong_type(item, key, "a number", None);
                None
            }
        }
    }

    fn boolean(&mut self, t: Tbl<'_>, key: &str) -> Option<bool> {
        let item = t.get(key)?;
        match item.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(item, key, "true or false", None);
                None
            }
        }
    }

    /// An array of strings, each with its offset. A lone string is an error with a hint.
    fn strings(&mut self, t: Tbl<'_>, key: &str) -> Option<Vec<(String, usize)>> {
        let item = t.get(key)?;
        let Some(arr) = item.as_array() else {
            let hint = item.as_str().map(|s| format!("write {key} = [\"{s}\"]"));
            self.wrong_type(item, key, "an array of strings", hint);
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for v in arr.iter() {
            match v.as_str() {
                Some(s) => out.push((s.to_owned(), value_start(v))),
                None => {
                    ok = false;
                    self.error(
                        value_start(v),
                        format!(
                            "expected a string in \"{key}\", found {}",
                            describe_value(v)
                        ),
                        None,
                    );
                }
            }
        }
        ok.then_some(out)
    }

    /// `[[key]]` tables, or an array of inline tables.
    fn tables<'d>(&mut self, root: Tbl<'d>, key: &str) -> Vec<Tbl<'d>> {
        let Some(item) = root.get(key) else {
            return Vec::new();
        };
        match item {
            Item::ArrayOfTables(a) => a.iter().map(Tbl::Table).collect(),
            Item::Value(Value::Array(arr)) => {
                let mut out = Vec::new();
                for v in arr.iter() {
                    match v.as_inline_table() {
                        Some(t) => out.push(Tbl::Inline(t)),
                        None => self.error(
                            value_start(v),
                            format!("expected a table in \"{key}\", found {}", describe_value(v)),
                            Some(format!("write each one as a [[{key}]] table")),
                        ),
                    }
                }
                out
            }
            other => {
                self.wrong_type(
                    other,
                    key,
                    "an array of tables",
                    Some(format!("write [[{key}]], with double brackets")),
                );
                Vec::new()
            }
        }
    }

    /// A name from a fixed list, with a did-you-mean hint.
    fn named<T: Copy>(
        &mut self,
        value: &str,
        at: usize,
        what: &str,
        names: &[(&str, T)],
    ) -> Option<T> {
        if let Some((_, t)) = names.iter().find(|(n, _)| *n == value) {
            return Some(*t);
        }
        let all: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        self.error(
            at,
            format!("unknown {what} \"{value}\""),
            Some(choices_hint(value, &all, &format!("{what}s are:"))),
        );
        None
    }

    fn regex(&mut self, pattern: &str, at: usize) -> Option<Regex> {
        match RegexBuilder::new(pattern).case_insensitive(true).build() {
            Ok(r) => Some(r),
            Err(e) => {
                let text = e.to_string();
                let why = text
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .trim_start_matches("error: ")
                    .to_owned();
                self.error(at, format!("bad regex \"{pattern}\": {why}"), None);
                None
            }
        }
    }

    fn role(&mut self, role: &str, at: usize) {
        let roles = &self.ctx.roles;
        if roles.is_empty() || roles.contains(role) {
            return;
        }
        let all: Vec<&str> = roles.iter().map(String::as_str).collect();
        let hint = choices_hint(role, &all, "roles are:");
        self.error(at, format!("unknown role \"{role}\""), Some(hint));
    }

    fn template(&mut self, name: &str, at: usize) {
        let templates = &self.ctx.templates;
        if templates.is_empty() || templates.contains(name) {
            return;
        }
        let all: Vec<&str> = templates.iter().map(String::as_str).collect();
        let hint = choices_hint(name, &all, "templates are in templates/:");
        self.error(at, format!("unknown template \"{name}\""), Some(hint));
    }
}

/// "did you mean `x`? <intro> a, b, c" or just "<intro> a, b, c".
fn choices_hint(bad: &str, all: &[&str], intro: &str) -> String {
    let list = format!("{intro} {}", all.join(", "));
    match did_you_mean(bad, all.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? {list}"),
        None => list,
    }
}

/// The closest candidate within a small edit distance.
pub(crate) fn did_you_mean<'c>(
    bad: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (bad.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(bad, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance by characters, counting a swap of two neighbours as one edit (optimal
/// string alignment): "wieght" is one edit from "weight", as a typist would see it.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j chars of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("wieght", "weight"), 1);
        assert_eq!(edit_distance("unti", "unit"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("aktor", "actor"), 1);
        assert_eq!(
            did_you_mean("wieght", ["in", "any", "weight"].into_iter()),
            Some("weight")
        );
        assert_eq!(
            did_you_mean("colour", ["in", "any", "weight"].into_iter()),
            None
        );
        assert_eq!(
            did_you_mean("disposisi_zoom", ["disposisi", "ack"].into_iter()),
            None
        );
    }
}
