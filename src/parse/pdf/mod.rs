//! Text of a PDF attachment: by the fast reader here (`document`, `fonts`, `content`) when
//! it understands the whole file, else by `pdf-extract` (pure Rust, on lopdf).
//!
//! The fast reader exists for speed: pdf-extract spends ~15 ms of CPU on the bench's 50 KB
//! letter (callgrind: 184 M instructions, of which lopdf's `Document::load_mem` only ~1.6 M,
//! its content-stream parser 73 M, and pdf-extract's per-`Tf` font rebuilding most of the
//! rest); this reader takes ~30 M for the same text. lopdf's object layer was fast enough,
//! but its content parser was not, and the object syntax is the same lexer here, so the file
//! is parsed here end to end: one lexer, and every bound (inflated bytes, nesting, counts)
//! ours and fuzzed (`fuzz/` target `pdf_fast`). It is written for what letters are made with
//! (Word, LibreOffice, Google Docs, "Print to PDF", OCR layers): xref tables and streams,
//! object streams, incremental updates, FlateDecode, simple and Identity-H fonts with
//! ToUnicode, Form XObjects; checked on the corpus letters and on files its tests build. Whatever else it meets (encryption, Type3 fonts, a CID font without
//! ToUnicode, a broken xref, another filter…) is a [`Refuse`], logged at debug level, and
//! pdf-extract reads the file instead. Its layout is pdf-extract's (see `content`), so the
//! rules see the same lines either way. Unlike pdf-extract it also shows text drawn with the
//! `'` and `"` operators and places Form XObjects by their matrix.
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

mod content;
mod document;
mod fonts;
mod object;
#[rustfmt::skip]
mod tables;
#[cfg(test)]
mod fast_tests;

/// Why the fast reader left a file to pdf-extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refuse {
    /// The file is encrypted (pdf-extract tries the empty password).
    Encrypted,
    /// A syntax error in an object or a content stream.
    Syntax,
    /// A broken cross-reference, a missing object, a wrong type.
    Broken,
    /// A bound of the reader was reached (size, nesting, count).
    Limit,
    /// A feature the fast reader does not handle.
    Unsupported(&'static str),
}

impl std::fmt::Display for Refuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refuse::Encrypted => f.write_str("encrypted"),
            Refuse::Syntax => f.write_str("a syntax error"),
            Refuse::Broken => f.write_str("a broken or missing object"),
            Refuse::Limit => f.write_str("a size or nesting limit"),
            Refuse::Unsupported(what) => f.write_str(what),
        }
    }
}

/// Most pages read.
const MAX_PAGES: usize = 10_000;
/// Deepest page tree read.
const MAX_TREE_DEPTH: usize = 32;

/// The text of a PDF by the fast reader, before normalisation, or why it will not say.
pub(crate) fn fast_text(bytes: &[u8]) -> Result<String, Refuse> {
    let doc = document::Document::load(bytes)?;
    let root = doc.get_dict(&doc.trailer, b"Root")?.ok_or(Refuse::Broken)?;
    let pages = root.get(b"Pages").ok_or(Refuse::Broken)?;
    let mut found = Vec::new();
    collect_pages(&doc, pages, None, None, 0, &mut found)?;
    let mut interp = content::Interpreter::new(&doc);
    let mut out = content::Output::new();
    for page in found {
        let media = page
            .media_box
            .ok_or(Refuse::Unsupported("a page without a MediaBox"))?;
        out.begin_page(media[3] - media[1]);
        let mut data = Vec::new();
        match page
            .dict
            .get(b"Contents")
            .map(|c| doc.resolve(c))
            .transpose()?
        {
            None | Some(object::Obj::Null) => {}
            Some(object::Obj::Stream(d, start)) => data = doc.stream_data(d, *start)?,
            Some(object::Obj::Array(parts)) => {
                for part in parts {
                    let object::Obj::Stream(d, start) = doc.resolve(part)? else {
                        return Err(Refuse::Broken);
                    };
                    data.extend_from_slice(&doc.stream_data(d, *start)?);
                    data.push(b'\n');
                }
            }
            Some(_) => return Err(Refuse::Broken),
        }
        interp.run_page(&data, page.resources, &mut out)?;
    }
    // A CID font whose ToUnicode misses most codes gives nothing useful.
    if interp.cid_unmapped * 2 > interp.cid_codes {
        return Err(Refuse::Unsupported(
            "CID codes mostly missing from ToUnicode",
        ));
    }
    Ok(out.text)
}

