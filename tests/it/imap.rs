//! The IMAP source against the real Dovecot of `tests/mailstack/` (started by `./test.sh`).
//!
//! Every test works in folders of its own under `helpdesk@kampus.test`, named after the test
//! and made unique per run, so the tests run in parallel and never see each other's mail; it
//! fills them with APPEND over a plain loopback connection of its own. Waits are on events
//! (the source's kick, a log event, the end of `run`) with a generous upper bound, never a
//! sleep.

use async_imap::imap_proto::{Response, Status};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use suratd::clock::{Clock, SystemClock};
use suratd::config::{AfterStore, ImapConfig, Secret, TlsMode, TlsTrust};
use suratd::fetch::imap::ImapSource;
use suratd::lifecycle::{Kick, ShutdownTrigger};
use suratd::store::Store;
use tokio::net::TcpStream;

const USER: &str = "helpdesk@kampus.test";
/// Upper bound for an awaited event; passing tests see it in well under a second.
const PATIENCE: Duration = Duration::from_secs(20);

/// The running mail stack, from the environment `tests/mailstack/env.sh` prints.
pub(super) struct Stack {
    host: String,
    imap_port: u16,
    imaps_port: u16,
    ca: PathBuf,
    password: String,
    bin: PathBuf,
}

pub(super) fn stack() -> Stack {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: the IMAP tests need the test mail stack. Run ./test.sh, or \
                 start it yourself: tests/mailstack/install.sh && tests/mailstack/start.sh && \
                 eval \"$(tests/mailstack/env.sh)\""
            )
        })
    };
    let port = |name: &str| -> u16 {
        var(name)
            .parse()
            .unwrap_or_else(|e| panic!("{name} is not a port: {e}"))
    };
    Stack {
        host: var("SURATD_MAILSTACK_HOST"),
        imap_port: port("SURATD_MAILSTACK_IMAP_PORT"),
        imaps_port: port("SURATD_MAILSTACK_IMAPS_PORT"),
        ca: PathBuf::from(var("SURATD_MAILSTACK_CA")),
        password: var("SURATD_MAILSTACK_PASSWORD"),
        bin: PathBuf::from(var("SURATD_MAILSTACK_BIN")),
    }
}

/// A folder name no other test and no earlier run uses.
fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("it-{tag}-{}-{nanos}", std::process::id())
}

/// A letter with a Message-ID of its own.
fn letter(folder: &str, i: usize) -> Vec<u8> {
    format!(
        "Message-ID: <{i}.{folder}@unit.kampus.test>\r\n\
         From: Pemohon <pemohon@unit.kampus.test>\r\n\
         To: {USER}\r\n\
         Date: Mon, 2 Mar 2026 09:15:0{} +0700\r\n\
         Subject: Permohonan {i} ({folder})\r\n\
         \r\n\
         Dengan hormat, surat nomor {i}.\r\n",
        i % 10
    )
    .into_bytes()
}

/// The test's own plain loopback session, to set up folders and look at them.
pub(super) struct Admin(async_imap::Session<TcpStream>);

impl Admin {
    pub(super) async fn connect(st: &Stack) -> Admin {
        let tcp = TcpStream::connect((st.host.as_str(), st.imap_port))
            .await
            .expect("connect to the stack's IMAP port");
        let mut client = async_imap::Client::new(tcp);
        let greeting = client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting");
        assert!(matches!(
            greeting.parsed(),
            Response::Data {
                status: Status::Ok,
                ..
            }
        ));
        let session = client
            .login(USER, &st.password)
            .await
            .map_err(|(e, _)| e)
            .expect("admin login");
        Admin(session)
    }

    /// A new, empty folder holding `n` letters.
    pub(super) async fn folder_with(&mut self, tag: &str, n: usize) -> String {
        let folder = unique(tag);
        self.0.create(&folder).await.expect("create folder");
        for i in 1..=n {
            self.append(&folder, i).await;
        }
        folder
    }

    pub(super) async fn append(&mut self, folder: &str, i: usize) {
        self.0
            .append(folder, None, None, letter(folder, i))
            .await
            .expect("append");
    }

