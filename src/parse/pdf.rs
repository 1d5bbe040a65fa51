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

use super::text::normalize;

/// Extracts the text of a PDF, or says why it could not.
pub(crate) fn extract(bytes: &[u8]) -> Result<String, String> {
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
            extract(&pdf).as_deref(),
            Ok("Surat Permohonan Akun\nNama: Budi Santoso\nNIP: 198501012010")
        );
    }

    #[test]
    fn broken_pdfs_are_errors() {
        let pdf = pdf_with_lines(&["Nama: Budi"]);
        let cut = &pdf[..pdf.len() / 2];
        let err = extract(cut).expect_err("a cut pdf has no text");
        assert!(err.starts_with("pdf unreadable"), "{err}");
        assert_eq!(
            extract(b"hello"),
            Err("pdf unreadable: no %PDF header".to_string())
        );
        let err = extract(b"%PDF-1.4\n%%EOF\n").expect_err("empty pdf");
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
        let err = extract(pdf.as_bytes()).expect_err("not readable without the password");
        assert!(err.starts_with("pdf is encrypted: "), "{err}");
    }

    #[test]
    fn pdf_without_text_is_an_error() {
        let pdf = pdf_with_lines(&[]);
        assert_eq!(
            extract(&pdf),
            Err("pdf has no text layer (a scanned image?)".to_string())
        );
    }
}
