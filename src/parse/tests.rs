//! Tests of [`parse`] as a whole: messages built in code (see [`super::fixtures`]), the text
//! asserted exactly, and property tests that no input makes it panic.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::fixtures::{
    attachment, base64, docx, docx_bomb, multipart, part, pdf_with_lines, ENVELOPE,
};
use super::*;

fn parse_ok(raw: &[u8]) -> ParsedMessage {
    match parse(raw, &Limits::default()) {
        Ok(parsed) => parsed,
        Err(e) => panic!("expected a message, got {e}"),
    }
}

/// A single-part letter: the usual envelope, then `headers`, then `body`.
fn simple(headers: &[&str], body: &str) -> Vec<u8> {
    let mut all = ENVELOPE.to_vec();
    all.extend_from_slice(headers);
    part(&all, body.as_bytes())
}

fn addr(name: Option<&str>, email: &str) -> Address {
    Address {
        name: name.map(str::to_string),
        email: email.to_string(),
    }
}

#[test]
fn plain_letter_fills_every_field() {
    let raw = part(
        &[
            "Return-Path: <budi@staff.uns.ac.id>",
            "Received: from mx.uns.ac.id by imap; Mon, 2 Mar 2026 09:15:01 +0700",
            "From: \"Budi Santoso, S.Kom\" <Budi@Staff.UNS.ac.id>",
            "Reply-To: budi.pribadi@gmail.com",
            "To: Helpdesk TIK <helpdesk@uns.ac.id>, kepala@uns.ac.id",
            "Cc: Undisclosed:;, sekretariat@uns.ac.id",
            "Subject: Permohonan akun\r\n  webservice",
            "Date: Mon, 2 Mar 2026 09:15:00 +0700",
            "Message-ID: <surat-1@staff.uns.ac.id>",
            "In-Reply-To: <a@x> <b@y>",
            "References: <r1@x>\r\n <r2@y>",
            "X-Mailer: Thunderbird",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8; format=flowed",
        ],
        "Yth. Kepala UPT TIK,  \r\n\r\nNama\t: Budi\u{00A0}Santoso\r\nNIP\t: 198501012010\r\n\r\n\r\n"
            .as_bytes(),
    );
    let p = parse_ok(&raw);
    assert_eq!(p.message_id.as_deref(), Some("surat-1@staff.uns.ac.id"));
    assert_eq!(p.in_reply_to, ["a@x", "b@y"]);
    assert_eq!(p.references, ["r1@x", "r2@y"]);
    assert_eq!(p.subject, "Permohonan akun webservice");
    assert_eq!(
        p.from,
        Some(addr(Some("Budi Santoso, S.Kom"), "Budi@Staff.UNS.ac.id"))
    );
    assert_eq!(
        p.from.as_ref().map(Address::normalized).as_deref(),
        Some("budi@staff.uns.ac.id")
    );
    assert_eq!(p.reply_to, Some(addr(None, "budi.pribadi@gmail.com")));
    assert_eq!(
        p.to,
        [
            addr(Some("Helpdesk TIK"), "helpdesk@uns.ac.id"),
            addr(None, "kepala@uns.ac.id")
        ]
    );
    assert_eq!(p.cc, [addr(None, "sekretariat@uns.ac.id")]);
    assert_eq!(p.date, Utc.with_ymd_and_hms(2026, 3, 2, 2, 15, 0).single());
    assert_eq!(p.return_path.as_deref(), Some("budi@staff.uns.ac.id"));
    assert_eq!(p.content_type, "text/plain; charset=utf-8; format=flowed");
    assert_eq!(
        p.body,
        "Yth. Kepala UPT TIK,\n\nNama\t: Budi Santoso\nNIP\t: 198501012010"
    );
    assert!(!p.body_from_html);
    assert!(p.attachments.is_empty());
    assert!(p.defects.is_empty(), "{:?}", p.defects);
    let names: Vec<&str> = p.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "return-path",
            "received",
            "from",
            "reply-to",
            "to",
            "cc",
            "subject",
            "date",
            "message-id",
            "in-reply-to",
            "references",
            "x-mailer",
            "mime-version",
            "content-type"
        ]
    );
    assert_eq!(p.header("subject"), Some("Permohonan akun webservice"));
    assert_eq!(p.header("references"), Some("<r1@x> <r2@y>"));
    assert_eq!(p.header("x-mailer"), Some("Thunderbird"));
}

