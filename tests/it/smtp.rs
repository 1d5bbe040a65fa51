//! The outbox against a real Postfix + Dovecot (tests/mailstack, started by the test script):
//! emails queued in a store, delivered by the outbox service over SMTP, read back over IMAP
//! (dump.py) with their threading headers, and the failures a real server gives: 5xx parked
//! with the server's words, a stopped Postfix retried with backoff and delivered once.
//!
//! Tests run concurrently: each uses its own plus-address and Message-IDs (unique per run,
//! as the stack keeps its mail between runs) and looks only for those. Time is a
//! [`ManualClock`]; nothing sleeps to synchronise (the mail is awaited by polling IMAP with
//! a deadline).

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use suratd::clock::{Clock, ManualClock, SystemClock};
use suratd::config::{SmtpConfig, TlsMode, TlsTrust};
use suratd::lifecycle::{Kick, ShutdownTrigger};
use suratd::outbound::compose::{self, Outgoing};
use suratd::outbound::service::{DeliverStats, Outbox, RetryPolicy, Transport};
use suratd::outbound::smtp::SmtpSender;
use suratd::store::outbox::{OutboxEntry, OutboxState};
use suratd::store::{NewEmail, Store};

/// Every test that talks to the mail stack holds this for reading; a test that stops one
/// of its servers holds it for writing, so no other test runs into the outage.
pub(crate) static MAILSTACK: RwLock<()> = RwLock::new(());

pub(crate) fn shared() -> RwLockReadGuard<'static, ()> {
    MAILSTACK.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn exclusive() -> RwLockWriteGuard<'static, ()> {
    MAILSTACK.write().unwrap_or_else(|e| e.into_inner())
}

/// The stack's settings, from the SURATD_MAILSTACK_* variables (tests/mailstack/env.sh).
struct Stack {
    host: String,
    smtp_port: u16,
    submission_port: u16,
    ca: PathBuf,
    password: String,
    dir: PathBuf,
}

pub(crate) fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the test mail stack. Start it with \
             `tests/mailstack/install.sh && tests/mailstack/start.sh && eval \"$(tests/mailstack/env.sh)\"` \
             before running the tests"
        )
    })
}

fn stack() -> Stack {
    let port = |name: &str| -> u16 {
        let v = var(name);
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a port number"))
    };
    // Every variable the stack's env.sh exports must be there, even those unused here.
    var("SURATD_MAILSTACK_IMAP_PORT");
    var("SURATD_MAILSTACK_IMAPS_PORT");
    Stack {
        host: var("SURATD_MAILSTACK_HOST"),
        smtp_port: port("SURATD_MAILSTACK_SMTP_PORT"),
        submission_port: port("SURATD_MAILSTACK_SUBMISSION_PORT"),
        ca: PathBuf::from(var("SURATD_MAILSTACK_CA")),
        password: var("SURATD_MAILSTACK_PASSWORD"),
        dir: PathBuf::from(var("SURATD_MAILSTACK_DIR")),
    }
}

pub(crate) fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mailstack")
        .join(name)
}

fn smtp_config(port: u16, tls: TlsMode) -> SmtpConfig {
    SmtpConfig {
        host: stack().host,
        port,
        tls,
        trust: TlsTrust::default(),
        username: None,
        password: None,
        retry_base_seconds: 30,
        retry_max_seconds: 3600,
        give_up_hours: 48,
        timeout_seconds: 10,
    }
}

/// The plain MX-like port, no AUTH.
fn plain() -> SmtpConfig {
    smtp_config(stack().smtp_port, TlsMode::None)
}

/// The submission port: STARTTLS with the stack's CA, AUTH as the helpdesk.
fn submission(password: &str) -> SmtpConfig {
    let s = stack();
    let mut c = smtp_config(s.submission_port, TlsMode::Starttls);
    c.trust.ca_file = Some(s.ca);
    c.username = Some("helpdesk@kampus.test".into());
    c.password = Some(suratd::config::Secret::new(password));
    c
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("valid time")
}

