//! `daemon.toml`: one serde struct per section, `deny_unknown_fields`, kebab-case keys, then a
//! validation pass that collects every semantic problem as a [`Diagnostic`] with file:line:col.
//!
//! Relative paths in the file are relative to the directory that holds it, so
//! `suratd --config /etc/suratd/daemon.toml` works from any working directory.

use crate::diag::Diagnostic;
use crate::parse::Limits;
use chrono::FixedOffset;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    pub database: PathBuf,
    pub rules_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub ticket_prefix: String,
    /// Default language of emails (`id` or `en`).
    pub language: String,
    pub timezone: Timezone,
    pub poll_seconds: u64,
    pub helpdesk: Helpdesk,
    pub sources: Vec<SourceConfig>,
    pub outbox: OutboxConfig,
    pub limits: Limits,
    pub people: Vec<Person>,
}

/// Indonesia keeps no daylight saving time, so each of its zones is a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone {
    pub name: &'static str,
    pub offset: FixedOffset,
}

impl Timezone {
    const KNOWN: [(&'static str, i32); 7] = [
        ("Asia/Jakarta", 7),
        ("Asia/Pontianak", 7),
        ("WIB", 7),
        ("Asia/Makassar", 8),
        ("WITA", 8),
        ("Asia/Jayapura", 9),
        ("WIT", 9),
    ];

    pub fn parse(name: &str) -> Option<Timezone> {
        Self::KNOWN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|&(n, h)| {
                FixedOffset::east_opt(h * 3600).map(|offset| Timezone { name: n, offset })
            })
    }

