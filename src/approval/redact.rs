//! Taking a secret (an initial password a staff member sent back) out of a stored raw
//! message once the email carrying it to the requester has gone. The message keeps its
//! headers and MIME structure: each part whose decoded body holds a secret is decoded
//! (base64, quoted-printable or as is), the secret replaced by `***`, and the part encoded
//! again the same way. A header `X-Suratd-Redacted` marks the message. Should a secret
//! still be readable afterwards (an encoding this does not rewrite), the body goes and only
//! the headers stay.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, MessageParser, PartType};

/// The header that marks a redacted message.
pub const MARK: &str = "X-Suratd-Redacted";

/// `raw` without the `secrets` (values shorter than 4 bytes are left: replacing them would
/// mangle unrelated text), or `None` when none of them is in it.
pub fn redact(raw: &[u8], secrets: &[String]) -> Option<Vec<u8>> {
    let secrets: Vec<&[u8]> = secrets
        .iter()
        .map(|s| s.as_bytes())
        .filter(|s| s.len() >= 4)
        .collect();
    if secrets.is_empty() || !readable(raw, &secrets) {
        return None;
    }
    let mut out = raw.to_vec();
    // Leaf parts, last first, so the offsets of the earlier ones stay right.
    let mut leaves: Vec<(usize, usize, Encoding)> = MessageParser::default()
        .parse(raw)
        .map(|m| {
            m.parts
                .iter()
                .filter(|p| !matches!(p.body, PartType::Multipart(_) | PartType::Message(_)))
                .map(|p| (p.offset_body as usize, p.offset_end as usize, p.encoding))
                .collect()
        })
        .unwrap_or_default();
    leaves.sort_by_key(|l| std::cmp::Reverse(l.0));
    for (start, end, encoding) in leaves {
        let Some(body) = out.get(start..end) else {
            continue;
        };
        let trimmed = body.len() - trailing_newlines(body);
        let decoded = match encoding {
            Encoding::Base64 => base64_decode(&body[..trimmed]),
            Encoding::QuotedPrintable => quoted_printable_decode(&body[..trimmed]),
            Encoding::None => Some(body[..trimmed].to_vec()),
        };
        let Some(decoded) = decoded else {
            continue;
        };
        let (clean, n) = replace_all(&decoded, &secrets);
        if n == 0 {
            continue;
        }
        let encoded = match encoding {
            Encoding::Base64 => base64_lines(&clean),
            Encoding::QuotedPrintable => quoted_printable(&clean),
            Encoding::None => clean,
        };
        out.splice(start..start + trimmed, encoded);
    }
    // Headers, and whatever sits outside the parts seen above.
    out = replace_all(&out, &secrets).0;
    if readable(&out, &secrets) {
        let head = header_end(&out);
        out.truncate(head);
        out.extend_from_slice(
            b"\r\n[isi pesan dihapus: memuat rahasia / body removed: it held a secret]\r\n",
        );
    }
    let mut marked = format!("{MARK}: secret output removed after sending\r\n").into_bytes();
    marked.extend_from_slice(&out);
    Some(marked)
}

/// Whether a secret is in the raw bytes or in any decoded part.
fn readable(raw: &[u8], secrets: &[&[u8]]) -> bool {
    let has = |b: &[u8]| secrets.iter().any(|s| b.windows(s.len()).any(|w| w == *s));
    if has(raw) {
        return true;
    }
    let Some(msg) = MessageParser::default().parse(raw) else {
        return false;
    };
    msg.parts.iter().any(|p| match &p.body {
        PartType::Message(inner) => readable(inner.raw_message(), secrets),
        PartType::Multipart(_) => false,
        _ => has(p.contents()),
    })
}

