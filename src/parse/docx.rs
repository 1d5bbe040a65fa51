//! Text of a DOCX attachment: a zip of WordprocessingML parts, read with `zip` + `quick-xml`.
//!
//! Output: the page headers (letterheads live there), then `word/document.xml`, then the
//! footers. Each paragraph is a line, `<w:tab/>` a TAB, `<w:br/>` a line break. A table row
//! is one line with its cells separated by a TAB, the paragraphs of a cell joined by a space —
//! the label/value shape the rule engine reads. Deleted text (tracked changes), field codes,
//! tab-stop definitions and the fallback copy of text boxes are skipped.
//!
//! Invariants: never panics (the work runs under `catch_unwind` as a last guard); XML is
//! streamed, never decompressed whole: all parts together may decompress to at most
//! `max_xml_bytes` (a zip bomb is an error past that), at most [`MAX_ENTRIES`] zip entries
//! are looked at, and reading stops once the text is past `max_chars`. The text comes back
//! [`normalize`]d.

use std::io::{BufReader, Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::text::normalize;

/// Zip entries looked at when searching for header and footer parts.
const MAX_ENTRIES: usize = 1000;
/// Header (and footer) parts read at most.
const MAX_HEADER_PARTS: usize = 6;

/// Extracts the text of a DOCX; the text may run a little past `max_chars` (the caller cuts).
pub(crate) fn extract(
    bytes: &[u8],
    max_xml_bytes: u64,
    max_chars: usize,
) -> Result<String, String> {
    match catch_unwind(AssertUnwindSafe(|| {
        extract_inner(bytes, max_xml_bytes, max_chars)
    })) {
        Ok(result) => result,
        Err(_) => Err("docx unreadable: the zip reader failed".into()),
    }
}

fn extract_inner(bytes: &[u8], max_xml_bytes: u64, max_chars: usize) -> Result<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("docx unreadable: not a zip file ({e})"))?;
    let mut headers = Vec::new();
    let mut footers = Vec::new();
    for name in zip.file_names().take(MAX_ENTRIES) {
        if is_part(name, "word/header") {
            headers.push(name.to_string());
        } else if is_part(name, "word/footer") {
            footers.push(name.to_string());
        }
    }
    headers.sort_by_key(|n| part_number(n));
    footers.sort_by_key(|n| part_number(n));
    headers.truncate(MAX_HEADER_PARTS);
    footers.truncate(MAX_HEADER_PARTS);

    let mut budget = Budget {
        xml_bytes_left: max_xml_bytes,
        max_xml_bytes,
        max_out_bytes: max_chars.saturating_mul(4).saturating_add(4),
    };
    let document = read_part(&mut zip, "word/document.xml", &mut budget)?
        .ok_or_else(|| "docx unreadable: no word/document.xml in the zip".to_string())?;

    let mut pieces: Vec<String> = Vec::new();
    for name in headers {
        // A broken header is not worth losing the letter over.
        if let Ok(Some(text)) = read_part(&mut zip, &name, &mut budget) {
            // Letterheads are often repeated (first page, odd, even): keep one of each.
            if !text.is_empty() && !pieces.contains(&text) {
                pieces.push(text);
            }
        }
    }
    pieces.push(document);
    let mut footer_texts: Vec<String> = Vec::new();
    for name in footers {
        if let Ok(Some(text)) = read_part(&mut zip, &name, &mut budget) {
            if !text.is_empty() && !footer_texts.contains(&text) {
                footer_texts.push(text);
            }
        }
    }
    pieces.extend(footer_texts);
    Ok(normalize(&pieces.join("\n")))
}

/// `word/header3.xml` for prefix `word/header`.
fn is_part(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".xml"))
        .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

