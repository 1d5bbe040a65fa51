//! Mail loops. suratd never answers automatic mail, and `[answers] per-sender-per-hour`
//! caps the answers to one sender, so an exchange with an auto-responder stops:
//!
//! - over Maildir (no servers): many letters from one sender, answers capped, the rest
//!   recorded as `email_suppressed`;
//! - over the real stack: an auto-responder mailbox answers every email suratd sends it,
//!   once with RFC 3834 headers (`Auto-Submitted: auto-replied`), once without any automatic
//!   header, as a plain new letter ("Re: …", no ticket number, no In-Reply-To) that a rule
//!   claims again. The test plays the responder and waits (polling, with a deadline) until
//!   nothing is in flight anywhere, then counts what each side sent.

use super::realmail::{Run, HELPDESK, REQUESTER};
use super::smtp::{dump, exclusive};
use super::support::Env;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn request(from: &str, subject: &str, message_id: &str, extra_headers: &str) -> String {
    format!(
        "From: Responder <{from}>\r\n\
         To: Helpdesk TIK <{HELPDESK}>\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Mon, 02 Mar 2026 09:00:00 +0700\r\n\
         {extra_headers}\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Dengan hormat,\r\n\
         saya mohon dibuatkan akun dan lisensi Microsoft Office 365.\r\n\
         Nama : Responder Uji\r\n\
         NIM : 215150200111\r\n\
         Email : {from}\r\n\
         Fakultas : Fakultas Ilmu Komputer\r\n\
         \r\n\
         Hormat saya,\r\nResponder\r\n"
    )
}

