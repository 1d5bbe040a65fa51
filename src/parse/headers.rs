//! The envelope of a message from mail-parser's view of it: ids, subject, addresses, date,
//! return path, the Content-Type, and every header as decoded text for classify.
//!
//! Invariants: never panics (raw header slices are taken with `get`); every string is
//! normalised to one line; ids carry no angle brackets; what cannot be read is left empty
//! and, where a reader would want to know, recorded as a defect.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Address as MailAddress, ContentType, Header, HeaderName, HeaderValue, Message, MimeHeaders,
};

use super::text::{normalize_line, truncate_chars};
use super::Address;

/// Every header of the message's top level, in order: (lower-cased name, decoded value).
/// Encoded words are decoded and folded lines joined, whatever mail-parser made of the field.
pub(crate) fn all_headers(msg: &Message<'_>, defects: &mut Vec<String>) -> Vec<(String, String)> {
    let Some(root) = msg.parts.first() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(root.headers.len());
    for h in &root.headers {
        if !is_real(msg, h) {
            let line = msg
                .raw_message
                .get(h.offset_field as usize..h.offset_end as usize)
                .unwrap_or_default();
            let mut line = normalize_line(&String::from_utf8_lossy(line));
            truncate_chars(&mut line, 60);
            defects.push(format!("unreadable header line skipped: {line:?}"));
            continue;
        }
        let name = h.name.as_str().to_ascii_lowercase();
        let raw = raw_value(msg, h);
        if std::str::from_utf8(raw).is_err() {
            defects.push(format!("header {name:?} has bytes that are not UTF-8"));
        }
        out.push((name, decode_raw(raw)));
    }
    out
}

/// Whether mail-parser's header is a real header field: a name of RFC 5322 §3.6.8 field-name
/// characters (printable ASCII but ":", no spaces) followed by a colon. mail-parser also takes a
/// last line without a colon, or a name with spaces, for a header.
pub(crate) fn is_real(msg: &Message<'_>, h: &Header<'_>) -> bool {
    let name_ok = !h.name.as_str().is_empty()
        && h.name
            .as_str()
            .bytes()
            .all(|b| (33..=126).contains(&b) && b != b':');
    let has_colon = msg
        .raw_message
        .get(h.offset_field as usize..h.offset_start as usize)
        .is_some_and(|field| field.contains(&b':'));
    name_ok && has_colon
}

/// The raw bytes of a header's value, as in the message.
fn raw_value<'a>(msg: &'a Message<'_>, h: &Header<'_>) -> &'a [u8] {
    msg.raw_message
        .get(h.offset_start as usize..h.offset_end as usize)
        .unwrap_or_default()
}

/// Unfolds a raw header value and decodes its encoded words (RFC 2047).
fn decode_raw(raw: &[u8]) -> String {
    match plain_line(raw) {
        Some(line) => normalize_line(line),
        None => decode_folded(raw),
    }
}

/// The value when it is one line of ASCII without an encoded word (nearly every header):
/// then mail-parser's reader would give it back trimmed of blanks, which
/// [`normalize_line`] drops anyway, so it is not run.
fn plain_line(raw: &[u8]) -> Option<&str> {
    let line = raw.strip_suffix(b"\n").unwrap_or(raw);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let plain = line.is_ascii()
        && !line.contains(&b'\n')
        && !line.contains(&b'\r')
        && !line.windows(2).any(|w| w == b"=?");
    plain.then(|| std::str::from_utf8(line).ok()).flatten()
}

/// [`decode_raw`] through mail-parser's unstructured reader: folded lines, encoded words.
fn decode_folded(raw: &[u8]) -> String {
    // mail-parser's unstructured reader stops at the line end: make sure there is one.
    let mut owned = raw.to_vec();
    owned.push(b'\n');
    match MessageStream::new(&owned).parse_unstructured() {
        HeaderValue::Text(text) => normalize_line(&text),
        _ => normalize_line(&String::from_utf8_lossy(raw)),
    }
}

/// The Message-ID without angle brackets.
pub(crate) fn message_id(msg: &Message<'_>) -> Option<String> {
    msg.header(HeaderName::MessageId)
        .map(ids)
        .and_then(|ids| ids.into_iter().next())
}

/// The ids of an id-list header (In-Reply-To, References), without angle brackets.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<&str> = match value {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.as_ref()).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|id| {
            normalize_line(id.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace()))
        })
        .filter(|id| !id.is_empty())
        .collect()
}

/// The ids of every header of that name, in order.
pub(crate) fn all_ids(msg: &Message<'_>, name: HeaderName<'static>) -> Vec<String> {
    msg.header_values(name).flat_map(ids).collect()
}

pub(crate) fn subject(msg: &Message<'_>) -> String {
    msg.subject().map(normalize_line).unwrap_or_default()
}

/// The first address of an address header, groups flattened.
pub(crate) fn first_address(addr: Option<&MailAddress<'_>>) -> Option<Address> {
    addr.and_then(|a| a.iter().find_map(convert))
}

/// The first address of the first `name` header when its raw value is not UTF-8 (a Latin-1
/// display name sent raw): mail-parser then reads no address at all, so the value is read
/// again with the bad bytes replaced. `None` for a valid or absent header.
pub(crate) fn address_lossy(msg: &Message<'_>, name: HeaderName<'static>) -> Option<Address> {
    let h = msg.parts.first()?.headers.iter().find(|h| h.name == name)?;
    let raw = raw_value(msg, h);
    if std::str::from_utf8(raw).is_ok() {
        return None;
    }
    let mut lossy = String::from_utf8_lossy(raw).into_owned().into_bytes();
    lossy.push(b'\n');
    let parsed = match MessageStream::new(&lossy).parse_address() {
        HeaderValue::Address(a) => first_address(Some(&a)),
        _ => None,
    };
    // Still nothing (the replacement made a stray "(" or quote of it): the last `<…@…>`.
    parsed.or_else(|| {
        let text = String::from_utf8_lossy(&lossy);
        let (_, rest) = text.rsplit_once('<')?;
        let (email, _) = rest.split_once('>')?;
        let email = email.trim();
        (email.contains('@') && !email.contains(char::is_whitespace)).then(|| Address {
            name: None,
            email: normalize_line(email),
        })
    })
}

