//! The SLA end to end: step clocks started by real letters, alerts fired once into the file
//! outbox, by the library with a manual clock and by the real binary (whose clock is set
//! with the debug-only `SURATD_CLOCK_START`).

use super::support::{repo, Daemon, Env};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use suratd::clock::{Clock, ManualClock};
use suratd::store::Store;
use suratd::workflow::TicketState;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn webservice_letter(env: &Env) {
    let raw = std::fs::read(repo().join("samples/inbox/new/0002.webservice.eml")).expect("sample");
    env.deliver("ws", &raw);
}

/// The SLA emails in the outbox (their file names carry `sla-<clock>-<level>-`).
fn sla_mail(env: &Env) -> Vec<String> {
    env.outbox()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n.contains(".sla-"))
        .collect()
}

/// `suratd ARGS` on the debug-only clock starting at `now`; asserts it succeeded.
pub(super) fn at_clock(env: &Env, now: &str, args: &[&str]) -> super::support::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_suratd"))
        .arg("--config")
        .arg(env.config())
        .args(args)
        .current_dir(env.path())
        .env("RUST_LOG", "suratd=warn")
        .env("SURATD_CLOCK_START", now)
        .output()
        .expect("run suratd");
    let o = super::support::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    o
}

fn events(env: &Env, kind: &str) -> Vec<serde_json::Value> {
    let out = at_clock(
        env,
        "2026-03-02T02:00:00Z",
        &["tickets", "TIK-2026-000001", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    v["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[test]
fn a_running_daemon_fires_a_due_reminder_within_a_second_and_restarts_fire_none_twice() {
    let env = Env::new();
    webservice_letter(&env);
    // Monday 2 March 2026, 09:00 WIB: the letter becomes a ticket at the leader's
    // disposition, "1 x 24 jam hari kerja": due Tuesday 09:00, the 75 % reminder Monday
    // 15:37:30 WIB (5 h 37.5 m of working time later, across the lunch break).
    at_clock(&env, "2026-03-02T02:00:00Z", &["run", "--once"]);
    let started = events(&env, "sla_started");
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(started[0]["detail"]["due_at"], "2026-03-03T02:00:00Z");
    assert!(sla_mail(&env).is_empty());

    // The daemon starts one second before the reminder is due.
    let mut daemon = Daemon(
        std::process::Command::new(env!("CARGO_BIN_EXE_suratd"))
            .arg("--config")
            .arg(env.config())
            .arg("run")
            .current_dir(env.path())
            .env("RUST_LOG", "suratd=info")
            .env("SURATD_CLOCK_START", "2026-03-02T08:37:29Z")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start daemon"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sla_mail(&env).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no reminder within 30 s"
        );
        std::thread::yield_now();
    }
    let pid = daemon.0.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(daemon.0.wait().expect("wait").success());

    let mail = sla_mail(&env);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].contains("-75-kepala-tik-"), "{mail:?}");
    let (_, raw) = env
        .outbox()
        .into_iter()
        .find(|(n, _)| n == &mail[0])
        .expect("file");
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("Subject: [TIK-2026-000001] Pengingat"),
        "{text}"
    );
    assert!(text.contains("2026-03-03 09:00 WIB"), "{text}");
    // Fired within a second of its due time, not before.
    let fired = events(&env, "sla_reminder");
    assert_eq!(fired.len(), 1, "{fired:?}");
    let due = utc(fired[0]["detail"]["due_at"].as_str().expect("due"));
    let at = utc(fired[0]["at"].as_str().expect("at"));
    assert_eq!(due, utc("2026-03-02T08:37:30Z"));
    let late = at - due;
    eprintln!(
        "reminder fired {} ms after its due time",
        late.num_milliseconds()
    );
    assert!(
        late >= chrono::Duration::zero() && late < chrono::Duration::seconds(1),
        "fired {late} after its due time"
    );

    // A new process a little later: nothing fires twice.
    at_clock(&env, "2026-03-02T08:40:00Z", &["run", "--once"]);
    assert_eq!(sla_mail(&env).len(), 1);
    // Down until Wednesday 10:00 WIB: the 100 % and 200 % escalations passed meanwhile and
    // fire once each on start; again nothing twice.
    at_clock(&env, "2026-03-04T03:00:00Z", &["run", "--once"]);
    let mail = sla_mail(&env);
    assert_eq!(mail.len(), 3, "{mail:?}");
    at_clock(&env, "2026-03-04T03:05:00Z", &["run", "--once"]);
    assert_eq!(sla_mail(&env).len(), 3);
    let esc = events(&env, "sla_escalation");
    let levels: Vec<u64> = esc
        .iter()
        .filter_map(|e| e["detail"]["level"].as_u64())
        .collect();
    assert_eq!(levels, vec![100, 200]);

    let out = at_clock(&env, "2026-03-04T03:00:00Z", &["sla", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(rows[0]["ticket"], "TIK-2026-000001");
    assert_eq!(rows[0]["overdue"], true);
    // Tuesday 09:00 → Wednesday 10:00 WIB is 6 + 2.5 = 8.5 working hours.
    assert_eq!(rows[0]["left_seconds"], -30_600);
    let text = at_clock(&env, "2026-03-04T03:00:00Z", &["sla"]).stdout;
    assert!(text.contains("OVERDUE 8 j 30 m (working time)"), "{text}");
}

/// The library with a manual clock: pause while waiting on the requester, resume with the
/// time that was left, and a new step cancelling the old step's alerts.
#[tokio::test(flavor = "multi_thread")]
async fn the_clock_pauses_for_the_requester_and_a_new_step_cancels_the_old_alerts() {
    let env = Env::new();
    webservice_letter(&env);
    let loaded = suratd::daemon::load(&env.config()).expect("config");
    let clock = Arc::new(ManualClock::new(utc("2026-03-02T02:00:00Z")));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    suratd::daemon::run_once(&loaded, dyn_clock.clone())
        .await
        .expect("run");
    let mut store = Store::open(&loaded.config.database).expect("db");
    let t = store
        .ticket_by_number("TIK-2026-000001")
        .expect("read")
        .expect("ticket");
    let due0 = store.next_sla_due().expect("due");
    assert_eq!(due0, Some(utc("2026-03-02T08:37:30Z")), "the 75 % reminder");

    // Monday 10:00 WIB: data is missing after all; the ticket waits on the requester.
    let set = |store: &mut Store, state: TicketState, step: Option<&str>, at: &str| {
        let row = store
            .ticket_by_number("TIK-2026-000001")
            .expect("read")
            .expect("ticket");
        store
            .transaction(|tx| {
                tx.update_ticket(
                    row.id,
                    state,
                    step,
                    &row.fields,
                    &row.missing,
                    &row.invalid,
                    utc(at),
                )
            })
            .expect("update");
    };
    set(
        &mut store,
        TicketState::AwaitingRequester,
        None,
        "2026-03-02T03:00:00Z",
    );
    clock.set(utc("2026-03-02T03:00:01Z"));
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!(s.paused, 1);
    assert_eq!(
        store.next_sla_due().expect("due"),
        None,
        "nothing due while paused"
    );
    // Days later nothing fires.
    clock.set(utc("2026-03-05T03:00:00Z"));
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!(s.fired, 0);
    // The requester answers Thursday 5 March 13:00 WIB: 1 h of 7.5 h was used, so 100 %
    // is 6.5 working hours later: 3 h on Thursday, 3.5 h on Friday: Friday 11:00 WIB.
    set(
        &mut store,
        TicketState::AwaitingApproval,
        None,
        "2026-03-05T06:00:00Z",
    );
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!(s.resumed, 1);
    let c = store.current_clock(t.id).expect("clock").expect("open");
    assert_eq!(c.used, 3600);
    let due100 = store
        .clock_deadlines(c.id)
        .expect("deadlines")
        .into_iter()
        .find(|d| d.level == 100)
        .and_then(|d| d.due_at);
    assert_eq!(due100, Some(utc("2026-03-06T04:00:00Z")));

    // The leader decides before any alert: the disposition's alerts are cancelled and the
    // work step's clock starts.
    set(
        &mut store,
        TicketState::InProgress,
        Some("pembuatan_akun"),
        "2026-03-05T07:00:00Z",
    );
    clock.set(utc("2026-03-05T07:00:01Z"));
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!((s.stopped, s.started), (1, 1));
    let old = store.clock_deadlines(c.id).expect("deadlines");
    assert!(old.iter().all(|d| d.state == "cancelled"), "{old:?}");
    // Past the old deadlines: only the work step's reminder (to the staff) fires. The work
    // step started Thursday 14:00 WIB; one working day is 7 h to Friday 14:00, 75 % of it
    // Friday 10:45 WIB.
    clock.set(utc("2026-03-06T03:44:59Z"));
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!(s.fired, 0, "the old step's alerts are cancelled");
    clock.set(utc("2026-03-06T04:00:00Z"));
    let (s, _) = suratd::sla::service::pass(&loaded, &mut store, clock.as_ref()).expect("pass");
    assert_eq!(s.fired, 1);
    let evs = store.events(Some(t.id)).expect("events");
    let reminders: Vec<_> = evs.iter().filter(|e| e.kind == "sla_reminder").collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].detail["step"], "pembuatan_akun");
    assert_eq!(reminders[0].detail["role"], "staf");
}

