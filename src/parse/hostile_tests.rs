//! Hostile messages, built here (large ones are never committed): deep MIME nesting,
//! thousands of parts, invalid UTF-8 in every place, and the header-only reading of a
//! message over the size limit. The zip bomb is in tests.rs (`docx_zip_bomb_is_refused`),
//! the deep message/rfc822 chain too (`deeply_nested_forwards_neither_overflow_nor_go_unlisted`).

use super::fixtures::{attachment, multipart, part, ENVELOPE};
use super::*;

/// `levels` multiparts, each the only part of the one before, a text part at the bottom.
fn nested_multipart(levels: usize) -> Vec<u8> {
    let mut raw = ENVELOPE.join("\r\n").into_bytes();
    raw.extend_from_slice(b"\r\nMIME-Version: 1.0\r\n");
    for i in 0..levels {
        raw.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
                .as_bytes(),
        );
    }
    raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\nNama: Budi\r\n");
    for i in (0..levels).rev() {
        raw.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    raw
}

#[test]
fn a_thousand_nested_multiparts_parse_without_overflow() {
    let raw = nested_multipart(1000);
    let p = parse(&raw, &Limits::default()).expect("parses");
    assert_eq!(
        p.from.as_ref().map(|a| a.email.as_str()),
        Some("budi@staff.uns.ac.id")
    );
    // Whatever mail-parser makes of the bottom (it has its own nesting cap), nothing is
    // extracted below the configured depth and nothing crashed.
    assert!(p
        .attachments
        .iter()
        .all(|a| a.text.is_none() || a.error.is_none()));
    // And a hundred thousand levels (a megabyte of headers): still no stack overflow.
    let raw = nested_multipart(100_000);
    assert!(parse(&raw, &Limits::default()).is_ok());
}

#[test]
fn five_thousand_parts_are_listed_but_only_the_limit_is_read() {
    let mut parts = vec![part(&["Content-Type: text/plain"], b"isi surat")];
    for i in 0..5000 {
        parts.push(attachment(
            "text/plain",
            &format!("f{i}.txt"),
            b"Nama: Budi",
        ));
    }
    let raw = multipart("mixed", &ENVELOPE, &parts);
    let limits = Limits::default();
    let p = parse(&raw, &limits).expect("parses");
    assert_eq!(p.body, "isi surat");
    assert_eq!(p.attachments.len(), 5000);
    let read = p.attachments.iter().filter(|a| a.text.is_some()).count();
    assert_eq!(read, limits.max_attachments);
    let refused = p.attachments.iter().filter(|a| a.over_limit()).count();
    assert_eq!(refused, 5000 - limits.max_attachments);
    assert!(p.attachments[limits.max_attachments]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("(limits.max-attachments)")));
}

#[test]
fn invalid_utf8_everywhere_is_replaced_not_fatal() {
    let raw = [
        &b"From: Bu\xffdi \xfe\xfe <budi@staff.uns.ac.id>\r\n"[..],
        b"To: helpdesk@uns.ac.id\r\n",
        b"Subject: Permohonan \xc3\x28 akun \xff\r\n",
        b"X-Aneh: \x80\x81\x82\r\n",
        b"MIME-Version: 1.0\r\n",
        b"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n",
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        b"Nama: Bu\xffdi\r\nNIP: 1985\xc0\xaf0101\r\n",
        b"--x\r\nContent-Type: text/plain; name=\"lam\xffpiran.txt\"\r\n",
        b"Content-Disposition: attachment; filename=\"lam\xffpiran.txt\"\r\n\r\n",
        b"isi \xed\xa0\x80 lampiran\r\n",
        b"--x--\r\n",
    ]
    .concat();
    let p = parse(&raw, &Limits::default()).expect("parses");
    assert_eq!(
        p.from.as_ref().map(|a| a.email.as_str()),
        Some("budi@staff.uns.ac.id")
    );
    assert!(
        p.subject.contains("Permohonan") && p.subject.contains("akun"),
        "{}",
        p.subject
    );
    assert!(
        p.body.contains("Nama: Bu") && p.body.contains("NIP: 1985"),
        "{}",
        p.body
    );
    assert_eq!(p.attachments.len(), 1);
    let a = &p.attachments[0];
    assert!(
        a.filename.starts_with("lam") && a.filename.ends_with("piran.txt"),
        "{}",
        a.filename
    );
    assert!(a.text.as_deref().is_some_and(|t| t.contains("lampiran")));
    // No control character survives into a single-line field.
    for s in [&p.subject, &a.filename] {
        assert!(!s.chars().any(char::is_control), "{s:?}");
    }
}

#[test]
fn the_head_of_a_message_too_large_to_parse_is_read() {
    let mut raw = [
        "From: Budi Santoso <budi@staff.uns.ac.id>",
        "Reply-To: budi.s@staff.uns.ac.id",
        "Subject: =?utf-8?q?Permohonan_akun_=E2=80=93_besar?=",
        "Message-ID: <besar-1@staff.uns.ac.id>",
        "Content-Type: multipart/mixed; boundary=\"x\"",
        "",
        "--x",
        "",
    ]
    .join("\r\n")
    .into_bytes();
    raw.extend(std::iter::repeat_n(b'A', 3 << 20));
    let limits = Limits {
        max_message_bytes: 1 << 20,
        ..Limits::default()
    };
    assert!(matches!(
        parse(&raw, &limits),
        Err(ParseError::TooLarge { .. })
    ));
    let head = parse_head(&raw).expect("the header block reads");
    assert_eq!(head.subject, "Permohonan akun – besar");
    assert_eq!(
        head.reply_to.map(|a| a.email).as_deref(),
        Some("budi.s@staff.uns.ac.id")
    );
    assert_eq!(head.message_id.as_deref(), Some("besar-1@staff.uns.ac.id"));
    assert!(head.body.is_empty() && head.attachments.is_empty());

    // A header block that never ends (megabytes of one header) is cut, not read whole.
    let mut endless = b"From: a@b.id\nSubject: x\nX-Long: ".to_vec();
    endless.extend(std::iter::repeat_n(b'y', 4 << 20));
    let head = parse_head(&endless).expect("reads");
    assert_eq!(head.from.map(|a| a.email).as_deref(), Some("a@b.id"));
    assert!(parse_head(b"\xff\xfe\x00garbage").is_none());
    assert!(parse_head(b"").is_none());
}