fn part_number(name: &str) -> u32 {
    name.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

struct Budget {
    xml_bytes_left: u64,
    max_xml_bytes: u64,
    max_out_bytes: usize,
}

/// Reads one XML part to text; `None` when the zip has no such entry.
fn read_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<String>, String> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("docx unreadable: {name}: {e}")),
    };
    let capped = Capped {
        inner: file.take(budget.xml_bytes_left.saturating_add(1)),
        left: budget.xml_bytes_left,
        over: false,
    };
    let mut reader = Reader::from_reader(BufReader::new(capped));
    let result = walk(&mut reader, budget.max_out_bytes);
    let capped = reader.into_inner().into_inner();
    if capped.over {
        return Err(format!(
            "docx too large: its XML decompresses to more than {} bytes (zip bomb?)",
            budget.max_xml_bytes
        ));
    }
    budget.xml_bytes_left = capped.left;
    result
        .map(|text| Some(normalize(&text)))
        .map_err(|e| format!("docx unreadable: {name}: {e}"))
}

/// A reader that fails once more than `left` bytes came through it.
struct Capped<R> {
    inner: R,
    left: u64,
    over: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => {
                self.over = true;
                Err(std::io::Error::other("decompressed size over the cap"))
            }
        }
    }
}

/// The open tables, innermost last.
#[derive(Default)]
struct Tables {
    stack: Vec<Table>,
}

#[derive(Default)]
struct Table {
    row: Vec<String>,
    cell: Option<String>,
}

struct Walker {
    out: String,
    tables: Tables,
    /// Inside `<w:t>`: its text is document text.
    in_text: bool,
    /// Depth inside a skipped element (deleted text, field code, fallback…).
    skip: usize,
    /// Bytes of text written so far, wherever they went.
    pushed: usize,
}

impl Walker {
    fn sink(&mut self) -> &mut String {
        let Walker { out, tables, .. } = self;
        match tables.stack.last_mut() {
            Some(table) => table.cell.get_or_insert_with(String::new),
            None => out,
        }
    }

    fn in_cell(&self) -> bool {
        !self.tables.stack.is_empty()
    }

    fn push_text(&mut self, text: &str) {
        self.pushed = self.pushed.saturating_add(text.len());
        if self.in_cell() {
            // Inside a cell, TABs and breaks would break the row's columns.
            let text = text.replace(['\t', '\n', '\r'], " ");
            self.sink().push_str(&text);
        } else {
            self.sink().push_str(text);
        }
    }

    fn tab(&mut self) {
        self.pushed = self.pushed.saturating_add(1);
        let c = if self.in_cell() { ' ' } else { '\t' };
        self.sink().push(c);
    }

    fn line_break(&mut self) {
        self.pushed = self.pushed.saturating_add(1);
        let c = if self.in_cell() { ' ' } else { '\n' };
        self.sink().push(c);
    }

    fn end_paragraph(&mut self) {
        self.pushed = self.pushed.saturating_add(1);
        if self.in_cell() {
            let cell = self.sink();
            if !cell.is_empty() && !cell.ends_with(' ') {
                cell.push(' ');
            }
        } else {
            self.out.push('\n');
        }
    }

