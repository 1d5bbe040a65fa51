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

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub enum OutboxConfig {
    /// Each email is written as `<dir>/<message-id>.eml`.
    File {
        dir: PathBuf,
    },
    Smtp(SmtpConfig),
}

#[derive(Debug, Clone)]
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
    answers: Answers,
    #[serde(default)]
    person: Vec<toml::Spanned<RawPerson>>,
    security: Option<toml::Spanned<RawSecurity>>,
    #[serde(default)]
    cron: std::collections::BTreeMap<String, toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSecurity {
    token_secret: Option<String>,
    token_secret_env: Option<toml::Spanned<String>>,
    token_secret_file: Option<toml::Spanned<String>>,
    #[serde(default = "default_token_days")]
    token_days: u32,
    #[serde(default = "default_refusal_notice_minutes")]
    refusal_notice_minutes: u32,
    #[serde(default = "default_true")]
    require_authenticated_sender: bool,
    #[serde(default)]
    trusted_authserv_ids: Vec<String>,
    #[serde(default)]
    trust_unnamed_authserv: bool,
}

fn default_refusal_notice_minutes() -> u32 {
    60
}
fn default_token_days() -> u32 {
    7
}
fn default_true() -> bool {
    true
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
    admin: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSource {
    name: String,
    kind: toml::Spanned<String>,
    // maildir
    path: Option<String>,
    #[serde(default)]
    move_to_cur: bool,
    // imap (serde cannot deny unknown keys through `flatten`, so the server keys are here)
    host: Option<toml::Spanned<String>>,
    port: Option<u16>,
    tls: Option<toml::Spanned<String>>,
    username: Option<String>,
    password: Option<String>,
    password_env: Option<toml::Spanned<String>>,
    password_file: Option<toml::Spanned<String>>,
    ca_file: Option<toml::Spanned<String>>,
    #[serde(default)]
    accept_invalid_certs: bool,
    folders: Option<Vec<String>>,
    after_store: Option<toml::Spanned<String>>,
    move_to: Option<String>,
    idle: Option<bool>,
    poll_seconds: Option<u64>,
    batch_size: Option<u32>,
}

/// Connection settings shared by IMAP sources and the SMTP outbox, as written.
struct RawServer<'a> {
    /// Span of the table, for "missing key" errors.
    span: std::ops::Range<usize>,
    host: &'a Option<toml::Spanned<String>>,
    port: Option<u16>,
    tls: &'a Option<toml::Spanned<String>>,
    username: &'a Option<String>,
    password: &'a Option<String>,
    password_env: &'a Option<toml::Spanned<String>>,
    password_file: &'a Option<toml::Spanned<String>>,
    ca_file: &'a Option<toml::Spanned<String>>,
    accept_invalid_certs: bool,
}