#[test]
fn automatic_mail_headers_are_decoded_text() {
    let raw = simple(
        &[
            "Auto-Submitted: auto-replied",
            "Precedence: bulk",
            "List-Id: Pengumuman UNS <pengumuman.lists.uns.ac.id>",
            "X-Autoreply: yes",
            "X-Auto-Response-Suppress: All",
            "X-Failed-Recipients: salah@uns.ac.id",
            "Thread-Topic: =?UTF-8?Q?Balasan_otomatis=3A_cuti?=",
        ],
        "Saya sedang cuti.",
    );
    let p = parse_ok(&raw);
    assert_eq!(p.header("auto-submitted"), Some("auto-replied"));
    assert_eq!(p.header("precedence"), Some("bulk"));
    assert_eq!(
        p.header("list-id"),
        Some("Pengumuman UNS <pengumuman.lists.uns.ac.id>")
    );
    assert_eq!(p.header("x-autoreply"), Some("yes"));
    assert_eq!(p.header("x-auto-response-suppress"), Some("All"));
    assert_eq!(p.header("x-failed-recipients"), Some("salah@uns.ac.id"));
    assert_eq!(p.header("thread-topic"), Some("Balasan otomatis: cuti"));
}

#[test]
fn encoded_word_subjects() {
    let raw = simple(&[], "isi");
    let raw = String::from_utf8(raw).expect("ascii");
    let utf8 = raw.replace(
        "Subject: Permohonan akun",
        // "Permohonan akun Zoom – Ormawa" in UTF-8, base64.
        "Subject: =?UTF-8?B?UGVybW9ob25hbiBha3VuIFpvb20g4oCTIE9ybWF3YQ==?=",
    );
    assert_eq!(
        parse_ok(utf8.as_bytes()).subject,
        "Permohonan akun Zoom – Ormawa"
    );
    let latin1 = raw.replace(
        "Subject: Permohonan akun",
        "Subject: =?iso-8859-1?Q?Pelatihan_TI_=E0_la_carte?=\r\n =?iso-8859-1?Q?_r=E9sum=E9?=",
    );
    assert_eq!(
        parse_ok(latin1.as_bytes()).subject,
        "Pelatihan TI à la carte résumé"
    );
}

#[test]
fn html_only_mail_becomes_text_with_tab_rows() {
    let html = "<html><head><style>td{border:1px}</style></head><body>\
        <p>Yth. Kepala UPT TIK,</p><p>Mohon dibuatkan akun:</p>\
        <table><tr><td>Nama</td><td>Budi&nbsp;Santoso</td></tr>\
        <tr><td>NIM</td><td>M0520001</td></tr></table>\
        <p>Terima&nbsp;kasih &amp; salam</p></body></html>";
    let raw = simple(
        &[
            "MIME-Version: 1.0",
            "Content-Type: text/html; charset=utf-8",
        ],
        html,
    );
    let p = parse_ok(&raw);
    assert_eq!(
        p.body,
        "Yth. Kepala UPT TIK,\nMohon dibuatkan akun:\nNama\tBudi Santoso\nNIM\tM0520001\nTerima kasih & salam"
    );
    assert!(p.body_from_html);
    assert!(p.attachments.is_empty(), "{:?}", p.attachments);
}

#[test]
fn alternative_prefers_text_unless_empty() {
    let text = part(&["Content-Type: text/plain; charset=utf-8"], b"Versi teks");
    let html = part(
        &["Content-Type: text/html; charset=utf-8"],
        b"<p>Versi <b>HTML</b></p>",
    );
    let raw = multipart("alternative", &ENVELOPE, &[text, html.clone()]);
    let p = parse_ok(&raw);
    assert_eq!((p.body.as_str(), p.body_from_html), ("Versi teks", false));
    assert!(
        p.content_type.starts_with("multipart/alternative"),
        "{}",
        p.content_type
    );
    assert!(p.attachments.is_empty(), "{:?}", p.attachments);

    let empty_text = part(&["Content-Type: text/plain; charset=utf-8"], b" \r\n\r\n");
    let raw = multipart("alternative", &ENVELOPE, &[empty_text, html]);
    let p = parse_ok(&raw);
    assert_eq!((p.body.as_str(), p.body_from_html), ("Versi HTML", true));
}

