//! The new part of a reply: what its sender wrote, without the message they quoted and
//! without their signature, so a decision ("SETUJU", "TOLAK …") or a completion ("SELESAI")
//! is read from their words and never from the disposition email quoted below them.
//!
//! One forward pass over the lines, for the clients people really use, in Indonesian and
//! English:
//! - `>` quoted lines (also `> >`) are dropped wherever they are, so a bottom-posted or
//!   interleaved answer keeps the unquoted lines between and after the quotes;
//! - an attribution ("On … wrote:", "Pada … menulis:", also wrapped over up to three lines)
//!   is dropped; when `>` lines follow it, reading goes on after them (bottom-posting),
//!   otherwise everything after it is the quoted message (top-posting, and HTML-only mail,
//!   whose `<blockquote>` has lost its `>` in the HTML-to-text conversion);
//! - Outlook's "-----Original Message-----" / "-----Pesan Asli-----", an underscore rule,
//!   a forwarded-message marker, and a header block ("From:/Sent:/To:/Subject:",
//!   "Dari:/Dikirim:/Kepada:/Subjek:", one header a line or all on one line) end the new part:
//!   Outlook does not mark the quoted message in any other way;
//! - the signature delimiter `-- ` (RFC 3676 §4.3; the body's normalisation has already
//!   trimmed its space, so a bare `--` is the same thing) ends the new part;
//! - mobile signatures ("Sent from my iPhone", "Dikirim dari iPhone saya", "Get Outlook for
//!   Android") are dropped as single lines.
//!
//! Invariants: pure, never panics, linear in the input. The new text is never empty when the
//! body has any letter or digit: when nothing of the sender's own is left (they quoted
//! without writing, or wrote only a signature), the whole body comes back with
//! [`NewText::quote_only`] set, so the caller can ask what they meant instead of reading a
//! decision out of the quoted disposition email.

use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// What [`new_text`] found in a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewText {
    /// The lines the sender wrote, in order; blank lines collapsed to one, no leading or
    /// trailing blank line. The whole body when [`NewText::quote_only`].
    pub text: String,
    /// What was removed, each kind once, in the order first met.
    pub stripped: Vec<StrippedKind>,
    /// Nothing of the sender's own was left after stripping: `text` is the whole body,
    /// quotes included, and must not be read for a decision.
    pub quote_only: bool,
}

impl NewText {
    /// The text to read a decision or completion from; `None` when the reply only quoted.
    pub fn decidable(&self) -> Option<&str> {
        (!self.quote_only).then_some(self.text.as_str())
    }
}

/// A kind of text [`new_text`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrippedKind {
    /// Lines quoted with `>`.
    Quoted,
    /// "On … wrote:" / "Pada … menulis:".
    Attribution,
    /// "-----Original Message-----", "-----Pesan Asli-----", an underscore rule or a
    /// forwarded-message marker, and everything after it.
    OriginalMessage,
    /// A quoted message's header block (From/Sent/To/Subject, Dari/Dikirim/Kepada/Subjek),
    /// and everything after it.
    HeaderBlock,
    /// The `-- ` signature delimiter and everything after it.
    Signature,
    /// A "Sent from my iPhone" line.
    MobileSignature,
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, compiled by the tests below.
    Regex::new(pattern).expect("built-in pattern is a valid regex")
}