    pub fn jakarta() -> Timezone {
        Timezone {
            name: "Asia/Jakarta",
            offset: FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Helpdesk {
    pub address: String,
    pub name: String,
    /// The domain of `address`, used for the Message-IDs suratd makes.
    pub domain: String,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Short name, unique; part of each stored message's source position.
    pub name: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone)]
pub enum SourceKind {
    Maildir {
        path: PathBuf,
        /// Move messages from `new/` to `cur/` once stored (what a mail client does).
        move_to_cur: bool,
    },
}

#[derive(Debug, Clone)]
pub enum OutboxConfig {
    /// Each email is written as `<dir>/<message-id>.eml`.
    File { dir: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

/// Roles every installation has; `[[person]]` entries may add more.
pub const BUILTIN_ROLES: [&str; 6] = ["pemohon", "helpdesk", "pimpinan", "staf", "kepala", "kabag"];

// ---- the file as written -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    daemon: RawDaemon,
    helpdesk: RawHelpdesk,
    #[serde(default)]
    source: Vec<toml::Spanned<RawSource>>,
    outbox: RawOutbox,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    person: Vec<toml::Spanned<RawPerson>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDaemon {
    database: toml::Spanned<String>,
    rules: toml::Spanned<String>,
    templates: toml::Spanned<String>,
    #[serde(default = "default_prefix")]
    ticket_prefix: toml::Spanned<String>,
    #[serde(default = "default_language")]
    language: toml::Spanned<String>,
    #[serde(default = "default_timezone")]
    timezone: toml::Spanned<String>,
    #[serde(default = "default_poll")]
    poll_seconds: u64,
}

fn default_prefix() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "TIK".into())
}
fn default_language() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "id".into())
}
fn default_timezone() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "Asia/Jakarta".into())
}
fn default_poll() -> u64 {
    30
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHelpdesk {
    address: toml::Spanned<String>,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSource {
    name: String,
    kind: toml::Spanned<String>,
    path: Option<String>,
    #[serde(default)]
    move_to_cur: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOutbox {
    transport: toml::Spanned<String>,
    dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPerson {
    name: String,
    email: toml::Spanned<String>,
    roles: Vec<String>,
}

/// Reads and validates `daemon.toml`. On failure, every problem found.
pub fn load(file: &Path) -> Result<Config, Vec<Diagnostic>> {
    let source = std::fs::read_to_string(file).map_err(|e| {
        vec![Diagnostic::error(file, format!("cannot read config: {e}"))
            .with_hint("pass the config with --config PATH (default: daemon.toml)")]
    })?;
    from_str(file, &source)
}

/// Validates config text as if read from `file`.
pub fn from_str(file: &Path, source: &str) -> Result<Config, Vec<Diagnostic>> {
    let raw: RawConfig = toml::from_str(source).map_err(|e| {
        let msg = e.message().trim().to_string();
        let d =
            Diagnostic::error(file, msg).with_hint("see the comments in the shipped daemon.toml");
        vec![match e.span() {
            Some(span) => d.at_offset(source, span.start),
            None => d,
        }]
    })?;
    let base = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let resolve = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let mut diags = Vec::new();
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::error(file, msg).at_offset(source, span.start)
    };

    let address = raw.helpdesk.address.get_ref().trim().to_lowercase();
    let domain = match address.rsplit_once('@') {
        Some((local, dom)) if !local.is_empty() && dom.contains('.') => dom.to_string(),
        _ => {
            diags.push(
                at(
                    raw.helpdesk.address.span(),
                    format!("helpdesk address \"{address}\" is not an email address"),
                )
                .with_hint("write address = \"helpdesk@kampus.ac.id\""),
            );
            String::new()
        }
    };

    let lang = raw.daemon.language.get_ref().clone();
    if lang != "id" && lang != "en" {
        diags.push(
            at(
                raw.daemon.language.span(),
                format!("unknown language \"{lang}\""),
            )
            .with_hint("use \"id\" (Bahasa Indonesia) or \"en\" (English)"),
        );
    }
    let prefix = raw.daemon.ticket_prefix.get_ref().clone();
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
        diags.push(
            at(
                raw.daemon.ticket_prefix.span(),
                format!("ticket prefix \"{prefix}\" must be upper-case letters"),
            )
            .with_hint("e.g. ticket-prefix = \"TIK\""),
        );
    }
    let timezone = match Timezone::parse(raw.daemon.timezone.get_ref()) {
        Some(tz) => tz,
        None => {
            diags.push(
                at(
                    raw.daemon.timezone.span(),
                    format!("unknown time zone \"{}\"", raw.daemon.timezone.get_ref()),
                )
                .with_hint("use Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"),
            );
            Timezone::jakarta()
        }
    };

    let rules_dir = resolve(raw.daemon.rules.get_ref());
    if !rules_dir.is_dir() {
        diags.push(
            at(
                raw.daemon.rules.span(),
                format!("rules directory \"{}\" does not exist", rules_dir.display()),
            )
            .with_hint("paths are relative to the directory of daemon.toml"),
        );
    }
    let templates_dir = resolve(raw.daemon.templates.get_ref());
    if !templates_dir.is_dir() {
        diags.push(
            at(
                raw.daemon.templates.span(),
                format!(
                    "templates directory \"{}\" does not exist",
                    templates_dir.display()
                ),
            )
            .with_hint("paths are relative to the directory of daemon.toml"),
        );
    }

    let mut sources = Vec::new();
    for s in &raw.source {
        let span = s.span();
        let s = s.get_ref();
        if sources.iter().any(|o: &SourceConfig| o.name == s.name) {
            diags.push(at(
                span.clone(),
                format!("duplicate source name \"{}\"", s.name),
            ));
        }
        match s.kind.get_ref().as_str() {
            "maildir" => match &s.path {
                Some(p) => sources.push(SourceConfig {
                    name: s.name.clone(),
                    kind: SourceKind::Maildir {
                        path: resolve(p),
                        move_to_cur: s.move_to_cur,
                    },
                }),
                None => diags.push(
                    at(span, "maildir source needs a path".into())
                        .with_hint("path = \"mail/inbox\""),
                ),
            },
            other => diags.push(
                at(s.kind.span(), format!("unknown source kind \"{other}\""))
                    .with_hint("kinds: maildir"),
            ),
        }
    }
    if raw.source.is_empty() {
        diags.push(
            Diagnostic::error(file, "no [[source]] configured: suratd would read no mail")
                .with_hint("add a [[source]] with kind = \"maildir\" and a path"),
        );
    }

    let outbox = match raw.outbox.transport.get_ref().as_str() {
        "file" => OutboxConfig::File {
            dir: resolve(raw.outbox.dir.as_deref().unwrap_or("var/outbox")),
        },
        other => {
            diags.push(
                at(
                    raw.outbox.transport.span(),
                    format!("unknown outbox transport \"{other}\""),
                )
                .with_hint("transports: file"),
            );
            OutboxConfig::File {
                dir: resolve("var/outbox"),
            }
        }
    };

    let mut people = Vec::new();
    for p in &raw.person {
        let pr = p.get_ref();
        let email = pr.email.get_ref().trim().to_lowercase();
        if !email.contains('@') {
            diags.push(at(
                pr.email.span(),
                format!("\"{email}\" is not an email address"),
            ));
        }
        people.push(Person {
            name: pr.name.clone(),
            email,
            roles: pr.roles.clone(),
        });
    }

    if !diags.is_empty() {
        crate::diag::sort(&mut diags);
        return Err(diags);
    }
    Ok(Config {
        file: file.to_path_buf(),
        database: resolve(raw.daemon.database.get_ref()),
        rules_dir,
        templates_dir,
        ticket_prefix: prefix,
        language: lang,
        timezone,
        poll_seconds: raw.daemon.poll_seconds.max(1),
        helpdesk: Helpdesk {
            address,
            name: raw.helpdesk.name,
            domain,
        },
        sources,
        outbox,
        limits: raw.limits,
        people,
    })
}

impl Config {
    /// Every role known: the built-in ones and those given to people.
    pub fn roles(&self) -> std::collections::BTreeSet<String> {
        BUILTIN_ROLES
            .iter()
            .map(|r| r.to_string())
            .chain(self.people.iter().flat_map(|p| p.roles.iter().cloned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        let file = dir.path().join("daemon.toml");
        match from_str(&file, src) {
            Ok(_) => vec![],
            Err(ds) => ds
                .iter()
                .map(|d| {
                    d.headline()
                        .replace(&dir.path().display().to_string(), "DIR")
                })
                .collect(),
        }
    }

    const GOOD: &str = r#"
[daemon]
database = "var/suratd.db"
rules = "rules"
templates = "templates"

[helpdesk]
address = "helpdesk@kampus.ac.id"
name = "Helpdesk TIK"

[[source]]
name = "inbox"
kind = "maildir"
path = "mail"

[outbox]
transport = "file"
dir = "var/outbox"
"#;

    #[test]
    fn good_config_loads() {
        assert_eq!(check(GOOD), Vec::<String>::new());
    }

    #[test]
    fn unknown_key_is_reported_with_position() {
        let src = GOOD.replace(
            "name = \"Helpdesk TIK\"",
            "name = \"Helpdesk TIK\"\nadres = \"x\"",
        );
        assert_eq!(
            check(&src),
            vec!["DIR/daemon.toml:10:1: error: unknown field `adres`, expected `address` or `name` (hint: see the comments in the shipped daemon.toml)"]
        );
    }

    #[test]
    fn semantic_errors_are_all_collected() {
        let src = GOOD
            .replace("helpdesk@kampus.ac.id", "helpdesk")
            .replace("kind = \"maildir\"", "kind = \"pop3\"")
            .replace("rules = \"rules\"", "rules = \"aturan\"");
        assert_eq!(
            check(&src),
            vec![
                "DIR/daemon.toml:4:9: error: rules directory \"DIR/aturan\" does not exist (hint: paths are relative to the directory of daemon.toml)",
                "DIR/daemon.toml:8:11: error: helpdesk address \"helpdesk\" is not an email address (hint: write address = \"helpdesk@kampus.ac.id\")",
                "DIR/daemon.toml:13:8: error: unknown source kind \"pop3\" (hint: kinds: maildir)",
            ]
        );
    }

    #[test]
    fn indonesian_zones_are_fixed_offsets() {
        assert_eq!(
            Timezone::parse("WITA").map(|t| t.offset.local_minus_utc()),
            Some(8 * 3600)
        );
        assert_eq!(
            Timezone::parse("Asia/Jakarta").map(|t| t.offset.local_minus_utc()),
            Some(7 * 3600)
        );
        assert!(Timezone::parse("Europe/Berlin").is_none());
    }
}