#[test]
fn transfer_encodings() {
    let qp = simple(
        &[
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ],
        "Nama: Budi =E2=80=93 Fakultas Teknik=\r\nn, lanjut=20\r\nNIP=3A 1985\r\n",
    );
    assert_eq!(
        parse_ok(&qp).body,
        "Nama: Budi – Fakultas Teknikn, lanjut\nNIP: 1985"
    );

    let b64 = simple(
        &[
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ],
        &base64("Permohonan lisensi Office 365\r\nUnit: Biro Umum\r\n".as_bytes()),
    );
    assert_eq!(
        parse_ok(&b64).body,
        "Permohonan lisensi Office 365\nUnit: Biro Umum"
    );
}

#[test]
fn legacy_charsets() {
    let mut raw = simple(
        &[
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=ISO-8859-1",
        ],
        "",
    );
    raw.extend_from_slice(b"Caf\xe9 d\xe9j\xe0 vu\r\n");
    assert_eq!(parse_ok(&raw).body, "Café déjà vu");

    let mut raw = simple(
        &[
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=\"windows-1252\"",
            "Content-Transfer-Encoding: 8bit",
        ],
        "",
    );
    raw.extend_from_slice(b"\x93Surat\x94 \x96 biaya \x80 50\xa0000\r\n");
    assert_eq!(
        parse_ok(&raw).body,
        "\u{201C}Surat\u{201D} \u{2013} biaya € 50 000"
    );
}

#[test]
fn pdf_attachment_text() {
    let pdf = pdf_with_lines(&["SURAT PERMOHONAN", "Nama: Siti Aminah", "NIM: M0520001"]);
    let body = part(&["Content-Type: text/plain"], b"Terlampir surat.");
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            body,
            attachment("application/octet-stream", "surat permohonan.pdf", &pdf),
        ],
    );
    let p = parse_ok(&raw);
    assert_eq!(p.body, "Terlampir surat.");
    assert_eq!(
        p.attachments,
        [Attachment {
            filename: "surat permohonan.pdf".into(),
            content_type: "application/octet-stream".into(),
            size: pdf.len(),
            kind: AttachmentKind::Pdf,
            text: Some("SURAT PERMOHONAN\nNama: Siti Aminah\nNIM: M0520001".into()),
            error: None,
        }]
    );
    assert!(p.defects.is_empty(), "{:?}", p.defects);
}

#[test]
fn broken_pdf_is_an_error_not_a_panic() {
    let mut pdf = pdf_with_lines(&["Nama: Budi"]);
    // Break the xref table and the trailer.
    let len = pdf.len();
    pdf.truncate(len - 60);
    pdf.extend_from_slice(b"garbage");
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            part(&["Content-Type: text/plain"], b"isi"),
            attachment("application/pdf", "rusak.pdf", &pdf),
            attachment("application/pdf", "bukan.pdf", b"<html>not a pdf</html>"),
        ],
    );
    let p = parse_ok(&raw);
    assert_eq!(p.attachments.len(), 2);
    for a in &p.attachments {
        assert_eq!(a.kind, AttachmentKind::Pdf);
        let text = a.text.as_deref().unwrap_or("");
        // A damaged PDF may still be partly readable; if not, it says why.
        assert!(
            a.error
                .as_deref()
                .is_some_and(|e| e.starts_with("pdf unreadable"))
                || text == "Nama: Budi",
            "{a:?}"
        );
    }
    assert_eq!(
        p.attachments[1].error.as_deref(),
        Some("pdf unreadable: no %PDF header")
    );
    assert!(p
        .defects
        .contains(&"attachment \"bukan.pdf\": pdf unreadable: no %PDF header".to_string()));
}

