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

/// One word of a line: its lower-cased text, where it ends in the line, and its clause.
struct Word {
    lower: String,
    start: usize,
    end: usize,
    clause: usize,
    question: bool,
}

impl Word {
    fn is(&self, list: &[&str]) -> bool {
        list.contains(&self.lower.as_str())
    }
}

/// Splits a line into words (letters and digits) and numbers their clauses.
fn words(line: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut clause = 0;
    // questions[c]: clause c ends with "?".
    let mut questions: Vec<bool> = vec![false];
    let mut start: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        // "don't", "can’t": the apostrophe between letters is part of the word.
        let apostrophe =
            matches!(c, '\'' | '’') && start.is_some() && next.is_some_and(char::is_alphanumeric);
        if c.is_alphanumeric() || apostrophe {
            start.get_or_insert(i);
        } else {
            if let Some(s) = start.take() {
                out.push(Word {
                    lower: lower_word(&line[s..i]),
                    start: s,
                    end: i,
                    clause,
                    question: false,
                });
            }
            let spaced_dash = c == '-'
                && (prev.is_none_or(char::is_whitespace) || next.is_none_or(char::is_whitespace));
            let boundary = spaced_dash
                || matches!(
                    c,
                    ',' | '.'
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '/'
                        | '|'
                        | '"'
                        | '“'
                        | '”'
                        | '–'
                        | '—'
                        | '…'
                        | '\t'
                );
            if c == '?' {
                if let Some(q) = questions.get_mut(clause) {
                    *q = true;
                }
            }
            if boundary {
                clause += 1;
                questions.push(false);
            }
        }
        prev = Some(c);
    }
    if let Some(s) = start {
        out.push(Word {
            lower: lower_word(&line[s..]),
            start: s,
            end: line.len(),
            clause,
            question: false,
        });
    }
    for w in &mut out {
        w.question = questions.get(w.clause).copied().unwrap_or(false);
    }
    out
}

/// A word lower-cased, with a typographic apostrophe made plain.
fn lower_word(w: &str) -> String {
    w.to_lowercase().replace('’', "'")
}

/// Which way a counted word points, and where it ends in its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    Yes(usize),
    No(usize),
}

/// True when the weak word `ws[i]` opens its clause and stands alone there (or with a
/// courtesy, a particle or, if `go_ahead`, a go-ahead word after it).
fn weak_counts(ws: &[Word], i: usize, go_ahead: bool) -> bool {
    let w = &ws[i];
    let first = i == 0 || ws[i - 1].clause != w.clause;
    if !first {
        return false;
    }
    match ws.get(i + 1).filter(|n| n.clause == w.clause) {
        None => true,
        Some(n) => n.is(COURTESY) || n.is(PARTICLES) || (go_ahead && n.is(GO_AHEAD)),
    }
}

/// "No." before a number or HP/telp/surat… abbreviates "nomor".
fn is_number_abbreviation(line: &str, ws: &[Word], i: usize) -> bool {
    let Some(next) = ws.get(i + 1) else {
        return false;
    };
    let between = line.get(ws[i].end..next.start).unwrap_or("");
    let punct_only = between.chars().all(|c| matches!(c, '.' | ':' | ' '));
    let numberish = next.lower.starts_with(|c: char| c.is_ascii_digit()) || next.is(NUMBER_NOUNS);
    punct_only && !between.trim().is_empty() && numberish
}

/// The index of the word `ws[i]` (a negator) negates, if it negates one of `targets`.
fn negated(ws: &[Word], i: usize, targets: &[&[&str]]) -> Option<usize> {
    let clause = ws[i].clause;
    for (gap, (j, w)) in ws.iter().enumerate().skip(i + 1).enumerate() {
        if w.clause != clause || gap > 3 {
            return None;
        }
        if targets.iter().any(|t| w.is(t)) {
            return Some(j);
        }
        if !w.is(NEGATION_GAP) {
            return None;
        }
    }
    None
}