/// One test's world: a store with one queued email to its own address.
struct Case {
    _dir: tempfile::TempDir,
    db: PathBuf,
    store: Store,
    clock: Arc<ManualClock>,
    to: String,
    message_id: String,
    parent: String,
    raw: Vec<u8>,
}

impl Case {
    /// An acknowledgement to `pemohon+<name>@unit.kampus.test`, queued at [`t0`].
    fn new(name: &str) -> Case {
        Case::to(name, &format!("pemohon+{name}@unit.kampus.test"))
    }

    fn to(name: &str, to: &str) -> Case {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("suratd.db");
        let mut store = Store::open(&db).expect("db");
        // Unique per run: the stack keeps its mail across runs.
        let nonce = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let ticket = "TIK-2026-000042";
        let message_id = format!("{ticket}.ack.{name}.{nonce}@kampus.test");
        let parent = format!("surat-{name}-{nonce}@unit.kampus.test");
        let refs = vec![parent.clone()];
        let raw = compose::build(&Outgoing {
            from_name: "Helpdesk TIK",
            from_address: "helpdesk@kampus.test",
            to_name: Some("Pemohon Unit"),
            to_address: to,
            message_id: &message_id,
            ticket,
            subject: "Tanda terima permohonan",
            body: &format!("Yth. Pemohon,\npermohonan Anda kami terima ({name}).\n"),
            in_reply_to: Some(&parent),
            references: &refs,
            date: t0(),
            reply_to: None,
            token: None,
        })
        .expect("compose");
        let recipients = vec![to.to_string()];
        let key = format!("ack:{message_id}");
        let email = NewEmail {
            dedupe_key: &key,
            ticket: None,
            message_id: &message_id,
            template: "ack",
            recipients: &recipients,
            subject: "Tanda terima permohonan",
            raw: &raw,
        };
        assert!(store
            .transaction(|tx| tx.queue_email(&email, t0()))
            .expect("queue"));
        Case {
            _dir: dir,
            db,
            store,
            clock: Arc::new(ManualClock::new(t0())),
            to: to.to_string(),
            message_id,
            parent,
            raw,
        }
    }

    fn outbox(&self, config: &SmtpConfig) -> Outbox {
        Outbox::new(
            self.db.clone(),
            Transport::Smtp(SmtpSender::new(config).expect("smtp sender")),
            "helpdesk@kampus.test".into(),
            RetryPolicy::from_smtp(config),
        )
    }

    async fn deliver(&mut self, outbox: &Outbox) -> DeliverStats {
        outbox
            .deliver_due(&mut self.store, &*self.clock)
            .await
            .expect("deliver pass")
    }

    fn entry(&self) -> OutboxEntry {
        self.store
            .outbox_entry(&self.message_id)
            .expect("read outbox")
            .expect("the row is there")
    }

