//! Email templates: `templates/<name>.<lang>.hbs`, handlebars, Indonesian (`id`) first and
//! English (`en`) where written. A template starts with a `Subject:` line (Indonesian
//! `Subjek:` works too), then an empty line, then the body.
//!
//! Strict: a variable the context does not have is an error, found at load time by rendering
//! every template against a sample context that has every variable, so `suratd check` reports
//! a typo as `templates/ack.id.hbs:7:12` before any email goes out. Output is plain text: no
//! HTML escaping.

use super::context::EmailContext;
use crate::diag::Diagnostic;
use handlebars::Handlebars;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const LANGUAGES: [&str; 2] = ["id", "en"];

#[derive(Debug)]
pub struct Templates {
    hb: Handlebars<'static>,
    /// name → languages available.
    names: BTreeMap<String, BTreeSet<String>>,
    files: BTreeMap<String, PathBuf>,
    /// `name.lang` → the variables it names (an [`EmailContext::data`] mask).
    uses: BTreeMap<String, u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no template \"{0}\"")]
    Unknown(String),
    #[error("template {file}: {message}")]
    Render { file: String, message: String },
}

/// A rendered email: subject and body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl Templates {
    /// Loads and checks every template in `dir`; all problems are returned together.
    pub fn load(dir: &Path) -> Result<Templates, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut files = BTreeMap::new();
        let mut uses = BTreeMap::new();
        // Every template file present, loadable or not: a broken Indonesian template is one
        // error, not also "no Indonesian version".
        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                return Err(vec![Diagnostic::error(
                    dir,
                    format!("cannot read templates directory: {e}"),
                )])
            }
        };
        entries.sort();
        for path in entries {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(stem) = file_name.strip_suffix(".hbs") else {
                continue;
            };
            let Some((name, lang)) = stem.rsplit_once('.') else {
                diags.push(
                    Diagnostic::error(&path, "template file name has no language")
                        .with_hint(format!("name it {stem}.id.hbs or {stem}.en.hbs")),
                );
                continue;
            };
            seen.entry(name.to_string())
                .or_default()
                .insert(lang.to_string());
            if !LANGUAGES.contains(&lang) {
                diags.push(
                    Diagnostic::error(&path, format!("unknown template language \"{lang}\""))
                        .with_hint("languages: id, en"),
                );
                continue;
            }
            let source = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) => {
                    diags.push(Diagnostic::error(
                        &path,
                        format!("cannot read template: {e}"),
                    ));
                    continue;
                }
            };
            if split_subject(&source).is_none() {
                diags.push(
                    Diagnostic::error(&path, "template does not start with a Subject: line")
                        .with_hint("first line: Subject: …, then an empty line, then the body")
                        .at_line(&source, 1, 1),
                );
                continue;
            }
            let key = format!("{name}.{lang}");
            // Subject and body are separate templates, so a value with a line break can
            // never move text from the subject into the body or the headers. Both keep
            // their line numbers: the body template starts with the subject's line, empty.
            let (first, rest) = source.split_once('\n').unwrap_or((&source, ""));
            let parts = [
                (format!("{key}.subject"), first.to_string()),
                (format!("{key}.body"), format!("\n{rest}")),
            ];
            if let Some(d) = parts
                .iter()
                .find_map(|(part, text)| check_part(&mut hb, part, text))
            {
                let (line, col) = (d.line, d.col);
                diags.push(d.at_line(&source, line, col).with_file(&path));
                continue;
            }
            names
                .entry(name.to_string())
                .or_default()
                .insert(lang.to_string());
            uses.insert(key.clone(), variables_named(&source));
            files.insert(key, path.clone());
        }
        for (name, langs) in &seen {
            if !langs.contains("id") {
                diags.push(
                    Diagnostic::error(
                        dir.join(format!("{name}.en.hbs")),
                        format!("template \"{name}\" has no Indonesian version"),
                    )
                    .with_hint(format!(
                        "write {name}.id.hbs: Indonesian is the default language"
                    )),
                );
            }
        }
        if !diags.is_empty() {
            crate::diag::sort(&mut diags);
            return Err(diags);
        }
        Ok(Templates {
            hb,
            names,
            files,
            uses,
        })
    }

    /// Template names, for checking rule files.
    pub fn names(&self) -> BTreeSet<String> {
        self.names.keys().cloned().collect()
    }

    /// Renders `name` in `lang`, falling back to Indonesian.
    pub fn render(
        &self,
        name: &str,
        lang: &str,
        ctx: &EmailContext,
    ) -> Result<Rendered, RenderError> {
        let langs = self
            .names
            .get(name)
            .ok_or_else(|| RenderError::Unknown(name.to_string()))?;
        let lang = if langs.contains(lang) { lang } else { "id" };
        let key = format!("{name}.{lang}");
        let fail = |e: handlebars::RenderError| RenderError::Render {
            file: self
                .files
                .get(&key)
                .map(|p| crate::diag::display_path(p))
                .unwrap_or(key.clone()),
            message: e.to_string(),
        };
        // The context turned into data once for both parts (render() would do it per part),
        // and only the variables the template names.
        let keys = self
            .uses
            .get(&key)
            .copied()
            .unwrap_or(EmailContext::ALL_KEYS);
        let data = std::cell::OnceCell::new();
        let render = |part: &str| {
            let name = format!("{key}.{part}");
            // Walked directly when it is written in the plain forms (`walk.rs`): the same
            // text, without handlebars' render machinery or the context as JSON.
            let walked = self
                .hb
                .get_template(&name)
                .and_then(|t| super::walk::render(t, ctx));
            if let Some(text) = walked {
                return Ok(text);
            }
            let data = match data.get() {
                Some(d) => d,
                None => {
                    let d = ctx
                        .data(keys)
                        .map(handlebars::Context::from)
                        .map_err(|e| fail(handlebars::RenderErrorReason::SerdeError(e).into()))?;
                    data.get_or_init(|| d)
                }
            };
            self.hb.render_with_context(&name, data).map_err(fail)
        };
        let subject = render("subject")?;
        let subject = subject
            .strip_prefix("Subject:")
            .or_else(|| subject.strip_prefix("Subjek:"))
            .unwrap_or(&subject);
        let body = render("body")?;
        Ok(Rendered {
            // A header is one line: whatever a field value smuggled in, no CR/LF survives.
            subject: subject.replace(['\r', '\n'], " ").trim().to_string(),
            body: body.trim_start_matches('\n').to_string(),
        })
    }
}