/// The decision words that count in one line (see the module doc).
fn decision_hits(line: &str) -> Vec<Hit> {
    let ws = words(line);
    let defers = ws.iter().any(|w| w.is(DEFER));
    let mut hits = Vec::new();
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if w.question {
            i += 1;
            continue;
        }
        if w.is(NEGATORS) {
            if let Some(j) = negated(&ws, i, &[STRONG_APPROVE, WEAK_APPROVE, STRONG_REJECT]) {
                if ws[j].is(STRONG_REJECT) {
                    // "jangan ditolak": not a refusal, not clearly an approval either.
                    hits.push(Hit::Yes(ws[j].end));
                }
                hits.push(Hit::No(ws[j].end));
                i = j + 1;
                continue;
            }
        }
        if w.is(STRONG_APPROVE) {
            hits.push(Hit::Yes(w.end));
        } else if w.is(STRONG_REJECT) {
            hits.push(Hit::No(w.end));
        } else if w.is(WEAK_APPROVE) && !defers && weak_counts(&ws, i, true) {
            hits.push(Hit::Yes(w.end));
        } else if w.is(WEAK_REJECT)
            && weak_counts(&ws, i, false)
            && !is_number_abbreviation(line, &ws, i)
        {
            hits.push(Hit::No(w.end));
        }
        i += 1;
    }
    hits
}

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

/// Reads a staff member's reply to a task (see the module doc). `outputs` are the output
/// names of the SOP's step, as its rule file names them.
pub fn read_completion(new_text: &str, outputs: &[&str]) -> Completion {
    if !new_text.chars().any(char::is_alphanumeric) {
        return Completion::Unclear {
            why: Unclear::Empty,
        };
    }
    let lines = body_lines(new_text);
    let labelled: Vec<Option<(&str, &str)>> = lines.iter().map(|l| output_line(l)).collect();
    let wanted: Vec<Vec<String>> = outputs
        .iter()
        .map(|o| label_words(o))
        .filter(|w| !w.is_empty())
        .collect();
    // An output line is not where "SELESAI" is looked for ("status: sudah aktif").
    let is_output = |i: usize| {
        labelled
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|(label, _)| {
                let words = label_words(label);
                wanted
                    .iter()
                    .any(|w| words.concat() == w.concat() || words.starts_with(w))
            })
    };
    let candidates = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| !l.trim().is_empty() && !is_output(*i))
        .take(MAX_COMPLETION_LINES);
    for (idx, line) in candidates {
        let (done, not_done) = completion_hits(line);
        match (done, not_done) {
            (true, Some(_)) => {
                return Completion::Unclear {
                    why: Unclear::BothWords,
                }
            }
            (false, Some(_)) => {
                return Completion::NotDone {
                    reason: rest_of_paragraph(&lines, idx, 0),
                }
            }
            (true, None) => return done_with(&labelled, outputs),
            (false, None) => {}
        }
    }
    Completion::Unclear {
        why: Unclear::NoDecisionWord,
    }
}

/// Whether a line says done, and where the first not-done word ends if it says not done.
fn completion_hits(line: &str) -> (bool, Option<usize>) {
    let ws = words(line);
    let mut done = false;
    let mut not_done = None;
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if w.question {
            i += 1;
            continue;
        }
        if w.is(NEGATORS) {
            if let Some(j) = negated(&ws, i, &[DONE]) {
                not_done.get_or_insert(ws[j].end);
                i = j + 1;
                continue;
            }
            let yet = ws.get(i + 1).filter(|n| n.lower == "yet");
            if let (true, Some(yet)) = (w.lower == "not", yet) {
                not_done.get_or_insert(yet.end);
                i += 2;
                continue;
            }
        }
        if w.is(DONE) {
            done = true;
        } else if w.is(NOT_DONE) {
            not_done.get_or_insert(w.end);
        }
        i += 1;
    }
    (done, not_done)
}

/// `label: value` of a line, when it has a label and a value.
fn output_line(line: &str) -> Option<(&str, &str)> {
    let caps = OUTPUT_LINE.captures(line)?;
    let label = caps.get(1)?.as_str();
    let value = caps.get(2)?.as_str();
    // A label is a few words, not a sentence that happens to hold a colon.
    let short = label.split_whitespace().count() <= 4;
    (short && !value.is_empty()).then_some((label, value))
}

