//! Text normalisation and charset decoding, shared by the body, the headers and every
//! attachment extractor, so rules always see text of one shape.
//!
//! Invariants of [`normalize`]'s output: only `\n` ends a line (no CR), no NUL or other control
//! character but `\n` and `\t`, every odd space (NBSP, thin space, ideographic space…) is a plain
//! space, zero-width characters are gone, no line ends in whitespace, and the text neither starts
//! nor ends with a newline. Normalising twice changes nothing.

use std::borrow::Cow;

/// Normalises multi-line text (see the module doc).
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // Printable ASCII (nearly all of a letter) is copied as it is, a run at a time.
        let run = rest
            .bytes()
            .position(|b| !(b' '..=b'~').contains(&b))
            .unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        rest = &rest[run..];
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        match c {
            '\r' => {
                // CRLF and a lone CR both end a line.
                if chars.as_str().starts_with('\n') {
                    chars.next();
                }
                end_line(&mut out);
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{0085}' => end_line(&mut out),
            '\t' => out.push('\t'),
            c if is_odd_space(c) => out.push(' '),
            c if is_invisible(c) || c.is_control() => {}
            c => out.push(c),
        }
        rest = chars.as_str();
    }
    trim_line_end(&mut out);
    out.truncate(out.trim_end_matches('\n').len());
    let start = out.len() - out.trim_start_matches('\n').len();
    out.drain(..start);
    out
}

/// Normalises a one-line value (a header, a file name): as [`normalize`], then every line
/// break and tab becomes a space and runs of spaces collapse to one.
pub(crate) fn normalize_line(s: &str) -> String {
    let text = normalize(s);
    let mut out = String::with_capacity(text.len());
    for word in text.split([' ', '\n', '\t']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts `s` to at most `max_chars` characters; true when something was cut.
pub(crate) fn truncate_chars(s: &mut String, max_chars: usize) -> bool {
    match s.char_indices().nth(max_chars) {
        Some((byte, _)) => {
            s.truncate(byte);
            true
        }
        None => false,
    }
}

/// Decodes bytes in the named charset. Without a charset (or with one nobody knows) valid
/// UTF-8 is taken as UTF-8 and anything else as windows-1252, the usual charset of such
/// files on Indonesian Windows machines.
pub(crate) fn decode_bytes<'a>(bytes: &'a [u8], charset: Option<&str>) -> Cow<'a, str> {
    if let Some(decoder) = charset
        .and_then(|c| mail_parser::decoders::charsets::map::charset_decoder(c.trim().as_bytes()))
    {
        return Cow::Owned(decoder(bytes));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => match mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252") {
            Some(decoder) => Cow::Owned(decoder(bytes)),
            None => String::from_utf8_lossy(bytes),
        },
    }
}

fn end_line(out: &mut String) {
    trim_line_end(out);
    out.push('\n');
}

fn trim_line_end(out: &mut String) {
    out.truncate(out.trim_end_matches([' ', '\t']).len());
}

/// Spaces that are not U+0020 but read as one.
fn is_odd_space(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{000B}' | '\u{000C}'
    )
}

/// Characters that take no room: zero-width spaces and joiners, the BOM, the soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_spaces_and_controls() {
        let raw =
            "\r\n\r\n  Nama:\u{00A0}Budi  \r\nNIP:\t123\u{200B}4\u{0000}\rakhir\u{3000}x\t \n\n\n";
        assert_eq!(normalize(raw), "  Nama: Budi\nNIP:\t1234\nakhir x");
    }

    /// The character-by-character form [`normalize`] had before its ASCII runs.
    fn normalize_by_char(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    end_line(&mut out);
                }
                '\n' | '\u{2028}' | '\u{2029}' | '\u{0085}' => end_line(&mut out),
                '\t' => out.push('\t'),
                c if is_odd_space(c) => out.push(' '),
                c if is_invisible(c) || c.is_control() => {}
                c => out.push(c),
            }
        }
        trim_line_end(&mut out);
        out.truncate(out.trim_end_matches('\n').len());
        let start = out.len() - out.trim_start_matches('\n').len();
        out.drain(..start);
        out
    }

    proptest::proptest! {
        #[test]
        fn ascii_runs_normalize_as_character_by_character(
            s in "[ -~\t\r\n\u{0}-\u{1f}\u{7f}\u{a0}\u{ad}\u{200b}\u{2028}\u{3000}é]{0,60}"
        ) {
            proptest::prop_assert_eq!(normalize(&s), normalize_by_char(&s));
        }
    }

    #[test]
    fn only_blank_lines() {
        assert_eq!(normalize("\n \r\n\t\n"), "");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        let once = normalize("a \r\n\u{00A0}b\u{2028}c\t\r\n");
        assert_eq!(once, "a\n b\nc");
        assert_eq!(normalize(&once), once);
    }

    #[test]
    fn one_line_values() {
        assert_eq!(
            normalize_line("  Permohonan\r\n\takun   Zoom\u{00A0} "),
            "Permohonan akun Zoom"
        );
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        let mut s = String::from("ééééé");
        assert!(truncate_chars(&mut s, 3));
        assert_eq!(s, "ééé");
        assert!(!truncate_chars(&mut s, 3));
        assert_eq!(s, "ééé");
    }

    #[test]
    fn charsets() {
        assert_eq!(decode_bytes(b"caf\xe9", Some("iso-8859-1")), "café");
        assert_eq!(
            decode_bytes(b"\x93ok\x94", Some("windows-1252")),
            "\u{201C}ok\u{201D}"
        );
        assert_eq!(decode_bytes("café".as_bytes(), None), "café");
        assert_eq!(decode_bytes(b"caf\xe9", None), "café");
        assert_eq!(decode_bytes(b"\xEF\xBB\xBFNama", None), "Nama");
        assert_eq!(decode_bytes(b"caf\xe9", Some("no-such-charset")), "café");
    }
}
