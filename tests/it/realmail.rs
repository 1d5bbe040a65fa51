//! The whole daemon against the real stack (tests/mailstack, started by ./test.sh): letters
//! sent through Postfix to the helpdesk mailbox are picked up by a running `suratd run` on
//! IMAP IDLE, become tickets, and their acknowledgements arrive in the requester's mailbox
//! over SMTP, threaded. Then what must not lose or double anything: a restart of suratd,
//! Dovecot stopped and started mid-run, Postfix stopped (the outbox holds the email), and a
//! UIDVALIDITY change (the folder is rescanned). And every shipped SOP from letter to result:
//! acknowledgement, disposition to the leader, SETUJU sent to the plus-addressed token, task
//! to staff, SELESAI with the step's outputs, the result to the requester, threaded.
//!
//! This test stops servers, so it holds the stack lock exclusively. Letters carry a tag
//! unique to the run (the stack keeps mail between runs); only tagged mail is counted.
//! Nothing sleeps to synchronise: every wait polls for the awaited mail with a deadline.

use super::smtp::{dump, exclusive, mailstack, script, var};
use super::support::{repo, Daemon, Env};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const HELPDESK: &str = "direktur@kampus.test";
pub(crate) const REQUESTER: &str = "mahasiswa@unit.kampus.test";

pub(crate) struct Run {
    pub(crate) env: Env,
    pub(crate) tag: String,
    daemon: Option<Daemon>,
}

impl Run {
    fn new() -> Run {
        Run::with("")
    }

