//! The fast PDF reader against pdf-extract: the same text on every PDF of the test corpus,
//! each feature it claims on a file built here, and the fallback on what it refuses.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::super::fixtures::{encrypted_pdf, pdf_of_objects, pdf_with_lines};
use super::super::text::normalize;
use super::*;

/// pdf-extract's text of a file, normalised as `extract_here` does.
fn slow_text(bytes: &[u8]) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .ok()?
    .ok()
    .map(|t| normalize(&t))
}

/// Every PDF of the letters under tests/data: the files in attachments/ and those inside the
/// .eml files (not the fuzz inputs).
fn corpus_pdfs() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut found = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/data is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                // Fuzz inputs are not letters (and some show what pdf-extract cannot).
                if !path.ends_with("fuzz-regressions") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "pdf") {
                found.push((path.clone(), std::fs::read(&path).expect("a readable pdf")));
            } else if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read(&path).expect("a readable eml");
                let Some(msg) = mail_parser::MessageParser::default().parse(&raw) else {
                    continue;
                };
                for (i, part) in msg.attachments().enumerate() {
                    let body = part.contents();
                    if body.starts_with(b"%PDF") {
                        found.push((path.with_extension(format!("eml#{i}")), body.to_vec()));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn fast_reader_gives_pdf_extracts_text_on_the_corpus() {
    let pdfs = corpus_pdfs();
    assert!(pdfs.len() >= 20, "the corpus holds PDFs: {}", pdfs.len());
    let mut read = 0;
    let mut refused_by_design = 0;
    for (path, bytes) in &pdfs {
        let slow = slow_text(bytes);
        // tests/data/pdf-producers/*-refused.pdf: real producers' files the fast reader
        // leaves to pdf-extract on purpose (see that folder's README).
        if path.to_string_lossy().ends_with("-refused.pdf") {
            let why = fast_text(bytes).expect_err("a file the fast reader should refuse");
            assert!(
                slow.as_ref().is_some_and(|s| !s.trim().is_empty()),
                "{}: pdf-extract reads it ({why})",
                path.display()
            );
            refused_by_design += 1;
            continue;
        }
        match fast_text(bytes) {
            Ok(fast) => {
                read += 1;
                let slow = slow
                    .unwrap_or_else(|| panic!("{}: only the fast reader reads it", path.display()));
                assert_eq!(normalize(&fast), slow, "{}", path.display());
            }
            // Only a broken file may be refused here, and pdf-extract must fail on it too.
            Err(why) => assert!(
                slow.is_none() || slow.is_some_and(|s| s.trim().is_empty()),
                "{}: refused ({why}) a file pdf-extract reads",
                path.display()
            ),
        }
    }
    // Only the cut files (attachments/rusak-terpotong.pdf and its copies) are refused.
    assert!(refused_by_design >= 1, "the producers' corpus is read");
    assert!(
        read + refused_by_design + 4 >= pdfs.len(),
        "the fast reader read {read} of {}",
        pdfs.len()
    );
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("deflate into memory");
    enc.finish().expect("deflate into memory")
}

/// A stream object's text: its dictionary entries `extra`, then the data.
fn stream(extra: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {extra} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

fn flate_stream(extra: &str, data: &[u8]) -> Vec<u8> {
    stream(&format!("{extra} /Filter /FlateDecode"), &deflate(data))
}

/// Objects 1..=n written out after `head`, with their offsets.
fn write_objects(head: &[u8], objects: &[Vec<u8>], first_id: usize) -> (Vec<u8>, Vec<usize>) {
    let mut pdf = head.to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", first_id + i).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    (pdf, offsets)
}

fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// Catalog, page tree and one page (objects 1–3) whose content is object 4 and whose fonts
/// and XObjects are `resources`.
fn one_page(resources: &str, content: &[u8]) -> Vec<Vec<u8>> {
    vec![
        obj("<< /Type /Catalog /Pages 2 0 R >>"),
        obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>"),
        obj(&format!(
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << {resources} >> >>"
        )),
        flate_stream("", content),
    ]
}

const HELVETICA: &str =
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/// The fast reader reads `pdf` and gives `expected`; pdf-extract agrees when `same`.
/// With `SURATD_WRITE_PDF_SEEDS=1` the file is also written to the `pdf_fast` fuzz
/// target's regression folder (a seed with the features the corpus letters lack).
fn assert_fast(pdf: &[u8], expected: &str, same: bool) {
    if std::env::var_os("SURATD_WRITE_PDF_SEEDS").is_some() {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions/pdf_fast");
        let name = expected.split_whitespace().collect::<Vec<_>>().join("-");
        let name: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(24)
            .collect();
        std::fs::write(dir.join(format!("built-{name}.pdf")), pdf).expect("write a seed");
    }
    let fast = fast_text(pdf).map(|t| normalize(&t));
    assert_eq!(fast.as_deref(), Ok(expected));
    if same {
        assert_eq!(
            slow_text(pdf).as_deref(),
            Some(expected),
            "pdf-extract differs"
        );
    }
    assert_eq!(extract_here(pdf).as_deref(), Ok(expected));
}

#[test]
fn xref_stream_object_stream_and_png_predictor() {
    let content =
        b"BT /F1 12 Tf 72 760 Td (Nomor: 12/UN27/2026) Tj 0 -18 Td [(Perihal:) -300 (Zoom)] TJ ET";
    // Objects 1, 2, 3 and 6 live in object stream 5; 4 (the content) and 5 are plain.
    let inner = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 6 0 R >> >> >>"
            .to_string(),
        HELVETICA.to_string(),
    ];
    let ids = [1, 2, 3, 6];
    let mut header = String::new();
    let mut body = String::new();
    for (id, o) in ids.iter().zip(&inner) {
        header.push_str(&format!("{id} {} ", body.len()));
        body.push_str(o);
        body.push(' ');
    }
    let objstm_data = format!("{header}{body}");
    let objstm = flate_stream(
        &format!("/Type /ObjStm /N 4 /First {}", header.len()),
        objstm_data.as_bytes(),
    );
    let (mut pdf, offsets) = write_objects(b"%PDF-1.5\n", &[flate_stream("", content), objstm], 4);
    let xref_at = pdf.len();
    // Rows of [type, offset/stream (2 bytes), index], PNG "Up" predicted.
    let mut rows: Vec<[u8; 4]> = vec![[0, 0, 0, 0]; 8];
    for (i, id) in ids.iter().enumerate() {
        rows[*id] = [2, 0, 5, i as u8];
    }
    rows[4] = [1, (offsets[0] >> 8) as u8, offsets[0] as u8, 0];
    rows[5] = [1, (offsets[1] >> 8) as u8, offsets[1] as u8, 0];
    rows[7] = [1, (xref_at >> 8) as u8, xref_at as u8, 0];
    let mut predicted = Vec::new();
    let mut prev = [0u8; 4];
    for row in &rows {
        predicted.push(2);
        predicted.extend(row.iter().zip(prev).map(|(b, p)| b.wrapping_sub(p)));
        prev = *row;
    }
    let xref = flate_stream(
        "/Type /XRef /Size 8 /W [1 2 1] /Root 1 0 R \
         /DecodeParms << /Predictor 12 /Columns 4 >>",
        &predicted,
    );
    pdf.extend_from_slice(b"7 0 obj\n");
    pdf.extend_from_slice(&xref);
    pdf.extend_from_slice(format!("\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    assert_fast(&pdf, "Nomor: 12/UN27/2026\nPerihal: Zoom", true);
}

#[test]
fn incremental_update_replaces_objects() {
    let objects = one_page(
        &format!("/Font << /F1 {HELVETICA} >>"),
        b"BT /F1 12 Tf 72 760 Td (Draf lama) Tj ET",
    );
    let mut pdf = pdf_of_objects(&objects);
    let prev = String::from_utf8_lossy(&pdf)
        .rsplit("startxref\n")
        .next()
        .and_then(|t| t.lines().next().map(str::to_string))
        .expect("a startxref");
    let update = flate_stream("", b"BT /F1 12 Tf 72 760 Td (Versi baru) Tj ET");
    let at = pdf.len();
    pdf.extend_from_slice(b"4 0 obj\n");
    pdf.extend_from_slice(&update);
    pdf.extend_from_slice(b"\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n4 1\n{at:010} 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Prev {prev} >>\n\
             startxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    assert_fast(&pdf, "Versi baru", true);
}

/// A Type0 font with Identity-H whose ToUnicode maps the CIDs 1–5.
fn type0_font(to_unicode: bool) -> Vec<Vec<u8>> {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
        1 begincodespacerange <0000> <FFFF> endcodespacerange \
        2 beginbfchar <0001> <0041> <0005> <0020> endbfchar \
        1 beginbfrange <0002> <0004> <006B> endbfrange endcmap end end";
    let tu = if to_unicode { "/ToUnicode 8 0 R" } else { "" };
    vec![
        obj(&format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Calibri /Encoding /Identity-H \
             /DescendantFonts [6 0 R] {tu} >>"
        )),
        obj(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Calibri \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor 7 0 R /DW 500 /W [1 [600 520 520 520 250]] >>",
        ),
        obj(
            "<< /Type /FontDescriptor /FontName /ABCDEF+Calibri /Flags 32 \
             /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 750 /Descent -250 \
             /CapHeight 700 /StemV 80 >>",
        ),
        flate_stream("", cmap),
    ]
}

#[test]
fn type0_identity_h_with_to_unicode() {
    let mut objects = one_page(
        "/Font << /F1 5 0 R >>",
        b"BT /F1 11 Tf 1 0 0 1 72 700 Tm <000100020003> Tj <0005> Tj <0004> Tj ET \
          BT /F1 11 Tf 72 680 Td <0002000300040003> Tj ET",
    );
    objects.extend(type0_font(true));
    assert_fast(&pdf_of_objects(&objects), "Akl m\n\nklml", true);
}

#[test]
fn differences_form_xobjects_and_content_arrays() {
    let font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica \
                /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding \
                /Differences [65 /eacute /quoteright] >> >>";
    let mut objects = one_page(
        &format!("/Font << /F1 {font} >> /XObject << /X1 5 0 R /Im 6 0 R >>"),
        b"BT /F1 12 Tf 72 760 Td (Caf) Tj (A) Tj ET /Im Do /X1 Do",
    );
    objects.push(flate_stream(
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 {HELVETICA} >> >>"),
        b"BT /F1 12 Tf 72 700 Td (Isi formulir) Tj ET",
    ));
    objects.push(stream(
        "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
        b"\x00",
    ));
    let pdf = pdf_of_objects(&objects);
    assert_fast(&pdf, "Café\n\nIsi formulir", false);

    // A page whose content is an array of streams, split between two operators.
    let mut objects = one_page(
        &format!("/Font << /F1 {HELVETICA} >>"),
        b"BT /F1 12 Tf 72 760 Td",
    );
    let page = String::from_utf8(objects[2].clone()).expect("ascii");
    objects[2] = page
        .replace("/Contents 4 0 R", "/Contents [4 0 R 5 0 R]")
        .into_bytes();
    objects.push(flate_stream("", b"(Dua bagian) Tj ET"));
    assert_fast(&pdf_of_objects(&objects), "Dua bagian", true);
}

#[test]
fn quote_operators_show_text_on_the_next_line() {
    let objects = one_page(
        &format!("/Font << /F1 {HELVETICA} >>"),
        b"BT /F1 12 Tf 14 TL 72 760 Td (Baris satu) Tj (Baris dua) ' 1 0 (Baris tiga) \" ET",
    );
    // pdf-extract drops text drawn with ' and ", so only the fast reader is compared.
    assert_fast(
        &pdf_of_objects(&objects),
        "Baris satu\nBaris dua\nBaris tiga",
        false,
    );
}

/// The fast reader refuses `pdf` for `why`, and `extract_here` answers as pdf-extract does.
fn assert_refused(pdf: &[u8], why: Refuse) {
    assert_eq!(fast_text(pdf), Err(why));
    let slow = match slow_text(pdf) {
        Some(text) if !text.trim().is_empty() => Ok(text),
        _ => Err(()),
    };
    assert_eq!(extract_here(pdf).map_err(|_| ()), slow);
}

#[test]
fn encrypted_files_go_to_pdf_extract() {
    assert_refused(&encrypted_pdf(&["Rahasia"]), Refuse::Encrypted);
}

#[test]
fn type3_fonts_go_to_pdf_extract() {
    let font =
        "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [0.001 0 0 0.001 0 0] \
                /CharProcs << /a 5 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >> \
                /FirstChar 97 /LastChar 97 /Widths [1000] >>";
    let mut objects = one_page(
        &format!("/Font << /F1 {font} >>"),
        b"BT /F1 12 Tf 72 760 Td (aaa) Tj ET",
    );
    objects.push(stream("", b"1000 0 0 0 750 750 d1 0 0 750 750 re f"));
    assert_refused(
        &pdf_of_objects(&objects),
        Refuse::Unsupported("a Type3 font"),
    );
}

#[test]
fn cid_fonts_without_to_unicode_go_to_pdf_extract() {
    let mut objects = one_page(
        "/Font << /F1 5 0 R >>",
        b"BT /F1 11 Tf 72 700 Td <00010002> Tj ET",
    );
    objects.extend(type0_font(false));
    assert_refused(
        &pdf_of_objects(&objects),
        Refuse::Unsupported("a CID font without a ToUnicode map"),
    );
}

#[test]
fn broken_xref_goes_to_pdf_extract() {
    let pdf = pdf_with_lines(&["Nama: Budi"]);
    // Every offset of the table off by 7: no object is where the table says.
    let text = String::from_utf8(pdf).expect("ascii pdf");
    let (head, table) = text.split_at(text.find("xref\n").expect("a table"));
    let table: String = table
        .lines()
        .map(|l| match l.split_once(" 00000 n") {
            Some((off, rest)) => format!(
                "{:010} 00000 n{rest}\n",
                off.parse::<usize>().unwrap_or(0) + 7
            ),
            None => format!("{l}\n"),
        })
        .collect();
    assert_refused(format!("{head}{table}").as_bytes(), Refuse::Broken);
    // A startxref that points nowhere.
    let cut = text.replace("startxref\n", "startxref\n9");
    assert_refused(cut.as_bytes(), Refuse::Broken);
}

#[test]
fn other_filters_and_unknown_glyphs_go_to_pdf_extract() {
    let mut objects = one_page(&format!("/Font << /F1 {HELVETICA} >>"), b"");
    objects[3] = stream(
        "/Filter /ASCIIHexDecode",
        b"4254202f463120313220546620373220373630205464202848616c6f2920546a204554>",
    );
    assert_refused(
        &pdf_of_objects(&objects),
        Refuse::Unsupported("a stream filter other than FlateDecode"),
    );
    let font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica \
                /Encoding << /Differences [65 /g123] >> >>";
    let objects = one_page(
        &format!("/Font << /F1 {font} >>"),
        b"BT /F1 12 Tf 72 760 Td (AB) Tj ET",
    );
    assert_eq!(
        fast_text(&pdf_of_objects(&objects)),
        Err(Refuse::Unsupported(
            "a character code without a known glyph"
        ))
    );
}

#[test]
fn inflation_is_bounded() {
    let content = vec![b' '; document::MAX_INFLATED + 10];
    let objects = one_page(&format!("/Font << /F1 {HELVETICA} >>"), &content);
    assert_eq!(fast_text(&pdf_of_objects(&objects)), Err(Refuse::Limit));
}

#[test]
fn hostile_bytes_never_panic() {
    let mut seeds: Vec<Vec<u8>> = corpus_pdfs().into_iter().map(|(_, b)| b).take(4).collect();
    let mut objects = one_page(
        "/Font << /F1 5 0 R >>",
        b"BT /F1 11 Tf 72 700 Td <00010002> Tj ET",
    );
    objects.extend(type0_font(true));
    seeds.push(pdf_of_objects(&objects));
    // A small deterministic generator: flip, cut and duplicate bytes.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for _ in 0..150 {
            let mut bytes = seed.clone();
            for _ in 0..(next() % 8 + 1) {
                let at = (next() as usize) % bytes.len().max(1);
                match next() % 4 {
                    0 => bytes[at] = next() as u8,
                    1 => bytes.truncate(at.max(10)),
                    2 => bytes.insert(at, b"()<>[]/%0123456789 RTjm"[(next() % 23) as usize]),
                    _ => {
                        let end = (at + (next() as usize % 64)).min(bytes.len());
                        let piece = bytes[at..end].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            // Refused or read: both are fine; a panic fails the test.
            let _ = fast_text(&bytes);
        }
    }
}