macro_rules! raw_server {
    ($r:expr, $span:expr) => {
        RawServer {
            span: $span,
            host: &$r.host,
            port: $r.port,
            tls: &$r.tls,
            username: &$r.username,
            password: &$r.password,
            password_env: &$r.password_env,
            password_file: &$r.password_file,
            ca_file: &$r.ca_file,
            accept_invalid_certs: $r.accept_invalid_certs,
        }
    };
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOutbox {
    transport: toml::Spanned<String>,
    dir: Option<String>,
    host: Option<toml::Spanned<String>>,
    port: Option<u16>,
    tls: Option<toml::Spanned<String>>,
    username: Option<String>,
    password: Option<String>,
    password_env: Option<toml::Spanned<String>>,
    password_file: Option<toml::Spanned<String>>,
    ca_file: Option<toml::Spanned<String>>,
    #[serde(default)]
    accept_invalid_certs: bool,
    retry_base_seconds: Option<u64>,
    retry_max_seconds: Option<u64>,
    give_up_hours: Option<u64>,
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPerson {
    name: String,
    email: toml::Spanned<String>,
    roles: Vec<String>,
    #[serde(default)]
    aliases: Vec<toml::Spanned<String>>,
    language: Option<toml::Spanned<String>>,
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

fn security(
    sec: &toml::Spanned<RawSecurity>,
    people: &[Person],
    file: &Path,
    source: &str,
    resolve: &dyn Fn(&str) -> PathBuf,
    diags: &mut Vec<Diagnostic>,
) -> Security {
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::error(file, msg).at_offset(source, span.start)
    };
    let r = sec.get_ref();
    let given = [
        r.token_secret.is_some(),
        r.token_secret_env.is_some(),
        r.token_secret_file.is_some(),
    ];
    let secret = match (&r.token_secret, &r.token_secret_env, &r.token_secret_file) {
        _ if given.iter().filter(|g| **g).count() > 1 => {
            diags.push(at(
                sec.span(),
                "give only one of token-secret, token-secret-env, token-secret-file".into(),
            ));
            None
        }
        (Some(p), _, _) => Some(p.clone()),
        (_, Some(var), _) => match std::env::var(var.get_ref()) {
            Ok(v) => Some(v),
            Err(_) => {
                diags.push(
                    at(
                        var.span(),
                        format!("environment variable {} is not set", var.get_ref()),
                    )
                    .with_hint("set it in the service's environment, or use token-secret-file"),
                );
                None
            }
        },
        (_, _, Some(f)) => match std::fs::read_to_string(resolve(f.get_ref())) {
            Ok(v) => Some(v.trim_end_matches(['\r', '\n']).to_string()),
            Err(e) => {
                diags.push(at(
                    f.span(),
                    format!("cannot read token secret file \"{}\": {e}", f.get_ref()),
                ));
                None
            }
        },
        (None, None, None) => {
            diags.push(
                at(sec.span(), "[security] needs a token secret".into()).with_hint(
                    "token-secret-file = \"/etc/suratd/token-secret\" (at least 16 random bytes)",
                ),
            );
            None
        }
    };
    let token_secret =
        secret.and_then(
            |s| match crate::approval::token::TokenSecret::new(s.into_bytes()) {
                Ok(t) => Some(t),
                Err(e) => {
                    diags.push(at(sec.span(), format!("token secret: {e}")));
                    None
                }
            },
        );
    let aliases = people
        .iter()
        .filter(|p| !p.aliases.is_empty())
        .map(|p| (p.email.clone(), p.aliases.clone()))
        .collect();
    Security {
        token_secret,
        token_days: r.token_days,
        refusal_notice_minutes: r.refusal_notice_minutes,
        sender: crate::approval::sender::SenderPolicy {
            require_authenticated_sender: r.require_authenticated_sender,
            trusted_authserv_ids: r.trusted_authserv_ids.clone(),
            trust_unnamed_authserv: r.trust_unnamed_authserv,
            aliases,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Imap,
    Smtp,
}

/// A server's settings, checked.
struct Server {
    host: String,
    port: u16,
    tls: TlsMode,
    trust: TlsTrust,
    username: Option<String>,
    password: Option<Secret>,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the connection keys of an IMAP source or the SMTP outbox; None (with diagnostics
/// pushed) when they do not hold.
fn resolve_server(
    r: &RawServer<'_>,
    proto: Protocol,
    file: &Path,
    source: &str,
    resolve: &dyn Fn(&str) -> PathBuf,
    diags: &mut Vec<Diagnostic>,
) -> Option<Server> {
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::error(file, msg).at_offset(source, span.start)
    };
    let before = diags.len();
    let host = match r.host {
        Some(h) if !h.get_ref().trim().is_empty() => h.get_ref().trim().to_string(),
        _ => {
            diags.push(
                at(r.span.clone(), "missing host".into()).with_hint("host = \"mail.kampus.ac.id\""),
            );
            String::new()
        }
    };
    let tls = match r.tls.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
        None => match proto {
            Protocol::Imap => TlsMode::Implicit,
            Protocol::Smtp => TlsMode::Starttls,
        },
        Some(("implicit", _)) => TlsMode::Implicit,
        Some(("starttls", _)) => TlsMode::Starttls,
        Some(("none", sp)) => {
            if !host.is_empty() && !is_loopback(&host) {
                diags.push(
                    at(sp, format!("tls = \"none\" would send the password in clear to {host}"))
                        .with_hint("use \"implicit\" or \"starttls\"; \"none\" is only for a server on 127.0.0.1"),
                );
            }
            TlsMode::None
        }
        Some((other, sp)) => {
            diags.push(
                at(sp, format!("unknown tls mode \"{other}\""))
                    .with_hint("implicit, starttls or none"),
            );
            TlsMode::Implicit
        }
    };
    let port = r.port.unwrap_or(match (proto, tls) {
        (Protocol::Imap, TlsMode::Implicit) => 993,
        (Protocol::Imap, _) => 143,
        (Protocol::Smtp, TlsMode::Implicit) => 465,
        (Protocol::Smtp, TlsMode::Starttls) => 587,
        (Protocol::Smtp, TlsMode::None) => 25,
    });
    let given = [
        r.password.is_some(),
        r.password_env.is_some(),
        r.password_file.is_some(),
    ];
    let password = match (r.password, r.password_env, r.password_file) {
        _ if given.iter().filter(|g| **g).count() > 1 => {
            diags.push(at(
                r.span.clone(),
                "give only one of password, password-env, password-file".into(),
            ));
            None
        }
        (Some(p), _, _) => Some(Secret::new(p.clone())),
        (_, Some(var), _) => match std::env::var(var.get_ref()) {
            Ok(v) => Some(Secret::new(v)),
            Err(_) => {
                diags.push(
                    at(
                        var.span(),
                        format!("environment variable {} is not set", var.get_ref()),
                    )
                    .with_hint("set it in the service's environment, or use password-file"),
                );
                None
            }
        },
        (_, _, Some(f)) => match std::fs::read_to_string(resolve(f.get_ref())) {
            Ok(v) => Some(Secret::new(v.trim_end_matches(['\r', '\n']).to_string())),
            Err(e) => {
                diags.push(at(
                    f.span(),
                    format!("cannot read password file \"{}\": {e}", f.get_ref()),
                ));
                None
            }
        },
        (None, None, None) => None,
    };
    let username = r.username.clone();
    if proto == Protocol::Imap
        && (username.is_none() || password.is_none())
        && diags.len() == before
    {
        diags.push(
            at(
                r.span.clone(),
                "an imap source needs a username and a password".into(),
            )
            .with_hint(
                "username = \"helpdesk@kampus.ac.id\" and password-env = \"SURATD_IMAP_PASSWORD\"",
            ),
        );
    }
    if proto == Protocol::Smtp && username.is_some() != password.is_some() && diags.len() == before
    {
        diags.push(at(
            r.span.clone(),
            "smtp login needs both a username and a password".into(),
        ));
    }
    let ca_file = r.ca_file.as_ref().map(|c| {
        let path = resolve(c.get_ref());
        if !path.is_file() {
            diags.push(at(
                c.span(),
                format!("ca-file \"{}\" does not exist", path.display()),
            ));
        }
        path
    });
    (diags.len() == before).then_some(Server {
        host,
        port,
        tls,
        trust: TlsTrust {
            ca_file,
            accept_invalid_certs: r.accept_invalid_certs,
        },
        username,
        password,
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
    fn security_section_is_checked() {
        let short = format!("{GOOD}\n[security]\ntoken-secret = \"short\"\n");
        let errs = check(&short);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains(":20:1:") && errs[0].contains("token secret"),
            "{errs:?}"
        );
        let none = format!("{GOOD}\n[security]\ntoken-days = 3\n");
        assert!(check(&none)[0].contains("needs a token secret"));
        let good = format!(
            "{GOOD}\n[security]\ntoken-secret = \"0123456789abcdef0123\"\ntoken-days = 2\n\
             trusted-authserv-ids = [\"mx.kampus.ac.id\"]\n\n[[person]]\nname = \"K\"\n\
             email = \"K@kampus.ac.id\"\naliases = [\"Kepala@Kampus.ac.id\"]\nroles = [\"pimpinan\"]\n"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        let cfg = from_str(&dir.path().join("daemon.toml"), &good).expect("loads");
        assert!(cfg.security.token_secret.is_some());
        assert_eq!(cfg.security.token_days, 2);
        assert!(cfg.security.sender.require_authenticated_sender);
        assert!(cfg
            .security
            .sender
            .is_approver("kepala@kampus.ac.id", "k@kampus.ac.id"));
        assert_eq!(
            cfg.person("KEPALA@kampus.ac.id").map(|p| p.name.as_str()),
            Some("K")
        );
        assert_eq!(cfg.people_with_role("pimpinan").count(), 1);
    }

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
            vec!["DIR/daemon.toml:10:1: error: unknown field `adres`, expected one of `address`, `name`, `admin` (hint: see the comments in the shipped daemon.toml)"]
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
                "DIR/daemon.toml:13:8: error: unknown source kind \"pop3\" (hint: kinds: maildir, imap)",
            ]
        );
    }

    const IMAP_SMTP: &str = r#"
[[source]]
name = "helpdesk"
kind = "imap"
host = "outlook.office365.com"
username = "helpdesk@kampus.ac.id"
password-env = "SURATD_TEST_UNSET_VARIABLE"
after-store = "move"

[outbox]
transport = "smtp"
host = "smtp.kampus.ac.id"
tls = "none"
username = "helpdesk@kampus.ac.id"
"#;

    fn with_servers(extra: &str) -> String {
        let base = GOOD
            .split("[[source]]")
            .next()
            .unwrap_or_default()
            .to_string();
        base + extra
    }

    #[test]
    fn imap_and_smtp_problems_are_all_reported() {
        assert_eq!(
            check(&with_servers(IMAP_SMTP)),
            vec![
                "DIR/daemon.toml:17:16: error: environment variable SURATD_TEST_UNSET_VARIABLE is not set (hint: set it in the service's environment, or use password-file)",
                "DIR/daemon.toml:18:15: error: after-store = \"move\" needs move-to (hint: move-to = \"Processed\")",
                "DIR/daemon.toml:23:7: error: tls = \"none\" would send the password in clear to smtp.kampus.ac.id (hint: use \"implicit\" or \"starttls\"; \"none\" is only for a server on 127.0.0.1)",
            ]
        );
    }

    #[test]
    fn imap_and_smtp_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in ["rules", "templates"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        std::fs::write(dir.path().join("imap.pass"), "rahasia\n").expect("write");
        let src = with_servers(
            r#"
[[source]]
name = "helpdesk"
kind = "imap"
host = "imap.gmail.com"
username = "helpdesk@kampus.ac.id"
password-file = "imap.pass"

[outbox]
transport = "smtp"
host = "127.0.0.1"
port = 2525
tls = "none"
"#,
        );
        let cfg = from_str(&dir.path().join("daemon.toml"), &src).expect("valid");
        let SourceKind::Imap(imap) = &cfg.sources[0].kind else {
            panic!("not imap")
        };
        assert_eq!((imap.port, imap.tls), (993, TlsMode::Implicit));
        assert_eq!(imap.password.expose(), "rahasia");
        assert_eq!(format!("{:?}", imap.password), "Secret(***)");
        assert_eq!(imap.folders, vec!["INBOX"]);
        assert_eq!(imap.after_store, AfterStore::Keep);
        assert!(imap.idle);
        let OutboxConfig::Smtp(smtp) = &cfg.outbox else {
            panic!("not smtp")
        };
        assert_eq!(
            (smtp.port, smtp.tls, smtp.username.is_none()),
            (2525, TlsMode::None, true)
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