    /// UID → flags of every message in `folder` (read-only look).
    async fn flags(&mut self, folder: &str) -> Vec<(u32, Vec<String>)> {
        use futures_util::TryStreamExt;
        let mb = self.0.examine(folder).await.expect("examine");
        if mb.exists == 0 {
            return Vec::new();
        }
        let fetches: Vec<_> = self
            .0
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .expect("fetch flags")
            .try_collect()
            .await
            .expect("fetch flags");
        let mut out: Vec<(u32, Vec<String>)> = fetches
            .iter()
            .map(|f| {
                (
                    f.uid.expect("uid"),
                    f.flags().map(|fl| format!("{fl:?}")).collect(),
                )
            })
            .collect();
        out.sort();
        out
    }

    pub(super) async fn cleanup(mut self, folders: &[&str]) {
        let _ = self.0.close().await;
        for f in folders {
            let _ = self.0.delete(f).await;
        }
        let _ = self.0.logout().await;
    }
}

pub(super) fn config(st: &Stack, tls: TlsMode, folders: &[&str]) -> ImapConfig {
    ImapConfig {
        host: st.host.clone(),
        port: match tls {
            TlsMode::Implicit => st.imaps_port,
            TlsMode::Starttls | TlsMode::None => st.imap_port,
        },
        tls,
        trust: TlsTrust {
            ca_file: Some(st.ca.clone()),
            accept_invalid_certs: false,
        },
        username: USER.to_string(),
        password: Secret::new(st.password.clone()),
        folders: folders.iter().map(|f| f.to_string()).collect(),
        after_store: AfterStore::Keep,
        idle: true,
        poll_seconds: 3600,
        batch_size: 200,
    }
}

pub(super) struct Db {
    _dir: tempfile::TempDir,
    pub(super) path: PathBuf,
}

pub(super) fn db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("suratd.db");
    Db { _dir: dir, path }
}

fn source(config: ImapConfig, db: &Db) -> ImapSource {
    ImapSource {
        name: "helpdesk".into(),
        config,
        database: db.path.clone(),
    }
}

/// Message-IDs of all stored messages.
pub(super) fn stored_ids(db: &Db) -> Vec<String> {
    let store = Store::open(&db.path).expect("open store");
    let mut ids: Vec<String> = store
        .messages()
        .expect("messages")
        .into_iter()
        .map(|m| m.message_id.unwrap_or_default())
        .collect();
    ids.sort();
    ids
}

fn uidvalidity_of(db: &Db, folder: &str) -> u32 {
    Store::open(&db.path)
        .expect("open store")
        .imap_cursor("helpdesk", folder)
        .expect("cursor")
        .expect("a cursor after a sync")
        .uidvalidity
}

#[tokio::test]
async fn implicit_tls_stores_each_message_once_in_batches() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("once", 5).await;
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.batch_size = 2;
    let src = source(cfg, &db);

    let first = src.fetch_once(&SystemClock).await.expect("first fetch");
    assert_eq!((first.stored, first.duplicates), (5, 0), "{first:?}");
    assert_eq!(stored_ids(&db).len(), 5);
    let cursor = Store::open(&db.path)
        .expect("store")
        .imap_cursor("helpdesk", &folder)
        .expect("cursor")
        .expect("cursor written");
    assert_eq!(cursor.last_uid, 5);

    let second = src.fetch_once(&SystemClock).await.expect("second fetch");
    assert_eq!(
        (second.stored, second.duplicates, second.known),
        (0, 0, 0),
        "the cursor skips what is stored: {second:?}"
    );
    assert_eq!(stored_ids(&db).len(), 5);

    // after-store = keep: EXAMINE and BODY.PEEK left every message unread.
    let flags = admin.flags(&folder).await;
    assert_eq!(flags.len(), 5);
    assert!(
        flags.iter().all(|(_, f)| !f.iter().any(|x| x == "Seen")),
        "{flags:?}"
    );
    admin.cleanup(&[&folder]).await;
}

/// Puts `bytes` into helpdesk's `folder` as a Maildir delivery would (written in `tmp/`,
/// renamed into `new/`), behind Dovecot's back. Returns the folder's Maildir.
fn deliver_file(folder: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let maildir = PathBuf::from(std::env::var("SURATD_MAILSTACK_DIR").expect("stack dir"))
        .join("mail/kampus.test/helpdesk/Maildir")
        .join(format!(".{folder}"));
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&maildir).expect("folder"));
    let tmp = maildir.join("tmp").join(name);
    std::fs::write(&tmp, bytes).expect("write");
    std::os::unix::fs::chown(&tmp, Some(owner), Some(owner)).expect("chown");
    std::fs::rename(&tmp, maildir.join("new").join(name)).expect("deliver");
    maildir
}

