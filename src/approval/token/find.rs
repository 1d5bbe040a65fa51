//! Finding token candidates in a reply: the plus-address it was sent to, the subject tag, the
//! body (usually in the quoted disposition). Any one surviving is enough, so all are looked at.
//!
//! A candidate is `a-` and 32 base32 characters, any case, standing alone: not preceded or
//! followed by a letter, digit or `_` (so `helpdesk+a-…@`, `[TIK-2026-000123 a-…]`,
//! `Token: a-…` match, and `data-…` or a longer run do not). Finding is not verifying: a
//! candidate is only a key to look up. Never panics; linear in the text.

use crate::parse::ParsedMessage;

use super::{base32, token_hash, PREFIX, TOKEN_CHARS};

/// At most this many candidates are returned, bounding the lookups one message can cause.
pub const MAX_CANDIDATES: usize = 16;

/// Headers whose values may carry the plus-address the reply was sent to.
const ADDRESS_HEADERS: [&str; 4] = ["to", "cc", "delivered-to", "x-original-to"];

/// Where in the message a candidate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlace {
    /// A recipient address (`To`, `Cc`, `Delivered-To`, `X-Original-To`).
    Address,
    Subject,
    Body,
}

/// A candidate and where it was. `Debug` shows its hash, not the text (it may be live).
#[derive(Clone, PartialEq, Eq)]
pub struct FoundToken {
    /// Normalised (lower case).
    pub text: String,
    pub place: TokenPlace,
}

impl std::fmt::Debug for FoundToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoundToken")
            .field("hash", &token_hash(&self.text))
            .field("place", &self.place)
            .finish()
    }
}

/// Every candidate in `text`, lower-cased, without repeats, in order of appearance (at most
/// [`MAX_CANDIDATES`]).
pub fn find_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, &mut out);
    out
}

/// Every candidate in a message, recipient addresses first, then the subject, then the body;
/// without repeats (a token in several places is reported where it was first seen).
pub fn tokens_in_message(msg: &ParsedMessage) -> Vec<FoundToken> {
    let mut found: Vec<FoundToken> = Vec::new();
    let push_all = |text: &str, place: TokenPlace, found: &mut Vec<FoundToken>| {
        for t in find_tokens(text) {
            if found.len() < MAX_CANDIDATES && !found.iter().any(|f| f.text == t) {
                found.push(FoundToken { text: t, place });
            }
        }
    };
    for (name, value) in &msg.headers {
        if ADDRESS_HEADERS.contains(&name.as_str()) {
            push_all(value, TokenPlace::Address, &mut found);
        }
    }
    for addr in msg.to.iter().chain(&msg.cc) {
        push_all(&addr.email, TokenPlace::Address, &mut found);
    }
    push_all(&msg.subject, TokenPlace::Subject, &mut found);
    push_all(&msg.body, TokenPlace::Body, &mut found);
    found
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn scan(text: &str, out: &mut Vec<String>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + TOKEN_CHARS <= bytes.len() && out.len() < MAX_CANDIDATES {
        let starts = matches!(bytes[i], b'a' | b'A') && bytes[i + 1] == b'-';
        // `i` is a char boundary whenever bytes[i] is ASCII, so slicing before it is safe.
        let alone_before = starts
            && !text
                .get(..i)
                .and_then(|s| s.chars().next_back())
                .is_some_and(is_word);
        let body = &bytes[i + PREFIX.len()..i + TOKEN_CHARS];
        let all_base32 = alone_before && body.iter().all(|&b| base32::value(b).is_some());
        let alone_after = all_base32
            && !text
                .get(i + TOKEN_CHARS..)
                .and_then(|s| s.chars().next())
                .is_some_and(is_word);
        if alone_after {
            if let Some(t) = text.get(i..i + TOKEN_CHARS) {
                let t = t.to_ascii_lowercase();
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            i += TOKEN_CHARS;
        } else {
            i += 1;
        }
    }
}