struct Page<'d> {
    dict: &'d object::Dict,
    resources: Option<&'d object::Dict>,
    media_box: Option<[f64; 4]>,
}

/// The pages under `node` in page-tree order, with inherited resources and media box.
fn collect_pages<'d>(
    doc: &'d document::Document,
    node: &'d object::Obj,
    resources: Option<&'d object::Dict>,
    media_box: Option<[f64; 4]>,
    depth: usize,
    found: &mut Vec<Page<'d>>,
) -> Result<(), Refuse> {
    if depth > MAX_TREE_DEPTH || found.len() > MAX_PAGES {
        return Err(Refuse::Limit);
    }
    let dict = doc.resolve(node)?.as_dict().ok_or(Refuse::Broken)?;
    let resources = doc.get_dict(dict, b"Resources")?.or(resources);
    let media_box = match doc.get(dict, b"MediaBox")?.and_then(object::Obj::as_array) {
        Some([a, b, c, d]) => {
            let n = |o: &object::Obj| doc.resolve(o).ok().and_then(object::Obj::as_num);
            match (n(a), n(b), n(c), n(d)) {
                (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                _ => return Err(Refuse::Broken),
            }
        }
        Some(_) => return Err(Refuse::Broken),
        None => media_box,
    };
    match doc.get(dict, b"Kids")? {
        Some(object::Obj::Array(kids)) => {
            for kid in kids {
                collect_pages(doc, kid, resources, media_box, depth + 1, found)?;
            }
        }
        Some(_) => return Err(Refuse::Broken),
        None => found.push(Page {
            dict,
            resources,
            media_box,
        }),
    }
    Ok(())
}

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
            let (head, rest) = out.split_once('\n').unwrap_or((&out, ""));
            // The first line: `ok` or `err`, then, when pdf-extract read it, why.
            let (status, slow) = head.split_once(' ').unwrap_or((head, ""));
            if let Some(why) = slow.strip_prefix(SLOW_NOTE) {
                pool.note_pdf_extract();
                log_slow_path(why);
            }
            match status {
                "ok" => Ok(rest.to_string()),
                "err" => Err(rest.to_string()),
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

/// What follows `ok`/`err` on the first line of a worker's answer when pdf-extract read the
/// file: `ok slow: REASON`.
pub(crate) const SLOW_NOTE: &str = "slow: ";

/// Extracts the text of a PDF in this process (no time limit).
pub(crate) fn extract_here(bytes: &[u8]) -> Result<String, String> {
    let (outcome, slow) = extract_here_noting(bytes);
    if let Some(why) = slow {
        log_slow_path(&why);
    }
    outcome
}

/// Logs that the fast reader handed a PDF to pdf-extract, and why (debug level: `-v`).
fn log_slow_path(why: &str) {
    tracing::debug!(reason = %why, "fast pdf reader refused; pdf-extract read it");
}

/// [`extract_here`], and why the fast reader handed the file to pdf-extract, if it did (a
/// worker process has no log of its own: it sends the reason with its answer).
pub(crate) fn extract_here_noting(bytes: &[u8]) -> (Result<String, String>, Option<String>) {
    if !bytes.starts_with(b"%PDF") && find(bytes, b"%PDF-").is_none() {
        return (Err("pdf unreadable: no %PDF header".into()), None);
    }
    // The fast reader is written not to panic; should it, pdf-extract still gets the file.
    let slow = match catch_unwind(AssertUnwindSafe(|| fast_text(bytes))) {
        Ok(Ok(text)) => return (finish(bytes, &text), None),
        Ok(Err(why)) => why.to_string(),
        Err(_) => "the fast reader failed".to_string(),
    };
    (with_pdf_extract(bytes), Some(slow))
}

/// The text by pdf-extract, under `catch_unwind`.
fn with_pdf_extract(bytes: &[u8]) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    match outcome {
        Ok(Ok(text)) => finish(bytes, &text),
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

/// The outcome of a read: the normalised text, or why there is none.
fn finish(bytes: &[u8], text: &str) -> Result<String, String> {
    let text = normalize(text);
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
    use super::super::fixtures::{encrypted_pdf, pdf_with_lines};
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
        let pdf = encrypted_pdf(&["Rahasia"]);
        let err = extract_here(&pdf).expect_err("not readable without the password");
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