/// A message the server answers with an empty body (`BODY[] {0}`; Dovecot does so for a
/// Maildir file of no bytes) is asked for once more after a NOOP (an empty answer can be
/// passing: a file changed behind the server's back), and when it is empty again it is
/// stored as it is and ends as a triage ticket. Left unstored it held the cursor before it
/// for good: every sync asked for it again and looked up every later UID.
#[tokio::test]
async fn an_empty_message_is_asked_for_twice_then_stored_and_ends_in_triage() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("emptybody", 1).await;
    // Written into the folder's Maildir as delivery would: a file of no bytes, then a letter
    // (Dovecot numbers new files in the order of their names).
    deliver_file(&folder, "1700000002.M1P1.empty", b"");
    deliver_file(&folder, "1700000003.M2P1.full", &letter(&folder, 3));
    let db = db();
    let src = source(config(&st, TlsMode::None, &[&folder]), &db);
    let cursor = || {
        Store::open(&db.path)
            .expect("store")
            .imap_cursor("helpdesk", &folder)
            .expect("cursor")
            .expect("cursor written")
            .last_uid
    };

    let first = src.fetch_once(&SystemClock).await.expect("first fetch");
    assert_eq!((first.stored, first.duplicates), (3, 0), "{first:?}");
    let ids = stored_ids(&db);
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(
        ids[0], "",
        "the empty message, stored without a Message-ID: {ids:?}"
    );
    assert_eq!(cursor(), 3, "the cursor passed the empty message (UID 2)");

    let second = src.fetch_once(&SystemClock).await.expect("second fetch");
    assert_eq!(
        (second.stored, second.duplicates, second.known),
        (0, 0, 0),
        "nothing is asked for again: {second:?}"
    );

    // Processed, it is a triage ticket that says why.
    let loaded = suratd::daemon::load(&super::support::repo().join("daemon.toml")).expect("config");
    let mut store = Store::open(&db.path).expect("store");
    suratd::pipeline::Pipeline {
        config: &loaded.config,
        rules: &loaded.rules,
        templates: &loaded.templates,
        clock: &SystemClock,
    }
    .process_pending(&mut store)
    .expect("process");
    // (The test letters match no rule either: triage too.)
    let quarantined = store.quarantine().expect("quarantine");
    let empty: Vec<_> = quarantined
        .iter()
        .filter(|q| q.message_id.is_none())
        .collect();
    assert_eq!(empty.len(), 1, "{quarantined:?}");
    assert_eq!(
        empty[0].reason.as_deref(),
        Some("unparseable: message is empty")
    );
    assert_eq!(empty[0].ticket_state.as_deref(), Some("triage"));
    admin.cleanup(&[&folder]).await;
}

/// The passing kind of empty answer: the file was gone by the server's next look (here it is
/// deleted just before the NOOP reaches Dovecot, as a Maildir rewritten behind the server's
/// back would be). The second FETCH finds no such message, so nothing is stored for it, and
/// the cursor passes it. Stored at the first empty answer, it would be a triage ticket for a
/// message that never was.
#[tokio::test]
async fn an_empty_answer_gone_by_the_second_look_is_not_stored() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("emptygone", 1).await;
    let maildir = deliver_file(&folder, "1700000002.M1P1.empty", b"");
    let gone = maildir.clone();
    let relay = CommandRelay::start(&st, b"NOOP", move || {
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(gone.join(sub))
                .expect("maildir")
                .flatten()
            {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("1700000002.M1P1.empty")
                {
                    std::fs::remove_file(entry.path()).expect("delete");
                }
            }
        }
    })
    .await;
    let mut cfg = config(&st, TlsMode::None, &[&folder]);
    cfg.port = relay;
    let db = db();
    let got = source(cfg, &db)
        .fetch_once(&SystemClock)
        .await
        .expect("fetch");
    assert_eq!((got.stored, got.duplicates), (1, 0), "{got:?}");
    assert!(
        !stored_ids(&db).contains(&String::new()),
        "{:?}",
        stored_ids(&db)
    );
    let cursor = Store::open(&db.path)
        .expect("store")
        .imap_cursor("helpdesk", &folder)
        .expect("cursor")
        .expect("cursor written");
    assert_eq!(cursor.last_uid, 2, "the cursor passed the vanished UID");
    admin.cleanup(&[&folder]).await;
}