/// The cron jobs of the shipped daemon.toml: the first start only records where it starts;
/// the weekday digest goes to the leader the disposition waits on, once, also across a
/// restart; the Monday report goes to the head of the unit.
#[tokio::test(flavor = "multi_thread")]
async fn the_digest_and_the_report_run_once_at_their_time() {
    let env = Env::new();
    webservice_letter(&env);
    let loaded = suratd::daemon::load(&env.config()).expect("config");
    // Sunday 1 March 2026, 20:00 WIB.
    let clock = Arc::new(ManualClock::new(utc("2026-03-01T13:00:00Z")));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    suratd::daemon::run_once(&loaded, dyn_clock.clone())
        .await
        .expect("run");
    let db = loaded.config.database.clone();
    let digests = |env: &Env| -> Vec<String> {
        env.outbox()
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n.starts_with("SLA-"))
            .collect()
    };
    assert!(
        digests(&env).is_empty(),
        "nothing made up from before the start"
    );
    {
        let store = Store::open(&db).expect("db");
        let sla = sla_of(&loaded, clock.as_ref());
        // Monday 07:00 WIB: the digest; the report at 07:30.
        assert_eq!(
            sla.next_cron(&store).expect("next"),
            Some(utc("2026-03-02T00:00:00Z"))
        );
    }
    clock.set(utc("2026-03-02T00:00:01Z"));
    suratd::daemon::run_once(&loaded, dyn_clock.clone())
        .await
        .expect("run");
    let d = digests(&env);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains(".digest-") && d[0].contains("kepala-tik"),
        "{d:?}"
    );
    let (_, raw) = env
        .outbox()
        .into_iter()
        .find(|(n, _)| n == &d[0])
        .expect("file");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Ringkasan harian"), "{text}");
    assert!(text.contains("TIK-2026-000001"), "{text}");
    // Again, and from a new store (a restart): nothing twice.
    suratd::daemon::run_once(&loaded, dyn_clock.clone())
        .await
        .expect("run");
    assert_eq!(digests(&env).len(), 1);
    // 07:30: the weekly report to the head of the unit.
    clock.set(utc("2026-03-02T00:30:00Z"));
    suratd::daemon::run_once(&loaded, dyn_clock.clone())
        .await
        .expect("run");
    let d = digests(&env);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.iter().any(|n| n.contains("report-")), "{d:?}");
}

