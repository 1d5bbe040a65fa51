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

#[macro_use]
mod raw;
mod server;
#[cfg(test)]
mod tests;

use raw::*;
use server::*;

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
    pub answers: Answers,
    pub people: Vec<Person>,
    pub security: Security,
    /// `[cron]`: periodic jobs (digest, weekly SLA report, IMAP poll fallback); see
    /// docs/sla.md.
    pub cron: Vec<crate::sla::cron::CronJob>,
}

/// `[security]`: how decisions by reply are trusted.
#[derive(Debug, Clone)]
pub struct Security {
    /// The key approval tokens are signed with; `None` when `[security]` gives none (then no
    /// disposition email can carry a token, and none is sent).
    pub token_secret: Option<crate::approval::token::TokenSecret>,
    /// How long a token stays valid, in days (0: tokens expire at once, for tests).
    pub token_days: u32,
    /// At most one `keputusan_ditolak` notice per ticket and person in this many minutes
    /// (every refusal is still logged).
    pub refusal_notice_minutes: u32,
    /// Who may decide: `require-authenticated-sender`, the trusted authserv-ids, and each
    /// person's aliases.
    pub sender: crate::approval::sender::SenderPolicy,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            token_secret: None,
            token_days: 7,
            refusal_notice_minutes: 60,
            sender: crate::approval::sender::SenderPolicy::default(),
        }
    }
}

impl Config {
    /// The people holding `role`, in file order.
    pub fn people_with_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Person> + 'a {
        self.people
            .iter()
            .filter(move |p| p.roles.iter().any(|r| r.eq_ignore_ascii_case(role)))
    }

    /// The person with this name or email (or alias), case-insensitive.
    pub fn person(&self, name_or_email: &str) -> Option<&Person> {
        let k = name_or_email.trim().to_lowercase();
        self.people
            .iter()
            .find(|p| p.name.to_lowercase() == k || p.email == k || p.aliases.contains(&k))
    }
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
    /// Who is told when a live edit of the rules or templates is broken (hot reload).
    pub admin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// Short name, unique; part of each stored message's source position.
    pub name: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Maildir {
        path: PathBuf,
        /// Move messages from `new/` to `cur/` once stored (what a mail client does).
        move_to_cur: bool,
    },
    Imap(ImapConfig),
}

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    /// Plain connection upgraded with STARTTLS (IMAP 143, submission 587).
    Starttls,
    /// No TLS at all: only for a server on the loopback interface.
    None,
}

/// A password, from the file itself, an environment variable or a file. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What happens to a message on the server once it is safely stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterStore {
    /// Leave it as it is (the default: suratd never deletes mail).
    Keep,
    /// Set `\Seen`.
    Seen,
    /// Move it to this folder.
    Move(String),
}

/// TLS trust settings shared by IMAP and SMTP.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsTrust {
    /// Extra CA certificate (PEM) to trust, e.g. a test CA or the university's own.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. Tests only; never for a real server.
    pub accept_invalid_certs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub trust: TlsTrust,
    pub username: String,
    pub password: Secret,
    /// Folders to read, each with its own task and cursor.
    pub folders: Vec<String>,
    pub after_store: AfterStore,
    /// Use IMAP IDLE when the server offers it (else poll).
    pub idle: bool,
    /// Seconds between polls when IDLE is off or not offered.
    pub poll_seconds: u64,
    /// Messages fetched per UID FETCH.
    pub batch_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxConfig {
    /// Each email is written as `<dir>/<message-id>.eml`.
    File {
        dir: PathBuf,
    },
    Smtp(SmtpConfig),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub trust: TlsTrust,
    /// Login, when the server needs one.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Seconds before the first retry of a temporary failure; doubled each time.
    pub retry_base_seconds: u64,
    /// The longest wait between two retries.
    pub retry_max_seconds: u64,
    /// After this many hours of temporary failures an email is parked.
    pub give_up_hours: u64,
    /// Seconds to wait on the server before a try counts as failed.
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    /// Other addresses of the same person, lower-cased (accepted as the sender of a decision).
    pub aliases: Vec<String>,
    /// The language of the emails to this person (`id` or `en`); `None`: the rule's, else the
    /// daemon's.
    pub language: Option<String>,
}

/// `[answers]`: loop protection. Automatic mail (RFC 3834, bounces, lists) is never
/// answered at all; this caps what is left, e.g. an auto-responder without any automatic
/// header whose answers look like new letters.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Answers {
    /// At most this many emails to one requester address in any hour; beyond it an answer is
    /// recorded on its ticket (`email_suppressed`) and not sent. 0: no limit. People of
    /// `[[person]]` (leaders, staff) are not limited.
    pub per_sender_per_hour: u32,
}

impl Default for Answers {
    fn default() -> Self {
        Answers {
            per_sender_per_hour: 30,
        }
    }
}