/// A TCP relay to the stack's plain IMAP port that runs `hook` once, just before it passes
/// on the first client write containing `word`. Returns the relay's port.
struct CommandRelay;

impl CommandRelay {
    async fn start(st: &Stack, word: &'static [u8], hook: impl FnOnce() + Send + 'static) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind((st.host.as_str(), 0))
            .await
            .expect("bind relay");
        let port = listener.local_addr().expect("relay address").port();
        let upstream = (st.host.clone(), st.imap_port);
        tokio::spawn(async move {
            let Ok((down, _)) = listener.accept().await else {
                return;
            };
            let up = TcpStream::connect(upstream)
                .await
                .expect("relay to the stack");
            let (mut down_r, mut down_w) = down.into_split();
            let (mut up_r, mut up_w) = up.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut up_r, &mut down_w).await;
            });
            let mut hook = Some(hook);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match down_r.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if buf[..n].windows(word.len()).any(|w| w == word) {
                    if let Some(h) = hook.take() {
                        h();
                    }
                }
                if up_w.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        port
    }
}

#[tokio::test]
async fn starttls_and_loopback_plain_work_too() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("starttls", 2).await;
    let db = db();
    let starttls = source(config(&st, TlsMode::Starttls, &[&folder]), &db);
    let s = starttls.fetch_once(&SystemClock).await.expect("starttls");
    assert_eq!(s.stored, 2);

    admin.append(&folder, 3).await;
    let plain = source(config(&st, TlsMode::None, &[&folder]), &db);
    let s = plain.fetch_once(&SystemClock).await.expect("plain");
    assert_eq!((s.stored, s.duplicates), (1, 0), "{s:?}");
    admin.cleanup(&[&folder]).await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("wrongca", 1).await;
    let db = db();
    // A CA that did not sign the server's certificate: the system's roots only, and a
    // throwaway CA beside them.
    let other_ca = tempfile::tempdir().expect("tempdir");
    let other = other_ca.path().join("other-ca.crt");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=not the mailstack CA"])
        .arg("-keyout")
        .arg(other_ca.path().join("key.pem"))
        .arg("-out")
        .arg(&other)
        .output()
        .expect("run openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    for (tls, ca) in [
        (TlsMode::Implicit, None),
        (TlsMode::Implicit, Some(other.clone())),
        (TlsMode::Starttls, Some(other.clone())),
    ] {
        let mut cfg = config(&st, tls, &[&folder]);
        cfg.trust.ca_file = ca;
        let err = source(cfg, &db)
            .fetch_once(&SystemClock)
            .await
            .expect_err("untrusted certificate accepted");
        let msg = err.to_string();
        assert!(
            msg.contains("TLS with") && msg.contains("certificate"),
            "{tls:?}: {msg}"
        );
    }
    assert!(
        stored_ids(&db).is_empty(),
        "nothing fetched over a refused TLS"
    );

    // accept-invalid-certs (tests only) takes it anyway.
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.trust = TlsTrust {
        ca_file: None,
        accept_invalid_certs: true,
    };
    let s = source(cfg, &db)
        .fetch_once(&SystemClock)
        .await
        .expect("accepted");
    assert_eq!(s.stored, 1);
    admin.cleanup(&[&folder]).await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_not_shown() {
    let st = stack();
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &["INBOX"]);
    cfg.password = Secret::new("salah-sandi-123");
    let err = source(cfg, &db)
        .fetch_once(&SystemClock)
        .await
        .expect_err("wrong password accepted");
    let msg = err.to_string();
    assert!(
        msg.contains("login as \"helpdesk@kampus.test\" refused"),
        "{msg}"
    );
    assert!(!msg.contains("salah-sandi-123"), "{msg}");
}

#[tokio::test]
async fn a_missing_folder_is_named_in_the_error() {
    let st = stack();
    let db = db();
    let missing = unique("missing");
    let err = source(config(&st, TlsMode::Implicit, &[&missing]), &db)
        .fetch_once(&SystemClock)
        .await
        .expect_err("missing folder");
    assert!(
        err.to_string().contains(&format!("folder \"{missing}\"")),
        "{err}"
    );
}

