//! Base32 of RFC 4648 §6, lower-cased and without padding, for the bytes of an approval token.
//!
//! Only whole groups of five bytes are encoded (eight characters each), so every character
//! carries five real bits and no two texts decode to the same bytes: changing any character
//! changes the bytes. Decoding is case-insensitive (mail systems may upper-case an address)
//! and never panics on any input.

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Encodes `bytes`, whose length must be a multiple of 5 (the callers' lengths are constants).
pub(super) fn encode(bytes: &[u8]) -> String {
    debug_assert!(
        bytes.len().is_multiple_of(5),
        "base32 input must be whole 5-byte groups"
    );
    let mut out = String::with_capacity(bytes.len() / 5 * 8);
    for group in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..group.len()].copy_from_slice(group);
        let n = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        for i in (0..8).rev() {
            let idx = ((n >> (i * 5)) & 0x1f) as usize;
            out.push(char::from(ALPHABET[idx]));
        }
    }
    out
}

/// The value of one base32 character, either case; `None` for anything else.
pub(super) fn value(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a'),
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Decodes text of whole 8-character groups; `None` when the length or a character is wrong.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 8 * 5);
    for group in bytes.chunks(8) {
        let mut n = 0u64;
        for &c in group {
            n = (n << 5) | u64::from(value(c)?);
        }
        for i in (0..5).rev() {
            out.push(((n >> (i * 8)) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_lower_cased() {
        // RFC 4648 §10: BASE32("fooba") = "MZXW6YTB".
        assert_eq!(encode(b"fooba"), "mzxw6ytb");
        assert_eq!(decode("MZXW6YTB").as_deref(), Some(&b"fooba"[..]));
        assert_eq!(decode("mzxw6ytb").as_deref(), Some(&b"fooba"[..]));
    }

    #[test]
    fn round_trip_and_rejects() {
        let bytes: Vec<u8> = (0u8..=19).map(|b| b.wrapping_mul(37)).collect();
        let text = encode(&bytes);
        assert_eq!(text.len(), 32);
        assert_eq!(decode(&text), Some(bytes));
        assert_eq!(decode("mzxw6yt"), None);
        assert_eq!(decode("mzxw6yt1"), None);
        assert_eq!(decode("mzxw6yté"), None);
        assert_eq!(decode(""), Some(Vec::new()));
    }
}