#[test]
fn docx_attachment_paragraphs_and_table() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\
        <w:p><w:r><w:t>Hal: Permohonan Akun Email Institusi</w:t></w:r></w:p>\
        <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Nama</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Dewi Lestari</w:t></w:r></w:p></w:tc></w:tr>\
        <w:tr><w:tc><w:p><w:r><w:t>Unit</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Fakultas</w:t></w:r></w:p><w:p><w:r><w:t>Hukum</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
        <w:p><w:r><w:t>Hormat</w:t><w:tab/><w:t>kami</w:t></w:r></w:p></w:body></w:document>";
    let file = docx(&[("word/document.xml", xml)]);
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            part(&["Content-Type: text/plain"], b"Lihat lampiran."),
            attachment(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "surat.docx",
                &file,
            ),
        ],
    );
    let p = parse_ok(&raw);
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].kind, AttachmentKind::Docx);
    assert_eq!(
        p.attachments[0].text.as_deref(),
        Some("Hal: Permohonan Akun Email Institusi\nNama\tDewi Lestari\nUnit\tFakultas Hukum\nHormat\tkami")
    );
    assert_eq!(p.attachments[0].error, None);
}

#[test]
fn docx_zip_bomb_is_refused() {
    // Just past the real cap: a few hundred KiB on the wire, 64 MiB inflated.
    let bomb = docx_bomb(attachment::DOCX_MAX_XML_BYTES as usize + (1 << 20));
    assert!(bomb.len() < 1 << 20, "the bomb is small: {}", bomb.len());
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            part(&["Content-Type: text/plain"], b"isi"),
            attachment("application/octet-stream", "bom.docx", &bomb),
        ],
    );
    let p = parse_ok(&raw);
    let why = "docx too large: its XML decompresses to more than 67108864 bytes (zip bomb?)";
    assert_eq!(p.attachments[0].kind, AttachmentKind::Docx);
    assert_eq!(p.attachments[0].error.as_deref(), Some(why));
    assert_eq!(p.attachments[0].text, None);
    assert!(
        p.attachments[0].over_limit(),
        "a bomb is answered as over a limit"
    );
    assert_eq!(p.defects, [format!("attachment \"bom.docx\": {why}")]);
}

#[test]
fn forwarded_message_and_its_attachments() {
    let pdf = pdf_with_lines(&["Disposisi: setuju"]);
    let inner = multipart(
        "mixed",
        &[
            "From: Kepala UPT <kepala@uns.ac.id>",
            "To: budi@staff.uns.ac.id",
            "Subject: =?UTF-8?Q?Disposisi_=E2=80=93_akun?=",
            "Date: Sun, 1 Mar 2026 10:00:00 +0700",
        ],
        &[
            part(
                &["Content-Type: text/plain; charset=utf-8"],
                b"Silakan diproses.\r\n",
            ),
            attachment("application/pdf", "disposisi.pdf", &pdf),
        ],
    );
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            part(
                &["Content-Type: text/plain"],
                b"Saya teruskan disposisinya.",
            ),
            part(
                &[
                    "Content-Type: message/rfc822",
                    "Content-Disposition: attachment; filename=\"disposisi.eml\"",
                ],
                &inner,
            ),
        ],
    );
    let p = parse_ok(&raw);
    assert_eq!(p.body, "Saya teruskan disposisinya.");
    let rows: Vec<(&str, &str, AttachmentKind, Option<&str>)> = p
        .attachments
        .iter()
        .map(|a| {
            (
                a.filename.as_str(),
                a.content_type.as_str(),
                a.kind,
                a.text.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "disposisi.eml",
                "message/rfc822",
                AttachmentKind::Text,
                Some("Subject: Disposisi – akun\nFrom: Kepala UPT <kepala@uns.ac.id>\n\nSilakan diproses.")
            ),
            ("disposisi.pdf", "application/pdf", AttachmentKind::Pdf, Some("Disposisi: setuju")),
        ]
    );
    assert!(p.defects.is_empty(), "{:?}", p.defects);

    // The same, one level too deep: the forwarded message is listed, its insides are not.
    let limits = Limits {
        max_mime_depth: 1,
        ..Limits::default()
    };
    let p = parse(&raw, &limits).expect("parses");
    assert_eq!(p.attachments.len(), 1);
    assert!(p.attachments[0].text.is_some());
    assert_eq!(
        p.defects,
        ["attachments of forwarded message nested 2 deep not listed (limits.max-mime-depth 1)"]
    );
}

