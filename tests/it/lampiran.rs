//! The requester's files go with the disposition to the leader and with the task to staff,
//! re-read from the stored letter (and the replies that completed it) and attached byte for
//! byte; past `[limits] forward-attachments-bytes` they are listed by name and size instead,
//! and the email says the helpdesk keeps them.

use super::disposition::{message_id, run, state, token_of, WEBSERVICE};
use super::support::{repo, Env};

const PDF: &str = "tests/data/attachments/cbt-pmat-proposal.pdf";
const DOCX: &str = "tests/data/attachments/diklat-lppm-ojs.docx";
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn b64_lines(bytes: &[u8]) -> String {
    let mut s = String::from_utf8(suratd::approval::redact::base64_lines(bytes)).expect("ascii");
    s.push_str("\r\n");
    s
}

/// The webservice letter with a PDF and a DOCX attached, as a mail client sends it.
fn letter(pdf: &[u8], docx: &[u8]) -> String {
    let (head, body) = WEBSERVICE.split_once("\r\n\r\n").expect("letter");
    let head = head.replace(
        "Content-Type: text/plain; charset=utf-8",
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"lampiran\"",
    );
    format!(
        "{head}\r\n\r\n--lampiran\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\
         --lampiran\r\nContent-Type: application/pdf; name=\"Surat Permohonan.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Surat Permohonan.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\
         --lampiran\r\nContent-Type: {DOCX_TYPE}; name=\"Formulir.docx\"\r\n\
         Content-Disposition: attachment; filename=\"Formulir.docx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--lampiran--\r\n",
        b64_lines(pdf),
        b64_lines(docx)
    )
}

/// The outbox email whose file name contains `part`, raw.
fn raw_email(env: &Env, part: &str) -> Vec<u8> {
    let mut v: Vec<Vec<u8>> = env
        .outbox()
        .into_iter()
        .filter(|(n, _)| n.contains(part))
        .map(|(_, r)| r)
        .collect();
    assert_eq!(v.len(), 1, "{part}");
    v.remove(0)
}

/// (file name, content type, decoded bytes) of each attachment, and the text part.
fn files(raw: &[u8]) -> (Vec<(String, String, Vec<u8>)>, String) {
    use mail_parser::MimeHeaders;
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("parses");
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let files = msg
        .attachments()
        .map(|a| {
            let ct = a
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                .unwrap_or_default();
            (
                a.attachment_name().unwrap_or_default().to_string(),
                ct,
                a.contents().to_vec(),
            )
        })
        .collect();
    (files, text)
}

/// The leader approves `d` (a disposition in the outbox) by reply.
pub(super) fn approve(env: &Env, d: &str) {
    let token = token_of(d);
    let reply = format!(
        "From: Kepala UPT TIK <kepala.tik@kampus.ac.id>\r\nTo: helpdesk+{token}@kampus.ac.id\r\n\
         Subject: Re: disposisi\r\nMessage-ID: <setuju-1@kampus.ac.id>\r\n\
         In-Reply-To: <{}>\r\nAuthentication-Results: mx.kampus.ac.id; dkim=pass header.d=kampus.ac.id\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nSETUJU\r\n",
        message_id(d)
    );
    env.deliver("2", reply.as_bytes());
    run(env);
    assert_eq!(state(env), "in_progress");
}

/// [`approve`], with a DOCX of the leader's own attached to the reply.
fn approve_with_file(env: &Env, d: &str, docx: &[u8]) {
    let token = token_of(d);
    let reply = format!(
        "From: Kepala UPT TIK <kepala.tik@kampus.ac.id>\r\nTo: helpdesk+{token}@kampus.ac.id\r\n\
         Subject: Re: disposisi\r\nMessage-ID: <setuju-2@kampus.ac.id>\r\n\
         In-Reply-To: <{}>\r\nAuthentication-Results: mx.kampus.ac.id; dkim=pass header.d=kampus.ac.id\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSETUJU\r\n\
         --b\r\nContent-Type: {DOCX_TYPE}; name=\"Catatan Pimpinan.docx\"\r\n\
         Content-Disposition: attachment; filename=\"Catatan Pimpinan.docx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
        message_id(d),
        b64_lines(docx)
    );
    env.deliver("approval", reply.as_bytes());
    run(env);
    assert_eq!(state(env), "in_progress");
}

