use super::*;
use crate::clock::ManualClock;
use crate::store::outbox::OutboxState;
use crate::store::NewEmail;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid time")
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        base_seconds: 30,
        max_seconds: 3600,
        give_up_hours: 48,
    }
}

#[test]
fn backoff_doubles_up_to_the_cap_with_at_most_a_tenth_off() {
    let p = policy();
    for row in 1..50 {
        for (attempts, full) in [
            (0, 30),
            (1, 60),
            (2, 120),
            (6, 1920),
            (7, 3600),
            (40, 3600),
            (500, 3600),
        ] {
            let d = p.retry_delay(attempts, row).num_milliseconds();
            assert!(
                d <= full * 1000 && d >= full * 900,
                "row {row} attempts {attempts}: {d} ms, want {full} s minus at most a tenth"
            );
        }
    }
    // Rows failing together are spread out.
    let spread: std::collections::BTreeSet<i64> = (1..20)
        .map(|row| p.retry_delay(3, row).num_milliseconds())
        .collect();
    assert!(spread.len() > 10, "{spread:?}");
}

fn queue(store: &mut Store, key: &str, now: DateTime<Utc>) {
    let to = vec![format!("{key}@unit.kampus.test")];
    let id = format!("{key}@kampus.test");
    let e = NewEmail {
        dedupe_key: key,
        ticket: None,
        message_id: &id,
        template: "ack",
        recipients: &to,
        subject: "s",
        raw: b"Subject: s\r\n\r\nbody\r\n",
    };
    store
        .transaction(|tx| tx.queue_email(&e, now))
        .expect("queue");
}

/// An outbox writing files to `dir/out`.
fn file_outbox(dir: &std::path::Path) -> Outbox {
    Outbox::new(
        dir.join("db"),
        Transport::File(dir.join("out")),
        "helpdesk@kampus.test".into(),
        RetryPolicy::for_file(),
    )
}

#[tokio::test]
async fn the_file_transport_delivers_through_the_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("db");
    let clock = ManualClock::new(t0());
    queue(&mut store, "a", t0());
    queue(&mut store, "b", t0());
    let outbox = file_outbox(dir.path());
    let stats = outbox.deliver_due(&mut store, &clock).await.expect("pass");
    assert_eq!(
        stats,
        DeliverStats {
            sent: 2,
            deferred: 0,
            parked: 0
        }
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/a@kampus.test.eml")).expect("file"),
        b"Subject: s\r\n\r\nbody\r\n"
    );
    let again = outbox.deliver_due(&mut store, &clock).await.expect("pass");
    assert_eq!(again.attempted(), 0);
    assert_eq!(store.next_due_at().expect("next"), None);
}

#[tokio::test]
async fn the_file_transport_writes_runs_of_emails_and_marks_every_one_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("db");
    let clock = ManualClock::new(t0());
    // More than two runs of the file transport.
    let ids: Vec<String> = (0..150).map(|i| format!("m{i:03}")).collect();
    for id in &ids {
        queue(&mut store, id, t0());
    }
    let outbox = file_outbox(dir.path());
    let stats = outbox.deliver_due(&mut store, &clock).await.expect("pass");
    assert_eq!(stats.sent, 150, "{stats:?}");
    for id in &ids {
        let file = dir.path().join(format!("out/{id}@kampus.test.eml"));
        assert_eq!(
            std::fs::read(&file).expect("file"),
            b"Subject: s\r\n\r\nbody\r\n"
        );
        let e = store
            .outbox_entry(&format!("{id}@kampus.test"))
            .expect("read")
            .expect("row");
        assert_eq!(e.state, OutboxState::Sent, "{id}");
    }
    assert_eq!(store.next_due_at().expect("next"), None);
}