/// A scratch installation whose rules directory is a copy of the shipped one, with the
/// calendar changed by `edit`; returns it and the original calendar text.
fn env_with_calendar(edit: impl Fn(&str) -> String) -> (Env, String) {
    let env = Env::new();
    let rules = env.path().join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    for e in std::fs::read_dir(repo().join("rules"))
        .expect("rules")
        .flatten()
    {
        std::fs::copy(e.path(), rules.join(e.file_name())).expect("copy");
    }
    let cal = std::fs::read_to_string(rules.join("calendar.toml")).expect("calendar");
    std::fs::write(rules.join("calendar.toml"), edit(&cal)).expect("write");
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    let cfg = cfg.replace(
        &format!("rules = {:?}", repo().join("rules")),
        &format!("rules = {:?}", rules),
    );
    std::fs::write(env.config(), cfg).expect("write");
    (env, cal)
}

/// `suratd check` reads the calendar beside the rules and reports its problems with
/// file:line:col, the source line and a caret.
#[test]
fn check_reports_a_broken_calendar_at_its_line() {
    let (env, cal) = env_with_calendar(|c| {
        c.replacen(
            "friday    = [\"07:30-11:30\"",
            "friday    = [\"07:30-11:70\"",
            1,
        )
    });
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let line = cal
        .lines()
        .position(|l| l.starts_with("friday"))
        .expect("friday")
        + 1;
    let want = format!(
        "rules/calendar.toml:{line}:14: error: bad time \"11:70\" in \"07:30-11:70\" (hint: write a period as \"HH:MM-HH:MM\", e.g. \"07:30-12:00\")\n\
         {line} | friday    = [\"07:30-11:70\", \"13:00-16:30\"]\n"
    );
    assert!(out.stdout.contains(&want), "{}", out.stdout);
    assert!(
        out.stdout.contains("   |              ^\n"),
        "{}",
        out.stdout
    );
}

