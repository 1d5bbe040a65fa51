//! Tokens: the runs of letters and digits of a text, with their byte range and their
//! lower-cased content, as labels, choices and dates are compared.
//!
//! Every line of a letter is tokenised, several times over (cells, the rest of a line, a
//! value's cut), so a token does not allocate unless it must: a token that is lower case
//! already borrows the text, a short ASCII one is lower-cased inline, and only a long or
//! non-ASCII one owns a `String`.

use std::ops::Deref;

/// A run of letters/digits in a text: byte range and lower-cased content.
#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub start: usize,
    pub end: usize,
    pub lower: Lower<'a>,
}

/// Longest ASCII token lower-cased without an allocation.
const INLINE: usize = 22;

/// A token's text, lower-cased.
#[derive(Debug, Clone)]
pub(crate) enum Lower<'a> {
    /// The text itself: it was lower case already.
    Borrowed(&'a str),
    /// Short ASCII, lower-cased here.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Owned(String),
}

impl Lower<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Lower::Borrowed(s) => s,
            // Always ASCII (only ASCII is put inline), so never the empty fallback.
            Lower::Inline { len, bytes } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            Lower::Owned(s) => s,
        }
    }

    /// The bytes of [`Self::as_str`], without checking them again (comparisons).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Lower::Borrowed(s) => s.as_bytes(),
            Lower::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Lower::Owned(s) => s.as_bytes(),
        }
    }

    pub fn first_char(&self) -> Option<char> {
        match self {
            Lower::Inline { len: 1.., bytes } => Some(char::from(bytes[0])),
            _ => self.as_str().chars().next(),
        }
    }

    fn of(word: &str) -> Lower<'_> {
        let b = word.as_bytes();
        if b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Lower::Borrowed(word);
        }
        if word.is_ascii() && b.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            for (d, s) in bytes.iter_mut().zip(b) {
                *d = s.to_ascii_lowercase();
            }
            return Lower::Inline {
                len: b.len() as u8,
                bytes,
            };
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

impl Deref for Lower<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Lower<'_> {
    fn eq(&self, other: &str) -> bool {
        self.bytes() == other.as_bytes()
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
        let words: Vec<&str> = t.iter().map(|t| t.lower.as_str()).collect();
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
        assert!(matches!(t[4].lower, Lower::Borrowed(_)));
        assert!(matches!(t[0].lower, Lower::Inline { .. }));
        assert_eq!((t[1].start, t[1].end), (4, 6));
        assert!(tokens(" -- ").is_empty());
    }
}
