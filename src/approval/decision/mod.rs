//! What a reply decides: a leader's answer to a disposition ([`read_decision`]) and a staff
//! member's report that the work is done ([`read_completion`]). Both read the *new text* of the
//! reply ([`crate::parse::reply::new_text`]), never the quoted disposition (which names every
//! decision word in its instructions): the caller reads
//! [`NewText::decidable`](crate::parse::reply::NewText::decidable), and a reply that only quoted is
//! unclear without asking these functions. Pure; never panics; linear in the input; never guesses:
//! what is not clearly a decision is [`Unclear`], and the engine asks for clarification.
//!
//! # Decision words
//! Case-insensitive, whole words (so "di-ACC" holds ACC, and "persetujuan" holds nothing).
//! - Strong (count wherever they stand): approve SETUJU, DISETUJUI, SETUJUI, MENYETUJUI, ACC,
//!   DIACC, LANJUTKAN, DILANJUTKAN, APPROVE, APPROVED; reject TOLAK, DITOLAK, MENOLAK, REJECT,
//!   REJECTED.
//! - Weak (common in prose): approve YA, IYA, OK, OKE, OKAY, YES; reject TIDAK, NO. A weak word
//!   counts only as the first word of its clause (clauses end at `, . ; : ! ?`, brackets, a spaced
//!   dash) and only when it stands alone there or is followed by a courtesy ("pak", "bu"), a
//!   particle ("deh", "saja", "siap") or, for approve words, a go-ahead ("silakan", "lanjut",
//!   "please", "proceed"). So "Tidak." and "No, data belum lengkap" reject; "tidak masalah,
//!   lanjutkan" approves (by LANJUTKAN: "tidak masalah" is prose); "setuju, tapi tidak perlu rapat"
//!   approves; "Data sudah OK" decides nothing. "No." followed by a number or HP/telp/surat… is an
//!   abbreviation ("No. HP 0812…"), not a refusal.
//! - A weak approve word does not count in a line that defers ("OK, saya cek dulu", "Ya, nanti saya
//!   pelajari", "ok noted"): acknowledging is not approving.
//! - Negation: TIDAK, TAK, TDK, GA(K), NGGAK, BELUM, JANGAN, NOT, NEVER, DON'T, CAN'T… followed in
//!   the same clause by an approve word, with at most three of "bisa, dapat, akan, kami, saya, di,
//!   perlu, usah, be, can, yet…" between, is a refusal ("tidak setuju", "belum dapat kami setujui",
//!   "tidak perlu dilanjutkan", "I don't approve"). A negated reject word ("jangan ditolak") is
//!   read as both words: unclear.
//! - Words in a question ("Setuju?", "Perlu di-ACC Warek?") do not count.
//!
//! # Which line decides
//! The **first decision-bearing line**: the first line of the new text, among its first
//! [`MAX_DECISION_LINES`] non-blank lines and before a closing ("Salam", "Wassalam", "Regards",
//! "Hormat saya"), where some decision word counts. Later lines do not overrule it
//! ("SETUJU\n\nTidak perlu rapat." approves). If that line holds counted approve *and* reject words
//! → [`Unclear::BothWords`]; no such line → [`Unclear::NoDecisionWord`]; no letter or digit at all
//! → [`Unclear::Empty`].
//!
//! # What else a decision carries
//! - Reject: the reason is the rest of the paragraph after the deciding word, without a leading
//!   courtesy or particle ("pak", "saja") or "Alasan:"/"Reason:" ("TOLAK karena data belum lengkap"
//!   → "karena data belum lengkap"); when that is empty, the next paragraph is taken if it starts
//!   with "Alasan:" or reads as a sentence (at least three words, at least half not capitalised: a
//!   signature's name and title are capitalised). It may be empty.
//! - Approve: the staff named by "disposisi ke", "teruskan ke", "tugaskan kepada", "assign to",
//!   "forward to", "ditangani oleh", or a "Staf:"/"PIC:" label, anywhere before the closing: the
//!   name as written, without a leading "staf"/"Pak"/"Bu"/"Sdr." and without what follows it
//!   ("untuk", "agar", "for", punctuation). The note is the rest of the paragraph after the approve
//!   word as written, without leading approve words, courtesies and particles, and without the
//!   staff phrase when the note starts with it ("SETUJU, disposisi ke staf Andi" has none; "Setuju.
//!   Mohon diteruskan ke Andi untuk dibuatkan akun." keeps its sentence whole).
//!
//! # Completion
//! [`read_completion`]: the first of the first [`MAX_COMPLETION_LINES`] non-blank lines (not
//! counting the lines of the SOP's outputs) holding SELESAI, DONE, SUDAH, BERES, TUNTAS,
//! COMPLETE(D), FINISHED, or BELUM, GAGAL, FAILED, PENDING, KENDALA, TERTUNDA, "not yet", or a
//! negated done word ("belum selesai", "not done") decides: done, not done (with that paragraph as
//! the reason), or both → unclear; output lines without such a word are unclear too. Output lines
//! are `label: value` (also `label = value` and the TAB of an HTML table) anywhere in the new text;
//! labels match the SOP's output names ignoring case, spaces and punctuation ("User ID" =
//! "user_id"), or by their first words ("Password awal" → "password"). Outputs whose name says
//! password, sandi, PIN, token, OTP or secret are listed in `secret_outputs`; the [`Debug`] of a
//! [`Completion`] masks their values.

