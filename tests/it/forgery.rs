//! The forged-decision matrix over the real stack: a running `suratd run` reads its IMAP
//! INBOX, sends each letter's disposition to the leader through Postfix, and then decision
//! replies arrive through Postfix the way an attacker (or a careless leader) would send them:
//! from someone else, without or with failing Authentication-Results, with a token already
//! used, another ticket's token, an expired one, a forwarded disposition answered by its new
//! reader. For each refused case: the ticket is unchanged, no task went to staff, a
//! `decision_refused` event names the refusal, and the notice reached the leader's real
//! mailbox and never the sender's. The leader's alias is the control: it decides.
//!
//! Everything is awaited by polling the mailboxes and the store with a deadline; the expired
//! token comes from a first daemon run with `token-days = 0` (tokens expire when issued).

use super::realmail::{token_mail, Run, HELPDESK};
use super::smtp::{dump, exclusive};
use std::time::{Duration, Instant};

const LEADER: &str = "kepala@kampus.test";
const ALIAS: &str = "pimpinan.tik@kampus.test";
const STAFF: &str = "staf@kampus.test";
const OUTSIDER: &str = "pemohon@unit.kampus.test";
const TRUSTED: &str = "mx.kampus.test";

fn people(token_days: u32) -> String {
    format!(
        r#"
[[person]]
name = "Kepala UPT TIK"
email = "{LEADER}"
roles = ["pimpinan", "kepala", "kabag", "helpdesk"]
aliases = ["{ALIAS}"]

[[person]]
name = "Staf Layanan TIK"
email = "{STAFF}"
roles = ["staf"]

[security]
token-secret = "rahasia-untuk-uji-pemalsuan-keputusan"
token-days = {token_days}
trusted-authserv-ids = ["{TRUSTED}"]
"#
    )
}

/// Who the reply claims to be from.
#[derive(Clone, Copy, PartialEq)]
enum Sender {
    Leader,
    Alias,
    /// `pemohon+<tag>@unit.kampus.test`: a real mailbox, to prove no notice goes there.
    Outsider,
}

/// Which token the reply presents.
#[derive(Clone, Copy, PartialEq)]
enum Token {
    /// Its own ticket's, unused.
    Own,
    /// Its own ticket's, after the leader already decided with it.
    Replayed,
    /// Another ticket's, on this ticket's thread.
    OtherTickets,
    /// Its own ticket's, issued with `token-days = 0`.
    Expired,
}

struct Case {
    name: &'static str,
    from: Sender,
    /// The `Authentication-Results` header, or "" for none.
    auth: &'static str,
    token: Token,
    /// The disposition forwarded: "Fwd:" subject and the forwarded text under the answer.
    forwarded: bool,
    /// The refusal kind expected in the `decision_refused` event; `None`: accepted.
    refused: Option<&'static str>,
}

const PASS: &str =
    "mx.kampus.test; dkim=pass header.d=kampus.test; dmarc=pass header.from=kampus.test";
const OUTSIDER_PASS: &str = "mx.kampus.test; dkim=pass header.d=unit.kampus.test";

const MATRIX: &[Case] = &[
    Case {
        name: "forged From (not the approver)",
        from: Sender::Outsider,
        auth: OUTSIDER_PASS,
        token: Token::Own,
        forwarded: false,
        refused: Some("wrong_sender"),
    },
    Case {
        name: "no Authentication-Results",
        from: Sender::Leader,
        auth: "",
        token: Token::Own,
        forwarded: false,
        refused: Some("no_trusted_results"),
    },
    Case {
        name: "Authentication-Results from an untrusted authserv-id",
        from: Sender::Leader,
        auth: "mx.penipu.example; dkim=pass header.d=kampus.test; dmarc=pass header.from=kampus.test",
        token: Token::Own,
        forwarded: false,
        refused: Some("no_trusted_results"),
    },
    Case {
        name: "dkim=fail and dmarc=fail",
        from: Sender::Leader,
        auth: "mx.kampus.test; dkim=fail header.d=kampus.test; dmarc=fail header.from=kampus.test",
        token: Token::Own,
        forwarded: false,
        refused: Some("unauthenticated"),
    },
    Case {
        name: "DKIM pass for an unaligned domain",
        from: Sender::Leader,
        auth: "mx.kampus.test; dkim=pass header.d=penipu.example; spf=pass smtp.mailfrom=penipu.example",
        token: Token::Own,
        forwarded: false,
        refused: Some("unauthenticated"),
    },
    Case {
        name: "replayed (already used) token",
        from: Sender::Leader,
        auth: PASS,
        token: Token::Replayed,
        forwarded: false,
        refused: Some("already_used"),
    },
    Case {
        name: "another ticket's token",
        from: Sender::Leader,
        auth: PASS,
        token: Token::OtherTickets,
        forwarded: false,
        refused: Some("wrong_ticket"),
    },
    Case {
        name: "expired token",
        from: Sender::Leader,
        auth: PASS,
        token: Token::Expired,
        forwarded: false,
        refused: Some("expired"),
    },
    Case {
        name: "forwarded and answered by someone else",
        from: Sender::Outsider,
        auth: OUTSIDER_PASS,
        token: Token::Own,
        forwarded: true,
        refused: Some("wrong_sender"),
    },
    Case {
        name: "the approver's alias (control: accepted)",
        from: Sender::Alias,
        auth: PASS,
        token: Token::Own,
        forwarded: false,
        refused: None,
    },
];

