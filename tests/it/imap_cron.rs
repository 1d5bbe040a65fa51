//! The `[cron] imap-poll` job against the real Dovecot: with IDLE off and the source's own
//! poll an hour away (indeed with the source's task not running at all), the SLA service's
//! cron job alone fetches what is appended to the folder.

use super::imap::{config, db, kicked, stack, stored_ids, Admin};
use super::support::Env;
use std::sync::Arc;
use suratd::clock::SystemClock;
use suratd::config::{SourceConfig, SourceKind, TlsMode};
use suratd::lifecycle::{Kick, ShutdownTrigger};

#[tokio::test(flavor = "multi_thread")]
async fn the_cron_imap_poll_fetches_mail_without_idle() {
    let st = stack();
    let mut admin = Admin::connect(&st).await;
    let folder = admin.folder_with("cron-poll", 0).await;
    let db = db();

    let env = Env::new();
    let shipped = std::fs::read_to_string(env.config()).expect("cfg");
    let every_second = shipped.replace(
        "imap-poll = \"0 */15 * * * *\"",
        "imap-poll = \"* * * * * *\"",
    );
    assert_ne!(
        shipped, every_second,
        "the shipped [cron] imap-poll line moved"
    );
    std::fs::write(env.config(), every_second).expect("w");
    let mut loaded = suratd::daemon::load(&env.config()).expect("load");
    let mut imap = config(&st, TlsMode::Implicit, &[&folder]);
    imap.idle = false;
    imap.poll_seconds = 3600;
    loaded.config.sources = vec![SourceConfig {
        name: "helpdesk".into(),
        kind: SourceKind::Imap(imap),
    }];
    loaded.config.database = db.path.clone();

    // Only the SLA service runs: nothing but its cron job reads the folder.
    let (trigger, shutdown) = ShutdownTrigger::new();
    let (kick, queued, stored) = (Kick::new(), Kick::new(), Kick::new());
    let running = tokio::spawn(suratd::sla::service::run(
        suratd::reload::Current::new(Arc::new(loaded)),
        Arc::new(SystemClock),
        kick,
        [queued, stored.clone()],
        shutdown,
    ));
    admin.append(&folder, 1).await;
    kicked(&stored, "the cron poll brings the first appended message").await;
    assert_eq!(stored_ids(&db).len(), 1);
    // And again at a later run: the job keeps polling.
    admin.append(&folder, 2).await;
    kicked(&stored, "a later cron poll brings the second").await;
    assert_eq!(stored_ids(&db).len(), 2);

    trigger.trigger();
    tokio::time::timeout(std::time::Duration::from_secs(10), running)
        .await
        .expect("the SLA service ends promptly at shutdown")
        .expect("no panic")
        .expect("no error");
    admin.cleanup(&[&folder]).await;
}