/// A calendar in WITA under a daemon.toml in WIB is allowed, with a warning.
#[test]
fn check_warns_when_the_calendar_and_the_daemon_disagree_on_the_zone() {
    let (env, _) = env_with_calendar(|c| {
        c.replacen(
            "timezone = \"Asia/Jakarta\"",
            "timezone = \"Asia/Makassar\"",
            1,
        )
    });
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("rules/calendar.toml: warning: the calendar's time zone Asia/Makassar differs from daemon.toml's Asia/Jakarta"),
        "{}",
        out.stdout
    );
}

/// From November, `suratd check` says which year's holidays the calendar still lacks (the
/// shipped one holds 2026 only), as a warning: the check still passes.
#[test]
fn check_names_a_year_whose_holidays_are_missing() {
    let env = Env::new();
    let at = |t: &str| env.suratd_with_env(&[("SURATD_CLOCK_START", t)], &["check"]);
    let december = at("2026-12-01T02:00:00Z");
    assert_eq!(december.code, 0, "{}{}", december.stdout, december.stderr);
    assert!(
        december.stdout.contains(
            "rules/calendar.toml: warning: the calendar lists no day off in 2027: working-time deadlines in 2027 count every weekday as worked, holidays included (hint: add 2027's libur nasional and cuti bersama (SKB 3 Menteri) as [[day_off]] entries, see docs/sla.md)"
        ),
        "{}",
        december.stdout
    );
    let march = at("2026-03-02T02:00:00Z");
    assert!(
        !march.stdout.contains("lists no day off"),
        "{}",
        march.stdout
    );
}

/// A letter missing data, through the real pipeline: its clock stands still while the
/// ticket waits on the requester, however long; their completing reply starts the next
/// step's clock from the time of the reply.
#[test]
fn nothing_runs_while_the_requester_owes_data_and_their_reply_starts_the_next_clock() {
    let env = Env::new();
    // The scenario letter has no phone number: the ticket waits for it.
    env.deliver("1", super::scenario::LETTER.as_bytes());
    at_clock(&env, "2026-03-02T02:00:00Z", &["run", "--once"]);
    let t: serde_json::Value = serde_json::from_str(
        &at_clock(&env, "2026-03-02T02:00:00Z", &["tickets", "--json"]).stdout,
    )
    .expect("json");
    assert_eq!(t[0]["state"], "awaiting_requester", "{t}");
    let rows: serde_json::Value =
        serde_json::from_str(&at_clock(&env, "2026-03-05T06:00:00Z", &["sla", "--json"]).stdout)
            .expect("json");
    assert_eq!(rows[0]["paused"], true, "{rows}");
    assert_eq!(rows[0]["due_at"], serde_json::Value::Null);
    // Three days later nothing has fired.
    at_clock(&env, "2026-03-05T05:59:00Z", &["run", "--once"]);
    assert!(sla_mail(&env).is_empty());
    // Thursday 13:00 WIB the requester sends the number.
    let reply = "From: budi.santoso@unsyiah.ac.id\r\nTo: helpdesk@kampus.ac.id\r\n\
                 Subject: Re: Tanda terima\r\nMessage-ID: <ws-2@unsyiah.ac.id>\r\n\
                 In-Reply-To: <TIK-2026-000001.ack@kampus.ac.id>\r\n\r\nNo HP saya 0812-3456-7890.\r\n";
    env.deliver("2", reply.as_bytes());
    at_clock(&env, "2026-03-05T06:00:00Z", &["run", "--once"]);
    let rows: serde_json::Value =
        serde_json::from_str(&at_clock(&env, "2026-03-05T06:00:00Z", &["sla", "--json"]).stdout)
            .expect("json");
    assert_eq!(rows[0]["step"], "disposisi", "{rows}");
    assert_eq!(rows[0]["paused"], false);
    // One working day from Thursday 13:00 WIB is used up when Friday's morning ends at
    // 11:30 (Friday's break lasts until 13:00 and adds no working time).
    assert_eq!(rows[0]["due_at"], "2026-03-06T04:30:00Z");
    assert_eq!(rows[0]["due_local"], "2026-03-06 11:30 WIB");
    let stopped = events(&env, "sla_stopped");
    assert_eq!(stopped.len(), 1, "the paused verification clock was closed");
}

