//! Single-use decision tokens: the proof that a reply answers one disposition email.
//!
//! A token is issued for a [`Binding`] (ticket, step, approver) and an expiry, and travels in the
//! disposition email: in the plus-address Reply-To (`helpdesk+a-…@kampus.ac.id`), the subject tag
//! and the body. Its text is `a-` followed by 32 lower-case base32 characters (RFC 4648 alphabet,
//! no padding), 34 characters in all, encoding 20 bytes:
//!
//! ```text
//! nonce (8 random bytes) ‖ HMAC-SHA256(secret, "suratd approval token v1" ‖ nonce ‖ ticket ‖ step
//!                                       ‖ approver lower-cased ‖ expiry)[..12]
//! ```
//!
//! (each string field length-prefixed, the expiry as Unix seconds). The text carries nothing in
//! clear; the daemon stores only its SHA-256 ([`token_hash`]) beside the binding and expiry, finds
//! the record by that hash, and [`verify`] recomputes the MAC from the record. So:
//! - a token cannot be made without the secret (the MAC), nor from the secret and the database
//!   without the email (the random nonce, which only the hash in the database reflects);
//! - a changed record (another approver, a later expiry) no longer matches its token's MAC;
//! - case and stray whitespace do not matter: mail systems may change the case of an address.
//!
//! Invariants: pure (no I/O, no clock: the caller passes `now` and the nonce); never panics on any
//! input; comparisons of secret-derived values are constant-time; the secret and live token
//! texts are never printed by `Debug`. Single use is the caller's to enforce: it marks the
//! record used in the same transaction as the decision (see [`StoredToken::used_at`]).

mod base32;
mod find;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use find::{find_tokens, tokens_in_message, FoundToken, TokenPlace, MAX_CANDIDATES};

/// The fixed start of every token, so the classifier can spot one (`helpdesk+a-…@…`).
pub const PREFIX: &str = "a-";
/// Random bytes at the start of a token.
pub const NONCE_LEN: usize = 8;
/// Bytes of the HMAC-SHA256 kept in a token (96 bits, as HMAC-SHA-256-96 style truncation).
pub const MAC_LEN: usize = 12;
/// Characters of a token's text, prefix included.
pub const TOKEN_CHARS: usize = PREFIX.len() + (NONCE_LEN + MAC_LEN) / 5 * 8;
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;

/// Separates this MAC from any other use of the same secret; `v1` names the layout above.
const DOMAIN: &[u8] = b"suratd approval token v1";

type HmacSha256 = Hmac<Sha256>;

/// The key tokens are signed with (from daemon.toml). `Debug` never shows it.
#[derive(Clone)]
pub struct TokenSecret(Vec<u8>);

impl TokenSecret {
    /// Takes the secret's bytes; at least [`MIN_SECRET_BYTES`] of them.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<TokenSecret, SecretError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort { len: bytes.len() });
        }
        Ok(TokenSecret(bytes))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        }
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "approval token secret is {len} bytes, at least {MIN_SECRET_BYTES} are needed \
         (hint: `openssl rand -hex 32` makes a good one)"
    )]
    TooShort { len: usize },
}

/// The random part of a token. Production takes it from the OS; tests pass fixed bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nonce([u8; NONCE_LEN]);

impl Nonce {
    pub fn from_bytes(bytes: [u8; NONCE_LEN]) -> Nonce {
        Nonce(bytes)
    }

    /// Fresh bytes from the operating system's generator.
    pub fn random() -> Result<Nonce, getrandom::Error> {
        let mut bytes = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut bytes)?;
        Ok(Nonce(bytes))
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce(***)")
    }
}

/// What a token decides about: one step of one ticket, by one approver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The ticket number, e.g. `TIK-2026-000123`.
    pub ticket: String,
    /// The step id in the rule file, e.g. `disposisi`.
    pub step: String,
    /// The approver's address; compared lower-cased.
    pub approver: String,
}

/// A token as issued: the text goes into the email, the hash into the database.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// `a-` and 32 base32 characters. A live credential: put it in the email, never in a log.
    pub text: String,
    /// [`token_hash`] of the text: the key of the stored record.
    pub hash: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("text", &"***")
            .field("hash", &self.hash)
            .finish()
    }
}

