//! HTML character references (`&amp;`, `&eacute;`, `&#233;`, `&#xE9;`) → characters.
//!
//! Numeric references are all decoded (NUL, surrogates and out-of-range values become U+FFFD;
//! the C1 range means windows-1252, as browsers read it); named ones from a table of those
//! seen in mail (markup, spaces, punctuation, Latin letters). An unknown or malformed
//! reference stays as written. Never panics.

use std::borrow::Cow;

use super::text::decode_bytes;

/// Decodes character references: numeric ones and the common named ones. Anything else is
/// left as written.
pub(crate) fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_one(rest) {
            Some((decoded, len)) => {
                out.push_str(decoded.as_str());
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes the reference at the start of `s` (which starts with `&`): the text and the number
/// of bytes it took.
fn decode_one(s: &str) -> Option<(String, usize)> {
    let body = s.get(1..)?;
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (num, 10, 2),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 || len > 8 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        let c = match code {
            0 => '\u{FFFD}',
            // The C1 range means windows-1252 in HTML (HTML §13.2.5.80).
            0x80..=0x9F => windows_1252_c1(code),
            _ => char::from_u32(code).unwrap_or('\u{FFFD}'),
        };
        let semi = usize::from(digits[len..].starts_with(';'));
        return Some((c.to_string(), skip + len + semi));
    }
    let len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    if len == 0 || len > 10 {
        return None;
    }
    let has_semi = body[len..].starts_with(';');
    let name = &body[..len];
    let text = named_entity(name)?;
    // Only the oldest entities are recognised without their ";".
    if !has_semi && !matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp") {
        return None;
    }
    Some((text.to_string(), 1 + len + usize::from(has_semi)))
}

fn windows_1252_c1(code: u32) -> char {
    let byte = [u8::try_from(code).unwrap_or(0x3F)];
    decode_bytes(&byte, Some("windows-1252"))
        .chars()
        .next()
        .unwrap_or('\u{FFFD}')
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{00A0}",
        "ensp" => "\u{2002}",
        "emsp" => "\u{2003}",
        "thinsp" => "\u{2009}",
        "shy" => "\u{00AD}",
        "zwnj" => "\u{200C}",
        "zwj" => "\u{200D}",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "deg" => "°",
        "plusmn" => "±",
        "times" => "×",
        "divide" => "÷",
        "micro" => "µ",
        "para" => "¶",
        "sect" => "§",
        "middot" => "·",
        "bull" => "•",
        "hellip" => "…",
        "ndash" => "–",
        "mdash" => "—",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "laquo" => "«",
        "raquo" => "»",
        "lsaquo" => "‹",
        "rsaquo" => "›",
        "euro" => "€",
        "pound" => "£",
        "yen" => "¥",
        "cent" => "¢",
        "iexcl" => "¡",
        "iquest" => "¿",
        "frac12" => "½",
        "frac14" => "¼",
        "frac34" => "¾",
        "sup2" => "²",
        "sup3" => "³",
        "larr" => "←",
        "rarr" => "→",
        "uarr" => "↑",
        "darr" => "↓",
        "check" => "✓",
        "agrave" => "à",
        "aacute" => "á",
        "acirc" => "â",
        "atilde" => "ã",
        "auml" => "ä",
        "aring" => "å",
        "aelig" => "æ",
        "ccedil" => "ç",
        "egrave" => "è",
        "eacute" => "é",
        "ecirc" => "ê",
        "euml" => "ë",
        "igrave" => "ì",
        "iacute" => "í",
        "icirc" => "î",
        "iuml" => "ï",
        "ntilde" => "ñ",
        "ograve" => "ò",
        "oacute" => "ó",
        "ocirc" => "ô",
        "otilde" => "õ",
        "ouml" => "ö",
        "oslash" => "ø",
        "ugrave" => "ù",
        "uacute" => "ú",
        "ucirc" => "û",
        "uuml" => "ü",
        "yacute" => "ý",
        "yuml" => "ÿ",
        "szlig" => "ß",
        "Agrave" => "À",
        "Aacute" => "Á",
        "Acirc" => "Â",
        "Auml" => "Ä",
        "Ccedil" => "Ç",
        "Egrave" => "È",
        "Eacute" => "É",
        "Ecirc" => "Ê",
        "Iacute" => "Í",
        "Ntilde" => "Ñ",
        "Oacute" => "Ó",
        "Ouml" => "Ö",
        "Uacute" => "Ú",
        "Uuml" => "Ü",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            decode_entities(
                "A&amp;B &lt;x&gt; caf&eacute; &#233;&#xE9; &euro;5 &#150; &bogus; &amp &#xZZ;"
            ),
            "A&B <x> café éé €5 – &bogus; & &#xZZ;"
        );
        assert_eq!(
            decode_entities("&#0;&#xD800;&#99999999999;&nbsp"),
            "\u{FFFD}\u{FFFD}&#99999999999;\u{00A0}"
        );
        assert_eq!(decode_entities("&eacute &copy;"), "&eacute ©");
    }
}