/// A backlog larger than one chunk: the pass reads the tickets a few at a time and still
/// starts a clock on every one, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_pass_over_a_backlog_tracks_every_ticket_in_bounded_chunks() {
    let (_env, loaded, clock, mut store, first) = one_webservice_ticket().await;
    // 10 more tickets like the first, not yet seen by the SLA.
    for i in 0..10 {
        add_like(&mut store, &first, &format!("TIK-2026-9{i:05}"), false);
    }
    // Chunks of 3 over 11 tickets: 4 reads, the last one short.
    let all = store.sla_tickets().expect("all");
    assert_eq!(all.len(), 11);
    let mut after = suratd::store::TicketId(0);
    let mut chunks = Vec::new();
    loop {
        let rows = store.sla_tickets_after(after, 3).expect("chunk");
        let Some(last) = rows.last() else { break };
        after = last.id;
        chunks.push(rows.iter().map(|r| r.id).collect::<Vec<_>>());
    }
    assert_eq!(
        chunks.iter().map(Vec::len).collect::<Vec<_>>(),
        [3, 3, 3, 2]
    );
    assert_eq!(
        chunks.concat(),
        all.iter().map(|r| r.id).collect::<Vec<_>>()
    );

    let sla = sla_of(&loaded, clock.as_ref());
    let s = sla.track_in_chunks(&mut store, 3).expect("track");
    assert_eq!(s.started, 10, "every new ticket, across the chunks: {s:?}");
    for r in &all {
        assert!(
            store.current_clock(r.id).expect("clock").is_some(),
            "{}",
            r.number
        );
    }
    let again = sla.track_in_chunks(&mut store, 3).expect("track");
    assert_eq!(again, suratd::sla::SlaStats::default(), "nothing twice");
}

/// The changed tickets of a chunk are tracked in one transaction, a savepoint each: when one
/// ticket fails in the middle of a chunk, the tickets before it keep their clocks, the failed
/// one leaves nothing behind, and the next pass tracks the rest, each once.
#[tokio::test(flavor = "multi_thread")]
async fn a_failure_inside_a_chunk_keeps_the_tickets_before_it_and_doubles_nothing() {
    let (_env, loaded, clock, mut store, first) = one_webservice_ticket().await;
    for i in 0..10 {
        add_like(&mut store, &first, &format!("TIK-2026-9{i:05}"), false);
    }
    let started = |store: &Store| {
        let all = store.events(None).expect("events");
        all.iter().filter(|e| e.kind == "sla_started").count()
    };
    let all = store.sla_tickets().expect("all");
    // Chunks of 4: [first, 0, 1, 2], [3, 4, 5, 6], [7, 8, 9]. The deadlines of ticket 4
    // (the middle of the second chunk) cannot be written, after its clock was.
    let bad = all[5].id;
    let db = rusqlite::Connection::open(&loaded.config.database).expect("db");
    db.execute_batch(&format!(
        "CREATE TRIGGER no_clock BEFORE INSERT ON sla_deadlines
         WHEN (SELECT ticket_id FROM sla_clocks WHERE id = NEW.clock_id) = {}
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        bad.0
    ))
    .expect("trigger");
    let sla = sla_of(&loaded, clock.as_ref());
    let err = sla
        .track_in_chunks(&mut store, 4)
        .expect_err("the injected failure");
    assert!(err.to_string().contains("injected failure"), "{err}");
    let clocked: Vec<bool> = all
        .iter()
        .map(|r| store.current_clock(r.id).expect("clock").is_some())
        .collect();
    assert_eq!(
        clocked,
        [true, true, true, true, true, false, false, false, false, false, false],
        "the first chunk and the ticket before the failure are kept; nothing after it"
    );
    assert_eq!(started(&store), 5, "no event of the undone ticket");

    db.execute_batch("DROP TRIGGER no_clock").expect("drop");
    let s = sla.track_in_chunks(&mut store, 4).expect("track");
    assert_eq!(s.started, 6, "the rest, once: {s:?}");
    assert_eq!(started(&store), 11, "one start per ticket");
    let again = sla.track_in_chunks(&mut store, 4).expect("track");
    assert_eq!(again, suratd::sla::SlaStats::default(), "nothing twice");
}

