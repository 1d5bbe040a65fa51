//! Whole runs of `suratd run --once` over an inbox: tickets, events and emails as a person
//! would see them, and the promises: nothing doubled on re-runs or re-deliveries, nothing
//! answered that is automatic, nothing lost when a message is unreadable.

use super::support::{repo, Env, Output};

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    serde_json::from_str(&out.stdout).expect("json")
}

fn tickets(env: &Env) -> Vec<serde_json::Value> {
    json(&env.suratd(&["tickets", "--json"]))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub(super) const LETTER: &str = "From: Budi Santoso <budi.santoso@unsyiah.ac.id>\r\n\
To: Helpdesk TIK <helpdesk@kampus.ac.id>\r\n\
Subject: Permohonan akun webservice\r\n\
Message-ID: <ws-1@unsyiah.ac.id>\r\n\
Date: Mon, 02 Mar 2026 09:00:00 +0700\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Dengan hormat,\r\n\
Kami dari Fakultas Teknik mengajukan permohonan akun webservice untuk\r\n\
mengakses data mahasiswa melalui webservice universitas.\r\n\
Nama : Budi Santoso\r\n\
NIP : 19750819 199903 1 001\r\n\
Email : budi.santoso@unsyiah.ac.id\r\n\
Jenis data : data mahasiswa aktif\r\n\
Unit kerja : Fakultas Teknik\r\n\
\r\n\
Hormat kami,\r\nBudi Santoso\r\n";

#[test]
fn sample_inbox_runs_to_tickets_and_a_second_run_changes_nothing() {
    let env = Env::new();
    let n = env.deliver_dir(&repo().join("samples/inbox/new"));
    assert!(n >= 9, "only {n} sample letters");
    let first = env.suratd(&["run", "--once"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let t1 = tickets(&env);
    let out1 = env.outbox();
    let rules: std::collections::BTreeSet<String> = t1
        .iter()
        .filter_map(|t| t["rule_id"].as_str().map(str::to_owned))
        .collect();
    for sop in [
        "office365",
        "webservice",
        "zoom-ormawa",
        "email-institusi",
        "cbt",
        "lab-ict",
        "pengaduan-tik",
        "diklat-it",
        "sertifikasi-it",
    ] {
        assert!(
            rules.contains(sop),
            "no ticket for {sop}; tickets: {rules:?}"
        );
    }
    assert!(!out1.is_empty());
    // Every acknowledgement names its ticket and threads with the letter.
    for (name, raw) in &out1 {
        let text = String::from_utf8_lossy(raw);
        assert!(text.contains("Auto-Submitted: auto-replied"), "{name}");
        assert!(text.contains("In-Reply-To: <"), "{name}");
        assert!(
            text.contains("Subject: [TIK-") || text.contains("Subject: =?utf-8"),
            "{name}:\n{text}"
        );
    }
    let second = env.suratd(&["run", "--once"]);
    assert_eq!(second.code, 0);
    assert!(
        second.stdout.starts_with("stored 0 new message(s)"),
        "{}",
        second.stdout
    );
    assert_eq!(tickets(&env), t1, "a second run changed the tickets");
    assert_eq!(env.outbox(), out1, "a second run changed the outbox");
    // Every message ended somewhere, with a reason.
    let msgs = json(&env.suratd(&["messages", "--json"]));
    for m in msgs.as_array().expect("list") {
        assert_eq!(m["state"], "done", "{m}");
        assert!(
            m["outcome"].is_string() && m["outcome_detail"].is_string(),
            "{m}"
        );
    }
}

#[test]
fn the_same_letter_delivered_twice_is_one_ticket_and_one_email() {
    let env = Env::new();
    env.deliver("a", LETTER.as_bytes());
    // The same letter again, through another relay (new trace header), under another name.
    env.deliver(
        "b",
        format!("Received: from relay2 by mx\r\n{LETTER}").as_bytes(),
    );
    let out = env.suratd(&["run", "--once"]);
    assert!(out.stdout.contains("1 duplicate"), "{}", out.stdout);
    assert_eq!(tickets(&env).len(), 1);
    assert_eq!(env.outbox().len(), 1);
    // And once more after a restart.
    env.deliver("c", LETTER.as_bytes());
    env.suratd(&["run", "--once"]);
    assert_eq!(tickets(&env).len(), 1);
    assert_eq!(env.outbox().len(), 1);
}

#[test]
fn replies_join_their_ticket_and_automatic_answers_are_never_answered() {
    let env = Env::new();
    env.deliver("1", LETTER.as_bytes());
    env.suratd(&["run", "--once"]);
    let t = tickets(&env);
    assert_eq!(t.len(), 1);
    let number = t[0]["number"].as_str().expect("number").to_string();
    let ack_id = format!("{number}.ack@kampus.ac.id");

    // The requester answers the acknowledgement (threaded by In-Reply-To only).
    let reply = format!(
        "From: budi.santoso@unsyiah.ac.id\r\nTo: helpdesk@kampus.ac.id\r\nSubject: Re: Tanda terima\r\n\
         Message-ID: <ws-2@unsyiah.ac.id>\r\nIn-Reply-To: <{ack_id}>\r\n\r\nNo HP saya 0812-3456-7890.\r\n"
    );
    env.deliver("2", reply.as_bytes());
    // An out-of-office answer to the acknowledgement.
    let ooo = format!(
        "From: budi.santoso@unsyiah.ac.id\r\nTo: helpdesk@kampus.ac.id\r\nSubject: Automatic reply: [{number}] x\r\n\
         Auto-Submitted: auto-replied\r\nMessage-ID: <ooo-1@unsyiah.ac.id>\r\nIn-Reply-To: <{ack_id}>\r\n\r\nSaya sedang cuti.\r\n"
    );
    env.deliver("3", ooo.as_bytes());
    // A bounce with a null return path.
    env.deliver("4", b"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.kampus.ac.id\r\nTo: helpdesk@kampus.ac.id\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b-1@mx>\r\n\r\nThis is the mail system.\r\n");
    // The letter lacked the phone number: the ticket waited for it.
    assert_eq!(t[0]["state"], "awaiting_requester");
    assert_eq!(t[0]["missing"], serde_json::json!(["no_hp"]));
    let out = env.suratd(&["run", "--once"]);
    assert!(
        out.stdout
            .contains("0 ticket(s), 0 triage, 1 repl(ies), 2 ignored; 2 email(s) queued"),
        "{}",
        out.stdout
    );
    // The reply completed the ticket: one more email, threaded on the reply, and the
    // disposition to the leader; nothing for the out-of-office answer or the bounce.
    let t = tickets(&env);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0]["state"], "awaiting_approval");
    assert_eq!(t[0]["fields"]["no_hp"]["value"], "081234567890");
    assert_eq!(t[0]["missing"], serde_json::json!([]));
    let outbox = env.outbox();
    assert_eq!(
        outbox.len(),
        3,
        "{:?}",
        outbox.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let lengkap = outbox
        .iter()
        .find(|o| o.0.contains(".lengkap@"))
        .map(|o| String::from_utf8_lossy(&o.1).replace("\r\n ", " "))
        .expect("lengkap email");
    assert!(
        lengkap.contains("In-Reply-To: <ws-2@unsyiah.ac.id>"),
        "{lengkap}"
    );
    assert!(
        lengkap.contains("To: \"Budi Santoso\" <budi.santoso@unsyiah.ac.id>"),
        "{lengkap}"
    );
    assert!(
        lengkap.contains("] Data permohonan lengkap: Permohonan akun webservice\r\n"),
        "{lengkap}"
    );
    // Running again changes nothing.
    env.suratd(&["run", "--once"]);
    assert_eq!(env.outbox().len(), 3);
    let shown = json(&env.suratd(&["tickets", &number, "--json"]));
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"reply") && kinds.contains(&"automatic_reply"),
        "{kinds:?}"
    );
    let msgs = json(&env.suratd(&["messages", "--json"]));
    let ignored: Vec<&str> = msgs
        .as_array()
        .expect("list")
        .iter()
        .filter(|m| m["outcome"] == "ignored")
        .filter_map(|m| m["outcome_detail"].as_str())
        .collect();
    assert_eq!(
        ignored,
        vec!["Auto-Submitted: auto-replied", "null return path <>"]
    );
}

