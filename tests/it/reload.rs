//! Hot reload while `suratd run` runs (Maildir source, file outbox): a rule file added is in
//! force for the next letter; a broken edit is logged with file:line, emailed to the admin,
//! and the rules in force stay; a template edit changes the next email; a daemon.toml edit
//! applies what can change live and keeps the rest for a restart. Every wait polls an
//! observable effect (the log, the store, the outbox) against a deadline.

use super::support::{repo, Daemon, Env};
use std::time::{Duration, Instant};

const ADMIN: &str = "admin.tik@kampus.ac.id";

struct Live {
    env: Env,
    _daemon: Daemon,
}

impl Live {
    /// The daemon on a copy of the rules without the Zoom rule, on the real clock.
    fn start() -> Live {
        Live::start_with(None, &["zoom-ormawa.toml"])
    }

    /// The daemon on a copy of the rules and templates less `skip`, on the debug-only clock
    /// starting at `clock` if given.
    fn start_with(clock: Option<&str>, skip: &[&str]) -> Live {
        let env = Env::new();
        for dir in ["rules", "templates"] {
            let to = env.path().join(dir);
            std::fs::create_dir_all(&to).expect("mkdir");
            for e in std::fs::read_dir(repo().join(dir)).expect("dir").flatten() {
                if !skip.iter().any(|s| e.file_name() == *s) {
                    std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
                }
            }
        }
        let cfg = std::fs::read_to_string(env.config())
            .expect("cfg")
            .replace(
                &format!("rules = {:?}", repo().join("rules")),
                "rules = \"rules\"",
            )
            .replace(
                &format!("templates = {:?}", repo().join("templates")),
                "templates = \"templates\"",
            )
            .replace("poll-seconds = 30", "poll-seconds = 1")
            .replace(
                "name = \"Helpdesk TIK\"",
                &format!("name = \"Helpdesk TIK\"\nadmin = \"{ADMIN}\""),
            );
        assert!(cfg.contains(ADMIN) && cfg.contains("poll-seconds = 1"));
        std::fs::write(env.config(), cfg).expect("w");
        let daemon = env.daemon(clock, &env.path().join("suratd.log"));
        let live = Live {
            env,
            _daemon: daemon,
        };
        live.wait_log("watching daemon.toml, rules and templates", 1);
        live
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.env.path().join("suratd.log")).unwrap_or_default()
    }

    fn wait<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "waited 60 s for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50)); // polling, not synchronising
        }
    }

    /// Waits until the log holds `text` at least `n` times.
    fn wait_log(&self, text: &str, n: usize) {
        self.wait(&format!("{n}× \"{text}\" in the log"), || {
            (self.log().matches(text).count() >= n).then_some(())
        });
    }

    /// Delivers the Zoom sample as letter `n`; its Message-ID.
    fn deliver(&self, n: usize) -> String {
        let id = format!("reload-{n}@mail.gmail.com");
        let raw = std::fs::read_to_string(repo().join("samples/inbox/new/0003.zoom-ormawa.eml"))
            .expect("eml")
            .replace("CAF13A79+eb8a2a6ae02cd5314e69a65b@mail.gmail.com", &id);
        self.env.deliver(&format!("{n}.eml"), raw.as_bytes());
        id
    }

    /// Delivers the Zoom sample as letter `n`; waits until it is processed; its outcome and
    /// ticket.
    fn letter(&self, n: usize) -> (String, String) {
        let id = self.deliver(n);
        self.wait(&format!("letter {n} processed"), || {
            let out = self.env.suratd(&["messages", "--json"]);
            let all: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).ok()?;
            let m = all
                .into_iter()
                .find(|m| m["message_id"] == id.as_str() && m["state"] == "done")?;
            Some((
                m["outcome"].as_str()?.to_string(),
                m["ticket"].as_str()?.to_string(),
            ))
        })
    }

    fn outbox_with(&self, text: &str) -> Option<String> {
        self.env
            .outbox()
            .into_iter()
            .map(|(_, raw)| String::from_utf8_lossy(&raw).into_owned())
            .find(|m| m.contains(text))
    }
}