use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

mod clauses;
mod completion;
#[cfg(test)]
mod tests;

use clauses::{decision_hits, negated, words, Hit};
pub use completion::read_completion;

/// How many non-blank lines from the top are searched for the deciding line.
pub const MAX_DECISION_LINES: usize = 8;
/// How many non-blank lines (not counting output lines) are searched for "SELESAI".
pub const MAX_COMPLETION_LINES: usize = 4;

/// What a leader's reply decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    Approve {
        /// The staff member the leader named, as written.
        staff: Option<String>,
        /// What else the leader wrote with the approval.
        note: Option<String>,
    },
    Reject {
        /// May be empty.
        reason: String,
    },
    Unclear {
        why: Unclear,
    },
}

/// Why a reply decides nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unclear {
    /// No decision word counts in the first lines.
    NoDecisionWord,
    /// The deciding line holds words of both kinds.
    BothWords,
    /// Nothing written.
    Empty,
}

/// What a staff member's reply says about the work.
#[derive(Clone, PartialEq, Eq)]
pub enum Completion {
    Done {
        /// Output name (as the SOP names it) → value as written.
        outputs: BTreeMap<String, String>,
        /// The SOP's outputs the reply did not give, in the SOP's order.
        missing: Vec<String>,
        /// The SOP's outputs that look secret (initial passwords, PINs): not to be stored
        /// in clear once sent.
        secret_outputs: Vec<String>,
    },
    NotDone {
        /// The paragraph that says so, from its start ("Belum bisa, server Zoom sedang
        /// maintenance"): the words around "belum" are the explanation.
        reason: String,
    },
    Unclear {
        why: Unclear,
    },
}

impl fmt::Debug for Completion {
    /// Masks the values of secret outputs, so a log line or a failed assertion never shows
    /// a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Completion::Done {
                outputs,
                missing,
                secret_outputs,
            } => {
                let shown: BTreeMap<&str, &str> = outputs
                    .iter()
                    .map(|(k, v)| {
                        let v = if secret_outputs.contains(k) {
                            "<secret>"
                        } else {
                            v.as_str()
                        };
                        (k.as_str(), v)
                    })
                    .collect();
                f.debug_struct("Done")
                    .field("outputs", &shown)
                    .field("missing", missing)
                    .field("secret_outputs", secret_outputs)
                    .finish()
            }
            Completion::NotDone { reason } => {
                f.debug_struct("NotDone").field("reason", reason).finish()
            }
            Completion::Unclear { why } => f.debug_struct("Unclear").field("why", why).finish(),
        }
    }
}

