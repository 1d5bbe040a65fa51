//! `daemon.toml` as written: the serde structs the validation pass reads.

use super::*;
use serde::Deserialize;

// ---- the file as written -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    pub(super) daemon: RawDaemon,
    pub(super) helpdesk: RawHelpdesk,
    #[serde(default)]
    pub(super) source: Vec<toml::Spanned<RawSource>>,
    pub(super) outbox: RawOutbox,
    #[serde(default)]
    pub(super) limits: Limits,
    #[serde(default)]
    pub(super) answers: Answers,
    #[serde(default)]
    pub(super) person: Vec<toml::Spanned<RawPerson>>,
    pub(super) security: Option<toml::Spanned<RawSecurity>>,
    #[serde(default)]
    pub(super) cron: std::collections::BTreeMap<String, toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSecurity {
    pub(super) token_secret: Option<String>,
    pub(super) token_secret_env: Option<toml::Spanned<String>>,
    pub(super) token_secret_file: Option<toml::Spanned<String>>,
    #[serde(default = "default_token_days")]
    pub(super) token_days: u32,
    #[serde(default = "default_refusal_notice_minutes")]
    pub(super) refusal_notice_minutes: u32,
    #[serde(default = "default_true")]
    pub(super) require_authenticated_sender: bool,
    #[serde(default)]
    pub(super) trusted_authserv_ids: Vec<String>,
    #[serde(default)]
    pub(super) trust_unnamed_authserv: bool,
}

pub(super) fn default_refusal_notice_minutes() -> u32 {
    60
}
pub(super) fn default_token_days() -> u32 {
    7
}
pub(super) fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDaemon {
    pub(super) database: toml::Spanned<String>,
    pub(super) rules: toml::Spanned<String>,
    pub(super) templates: toml::Spanned<String>,
    #[serde(default = "default_prefix")]
    pub(super) ticket_prefix: toml::Spanned<String>,
    #[serde(default = "default_language")]
    pub(super) language: toml::Spanned<String>,
    #[serde(default = "default_timezone")]
    pub(super) timezone: toml::Spanned<String>,
    #[serde(default = "default_poll")]
    pub(super) poll_seconds: u64,
}

pub(super) fn default_prefix() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "TIK".into())
}
pub(super) fn default_language() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "id".into())
}
pub(super) fn default_timezone() -> toml::Spanned<String> {
    toml::Spanned::new(0..0, "Asia/Jakarta".into())
}
pub(super) fn default_poll() -> u64 {
    30
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawHelpdesk {
    pub(super) address: toml::Spanned<String>,
    pub(super) name: String,
    pub(super) admin: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSource {
    pub(super) name: String,
    pub(super) kind: toml::Spanned<String>,
    // maildir
    pub(super) path: Option<String>,
    #[serde(default)]
    pub(super) move_to_cur: bool,
    // imap (serde cannot deny unknown keys through `flatten`, so the server keys are here)
    pub(super) host: Option<toml::Spanned<String>>,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<toml::Spanned<String>>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) password_env: Option<toml::Spanned<String>>,
    pub(super) password_file: Option<toml::Spanned<String>>,
    pub(super) ca_file: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub(super) accept_invalid_certs: bool,
    pub(super) folders: Option<Vec<String>>,
    pub(super) after_store: Option<toml::Spanned<String>>,
    pub(super) move_to: Option<String>,
    pub(super) idle: Option<bool>,
    pub(super) poll_seconds: Option<u64>,
    pub(super) batch_size: Option<u32>,
}

/// Connection settings shared by IMAP sources and the SMTP outbox, as written.
pub(super) struct RawServer<'a> {
    /// Span of the table, for "missing key" errors.
    pub(super) span: std::ops::Range<usize>,
    pub(super) host: &'a Option<toml::Spanned<String>>,
    pub(super) port: Option<u16>,
    pub(super) tls: &'a Option<toml::Spanned<String>>,
    pub(super) username: &'a Option<String>,
    pub(super) password: &'a Option<String>,
    pub(super) password_env: &'a Option<toml::Spanned<String>>,
    pub(super) password_file: &'a Option<toml::Spanned<String>>,
    pub(super) ca_file: &'a Option<toml::Spanned<String>>,
    pub(super) accept_invalid_certs: bool,
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
pub(super) struct RawOutbox {
    pub(super) transport: toml::Spanned<String>,
    pub(super) dir: Option<String>,
    pub(super) host: Option<toml::Spanned<String>>,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<toml::Spanned<String>>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) password_env: Option<toml::Spanned<String>>,
    pub(super) password_file: Option<toml::Spanned<String>>,
    pub(super) ca_file: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub(super) accept_invalid_certs: bool,
    pub(super) retry_base_seconds: Option<u64>,
    pub(super) retry_max_seconds: Option<u64>,
    pub(super) give_up_hours: Option<u64>,
    pub(super) timeout_seconds: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPerson {
    pub(super) name: String,
    pub(super) email: toml::Spanned<String>,
    pub(super) roles: Vec<String>,
    #[serde(default)]
    pub(super) aliases: Vec<toml::Spanned<String>>,
    pub(super) language: Option<toml::Spanned<String>>,
}