/// A letter's ticket and the disposition that reached the leader.
#[derive(Clone)]
struct Sent {
    number: String,
    token: String,
    message_id: String,
    subject: String,
}

/// This run's ticket made from letter `id`, once there is one.
fn ticket_of(run: &Run, id: &str) -> Option<serde_json::Value> {
    run.tickets().into_iter().find(|t| {
        t["letter_message_id"]
            .as_str()
            .is_some_and(|m| m.contains(id))
    })
}

fn wait<T>(run: &Run, what: &str, secs: u64, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {secs} s\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(300)); // polling IMAP and the store, not synchronising
    }
}

/// Waits for the disposition of each letter in the leader's mailbox.
fn dispositions(run: &Run, letters: &[String]) -> Vec<Sent> {
    letters
        .iter()
        .map(|id| {
            wait(run, &format!("disposition of <{id}>"), 90, || {
                let t = ticket_of(run, id)?;
                let number = t["number"].as_str()?.to_string();
                let (token, message_id, subject) = token_mail(LEADER, &number, &[])?;
                Some(Sent {
                    number,
                    token,
                    message_id,
                    subject,
                })
            })
        })
        .collect()
}

fn address(run: &Run, s: Sender) -> String {
    match s {
        Sender::Leader => LEADER.to_string(),
        Sender::Alias => ALIAS.to_string(),
        Sender::Outsider => format!("pemohon+{}@unit.kampus.test", run.tag),
    }
}

/// A decision reply on `thread`'s disposition presenting `token`, sent through Postfix to the
/// token's plus-address.
fn reply(run: &Run, key: &str, from: &str, auth: &str, thread: &Sent, token: &str, fwd: bool) {
    let subject = thread.subject.replace(&thread.token, token);
    let (subject, body) = if fwd {
        (
            format!("Re: Fwd: {subject}"),
            format!(
                "SETUJU\r\n\r\n---------- Forwarded message ---------\r\nFrom: {LEADER}\r\n\
                 Subject: {subject}\r\n\r\nMohon disposisi atas permohonan berikut.\r\nToken: {token}\r\n"
            ),
        )
    } else {
        (
            format!("Re: {subject}"),
            "SETUJU, disposisi ke Staf Layanan TIK\r\n".to_string(),
        )
    };
    let auth = if auth.is_empty() {
        String::new()
    } else {
        format!("Authentication-Results: {auth}\r\n")
    };
    let plus = HELPDESK.replace('@', &format!("+{token}@"));
    let raw = format!(
        "{auth}From: {from}\r\nTo: {plus}\r\nSubject: {subject}\r\n\
         Message-ID: <{tag}-{key}@kampus.test>\r\nIn-Reply-To: <{parent}>\r\n\
         Date: Mon, 02 Mar 2026 10:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        tag = run.tag,
        parent = thread.message_id,
    );
    run.send_raw(&plus, raw.as_bytes());
}

