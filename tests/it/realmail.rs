//! The whole daemon against the real stack (tests/mailstack, started by ./test.sh): letters
//! sent through Postfix to the helpdesk mailbox are picked up by a running `suratd run` on
//! IMAP IDLE, become tickets, and their acknowledgements arrive in the requester's mailbox
//! over SMTP, threaded. Then what must not lose or double anything: a restart of suratd,
//! Dovecot stopped and started mid-run, Postfix stopped (the outbox holds the email), and a
//! UIDVALIDITY change (the folder is rescanned).
//!
//! This test stops servers, so it holds the stack lock exclusively. Letters carry a tag
//! unique to the run (the stack keeps mail between runs); only tagged mail is counted.
//! Nothing sleeps to synchronise: every wait polls for the awaited mail with a deadline.

use super::smtp::{dump, exclusive, mailstack, script, var};
use super::support::{repo, Daemon, Env};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HELPDESK: &str = "direktur@kampus.test";
const REQUESTER: &str = "mahasiswa@unit.kampus.test";

struct Run {
    env: Env,
    tag: String,
    daemon: Option<Daemon>,
}

impl Run {
    fn new() -> Run {
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

    fn start(&mut self) {
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
    fn stop(&mut self) {
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

    fn log(&self) -> String {
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

    /// Sends letter `n` through Postfix.
    fn send(&self, n: usize) -> String {
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

    fn tickets(&self) -> Vec<serde_json::Value> {
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