const STRONG_APPROVE: &[&str] = &[
    "setuju",
    "disetujui",
    "setujui",
    "menyetujui",
    "acc",
    "diacc",
    "lanjutkan",
    "dilanjutkan",
    "approve",
    "approved",
];
const WEAK_APPROVE: &[&str] = &["ya", "iya", "ok", "oke", "okay", "yes"];
const STRONG_REJECT: &[&str] = &["tolak", "ditolak", "menolak", "reject", "rejected"];
const WEAK_REJECT: &[&str] = &["tidak", "no"];
const NEGATORS: &[&str] = &[
    "tidak", "tak", "tdk", "ga", "gak", "gk", "nggak", "ngga", "enggak", "ndak", "belum", "jangan",
    "not", "never", "don't", "dont", "doesn't", "didn't", "can't", "cannot", "won't", "isn't",
    "wasn't",
];
/// Words allowed between a negator and the word it negates.
const NEGATION_GAP: &[&str] = &[
    "bisa", "dapat", "akan", "kami", "saya", "kita", "di", "boleh", "lagi", "perlu", "usah", "be",
    "been", "can", "could", "will", "yet", "is", "was", "need", "to",
];
const COURTESY: &[&str] = &[
    "pak", "bu", "bapak", "ibu", "mas", "mbak", "sir", "madam", "maam",
];
const PARTICLES: &[&str] = &["deh", "dong", "aja", "saja", "lah", "ya", "sip", "siap"];
const GO_AHEAD: &[&str] = &[
    "silakan",
    "silahkan",
    "lanjut",
    "proses",
    "diproses",
    "boleh",
    "dilanjut",
    "dilanjutkan",
    "teruskan",
    "diteruskan",
    "please",
    "go",
    "ahead",
    "proceed",
];
/// In a line with one of these, a weak approve word is an acknowledgement.
const DEFER: &[&str] = &[
    "nanti",
    "tunggu",
    "later",
    "wait",
    "cek",
    "check",
    "dicek",
    "pelajari",
    "dipelajari",
    "pertimbangkan",
    "dipertimbangkan",
    "diskusikan",
    "didiskusikan",
    "bahas",
    "dibahas",
    "pikirkan",
    "review",
    "lihat",
    "periksa",
    "diperiksa",
    "noted",
    "think",
    "consider",
];
/// After "No." these make it an abbreviation of "nomor".
const NUMBER_NOUNS: &[&str] = &[
    "hp",
    "telp",
    "tel",
    "telepon",
    "wa",
    "whatsapp",
    "surat",
    "rek",
    "rekening",
    "induk",
    "nip",
    "nim",
    "nidn",
    "id",
    "ktp",
    "reg",
    "registrasi",
    "urut",
    "tiket",
    "ticket",
    "ref",
    "kontak",
    "handphone",
    "ponsel",
];
const DONE: &[&str] = &[
    "selesai",
    "done",
    "sudah",
    "beres",
    "tuntas",
    "complete",
    "completed",
    "finished",
];
const NOT_DONE: &[&str] = &[
    "belum", "gagal", "failed", "pending", "kendala", "tertunda", "unable", "cannot",
];
/// Words that may stand before a staff name and are not part of it.
const NAME_PREFIX: &[&str] = &[
    "staf", "staff", "petugas", "sdr", "sdri", "saudara", "saudari", "pak", "bu", "bapak", "ibu",
    "mas", "mbak", "mr", "mrs", "ms", "miss",
];
/// Words that end a staff name.
const NAME_STOP: &[&str] = &[
    "untuk", "utk", "agar", "supaya", "dan", "yang", "for", "to", "and", "please", "pls", "mohon",
    "tolong", "segera", "asap", "dengan", "dgn", "with", "sebagai", "as", "dulu", "ya", "saja",
    "aja", "sesuai", "terkait", "so", "bila", "jika", "kalau", "karena", "because", "serta",
    "atau", "or", "terima", "thanks", "thank", "di", "pada", "ke", "dari", "sudah", "biar",
    "nanti", "the", "hari", "besok", "today", "tomorrow", "ok", "oke", "setuju", "acc", "thx",
    "from", "of", "at", "in", "on",
];
/// Abbreviated name parts that end in a dot mid-name ("M. Rizky", "Muh. Andi").
const NAME_ABBREVIATIONS: &[&str] = &["m", "muh", "moh", "mhd", "muhd", "mochd", "ach", "ahm"];

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, compiled by the tests below.
    Regex::new(pattern).expect("built-in pattern is a valid regex")
}

/// A closing line: what follows is the signature.
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\W*(?:salam(?: hormat)?\W*$|(?:wassalam\w*|wss|regards|best regards|kind regards|",
        r"warm regards|hormat (?:saya|kami)|sincerely|cheers|best wishes)\b)"
    ))
});
/// A thank-you line: ends a reason or a note (a closing already ends the text).
static THANKS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\W*(?:terima ?kasih|makasih|thanks|thank you|thx|tks|trims)\b"));
/// "Alasan:" before a reason.
static REASON_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:dengan alasan|alasan(?:nya)?|reason|because)\b\s*[:\-–]?\s*"));
/// What introduces the staff member a disposition goes to.
static STAFF_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        // "disposisi ke", "diteruskan kepada", "assign to"…
        r"(?i)\b(?:(?:(?:di)?(?:disposisi(?:kan)?|teruskan|tugaskan|serahkan|delegasikan|",
        r"limpahkan)|assign(?:ed)?|forward(?:ed)?|delegate[d]?|hand(?:ed)? over|pass(?:ed)?)",
        r"\s+(?:ke|kepada|pada|to)\s+",
        // "ditangani oleh", "handled by"…
        r"|(?:ditindaklanjuti|dikerjakan|diproses|ditangani|dieksekusi|handled|processed)",
        r"\s+(?:oleh|by)\s+",
        // "Staf: Andi"
        r"|(?:staf|staff|pic|petugas|pelaksana|assignee|disposisi)\s*:\s*)"
    ))
});
/// An output line: `label: value`, `label = value`, `label<TAB>value`, maybe bulleted.
static OUTPUT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*(?:[-*•·]\s*|\d{1,2}[.)]\s*)?([^\s:=\t][^:=\t]{0,40}?)\s*(?::|=|\t)\s*(.*?)\s*$")
});