fn replace_all(bytes: &[u8], secrets: &[&[u8]]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(bytes.len());
    let mut n = 0;
    let mut i = 0;
    'outer: while i < bytes.len() {
        for s in secrets {
            if bytes[i..].starts_with(s) {
                out.extend_from_slice(b"***");
                i += s.len();
                n += 1;
                continue 'outer;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    (out, n)
}

fn trailing_newlines(b: &[u8]) -> usize {
    b.iter()
        .rev()
        .take_while(|c| **c == b'\r' || **c == b'\n')
        .count()
}

/// Where the header block ends (after its blank line), or the whole message.
fn header_end(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len())
}

/// Base64 in lines of 76 characters, CRLF between them (none after the last).
pub fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut flat = Vec::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            flat.push(if i <= chunk.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize]
            } else {
                b'='
            });
        }
    }
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 38);
    for (i, line) in flat.chunks(76).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(line);
    }
    out
}

/// Quoted-printable (RFC 2045 6.7): hard line breaks kept as CRLF, soft breaks before 76.
fn quoted_printable(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    for (li, line) in text.as_bytes().split(|b| *b == b'\n').enumerate() {
        if li > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let mut col = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let plain = (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let piece = if plain {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if col + piece.len() > 75 {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            col += piece.len();
            out.extend_from_slice(&piece);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Ganti-Segera-77";

    fn decoded_text(raw: &[u8]) -> String {
        let m = MessageParser::default().parse(raw).expect("parses");
        (0..m.text_body_count())
            .filter_map(|i| m.body_text(i).map(|t| t.into_owned()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn reply(cte: &str, body: &[u8]) -> Vec<u8> {
        let mut raw = format!(
            "From: staf@kampus.ac.id\r\nSubject: Re: tugas\r\nMessage-ID: <s1@kampus.ac.id>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
        )
        .into_bytes();
        raw.extend_from_slice(body);
        raw.extend_from_slice(
            b"\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>ok</p>\r\n--b--\r\n",
        );
        raw
    }

    #[test]
    fn base64_and_quoted_printable_bodies_lose_the_secret_and_keep_the_rest() {
        let text = format!("SELESAI\r\nakun: fst@uin-malang.ac.id\r\npassword awal: {SECRET}\r\nSalam, Staf dengan nama yang panjang sekali sampai baris ini lewat tujuh puluh enam\r\n");
        let b64 = base64_lines(text.as_bytes());
        let qp = {
            // A soft line break right inside the secret, as clients do.
            let q = quoted_printable(text.as_bytes());
            let s = String::from_utf8(q).expect("ascii");
            s.replace("Ganti-Seg", "Ganti-Seg=\r\n").into_bytes()
        };
        for (cte, body) in [
            ("base64", b64),
            ("quoted-printable", qp),
            ("8bit", text.clone().into_bytes()),
        ] {
            let raw = reply(cte, &body);
            assert!(decoded_text(&raw).contains(SECRET), "{cte}: test input");
            let out = redact(&raw, &[SECRET.to_string()]).expect("changed");
            let s = String::from_utf8_lossy(&out);
            assert!(s.starts_with("X-Suratd-Redacted: "), "{s}");
            assert!(s.contains("Message-ID: <s1@kampus.ac.id>\r\n"), "{s}");
            let t = decoded_text(&out);
            assert!(!t.contains(SECRET) && !s.contains(SECRET), "{cte}: {t}");
            assert!(t.contains("password awal: ***"), "{cte}: {t}");
            assert!(t.contains("akun: fst@uin-malang.ac.id"), "{cte}: {t}");
            assert!(t.contains("lewat tujuh puluh enam"), "{cte}: {t}");
        }
    }

    #[test]
    fn nothing_to_do_without_the_secret_or_with_a_short_one() {
        let raw = reply("8bit", b"SELESAI\r\nakun: x\r\n");
        assert!(redact(&raw, &[SECRET.to_string()]).is_none());
        assert!(redact(&raw, &["x".to_string()]).is_none());
        assert!(redact(b"\xff\xfe garbage", &[SECRET.to_string()]).is_none());
    }
}