fn events(run: &Run, number: &str) -> Vec<serde_json::Value> {
    let out = run.env.suratd(&["tickets", number, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    v["events"].as_array().cloned().unwrap_or_default()
}

fn state(run: &Run, number: &str) -> String {
    run.tickets()
        .into_iter()
        .find(|t| t["number"] == number)
        .and_then(|t| t["state"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Mail in `user`'s INBOX about ticket `number`, by subject (`refusals`: only the notices).
fn about(user: &str, number: &str, refusals: bool) -> usize {
    dump(user)
        .iter()
        .filter(|m| {
            m["subject"].as_str().is_some_and(|s| {
                s.contains(number)
                    && (!refusals
                        || s.contains("keputusan ditolak")
                        || s.contains("decision refused"))
            })
        })
        .count()
}

#[test]
fn forged_decisions_are_refused_recorded_and_told_to_the_real_approver() {
    let _stack = exclusive();
    let mut run = Run::with(&people(0));

    // The expired token: issued by a daemon whose tokens expire at once.
    run.start();
    let expired_letter = run.send(0);
    let expired = dispositions(&run, std::slice::from_ref(&expired_letter)).remove(0);
    run.stop();
    let config = std::fs::read_to_string(run.env.config()).expect("config");
    std::fs::write(
        run.env.config(),
        config.replace("token-days = 0", "token-days = 7"),
    )
    .expect("config");
    run.start();

    // One letter per case, and one more whose token the "another ticket's" case presents.
    let letters: Vec<String> = (1..=MATRIX.len() + 1).map(|n| run.send(n)).collect();
    let sent = dispositions(&run, &letters);
    let donor = sent[MATRIX.len()].clone();

    // The replayed token is first used, rightly, by the leader.
    let replay = MATRIX
        .iter()
        .position(|c| c.token == Token::Replayed)
        .expect("a replay case");
    let first = &sent[replay];
    reply(&run, "first-use", LEADER, PASS, first, &first.token, false);
    wait(&run, "the first, valid decision", 60, || {
        (state(&run, &first.number) == "in_progress" && about(STAFF, &first.number, false) == 1)
            .then_some(())
    });

    // The matrix: per case, the ticket whose token is presented (where the refusal is
    // logged) and the state it must still have afterwards.
    let mut bound = Vec::new();
    for (i, case) in MATRIX.iter().enumerate() {
        let thread = if case.token == Token::Expired {
            &expired
        } else {
            &sent[i]
        };
        let (token_of, before) = match case.token {
            Token::OtherTickets => (&donor, state(&run, &donor.number)),
            _ => (thread, state(&run, &thread.number)),
        };
        let from = address(&run, case.from);
        let key = format!("case{i}");
        reply(
            &run,
            &key,
            &from,
            case.auth,
            thread,
            &token_of.token,
            case.forwarded,
        );
        bound.push((token_of.clone(), thread.clone(), before));
    }

    // Wait for every outcome: the leader's notice for a refusal, the staff task for the control.
    for (case, (token_of, _, _)) in MATRIX.iter().zip(&bound) {
        wait(&run, case.name, 90, || {
            let done = match case.refused {
                Some(_) => about(LEADER, &token_of.number, true) >= 1,
                None => about(STAFF, &token_of.number, false) >= 1,
            };
            done.then_some(())
        });
    }

    let forger = format!("pemohon+{}@unit.kampus.test", run.tag);
    for (case, (token_of, thread, before)) in MATRIX.iter().zip(&bound) {
        let refusals: Vec<serde_json::Value> = events(&run, &token_of.number)
            .into_iter()
            .filter(|e| e["kind"] == "decision_refused")
            .collect();
        let tasks = about(STAFF, &token_of.number, false);
        match case.refused {
            Some(kind) => {
                assert_eq!(
                    state(&run, &token_of.number),
                    *before,
                    "{}: the ticket changed",
                    case.name
                );
                assert_eq!(
                    state(&run, &thread.number),
                    if case.token == Token::Replayed {
                        "in_progress"
                    } else {
                        "awaiting_approval"
                    },
                    "{}: the thread's ticket changed",
                    case.name
                );
                let want_tasks = usize::from(case.token == Token::Replayed);
                assert_eq!(tasks, want_tasks, "{}: a task went to staff", case.name);
                assert_eq!(
                    about(STAFF, &thread.number, false),
                    usize::from(case.token == Token::Replayed),
                    "{}: a task went to staff for the thread's ticket",
                    case.name
                );
                assert!(
                    refusals.iter().any(|e| e["detail"]["refusal"] == kind),
                    "{}: no decision_refused event of kind {kind}: {refusals:#?}",
                    case.name
                );
                assert_eq!(
                    about(LEADER, &token_of.number, true),
                    1,
                    "{}: one notice to the approver",
                    case.name
                );
            }
            None => {
                assert_eq!(
                    state(&run, &token_of.number),
                    "in_progress",
                    "{}",
                    case.name
                );
                assert_eq!(tasks, 1, "{}: the task to staff", case.name);
                assert!(refusals.is_empty(), "{}: {refusals:#?}", case.name);
                assert_eq!(about(LEADER, &token_of.number, true), 0, "{}", case.name);
            }
        }
    }
    // Nothing ever went to the forger's (or forwardee's) mailbox.
    let to_forger: Vec<serde_json::Value> = dump(OUTSIDER)
        .into_iter()
        .filter(|m| {
            m["delivered_to"]
                .as_str()
                .is_some_and(|d| d.eq_ignore_ascii_case(&forger))
        })
        .collect();
    assert!(to_forger.is_empty(), "mail to the forger: {to_forger:#?}");
    run.stop();
}