/// Events of `kind` whose detail mentions `about`.
fn events_of_kind(env: &Env, kind: &str, about: &str) -> usize {
    let db = rusqlite::Connection::open_with_flags(
        env.path().join("var/suratd.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("db");
    db.query_row(
        "SELECT COUNT(*) FROM events WHERE kind = ?1 AND instr(detail, ?2) > 0",
        [kind, about],
        |r| r.get::<_, i64>(0),
    )
    .expect("count") as usize
}

#[test]
fn answers_to_one_sender_are_capped_per_hour_and_the_rest_recorded() {
    let env = Env::new();
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    assert!(
        cfg.contains("per-sender-per-hour = 30"),
        "the shipped default"
    );
    std::fs::write(
        env.config(),
        cfg.replace("per-sender-per-hour = 30", "per-sender-per-hour = 2"),
    )
    .expect("w");
    for n in 0..5 {
        let raw = request(
            "bot@luar.test",
            &format!("Permohonan Office 365 ({n})"),
            &format!("loop-{n}@luar.test"),
            "",
        );
        env.deliver(&format!("{n}.eml"), raw.as_bytes());
    }
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let to_bot = env
        .outbox()
        .iter()
        .filter(|(_, raw)| String::from_utf8_lossy(raw).contains("To: Responder <bot@luar.test>"))
        .count();
    assert_eq!(
        to_bot,
        2,
        "{:?}",
        env.outbox().iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    assert_eq!(events_of_kind(&env, "email_suppressed", "bot@luar.test"), 3);
    assert!(
        out.stderr.contains("answer not sent: loop protection"),
        "{}",
        out.stderr
    );
}

/// One side of the exchange: the responder's address and what it has done.
struct Responder {
    address: String,
    /// With RFC 3834 headers, or as a plain new letter.
    rfc3834: bool,
    answered: BTreeSet<String>,
    sent: usize,
}

impl Responder {
    fn new(run: &Run, mode: &str, rfc3834: bool) -> Responder {
        Responder {
            address: format!("mahasiswa+{}-{mode}@unit.kampus.test", run.tag),
            rfc3834,
            answered: BTreeSet::new(),
            sent: 0,
        }
    }

    fn send(&mut self, run: &Run, subject: &str, headers: &str) {
        let id = format!(
            "{}-{}@unit.kampus.test",
            self.address.replace('@', "."),
            self.sent
        );
        run.send_raw(
            HELPDESK,
            request(&self.address, subject, &id, headers).as_bytes(),
        );
        self.sent += 1;
    }

    /// What suratd sent to this responder (delivered to its mailbox).
    fn inbox(&self, all: &[serde_json::Value]) -> Vec<serde_json::Value> {
        all.iter()
            .filter(|m| {
                m["delivered_to"]
                    .as_str()
                    .is_some_and(|d| d.eq_ignore_ascii_case(&self.address))
            })
            .cloned()
            .collect()
    }

    /// Answers every email not answered yet.
    fn answer(&mut self, run: &Run, inbox: &[serde_json::Value]) {
        for m in inbox {
            let id = m["message_id"].as_str().unwrap_or_default().to_string();
            if !self.answered.insert(id.clone()) {
                continue;
            }
            if self.rfc3834 {
                let subject = format!("Automatic reply: {}", m["subject"].as_str().unwrap_or(""));
                let headers = format!("Auto-Submitted: auto-replied\r\nIn-Reply-To: {id}\r\n");
                self.send(run, &subject, &headers);
            } else {
                // Looks like a new letter: no ticket number, no thread, no automatic header.
                self.send(run, "Re: Permohonan lisensi Office 365", "");
            }
        }
    }
}

/// (stored messages of `address` processed, outbox rows to it, of which not yet sent)
fn suratd_side(run: &Run, address: &str) -> (usize, usize, usize) {
    let db = rusqlite::Connection::open_with_flags(
        run.env.path().join("var/suratd.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    );
    let Ok(db) = db else {
        return (0, 0, 0);
    };
    let mark = address.replace('@', ".");
    let count = |sql: &str, p: &str| -> usize {
        db.query_row(sql, [p], |r| r.get::<_, i64>(0))
            .map_or(0, |n| n as usize)
    };
    let recipients = serde_json::to_string(&[address]).expect("json");
    (
        count(
            "SELECT COUNT(*) FROM messages WHERE state = 'done' AND message_id LIKE '%' || ?1 || '%'",
            &mark,
        ),
        count("SELECT COUNT(*) FROM outbox WHERE recipients = ?1", &recipients),
        count(
            "SELECT COUNT(*) FROM outbox WHERE recipients = ?1 AND state <> 'sent'",
            &recipients,
        ),
    )
}

#[test]
fn an_auto_responder_with_and_without_rfc3834_headers_does_not_loop() {
    const LIMIT: usize = 3;
    let _stack = exclusive();
    let mut run = Run::with(&format!("\n[answers]\nper-sender-per-hour = {LIMIT}\n"));
    run.start();
    let mut sides = [
        Responder::new(&run, "rfc", true),
        Responder::new(&run, "plain", false),
    ];
    for r in &mut sides {
        r.send(&run, "Permohonan lisensi Office 365", "");
    }
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let all = dump(REQUESTER);
        let mut quiet = true;
        for r in &mut sides {
            let inbox = r.inbox(&all);
            r.answer(&run, &inbox);
            let (processed, queued, unsent) = suratd_side(&run, &r.address);
            // Nothing in flight: every letter processed, every email sent and delivered,
            // every delivered email answered (answers just sent are not processed yet).
            quiet &= processed == r.sent && unsent == 0 && inbox.len() == queued;
        }
        if quiet {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the exchange did not settle in 150 s: rfc sent {}, plain sent {}\n{}",
            sides[0].sent,
            sides[1].sent,
            run.log()
        );
        std::thread::sleep(Duration::from_millis(300)); // polling IMAP, not synchronising
    }
    let all = dump(REQUESTER);
    let [rfc, plain] = &sides;
    // RFC 3834: one acknowledgement, its automatic answer ignored.
    assert_eq!(rfc.inbox(&all).len(), 1, "suratd → rfc responder");
    assert_eq!(rfc.sent, 2, "rfc responder → suratd");
    // Plain: every answer is a new letter, a new ticket; answers stop at the limit.
    assert_eq!(plain.inbox(&all).len(), LIMIT, "suratd → plain responder");
    assert_eq!(plain.sent, LIMIT + 1, "plain responder → suratd");
    assert_eq!(
        events_of_kind(&run.env, "email_suppressed", &plain.address),
        1
    );
    for m in rfc.inbox(&all).iter().chain(plain.inbox(&all).iter()) {
        assert_eq!(m["auto_submitted"], "auto-replied", "{m}");
    }
    let log = run.log();
    assert!(log.contains("answer not sent: loop protection"), "{log}");
    eprintln!(
        "loop: rfc3834 responder sent {} / suratd sent {}; plain responder sent {} / suratd sent {} (limit {LIMIT}/h)",
        rfc.sent,
        rfc.inbox(&all).len(),
        plain.sent,
        plain.inbox(&all).len()
    );
    run.stop();
}