#[test]
fn too_many_attachments() {
    let mut parts = vec![part(&["Content-Type: text/plain"], b"isi")];
    for i in 1..=4 {
        parts.push(attachment(
            "text/plain",
            &format!("data{i}.txt"),
            format!("baris {i}").as_bytes(),
        ));
    }
    let raw = multipart("mixed", &ENVELOPE, &parts);
    let limits = Limits {
        max_attachments: 2,
        ..Limits::default()
    };
    let p = parse(&raw, &limits).expect("parses");
    let rows: Vec<(&str, Option<&str>, Option<&str>)> = p
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.text.as_deref(), a.error.as_deref()))
        .collect();
    let over = "not read: more than 2 attachments (limits.max-attachments)";
    assert_eq!(
        rows,
        [
            ("data1.txt", Some("baris 1"), None),
            ("data2.txt", Some("baris 2"), None),
            ("data3.txt", None, Some(over)),
            ("data4.txt", None, Some(over)),
        ]
    );
    assert_eq!(
        p.defects,
        [
            format!("attachment \"data3.txt\": {over}"),
            format!("attachment \"data4.txt\": {over}")
        ]
    );
}

#[test]
fn oversize_attachment_and_text_cut() {
    let big = "Nama: Budi\n".repeat(100);
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            part(&["Content-Type: text/plain"], b"isi"),
            attachment("text/plain; charset=utf-8", "besar.txt", big.as_bytes()),
            attachment("text/csv", "kecil.csv", b"nama,nim\r\nBudi,M05\r\n"),
        ],
    );
    let limits = Limits {
        max_attachment_bytes: 500,
        max_attachment_text_chars: 12,
        ..Limits::default()
    };
    let p = parse(&raw, &limits).expect("parses");
    assert_eq!(p.attachments[0].size, 1100);
    assert_eq!(p.attachments[0].text, None);
    let too_big =
        "not read: 1100 bytes is over the limit of 500 bytes (limits.max-attachment-bytes)";
    assert_eq!(p.attachments[0].error.as_deref(), Some(too_big));
    assert_eq!(p.attachments[1].kind, AttachmentKind::Text);
    assert_eq!(p.attachments[1].text.as_deref(), Some("nama,nim\nBud"));
    assert_eq!(
        p.defects,
        [
            format!("attachment \"besar.txt\": {too_big}"),
            "attachment \"kecil.csv\": text cut at 12 characters (limits.max-attachment-text-chars)"
                .to_string()
        ]
    );
}

#[test]
fn inline_images_text_files_and_old_word() {
    let mut latin1 = part(
        &[
            "Content-Type: application/octet-stream; charset=iso-8859-1",
            "Content-Disposition: attachment; filename=\"catatan.txt\"",
        ],
        b"",
    );
    latin1.extend_from_slice(b"Jaringan lambat di ruang r\xe9kt\xf6r");
    let html = part(&["Content-Type: text/html"], b"<p>Halo <b>semua</b></p>");
    let related = multipart(
        "related",
        &[],
        &[
            html,
            part(
                &[
                    "Content-Type: image/png",
                    "Content-ID: <logo@x>",
                    "Content-Transfer-Encoding: base64",
                ],
                base64(b"\x89PNG\r\n\x1a\nfake").as_bytes(),
            ),
        ],
    );
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[
            related,
            latin1,
            attachment("application/msword", "lama.doc", b"\xd0\xcf\x11\xe0"),
        ],
    );
    let p = parse_ok(&raw);
    assert_eq!((p.body.as_str(), p.body_from_html), ("Halo semua", true));
    let rows: Vec<_> = p
        .attachments
        .iter()
        .map(|a| {
            (
                a.filename.as_str(),
                a.content_type.as_str(),
                a.kind,
                a.text.as_deref(),
                a.error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("lampiran-1", "image/png", AttachmentKind::Other, None, None),
            (
                "catatan.txt",
                "application/octet-stream",
                AttachmentKind::Text,
                Some("Jaringan lambat di ruang réktör"),
                None
            ),
            (
                "lama.doc",
                "application/msword",
                AttachmentKind::Other,
                None,
                Some("not read: Word 97-2003 .doc files are not supported (hint: send .docx or .pdf)")
            ),
        ]
    );
}