/// An attribution's last line. Gmail and Thunderbird end it with "wrote:" / "menulis:".
static ENDS_WROTE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(?:wrote|menulis)\s*:$"));
/// An attribution's first line: "On Mon, …", "Pada Sen, …", "Pada tanggal …".
static STARTS_ON: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:on|pada)\s"));
/// Outlook's and the webmails' markers of the original or forwarded message.
static ORIGINAL_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^(?:[-=_*]{2,}\s*(?:original message|pesan asli(?:nya)?|forwarded message|",
        r"pesan terusan|pesan yang diteruskan)\s*[-=_*]{2,}",
        r"|(?:begin forwarded message|awal pesan yang diteruskan)\s*:",
        r"|_{10,})$"
    ))
});
/// A header line of a quoted message's header block, as Outlook writes it (English and
/// Indonesian), with the `*bold*` and stray spaces HTML conversions leave.
static HEADER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[\s*_]*(from|dari|sent|dikirim|date|tanggal|to|kepada|cc|subject|subjek|perihal)[\s*_]*:",
    )
});
/// The same header names inside a line (a block squeezed onto one line).
static HEADER_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:^|[\s*_])(sent|dikirim|date|tanggal|to|kepada|cc|subject|subjek|perihal)[\s*_]*:")
});
/// Signatures mobile mail apps append.
static MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^(?:sent from (?:my\s|yahoo|outlook|mail for|samsung|gmail|the\s)|sent via\s|",
        r"sent with\s|get outlook for\s|dapatkan outlook untuk\s|",
        r"(?:dikirim|diketik|terkirim) (?:dari|dengan|menggunakan|via)\s.*\b(?:iphone|ipad|",
        r"android|yahoo|outlook|ponsel|perangkat|samsung|galaxy|smartphone|hp|xiaomi|redmi|",
        r"oppo|vivo|realme|huawei|mail|gmail)\b)"
    ))
});

/// Separates the new part of `body` from what it quotes (see the module doc).
pub fn new_text(body: &str) -> NewText {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.split('\n').map(str::trim_end).collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut stripped: Vec<StrippedKind> = Vec::new();
    let mut note = |kind: StrippedKind| {
        if !stripped.contains(&kind) {
            stripped.push(kind);
        }
    };
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        if is_quoted(line) {
            note(StrippedKind::Quoted);
            i += 1;
            continue;
        }
        if let Some(len) = attribution(&lines[i..]) {
            note(StrippedKind::Attribution);
            let rest = lines.get(i + len..).unwrap_or_default();
            let next = rest.iter().find(|l| !l.trim().is_empty());
            if next.is_some_and(|l| is_quoted(l)) {
                // Bottom-posting: the answer may come after the quote.
                i += len;
                continue;
            }
            break;
        }
        if ORIGINAL_MARKER.is_match(line.trim()) {
            note(StrippedKind::OriginalMessage);
            break;
        }
        if header_block(&lines[i..]) {
            note(StrippedKind::HeaderBlock);
            break;
        }
        if line.trim() == "--" {
            note(StrippedKind::Signature);
            break;
        }
        if line.trim().chars().count() <= 80 && MOBILE.is_match(line.trim()) {
            note(StrippedKind::MobileSignature);
            i += 1;
            continue;
        }
        kept.push(line);
        i += 1;
    }
    // The rule Outlook's `<hr>` leaves above its header block, and the blank lines around.
    while kept.last().is_some_and(|l| is_rule(l)) {
        kept.pop();
    }
    let text = join_collapsed(&kept);
    if text.chars().any(char::is_alphanumeric) || stripped.is_empty() {
        return NewText {
            text,
            stripped,
            quote_only: false,
        };
    }
    NewText {
        text: join_collapsed(&lines),
        stripped,
        quote_only: true,
    }
}

/// A `>` quoted line (any depth).
fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// A blank line, or one made only of rule characters ("----" from an `<hr>`).
fn is_rule(line: &str) -> bool {
    line.trim()
        .chars()
        .all(|c| matches!(c, '-' | '_' | '=' | '*' | '~'))
}