#[tokio::test]
async fn after_store_seen_flags_what_was_stored() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("seen", 3).await;
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.after_store = AfterStore::Seen;
    let s = source(cfg, &db)
        .fetch_once(&SystemClock)
        .await
        .expect("fetch");
    assert_eq!(s.stored, 3);
    let flags = admin.flags(&folder).await;
    assert_eq!(flags.len(), 3, "nothing deleted");
    assert!(
        flags.iter().all(|(_, f)| f.iter().any(|x| x == "Seen")),
        "{flags:?}"
    );
    admin.cleanup(&[&folder]).await;
}

#[tokio::test]
async fn after_store_move_moves_what_was_stored() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("move", 3).await;
    // The target does not exist yet: the source creates it (NO [TRYCREATE]).
    let target = unique("moved");
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.after_store = AfterStore::Move(target.clone());
    cfg.batch_size = 2;
    let src = source(cfg, &db);
    let s = src.fetch_once(&SystemClock).await.expect("fetch");
    assert_eq!(s.stored, 3);
    assert!(admin.flags(&folder).await.is_empty(), "moved out");
    assert_eq!(admin.flags(&target).await.len(), 3, "moved in");

    admin.append(&folder, 4).await;
    let s = src.fetch_once(&SystemClock).await.expect("fetch again");
    assert_eq!((s.stored, s.duplicates), (1, 0));
    assert_eq!(admin.flags(&target).await.len(), 4);
    assert_eq!(stored_ids(&db).len(), 4);
    admin.cleanup(&[&folder, &target]).await;
}

#[tokio::test]
async fn a_new_uidvalidity_rescans_without_doubling() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("uidvalidity", 3).await;
    let db = db();
    let src = source(config(&st, TlsMode::Implicit, &[&folder]), &db);
    assert_eq!(src.fetch_once(&SystemClock).await.expect("fetch").stored, 3);
    let first = uidvalidity_of(&db, &folder);

    // Deleted and made again with the same letters: new UIDVALIDITY, nothing new.
    admin.0.delete(&folder).await.expect("delete");
    admin.0.create(&folder).await.expect("create");
    for i in 1..=3 {
        admin.append(&folder, i).await;
    }
    let s = src
        .fetch_once(&SystemClock)
        .await
        .expect("rescan after recreate");
    assert_eq!((s.stored, s.duplicates), (0, 3), "{s:?}");
    let second = uidvalidity_of(&db, &folder);
    assert_ne!(second, first);

    // The server rebuilt its index: the same messages under a new UIDVALIDITY, and one more.
    let out = std::process::Command::new(st.bin.join("reset.sh"))
        .args(["uidvalidity", USER, &folder])
        .output()
        .expect("run reset.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    admin.append(&folder, 4).await;
    let s = src.fetch_once(&SystemClock).await.expect("rescan");
    assert_eq!((s.stored, s.duplicates), (1, 3), "{s:?}");
    assert_ne!(uidvalidity_of(&db, &folder), second);
    assert_eq!(stored_ids(&db).len(), 4);
    admin.cleanup(&[&folder]).await;
}

/// Waits for a kick, at most [`PATIENCE`]; how long it took.
pub(super) async fn kicked(kick: &Kick, what: &str) -> Duration {
    let t = Instant::now();
    tokio::time::timeout(PATIENCE, kick.wait())
        .await
        .unwrap_or_else(|_| panic!("no kick within {PATIENCE:?}: {what}"));
    t.elapsed()
}

#[tokio::test]
async fn run_with_idle_picks_up_new_mail_and_stops_promptly() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let a = admin.folder_with("idle-a", 1).await;
    let b = admin.folder_with("idle-b", 0).await;
    let db = db();
    // Polling once an hour: only IDLE can bring the new mail within the test's patience.
    let src = source(config(&st, TlsMode::Implicit, &[&a, &b]), &db);
    let (seen, _guard) = logs::capture();
    let (trigger, shutdown) = ShutdownTrigger::new();
    let kick = Kick::new();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let running = tokio::spawn(src.run(clock, kick.clone(), shutdown));

    let idling =
        |s: &logs::Seen, folder: &str| s.count_all(&[("message", "idling"), ("folder", folder)]);
    kicked(&kick, "the first sync stores what is there").await;
    seen.until(PATIENCE, "both folders idle", |s| {
        idling(s, &a) >= 1 && idling(s, &b) >= 1
    })
    .await;
    assert_eq!(stored_ids(&db).len(), 1);
    let line = seen.count_all(&[("message", "stored"), ("folder", &a), ("uid", "1")]);
    assert_eq!(line, 1, "the stored line names source, folder and uid");

    let t = Instant::now();
    admin.append(&b, 7).await;
    let append = t.elapsed();
    let latency = kicked(&kick, "IDLE brings the message appended to b").await;
    eprintln!("IDLE pickup: append took {append:?}, then stored after {latency:?}");
    let ids: HashSet<String> = stored_ids(&db).into_iter().collect();
    assert!(ids.contains(&format!("7.{b}@unit.kampus.test")), "{ids:?}");
    assert_eq!(idling(&seen, &a), 1, "a was not woken by mail to b");

    admin.append(&a, 8).await;
    kicked(&kick, "IDLE brings the message appended to a").await;
    assert_eq!(stored_ids(&db).len(), 3);

    let t = Instant::now();
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("run ends promptly at shutdown")
        .expect("run did not panic");
    eprintln!("shutdown while idling took {:?}", t.elapsed());
    admin.cleanup(&[&a, &b]).await;
}