#[test]
fn bounce_with_null_return_path() {
    let status = part(
        &["Content-Type: message/delivery-status"],
        b"Reporting-MTA: dns; mx.uns.ac.id\r\n\r\nFinal-Recipient: rfc822; salah@uns.ac.id\r\nAction: failed\r\nStatus: 5.1.1\r\n",
    );
    let human = part(&["Content-Type: text/plain"], b"Pesan tidak terkirim.");
    let original = part(
        &["Content-Type: text/rfc822-headers"],
        b"From: helpdesk@uns.ac.id\r\nSubject: [TIK-2026-000123] Akun dibuat\r\n",
    );
    let mut raw = multipart(
        "report",
        &[
            "Return-Path: <>",
            "From: Mail Delivery System <MAILER-DAEMON@mx.uns.ac.id>",
            "To: helpdesk@uns.ac.id",
            "Subject: Undelivered Mail Returned to Sender",
            "Auto-Submitted: auto-replied",
        ],
        &[human, status, original],
    );
    // multipart() gives no report-type: add it to the Content-Type line.
    let text = String::from_utf8(raw.clone()).expect("ascii");
    raw = text
        .replace(
            "multipart/report;",
            "multipart/report; report-type=delivery-status;",
        )
        .into_bytes();
    let p = parse_ok(&raw);
    assert_eq!(p.return_path.as_deref(), Some(""));
    assert_eq!(
        p.content_type,
        "multipart/report; report-type=delivery-status"
    );
    assert_eq!(p.body, "Pesan tidak terkirim.");
    assert_eq!(p.header("auto-submitted"), Some("auto-replied"));
    let kinds: Vec<(&str, AttachmentKind)> = p
        .attachments
        .iter()
        .map(|a| (a.content_type.as_str(), a.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("message/delivery-status", AttachmentKind::Text),
            ("text/rfc822-headers", AttachmentKind::Text)
        ]
    );
    assert_eq!(
        p.attachments[0].text.as_deref(),
        Some("Reporting-MTA: dns; mx.uns.ac.id\n\nFinal-Recipient: rfc822; salah@uns.ac.id\nAction: failed\nStatus: 5.1.1")
    );
    assert_eq!(p.message_id, None);
    assert_eq!(p.date, None);
}

#[test]
fn not_messages_and_limits() {
    let limits = Limits::default();
    assert_eq!(parse(b"", &limits), Err(ParseError::Empty));
    assert_eq!(parse(b" \r\n\t", &limits), Err(ParseError::Empty));
    assert!(matches!(
        parse(b"\x00\x01\x02 binary junk without any colon", &limits),
        Err(ParseError::NotAMessage(_))
    ));
    assert!(matches!(
        parse(b"\r\n\r\nonly a body, no header at all", &limits),
        Err(ParseError::NotAMessage(_))
    ));
    assert!(matches!(
        parse(b"mal formed: name\r\nanother line\r\n\r\nbody", &limits),
        Err(ParseError::NotAMessage(_))
    ));
    let small = Limits {
        max_message_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"Subject: too long for the limit", &small),
        Err(ParseError::TooLarge {
            size: 31,
            limit: 10
        })
    );
}

#[test]
fn garbage_with_some_headers_still_parses() {
    let raw = b"Subject: tolong\r\nthis line is no header\r\nX-Junk: \xff\xfe\r\nbad name: x\r\nDate: kemarin sore\r\n\r\nisi \x00surat";
    let p = parse_ok(raw);
    assert_eq!(p.subject, "tolong");
    assert_eq!(p.body, "isi surat");
    assert_eq!(p.from, None);
    assert_eq!(p.date, None);
    assert_eq!(p.content_type, "text/plain");
    assert!(
        p.defects.contains(&"no From address".to_string()),
        "{:?}",
        p.defects
    );
    assert!(
        p.defects
            .contains(&"date header unreadable: \"kemarin sore\"".to_string()),
        "{:?}",
        p.defects
    );
    assert!(
        p.defects
            .contains(&"header \"x-junk\" has bytes that are not UTF-8".to_string()),
        "{:?}",
        p.defects
    );
    assert!(
        p.defects
            .contains(&"unreadable header line skipped: \"bad name: x\"".to_string()),
        "{:?}",
        p.defects
    );
    let names: Vec<&str> = p.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["subject", "x-junk", "date"]);
}