/// A label's or an output name's words, lower-cased, without punctuation.
fn label_words(label: &str) -> Vec<String> {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn looks_secret(name: &str) -> bool {
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "passcode",
        "sandi",
        "katasandi",
        "pin",
        "secret",
        "rahasia",
        "token",
        "otp",
    ];
    label_words(name)
        .iter()
        .any(|w| SECRET.contains(&w.as_str()))
}

/// The outputs a done reply gives, matched to the SOP's names (exact first, then by first words).
fn done_with(labelled: &[Option<(&str, &str)>], outputs: &[&str]) -> Completion {
    let lines: Vec<(usize, Vec<String>, &str)> = labelled
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|(label, value)| (i, label_words(label), value)))
        .collect();
    let mut used: Vec<usize> = Vec::new();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let wanted: Vec<(&str, Vec<String>)> = outputs
        .iter()
        .map(|o| (*o, label_words(o)))
        .filter(|(_, w)| !w.is_empty())
        .collect();
    for exact in [true, false] {
        for (name, want) in &wanted {
            if found.contains_key(*name) {
                continue;
            }
            let hit = lines.iter().find(|(i, words, _)| {
                !used.contains(i)
                    && if exact {
                        words.concat() == want.concat()
                    } else {
                        words.starts_with(want)
                    }
            });
            if let Some((i, _, value)) = hit {
                used.push(*i);
                found.insert((*name).to_string(), (*value).to_string());
            }
        }
    }
    let missing = outputs
        .iter()
        .filter(|o| !found.contains_key(**o))
        .map(|o| (*o).to_string())
        .collect();
    let secret_outputs = outputs
        .iter()
        .filter(|o| looks_secret(o))
        .map(|o| (*o).to_string())
        .collect();
    Completion::Done {
        outputs: found,
        missing,
        secret_outputs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn approve(staff: Option<&str>, note: Option<&str>) -> Decision {
        Decision::Approve {
            staff: staff.map(str::to_string),
            note: note.map(str::to_string),
        }
    }

    fn reject(reason: &str) -> Decision {
        Decision::Reject {
            reason: reason.to_string(),
        }
    }

    fn unclear(why: Unclear) -> Decision {
        Decision::Unclear { why }
    }

    #[test]
    fn patterns_compile() {
        for pattern in [
            &CLOSING,
            &THANKS,
            &REASON_LABEL,
            &STAFF_PHRASE,
            &OUTPUT_LINE,
        ] {
            assert!(!pattern.is_match("\u{0}"));
        }
    }

    #[test]
    fn every_decision_word_alone() {
        for word in [
            "SETUJU",
            "disetujui",
            "Acc",
            "ya",
            "OK",
            "Oke",
            "LANJUTKAN",
            "approve",
            "Approved",
            "yes",
        ] {
            assert_eq!(read_decision(word), approve(None, None), "{word}");
            assert_eq!(
                read_decision(&format!("{word}.")),
                approve(None, None),
                "{word}."
            );
        }
        for word in ["TOLAK", "ditolak", "Tidak", "REJECT", "rejected", "No"] {
            assert_eq!(read_decision(word), reject(""), "{word}");
            assert_eq!(read_decision(&format!("{word}!")), reject(""), "{word}!");
        }
    }

    #[test]
    fn whole_words_only() {
        assert_eq!(
            read_decision("Mohon persetujuan dari Warek dulu"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(
            read_decision("Accountnya siapa?"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(read_decision("Sudah di-ACC."), approve(None, None));
    }

    #[test]
    fn reject_reasons() {
        assert_eq!(
            read_decision("TOLAK karena data belum lengkap"),
            reject("karena data belum lengkap")
        );
        assert_eq!(
            read_decision("Ditolak. Alasan: NIP tidak sesuai SIMPEG."),
            reject("NIP tidak sesuai SIMPEG.")
        );
        assert_eq!(
            read_decision("Ditolak.\n\nAlasan: kuota Zoom habis.\n\nSalam,\nBudi"),
            reject("kuota Zoom habis.")
        );
        assert_eq!(
            read_decision(
                "Tolak,\nsurat rekomendasi belum ada\ndan tanggalnya bentrok.\n\nTerima kasih"
            ),
            reject("surat rekomendasi belum ada dan tanggalnya bentrok.")
        );
        assert_eq!(
            read_decision("Permohonan ini ditolak dengan alasan anggaran habis"),
            reject("anggaran habis")
        );
        assert_eq!(
            read_decision("No, the data is incomplete."),
            reject("the data is incomplete.")
        );
        assert_eq!(read_decision("Tolak\n\nSalam"), reject(""));
    }

    #[test]
    fn tidak_in_prose_is_not_a_refusal() {
        assert_eq!(
            read_decision("tidak masalah, lanjutkan"),
            approve(None, None)
        );
        assert_eq!(
            read_decision("setuju, tapi tidak perlu rapat"),
            approve(None, Some("tapi tidak perlu rapat"))
        );
        assert_eq!(
            read_decision("Tidak ada masalah dengan datanya. Silakan diproses"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(
            read_decision("Tidak keberatan."),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(
            read_decision("No problem"),
            unclear(Unclear::NoDecisionWord)
        );
    }

    #[test]
    fn negated_approval_is_a_refusal() {
        assert_eq!(
            read_decision("Tidak setuju, karena anggaran habis"),
            reject("karena anggaran habis")
        );
        assert_eq!(
            read_decision("Mohon maaf, belum dapat kami setujui sebelum ada surat tugas."),
            reject("sebelum ada surat tugas.")
        );
        assert_eq!(read_decision("Not approved."), reject(""));
        assert_eq!(read_decision("I don't approve."), reject(""));
        assert_eq!(
            read_decision("I can’t approve this yet"),
            reject("this yet")
        );
        assert_eq!(read_decision("Ga setuju"), reject(""));
        assert_eq!(read_decision("Tidak perlu dilanjutkan"), reject(""));
        assert_eq!(
            read_decision("Tolak pak, kuota habis"),
            reject("kuota habis")
        );
        assert_eq!(read_decision("Gak usah, tolak saja"), reject(""));
        assert_eq!(read_decision("tdk acc"), reject(""));
        assert_eq!(
            read_decision("Jangan di-ACC, anggarannya tidak ada"),
            reject("anggarannya tidak ada")
        );
        // A negated refusal is not clearly anything.
        assert_eq!(read_decision("Jangan ditolak"), unclear(Unclear::BothWords));
    }

    #[test]
    fn both_words_on_the_deciding_line() {
        for text in [
            "SETUJU / TOLAK",
            "Setuju atau tolak, silakan helpdesk putuskan",
            "Tidak, setuju",
            "OK, saya tolak",
            "Approve. Reject.",
        ] {
            assert_eq!(read_decision(text), unclear(Unclear::BothWords), "{text}");
        }
    }

    #[test]
    fn first_decision_bearing_line_decides() {
        assert_eq!(
            read_decision("Yth. Helpdesk,\n\nSETUJU\n\nTidak perlu rapat. Tolak yang lain."),
            approve(None, None)
        );
        assert_eq!(
            read_decision(
                "Terima kasih infonya.\nDitolak, sudah ada akun lama.\nSetuju untuk yang baru."
            ),
            reject("sudah ada akun lama. Setuju untuk yang baru.")
        );
    }

    #[test]
    fn ok_and_ya_in_sentences() {
        // Not a decision: not the first word of its clause.
        assert_eq!(
            read_decision("Datanya sudah OK semua"),
            unclear(Unclear::NoDecisionWord)
        );
        // Followed by another word that is not a go-ahead.
        assert_eq!(
            read_decision("Ok saya mengerti"),
            unclear(Unclear::NoDecisionWord)
        );
        // A deferral: acknowledged, not approved.
        for text in [
            "OK, saya cek dulu",
            "Ya, nanti saya pelajari",
            "Ok noted",
            "Oke, tunggu sebentar",
        ] {
            assert_eq!(
                read_decision(text),
                unclear(Unclear::NoDecisionWord),
                "{text}"
            );
        }
        for text in [
            "Ok, silakan",
            "Ya pak, silakan",
            "Yes please proceed",
            "Oke deh",
            "Oke siap",
            "Ya silakan diproses",
            "Baik, silakan dilanjutkan.",
        ] {
            assert!(
                matches!(read_decision(text), Decision::Approve { .. }),
                "{text}"
            );
        }
        // A strong word still decides in a deferring line.
        assert_eq!(
            read_decision("Setuju, nanti saya tanda tangani"),
            approve(None, Some("nanti saya tanda tangani"))
        );
    }

    #[test]
    fn questions_do_not_decide() {
        assert_eq!(
            read_decision("Apakah perlu di-ACC Warek?"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(read_decision("Setuju? Tidak."), reject(""));
    }

    #[test]
    fn nomor_is_not_no() {
        assert_eq!(
            read_decision("Terima kasih\nBudi\nNo. HP 0812-3456-7890"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(
            read_decision("Sesuai surat No. 123/UN10/2026"),
            unclear(Unclear::NoDecisionWord)
        );
        assert_eq!(read_decision("No: 45"), unclear(Unclear::NoDecisionWord));
    }

    #[test]
    fn staff_named_in_the_disposition() {
        for (text, staff) in [
            ("SETUJU, disposisi ke staf Andi", "Andi"),
            ("ACC, teruskan ke Pak Budi", "Budi"),
            ("Approved, assign to Rina", "Rina"),
            (
                "Setuju. Didisposisikan kepada Sdr. Andi Pratama untuk dibuatkan akun.",
                "Andi Pratama",
            ),
            (
                "Setuju, mohon ditugaskan ke M. Rizky Hidayat.",
                "M. Rizky Hidayat",
            ),
            ("Setuju.\nStaf: Dewi Lestari", "Dewi Lestari"),
            ("OK, teruskan ke andi@ub.ac.id", "andi@ub.ac.id"),
            ("Disposisi ke Bu Sari, setuju.", "Sari"),
            (
                "Lanjutkan, biar ditangani oleh tim jaringan",
                "tim jaringan",
            ),
        ] {
            match read_decision(text) {
                Decision::Approve { staff: Some(s), .. } => assert_eq!(s, staff, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn note_leaves_out_the_staff_phrase() {
        assert_eq!(
            read_decision("SETUJU, disposisi ke staf Andi"),
            approve(Some("Andi"), None)
        );
        assert_eq!(
            read_decision("ACC, teruskan ke Pak Budi untuk segera diproses."),
            approve(Some("Budi"), Some("untuk segera diproses."))
        );
        assert_eq!(
            read_decision("Setuju. Mohon diteruskan ke Andi untuk dibuatkan akun."),
            approve(
                Some("Andi"),
                Some("Mohon diteruskan ke Andi untuk dibuatkan akun.")
            )
        );
        assert_eq!(
            read_decision("Acc pak. Diteruskan ke Andi ya."),
            approve(Some("Andi"), None)
        );
        assert_eq!(
            read_decision("Setuju, lanjutkan. Mohon diprioritaskan."),
            approve(None, Some("Mohon diprioritaskan."))
        );
    }

    #[test]
    fn staff_ignored_on_refusal_and_empty_input() {
        assert_eq!(
            read_decision("Tolak, jangan teruskan ke Andi"),
            reject("jangan teruskan ke Andi")
        );
        assert_eq!(read_decision(""), unclear(Unclear::Empty));
        assert_eq!(read_decision(" \n-- \n"), unclear(Unclear::Empty));
    }

    #[test]
    fn greeting_salam_is_not_a_closing() {
        assert_eq!(read_decision("Salam,\n\nSetuju."), approve(None, None));
        assert_eq!(
            read_decision("Terima kasih.\n\nSalam,\nDr. Ya Budi"),
            unclear(Unclear::NoDecisionWord)
        );
    }

    #[test]
    fn long_lines_take_linear_time() {
        // Quadratic work on any of these would take minutes, not milliseconds.
        for unit in ["ok ", "a? ", "teruskan ke ", "tidak ", "ok, ", "x"] {
            let line = unit.repeat(50_000);
            let _ = read_decision(&line);
            let _ = read_decision(&format!("Setuju {line}"));
            let _ = read_completion(&format!("SELESAI {line}\nuser: {line}"), OUTPUTS);
            let _ = crate::parse::reply::new_text(&format!("On {line}\n{line}"));
        }
    }

    #[test]
    fn only_the_first_lines_are_read() {
        let mut text = "Ini paragraf.\n".repeat(MAX_DECISION_LINES);
        text.push_str("Setuju");
        assert_eq!(read_decision(&text), unclear(Unclear::NoDecisionWord));
    }

    const OUTPUTS: &[&str] = &["user", "lisensi", "password"];

    fn done(pairs: &[(&str, &str)], missing: &[&str]) -> Completion {
        Completion::Done {
            outputs: pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            missing: missing.iter().map(|m| (*m).to_string()).collect(),
            secret_outputs: vec!["password".to_string()],
        }
    }

    #[test]
    fn completion_with_outputs() {
        let text = "SELESAI\n\nuser: budi@ub.ac.id\nLisensi : Office 365 A3\nPassword awal = Rahasia#2026\n\nSalam,\nAndi";
        assert_eq!(
            read_completion(text, OUTPUTS),
            done(
                &[
                    ("user", "budi@ub.ac.id"),
                    ("lisensi", "Office 365 A3"),
                    ("password", "Rahasia#2026")
                ],
                &[]
            )
        );
    }

    #[test]
    fn completion_labels_tolerant_and_missing_listed() {
        let text = "Sudah selesai pak.\n- USER_ID: budi\n2) lisensi\tA1";
        assert_eq!(
            read_completion(text, &["user id", "lisensi", "kata sandi"]),
            Completion::Done {
                outputs: [("user id", "budi"), ("lisensi", "A1")]
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
                missing: vec!["kata sandi".to_string()],
                secret_outputs: vec!["kata sandi".to_string()],
            }
        );
    }

    #[test]
    fn completion_exact_label_before_prefix() {
        let text = "Done\nuser id: u-1\nuser: u-2";
        match read_completion(text, &["user", "user id"]) {
            Completion::Done { outputs, .. } => {
                assert_eq!(outputs.get("user").map(String::as_str), Some("u-2"));
                assert_eq!(outputs.get("user id").map(String::as_str), Some("u-1"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn completion_not_done_and_unclear() {
        assert_eq!(
            read_completion("Belum selesai, server lisensi sedang gangguan.", OUTPUTS),
            Completion::NotDone {
                reason: "Belum selesai, server lisensi sedang gangguan.".to_string()
            }
        );
        assert_eq!(
            read_completion("Gagal: NIM tidak ditemukan di Siakad", OUTPUTS),
            Completion::NotDone {
                reason: "Gagal: NIM tidak ditemukan di Siakad".to_string()
            }
        );
        assert_eq!(
            read_completion("Not yet, waiting for the vendor", OUTPUTS),
            Completion::NotDone {
                reason: "Not yet, waiting for the vendor".to_string()
            }
        );
        assert_eq!(
            read_completion("Sudah, tapi password belum bisa direset", OUTPUTS),
            Completion::Unclear {
                why: Unclear::BothWords
            }
        );
        assert_eq!(
            read_completion("user: budi@ub.ac.id", OUTPUTS),
            Completion::Unclear {
                why: Unclear::NoDecisionWord
            }
        );
        assert_eq!(
            read_completion("  ", OUTPUTS),
            Completion::Unclear {
                why: Unclear::Empty
            }
        );
        assert_eq!(
            read_completion("Sudah selesai?", OUTPUTS),
            Completion::Unclear {
                why: Unclear::NoDecisionWord
            }
        );
    }

    #[test]
    fn completion_word_in_a_non_output_label_line_counts() {
        assert!(matches!(
            read_completion("SELESAI: akun sudah dibuat\nuser: budi", OUTPUTS),
            Completion::Done { .. }
        ));
        // An output's own line is not read for the word.
        assert_eq!(
            read_completion("lisensi: belum ada\nSELESAI", &["lisensi"]),
            Completion::Done {
                outputs: [("lisensi".to_string(), "belum ada".to_string())].into(),
                missing: vec![],
                secret_outputs: vec![],
            }
        );
    }

    #[test]
    fn secrets_are_recognised_and_masked() {
        for name in [
            "password",
            "Password Awal",
            "kata_sandi",
            "PIN",
            "token_vpn",
            "OTP",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["user", "pinjaman", "lisensi", "email pribadi"] {
            assert!(!looks_secret(name), "{name}");
        }
        let c = read_completion("SELESAI\npassword: Rahasia#2026\nuser: budi", OUTPUTS);
        let shown = format!("{c:?}");
        assert!(!shown.contains("Rahasia"), "{shown}");
        assert!(shown.contains("budi"), "{shown}");
    }

    /// One case of the reply corpus, `tests/data/replies/NAME.expected` (TOML).
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Expected {
        /// The first line of the new text.
        first_line: String,
        /// approve, reject, unclear, or quote-only (the reply only quoted).
        decision: Option<String>,
        staff: Option<String>,
        note: Option<String>,
        reason: Option<String>,
        /// For unclear: no-decision-word, both-words or empty.
        why: Option<String>,
        /// done, not-done or unclear: a staff member's reply.
        completion: Option<String>,
        /// The SOP's output names.
        #[serde(default)]
        outputs: Vec<String>,
        #[serde(default)]
        found: BTreeMap<String, String>,
        #[serde(default)]
        missing: Vec<String>,
        #[serde(default)]
        secret: Vec<String>,
    }

    fn unclear_named(why: Option<&str>) -> Result<Unclear, String> {
        match why {
            Some("no-decision-word") => Ok(Unclear::NoDecisionWord),
            Some("both-words") => Ok(Unclear::BothWords),
            Some("empty") => Ok(Unclear::Empty),
            other => Err(format!("unknown why {other:?}")),
        }
    }

    impl Expected {
        fn decision(&self) -> Result<Decision, String> {
            Ok(match self.decision.as_deref() {
                Some("approve") => Decision::Approve {
                    staff: self.staff.clone(),
                    note: self.note.clone(),
                },
                Some("reject") => Decision::Reject {
                    reason: self.reason.clone().unwrap_or_default(),
                },
                Some("unclear") => Decision::Unclear {
                    why: unclear_named(self.why.as_deref())?,
                },
                other => return Err(format!("unknown decision {other:?}")),
            })
        }

        fn completion(&self) -> Result<Completion, String> {
            Ok(match self.completion.as_deref() {
                Some("done") => Completion::Done {
                    outputs: self.found.clone(),
                    missing: self.missing.clone(),
                    secret_outputs: self.secret.clone(),
                },
                Some("not-done") => Completion::NotDone {
                    reason: self.reason.clone().unwrap_or_default(),
                },
                Some("unclear") => Completion::Unclear {
                    why: unclear_named(self.why.as_deref())?,
                },
                other => return Err(format!("unknown completion {other:?}")),
            })
        }
    }

    /// The body the parser makes of `content` sent as `text/SUBTYPE`.
    fn parsed_body(content: &str, subtype: &str) -> Result<String, String> {
        let raw = format!(
            "From: Pimpinan <kepala@kampus.ac.id>\r\nTo: helpdesk@kampus.ac.id\r\n\
             Subject: Re: [TIK-2026-000042] Disposisi\r\n\
             Date: Mon, 2 Mar 2026 10:00:00 +0700\r\nMessage-ID: <balasan@kampus.ac.id>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/{subtype}; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{content}"
        );
        crate::parse::parse(raw.as_bytes(), &crate::parse::Limits::default())
            .map(|m| m.body)
            .map_err(|e| e.to_string())
    }

    /// Checks one body against its expectation; the differences, if any.
    fn check_case(body: &str, expected: &Expected, outputs: &[&str]) -> Result<(), String> {
        let reply = crate::parse::reply::new_text(body);
        let mut problems = Vec::new();
        let first = reply
            .text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if first != expected.first_line {
            problems.push(format!("first line {first:?}"));
        }
        let quote_only = expected.decision.as_deref() == Some("quote-only");
        if reply.quote_only != quote_only {
            problems.push(format!("quote_only {}", reply.quote_only));
        }
        if let (Some(text), Some(_)) = (reply.decidable(), &expected.decision) {
            let got = read_decision(text);
            if got != expected.decision()? {
                problems.push(format!("decision {got:?}"));
            }
        }
        if let (Some(text), Some(_)) = (reply.decidable(), &expected.completion) {
            let got = read_completion(text, outputs);
            if got != expected.completion()? {
                problems.push(format!("completion {got:?}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} (new text {:?})",
                problems.join("; "),
                reply.text
            ))
        }
    }

    /// The reply corpus: every `tests/data/replies/NAME.txt` (a text/plain body) and
    /// `NAME.html` (an HTML-only body) against `NAME.expected`. A text body is read as it is,
    /// with CRLF line ends, and through the parser; an HTML body through the parser (which
    /// turns it into text), with LF and CRLF.
    #[test]
    fn reply_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replies");
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "html"))
            .collect();
        entries.sort();
        assert!(
            !entries.is_empty(),
            "the reply corpus in {} is empty",
            dir.display()
        );
        let mut failures = Vec::new();
        for path in &entries {
            let result = (|| -> Result<(), String> {
                let content = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
                let expected_path = path.with_extension("expected");
                let expected: Expected = toml::from_str(
                    &std::fs::read_to_string(&expected_path)
                        .map_err(|e| format!("{}: {e}", expected_path.display()))?,
                )
                .map_err(|e| format!("{}: {e}", expected_path.display()))?;
                let outputs: Vec<&str> = expected.outputs.iter().map(String::as_str).collect();
                let crlf = content.replace('\n', "\r\n");
                let bodies = if path.extension().is_some_and(|x| x == "html") {
                    vec![
                        ("html", parsed_body(&content, "html")?),
                        ("html crlf", parsed_body(&crlf, "html")?),
                    ]
                } else {
                    vec![
                        ("as is", content.clone()),
                        ("crlf", crlf.clone()),
                        ("parsed", parsed_body(&crlf, "plain")?),
                    ]
                };
                for (how, body) in bodies {
                    check_case(&body, &expected, &outputs).map_err(|e| format!("{how}: {e}"))?;
                }
                Ok(())
            })();
            if let Err(e) = result {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} replies differ:\n{}",
            failures.len(),
            entries.len(),
            failures.join("\n")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panic(
            text in prop_oneof![
                "\\PC{0,200}",
                ".{0,200}",
                prop::collection::vec(prop_oneof![
                    Just("SETUJU".to_string()), Just("tidak".to_string()), Just("No.".to_string()),
                    Just(" ".to_string()), Just(", ".to_string()), Just("\n".to_string()),
                    Just("disposisi ke staf ".to_string()), Just("user: ".to_string()),
                    Just("SELESAI".to_string()), Just("belum".to_string()), Just("?".to_string()),
                    Just("Alasan:".to_string()), Just("Salam,".to_string()), Just("İ".to_string()),
                    "\\PC{0,8}".prop_map(|s| s),
                ], 0..30).prop_map(|v| v.concat()),
            ],
            outputs in prop::collection::vec("\\PC{0,12}", 0..4),
        ) {
            let _ = read_decision(&text);
            let outs: Vec<&str> = outputs.iter().map(String::as_str).collect();
            let _ = read_completion(&text, &outs);
            let _ = read_decision(&crate::parse::reply::new_text(&text).text);
        }
    }
}