/// A TCP relay to the stack's IMAPS port that the test can cut, as a network or a server
/// restart would: every relayed connection is dropped at once.
struct Relay {
    port: u16,
    cut: tokio::sync::watch::Sender<u32>,
}

impl Relay {
    async fn start(st: &Stack) -> Relay {
        let listener = tokio::net::TcpListener::bind((st.host.as_str(), 0))
            .await
            .expect("bind relay");
        let port = listener.local_addr().expect("relay address").port();
        let upstream = (st.host.clone(), st.imaps_port);
        let (cut, _) = tokio::sync::watch::channel(0u32);
        let cuts = cut.clone();
        tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                let mut up = TcpStream::connect(upstream.clone())
                    .await
                    .expect("relay to the stack");
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut down, &mut up) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Relay { port, cut }
    }

    fn cut_all(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

#[tokio::test]
async fn run_reconnects_when_the_connection_drops() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("reconnect", 2).await;
    let db = db();
    let relay = Relay::start(&st).await;
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.port = relay.port;
    let (seen, _guard) = logs::capture();
    let (trigger, shutdown) = ShutdownTrigger::new();
    let kick = Kick::new();
    let running = tokio::spawn(source(cfg, &db).run(Arc::new(SystemClock), kick.clone(), shutdown));
    let idling = |s: &logs::Seen| s.count_all(&[("message", "idling"), ("folder", &folder)]);
    kicked(&kick, "the first sync").await;
    seen.until(PATIENCE, "idling", |s| idling(s) >= 1).await;

    relay.cut_all();
    seen.until(PATIENCE, "reconnected and idling again", |s| {
        !s.values("retry_in_secs").is_empty() && idling(s) >= 2
    })
    .await;
    admin.append(&folder, 3).await;
    kicked(&kick, "the new letter after the reconnect").await;
    assert_eq!(stored_ids(&db).len(), 3);
    assert_eq!(seen.count("message", "same message stored before"), 0);
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("run ends promptly at shutdown")
        .expect("run did not panic");
    admin.cleanup(&[&folder]).await;
}

#[tokio::test]
async fn run_rescans_a_new_uidvalidity_without_doubling() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("uidv-run", 2).await;
    let db = db();
    let src = source(config(&st, TlsMode::Implicit, &[&folder]), &db);
    let (seen, _guard) = logs::capture();
    let (trigger, shutdown) = ShutdownTrigger::new();
    let kick = Kick::new();
    let running = tokio::spawn(src.run(Arc::new(SystemClock), kick.clone(), shutdown));
    kicked(&kick, "the first sync").await;
    seen.until(PATIENCE, "idling", |s| {
        s.count_all(&[("message", "idling"), ("folder", &folder)]) >= 1
    })
    .await;

    let out = std::process::Command::new(st.bin.join("reset.sh"))
        .args(["uidvalidity", USER, &folder])
        .output()
        .expect("run reset.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    admin.append(&folder, 3).await;
    kicked(&kick, "the letter appended after the new UIDVALIDITY").await;
    assert_eq!(stored_ids(&db).len(), 3);
    seen.until(PATIENCE, "both old letters found stored", |s| {
        s.count_all(&[
            ("message", "same message stored before"),
            ("folder", &folder),
        ]) == 2
    })
    .await;
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("run ends promptly at shutdown")
        .expect("run did not panic");
    admin.cleanup(&[&folder]).await;
}

