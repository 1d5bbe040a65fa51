//! Test inputs built in code: MIME messages, a tiny one-page PDF, DOCX files, a zip bomb.
//! Test-only; nothing here is used by the daemon.

use std::io::{Cursor, Write};

/// A MIME entity: header lines (without line ends), a blank line, the body. CRLF throughout.
pub(crate) fn part(headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for h in headers {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// A multipart entity of the given subtype: `headers` come first (the envelope, for a
/// top-level message), then its Content-Type and the parts.
pub(crate) fn multipart(subtype: &str, headers: &[&str], parts: &[Vec<u8>]) -> Vec<u8> {
    let boundary = format!("=_b{}_{}", subtype.len(), parts.len());
    let content_type = format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"");
    let mut all: Vec<&str> = headers.to_vec();
    all.push("MIME-Version: 1.0");
    all.push(&content_type);
    let mut body = b"This is a multi-part message in MIME format.\r\n".to_vec();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    part(&all, &body)
}

/// A base64 attachment part.
pub(crate) fn attachment(content_type: &str, filename: &str, data: &[u8]) -> Vec<u8> {
    part(
        &[
            &format!("Content-Type: {content_type}; name=\"{filename}\""),
            &format!("Content-Disposition: attachment; filename=\"{filename}\""),
            "Content-Transfer-Encoding: base64",
        ],
        base64(data).as_bytes(),
    )
}

/// The usual envelope of a test letter.
pub(crate) const ENVELOPE: [&str; 5] = [
    "From: Budi Santoso <budi@staff.uns.ac.id>",
    "To: helpdesk@uns.ac.id",
    "Subject: Permohonan akun",
    "Date: Mon, 2 Mar 2026 09:15:00 +0700",
    "Message-ID: <surat-1@staff.uns.ac.id>",
];

/// Base64 with 76-character lines (RFC 2045 §6.8).
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A one-page PDF that shows each line in Helvetica, one under the other, with a correct
/// xref table. No lines: a page with no text at all (as a scan would be, to a text reader).
pub(crate) fn pdf_with_lines(lines: &[&str]) -> Vec<u8> {
    let mut content = String::new();
    if !lines.is_empty() {
        content.push_str("BT\n/F1 12 Tf\n72 760 Td\n");
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                content.push_str("0 -18 Td\n");
            }
            let escaped = line
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            content.push_str(&format!("({escaped}) Tj\n"));
        }
        content.push_str("ET\n");
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    pdf_of_objects(&objects)
}

/// A PDF 1.4 of the given objects (numbered from 1; 1 is the catalog) with a classic xref
/// table and the trailer `<< /Size N /Root 1 0 R >>`.
pub(crate) fn pdf_of_objects(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// A PDF of `lines` encrypted by the Standard security handler with a password check that
/// fails for the empty password.
pub(crate) fn encrypted_pdf(lines: &[&str]) -> Vec<u8> {
    let pdf = String::from_utf8(pdf_with_lines(lines)).unwrap_or_default();
    let o = "0".repeat(64);
    pdf.replace(
        "<< /Size 6 /Root 1 0 R >>",
        &format!(
            "<< /Size 6 /Root 1 0 R /ID [<{o}> <{o}>] /Encrypt << /Filter /Standard /V 1 /R 2 \
             /O <{o}> /U <{o}> /P -4 >> >>"
        ),
    )
    .into_bytes()
}

/// A zip of the given entries (deflated), e.g. a DOCX.
pub(crate) fn docx(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let content_types = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    zip.start_file("[Content_Types].xml", options)
        .expect("zip entry");
    zip.write_all(content_types.as_bytes()).expect("zip write");
    for (name, data) in entries {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(data.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// A DOCX whose `word/document.xml` is valid XML that decompresses to about `size` bytes of
/// empty paragraphs padded with whitespace: tiny on the wire, huge when inflated. Written in
/// chunks, so building it does not hold `size` bytes either.
pub(crate) fn docx_bomb(size: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(size > u32::MAX as usize / 2);
    zip.start_file("word/document.xml", options)
        .expect("zip entry");
    zip.write_all(b"<w:document xmlns:w=\"w\"><w:body>")
        .expect("zip write");
    let chunk = format!("<w:p/>{}", " ".repeat(4090)).repeat(16);
    let mut written = 0;
    while written < size {
        zip.write_all(chunk.as_bytes()).expect("zip write");
        written += chunk.len();
    }
    zip.write_all(b"</w:body></w:document>").expect("zip write");
    zip.finish().expect("zip finish").into_inner()
}
