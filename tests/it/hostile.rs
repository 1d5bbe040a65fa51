//! Hostile letters through the real binary, built here (nothing large is committed): over the
//! size limits (a triage ticket and a polite answer, never one to automatic mail), a PDF that
//! takes too long to read (its child process is killed at `max-attachment-seconds`), invalid
//! UTF-8, and header injection through every field that reaches an outgoing email.

use std::time::{Duration, Instant};

use mail_parser::MessageParser;

use super::support::Env;

/// Sets `key = value` under [limits] in the scratch daemon.toml.
fn set_limit(env: &Env, key: &str, value: u64) {
    let cfg = std::fs::read_to_string(env.config()).expect("config");
    let at = cfg
        .lines()
        .find(|l| l.starts_with(&format!("{key} =")))
        .unwrap_or_else(|| panic!("no {key} in daemon.toml"))
        .to_string();
    let cfg = cfg.replace(&at, &format!("{key} = {value}"));
    std::fs::write(env.config(), cfg).expect("write config");
}

/// A letter: header lines, a text body, and optionally one base64 attachment.
pub(super) fn letter(headers: &[&str], body: &str, file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut raw = headers.join("\r\n").into_bytes();
    raw.extend_from_slice(
        b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    raw.extend_from_slice(b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    raw.extend_from_slice(body.as_bytes());
    if let Some((ct, name, data)) = file {
        raw.extend_from_slice(
            format!(
                "\r\n--b\r\nContent-Type: {ct}; name=\"{name}\"\r\nContent-Disposition: attachment; \
                 filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            )
            .as_bytes(),
        );
        raw.extend_from_slice(&base64(data));
    }
    raw.extend_from_slice(b"\r\n--b--\r\n");
    raw
}

fn base64(data: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 57 * 2 + 8);
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.extend_from_slice(b"\r\n");
        }
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k)) as usize & 63]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

pub(super) const BUDI: [&str; 5] = [
    "From: Budi Santoso <budi.santoso@unsyiah.ac.id>",
    "To: Helpdesk TIK <helpdesk@kampus.ac.id>",
    "Subject: Permohonan akun webservice",
    "Message-ID: <besar-1@unsyiah.ac.id>",
    "Date: Mon, 02 Mar 2026 09:00:00 +0700",
];

/// The outbox's emails, parsed: (To address, Subject, body text).
fn answers(env: &Env) -> Vec<(String, String, String)> {
    env.outbox()
        .iter()
        .map(|(_, raw)| {
            let m = MessageParser::default().parse(raw).expect("an email");
            let to = m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or("")
                .to_string();
            let subject = m.subject().unwrap_or("").to_string();
            let body = m.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
            (to, subject, body)
        })
        .collect()
}