    /// The copies of this case's email in its recipient's INBOX, waited for (IMAP polled,
    /// deadline 10 s); at least one, or the test fails.
    fn delivered(&self) -> Vec<serde_json::Value> {
        let user = mailbox_user(&self.to);
        let want = format!("<{}>", self.message_id);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<_> = dump(&user)
                .into_iter()
                .filter(|m| m["message_id"] == want.as_str())
                .collect();
            if !found.is_empty() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{want} did not reach {user}'s INBOX within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Checks what arrived: one copy, the identity and threading fixed at queue time, and
    /// the bytes as queued (after the trace headers Postfix and Dovecot put on top).
    fn assert_delivered_once_unchanged(&self) {
        let found = self.delivered();
        assert_eq!(found.len(), 1, "delivered more than once: {found:#?}");
        let m = &found[0];
        let parent = format!("<{}>", self.parent);
        assert_eq!(m["in_reply_to"], parent.as_str(), "{m:#}");
        assert_eq!(m["references"], parent.as_str(), "{m:#}");
        assert_eq!(m["auto_submitted"], "auto-replied", "{m:#}");
        assert_eq!(m["delivered_to"], self.to.as_str(), "{m:#}");
        assert_eq!(
            m["subject"], "[TIK-2026-000042] Tanda terima permohonan",
            "{m:#}"
        );
        assert!(
            m["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("Yth. Pemohon,")),
            "{m:#}"
        );
        let stored = self.maildir_copy();
        let queued = String::from_utf8(self.raw.clone())
            .expect("ascii message")
            .replace("\r\n", "\n");
        assert!(
            stored.ends_with(&queued),
            "the message changed on the way:\n--- queued\n{queued}\n--- stored\n{stored}"
        );
        for h in [
            "\nX-Auto-Response-Suppress: All\n",
            "\nAuto-Submitted: auto-replied\n",
        ] {
            assert!(queued.contains(h), "{h:?} missing in\n{queued}");
        }
        assert!(!stored.contains("\nBcc:"), "{stored}");
    }

    /// The stored file of this email in the recipient's Maildir (Dovecot stores LF lines).
    fn maildir_copy(&self) -> String {
        let user = mailbox_user(&self.to);
        let (local, domain) = user.split_once('@').expect("address");
        let maildir = stack()
            .dir
            .join("mail")
            .join(domain)
            .join(local)
            .join("Maildir");
        let needle = format!("Message-ID: <{}>", self.message_id);
        for sub in ["new", "cur"] {
            let Ok(rd) = std::fs::read_dir(maildir.join(sub)) else {
                continue;
            };
            for e in rd.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    if text.contains(&needle) {
                        return text;
                    }
                }
            }
        }
        panic!("no file with {needle} in {}", maildir.display());
    }
}

/// `pemohon+tag@d` is delivered to `pemohon@d`.
fn mailbox_user(address: &str) -> String {
    let (local, domain) = address.split_once('@').expect("address");
    let user = local.split_once('+').map_or(local, |(u, _)| u);
    format!("{user}@{domain}")
}

/// A user's INBOX over IMAP, one JSON object per message (tests/mailstack/dump.py).
pub(crate) fn dump(user: &str) -> Vec<serde_json::Value> {
    let out = Command::new("python3")
        .arg(script("dump.py"))
        .args(["--user", user, "--body"])
        .output()
        .expect("run dump.py");
    assert!(
        out.status.success(),
        "dump.py --user {user} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("dump.py prints JSON lines"))
        .collect()
}

pub(crate) fn mailstack(command: &str, what: &str) {
    let out = Command::new("bash")
        .arg(script(command))
        .arg(what)
        .output()
        .unwrap_or_else(|e| panic!("run {command}: {e}"));
    assert!(
        out.status.success(),
        "{command} {what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a test's body on a runtime of its own, with the stack lock taken outside of it.
fn block_on<F: std::future::Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(body)
}

/// Starts Postfix again when dropped, so a failing test leaves the stack up for the others.
struct RestartPostfix;

impl Drop for RestartPostfix {
    fn drop(&mut self) {
        // "already running" is rc 0; the test has already failed if this is a second start.
        let _ = Command::new("bash")
            .arg(script("start.sh"))
            .arg("postfix")
            .output();
    }
}

#[test]
fn plain_smtp_delivers_the_queued_bytes_with_their_threading_headers() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::new("plain");
        let outbox = case.outbox(&plain());
        let started = Instant::now();
        let stats = case.deliver(&outbox).await;
        let took = started.elapsed();
        assert_eq!(
            stats,
            DeliverStats {
                sent: 1,
                deferred: 0,
                parked: 0
            },
            "{:?}",
            case.entry()
        );
        let e = case.entry();
        assert_eq!((e.state, e.attempts), (OutboxState::Sent, 1));
        assert_eq!(e.sent_at.as_deref(), Some("2026-03-02T01:00:00.000Z"));
        case.assert_delivered_once_unchanged();
        eprintln!("smtp send to postfix (plain, one email): {took:?}");
        // Sent means done: another pass (even much later) sends nothing.
        case.clock.advance(chrono::Duration::days(3));
        assert_eq!(case.deliver(&outbox).await.attempted(), 0);
    });
}

#[test]
fn starttls_and_auth_on_submission_with_the_test_ca() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::new("submission");
        let config = submission(&stack().password);
        let outbox = case.outbox(&config);
        let stats = case.deliver(&outbox).await;
        assert_eq!(stats.sent, 1, "{:?}", case.entry());
        case.assert_delivered_once_unchanged();
    });
}