/// What the daemon keeps of a token: never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// SHA-256 of the token text, lower-case hex ([`token_hash`]); unique.
    pub hash: String,
    pub binding: Binding,
    /// Whole seconds (the MAC covers the Unix seconds).
    pub expires_at: DateTime<Utc>,
    /// Set, in the decision's transaction, when a decision used the token.
    pub used_at: Option<DateTime<Utc>>,
}

/// A token's text taken apart. `Debug` does not show the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ApprovalToken {
    nonce: [u8; NONCE_LEN],
    mac: [u8; MAC_LEN],
}

impl std::fmt::Debug for ApprovalToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApprovalToken(***)")
    }
}

impl ApprovalToken {
    /// Issues a token for `binding`, valid until `expires_at` (cut to whole seconds). Returns the
    /// token for the email and the record to store.
    pub fn issue(
        secret: &TokenSecret,
        binding: Binding,
        expires_at: DateTime<Utc>,
        nonce: Nonce,
    ) -> (IssuedToken, StoredToken) {
        let expiry_secs = expires_at.timestamp();
        let expires_at = DateTime::from_timestamp(expiry_secs, 0).unwrap_or(expires_at);
        let full = signed(secret, &nonce.0, &binding, expiry_secs);
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&full[..MAC_LEN]);
        let token = ApprovalToken {
            nonce: nonce.0,
            mac,
        };
        let text = token.text();
        let hash = token_hash(&text);
        let stored = StoredToken {
            hash: hash.clone(),
            binding,
            expires_at,
            used_at: None,
        };
        (IssuedToken { text, hash }, stored)
    }

    /// Reads a token's text: the prefix and 32 base32 characters, any case, whitespace ignored.
    pub fn parse(text: &str) -> Result<ApprovalToken, Refusal> {
        let malformed = |why: &'static str| Refusal::Malformed {
            presented: shown(text),
            why,
        };
        let norm = normalize(text);
        let Some(body) = norm.strip_prefix(PREFIX) else {
            return Err(malformed("does not start with \"a-\""));
        };
        if body.len() != TOKEN_CHARS - PREFIX.len() {
            return Err(malformed("wrong length"));
        }
        let bytes = base32::decode(body).ok_or_else(|| malformed("not base32"))?;
        let mut nonce = [0u8; NONCE_LEN];
        let mut mac = [0u8; MAC_LEN];
        match bytes.get(..NONCE_LEN).zip(bytes.get(NONCE_LEN..)) {
            Some((n, m)) if m.len() == MAC_LEN => {
                nonce.copy_from_slice(n);
                mac.copy_from_slice(m);
            }
            _ => return Err(malformed("wrong length")),
        }
        Ok(ApprovalToken { nonce, mac })
    }

    /// The canonical text (lower case).
    pub fn text(&self) -> String {
        let mut bytes = Vec::with_capacity(NONCE_LEN + MAC_LEN);
        bytes.extend_from_slice(&self.nonce);
        bytes.extend_from_slice(&self.mac);
        format!("{PREFIX}{}", base32::encode(&bytes))
    }
}