/// Roles every installation has; `[[person]]` entries may add more.
pub const BUILTIN_ROLES: [&str; 6] = ["pemohon", "helpdesk", "pimpinan", "staf", "kepala", "kabag"];

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

    let admin = raw.helpdesk.admin.as_ref().map(|a| {
        let v = a.get_ref().trim().to_lowercase();
        if !v
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        {
            diags.push(
                at(
                    a.span(),
                    format!("admin address \"{v}\" is not an email address"),
                )
                .with_hint("write admin = \"admin.tik@kampus.ac.id\""),
            );
        }
        v
    });
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
            "imap" => {
                let after_store = match s
                    .after_store
                    .as_ref()
                    .map(|a| (a.get_ref().as_str(), a.span()))
                {
                    None | Some(("keep", _)) => AfterStore::Keep,
                    Some(("seen", _)) => AfterStore::Seen,
                    Some(("move", sp)) => match &s.move_to {
                        Some(folder) => AfterStore::Move(folder.clone()),
                        None => {
                            diags.push(
                                at(sp, "after-store = \"move\" needs move-to".into())
                                    .with_hint("move-to = \"Processed\""),
                            );
                            AfterStore::Keep
                        }
                    },
                    Some((other, sp)) => {
                        diags.push(
                            at(sp, format!("unknown after-store \"{other}\""))
                                .with_hint("keep, seen or move"),
                        );
                        AfterStore::Keep
                    }
                };
                let folders = s
                    .folders
                    .clone()
                    .unwrap_or_else(|| vec!["INBOX".to_string()]);
                if folders.is_empty() {
                    diags.push(
                        at(
                            span.clone(),
                            "folders is empty: this source would read nothing".into(),
                        )
                        .with_hint("folders = [\"INBOX\"]"),
                    );
                }
                let server = raw_server!(s, span.clone());
                if let Some(c) =
                    resolve_server(&server, Protocol::Imap, file, source, &resolve, &mut diags)
                {
                    sources.push(SourceConfig {
                        name: s.name.clone(),
                        kind: SourceKind::Imap(ImapConfig {
                            host: c.host,
                            port: c.port,
                            tls: c.tls,
                            trust: c.trust,
                            username: c.username.unwrap_or_default(),
                            password: c.password.unwrap_or_else(|| Secret::new("")),
                            folders,
                            after_store,
                            idle: s.idle.unwrap_or(true),
                            poll_seconds: s.poll_seconds.unwrap_or(60).max(1),
                            batch_size: s.batch_size.unwrap_or(200).clamp(1, 5000),
                        }),
                    });
                }
            }
            other => diags.push(
                at(s.kind.span(), format!("unknown source kind \"{other}\""))
                    .with_hint("kinds: maildir, imap"),
            ),
        }
    }
    if raw.source.is_empty() {
        diags.push(
            Diagnostic::error(file, "no [[source]] configured: suratd would read no mail")
                .with_hint("add a [[source]] with kind = \"maildir\" and a path"),
        );
    }

    let o = &raw.outbox;
    let outbox = match o.transport.get_ref().as_str() {
        "file" => OutboxConfig::File {
            dir: resolve(o.dir.as_deref().unwrap_or("var/outbox")),
        },
        "smtp" => {
            let server = raw_server!(o, o.transport.span());
            match resolve_server(&server, Protocol::Smtp, file, source, &resolve, &mut diags) {
                Some(c) => OutboxConfig::Smtp(SmtpConfig {
                    host: c.host,
                    port: c.port,
                    tls: c.tls,
                    trust: c.trust,
                    username: c.username,
                    password: c.password,
                    retry_base_seconds: o.retry_base_seconds.unwrap_or(30).max(1),
                    retry_max_seconds: o.retry_max_seconds.unwrap_or(3600).max(1),
                    give_up_hours: o.give_up_hours.unwrap_or(48).max(1),
                    timeout_seconds: o.timeout_seconds.unwrap_or(60).max(1),
                }),
                None => OutboxConfig::File {
                    dir: resolve("var/outbox"),
                },
            }
        }
        other => {
            diags.push(
                at(
                    o.transport.span(),
                    format!("unknown outbox transport \"{other}\""),
                )
                .with_hint("transports: file, smtp"),
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
        let mut aliases = Vec::new();
        for a in &pr.aliases {
            let alias = a.get_ref().trim().to_lowercase();
            if !alias.contains('@') {
                diags.push(at(
                    a.span(),
                    format!("alias \"{alias}\" is not an email address"),
                ));
            }
            aliases.push(alias);
        }
        if let Some(l) = &pr.language {
            if l.get_ref() != "id" && l.get_ref() != "en" {
                diags.push(
                    at(l.span(), format!("unknown language \"{}\"", l.get_ref()))
                        .with_hint("use \"id\" (Bahasa Indonesia) or \"en\" (English)"),
                );
            }
        }
        people.push(Person {
            name: pr.name.clone(),
            email,
            roles: pr.roles.clone(),
            aliases,
            language: pr.language.as_ref().map(|l| l.get_ref().clone()),
        });
    }
    let security = match &raw.security {
        None => Security::default(),
        Some(sec) => security(sec, &people, file, source, &resolve, &mut diags),
    };

    let cron = crate::sla::cron::jobs(&raw.cron, file, source, &mut diags);

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
            admin,
        },
        sources,
        outbox,
        limits: raw.limits,
        answers: raw.answers,
        people,
        security,
        cron,
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
