//! Text of a PDF attachment, by `pdf-extract` (pure Rust, on lopdf).
//!
//! Invariants: never panics — pdf-extract can panic on hostile files, so the call runs under
//! `catch_unwind` and a panic becomes an error. An encrypted PDF that does not open with the
//! empty password, or a PDF with no text layer (a scan), is an error, never empty success.
//! The text comes back [`normalize`]d.
//!
//! What pdf-extract gives (others should know): lines follow the drawing position — a new
//! line when the baseline moves down, a blank line for a bigger gap (it usually starts with
//! one); words are split by the horizontal gap between glyphs, so a table row prints its cells
//! separated by spaces, *not* tabs; the order is the content-stream order, which is not always
//! the reading order. It does not print to stdout/stderr, but it logs through the `log` crate
//! (`warn!`/`error!`, e.g. "unknown glyph name"): a `tracing` subscriber that bridges `log`
//! shows them unless the filter says `pdf_extract=off`. A caught panic is still reported by
//! the process's panic hook on stderr.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use super::sandbox::{self, RunError, RunLimits};
use super::text::normalize;
use super::Limits;

/// Extracts the text of a PDF, or says why it could not: in a worker process with a time
/// limit when the binary set them up ([`sandbox::use_helper`]), else here.
pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<String, String> {
    if !bytes.starts_with(b"%PDF") && find(bytes, b"%PDF-").is_none() {
        return Err("pdf unreadable: no %PDF header".into());
    }
    let Some(pool) = sandbox::pool() else {
        return extract_here(bytes);
    };
    let run_limits = RunLimits {
        wall: Duration::from_secs(limits.max_attachment_seconds.max(1)),
        memory_mb: limits.max_extractor_mb,
        // Text is cut at max-attachment-text-chars later; a char is at most 4 bytes.
        max_output: limits
            .max_attachment_text_chars
            .saturating_mul(4)
            .saturating_add(16),
    };
    match pool.run(bytes, run_limits) {
        Ok(out) => {
            let out = String::from_utf8_lossy(&out);
            match out.split_once('\n') {
                Some(("ok", text)) => Ok(text.to_string()),
                Some(("err", why)) => Err(why.to_string()),
                _ => Err("pdf unreadable: the reader gave no answer".into()),
            }
        }
        Err(RunError::TimedOut) => Err(format!(
            "not read: reading took longer than {} s (limits.max-attachment-seconds)",
            run_limits.wall.as_secs()
        )),
        Err(RunError::Failed(why)) => Err(format!("pdf unreadable: {why}")),
    }
}

/// Extracts the text of a PDF in this process (no time limit).
pub(crate) fn extract_here(bytes: &[u8]) -> Result<String, String> {
    if !bytes.starts_with(b"%PDF") && find(bytes, b"%PDF-").is_none() {
        return Err("pdf unreadable: no %PDF header".into());
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    match outcome {
        Ok(Ok(text)) => {
            let text = normalize(&text);
            if !text.trim().is_empty() {
                Ok(text)
            } else if find(bytes, b"/Encrypt").is_some() {
                // lopdf may "decrypt" with a wrong key without complaint: the text is then
                // noise or nothing.
                Err("pdf is encrypted: no text could be read".into())
            } else {
                Err("pdf has no text layer (a scanned image?)".into())
            }
        }
        Ok(Err(pdf_extract::OutputError::PdfError(pdf_extract::Error::Decryption(e)))) => {
            Err(format!("pdf is encrypted: {e}"))
        }
        Ok(Err(e)) => Err(format!("pdf unreadable: {e}")),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the pdf reader failed".into());
            Err(format!("pdf unreadable: {}", first_line(&why)))
        }
    }
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(200) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::pdf_with_lines;
    use super::*;

    #[test]
    fn text_of_a_simple_pdf() {
        let pdf = pdf_with_lines(&[
            "Surat Permohonan Akun",
            "Nama: Budi Santoso",
            "NIP: 198501012010",
        ]);
        assert_eq!(
            extract_here(&pdf).as_deref(),
            Ok("Surat Permohonan Akun\nNama: Budi Santoso\nNIP: 198501012010")
        );
    }

    #[test]
    fn broken_pdfs_are_errors() {
        let pdf = pdf_with_lines(&["Nama: Budi"]);
        let cut = &pdf[..pdf.len() / 2];
        let err = extract_here(cut).expect_err("a cut pdf has no text");
        assert!(err.starts_with("pdf unreadable"), "{err}");
        assert_eq!(
            extract_here(b"hello"),
            Err("pdf unreadable: no %PDF header".to_string())
        );
        let err = extract_here(b"%PDF-1.4\n%%EOF\n").expect_err("empty pdf");
        assert!(err.starts_with("pdf unreadable"), "{err}");
    }

    #[test]
    fn encrypted_pdf_is_an_error() {
        // A Standard security handler whose password check fails for the empty password.
        let pdf = String::from_utf8(pdf_with_lines(&["Rahasia"])).expect("ascii pdf");
        let o = "0".repeat(64);
        let pdf = pdf.replace(
            "<< /Size 6 /Root 1 0 R >>",
            &format!(
                "<< /Size 6 /Root 1 0 R /ID [<{o}> <{o}>] /Encrypt << /Filter /Standard /V 1 /R 2 \
                 /O <{o}> /U <{o}> /P -4 >> >>"
            ),
        );
        let err = extract_here(pdf.as_bytes()).expect_err("not readable without the password");
        assert!(err.starts_with("pdf is encrypted: "), "{err}");
    }

    #[test]
    fn pdf_without_text_is_an_error() {
        let pdf = pdf_with_lines(&[]);
        assert_eq!(
            extract_here(&pdf),
            Err("pdf has no text layer (a scanned image?)".to_string())
        );
    }
}