#[test]
fn a_certificate_nobody_vouches_for_is_a_temporary_failure() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::new("untrusted");
        // Without the test CA the system roots do not know the server's certificate.
        let mut config = submission(&stack().password);
        config.trust.ca_file = None;
        let stats = case.deliver(&case.outbox(&config)).await;
        assert_eq!(
            stats,
            DeliverStats {
                sent: 0,
                deferred: 1,
                parked: 0
            }
        );
        let e = case.entry();
        assert_eq!((e.state, e.attempts), (OutboxState::Queued, 1));
        assert!(e.last_error.is_some(), "{e:?}");
    });
}

#[test]
fn implicit_tls_against_a_plain_port_is_a_temporary_failure() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::new("implicit");
        let mut config = smtp_config(stack().smtp_port, TlsMode::Implicit);
        config.trust.ca_file = Some(stack().ca);
        let stats = case.deliver(&case.outbox(&config)).await;
        assert_eq!(
            stats,
            DeliverStats {
                sent: 0,
                deferred: 1,
                parked: 0
            }
        );
        assert_eq!(case.entry().state, OutboxState::Queued);
    });
}

#[test]
fn a_wrong_password_is_parked_with_the_servers_reply() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::new("wrongpass");
        let outbox = case.outbox(&submission("not-the-password"));
        let stats = case.deliver(&outbox).await;
        assert_eq!(
            stats,
            DeliverStats {
                sent: 0,
                deferred: 0,
                parked: 1
            }
        );
        let e = case.entry();
        assert_eq!((e.state, e.attempts), (OutboxState::Parked, 1));
        let why = e.last_error.unwrap_or_default();
        let server = format!("{}:{}: ", stack().host, stack().submission_port);
        assert!(why.starts_with(&format!("{server}535 ")), "{why}");
        // Parked stays parked.
        case.clock.advance(chrono::Duration::days(1));
        assert_eq!(case.deliver(&outbox).await.attempted(), 0);
    });
}

#[test]
fn an_unknown_user_is_parked_with_the_servers_reason() {
    let _stack = shared();
    block_on(async {
        let mut case = Case::to("unknown", "nobody@kampus.test");
        let stats = case.deliver(&case.outbox(&plain())).await;
        assert_eq!(
            stats,
            DeliverStats {
                sent: 0,
                deferred: 0,
                parked: 1
            }
        );
        let e = case.entry();
        assert_eq!(e.state, OutboxState::Parked);
        let why = e.last_error.unwrap_or_default();
        let server = format!("{}:{}: ", stack().host, stack().smtp_port);
        assert!(why.starts_with(&format!("{server}550 5.1.1 ")), "{why}");
        assert!(why.contains("nobody@kampus.test"), "{why}");
    });
}

#[test]
fn postfix_stopped_means_retries_with_backoff_then_exactly_one_delivery() {
    let _stack = exclusive();
    // Declared after the lock: Postfix is up again before another test may run.
    let _restart = RestartPostfix;
    block_on(async {
        let mut case = Case::new("outage");
        let outbox = case.outbox(&plain());
        mailstack("stop.sh", "postfix");

        // Three attempts during the outage: each deferred, the wait doubling (30 s, 60 s, 120 s,
        // minus at most a tenth of jitter), the email kept.
        let mut waits = Vec::new();
        for attempt in 1..=3 {
            let stats = case.deliver(&outbox).await;
            assert_eq!(
                stats,
                DeliverStats {
                    sent: 0,
                    deferred: 1,
                    parked: 0
                }
            );
            let e = case.entry();
            assert_eq!((e.state, e.attempts), (OutboxState::Queued, attempt));
            let why = e.last_error.unwrap_or_default();
            assert!(why.contains(": connection: "), "{why}");
            // Not due before its time.
            assert_eq!(case.deliver(&outbox).await.attempted(), 0);
            let next = case.store.next_due_at().expect("schedule").expect("queued");
            waits.push((next - case.clock.now()).num_milliseconds());
            case.clock.set(next);
        }
        for (w, full) in waits.iter().zip([30_000, 60_000, 120_000]) {
            assert!(*w <= full && *w >= full * 9 / 10, "waits {waits:?}");
        }

        mailstack("start.sh", "postfix");
        let stats = case.deliver(&outbox).await;
        assert_eq!(
            stats,
            DeliverStats {
                sent: 1,
                deferred: 0,
                parked: 0
            }
        );
        assert_eq!(
            (case.entry().state, case.entry().attempts),
            (OutboxState::Sent, 4)
        );
        case.clock.advance(chrono::Duration::hours(1));
        assert_eq!(case.deliver(&outbox).await.attempted(), 0);
        case.assert_delivered_once_unchanged();
    });
}