/// The full HMAC-SHA256 over the domain, the nonce, the binding and the expiry. Strings are
/// length-prefixed so that no two different bindings give the same input.
fn signed(
    secret: &TokenSecret,
    nonce: &[u8; NONCE_LEN],
    binding: &Binding,
    expiry_secs: i64,
) -> [u8; 32] {
    let mut mac = secret.mac();
    mac.update(DOMAIN);
    mac.update(nonce);
    let approver = binding.approver.trim().to_lowercase();
    for field in [binding.ticket.as_str(), binding.step.as_str(), &approver] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac.update(&expiry_secs.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// Lower case, whitespace removed: how a token is compared and hashed.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The presented text as it may appear in a log: escaped, at most 48 characters.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(48).collect();
    if text.chars().nth(48).is_some() {
        s.push('…');
    }
    s
}

/// SHA-256 of a token's normalised text (lower case, whitespace removed), lower-case hex:
/// the key the record is stored and looked up by.
pub fn token_hash(text: &str) -> String {
    let digest = Sha256::digest(normalize(text).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The circumstances a token is presented in.
#[derive(Debug, Clone, Copy)]
pub struct Presentation<'a> {
    pub now: DateTime<Utc>,
    /// The reply's From address.
    pub sender: &'a str,
    /// Other addresses of the bound approver that may decide (the sender policy's aliases).
    pub aliases: &'a [String],
    /// The ticket the reply is on (by In-Reply-To/References or subject tag), when known.
    pub thread_ticket: Option<&'a str>,
}

/// Why a presented token decides nothing. Each variant says enough for the event log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed token {presented:?}: {why}")]
    Malformed {
        /// The text as presented, cut to 48 characters.
        presented: String,
        why: &'static str,
    },
    #[error("unknown token: no issued token has hash {hash}")]
    Unknown { hash: String },
    #[error(
        "token does not match its record (ticket {ticket}, step {step}): \
         forged, or the record or the secret changed"
    )]
    BadSignature { ticket: String, step: String },
    #[error("token of ticket {bound} presented in a reply on ticket {presented_on}")]
    WrongTicket { bound: String, presented_on: String },
    #[error("token of approver {expected} presented by {got}")]
    WrongSender { expected: String, got: String },
    #[error("token already used at {used_at}")]
    AlreadyUsed { used_at: DateTime<Utc> },
    #[error("token expired at {expired_at}")]
    Expired { expired_at: DateTime<Utc> },
}

impl Refusal {
    /// A stable name for the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Malformed { .. } => "malformed",
            Refusal::Unknown { .. } => "unknown",
            Refusal::BadSignature { .. } => "bad_signature",
            Refusal::WrongTicket { .. } => "wrong_ticket",
            Refusal::WrongSender { .. } => "wrong_sender",
            Refusal::AlreadyUsed { .. } => "already_used",
            Refusal::Expired { .. } => "expired",
        }
    }
}

/// Whether `presented` may decide the step of `stored`: the record found by
/// [`token_hash`]`(presented)`, or `None` when there is none.
///
/// Checks, in order, so that the refusal names the first thing wrong: the text is a token
/// (`Malformed`); a record has its hash (`Unknown`); the MAC matches the record (`BadSignature`);
/// the reply is not on another ticket (`WrongTicket`); the sender is the approver or an alias
/// (`WrongSender`); the token is unused (`AlreadyUsed`); it is before the expiry (`Expired`).
/// Who and where come before use and time: a replayed token forwarded by someone else is
/// reported as the wrong sender, the more telling fact.
pub fn verify(
    secret: &TokenSecret,
    presented: &str,
    stored: Option<&StoredToken>,
    at: &Presentation<'_>,
) -> Result<(), Refusal> {
    let token = ApprovalToken::parse(presented)?;
    let hash = token_hash(presented);
    let Some(stored) = stored else {
        return Err(Refusal::Unknown { hash });
    };
    let same_hash: bool = hash
        .as_bytes()
        .ct_eq(stored.hash.to_ascii_lowercase().as_bytes())
        .into();
    if !same_hash {
        return Err(Refusal::Unknown { hash });
    }

    // The MAC is recomputed from the record and compared in constant time.
    let full = signed(
        secret,
        &token.nonce,
        &stored.binding,
        stored.expires_at.timestamp(),
    );
    let good: bool = full[..MAC_LEN].ct_eq(&token.mac).into();
    if !good {
        return Err(Refusal::BadSignature {
            ticket: stored.binding.ticket.clone(),
            step: stored.binding.step.clone(),
        });
    }

    let binding = &stored.binding;
    if let Some(on) = at.thread_ticket {
        if !on.trim().eq_ignore_ascii_case(binding.ticket.trim()) {
            return Err(Refusal::WrongTicket {
                bound: binding.ticket.clone(),
                presented_on: on.to_string(),
            });
        }
    }

    let sender = at.sender.trim().to_lowercase();
    let approver = binding.approver.trim().to_lowercase();
    let is_approver =
        sender == approver || at.aliases.iter().any(|a| a.trim().to_lowercase() == sender);
    if !is_approver {
        return Err(Refusal::WrongSender {
            expected: approver,
            got: sender,
        });
    }

    if let Some(used_at) = stored.used_at {
        return Err(Refusal::AlreadyUsed { used_at });
    }
    if at.now >= stored.expires_at {
        return Err(Refusal::Expired {
            expired_at: stored.expires_at,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