fn tickets(env: &Env) -> Vec<serde_json::Value> {
    let out = env.suratd(&["tickets", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str::<serde_json::Value>(&out.stdout)
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_letter_over_the_size_limit_is_triaged_and_answered_politely() {
    let env = Env::new();
    set_limit(&env, "max-message-bytes", 200_000);
    let big = vec![b'%'; 300_000];
    env.deliver(
        "besar.eml",
        &letter(
            &BUDI,
            "Nama : Budi\r\n",
            Some(("application/pdf", "scan.pdf", &big)),
        ),
    );
    // The same size from a mailer daemon: triaged too, but never answered.
    let mut bounce = BUDI.to_vec();
    bounce[0] = "From: Mail Delivery System <MAILER-DAEMON@unsyiah.ac.id>";
    bounce[3] = "Message-ID: <besar-2@unsyiah.ac.id>";
    bounce.push("Auto-Submitted: auto-replied");
    env.deliver(
        "besar-otomatis.eml",
        &letter(
            &bounce,
            "x\r\n",
            Some(("application/pdf", "scan.pdf", &big)),
        ),
    );
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let t = tickets(&env);
    assert_eq!(t.len(), 2, "{t:?}");
    assert!(t.iter().all(|t| t["kind"] == "triage"), "{t:?}");
    let a = answers(&env);
    assert_eq!(a.len(), 1, "{a:?}");
    let (to, subject, body) = &a[0];
    assert_eq!(to, "budi.santoso@unsyiah.ac.id");
    assert!(subject.contains("Permohonan akun webservice"), "{subject}");
    assert!(body.contains("melebihi batas 0.2 MB"), "{body}");
    assert!(
        body.contains("Budi Santoso") && body.contains("tiket TIK-"),
        "{body}"
    );
}

#[test]
fn an_unread_attachment_of_an_unclaimed_letter_is_answered() {
    let env = Env::new();
    set_limit(&env, "max-attachment-bytes", 10_000);
    let mut headers = BUDI.to_vec();
    headers[2] = "Subject: Surat terlampir";
    env.deliver(
        "lampiran.eml",
        &letter(
            &headers,
            "Terlampir.\r\n",
            Some(("application/pdf", "surat.pdf", &[b'%'; 50_000])),
        ),
    );
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let a = answers(&env);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0].2
            .contains("lampiran \"surat.pdf\" tidak dapat kami baca"),
        "{}",
        a[0].2
    );
}

/// A PDF whose content stream is `ops` text-drawing operations: megabytes of them take
/// pdf-extract many seconds. Its font names a glyph the fast reader does not know, so the
/// fast reader hands it to pdf-extract (which reads it, slowly): what is slow stays slow
/// whatever the build.
pub(super) fn slow_pdf(ops: usize) -> Vec<u8> {
    let mut content = Vec::with_capacity(ops * 40);
    for i in 0..ops {
        content.extend_from_slice(
            format!("BT /F1 9 Tf {} {} Td (Nama Budi) Tj ET\n", i % 500, i % 700).as_bytes(),
        );
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica \
         /Encoding << /Type /Encoding /Differences [66 /suratdUnknownGlyph] >> >>"
            .to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}", i + 1).as_bytes());
        if i == 3 {
            pdf.extend_from_slice(&content);
            pdf.extend_from_slice(b"\nendstream");
        }
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
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

#[test]
fn a_pdf_that_reads_forever_is_stopped_at_the_time_limit() {
    let env = Env::new();
    set_limit(&env, "max-attachment-seconds", 1);
    let pdf = slow_pdf(400_000);
    let file = env.path().join("lambat.eml");
    std::fs::write(
        &file,
        letter(
            &BUDI,
            "Nama : Budi\r\n",
            Some(("application/pdf", "lambat.pdf", &pdf)),
        ),
    )
    .expect("write");
    let started = Instant::now();
    let out = env.suratd(&["try", "--json", file.to_str().expect("path")]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let error = v["message"]["attachments"][0]["error"]
        .as_str()
        .unwrap_or("");
    assert_eq!(
        error, "not read: reading took longer than 1 s (limits.max-attachment-seconds)",
        "{v}"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    // The same PDF, small, reads: the limit is what stopped it, not the file.
    std::fs::write(
        &file,
        letter(
            &BUDI,
            "x\r\n",
            Some(("application/pdf", "cepat.pdf", &slow_pdf(3))),
        ),
    )
    .expect("write");
    let out = env.suratd(&["try", "--json", file.to_str().expect("path")]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert!(v["message"]["attachments"][0]["error"].is_null(), "{v}");
    assert!(
        v["message"]["attachments"][0]["text_chars"].as_u64() > Some(0),
        "{v}"
    );
}

#[test]
fn invalid_utf8_in_every_field_reaches_a_ticket_and_an_answer() {
    let env = Env::new();
    let raw = [
        &b"From: Bu\xffdi \xc3\x28Santoso <budi.santoso@unsyiah.ac.id>\r\n"[..],
        b"To: Helpdesk TIK <helpdesk@kampus.ac.id>\r\n",
        b"Subject: Permohonan akun webservice \xfe\xff\r\n",
        b"Message-ID: <utf8-1@unsyiah.ac.id>\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
        b"Dengan hormat, mohon akun webservice.\r\n",
        b"Nama : Bu\xffdi Santoso\r\nNIP : 19750819 199903 1 001\r\n",
        b"Email : budi.santoso@unsyiah.ac.id\r\nJenis data : data \xc0\xaf mahasiswa\r\n",
        b"Unit kerja : Fakultas \xed\xa0\x80 Teknik\r\n",
    ]
    .concat();
    env.deliver("utf8.eml", &raw);
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let t = tickets(&env);
    assert_eq!(t.len(), 1, "{t:?}");
    let a = answers(&env);
    assert!(!a.is_empty());
    assert!(
        a.iter()
            .all(|(to, _, _)| to == "budi.santoso@unsyiah.ac.id"),
        "{a:?}"
    );
}

#[test]
fn no_header_can_be_injected_through_a_letter() {
    let env = Env::new();
    // CR/LF smuggled in through encoded words (the only way a decoded header can hold them)
    // in the name, the subject and the Reply-To name, and a raw CR in the body fields that
    // rules extract and templates print.
    let evil = "\r\nBcc: curi@jahat.example\r\nX-Injected: yes\r\n";
    let enc = |s: &str| {
        format!(
            "=?utf-8?b?{}?=",
            String::from_utf8(base64(s.as_bytes())).expect("ascii")
        )
    };
    let from = format!(
        "From: {} <budi.santoso@unsyiah.ac.id>",
        enc(&format!("Budi{evil}"))
    );
    let subject = format!(
        "Subject: {}",
        enc(&format!("Permohonan akun webservice{evil}"))
    );
    let reply_to = format!(
        "Reply-To: {} <budi.santoso@unsyiah.ac.id>",
        enc(&format!("B{evil}"))
    );
    let body = "Dengan hormat, mohon akun webservice.\r\nNama : Budi\rBcc: curi@jahat.example\r\n\
                NIP : 19750819 199903 1 001\r\nEmail : budi.santoso@unsyiah.ac.id\r\n\
                Jenis data : data\rX-Injected: yes\r\nUnit kerja : Fakultas Teknik\r\n";
    let headers = [
        from.as_str(),
        "To: Helpdesk TIK <helpdesk@kampus.ac.id>",
        subject.as_str(),
        reply_to.as_str(),
        "Message-ID: <inject-1@unsyiah.ac.id>",
    ];
    env.deliver("inject.eml", &letter(&headers, body, None));
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let outbox = env.outbox();
    assert!(!outbox.is_empty(), "no answer at all");
    for (name, raw) in &outbox {
        let m = MessageParser::default().parse(raw).expect("an email");
        let names: Vec<String> = m
            .headers()
            .iter()
            .map(|h| h.name().to_ascii_lowercase())
            .collect();
        for bad in ["bcc", "x-injected"] {
            assert!(
                !names.iter().any(|n| n == bad),
                "{name}: {bad} injected:\n{}",
                String::from_utf8_lossy(raw)
            );
        }
        let to: Vec<&str> = m
            .to()
            .map(|a| a.iter().filter_map(|a| a.address()).collect())
            .unwrap_or_default();
        assert_eq!(to, ["budi.santoso@unsyiah.ac.id"], "{name}");
        assert!(m.cc().is_none(), "{name}");
        // Every line of the header block is a header or a folded continuation.
        let text = String::from_utf8_lossy(raw);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        for line in head.split("\r\n") {
            assert!(
                line.starts_with([' ', '\t'])
                    || line
                        .split_once(':')
                        .is_some_and(|(n, _)| !n.is_empty() && !n.contains(' ')),
                "{name}: stray header line {line:?}"
            );
            assert!(
                !line.contains('\r') && !line.contains('\n'),
                "{name}: bare CR/LF in {line:?}"
            );
        }
    }
}