/// The lines a decision may be read from: not quoted, up to the closing.
fn body_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut written = false;
    for line in text.lines() {
        if line.trim_start().starts_with('>') {
            continue;
        }
        // "Salam," above everything is a greeting, not a closing.
        if written && CLOSING.is_match(line) && line.split_whitespace().count() <= 4 {
            break;
        }
        written |= line.chars().any(char::is_alphanumeric);
        out.push(line);
    }
    out
}

/// Reads what a leader's reply decides (see the module doc for the rules).
pub fn read_decision(new_text: &str) -> Decision {
    if !new_text.chars().any(char::is_alphanumeric) {
        return Decision::Unclear {
            why: Unclear::Empty,
        };
    }
    let lines = body_lines(new_text);
    let candidates = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(MAX_DECISION_LINES);
    for (idx, line) in candidates {
        let hits = decision_hits(line);
        let yes = hits.iter().find_map(|h| match h {
            Hit::Yes(end) => Some(*end),
            Hit::No(_) => None,
        });
        let no = hits.iter().find_map(|h| match h {
            Hit::No(end) => Some(*end),
            Hit::Yes(_) => None,
        });
        match (yes, no) {
            (Some(_), Some(_)) => {
                return Decision::Unclear {
                    why: Unclear::BothWords,
                }
            }
            (None, Some(end)) => {
                return Decision::Reject {
                    reason: reason(&lines, idx, end),
                }
            }
            (Some(end), None) => {
                let staff = staff(&lines);
                let note = note(&lines, idx, end, staff.as_ref().map(|s| s.1.as_str()));
                return Decision::Approve {
                    staff: staff.map(|s| s.0),
                    note,
                };
            }
            (None, None) => {}
        }
    }
    Decision::Unclear {
        why: Unclear::NoDecisionWord,
    }
}

/// The rest of line `idx` after byte `from`, and the lines of its paragraph after it, on one
/// line; a thank-you line ends the paragraph.
fn rest_of_paragraph(lines: &[&str], idx: usize, from: usize) -> String {
    let first = lines
        .get(idx)
        .and_then(|l| l.get(from..))
        .unwrap_or("")
        .trim();
    let mut parts = vec![first];
    for line in lines.iter().skip(idx + 1) {
        let line = line.trim();
        if line.is_empty() || THANKS.is_match(line) {
            break;
        }
        parts.push(line);
    }
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    trim_lead(&joined).to_string()
}

/// Drops leading punctuation and spaces.
fn trim_lead(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_whitespace() || ",.;:!-–—)".contains(c))
        .trim_end()
}

fn strip_reason_label(s: &str) -> &str {
    match REASON_LABEL.find(s) {
        Some(m) => trim_lead(&s[m.end()..]),
        None => s,
    }
}

/// A refusal's reason (see the module doc).
fn reason(lines: &[&str], idx: usize, end: usize) -> String {
    let own = rest_of_paragraph(lines, idx, end);
    // "Tolak pak, kuota habis", "tolak saja".
    let own = strip_reason_label(strip_particles(&own));
    if !own.is_empty() {
        return own.to_string();
    }
    // "Ditolak.\n\nAlasan: kuota habis."
    let mut i = idx + 1;
    while let Some(line) = lines.get(i) {
        if !line.trim().is_empty() {
            break;
        }
        i += 1;
    }
    // "TOLAK\n\nLab ICT 2 dipakai ujian CBT hari itu." The next paragraph is the reason
    // when it is labelled, or reads as a sentence rather than a signature ("Dr. Siti
    // Rahmawati" / "Kepala UPT TIK" are capitalised words).
    let next = rest_of_paragraph(lines, i, 0);
    if lines
        .get(i)
        .is_some_and(|l| REASON_LABEL.is_match(l.trim()))
        || sentence_like(&next)
    {
        strip_reason_label(&next).to_string()
    } else {
        String::new()
    }
}

/// At least three words, and at least half of them not capitalised.
fn sentence_like(s: &str) -> bool {
    let ws = words(s);
    let plain = ws
        .iter()
        .filter(|w| !s[w.start..].starts_with(char::is_uppercase))
        .count();
    ws.len() >= 3 && plain * 2 >= ws.len()
}

