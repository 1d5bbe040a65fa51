//! May this sender decide? The From address must be the bound approver (or one of their
//! configured aliases), and — by default — the message must carry proof that the From domain
//! really sent it: an `Authentication-Results` header (RFC 8601) written by a server we trust,
//! saying `dkim=pass` for an aligned domain or `dmarc=pass`.
//!
//! Which headers count: anyone can put an `Authentication-Results` header in their own message,
//! with any authserv-id. Only headers whose authserv-id is in
//! [`SenderPolicy::trusted_authserv_ids`] count, and of those only the top-most one per id:
//! the receiving server prepends its header above everything the sender wrote (RFC 8601 §5 also
//! asks it to delete look-alikes, which not every server does). So this is safe as long as the
//! trusted server always adds its header; a server that adds none lets a forged one through.
//!
//! Alignment (DMARC, RFC 7489 §3.1.1, relaxed mode) means "same organisational domain". Finding
//! the organisational domain needs the Public Suffix List; we approximate it: two domains align
//! when they are equal or one is a subdomain of the other, and the shorter has at least two
//! labels. The approximation accepts `kampus.ac.id` with `ac.id` (a public suffix, whose DNS only
//! the registry controls, so no one else can sign as it) and refuses siblings such as
//! `fkip.kampus.ac.id` with `ft.kampus.ac.id`, which DMARC would accept: it errs toward refusing.
//!
//! Pure: no DNS, no clock. The mail server already did the cryptography; we read its verdict.

pub mod authres;

use std::collections::BTreeMap;

use crate::parse::Address;

pub use authres::{AuthResults, MethodResult};

/// Who may decide and what proof is asked for (from daemon.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderPolicy {
    /// Ask for DKIM/DMARC proof from a trusted server. On by default.
    pub require_authenticated_sender: bool,
    /// The authserv-ids of the servers that receive our mail (`mx.google.com`,
    /// `mail.kampus.ac.id`), compared case-insensitively.
    pub trusted_authserv_ids: Vec<String>,
    /// Microsoft 365 writes its `Authentication-Results` without an authserv-id. When the mailbox
    /// is on Microsoft 365, set this to count the top-most such header. Off by default.
    pub trust_unnamed_authserv: bool,
    /// Approver address → other addresses of the same person that may decide for them.
    pub aliases: BTreeMap<String, Vec<String>>,
}

impl Default for SenderPolicy {
    fn default() -> Self {
        SenderPolicy {
            require_authenticated_sender: true,
            trusted_authserv_ids: Vec::new(),
            trust_unnamed_authserv: false,
            aliases: BTreeMap::new(),
        }
    }
}

impl SenderPolicy {
    /// The other addresses of `approver` (the key is matched case-insensitively).
    pub fn aliases_of(&self, approver: &str) -> &[String] {
        let approver = approver.trim().to_lowercase();
        self.aliases
            .iter()
            .find(|(k, _)| k.trim().to_lowercase() == approver)
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default()
    }

    /// Whether `from` is `approver` or one of their aliases, case-insensitively.
    pub fn is_approver(&self, from: &str, approver: &str) -> bool {
        let from = from.trim().to_lowercase();
        from == approver.trim().to_lowercase()
            || self
                .aliases_of(approver)
                .iter()
                .any(|a| a.trim().to_lowercase() == from)
    }
}

/// Why a sender may not decide. The messages are log text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderRefusal {
    #[error("sender {from} is not the approver {approver} nor one of their aliases")]
    NotTheApprover { from: String, approver: String },
    #[error("sender {from} is not authenticated: {reason}")]
    Unauthenticated { from: String, reason: String },
    #[error(
        "no Authentication-Results header from a trusted server (trusted: {trusted}; found: {found})"
    )]
    NoTrustedResults {
        /// The trusted ids, comma-separated, or `none configured`.
        trusted: String,
        /// The authserv-ids present, comma-separated, or `none`.
        found: String,
    },
}

impl SenderRefusal {
    /// A stable name for the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            SenderRefusal::NotTheApprover { .. } => "not_the_approver",
            SenderRefusal::Unauthenticated { .. } => "unauthenticated",
            SenderRefusal::NoTrustedResults { .. } => "no_trusted_results",
        }
    }
}

