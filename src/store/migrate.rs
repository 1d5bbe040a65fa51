//! Schema migrations: numbered SQL files, each applied in one transaction with the
//! `PRAGMA user_version` it brings the database to. A migration keeps the data it finds.

use super::{Result, StoreError};
use rusqlite::Connection;
use std::path::Path;

pub(super) const MIGRATIONS: [&str; 8] = [
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_imap_cursor.sql"),
    include_str!("migrations/003_approval.sql"),
    include_str!("migrations/004_sla.sql"),
    include_str!("migrations/008_raw_apart.sql"),
    include_str!("migrations/009_outbox_indexes.sql"),
    include_str!("migrations/010_fewer_pages.sql"),
    include_str!("migrations/011_one_queue_index.sql"),
];

/// Applies the migrations the database lacks, up to schema version `target`.
pub(super) fn up_to(conn: &mut Connection, target: usize, path: &Path) -> Result<()> {
    let version: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target).skip(version) {
        let v = i + 1;
        let tx = conn
            .transaction()
            .map_err(|source| StoreError::Migration { version: v, source })?;
        tx.execute_batch(sql)
            .and_then(|_| tx.pragma_update(None, "user_version", v as i64))
            .and_then(|_| tx.commit())
            .map_err(|source| StoreError::Migration { version: v, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{outbox::OutboxState, Store, TicketId};
    use rusqlite::params;

    /// A database at schema 6 (before 010) with a row in every table 010 rebuilds.
    fn version_6(path: &Path) -> Connection {
        let mut conn = Connection::open(path).expect("open");
        conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
        up_to(&mut conn, 6, path).expect("migrate to 6");
        conn.execute_batch(
            "INSERT INTO messages (id, dedupe_key, content_hash, message_id, size, stored_at)
                VALUES (1, 'k1', 'h1', 'letter@x', 3, 't');
             INSERT INTO message_raw (message, raw) VALUES (1, X'616263');
             INSERT INTO message_sources (source, position, message, seen_at)
                VALUES ('inbox', '1:1', 1, 't');
             INSERT INTO tickets (id, number, kind, state, subject, created_at, updated_at)
                VALUES (7, 'TIK-2026-000001', 'request', 'open', 's', 't', 't');
             INSERT INTO thread_ids (message_id, ticket_id) VALUES ('letter@x', 7);
             INSERT INTO approval_tokens (hash, ticket_id, step, approver, expires_at, created_at)
                VALUES ('ab12', 7, 'disposisi', 'kepala@x', '2999-01-01T00:00:00Z', 't');
             INSERT INTO sla_clocks (id, ticket_id, step, sla, measure, total, started_at)
                VALUES (3, 7, 'disposisi', '1 hari', 'calendar', 60, 't');
             INSERT INTO sla_deadlines (clock_id, level, alert, rank, due_at)
                VALUES (3, 100, 'escalation', 1, '2026-01-01T00:00:00Z');
             INSERT INTO outbox (id, dedupe_key, ticket_id, message_id, template, recipients,
                    subject, raw, next_attempt_at, created_at)
                VALUES (5, 'TIK-2026-000001:ack', 7, 'TIK-2026-000001.ack@x', 'ack',
                    '[\"a@x\"]', 's', X'7261772065', '2026-01-01T00:00:00.000Z', 't');",
        )
        .expect("rows");
        conn
    }

    #[test]
    fn migrations_010_and_011_keep_every_row_and_every_uniqueness() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.db");
        drop(version_6(&path));
        let store = Store::open(&path).expect("migrate to the last version");
        let c = &store.conn;
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(v as usize, MIGRATIONS.len());
        // The rows are all there, read the way the daemon reads them.
        assert!(store.has_position("inbox", "1:1").expect("position"));
        let t = store.ticket_by_thread_id("letter@x").expect("read");
        assert_eq!(t.map(|t| t.id), Some(TicketId(7)));
        assert!(store.token_by_hash("AB12").expect("token").is_some());
        let due = store.next_due_email(chrono::Utc::now(), 0).expect("due");
        assert_eq!(due.map(|d| d.raw), Some(b"raw e".to_vec()));
        // 011: the queue's one index answers when the next email is due and how many wait.
        let next = store
            .next_due_at()
            .expect("next due")
            .map(|t| t.to_rfc3339());
        assert_eq!(next.as_deref(), Some("2026-01-01T00:00:00+00:00"));
        assert_eq!(store.queued_count().expect("count"), 1);
        let gone: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'outbox_due'",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert_eq!(gone, 0);
        assert_eq!(
            store.raw(crate::store::MessageRowId(1)).expect("raw"),
            Some(b"abc".to_vec())
        );
        let (state, due_at): (String, String) = store
            .conn
            .query_row(
                "SELECT state, due_at FROM sla_deadlines WHERE clock_id = 3 AND level = 100",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("deadline");
        assert_eq!(
            (state.as_str(), due_at.as_str()),
            ("pending", "2026-01-01T00:00:00Z")
        );
        // Every key that keeps something from doubling still refuses a second row.
        for dup in [
            "INSERT INTO messages (dedupe_key, size, stored_at) VALUES ('k1', 1, 't')",
            "INSERT INTO message_sources VALUES ('inbox', '1:1', 1, 't')",
            "INSERT INTO thread_ids VALUES ('letter@x', 7)",
            "INSERT INTO approval_tokens (hash, ticket_id, step, approver, expires_at, created_at)
                VALUES ('ab12', 7, 's', 'a', 'e', 't')",
            "INSERT INTO outbox (dedupe_key, message_id, template, recipients, subject,
                next_attempt_at, created_at) VALUES ('TIK-2026-000001:ack', 'new@x', 't', '[]', 's', 'n', 't')",
            "INSERT INTO outbox (dedupe_key, message_id, template, recipients, subject,
                next_attempt_at, created_at) VALUES ('new', 'TIK-2026-000001.ack@x', 't', '[]', 's', 'n', 't')",
            "INSERT INTO sla_deadlines (clock_id, level, alert, rank) VALUES (3, 100, 'reminder', 0)",
        ] {
            let err = c.execute(dup, []).expect_err(dup);
            assert!(err.to_string().contains("UNIQUE"), "{dup}: {err}");
        }
        // A thread Message-ID can no longer be NULL (it never was written as one).
        assert!(c
            .execute("INSERT INTO thread_ids VALUES (NULL, 7)", params![])
            .is_err());
        // And the sent mark still works on the rebuilt outbox.
        store
            .mark_sent(5, chrono::Utc::now())
            .expect("mark the migrated email sent");
        let e = store.outbox_entry("TIK-2026-000001.ack@x").expect("entry");
        assert_eq!(e.map(|e| e.state), Some(OutboxState::Sent));
    }
}