/// Registers one part of a template and renders it against the sample context; the
/// problem, positioned by line and column (file set by the caller), if either fails.
fn check_part(hb: &mut Handlebars<'static>, part: &str, text: &str) -> Option<Diagnostic> {
    let at = |msg: String, line: usize, col: usize| {
        let mut d = Diagnostic::error("", msg);
        d.line = line;
        d.col = col;
        d
    };
    if let Err(e) = hb.register_template_string(part, text) {
        let (line, col) = e.pos().unwrap_or((0, 0));
        let reason = e.reason().to_string();
        // The parser's own text lists every token it could have taken: no help to an admin.
        let d = match reason.split_once(": expected") {
            Some((head, _)) => at(format!("template syntax: {head}"), line, col)
                .with_hint("every {{#if}} or {{#each}} needs its {{/if}} or {{/each}}; variables are written {{name}}"),
            None => at(format!("template syntax: {reason}"), line, col),
        };
        return Some(d);
    }
    // Strict mode: a variable the context lacks fails here, at load time.
    if let Err(e) = hb.render(part, &EmailContext::sample()) {
        let message = match e.reason() {
            handlebars::RenderErrorReason::MissingVariable(Some(v)) => {
                format!("unknown variable \"{v}\"")
            }
            other => other.to_string(),
        };
        return Some(
            at(message, e.line_no.unwrap_or(0), e.column_no.unwrap_or(0))
                .with_hint(format!("variables: {}", EmailContext::VARIABLES)),
        );
    }
    None
}

/// The context variables a template names inside `{{…}}`: a superset of those it can
/// reach, since any name it writes counts, in any block. All of them when it reaches the
/// context as a whole (`this`, `.`, `@root`, `../`, `lookup`, a partial) or is cut short.
fn variables_named(source: &str) -> u32 {
    let all = EmailContext::ALL_KEYS;
    let mut used = 0;
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return all;
        };
        let expr = &after[..close];
        rest = &after[close + 2..];
        let head = expr.trim_start_matches(['{', '~', ' ', '\t', '\n', '\r']);
        if head.starts_with('>') || expr.contains("../") || expr.contains("@root") {
            return all;
        }
        if expr
            .split_whitespace()
            .any(|t| t.trim_matches(['(', ')', '~', '}']) == "." || t.starts_with("./"))
        {
            return all;
        }
        for word in expr.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if word == "this" || word == "lookup" {
                return all;
            }
            if let Some(i) = EmailContext::KEYS.iter().position(|k| *k == word) {
                used |= 1 << i;
            }
        }
    }
    used
}