    fn end_cell(&mut self) {
        if let Some(table) = self.tables.stack.last_mut() {
            let cell = table.cell.take().unwrap_or_default();
            table
                .row
                .push(cell.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }

    fn end_row(&mut self) {
        if let Some(table) = self.tables.stack.last_mut() {
            if table.cell.is_some() {
                self.end_cell();
            }
        }
        let Some(table) = self.tables.stack.last_mut() else {
            return;
        };
        let row = std::mem::take(&mut table.row);
        if row.iter().all(String::is_empty) {
            return;
        }
        let line = row.join("\t");
        let depth = self.tables.stack.len();
        match depth
            .checked_sub(2)
            .and_then(|i| self.tables.stack.get_mut(i))
        {
            // A table nested in a cell: its rows join the outer cell's text.
            Some(outer) => {
                let cell = outer.cell.get_or_insert_with(String::new);
                if !cell.is_empty() && !cell.ends_with(' ') {
                    cell.push(' ');
                }
                cell.push_str(&line.replace('\t', " "));
            }
            None => {
                if !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str(&line);
                self.out.push('\n');
            }
        }
    }

    fn start(&mut self, local: &[u8], empty: bool) {
        match local {
            b"t" if !empty => self.in_text = true,
            b"tab" | b"ptab" => self.tab(),
            b"br" | b"cr" => self.line_break(),
            b"noBreakHyphen" => self.push_text("-"),
            b"p" if empty => self.end_paragraph(),
            b"tbl" if !empty => self.tables.stack.push(Table::default()),
            b"tr" if !empty => {
                if let Some(t) = self.tables.stack.last_mut() {
                    t.row.clear();
                    t.cell = None;
                }
            }
            b"tc" => {
                if let Some(t) = self.tables.stack.last_mut() {
                    t.cell = Some(String::new());
                }
                if empty {
                    self.end_cell();
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, local: &[u8]) {
        match local {
            b"t" => self.in_text = false,
            b"p" => self.end_paragraph(),
            b"tc" => self.end_cell(),
            b"tr" => self.end_row(),
            b"tbl" => {
                self.end_row();
                self.tables.stack.pop();
            }
            _ => {}
        }
    }
}

/// Elements whose whole content is not document text.
fn is_skipped(local: &[u8]) -> bool {
    matches!(
        local,
        b"delText" | b"instrText" | b"tabs" | b"Fallback" | b"rPr" | b"pPr"
    )
}

fn walk<R: std::io::BufRead>(
    reader: &mut Reader<R>,
    max_out_bytes: usize,
) -> Result<String, String> {
    let mut w = Walker {
        out: String::new(),
        tables: Tables::default(),
        in_text: false,
        skip: 0,
        pushed: 0,
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("xml error at byte {}: {e}", reader.buffer_position()))?;
        if w.skip > 0 {
            match event {
                Event::Start(_) => w.skip += 1,
                Event::End(_) => w.skip -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                if is_skipped(name.as_ref()) {
                    w.skip = 1;
                } else {
                    w.start(name.as_ref(), false);
                }
            }
            Event::Empty(e) => {
                let name = e.local_name();
                if !is_skipped(name.as_ref()) {
                    w.start(name.as_ref(), true);
                }
            }
            Event::End(e) => w.end(e.local_name().as_ref()),
            Event::Text(t) if w.in_text => {
                let text = t.decode().map_err(|e| format!("bad text: {e}"))?;
                w.push_text(&text);
            }
            Event::CData(t) if w.in_text => {
                let text = String::from_utf8_lossy(&t);
                w.push_text(&text);
            }
            Event::GeneralRef(r) if w.in_text => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match AsRef::<[u8]>::as_ref(&*r) {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => Some('\u{FFFD}'),
                };
                if let Some(c) = c {
                    w.push_text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if w.pushed > max_out_bytes {
            break;
        }
    }
    // Rows of a table left open by a cut-off document still count.
    while !w.tables.stack.is_empty() {
        w.end(b"tbl");
    }
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{docx, docx_bomb};
    use super::*;

    const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

    fn body(xml: &str) -> String {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {W}><w:body>{xml}</w:body></w:document>")
    }

    #[test]
    fn paragraphs_tabs_breaks_and_tables() {
        let xml = body(
            "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>\
               <w:r><w:t>Perihal</w:t></w:r><w:r><w:tab/><w:t xml:space=\"preserve\">: Permohonan </w:t></w:r>\
               <w:r><w:t>Akun &amp; Lisensi</w:t></w:r></w:p>\
             <w:p/>\
             <w:p><w:r><w:t>Baris satu</w:t><w:br/><w:t>Baris dua</w:t></w:r></w:p>\
             <w:p><w:r><w:delText>dihapus</w:delText></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>Tetap</w:t></w:r></w:p>\
             <w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>Nama</w:t></w:r></w:p></w:tc>\
               <w:tc><w:p><w:r><w:t>Budi</w:t></w:r></w:p><w:p><w:r><w:t>Santoso</w:t></w:r></w:p></w:tc></w:tr>\
             <w:tr><w:tc><w:p><w:r><w:t>NIP</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1985</w:t><w:tab/><w:t>0101</w:t></w:r></w:p></w:tc></w:tr>\
             <w:tr><w:tc><w:p/></w:tc><w:tc/></w:tr></w:tbl>\
             <w:p><w:r><w:t>Hormat kami,</w:t></w:r></w:p>",
        );
        let file = docx(&[("word/document.xml", &xml)]);
        assert_eq!(
            extract(&file, 1 << 20, 10_000).as_deref(),
            Ok("Perihal\t: Permohonan Akun & Lisensi\n\nBaris satu\nBaris dua\nTetap\nNama\tBudi Santoso\nNIP\t1985 0101\nHormat kami,")
        );
    }

    #[test]
    fn headers_footers_and_text_boxes() {
        let doc = body(
            "<w:p><w:r><mc:AlternateContent xmlns:mc=\"m\"><mc:Choice><w:txbxContent><w:p><w:r><w:t>Kotak</w:t></w:r></w:p></w:txbxContent></mc:Choice>\
             <mc:Fallback><w:txbxContent><w:p><w:r><w:t>Kotak</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>\
             <w:p><w:r><w:t>Isi surat</w:t></w:r></w:p>",
        );
        let header = format!(
            "<w:hdr {W}><w:p><w:r><w:t>UNIVERSITAS SEBELAS MARET</w:t></w:r></w:p></w:hdr>"
        );
        let footer =
            format!("<w:ftr {W}><w:p><w:r><w:t>Jl. Ir. Sutami 36</w:t></w:r></w:p></w:ftr>");
        let file = docx(&[
            ("word/document.xml", &doc),
            ("word/header2.xml", &header),
            ("word/header1.xml", &header),
            ("word/footer1.xml", &footer),
        ]);
        assert_eq!(
            extract(&file, 1 << 20, 10_000).as_deref(),
            Ok("UNIVERSITAS SEBELAS MARET\nKotak\n\nIsi surat\nJl. Ir. Sutami 36")
        );
    }

    #[test]
    fn nested_table_joins_the_outer_cell() {
        let xml = body(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Data</w:t></w:r></w:p></w:tc><w:tc>\
             <w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
             <w:p/></w:tc></w:tr></w:tbl>",
        );
        let file = docx(&[("word/document.xml", &xml)]);
        assert_eq!(extract(&file, 1 << 20, 10_000).as_deref(), Ok("Data\ta b"));
    }

    #[test]
    fn zip_bomb_is_refused() {
        let file = docx_bomb(8 << 20);
        assert!(file.len() < 100_000, "the bomb is small: {}", file.len());
        assert_eq!(
            extract(&file, 1 << 20, 10_000),
            Err(
                "docx too large: its XML decompresses to more than 1048576 bytes (zip bomb?)"
                    .to_string()
            )
        );
    }

    #[test]
    fn text_stops_past_the_char_budget() {
        let para = "<w:p><w:r><w:t>kata kata kata</w:t></w:r></w:p>".repeat(10_000);
        let file = docx(&[("word/document.xml", &body(&para))]);
        let text = extract(&file, 64 << 20, 100).expect("readable");
        assert!(text.len() > 100 && text.len() < 1000, "{}", text.len());
    }

    #[test]
    fn broken_docx_files_are_errors() {
        assert_eq!(
            extract(b"PK\x03\x04 nonsense", 1 << 20, 100)
                .map_err(|e| e.starts_with("docx unreadable: not a zip file")),
            Err(true)
        );
        let file = docx(&[("word/other.xml", "<x/>")]);
        assert_eq!(
            extract(&file, 1 << 20, 100),
            Err("docx unreadable: no word/document.xml in the zip".to_string())
        );
        let file = docx(&[(
            "word/document.xml",
            "<w:document><w:body><w:p><w:t>a</w:x></w:body>",
        )]);
        let err = extract(&file, 1 << 20, 100).expect_err("mismatched tags");
        assert!(
            err.starts_with("docx unreadable: word/document.xml: xml error"),
            "{err}"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_mutated_docx(edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 1..8)) {
            let xml = body("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:t>b</w:t></w:r></w:p>");
            let mut file = docx(&[("word/document.xml", &xml)]);
            for (at, byte) in edits {
                let i = at.index(file.len());
                file[i] = byte;
            }
            let _ = extract(&file, 1 << 20, 1000);
        }
    }
}