#[test]
fn rules_and_templates_reload_live_and_a_broken_edit_keeps_the_old_ones() {
    let live = Live::start();
    let rules = live.env.path().join("rules");

    // No Zoom rule yet: triage.
    assert_eq!(live.letter(1).0, "triage");

    // The rule file arrives: in force for the next letter.
    std::fs::copy(
        repo().join("rules/zoom-ormawa.toml"),
        rules.join("zoom-ormawa.toml"),
    )
    .expect("copy");
    live.wait_log("rules and templates reloaded", 1);
    let (outcome, ticket2) = live.letter(2);
    assert_eq!(outcome, "new_ticket");

    // A broken edit: reported with file:line, emailed to the admin, the old rules stay.
    let good = std::fs::read_to_string(rules.join("zoom-ormawa.toml")).expect("rule");
    let line = good.lines().count() + 1;
    std::fs::write(
        rules.join("zoom-ormawa.toml"),
        format!("{good}this is not toml\n"),
    )
    .expect("w");
    let at = format!("zoom-ormawa.toml:{line}");
    live.wait_log(&at, 1);
    assert!(live.log().contains("reload refused"), "{}", live.log());
    let mail = live.wait("the admin's email", || {
        live.outbox_with(&format!("To: {ADMIN}"))
    });
    assert!(mail.contains(&at), "{mail}");
    assert!(mail.contains("Auto-Submitted: auto-replied"), "{mail}");
    let (outcome, ticket3) = live.letter(3);
    assert_eq!(outcome, "new_ticket", "the Zoom rule is still in force");
    let t = live.env.suratd(&["tickets", &ticket3, "--json"]);
    assert!(t.stdout.contains("\"zoom-ormawa\""), "{}", t.stdout);
    assert_ne!(ticket2, ticket3);

    // Fixed, and every template's subject edited at once: one reload, the next email shows it.
    std::fs::write(rules.join("zoom-ormawa.toml"), &good).expect("w");
    let templates = live.env.path().join("templates");
    for e in std::fs::read_dir(&templates).expect("dir").flatten() {
        let text = std::fs::read_to_string(e.path()).expect("tpl");
        std::fs::write(e.path(), text.replacen("Subject: ", "Subject: [v2] ", 1)).expect("w");
    }
    live.wait_log("rules and templates reloaded", 2);
    let (_, ticket4) = live.letter(4);
    let mail = live.wait("an email of the edited templates", || {
        live.outbox_with(&format!("[{ticket4}] [v2]"))
    });
    assert!(!mail.is_empty());
    // One admin email for the one broken state, however many polls saw it.
    let admin_mails = live
        .env
        .outbox()
        .iter()
        .filter(|(_, raw)| String::from_utf8_lossy(raw).contains(&format!("To: {ADMIN}")))
        .count();
    assert_eq!(admin_mails, 1);
}