/// The service running in the background, with its kick and its shutdown.
struct Running {
    trigger: ShutdownTrigger,
    kick: Kick,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(outbox: Outbox, clock: Arc<dyn Clock>) -> Running {
        let (trigger, shutdown) = ShutdownTrigger::new();
        let kick = Kick::new();
        let task = tokio::spawn(outbox.run(clock, kick.clone(), shutdown));
        Running {
            trigger,
            kick,
            task,
        }
    }

    async fn stop(self) {
        self.trigger.trigger();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the service stops on shutdown")
            .expect("the service did not panic");
    }
}

/// Waits (polling the database, deadline 10 s) until `done` holds for the case's row.
async fn until(db: &Path, message_id: &str, done: impl Fn(&OutboxEntry) -> bool) -> OutboxEntry {
    let store = Store::open(db).expect("db");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let e = store.outbox_entry(message_id).expect("read").expect("row");
        if done(&e) {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "outbox row never got there: {e:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn the_service_delivers_when_kicked_and_after_a_retry_falls_due() {
    let _stack = shared();
    block_on(async {
        let case = Case::new("service");
        let first = case.message_id.clone();
        // Queued before the service starts: the first pass finds it.
        let clock: Arc<ManualClock> = Arc::clone(&case.clock);
        let running = Running::start(case.outbox(&plain()), clock.clone());
        until(&case.db, &first, |e| e.state == OutboxState::Sent).await;
        case.assert_delivered_once_unchanged();

        // Queued while it sleeps (nothing due, no deadline): the kick wakes it.
        let second = Case::new("service-kick");
        let mut store = Store::open(&case.db).expect("db");
        requeue(&second, &mut store);
        running.kick.kick();
        until(&case.db, &second.message_id, |e| {
            e.state == OutboxState::Sent
        })
        .await;
        second.assert_delivered_once_unchanged();
        running.stop().await;
    });
}

#[test]
fn the_service_wakes_by_itself_when_the_next_row_falls_due() {
    let _stack = shared();
    block_on(async {
        let case = Case::new("service-timer");
        // A retry due in 300 ms on the real clock, and no kick: only the service's own timer
        // can send it.
        let now = SystemClock.now();
        let row = case
            .store
            .next_due_email(t0(), 0)
            .expect("due")
            .expect("row");
        case.store
            .mark_failed(
                row.id,
                "simulated outage",
                Some(now + chrono::Duration::milliseconds(300)),
            )
            .expect("schedule");
        let running = Running::start(case.outbox(&plain()), Arc::new(SystemClock));
        let e = until(&case.db, &case.message_id, |e| e.state == OutboxState::Sent).await;
        assert_eq!(e.attempts, 2);
        case.assert_delivered_once_unchanged();
        running.stop().await;
    });
}

/// Queues `case`'s email into another store (the one a running service reads).
fn requeue(case: &Case, store: &mut Store) {
    let recipients = vec![case.to.clone()];
    let key = format!("ack:{}", case.message_id);
    let email = NewEmail {
        dedupe_key: &key,
        ticket: None,
        message_id: &case.message_id,
        template: "ack",
        recipients: &recipients,
        subject: "Tanda terima permohonan",
        raw: &case.raw,
    };
    assert!(store
        .transaction(|tx| tx.queue_email(&email, case.clock.now()))
        .expect("queue"));
}
