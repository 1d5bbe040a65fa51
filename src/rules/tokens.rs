//! Tokens: the runs of letters and digits of a text, with their byte range and their
//! lower-cased content, as labels, choices and dates are compared.
//!
//! Every line of a letter is tokenised, several times over (cells, the rest of a line, a
//! value's cut), so a token does not allocate unless it must: an ASCII token borrows the
//! text and is compared with lower-case words without regard to case; only a non-ASCII
//! one is lower-cased into a `String`.

use std::borrow::Cow;

/// A run of letters/digits in a text: byte range and lower-cased content.
#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub start: usize,
    pub end: usize,
    pub lower: Lower<'a>,
}

/// A token's text, lower-cased: ASCII as written, compared without regard to case (no
/// copy, no allocation); anything else lower-cased into a `String`.
#[derive(Debug, Clone)]
pub(crate) enum Lower<'a> {
    /// ASCII letters and digits as the text has them; read as their lower case.
    Ascii(&'a str),
    Owned(String),
}

impl Lower<'_> {
    /// The lower-cased text, borrowed when the text is lower case already.
    pub fn to_lower(&self) -> Cow<'_, str> {
        match self {
            Lower::Ascii(s) if s.bytes().any(|b| b.is_ascii_uppercase()) => {
                Cow::Owned(s.to_ascii_lowercase())
            }
            Lower::Ascii(s) => Cow::Borrowed(s),
            Lower::Owned(s) => Cow::Borrowed(s),
        }
    }

    /// Length in bytes of the lower-cased text.
    pub fn len(&self) -> usize {
        match self {
            Lower::Ascii(s) => s.len(),
            Lower::Owned(s) => s.len(),
        }
    }

    pub fn first_char(&self) -> Option<char> {
        match self {
            Lower::Ascii(s) => s.bytes().next().map(|b| char::from(b.to_ascii_lowercase())),
            Lower::Owned(s) => s.chars().next(),
        }
    }

    /// Byte `i` of the lower-cased text.
    pub fn byte(&self, i: usize) -> Option<u8> {
        match self {
            Lower::Ascii(s) => s.as_bytes().get(i).map(u8::to_ascii_lowercase),
            Lower::Owned(s) => s.as_bytes().get(i).copied(),
        }
    }

    /// Whether `text` (lower case) starts with the lower-cased token.
    pub fn is_prefix_of(&self, text: &[u8]) -> bool {
        match self {
            Lower::Ascii(s) => text.get(..s.len()).is_some_and(|head| lower_eq(s, head)),
            Lower::Owned(s) => text.starts_with(s.as_bytes()),
        }
    }

    fn of(word: &str) -> Lower<'_> {
        if word.is_ascii() {
            return Lower::Ascii(word);
        }
        // Character by character, as labels are squashed (no final-sigma rule).
        let mut s = String::with_capacity(word.len());
        for c in word.chars() {
            if c.is_ascii() {
                s.push(c.to_ascii_lowercase());
            } else {
                s.extend(c.to_lowercase());
            }
        }
        Lower::Owned(s)
    }
}

/// Whether the ASCII `s`, lower-cased, is exactly `lower`.
fn lower_eq(s: &str, lower: &[u8]) -> bool {
    s.len() == lower.len()
        && s.bytes()
            .zip(lower)
            .all(|(a, &b)| a.to_ascii_lowercase() == b)
}

impl PartialEq<str> for Lower<'_> {
    /// `other` is the lower-cased token.
    fn eq(&self, other: &str) -> bool {
        match self {
            Lower::Ascii(s) => lower_eq(s, other.as_bytes()),
            Lower::Owned(s) => s == other,
        }
    }
}

pub(crate) fn tokens<'a>(s: &'a str) -> Vec<Token<'a>> {
    let mut out = Vec::with_capacity(8);
    let mut start: Option<usize> = None;
    let push = |out: &mut Vec<Token<'a>>, from: usize, to: usize| {
        if let Some(word) = s.get(from..to) {
            out.push(Token {
                start: from,
                end: to,
                lower: Lower::of(word),
            });
        }
    };
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // ASCII without decoding; other characters decoded one at a time.
        let (alnum, len) = if b.is_ascii() {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            match s.get(i..).and_then(|r| r.chars().next()) {
                Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                None => (false, 1),
            }
        };
        if alnum {
            start.get_or_insert(i);
        } else if let Some(from) = start.take() {
            push(&mut out, from, i);
        }
        i += len;
    }
    if let Some(from) = start {
        push(&mut out, from, s.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_alphanumeric_runs_lower_cased() {
        let t = tokens("No. HP/WA : 0812 nama ÉCOLE Ⅻ ΟΔΟΣ abcdefghijklmnopqrstuvwXYZ");
        let words: Vec<String> = t.iter().map(|t| t.lower.to_lower().into_owned()).collect();
        assert_eq!(
            words,
            [
                "no",
                "hp",
                "wa",
                "0812",
                "nama",
                "école",
                "ⅻ",
                "οδοσ",
                "abcdefghijklmnopqrstuvwxyz"
            ]
        );
        assert!(matches!(t[0].lower, Lower::Ascii("No")));
        assert!(t[0].lower == *"no" && t[0].lower != *"No" && t[0].lower != *"n");
        assert!(t[0].lower.is_prefix_of(b"nohp") && !t[0].lower.is_prefix_of(b"n"));
        assert_eq!(t[5].lower.first_char(), Some('é'));
        assert_eq!((t[1].start, t[1].end), (4, 6));
        assert!(tokens(" -- ").is_empty());
    }
}