/// A valid multipart letter with every kind of part, the seed of the mutation test.
fn rich_message() -> Vec<u8> {
    let pdf = pdf_with_lines(&["Nama: Budi"]);
    let file = docx(&[(
        "word/document.xml",
        "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Isi</w:t></w:r></w:p></w:body></w:document>",
    )]);
    let alt = multipart(
        "alternative",
        &[],
        &[
            part(
                &[
                    "Content-Type: text/plain; charset=iso-8859-1",
                    "Content-Transfer-Encoding: quoted-printable",
                ],
                b"Caf=E9 =\r\nlanjut",
            ),
            part(
                &["Content-Type: text/html"],
                b"<table><tr><td>a</td><td>b</td></tr></table>",
            ),
        ],
    );
    let inner = part(&["From: a@b", "Subject: =?utf-8?B?w6k=?="], b"dalam");
    multipart(
        "mixed",
        &ENVELOPE,
        &[
            alt,
            attachment("application/pdf", "a.pdf", &pdf),
            attachment("application/octet-stream", "b.docx", &file),
            part(&["Content-Type: message/rfc822"], &inner),
        ],
    )
}

#[test]
fn rich_message_parses_cleanly() {
    let p = parse_ok(&rich_message());
    assert_eq!(p.body, "Café lanjut");
    let texts: Vec<Option<&str>> = p.attachments.iter().map(|a| a.text.as_deref()).collect();
    assert_eq!(
        texts,
        [
            Some("Nama: Budi"),
            Some("Isi"),
            Some("Subject: é\nFrom: a@b\n\ndalam")
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&raw, &Limits::default());
    }

    #[test]
    fn never_panics_on_header_like_text(raw in "([A-Za-z-]{1,12}: [ -~]{0,40}\r?\n){0,8}(\r?\n)?[ -~\r\n]{0,200}") {
        let _ = parse(raw.as_bytes(), &Limits::default());
    }

    #[test]
    fn never_panics_on_mutations_of_a_valid_message(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..24)
    ) {
        let mut raw = rich_message();
        for (at, byte, op) in edits {
            if raw.is_empty() {
                break;
            }
            let i = at.index(raw.len());
            match op {
                0 => raw[i] = byte,
                1 => raw.insert(i, byte),
                2 => { raw.remove(i); }
                _ => raw.truncate(i),
            }
        }
        let limits = Limits { max_attachments: 3, max_mime_depth: 3, ..Limits::default() };
        let _ = parse(&raw, &limits);
    }
}

#[test]
fn deeply_nested_forwards_neither_overflow_nor_go_unlisted() {
    // 200 000 message/rfc822 parts, each inside the one before: 6 MB that would overflow the
    // stack when mail-parser's tree is dropped the ordinary way.
    let mut raw = b"From: a@b\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\n".to_vec();
    for _ in 0..200_000 {
        raw.extend_from_slice(b"Subject: f\r\nContent-Type: message/rfc822\r\n\r\n");
    }
    raw.extend_from_slice(b"Subject: inner\r\n\r\nbody\r\n");
    let limits = Limits {
        max_mime_depth: 5,
        ..Limits::default()
    };
    let p = parse(&raw, &limits).expect("parses");
    assert_eq!(p.attachments.len(), 6);
    assert!(p
        .attachments
        .iter()
        .all(|a| a.text.as_deref() == Some("Subject: f\nFrom:")));
    assert_eq!(
        p.defects.last().map(String::as_str),
        Some("attachments of forwarded message nested 6 deep not listed (limits.max-mime-depth 5)")
    );
}

#[test]
fn broken_transfer_encoding_is_a_defect() {
    let bad = part(
        &[
            "Content-Type: application/pdf; name=\"x.pdf\"",
            "Content-Disposition: attachment; filename=\"x.pdf\"",
            "Content-Transfer-Encoding: base64",
        ],
        b"!!!! this is not base64 @@@@\r\n",
    );
    let raw = multipart(
        "mixed",
        &ENVELOPE,
        &[part(&["Content-Type: text/plain"], b"isi"), bad],
    );
    let p = parse_ok(&raw);
    assert_eq!(p.body, "isi");
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(
        p.defects,
        [
            "mime part 2 at depth 1: broken encoding, read as raw text",
            "attachment \"x.pdf\": pdf unreadable: no %PDF header"
        ]
    );
    // A message of headers only has no body, and nothing broken.
    let p = parse_ok(b"From: a@b\r\nSubject: hanya header\r\n");
    assert_eq!(p.body, "");
    assert!(p.defects.is_empty(), "{:?}", p.defects);
}