/// The staff a disposition names, and the phrase that named them (to leave out of the note).
fn staff(lines: &[&str]) -> Option<(String, String)> {
    lines.iter().take(MAX_DECISION_LINES * 2).find_map(|line| {
        STAFF_PHRASE.find_iter(line).find_map(|m| {
            let (name, used) = name_after(&line[m.end()..])?;
            Some((name, line[m.start()..m.end() + used].to_string()))
        })
    })
}

/// The staff name at the start of `s` and how many bytes of `s` it took (see the module doc).
fn name_after(s: &str) -> Option<(String, usize)> {
    let mut names: Vec<&str> = Vec::new();
    let mut used = 0;
    let mut prefixes = 0;
    for (offset, token) in token_spans(s) {
        let with_dot = token
            .trim_start_matches(['(', '"', '\''])
            .trim_end_matches([',', ';', ':', '!', '?', ')', '"', '\'']);
        let core = with_dot.trim_end_matches('.');
        let lower = core.to_lowercase();
        if names.is_empty() && prefixes < 3 && NAME_PREFIX.contains(&lower.as_str()) {
            prefixes += 1;
            used = offset + token.len();
            if token.ends_with([',', ';', ':', '!', '?']) {
                break;
            }
            continue;
        }
        if core.contains('@') {
            if names.is_empty() {
                names.push(core);
                used = offset + token.len();
            }
            break;
        }
        let name_like = core.starts_with(char::is_alphabetic)
            && core
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-'));
        if !name_like || NAME_STOP.contains(&lower.as_str()) || names.len() >= 4 {
            break;
        }
        // "M. Rizky": a single letter or a known short form keeps its dot and the name goes on.
        let abbreviation = with_dot.ends_with('.')
            && (lower.chars().count() == 1 || NAME_ABBREVIATIONS.contains(&lower.as_str()));
        names.push(if abbreviation { with_dot } else { core });
        used = offset + token.len();
        if token.ends_with([',', ';', ':', '!', '?', ')'])
            || (token.ends_with('.') && !abbreviation)
        {
            break;
        }
    }
    let name = names.join(" ");
    let name = name.trim_end_matches('.');
    (!name.is_empty()).then(|| (name.to_string(), used))
}

/// Whitespace-separated tokens with their byte offsets, lazily: a name takes a few tokens
/// of what may be a very long line.
fn token_spans(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = s.get(from..)?;
        let start = from + (rest.len() - rest.trim_start().len());
        let tail = s.get(start..).filter(|t| !t.is_empty())?;
        let len = tail.find(char::is_whitespace).unwrap_or(tail.len());
        from = start + len;
        Some((start, &tail[..len]))
    })
}

/// An approval's note: the rest of its paragraph after the approve word, as written, without
/// leading approve words, courtesies and particles ("OK pak, …"), and without the staff
/// phrase when the note starts with it ("SETUJU, disposisi ke staf Andi" has no note;
/// "Mohon diteruskan ke Andi untuk dibuatkan akun" is kept whole: it reads as a sentence).
fn note(lines: &[&str], idx: usize, end: usize, staff_phrase: Option<&str>) -> Option<String> {
    let rest = collapse_spaces(&rest_of_paragraph(lines, idx, end));
    let mut s = strip_fillers(&rest);
    if let Some(phrase) = staff_phrase.map(collapse_spaces) {
        if let Some(after) = s.strip_prefix(phrase.as_str()) {
            s = strip_fillers(after);
        }
    }
    s.chars().any(char::is_alphanumeric).then(|| s.to_string())
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Drops leading punctuation, courtesies and particles.
fn strip_particles(s: &str) -> &str {
    let mut cut = 0;
    for w in words(s) {
        let between = s.get(cut..w.start).unwrap_or("");
        if !(w.is(COURTESY) || w.is(PARTICLES)) || !trim_lead(between).is_empty() {
            break;
        }
        cut = w.end;
    }
    trim_lead(s.get(cut..).unwrap_or(""))
}

/// Drops leading punctuation, approve words, courtesies and particles.
fn strip_fillers(s: &str) -> &str {
    let mut cut = 0;
    for w in words(s) {
        let between = s.get(cut..w.start).unwrap_or("");
        let filler =
            w.is(STRONG_APPROVE) || w.is(WEAK_APPROVE) || w.is(COURTESY) || w.is(PARTICLES);
        if !filler || !trim_lead(between).is_empty() {
            break;
        }
        cut = w.end;
    }
    trim_lead(s.get(cut..).unwrap_or(""))
}