/// How many lines (1–3) the attribution starting at `lines[0]` takes, if one does.
fn attribution(lines: &[&str]) -> Option<usize> {
    let first = lines.first()?.trim();
    let has_detail = |s: &str| s.contains('@') || s.chars().any(|c| c.is_ascii_digit());
    if ENDS_WROTE.is_match(first) {
        // "On …, Budi <b@x> wrote:" carries a date or an address; a bare "Budi wrote:"
        // counts only right above a quote.
        let quote_follows = lines
            .iter()
            .skip(1)
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| is_quoted(l));
        let dated = (STARTS_ON.is_match(first) || first.contains('<')) && has_detail(first);
        return (dated || quote_follows).then_some(1);
    }
    if !STARTS_ON.is_match(first) {
        return None;
    }
    // Wrapped: "On Mon, 2 Mar 2026 at 09:00, Budi Santoso <budi@…>" / "wrote:".
    let mut joined = first.to_string();
    for (k, line) in lines.iter().enumerate().skip(1).take(2) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('>') {
            return None;
        }
        joined.push(' ');
        joined.push_str(line);
        if joined.chars().count() > 400 {
            return None;
        }
        if ENDS_WROTE.is_match(line) {
            return has_detail(&joined).then_some(k + 1);
        }
    }
    None
}

/// Whether a quoted message's header block starts at `lines[0]`: a From/Dari line followed
/// by a date line, or by both a recipient and a subject line (each on its own line, blank
/// lines between allowed), or with those headers on the same line.
fn header_block(lines: &[&str]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    if header_name(first).as_deref() != Some("from") {
        return false;
    }
    let mut seen: Vec<&'static str> = Vec::new();
    let mut add = |name: &str| {
        let group = header_group(name);
        if !seen.contains(&group) {
            seen.push(group);
        }
    };
    // The rest of the From line, for a block on one line.
    let rest = HEADER_LINE.find(first).map_or("", |m| &first[m.end()..]);
    for cap in HEADER_INLINE.captures_iter(rest) {
        if let Some(name) = cap.get(1) {
            add(name.as_str());
        }
    }
    for line in lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .take(6)
    {
        match header_name(line) {
            Some(name) => add(&name),
            None => break,
        }
    }
    seen.contains(&"date") || (seen.contains(&"to") && seen.contains(&"subject"))
}

/// The header a line starts with, lower-cased and in English.
fn header_name(line: &str) -> Option<String> {
    let name = HEADER_LINE.captures(line)?.get(1)?.as_str().to_lowercase();
    Some(header_group(&name).to_string())
}

fn header_group(name: &str) -> &'static str {
    match name.to_lowercase().as_str() {
        "from" | "dari" => "from",
        "sent" | "dikirim" | "date" | "tanggal" => "date",
        "to" | "kepada" | "cc" => "to",
        _ => "subject",
    }
}