/// (subject, body) when the text starts with `Subject:`/`Subjek:` and an empty line follows.
fn split_subject(text: &str) -> Option<(&str, &str)> {
    let (first, rest) = text.split_once('\n')?;
    let subject = first
        .strip_prefix("Subject:")
        .or_else(|| first.strip_prefix("Subjek:"))?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    Some((subject.trim(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_one(name: &str, text: &str) -> Result<Templates, Vec<String>> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(name), text).expect("write");
        Templates::load(dir.path()).map_err(|ds| {
            ds.iter()
                .map(|d| d.headline().replace(&dir.path().display().to_string(), "T"))
                .collect()
        })
    }

    #[test]
    fn unknown_variable_is_reported_with_position() {
        let err = load_one("ack.id.hbs", "Subject: x\n\nHalo {{requester.nama}}\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(
            err[0].starts_with("T/ack.id.hbs:3:6: error: unknown variable \"requester.nama\""),
            "{}",
            err[0]
        );
    }

    #[test]
    fn subject_line_and_indonesian_version_are_required() {
        let err = load_one("ack.id.hbs", "Halo\n").unwrap_err();
        assert_eq!(
            err,
            vec!["T/ack.id.hbs:1:1: error: template does not start with a Subject: line (hint: first line: Subject: …, then an empty line, then the body)"]
        );
        let err = load_one("ack.en.hbs", "Subject: x\n\nHi\n").unwrap_err();
        assert_eq!(
            err,
            vec!["T/ack.en.hbs: error: template \"ack\" has no Indonesian version (hint: write ack.id.hbs: Indonesian is the default language)"]
        );
    }

    #[test]
    fn a_template_is_given_the_variables_it_names() {
        let keys = |s: &str| {
            let m = variables_named(s);
            EmailContext::KEYS
                .iter()
                .enumerate()
                .filter(|(i, _)| m & (1 << i) != 0)
                .map(|(_, k)| *k)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys("Subject: {{subject}}\n\n{{#each fields}}{{title}} this{{/each}} {{requester.name}}"),
            ["requester", "subject", "fields"]
        );
        assert!(keys("no variables, this and that").is_empty());
        let all = EmailContext::KEYS.len();
        for whole in [
            "{{#each fields}}{{this}}{{/each}}",
            "{{.}}",
            "{{#with sop}}{{../ticket}}{{/with}}",
            "{{@root.ticket}}",
            "{{lookup fields 0}}",
            "{{> other}}",
            "{{ticket",
        ] {
            assert_eq!(keys(whole).len(), all, "{whole}");
        }
    }

    /// Contexts that take every branch of the shipped templates: the sample (every list
    /// filled), every list empty and nothing optional, a context about no ticket.
    fn contexts() -> Vec<EmailContext> {
        let full = EmailContext::sample();
        let mut done = full.clone();
        done.complete = true;
        let mut bare = full.clone();
        bare.fields.clear();
        bare.missing.clear();
        bare.invalid.clear();
        bare.steps.clear();
        bare.next_step = None;
        bare.outputs.clear();
        bare.attachments.clear();
        bare.attachments_kept = false;
        bare.waiting.clear();
        bare.token.clear();
        let mut kept = full.clone();
        kept.attachments[0].attached = true;
        kept.attachments_kept = false;
        let none = EmailContext::about_no_ticket(full.helpdesk.clone(), full.recipient.clone());
        vec![full, done, bare, kept, none]
    }

    #[test]
    fn every_shipped_template_renders_as_handlebars_renders_it() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let t = Templates::load(&dir).expect("templates load");
        let mut walked = 0;
        for ctx in contexts() {
            let whole = handlebars::Context::wraps(&ctx).expect("json");
            for (name, langs) in &t.names {
                for lang in langs {
                    let key = format!("{name}.{lang}");
                    let part = |p: &str| t.hb.render_with_context(&format!("{key}.{p}"), &whole);
                    let expected = part("subject").and_then(|subject| {
                        let subject = subject
                            .strip_prefix("Subject:")
                            .or_else(|| subject.strip_prefix("Subjek:"))
                            .unwrap_or(&subject)
                            .replace(['\r', '\n'], " ")
                            .trim()
                            .to_string();
                        let body = part("body")?.trim_start_matches('\n').to_string();
                        Ok(Rendered { subject, body })
                    });
                    let mine = t.render(name, lang, &ctx);
                    match (&mine, &expected) {
                        (Ok(m), Ok(e)) => assert_eq!(m, e, "{key}"),
                        (Err(_), Err(_)) => {}
                        _ => panic!("{key}: {mine:?} but handlebars {expected:?}"),
                    }
                    for p in ["subject", "body"] {
                        let tree = t.hb.get_template(&format!("{key}.{p}")).expect("tree");
                        walked += usize::from(super::super::walk::render(tree, &ctx).is_some());
                    }
                }
            }
        }
        // The plain forms are most of what the shipped templates are written in.
        let parts = contexts().len() * t.files.len() * 2;
        assert!(walked * 2 > parts, "walked {walked} of {parts} parts");
    }

    #[test]
    fn renders_plain_text_without_escaping_and_one_line_subject() {
        let t = load_one(
            "ack.id.hbs",
            "Subject: {{subject}}\n\n<{{requester.name}}> & co\n",
        )
        .expect("loads");
        let mut ctx = EmailContext::sample();
        ctx.subject = "a\r\nBcc: evil@x".into();
        ctx.requester.name = "Budi & Ani".into();
        let r = t.render("ack", "en", &ctx).expect("renders");
        assert_eq!(r.subject, "a  Bcc: evil@x");
        assert_eq!(r.body, "<Budi & Ani> & co\n");
    }
}