    /// A run whose daemon.toml ends with `extra` (people, security).
    pub(crate) fn with(extra: &str) -> Run {
        let env = Env::new();
        let tag = format!(
            "e2e{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        );
        let config = format!(
            r#"
[daemon]
database = "var/suratd.db"
rules = {rules:?}
templates = {templates:?}
poll-seconds = 1

[helpdesk]
address = "{HELPDESK}"
name = "Helpdesk TIK"

[[source]]
name = "helpdesk"
kind = "imap"
host = "{host}"
port = {imaps}
tls = "implicit"
ca-file = {ca:?}
username = "{HELPDESK}"
password = "{password}"
folders = ["INBOX"]
idle = true

[outbox]
transport = "smtp"
host = "{host}"
port = {smtp}
tls = "none"
retry-base-seconds = 1
retry-max-seconds = 2
{extra}
"#,
            rules = repo().join("rules"),
            templates = repo().join("templates"),
            host = var("SURATD_MAILSTACK_HOST"),
            imaps = var("SURATD_MAILSTACK_IMAPS_PORT"),
            smtp = var("SURATD_MAILSTACK_SMTP_PORT"),
            ca = var("SURATD_MAILSTACK_CA"),
            password = var("SURATD_MAILSTACK_PASSWORD"),
        );
        std::fs::write(env.config(), config).expect("write config");
        Run {
            env,
            tag,
            daemon: None,
        }
    }

    pub(crate) fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_suratd"))
            .arg("--config")
            .arg(self.env.config())
            .arg("run")
            .current_dir(self.env.path())
            .env("RUST_LOG", "suratd=info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.env.path().join("suratd.log")).expect("log file"))
            .spawn()
            .expect("start suratd");
        self.daemon = Some(Daemon(child));
    }

    /// SIGTERM, and the daemon must exit cleanly.
    pub(crate) fn stop(&mut self) {
        let Some(mut d) = self.daemon.take() else {
            return;
        };
        let pid = d.0.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success());
        let status = d.0.wait().expect("wait");
        assert!(
            status.success(),
            "suratd exited with {status}\n{}",
            self.log()
        );
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.env.path().join("suratd.log")).unwrap_or_default()
    }

    fn letter(&self, n: usize) -> (String, String) {
        let id = format!("{}-{n}@unit.kampus.test", self.tag);
        let raw = format!(
            "From: Mahasiswa Uji <mahasiswa+{tag}@unit.kampus.test>\r\n\
             To: Helpdesk TIK <{HELPDESK}>\r\n\
             Subject: Permohonan lisensi Office 365 ({n})\r\n\
             Message-ID: <{id}>\r\n\
             Date: Mon, 02 Mar 2026 09:00:00 +0700\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             \r\n\
             Dengan hormat,\r\n\
             saya mohon dibuatkan akun dan lisensi Microsoft Office 365.\r\n\
             Nama : Mahasiswa Uji {n}\r\n\
             NIM : 2151502001{n:05}\r\n\
             Email : mahasiswa+{tag}@unit.kampus.test\r\n\
             Fakultas : Fakultas Ilmu Komputer\r\n\
             \r\n\
             Hormat saya,\r\nMahasiswa Uji\r\n",
            tag = self.tag
        );
        (id, raw)
    }

    /// Sends raw bytes through Postfix to `to`.
    pub(crate) fn send_raw(&self, to: &str, raw: &[u8]) {
        let mut child = Command::new("python3")
            .arg(script("send.py"))
            .args(["--eml", "-", "--to", to])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("send.py");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), raw).expect("write");
        drop(child.stdin.take());
        assert!(child.wait().expect("send.py").success(), "send.py failed");
    }

    /// Sends letter `n` through Postfix.
    pub(crate) fn send(&self, n: usize) -> String {
        let (id, raw) = self.letter(n);
        let mut child = Command::new("python3")
            .arg(script("send.py"))
            .args(["--eml", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("send.py");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), raw.as_bytes())
            .expect("write");
        drop(child.stdin.take());
        assert!(child.wait().expect("send.py").success(), "send.py failed");
        id
    }

    /// Puts letter `n` straight into the helpdesk INBOX over IMAP (Postfix being down).
    fn append(&self, n: usize) -> String {
        let (id, raw) = self.letter(n);
        let program = "import imaplib,ssl,sys,os\n\
            ctx=ssl.create_default_context(cafile=os.environ['SURATD_MAILSTACK_CA'])\n\
            c=imaplib.IMAP4_SSL(os.environ['SURATD_MAILSTACK_HOST'],int(os.environ['SURATD_MAILSTACK_IMAPS_PORT']),ssl_context=ctx)\n\
            c.login(sys.argv[1],os.environ['SURATD_MAILSTACK_PASSWORD'])\n\
            typ,_=c.append('INBOX',None,None,sys.stdin.buffer.read())\n\
            assert typ=='OK'\n\
            c.logout()\n";
        let mut child = Command::new("python3")
            .args(["-c", program, HELPDESK])
            .stdin(Stdio::piped())
            .spawn()
            .expect("python");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), raw.as_bytes())
            .expect("write");
        drop(child.stdin.take());
        assert!(
            child.wait().expect("append").success(),
            "IMAP APPEND failed"
        );
        id
    }

    /// Acknowledgements in the requester's mailbox for this run, by the letter they answer.
    fn acks(&self) -> Vec<serde_json::Value> {
        let to = format!("mahasiswa+{}@unit.kampus.test", self.tag);
        dump(REQUESTER)
            .into_iter()
            .filter(|m| {
                m["delivered_to"]
                    .as_str()
                    .is_some_and(|d| d.eq_ignore_ascii_case(&to))
            })
            .collect()
    }

    /// Waits until each of `letters` has been answered (and returns all answers seen).
    fn wait_for_acks(&self, letters: &[String]) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let acks = self.acks();
            let answered = |id: &String| {
                acks.iter().any(|a| {
                    a["in_reply_to"]
                        .as_str()
                        .is_some_and(|r| r.contains(id.as_str()))
                })
            };
            if letters.iter().all(answered) {
                return acks;
            }
            assert!(
                Instant::now() < deadline,
                "not every letter was answered within 90 s; answers: {acks:#?}\nsuratd log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200)); // polling IMAP, not synchronising
        }
    }

    pub(crate) fn tickets(&self) -> Vec<serde_json::Value> {
        let out = self.env.suratd(&["tickets", "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let all: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).expect("json");
        all.into_iter()
            .filter(|t| {
                t["requester"]
                    .as_str()
                    .is_some_and(|r| r.contains(&self.tag))
            })
            .collect()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Whatever happened, leave the stack running for the other tests.
        let _ = Command::new("bash")
            .arg(script("start.sh"))
            .arg("all")
            .output();
    }
}

/// Each letter answered exactly once, threaded on it, marked automatic.
fn assert_answered_once(acks: &[serde_json::Value], letters: &[String]) {
    for id in letters {
        let answers: Vec<&serde_json::Value> = acks
            .iter()
            .filter(|a| {
                a["in_reply_to"]
                    .as_str()
                    .is_some_and(|r| r.contains(id.as_str()))
            })
            .collect();
        assert_eq!(
            answers.len(),
            1,
            "letter <{id}> answered {} times: {answers:#?}",
            answers.len()
        );
        let a = answers[0];
        assert!(
            a["references"]
                .as_str()
                .is_some_and(|r| r.contains(id.as_str())),
            "{a}"
        );
        assert!(
            a["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("[TIK-")),
            "{a}"
        );
        assert_eq!(a["auto_submitted"], "auto-replied", "{a}");
    }
    assert_eq!(
        acks.len(),
        letters.len(),
        "answers to letters never sent: {acks:#?}"
    );
}

#[test]
fn letters_through_postfix_are_answered_once_across_restarts_and_outages() {
    let _stack = exclusive();
    let mut run = Run::new();
    run.start();

    // 1. Letters arrive while suratd idles.
    let mut letters: Vec<String> = (1..=3).map(|n| run.send(n)).collect();
    assert_answered_once(&run.wait_for_acks(&letters), &letters);
    assert_eq!(run.tickets().len(), 3);

    // 2. A restart fetches nothing twice.
    run.stop();
    run.start();
    letters.push(run.send(4));
    assert_answered_once(&run.wait_for_acks(&letters), &letters);
    assert_eq!(run.tickets().len(), 4);

    // 3. Dovecot stops mid-run; a letter waits in Postfix's queue; suratd reconnects.
    mailstack("stop.sh", "dovecot");
    letters.push(run.send(5));
    mailstack("start.sh", "dovecot");
    assert_answered_once(&run.wait_for_acks(&letters), &letters);

    // 4. Postfix stops: the letter still arrives (over IMAP), the outbox holds the answer
    //    and delivers it once Postfix is back.
    mailstack("stop.sh", "postfix");
    letters.push(run.append(6));
    let deadline = Instant::now() + Duration::from_secs(60);
    while run.tickets().len() < 6 {
        assert!(
            Instant::now() < deadline,
            "letter 6 never became a ticket\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    mailstack("start.sh", "postfix");
    assert_answered_once(&run.wait_for_acks(&letters), &letters);

    // 5. The folder gets a new UIDVALIDITY: suratd rescans it and doubles nothing.
    let reset = Command::new("bash")
        .arg(script("reset.sh"))
        .args(["uidvalidity", HELPDESK])
        .output()
        .expect("reset.sh");
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    letters.push(run.send(7));
    assert_answered_once(&run.wait_for_acks(&letters), &letters);
    assert_eq!(run.tickets().len(), 7, "{:#?}", run.tickets());

    run.stop();
    let log = run.log();
    assert!(log.contains("suratd stopped"), "{log}");
}

pub(crate) const PEOPLE: &str = r#"
[[person]]
name = "Kepala UPT TIK"
email = "kepala@kampus.test"
roles = ["pimpinan", "kepala", "kabag", "helpdesk"]

[[person]]
name = "Staf Layanan TIK"
email = "staf@kampus.test"
roles = ["staf"]

[security]
token-secret = "rahasia-untuk-uji-ujung-ke-ujung"
trusted-authserv-ids = ["mx.kampus.test"]
"#;

/// The newest message in `user`'s INBOX whose subject carries `number` and a token.
pub(crate) fn token_mail(
    user: &str,
    number: &str,
    used: &[String],
) -> Option<(String, String, String)> {
    dump(user).into_iter().rev().find_map(|m| {
        let subject = m["subject"].as_str()?.to_string();
        let at = subject.find(&format!("[{number} a-"))?;
        let token: String = subject[at + number.len() + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        (!used.contains(&token)).then(|| {
            (
                token,
                m["message_id"].as_str().unwrap_or("").to_string(),
                subject,
            )
        })
    })
}

/// The SOP whose letter the leader rejects in the test below, and why.
const REJECTED: &str = "lab-ict";
const REASON: &str = "ruangan sedang direnovasi sampai akhir bulan";

#[test]
fn every_shipped_sop_runs_from_letter_to_activation_over_real_mail() {
    let _stack = exclusive();
    let mut run = Run::with(PEOPLE);
    run.start();
    let samples = super::support::emls(&repo().join("samples/inbox/new"));
    let mut letters = Vec::new();
    for path in samples.iter().filter(|p| {
        let n = p.to_string_lossy();
        !n.contains("auto-reply") && !n.contains("bounce")
    }) {
        let raw = String::from_utf8_lossy(&std::fs::read(path).expect("read")).into_owned();
        // A Message-ID of this run's own (the stack keeps mail between runs).
        let at =
            raw.find("Message-ID: <").expect("sample has a Message-ID") + "Message-ID: <".len();
        let raw = format!("{}{}-{}", &raw[..at], run.tag, &raw[at..]);
        run.send_raw(HELPDESK, raw.as_bytes());
        letters.push(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    let rules = suratd::daemon::load(&run.env.config())
        .expect("config")
        .rules;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut used: Vec<String> = Vec::new();
    // This run's tickets: those made from its tagged letters (the mailbox keeps older mail).
    let ours = |run: &Run| -> Vec<serde_json::Value> {
        let msgs: Vec<serde_json::Value> =
            serde_json::from_str(&run.env.suratd(&["messages", "--json"]).stdout).expect("json");
        let numbers: Vec<String> = msgs
            .iter()
            .filter(|m| {
                m["message_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with(&run.tag))
            })
            .filter_map(|m| m["ticket"].as_str().map(str::to_owned))
            .collect();
        let all: Vec<serde_json::Value> =
            serde_json::from_str(&run.env.suratd(&["tickets", "--json"]).stdout).expect("json");
        all.into_iter()
            .filter(|t| {
                t["number"]
                    .as_str()
                    .is_some_and(|n| numbers.iter().any(|x| x == n))
            })
            .collect()
    };
    loop {
        let tickets = ours(&run);
        // The leader rejects one SOP's letter (with a reason) and approves the others.
        let finished = |t: &serde_json::Value| {
            t["state"] == "resolved" || (t["rule_id"] == REJECTED && t["state"] == "rejected")
        };
        let pending: Vec<&serde_json::Value> = tickets.iter().filter(|t| !finished(t)).collect();
        if tickets.len() == letters.len() && pending.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every SOP reached resolved in 120 s: {:#?}\n{}",
            tickets
                .iter()
                .map(|t| (&t["number"], &t["rule_id"], &t["state"]))
                .collect::<Vec<_>>(),
            run.log()
        );
        for t in pending {
            let number = t["number"].as_str().unwrap_or_default();
            let (inboxes, body): (&[&str], String) = match t["state"].as_str() {
                Some("awaiting_approval") if t["rule_id"] == REJECTED => {
                    (&["kepala@kampus.test"], format!("TOLAK {REASON}\r\n"))
                }
                Some("awaiting_approval") => (&["kepala@kampus.test"], "SETUJU\r\n".to_string()),
                Some("in_progress") => {
                    let rule = rules
                        .get(t["rule_id"].as_str().unwrap_or_default())
                        .expect("rule");
                    let outputs: String = rule
                        .steps
                        .iter()
                        .filter(|s| s.kind == suratd::rules::StepKind::Work)
                        .flat_map(|s| s.outputs.iter())
                        .map(|o| format!("{o}: hasil-{o}\r\n"))
                        .collect();
                    // The task goes to whoever holds the work step's role.
                    (
                        &["staf@kampus.test", "kepala@kampus.test"],
                        format!("SELESAI\r\n{outputs}"),
                    )
                }
                Some(other) => panic!("{number} stopped at {other}: {t:#}"),
                None => continue,
            };
            let found = inboxes
                .iter()
                .find_map(|who| token_mail(who, number, &used).map(|m| (*who, m)));
            let Some((who, (token, parent, subject))) = found else {
                continue; // its email has not arrived yet
            };
            used.push(token.clone());
            let reply = format!(
                "Authentication-Results: mx.kampus.test; dkim=pass header.d=kampus.test\r\n\
                 From: {who}\r\nTo: {HELPDESK}\r\nSubject: Re: {subject}\r\n\
                 Message-ID: <{}-{token}@kampus.test>\r\nIn-Reply-To: <{parent}>\r\n\r\n{body}",
                run.tag
            );
            let plus = HELPDESK.replace('@', &format!("+{token}@"));
            run.send_raw(&plus, reply.as_bytes());
        }
        std::thread::sleep(Duration::from_millis(300)); // polling IMAP and the store, not synchronising
    }
    // Every requester was told the result: the acknowledgement and the result (one email
    // for e-mail institusi, whose sample is pointed to Siakad/Simpeg at once).
    let tickets = ours(&run);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let outside = dump("catchall@kampus.test");
        // Only this run's mail: our answers reference the run's tagged letters.
        let short: Vec<String> = tickets
            .iter()
            .filter_map(|t| {
                let number = t["number"].as_str().unwrap_or_default();
                let got = outside
                    .iter()
                    .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(number)))
                    .filter(|m| {
                        m["references"]
                            .as_str()
                            .is_some_and(|r| r.contains(&run.tag))
                    })
                    .count();
                let want = if t["rule_id"] == "email-institusi" {
                    1
                } else {
                    2
                };
                // The rejected requester is told why.
                if t["rule_id"] == REJECTED
                    && !outside.iter().any(|m| {
                        m["subject"].as_str().is_some_and(|s| s.contains(number))
                            && m["body"].as_str().is_some_and(|b| b.contains(REASON))
                    })
                {
                    return Some(format!("{number}: no rejection naming the reason"));
                }
                (got < want).then(|| format!("{number} ({}): {got} of {want}", t["rule_id"]))
            })
            .collect();
        if short.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "requesters not told the result within 60 s: {short:?}\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(300)); // polling IMAP, not synchronising
    }
    run.stop();
}
