//! Refusal notices are rate-limited: a flood of forged replies is logged in full, but the
//! leader gets at most one `keputusan_ditolak` per ticket in `[security]
//! refusal-notice-minutes` (60). In process, on a [`ManualClock`]: no sleeping.

use super::disposition::WEBSERVICE;
use super::support::repo;
use chrono::{DateTime, Duration, Utc};
use suratd::clock::{Clock, ManualClock};
use suratd::pipeline::Pipeline;
use suratd::store::Store;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn forged(token: &str, n: usize) -> String {
    format!(
        "From: Orang Lain <orang.lain@contoh.com>\r\nTo: helpdesk+{token}@kampus.ac.id\r\n\
         Subject: Re: disposisi\r\nMessage-ID: <palsu-{n}@contoh.com>\r\n\
         Authentication-Results: mx.kampus.ac.id; dkim=pass header.d=contoh.com\r\n\r\nSETUJU\r\n"
    )
}

#[test]
fn one_refusal_notice_per_ticket_and_person_per_window_every_refusal_logged() {
    let loaded = suratd::daemon::load(&repo().join("daemon.toml")).expect("config");
    assert_eq!(loaded.config.security.refusal_notice_minutes, 60);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("suratd.db")).expect("db");
    let clock = ManualClock::new(t0());
    let pipeline = Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: &clock,
    };
    let mut n = 0;
    let mut deliver = |store: &mut Store, raw: &[u8]| {
        n += 1;
        store
            .store_raw("uji", &n.to_string(), raw, clock.now())
            .expect("store");
        pipeline.process_pending(store).expect("process");
    };
    deliver(&mut store, WEBSERVICE.as_bytes());
    let notices = |store: &Store| {
        store
            .outbox_entries()
            .expect("outbox")
            .into_iter()
            .filter(|e| e.template == "keputusan_ditolak")
            .inspect(|e| assert_eq!(e.recipients, vec!["kepala.tik@kampus.ac.id"]))
            .count()
    };
    let subject = store
        .outbox_entries()
        .expect("outbox")
        .into_iter()
        .find(|e| e.template == "disposisi")
        .expect("disposition")
        .subject;
    let token: String = subject[subject.find(" a-").expect("token tag") + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();

    // Three forged replies within the hour: three refusals, one notice.
    for i in 0..3 {
        clock.advance(Duration::minutes(10));
        deliver(&mut store, forged(&token, i).as_bytes());
    }
    assert_eq!(notices(&store), 1);
    // The window passes: the next refusal is told again.
    clock.advance(Duration::minutes(41));
    deliver(&mut store, forged(&token, 3).as_bytes());
    assert_eq!(notices(&store), 2);

    let notified: Vec<bool> = store
        .events(None)
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "decision_refused")
        .map(|e| e.detail["notified"].as_bool().expect("notified"))
        .collect();
    assert_eq!(notified, vec![true, false, false, true]);
    let t = store.tickets().expect("tickets").remove(0);
    assert_eq!(t.state.to_string(), "awaiting_approval");
}