#[test]
fn disposition_and_task_carry_the_letters_pdf_and_docx_byte_exact() {
    let pdf = std::fs::read(repo().join(PDF)).expect("pdf");
    let docx = std::fs::read(repo().join(DOCX)).expect("docx");
    let env = Env::new();
    env.deliver("1", letter(&pdf, &docx).as_bytes());
    run(&env);
    assert_eq!(state(&env), "awaiting_approval");
    let d = raw_email(&env, ".disposisi-");
    let d_text = String::from_utf8_lossy(&d).replace("\r\n ", " ");
    for raw in [d.clone(), {
        approve(&env, &d_text);
        raw_email(&env, ".pembuatan-akun-")
    }] {
        let (got, text) = files(&raw);
        assert_eq!(
            got,
            vec![
                (
                    "Surat Permohonan.pdf".to_string(),
                    "application/pdf".to_string(),
                    pdf.clone()
                ),
                (
                    "Formulir.docx".to_string(),
                    DOCX_TYPE.to_string(),
                    docx.clone()
                ),
            ]
        );
        assert!(text.contains("Lampiran surat pemohon:"), "{text}");
        assert!(text.contains("- Surat Permohonan.pdf ("), "{text}");
        assert!(!text.contains("tidak dilampirkan"), "{text}");
    }
    // The requester's acknowledgement carries nothing back.
    let ack = env
        .outbox()
        .into_iter()
        .find(|(n, _)| n.contains(".ack"))
        .expect("ack");
    assert!(files(&ack.1).0.is_empty());
}

#[test]
fn files_over_the_cap_are_listed_and_kept_by_the_helpdesk() {
    let pdf = std::fs::read(repo().join(PDF)).expect("pdf");
    let docx = std::fs::read(repo().join(DOCX)).expect("docx");
    let env = Env::new();
    let config = std::fs::read_to_string(env.config()).expect("config");
    let cap = format!("forward-attachments-bytes = {}", pdf.len());
    assert!(config.contains("forward-attachments-bytes = 10485760"));
    std::fs::write(
        env.config(),
        config.replace("forward-attachments-bytes = 10485760", &cap),
    )
    .expect("config");
    env.deliver("1", letter(&pdf, &docx).as_bytes());
    run(&env);
    let (got, text) = files(&raw_email(&env, ".disposisi-"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2, pdf);
    assert!(
        text.contains("- Formulir.docx (") && text.contains("): tidak dilampirkan"),
        "{text}"
    );
    assert!(text.contains("tersimpan pada surat"), "{text}");
}

/// The scenario letter lacks data and waits; a reply in its thread from `from` gives the phone
/// number and brings the signed letter as a PDF. The ticket then waits for approval. Returns
/// the PDF's (name, type, bytes) and the disposition as sent.
fn completed_by_a_reply_from(env: &Env, from: &str) -> ((String, String, Vec<u8>), Vec<u8>) {
    let pdf = std::fs::read(repo().join(PDF)).expect("pdf");
    // The scenario letter has no phone number: the ticket waits for it.
    env.deliver("1", super::scenario::LETTER.as_bytes());
    run(env);
    assert_eq!(state(env), "awaiting_requester");
    let reply = format!(
        "From: {from}\r\nTo: helpdesk@kampus.ac.id\r\n\
         Subject: Re: Tanda terima\r\nMessage-ID: <ws-2@unsyiah.ac.id>\r\n\
         In-Reply-To: <TIK-2026-000001.ack@kampus.ac.id>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         No HP saya 0812-3456-7890. Surat bertanda tangan terlampir.\r\n\
         --b\r\nContent-Type: application/pdf; name=\"Surat Bertanda Tangan.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Surat Bertanda Tangan.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
        b64_lines(&pdf)
    );
    env.deliver("2", reply.as_bytes());
    run(env);
    assert_eq!(state(env), "awaiting_approval");
    let signed = (
        "Surat Bertanda Tangan.pdf".to_string(),
        "application/pdf".to_string(),
        pdf,
    );
    (signed, raw_email(env, ".disposisi-"))
}

/// A letter that lacks data waits for the requester; their reply completes it and brings the
/// signed letter as a PDF: the disposition carries that file with the letter's (none here),
/// and the leader's approval, which carries a file of its own, adds nothing to the task.
#[test]
fn files_of_the_requesters_reply_go_with_the_disposition() {
    let docx = std::fs::read(repo().join(DOCX)).expect("docx");
    let env = Env::new();
    let (signed, d) = completed_by_a_reply_from(&env, "Budi Santoso <budi.santoso@unsyiah.ac.id>");
    let (got, text) = files(&d);
    assert_eq!(got, vec![signed.clone()]);
    assert!(text.contains("- Surat Bertanda Tangan.pdf ("), "{text}");
    // The leader approves with a file attached: the task carries the requester's file only.
    let d_text = String::from_utf8_lossy(&d).replace("\r\n ", " ");
    approve_with_file(&env, &d_text, &docx);
    let (got, _) = files(&raw_email(&env, ".pembuatan-akun-"));
    assert_eq!(got, vec![signed]);
}

/// A colleague of the requester's unit (no [[person]] of daemon.toml, not the helpdesk) who
/// answers in the thread is the requester's side: the signed letter they send goes to the
/// leader with the disposition, as the requester's own would.
#[test]
fn files_of_a_colleagues_reply_in_the_thread_go_with_the_disposition() {
    let env = Env::new();
    let (signed, d) =
        completed_by_a_reply_from(&env, "Sekretaris Prodi <sekretaris.prodi@unsyiah.ac.id>");
    let (got, text) = files(&d);
    assert_eq!(got, vec![signed]);
    assert!(text.contains("- Surat Bertanda Tangan.pdf ("), "{text}");
}