/// Whether the message from `msg_from`, with these headers (lower-cased names, in order, as
/// [`crate::parse::ParsedMessage::headers`]), may decide for `approver`.
pub fn check(
    policy: &SenderPolicy,
    msg_from: &Address,
    headers: &[(String, String)],
    approver: &str,
) -> Result<(), SenderRefusal> {
    let from = msg_from.normalized();
    if !policy.is_approver(&from, approver) {
        return Err(SenderRefusal::NotTheApprover {
            from,
            approver: approver.trim().to_lowercase(),
        });
    }
    if !policy.require_authenticated_sender {
        return Ok(());
    }
    let trusted = trusted_results(policy, headers);
    if trusted.is_empty() {
        return Err(no_trusted(policy, headers));
    }
    let from_domain = domain_of(&from);
    let mut seen = Vec::new();
    for header in &trusted {
        let by = header.authserv_id.as_deref().unwrap_or("(no authserv-id)");
        match authenticates(header, from_domain) {
            Ok(()) => return Ok(()),
            Err(why) => seen.push(format!("{by}: {why}")),
        }
    }
    Err(SenderRefusal::Unauthenticated {
        from,
        reason: seen.join("; "),
    })
}

/// The top-most `Authentication-Results` header of each trusted authserv-id, top first.
pub fn trusted_results(policy: &SenderPolicy, headers: &[(String, String)]) -> Vec<AuthResults> {
    let mut taken: Vec<Option<String>> = Vec::new();
    let mut out = Vec::new();
    for (name, value) in headers {
        if name != "authentication-results" {
            continue;
        }
        let ar = authres::parse(value);
        let trusted = match &ar.authserv_id {
            Some(id) => policy
                .trusted_authserv_ids
                .iter()
                .any(|t| t.trim().eq_ignore_ascii_case(id)),
            None => policy.trust_unnamed_authserv,
        };
        if trusted && !taken.contains(&ar.authserv_id) {
            taken.push(ar.authserv_id.clone());
            out.push(ar);
        }
    }
    out
}

fn no_trusted(policy: &SenderPolicy, headers: &[(String, String)]) -> SenderRefusal {
    let mut found: Vec<String> = Vec::new();
    for (name, value) in headers {
        if name == "authentication-results" {
            let id = authres::parse(value)
                .authserv_id
                .unwrap_or_else(|| "(no authserv-id)".into());
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    let mut trusted: Vec<String> = policy.trusted_authserv_ids.clone();
    if policy.trust_unnamed_authserv {
        trusted.push("(no authserv-id)".into());
    }
    let list = |v: Vec<String>, empty: &str| {
        if v.is_empty() {
            empty.to_string()
        } else {
            v.join(", ")
        }
    };
    SenderRefusal::NoTrustedResults {
        trusted: list(trusted, "none configured"),
        found: list(found, "none"),
    }
}

/// Whether one trusted header proves the From domain; else what it said instead.
fn authenticates(header: &AuthResults, from_domain: &str) -> Result<(), String> {
    let mut said = Vec::new();
    for r in &header.results {
        match (r.method.as_str(), r.result.as_str()) {
            ("dkim", "pass") => {
                let signer = r
                    .prop("header.d")
                    .map(str::to_string)
                    .or_else(|| r.prop("header.i").map(|i| domain_of(i).to_string()));
                match signer {
                    Some(d) if aligned(&d, from_domain) => return Ok(()),
                    Some(d) => said.push(format!(
                        "dkim=pass for {d:?}, not aligned with {from_domain:?}"
                    )),
                    None => said.push("dkim=pass without header.d or header.i".into()),
                }
            }
            ("dmarc", "pass") => match r.prop("header.from") {
                Some(hf) if !same_domain(hf, from_domain) => {
                    said.push(format!("dmarc=pass for {hf:?}, not {from_domain:?}"))
                }
                _ => return Ok(()),
            },
            ("dkim" | "dmarc", result) => said.push(format!("{}={result}", r.method)),
            _ => {}
        }
    }
    if said.is_empty() {
        said.push("no dkim or dmarc result".into());
    }
    Err(said.join(", "))
}

/// The domain of an address (after the last `@`), or the text itself when there is none;
/// lower-cased by the callers.
fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map_or(addr, |(_, d)| d)
}

fn clean(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn same_domain(a: &str, b: &str) -> bool {
    let (a, b) = (clean(a), clean(b));
    !a.is_empty() && a == b
}

/// Relaxed alignment, approximated (see the module doc): equal, or one a subdomain of the
/// other with the shorter of at least two labels.
pub fn aligned(signer: &str, from_domain: &str) -> bool {
    let (a, b) = (clean(signer), clean(from_domain));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.split('.').filter(|l| !l.is_empty()).count() >= 2
        && long
            .strip_suffix(short.as_str())
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
}

#[cfg(test)]
mod tests;