#[test]
fn unreadable_mail_becomes_a_triage_ticket_not_a_crash() {
    let env = Env::new();
    env.deliver("junk", &[0xff, 0xfe, 0x00, 0x01, b'\n', b'\n', 0x80]);
    env.deliver("empty", b"\r\n\r\n");
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t = tickets(&env);
    assert_eq!(t.len(), 2, "{t:?}");
    for ticket in &t {
        assert_eq!(ticket["state"], "triage");
        assert!(
            ticket["triage_reason"]
                .as_str()
                .unwrap_or("")
                .starts_with("unparseable"),
            "{ticket}"
        );
    }
    assert!(env.outbox().is_empty(), "triage mail must not be answered");
}

#[test]
fn a_message_stored_before_a_crash_is_processed_after_restart() {
    // Store-first: the fetch half commits the raw message; the process half had not run.
    let env = Env::new();
    env.deliver("1", LETTER.as_bytes());
    let cfg = suratd::config::load(&env.config()).expect("config");
    {
        let mut store = suratd::store::Store::open(&cfg.database).expect("db");
        let stats = suratd::fetch::maildir::fetch(
            &mut store,
            "inbox",
            &env.path().join("inbox"),
            false,
            &suratd::clock::SystemClock,
        )
        .expect("fetch");
        assert_eq!(stats.stored, 1);
    } // "crash": nothing processed.
    let out = env.suratd(&["run", "--once"]);
    assert!(
        out.stdout.starts_with("stored 0 new message(s)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 ticket(s)"), "{}", out.stdout);
    assert_eq!(env.outbox().len(), 1);
}