#[tokio::test]
async fn temporary_failures_back_off_then_park_after_the_give_up_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A file where the outbox directory should be: every write fails.
    let blocked = dir.path().join("out");
    std::fs::write(&blocked, "").expect("write");
    let mut store = Store::open_in_memory().expect("db");
    let clock = ManualClock::new(t0());
    queue(&mut store, "a", t0());
    let outbox = Outbox::new(
        dir.path().join("db"),
        Transport::File(blocked),
        "helpdesk@kampus.test".into(),
        policy(),
    );
    let mut waits = Vec::new();
    loop {
        let stats = outbox.deliver_due(&mut store, &clock).await.expect("pass");
        let e = store
            .outbox_entry("a@kampus.test")
            .expect("read")
            .expect("row");
        if e.state == OutboxState::Parked {
            assert_eq!(stats.parked, 1);
            let why = e.last_error.unwrap_or_default();
            assert!(
                why.starts_with(
                    "gave up after 48 hours of temporary failures; last: outbox directory"
                ),
                "{why}"
            );
            break;
        }
        assert_eq!(
            stats,
            DeliverStats {
                sent: 0,
                deferred: 1,
                parked: 0
            }
        );
        // Not due again before its time.
        assert_eq!(
            outbox
                .deliver_due(&mut store, &clock)
                .await
                .expect("pass")
                .attempted(),
            0
        );
        let next = store.next_due_at().expect("next").expect("queued");
        waits.push((next - clock.now()).num_seconds());
        clock.set(next);
    }
    // 30 s doubling to the one-hour cap (a tenth of jitter at most), until 48 hours.
    assert!(waits[0] >= 27 && waits[0] <= 30, "{waits:?}");
    assert!(waits[1] >= 54 && waits[1] <= 60, "{waits:?}");
    assert!(waits.iter().all(|w| *w <= 3600), "{waits:?}");
    assert!(waits.len() > 48, "{waits:?}");
    assert!(clock.now() - t0() >= chrono::Duration::hours(48));
    // The outage was followed (one log line per change): down until a send succeeds.
    assert!(outbox.outage().is_down());
    std::fs::remove_file(dir.path().join("out")).expect("unblock");
    queue(&mut store, "b", clock.now());
    let stats = outbox.deliver_due(&mut store, &clock).await.expect("pass");
    assert_eq!(stats.sent, 1);
    assert!(!outbox.outage().is_down());
}

#[tokio::test]
async fn sent_rows_that_cannot_be_recorded_are_never_sent_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("suratd.db");
    let mut store = Store::open(&db).expect("db");
    let clock = ManualClock::new(t0());
    let keys = ["a", "b", "c"];
    for k in keys {
        queue(&mut store, k, t0());
    }
    let out = dir.path().join("out");
    let outbox = Outbox::new(
        db.clone(),
        Transport::File(out.clone()),
        "helpdesk@kampus.test".into(),
        RetryPolicy::for_file(),
    );
    // The database refuses to record a send (as a full disk would).
    let other = rusqlite::Connection::open(&db).expect("second connection");
    other
        .execute_batch(
            "CREATE TRIGGER refuse_sent BEFORE UPDATE OF state ON outbox
             WHEN NEW.state = 'sent' BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .expect("trigger");
    // The three are handed over in one pass; their marks (one batch) cannot be committed.
    let err = outbox.deliver_due(&mut store, &clock).await;
    assert!(matches!(err, Err(DeliverError::Store(_))), "{err:?}");
    let files: Vec<_> = keys
        .iter()
        .map(|k| out.join(format!("{k}@kampus.test.eml")))
        .collect();
    for f in &files {
        std::fs::remove_file(f).expect("delivered once");
    }
    // Still failing: the next pass only tries to record them, and sends nothing.
    assert!(outbox.deliver_due(&mut store, &clock).await.is_err());
    other
        .execute_batch("DROP TRIGGER refuse_sent")
        .expect("drop trigger");
    let stats = outbox.deliver_due(&mut store, &clock).await.expect("pass");
    assert_eq!(stats.attempted(), 0);
    for k in keys {
        let e = store
            .outbox_entry(&format!("{k}@kampus.test"))
            .expect("read")
            .expect("row");
        assert_eq!(e.state, OutboxState::Sent, "{k}");
        assert_eq!(e.attempts, 1, "{k}");
    }
    assert!(files.iter().all(|f| !f.exists()), "sent a second time");
}

/// A run of fast deliveries shares its commits, [`MARK_BATCH`] at most; a slow hand-over
/// (an SMTP server that queues to disk) gets a commit of its own.
#[test]
fn marks_wait_only_for_fast_hand_overs_and_a_batch_at_most() {
    let fast = Duration::from_micros(100);
    let slow = MARK_WINDOW;
    let mut m = SentMarks::default();
    m.push(1, t0(), std::time::Instant::now());
    assert!(m.due(slow), "a slow hand-over is committed at once");
    assert!(!m.due(fast) || m.oldest.is_some_and(|t| t.elapsed() + fast >= MARK_WINDOW));
    m.clear();
    assert!(!m.due(slow), "nothing to commit");
    let now = std::time::Instant::now();
    for id in 0..MARK_BATCH as i64 {
        m.push(id, t0(), now);
    }
    assert!(m.due(Duration::ZERO), "a full batch");
    assert_eq!(m.len(), MARK_BATCH);
}

#[test]
fn the_service_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let outbox = Outbox::new(
        PathBuf::from("db"),
        Transport::File(PathBuf::from("out")),
        "helpdesk@kampus.test".into(),
        RetryPolicy::for_file(),
    );
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let fut = outbox.run(clock, Kick::new(), Shutdown::never());
    assert_send(&fut);
}