#[tokio::test]
async fn run_without_idle_polls() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("poll", 0).await;
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &[&folder]);
    cfg.idle = false;
    cfg.poll_seconds = 1;
    let (trigger, shutdown) = ShutdownTrigger::new();
    let kick = Kick::new();
    let running = tokio::spawn(source(cfg, &db).run(Arc::new(SystemClock), kick.clone(), shutdown));
    admin.append(&folder, 1).await;
    kicked(&kick, "a poll brings the appended message").await;
    assert_eq!(stored_ids(&db).len(), 1);
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("run ends promptly at shutdown")
        .expect("run did not panic");
    admin.cleanup(&[&folder]).await;
}

/// The source's log events, captured so a test can wait for one (e.g. "idling").
mod logs {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::sync::Notify;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, SubscriberExt};

    /// One event: its fields as text (`message` included).
    pub type Event = Vec<(String, String)>;

    #[derive(Clone, Default)]
    pub struct Seen {
        events: Arc<Mutex<Vec<Event>>>,
        notify: Arc<Notify>,
    }

    impl Seen {
        /// The value of `field` in each event so far that has it.
        pub fn values(&self, field: &str) -> Vec<String> {
            let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
            events
                .iter()
                .filter_map(|e| e.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()))
                .collect()
        }

        /// Waits, at most `patience`, until `done` holds for the events so far.
        pub async fn until(&self, patience: Duration, what: &str, done: impl Fn(&Seen) -> bool) {
            let wait = async {
                loop {
                    let notified = self.notify.notified();
                    if done(self) {
                        return;
                    }
                    notified.await;
                }
            };
            tokio::time::timeout(patience, wait)
                .await
                .unwrap_or_else(|_| panic!("not seen within {patience:?}: {what}"));
        }

        /// How many events have `field` = `value`.
        pub fn count(&self, field: &str, value: &str) -> usize {
            self.values(field).iter().filter(|v| *v == value).count()
        }

        /// How many events have all of `pairs`.
        pub fn count_all(&self, pairs: &[(&str, &str)]) -> usize {
            let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
            events
                .iter()
                .filter(|e| {
                    pairs
                        .iter()
                        .all(|(k, v)| e.iter().any(|(ek, ev)| ek == k && ev == v))
                })
                .count()
        }
    }

    struct Layer(Seen);

    struct Fields(Event);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0
                .push((field.name().to_string(), format!("{value:?}")));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push((field.name().to_string(), value.to_string()));
        }
    }

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Layer {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut fields = Fields(Vec::new());
            event.record(&mut fields);
            self.0
                .events
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(fields.0);
            self.0.notify.notify_waiters();
        }
    }

    /// A subscriber for this thread: the test's current-thread runtime runs the source's
    /// tasks on it too.
    pub fn capture() -> (Seen, tracing::subscriber::DefaultGuard) {
        let seen = Seen::default();
        let sub = tracing_subscriber::registry().with(Layer(seen.clone()));
        (seen, tracing::subscriber::set_default(sub))
    }
}

#[tokio::test]
async fn run_keeps_retrying_while_the_server_is_down_and_stops_at_shutdown() {
    let st = stack();
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind((st.host.as_str(), 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let db = db();
    let mut cfg = config(&st, TlsMode::Implicit, &["INBOX"]);
    cfg.port = port;
    let (seen, _guard) = logs::capture();
    let (trigger, shutdown) = ShutdownTrigger::new();
    let running = tokio::spawn(source(cfg, &db).run(Arc::new(SystemClock), Kick::new(), shutdown));
    // Two failures: the task waited out its first backoff and tried again.
    seen.until(PATIENCE, "two reconnect attempts", |s| {
        s.values("retry_in_secs").len() >= 2
    })
    .await;
    let waits: Vec<f64> = seen
        .values("retry_in_secs")
        .iter()
        .map(|v| v.parse().expect("seconds"))
        .collect();
    assert!(
        (0.8..=1.2).contains(&waits[0]),
        "first wait about 1 s: {waits:?}"
    );
    assert!((1.6..=2.4).contains(&waits[1]), "then about 2 s: {waits:?}");
    assert_eq!(
        seen.count("folder", "INBOX"),
        waits.len(),
        "each line names the folder"
    );
    assert!(!running.is_finished(), "the task never gives up");
    let t = Instant::now();
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("shutdown interrupts the backoff wait")
        .expect("run did not panic");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}