/// The SLA clock the daemon started for `ticket` (its 100 % due time), once it has.
fn due_at(live: &Live, ticket: &str) -> String {
    live.wait(&format!("the SLA clock of {ticket}"), || {
        let t = live.env.suratd(&["tickets", ticket, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&t.stdout).ok()?;
        let events = v["events"].as_array()?;
        let started = events.iter().rfind(|e| e["kind"] == "sla_started")?;
        Some(started["detail"]["due_at"].as_str()?.to_string())
    })
}

#[test]
fn the_calendar_reloads_live_and_a_broken_calendar_keeps_the_old_one() {
    // Saturday 7 March 2026, 09:00 WIB: outside the shipped calendar's working time, whose
    // clocks start on Monday 07:30 WIB (2026-03-09T00:30Z).
    let live = Live::start_with(Some("2026-03-07T02:00:00Z"), &[]);
    let calendar = live.env.path().join("rules/calendar.toml");
    let monday_opening = "2026-03-09T00:30:00Z";
    let (_, ticket1) = live.letter(1);
    let due1 = due_at(&live, &ticket1);
    assert!(due1.as_str() > monday_opening, "{due1}");

    // Every hour of every day is working time: the next ticket's clock runs this weekend.
    let all_week = "timezone = \"Asia/Jakarta\"\n\n[hours]\n".to_string()
        + &[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .map(|d| format!("{d} = [\"00:00-24:00\"]\n"))
        .concat();
    std::fs::write(&calendar, &all_week).expect("w");
    live.wait_log("rules and templates reloaded", 1);
    let (_, ticket2) = live.letter(2);
    let due2 = due_at(&live, &ticket2);
    assert!(due2.as_str() < monday_opening, "{due2}");

    // The shipped calendar back, but broken (Monday's periods overlap, on line 3): refused
    // with file:line, and the all-week calendar stays in force.
    let broken =
        "timezone = \"Asia/Jakarta\"\n[hours]\nmonday = [\"07:30-12:00\", \"11:00-16:00\"]\n";
    std::fs::write(&calendar, broken).expect("w");
    live.wait_log("calendar.toml:3", 1);
    assert!(live.log().contains("reload refused"), "{}", live.log());
    let (_, ticket3) = live.letter(3);
    let due3 = due_at(&live, &ticket3);
    assert!(
        due3.as_str() < monday_opening,
        "the old calendar stays: {due3}"
    );
    assert_eq!(
        live.log().matches("rules and templates reloaded").count(),
        1
    );
}

/// daemon.toml reloads live too: a new helpdesk name is on the next acknowledgement; an edit
/// only a restart can apply (the poll interval) is kept for it and the log says so; a broken
/// daemon.toml is reported with its line and what is in force stays.
#[test]
fn daemon_toml_reloads_live_and_what_needs_a_restart_waits_for_it() {
    let live = Live::start_with(None, &[]);
    let (_, ticket1) = live.letter(1);
    let ack = live.wait("the first acknowledgement", || {
        live.outbox_with(&format!("[{ticket1}] Tanda terima"))
    });
    assert!(ack.contains("From: \"Helpdesk TIK\" <"), "{ack}");

    let cfg = std::fs::read_to_string(live.env.config()).expect("cfg");
    let edited = cfg
        .replace("name = \"Helpdesk TIK\"", "name = \"Layanan TIK\"")
        .replace("poll-seconds = 1", "poll-seconds = 2");
    assert_ne!(edited, cfg);
    std::fs::write(live.env.config(), &edited).expect("w");
    live.wait_log("daemon.toml, rules and templates reloaded", 1);
    let log = live.log();
    let restart = log
        .lines()
        .find(|l| l.contains("need a restart"))
        .unwrap_or_else(|| panic!("no restart warning:\n{log}"));
    assert!(restart.contains("[daemon] poll-seconds"), "{restart}");
    assert!(!restart.contains("[helpdesk] address"), "{restart}");
    let (_, ticket2) = live.letter(2);
    let ack = live.wait("the second acknowledgement", || {
        live.outbox_with(&format!("[{ticket2}] Tanda terima"))
    });
    assert!(ack.contains("From: \"Layanan TIK\" <"), "{ack}");

    // Broken: reported at its line; the edited configuration stays in force.
    let line = edited.lines().count() + 1;
    std::fs::write(live.env.config(), format!("{edited}bukan toml\n")).expect("w");
    live.wait_log(&format!("daemon.toml:{line}"), 1);
    assert!(live.log().contains("reload refused"), "{}", live.log());
    // (The command line cannot read the broken file: the outbox shows the letter's answer.)
    live.deliver(3);
    let ack = live.wait("the third acknowledgement", || {
        live.outbox_with("In-Reply-To: <reload-3@mail.gmail.com>")
    });
    assert!(ack.contains("From: \"Layanan TIK\" <"), "{ack}");
}
