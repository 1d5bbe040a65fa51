//! What each fuzz target does with one input. Shared by the targets in `fuzz_targets/` and by
//! suratd's own test `fuzz_regressions` (tests/it/fuzz_regressions.rs includes this file), which
//! replays every input in tests/data/fuzz-regressions/<target>/ through the same function: a
//! crash found once stays fixed under a plain `cargo test`.
//!
//! A target passes when the function returns; any panic, abort or stack overflow is a crash.
//! The functions also check a few promises the modules make (e.g. a rule file that loads has
//! no error diagnostic), so a broken promise is a crash too.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use suratd::approval::{decision, token};
use suratd::classify::{self, NoTickets, SelfAddress};
use suratd::parse::{self, reply, Limits};
use suratd::rules::{self, RuleContext, RuleSet};

/// What a target does with one input.
pub type Target = fn(&[u8]);

/// The targets by name, as in fuzz/Cargo.toml and tests/data/fuzz-regressions/.
pub const TARGETS: &[(&str, Target)] = &[
    ("parse_classify", parse_classify),
    ("reply_decision", reply_decision),
    ("token", token),
    ("rules_load", rules_load),
    ("config_load", config_load),
    ("pdf_fast", pdf_fast),
];

/// Third-party parsers whose panics suratd catches by design (`catch_unwind` around
/// mail-parser in `parse::parse`, around pdf-extract in `parse::pdf`): a panic located in
/// their source is not a crash of suratd. libfuzzer-sys aborts on every panic, caught or
/// not, so its hook is wrapped to let these through.
const CAUGHT_IN: &[&str] = &["/pdf-extract-", "/lopdf-", "/mail-parser-"];

fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map_or("", |l| l.file());
            if CAUGHT_IN.iter().any(|c| file.contains(c)) {
                return;
            }
            fuzzer_hook(info)
        }));
    });
}

/// The suratd checkout (the fuzz crate sits in its `fuzz/` folder).
fn repo() -> &'static Path {
    static REPO: OnceLock<PathBuf> = OnceLock::new();
    REPO.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        if here.join("rules").is_dir() {
            here.to_path_buf()
        } else {
            here.parent().unwrap_or(here).to_path_buf()
        }
    })
}

/// The template names and roles the shipped rules are checked against.
fn context() -> RuleContext {
    let templates = std::fs::read_dir(repo().join("templates"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().to_string();
                    let stem = n.strip_suffix(".hbs")?.to_string();
                    Some(
                        stem.rsplit_once('.')
                            .map_or(stem.clone(), |(a, _)| a.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let roles = ["pemohon", "helpdesk", "pimpinan", "staf", "kepala", "kabag"];
    RuleContext {
        templates,
        roles: roles.iter().map(|s| s.to_string()).collect(),
    }
}

/// The shipped rules, loaded once.
fn shipped_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(
        || match rules::load_dir(&repo().join("rules"), &context()) {
            Ok(set) => set,
            Err(diags) => panic!("the shipped rules do not load: {diags:?}"),
        },
    )
}

/// Limits a little tighter than the defaults, so the fuzzer reaches every limit often.
fn limits() -> Limits {
    Limits {
        max_message_bytes: 1 << 20,
        max_attachments: 8,
        max_attachment_bytes: 256 * 1024,
        max_attachment_text_chars: 20_000,
        max_mime_depth: 8,
        ..Limits::default()
    }
}

/// Raw bytes → parse → classify against the shipped rules (no tickets known).
pub fn parse_classify(data: &[u8]) {
    init();
    let Ok(msg) = parse::parse(data, &limits()) else {
        return;
    };
    let me = SelfAddress {
        address: "layanan@kampus.ac.id",
    };
    let c = classify::classify(&msg, shipped_rules(), &NoTickets, &me, "TIK");
    let _ = c.kind.as_str();
    let _ = classify::language(&msg.subject, &msg.body);
    let _ = classify::ticket_tags(&msg.subject, "TIK");
    let _ = token::tokens_in_message(&msg);
}

/// A reply body → its new text → a decision and a completion.
pub fn reply_decision(data: &[u8]) {
    init();
    let body = String::from_utf8_lossy(data);
    let new = reply::new_text(&body);
    let _ = decision::read_decision(&new.text);
    let _ = decision::read_completion(&new.text, &["akun", "password", "catatan"]);
    let _ = decision::read_completion(&new.text, &[]);
    let _ = new.decidable();
}

/// A presented token text against a real issued token, and the finder over free text.
pub fn token(data: &[u8]) {
    init();
    let text = String::from_utf8_lossy(data);
    let secret = match token::TokenSecret::new(vec![7u8; 32]) {
        Ok(s) => s,
        Err(e) => panic!("a 32-byte secret is refused: {e:?}"),
    };
    let binding = token::Binding {
        ticket: "TIK-2026-000001".into(),
        step: "disposisi".into(),
        approver: "rektor@kampus.ac.id".into(),
    };
    let expiry = Utc
        .timestamp_opt(1_900_000_000, 0)
        .single()
        .unwrap_or_default();
    let (issued, mut stored) = token::ApprovalToken::issue(
        &secret,
        binding,
        expiry,
        token::Nonce::from_bytes([1u8; token::NONCE_LEN]),
    );
    let at = token::Presentation {
        now: Utc
            .timestamp_opt(1_800_000_000, 0)
            .single()
            .unwrap_or_default(),
        sender: "rektor@kampus.ac.id",
        aliases: &[],
        thread_ticket: Some("TIK-2026-000001"),
    };
    for found in token::find_tokens(&text) {
        let _ = token::verify(&secret, &found, Some(&stored), &at);
    }
    let _ = token::verify(&secret, &text, None, &at);
    // The fuzzed text presented against the record its own hash finds: only the issued
    // token itself may pass.
    stored.hash = token::token_hash(&text);
    if token::verify(&secret, &text, Some(&stored), &at).is_ok() {
        let presented = token::ApprovalToken::parse(&text).map(|t| t.text());
        assert_eq!(
            presented.ok().as_deref(),
            Some(issued.text.as_str()),
            "a token other than the issued one verified"
        );
    }
}

/// A rule file's text → the checker. A rule comes back only with no error diagnostic.
pub fn rules_load(data: &[u8]) {
    init();
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let (rule, diags) =
        rules::load::load_str("fuzz", Path::new("rules/fuzz.toml"), source, &context());
    if rule.is_some() {
        assert!(
            diags.iter().all(|d| !d.is_error()),
            "a rule came back with errors"
        );
    }
    for d in &diags {
        let _ = d.to_string();
    }
}

/// daemon.toml text → the config loader.
pub fn config_load(data: &[u8]) {
    init();
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(diags) = suratd::config::from_str(&repo().join("daemon.toml"), source) {
        for d in &diags {
            let _ = d.to_string();
        }
    }
}

/// `pdf_fast`: the fast PDF text reader on any bytes. It may refuse; it may not panic, and
/// text it returns is valid UTF-8 no longer than the reader's bound.
pub fn pdf_fast(data: &[u8]) {
    init();
    if let Some(text) = parse::pdf_fast_text(data) {
        assert!(
            text.len() <= 32 << 20,
            "text past the bound: {} bytes",
            text.len()
        );
    }
}