/// The SLA engine over what `loaded` holds.
fn sla_of<'a>(loaded: &'a suratd::daemon::Loaded, clock: &'a dyn Clock) -> suratd::sla::Sla<'a> {
    suratd::sla::Sla {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        calendar: &loaded.calendar,
        clock,
    }
}

/// A ticket like `first`, numbered `number`, with (or without) an event of its own.
fn add_like(store: &mut Store, first: &suratd::store::TicketRow, number: &str, event: bool) {
    store
        .transaction(|tx| {
            let (fields, missing, invalid) = (
                first.fields.to_string(),
                first.missing.to_string(),
                first.invalid.to_string(),
            );
            let id = tx.insert_ticket(
                &suratd::store::NewTicket {
                    number,
                    kind: first.kind,
                    rule_id: first.rule_id.as_deref(),
                    state: first.state,
                    step: first.step.as_deref(),
                    requester: first.requester.as_deref(),
                    requester_name: None,
                    language: &first.language,
                    subject: &first.subject,
                    fields: &fields,
                    missing: &missing,
                    invalid: &invalid,
                    triage_reason: None,
                    source_message: first.source_message.expect("source"),
                },
                utc("2026-03-02T02:30:00Z"),
            )?;
            if event {
                let detail = serde_json::json!({});
                tx.add_event(
                    Some(id),
                    None,
                    "created",
                    None,
                    &detail,
                    utc("2026-03-02T02:30:00Z"),
                )?;
            }
            Ok::<_, suratd::store::StoreError>(())
        })
        .expect("insert");
}

/// After a full pass, the service's passes look only at tickets with an event newer than the
/// last one the previous pass saw (every change of a ticket is an event): a ticket changed
/// behind the SLA's back without an event is left to the next full pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_pass_since_a_watermark_tracks_only_the_tickets_that_changed() {
    let (_env, loaded, clock, mut store, first) = one_webservice_ticket().await;
    let mark = store.last_event_id().expect("mark");
    assert!(mark > 0, "the letter's ticket has events");
    add_like(&mut store, &first, "TIK-2026-900001", true);
    add_like(&mut store, &first, "TIK-2026-900002", false);
    let sla = sla_of(&loaded, clock.as_ref());
    let changed = sla.pass_since(&mut store, mark).expect("pass");
    assert_eq!(
        changed.started, 1,
        "only the ticket with a new event: {changed:?}"
    );
    let with_event = store
        .ticket_by_number("TIK-2026-900001")
        .expect("read")
        .expect("t");
    let without = store
        .ticket_by_number("TIK-2026-900002")
        .expect("read")
        .expect("t");
    assert!(store.current_clock(with_event.id).expect("clock").is_some());
    assert!(store.current_clock(without.id).expect("clock").is_none());
    let full = sla.pass(&mut store).expect("pass");
    assert_eq!(
        full.started, 1,
        "the full pass finds the other one: {full:?}"
    );
    let mark = store.last_event_id().expect("mark");
    let again = sla.pass_since(&mut store, mark).expect("pass");
    assert_eq!(again, suratd::sla::SlaStats::default(), "nothing twice");
}

/// A daemon's one pass over the webservice letter: its config, clock, store and ticket.
async fn one_webservice_ticket() -> (
    Env,
    suratd::daemon::Loaded,
    Arc<dyn Clock>,
    Store,
    suratd::store::TicketRow,
) {
    let env = Env::new();
    webservice_letter(&env);
    let loaded = suratd::daemon::load(&env.config()).expect("config");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(utc("2026-03-02T02:00:00Z")));
    suratd::daemon::run_once(&loaded, clock.clone())
        .await
        .expect("run");
    let store = Store::open(&loaded.config.database).expect("db");
    let first = store
        .ticket_by_number("TIK-2026-000001")
        .expect("read")
        .expect("ticket");
    (env, loaded, clock, store, first)
}
