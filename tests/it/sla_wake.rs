//! A decision made on the command line while the daemon runs wakes it: the daemon notices the
//! other process's commit (SQLite `data_version`, polled by the watcher every 0.5 s) and the
//! new step's clock, its alerts and the staff's task email follow at once — not at the
//! daemon's next scheduled wake (here the next one would be a reminder hours away).

use super::support::{repo, Env};

fn at_clock(env: &Env, now: &str, args: &[&str]) -> String {
    super::sla::at_clock(env, now, args).stdout
}

/// Outbox emails addressed to `to`.
fn mail_to(env: &Env, to: &str) -> usize {
    env.outbox()
        .iter()
        .filter(|(_, raw)| {
            String::from_utf8_lossy(raw)
                .lines()
                .any(|l| l.starts_with("To:") && l.contains(to))
        })
        .count()
}

fn wait_for(what: &str, done: impl FnMut() -> bool) {
    super::support::wait_for(what, 30, done);
}

#[test]
fn a_command_line_approval_wakes_the_running_daemon() {
    let env = Env::new();
    let raw = std::fs::read(repo().join("samples/inbox/new/0002.webservice.eml")).expect("sample");
    env.deliver("ws", &raw);
    // Monday 2 March 2026, 09:00 WIB: the ticket waits for the leader's disposition; its
    // 75 % reminder is due at 15:37:30 WIB, the next cron job on Tuesday.
    at_clock(&env, "2026-03-02T02:00:00Z", &["run", "--once"]);
    let staff = "staf.tik@kampus.ac.id";
    assert_eq!(mail_to(&env, staff), 0);

    let log = env.path().join("daemon.log");
    let _daemon = env.daemon(Some("2026-03-02T02:10:00Z"), &log);
    // The watcher has taken its starting point (the log line comes after it) …
    wait_for("the daemon started", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("watching daemon.toml, rules and templates")
    });

    let out = at_clock(
        &env,
        "2026-03-02T02:10:05Z",
        &["approve", "TIK-2026-000001", "--as", "Kepala UPT TIK"],
    );
    assert!(out.contains("TIK-2026-000001"), "{out}");

    // The staff's task email is delivered and the new step's clock and alerts exist, with
    // nothing else to wake the daemon.
    wait_for("the staff's task email", || mail_to(&env, staff) == 1);
    let mut rows = serde_json::Value::Null;
    wait_for("the new step's clock", || {
        rows = serde_json::from_str(&at_clock(&env, "2026-03-02T02:10:10Z", &["sla", "--json"]))
            .expect("json");
        rows[0]["step"] != "disposisi"
    });
    assert_eq!(rows[0]["ticket"], "TIK-2026-000001", "{rows}");
    assert_eq!(rows[0]["paused"], false, "{rows}");
    assert!(rows[0]["due_at"].is_string(), "{rows}");
    let t: serde_json::Value = serde_json::from_str(&at_clock(
        &env,
        "2026-03-02T02:10:10Z",
        &["tickets", "TIK-2026-000001", "--json"],
    ))
    .expect("json");
    let started: Vec<&serde_json::Value> = t["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "sla_started")
        .collect();
    assert_eq!(started.len(), 2, "{started:?}");
    // The new step's clock starts at the decision (the CLI's clock), not at a later wake.
    assert_eq!(
        started[1]["at"].as_str().map(|s| &s[..16]),
        Some("2026-03-02T02:10"),
        "{started:?}"
    );
}