#[test]
fn the_daemon_answers_letters_as_they_arrive_and_stops_cleanly_on_sigterm() {
    let env = Env::new();
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    std::fs::write(
        env.config(),
        cfg.replace("poll-seconds = 30", "poll-seconds = 1"),
    )
    .expect("w");
    env.deliver("1", LETTER.as_bytes());
    let mut daemon = super::support::Daemon(
        std::process::Command::new(env!("CARGO_BIN_EXE_suratd"))
            .arg("--config")
            .arg(env.config())
            .arg("run")
            .current_dir(env.path())
            .env("RUST_LOG", "suratd=info")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start daemon"),
    );
    let wait_for = |n: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while env.outbox().len() < n {
            assert!(
                std::time::Instant::now() < deadline,
                "no answer within 30 s"
            );
            std::thread::yield_now();
        }
    };
    wait_for(1);
    // A second letter while the daemon runs.
    env.deliver(
        "2",
        LETTER
            .replace("ws-1@", "ws-9@")
            .replace("Budi Santoso", "Rina Wati")
            .as_bytes(),
    );
    wait_for(2);
    let pid = daemon.0.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let start = std::time::Instant::now();
    let status = daemon.0.wait().expect("wait");
    assert!(status.success(), "exit status {status}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(12),
        "shutdown took {:?}",
        start.elapsed()
    );
    let mut log = String::new();
    std::io::Read::read_to_string(&mut daemon.0.stderr.take().expect("stderr"), &mut log)
        .expect("log");
    assert!(log.contains("shutdown: no new work is taken"), "{log}");
    assert!(log.contains("suratd stopped"), "{log}");
    assert_eq!(tickets(&env).len(), 2);
}

#[test]
fn render_shows_a_template_filled_with_a_tickets_data() {
    let env = Env::new();
    env.deliver("1", LETTER.as_bytes());
    env.suratd(&["run", "--once"]);
    let number = tickets(&env)[0]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let out = env.suratd(&["render", "kelengkapan", "--ticket", &number]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(&format!("Subject: [{number}] Kelengkapan permohonan diperlukan: Permohonan akun webservice\n\nYth. Budi Santoso,")), "{}", out.stdout);
    assert!(
        out.stdout.contains("  - No telepon penanggung jawab\n"),
        "the missing phone number is named:\n{}",
        out.stdout
    );
    let en = env.suratd(&["render", "kelengkapan", "--ticket", &number, "--lang", "en"]);
    assert!(en.stdout.contains("Dear Budi Santoso"), "{}", en.stdout);
    let bad = env.suratd(&["render", "nosuch", "--ticket", &number]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("no template \"nosuch\" (hint: templates: ack,"),
        "{}",
        bad.stderr
    );
    assert!(env.outbox().len() == 1, "render sends nothing");
}