/// Every address of every header of that name, groups flattened.
pub(crate) fn all_addresses<'a>(values: impl Iterator<Item = &'a MailAddress<'a>>) -> Vec<Address> {
    values.flat_map(|a| a.iter().filter_map(convert)).collect()
}

fn convert(a: &mail_parser::Addr<'_>) -> Option<Address> {
    let email = a
        .address
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())?;
    let name = a
        .name
        .as_deref()
        .map(normalize_line)
        .filter(|n| !n.is_empty());
    Some(Address {
        name,
        email: normalize_line(email),
    })
}

/// The Date header in UTC. A Date that is there but cannot be read is a defect.
pub(crate) fn date(msg: &Message<'_>, defects: &mut Vec<String>) -> Option<DateTime<Utc>> {
    let present = msg.header(HeaderName::Date).is_some();
    let converted = msg.date().and_then(to_utc);
    if present && converted.is_none() {
        let raw = msg
            .parts
            .first()
            .and_then(|p| p.headers.iter().find(|h| h.name == HeaderName::Date))
            .map(|h| decode_raw(raw_value(msg, h)))
            .unwrap_or_default();
        defects.push(format!("date header unreadable: {raw:?}"));
    }
    converted
}

fn to_utc(d: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    let local = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        // A leap second (":60") is read as the last second of its minute.
        .and_hms_opt(
            u32::from(d.hour),
            u32::from(d.minute),
            u32::from(d.second.min(59)),
        )?;
    let offset_secs = i64::from(d.tz_hour) * 3600 + i64::from(d.tz_minute) * 60;
    // `tz_before_gmt` means a zone west of Greenwich ("-0700"): UTC is later than local.
    let to_utc = if d.tz_before_gmt {
        offset_secs
    } else {
        -offset_secs
    };
    local
        .checked_add_signed(TimeDelta::try_seconds(to_utc)?)
        .map(|t| t.and_utc())
}

/// The first Return-Path: `Some("")` for the null path `<>` (RFC 5321 §4.5.5, bounces).
pub(crate) fn return_path(msg: &Message<'_>) -> Option<String> {
    let root = msg.parts.first()?;
    let header = root
        .headers
        .iter()
        .find(|h| h.name == HeaderName::ReturnPath)?;
    match ids(&header.value).into_iter().next() {
        Some(path) => Some(path),
        None => {
            let raw = String::from_utf8_lossy(raw_value(msg, header));
            let raw = raw.trim();
            (raw.is_empty() || raw.contains("<>")).then(String::new)
        }
    }
}

/// A part's Content-Type, lower-cased, with its parameters but the boundary (MIME syntax,
/// not meaning), e.g. `multipart/report; report-type=delivery-status`. `text/plain` when
/// absent (the RFC 2045 §5.2 default).
pub(crate) fn content_type_full(part: &mail_parser::MessagePart<'_>) -> String {
    let Some(ct) = part.content_type() else {
        return "text/plain".into();
    };
    let mut out = bare_type(ct);
    let params = ct.attributes().unwrap_or_default();
    for attr in params
        .iter()
        .filter(|a| !a.name.eq_ignore_ascii_case("boundary"))
    {
        let value = attr.value.to_lowercase();
        let needs_quotes = value.is_empty()
            || value
                .chars()
                .any(|c| c.is_whitespace() || "()<>@,;:\\\"/[]?=".contains(c));
        out.push_str("; ");
        out.push_str(&attr.name.to_ascii_lowercase());
        out.push('=');
        if needs_quotes {
            out.push('"');
            out.push_str(&value.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        } else {
            out.push_str(&value);
        }
    }
    normalize_line(&out)
}

/// A part's bare `type/subtype`, lower-cased.
pub(crate) fn content_type_bare(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(bare_type)
        .unwrap_or_else(|| "text/plain".into())
}

fn bare_type(ct: &ContentType<'_>) -> String {
    let main = ct.ctype().trim().to_ascii_lowercase();
    match ct.subtype() {
        Some(sub) => format!("{main}/{}", sub.trim().to_ascii_lowercase()),
        None => main,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_decodes_as_through_the_unstructured_reader() {
        for raw in [
            &b" Permohonan  Lab ICT\r\n"[..],
            b"\tx\t y \r\n",
            b"   \r\n",
            b"",
            b"a\x01b \x7f c\n",
            b" =?utf-8?q?Caf=C3=A9?= x\r\n",
            b"a = b ?= c\r\n",
            b"folded\r\n line\r\n",
            b"lone\rcr\r\n",
            b"Caf\xc3\xa9\r\n",
            b"\xff\xfe\r\n",
            b"<id@x>  \r\n",
        ] {
            assert_eq!(decode_raw(raw), decode_folded(raw), "{raw:?}");
        }
        assert!(plain_line(b" Permohonan  Lab ICT\r\n").is_some());
        assert!(plain_line(b"folded\r\n line\r\n").is_none());
        assert!(plain_line(b"=?utf-8?q?x?=\r\n").is_none());
    }
}
