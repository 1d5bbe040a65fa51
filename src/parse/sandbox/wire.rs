//! The pipe protocol between the daemon and a long-lived extractor worker
//! (`suratd __extract-pdf --serve`), and the worker's loop.
//!
//! Both directions are length-prefixed frames, little-endian:
//! - request (daemon → worker, on its stdin): `u64 max_answer`, `u64 len`, `len` bytes of PDF;
//! - answer (worker → daemon, on its stdout): `u64 len`, `len` bytes: `ok\n` then the text, or
//!   `err\n` then the reason, cut at `max_answer` bytes by the worker. When the fast reader
//!   handed the file to pdf-extract, the first line says why: `ok slow: REASON\n` (the worker
//!   has no log; the daemon logs it).
//!
//! One request at a time: the worker reads a whole request before it works on it and answers
//! before it reads the next, so its stdin pipe is empty whenever it is idle. End of file on
//! stdin before a request is the order to exit (the daemon closed the pipe, or died).
//! Nothing else is ever written to stdout; stderr is not read.

use std::io::{self, BufReader, Read, Write};

/// An answer longer than this is a broken worker, not a text: the daemon kills it. Far above
/// any `max_answer` (text is cut at `max-attachment-text-chars` × 4 bytes).
pub(crate) const MAX_FRAME: u64 = 1 << 30;

/// The request frame for `input`.
pub(crate) fn request(input: &[u8], max_answer: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(16 + input.len());
    frame.extend_from_slice(&(max_answer as u64).to_le_bytes());
    frame.extend_from_slice(&(input.len() as u64).to_le_bytes());
    frame.extend_from_slice(input);
    frame
}

/// Reads one answer frame, keeping at most `max` bytes of it (the rest is read and dropped,
/// so the next frame starts in the right place). `Ok(None)`: clean end of file before a frame.
pub(crate) fn read_answer(from: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let Some(len) = read_u64_or_eof(from)? else {
        return Ok(None);
    };
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("answer of {len} bytes announced"),
        ));
    }
    let keep = len.min(max as u64);
    let mut answer = vec![0; keep as usize];
    from.read_exact(&mut answer)?;
    let rest = len - keep;
    if io::copy(&mut from.take(rest), &mut io::sink())? < rest {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(answer))
}

/// A u64, or `None` at a clean end of file (no byte of it read).
fn read_u64_or_eof(from: &mut impl Read) -> io::Result<Option<u64>> {
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < buf.len() {
        match from.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(u64::from_le_bytes(buf)))
}

/// The worker's loop: answers requests read from `input` with `job` on `output` until end of
/// file. `job` maps the request's bytes to the answer (cut here at its `max_answer`).
pub(crate) fn serve(
    input: impl Read,
    mut output: impl Write,
    mut job: impl FnMut(&[u8]) -> Vec<u8>,
) -> io::Result<()> {
    // One read for a header and a small PDF together when the pipe holds both.
    let mut input = BufReader::with_capacity(64 * 1024, input);
    loop {
        let Some(max_answer) = read_u64_or_eof(&mut input)? else {
            return Ok(());
        };
        let len = read_u64_or_eof(&mut input)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        let len = usize::try_from(len).map_err(|_| io::ErrorKind::InvalidData)?;
        let mut pdf = vec![0; len];
        input.read_exact(&mut pdf)?;
        let mut answer = job(&pdf);
        drop(pdf);
        answer.truncate(usize::try_from(max_answer).unwrap_or(usize::MAX));
        // Header and answer in one write: one system call for most answers.
        let mut frame = Vec::with_capacity(8 + answer.len());
        frame.extend_from_slice(&(answer.len() as u64).to_le_bytes());
        frame.extend_from_slice(&answer);
        drop(answer);
        output.write_all(&frame)?;
        output.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_answered_in_order_and_cut_at_their_limit() {
        let mut input = request(b"satu", 100);
        input.extend(request(b"dua", 5));
        input.extend(request(b"", 100));
        let mut out = Vec::new();
        serve(&input[..], &mut out, |pdf| {
            let mut a = b"ok\n".to_vec();
            a.extend_from_slice(pdf);
            a.extend_from_slice(pdf);
            a
        })
        .expect("serves");
        let mut out = &out[..];
        let answers: Vec<Vec<u8>> =
            std::iter::from_fn(|| read_answer(&mut out, 100).expect("frame")).collect();
        assert_eq!(
            answers,
            [
                b"ok\nsatusatu".to_vec(),
                b"ok\ndu".to_vec(),
                b"ok\n".to_vec()
            ]
        );
    }

    #[test]
    fn a_cut_request_or_answer_is_an_error_not_a_hang() {
        let input = request(b"sepuluh byte", 100);
        let cut = &input[..input.len() - 3];
        let err = serve(cut, Vec::new(), |_| Vec::new()).expect_err("cut");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let err = read_answer(&mut &[1u8, 0, 0][..], 10).expect_err("cut header");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let mut huge = (MAX_FRAME + 1).to_le_bytes().to_vec();
        huge.extend_from_slice(b"x");
        let err = read_answer(&mut &huge[..], 10).expect_err("too long");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(read_answer(&mut &[][..], 10).expect("eof").is_none());
        // Longer than wanted: cut, and the next frame is read from its start.
        let mut two = 5u64.to_le_bytes().to_vec();
        two.extend_from_slice(b"abcde");
        two.extend_from_slice(&2u64.to_le_bytes());
        two.extend_from_slice(b"fg");
        let mut two = &two[..];
        assert_eq!(
            read_answer(&mut two, 3).expect("cut").as_deref(),
            Some(&b"abc"[..])
        );
        assert_eq!(
            read_answer(&mut two, 3).expect("next").as_deref(),
            Some(&b"fg"[..])
        );
        let mut cut = 5u64.to_le_bytes().to_vec();
        cut.extend_from_slice(b"abcd");
        let err = read_answer(&mut &cut[..], 3).expect_err("cut in the dropped part");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