/// Joins lines, at most one blank line in a row, none at either end.
fn join_collapsed(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank {
                out.push('\n');
            }
        }
        blank = false;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(body: &str) -> String {
        new_text(body).text
    }

    #[test]
    fn patterns_compile() {
        for pattern in [
            &ENDS_WROTE,
            &STARTS_ON,
            &ORIGINAL_MARKER,
            &HEADER_LINE,
            &HEADER_INLINE,
            &MOBILE,
        ] {
            assert!(!pattern.is_match("\u{0}"));
        }
    }

    #[test]
    fn gmail_english_top_post() {
        let r = new_text(
            "SETUJU, disposisi ke staf Andi\n\nOn Mon, 2 Mar 2026 at 09:00, Helpdesk TIK <helpdesk@ub.ac.id> wrote:\n> Mohon persetujuan.\n> Balas SETUJU atau TOLAK.",
        );
        assert_eq!(r.text, "SETUJU, disposisi ke staf Andi");
        assert_eq!(
            r.stripped,
            [StrippedKind::Attribution, StrippedKind::Quoted]
        );
        assert!(!r.quote_only);
    }

    #[test]
    fn gmail_indonesian_attribution_wrapped() {
        for attribution in [
            "Pada Sen, 2 Mar 2026 pukul 09.00 Helpdesk TIK <helpdesk@ub.ac.id>\nmenulis:",
            "Pada tanggal Sen, 2 Mar 2026 pukul 09.00, Helpdesk TIK <\nhelpdesk@ub.ac.id> menulis:",
            "Pada tanggal Senin, 2 Maret 2026,\nHelpdesk TIK\n<helpdesk@ub.ac.id> menulis:",
            "On Mon, 2 Mar 2026 at 09:00, Helpdesk TIK <helpdesk@ub.ac.id>\nwrote:",
        ] {
            let body = format!("Tolak, kuota habis.\n\n{attribution}\n\n> Balas SETUJU atau TOLAK");
            assert_eq!(text(&body), "Tolak, kuota habis.", "{attribution}");
        }
    }

    #[test]
    fn attribution_without_quote_marks_cuts_the_rest() {
        // HTML-only Gmail: the blockquote lost its ">" in the conversion.
        let r = new_text(
            "Setuju.\nOn Mon, 2 Mar 2026 at 09:00 Helpdesk <helpdesk@ub.ac.id> wrote:\nBalas SETUJU atau TOLAK.\nTOLAK",
        );
        assert_eq!(r.text, "Setuju.");
    }

    #[test]
    fn bottom_post_keeps_lines_between_and_after_quotes() {
        let r = new_text(
            "Pada Sen, 2 Mar 2026 09.00, Helpdesk <h@x.id> menulis:\n> Apakah disetujui?\n> > lama\n\nYa, setuju.\n\n> Staf siapa?\nAndi.\n\n--\nDr. Budi\nKepala UPT TIK",
        );
        assert_eq!(r.text, "Ya, setuju.\n\nAndi.");
        assert_eq!(
            r.stripped,
            [
                StrippedKind::Attribution,
                StrippedKind::Quoted,
                StrippedKind::Signature
            ]
        );
    }

    #[test]
    fn bare_wrote_line_needs_a_quote_below() {
        assert_eq!(text("Budi wrote:\n> x\nOK"), "OK");
        // Prose that happens to end in "menulis:" is kept.
        assert_eq!(
            text("Setuju. Pak Andi menulis:\nnanti dikirim"),
            "Setuju. Pak Andi menulis:\nnanti dikirim"
        );
    }

    #[test]
    fn outlook_separators() {
        for sep in [
            "-----Original Message-----",
            "-----Pesan Asli-----",
            "________________________________",
            "---------- Forwarded message ---------",
            "---------- Pesan terusan ---------",
        ] {
            let body = format!("Setuju.\n\n{sep}\nFrom: Helpdesk\nSETUJU atau TOLAK");
            let r = new_text(&body);
            assert_eq!(r.text, "Setuju.", "{sep}");
            assert_eq!(r.stripped, [StrippedKind::OriginalMessage], "{sep}");
        }
    }

    #[test]
    fn outlook_header_blocks() {
        for block in [
            "From: Helpdesk TIK <helpdesk@ub.ac.id>\nSent: Monday, March 2, 2026 9:00 AM\nTo: Kepala UPT\nSubject: Disposisi",
            "Dari: Helpdesk TIK <helpdesk@ub.ac.id>\nDikirim: Senin, 02 Maret 2026 09.00\nKepada: Kepala UPT\nSubjek: Disposisi",
            "*From:* Helpdesk TIK\n*Sent:* Monday, March 2, 2026 9:00 AM",
            "From:  Helpdesk TIK <helpdesk@ub.ac.id>\n\nSent:  Monday\n\nTo:  Kepala",
            "Dari : Helpdesk TIK\nKepada : Kepala UPT\nPerihal : Disposisi",
            "From: Helpdesk TIK <helpdesk@ub.ac.id> Sent: Monday, March 2, 2026 9:00 AM To: Kepala Subject: Disposisi",
            "Dari: Helpdesk TIK <helpdesk@ub.ac.id>  Tanggal: Senin  Kepada: Kepala  Subjek: Disposisi",
        ] {
            let body = format!("Tolak karena anggaran habis\n\n----\n{block}\n\nBalas SETUJU atau TOLAK");
            let r = new_text(&body);
            assert_eq!(r.text, "Tolak karena anggaran habis", "{block}");
            assert_eq!(r.stripped, [StrippedKind::HeaderBlock], "{block}");
        }
    }

    #[test]
    fn a_from_line_alone_is_not_a_header_block() {
        assert_eq!(
            text("Setuju.\nDari: Budi, Kepala UPT\nTerima kasih"),
            "Setuju.\nDari: Budi, Kepala UPT\nTerima kasih"
        );
        assert_eq!(
            text("Setuju.\nFrom: Budi\nKepada Yth. Andi"),
            "Setuju.\nFrom: Budi\nKepada Yth. Andi"
        );
    }

    #[test]
    fn mobile_signatures() {
        for sig in [
            "Sent from my iPhone",
            "Sent from my Android",
            "Dikirim dari iPhone saya",
            "Dikirim dari Yahoo Mail di Android",
            "Get Outlook for Android",
            "Get Outlook for iOS<https://aka.ms/o0ukef>",
            "Sent from my Samsung Galaxy smartphone.",
        ] {
            let body =
                format!("OK lanjut\n\n{sig}\n\nOn Mon, 2 Mar 2026, Helpdesk <h@x.id> wrote:\n> x");
            let r = new_text(&body);
            assert_eq!(r.text, "OK lanjut", "{sig}");
            assert!(r.stripped.contains(&StrippedKind::MobileSignature), "{sig}");
        }
        // Prose starting the same way stays.
        assert_eq!(
            text("Dikirim dari kantor rektorat besok pagi."),
            "Dikirim dari kantor rektorat besok pagi."
        );
    }

    #[test]
    fn signature_delimiter_with_and_without_space() {
        assert_eq!(
            text("SELESAI\nuser: budi\n-- \nAndi\nStaf TIK"),
            "SELESAI\nuser: budi"
        );
        assert_eq!(text("SELESAI\n--\nAndi"), "SELESAI");
        // A longer dash line is not a signature delimiter.
        assert_eq!(text("A\n---\nB"), "A\n---\nB");
    }

    #[test]
    fn whole_body_quoted_comes_back_flagged() {
        let body =
            "On Mon, 2 Mar 2026 at 09:00, Helpdesk <h@x.id> wrote:\n> Balas SETUJU atau TOLAK";
        let r = new_text(body);
        assert!(r.quote_only);
        assert_eq!(r.text, body);
        assert_eq!(r.decidable(), None);
        let r = new_text("Sent from my iPhone\n\n> SETUJU?");
        assert!(r.quote_only);
        assert_eq!(r.text, "Sent from my iPhone\n\n> SETUJU?");
    }

    #[test]
    fn crlf_and_lone_cr() {
        assert_eq!(text("Setuju\r\n\r\n> x\r\n"), "Setuju");
        assert_eq!(text("Setuju\r> x"), "Setuju");
    }

    #[test]
    fn nothing_to_strip() {
        let r = new_text("  \n\nSetuju\n\n\n\nTerima kasih\n\n");
        assert_eq!(r.text, "Setuju\n\nTerima kasih");
        assert!(r.stripped.is_empty());
        assert!(!r.quote_only);
        let r = new_text("");
        assert_eq!(r.text, "");
        assert!(!r.quote_only);
    }

    /// Text made of the pieces replies are made of.
    fn replyish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("SETUJU".to_string()),
            Just("> ".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("On Mon, 2 Mar 2026 at 09:00, ".to_string()),
            Just("Pada tanggal ".to_string()),
            Just(" wrote:".to_string()),
            Just(" menulis:".to_string()),
            Just("-----Pesan Asli-----".to_string()),
            Just("From: ".to_string()),
            Just("Sent: ".to_string()),
            Just("Dikirim dari iPhone saya".to_string()),
            Just("--".to_string()),
            Just("____________".to_string()),
            Just("<b@x.id>".to_string()),
            "\\PC{0,12}".prop_map(|s| s),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_and_never_loses_everything(body in prop_oneof![replyish(), "\\PC{0,200}", ".{0,200}"]) {
            let r = new_text(&body);
            if body.chars().any(char::is_alphanumeric) {
                prop_assert!(r.text.chars().any(char::is_alphanumeric));
            }
            prop_assert_eq!(r.quote_only, r.decidable().is_none());
        }
    }
}
