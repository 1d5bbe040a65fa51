//! The outbox queries of the delivery service ([`crate::outbound::service`]): the next due
//! email (one at a time, in queue order), when the next one falls due (what the service
//! sleeps until), and every row's delivery state for people and tests (parked rows stay here
//! with their reason; nothing is ever deleted).
//!
//! Writing the outcome of an attempt is [`Store::mark_sent`] (or [`Store::mark_sent_many`],
//! several in one commit) / [`Store::mark_failed`].

use super::{ts, Result, Store, StoreError, TicketId, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// An email waiting in (or gone through) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub attempts: i64,
}

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    pub dedupe_key: &'a str,
    pub ticket: Option<TicketId>,
    pub message_id: &'a str,
    pub template: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub raw: &'a [u8],
}

/// A queued email that is due, with what the delivery log needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DueEmail {
    pub id: i64,
    /// The ticket number (`TIK-2026-000123`), when the email belongs to a ticket.
    pub ticket: Option<String>,
    pub message_id: String,
    /// The envelope recipients. Empty when the stored list cannot be read: the service then
    /// parks the row instead of guessing.
    pub recipients: Vec<String>,
    /// The complete message, sent byte for byte.
    pub raw: Vec<u8>,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When it was queued; None if the stored value is unreadable.
    pub created_at: Option<DateTime<Utc>>,
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Queued,
    /// The server accepted it (250 after DATA).
    Sent,
    /// Given up: a permanent failure, or temporary ones for too long. `last_error` says why.
    Parked,
}

impl std::str::FromStr for OutboxState {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "queued" => Ok(OutboxState::Queued),
            "sent" => Ok(OutboxState::Sent),
            "parked" => Ok(OutboxState::Parked),
            _ => Err(()),
        }
    }
}

/// An outbox row as read back (without the message bytes).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub ticket: Option<String>,
    pub message_id: String,
    pub template: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Marks row `id` sent at `at` (dropping its body when it carried a secret); true when it
/// did carry one, so that the caller truncates the WAL once the mark is committed.
pub(super) fn set_sent(conn: &rusqlite::Connection, id: i64, at: DateTime<Utc>) -> Result<bool> {
    let scrub: Option<bool> = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1
             WHERE id = ?1 RETURNING scrub_after_send",
        )?
        .query_row(params![id, ts(at)], |r| r.get(0))
        .optional()?;
    if scrub != Some(true) {
        return Ok(false);
    }
    conn.prepare_cached("UPDATE outbox_raw SET raw = X'' WHERE outbox = ?1")?
        .execute(params![id])?;
    Ok(true)
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Several emails sent (id, time of the server's 250), marked in one transaction: one
    /// commit for a run of deliveries instead of one each. All or nothing.
    pub fn mark_sent_many(&mut self, marks: &[(i64, DateTime<Utc>)]) -> Result<()> {
        if marks.is_empty() {
            return Ok(());
        }
        let _turn = self.writer_turn();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut secret = None;
        for &(id, at) in marks {
            if set_sent(&tx, id, at)? {
                secret = Some(id);
            }
        }
        tx.commit()?;
        if let Some(id) = secret {
            self.truncate_wal_after_secret(id);
        }
        Ok(())
    }

    /// The first queued email due at `now` whose id is above `after` (queue order). A pass
    /// moves `after` forward, so it sees every row at most once even when one is retried.
    pub fn next_due_email(&self, now: DateTime<Utc>, after: i64) -> Result<Option<DueEmail>> {
        Ok(self.due_run(now, after, 1, usize::MAX)?.pop())
    }

    /// The queued emails due at `now` with ids above `after`, in queue order: at most `most`,
    /// and no more once their raw bytes reach `bytes` (the one that reaches it is included).
    /// One query, one read transaction for the run (one per email took and released SQLite's
    /// lock each: about two `fcntl` calls an email, BENCHMARKS.md, fifth round).
    pub fn due_run(
        &self,
        now: DateTime<Utc>,
        after: i64,
        most: usize,
        bytes: usize,
    ) -> Result<Vec<DueEmail>> {
        let mut st = self.conn.prepare_cached(
            "SELECT o.id, t.number, o.message_id, o.recipients, r.raw, o.attempts, o.created_at
             FROM outbox o JOIN outbox_raw r ON r.outbox = o.id
                LEFT JOIN tickets t ON t.id = o.ticket_id
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 AND o.id > ?2
             ORDER BY o.id LIMIT ?3",
        )?;
        let limit = i64::try_from(most).unwrap_or(i64::MAX);
        let mut rows = st.query(params![ts(now), after, limit])?;
        let mut run = Vec::new();
        let mut held = 0;
        while held < bytes {
            let Some(r) = rows.next()? else {
                break;
            };
            let email = DueEmail {
                id: r.get(0)?,
                ticket: r.get(1)?,
                message_id: r.get(2)?,
                recipients: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                raw: r.get(4)?,
                attempts: r.get(5)?,
                created_at: parse_ts(&r.get::<_, String>(6)?),
            };
            held += email.raw.len();
            run.push(email);
        }
        Ok(run)
    }

    /// When the earliest queued email falls due (None: nothing is queued).
    pub fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self
            .conn
            .prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'")?
            .query_row([], |r| r.get(0))?;
        match at {
            None => Ok(None),
            Some(s) => match parse_ts(&s) {
                Some(t) => Ok(Some(t)),
                None => Err(StoreError::Corrupt {
                    what: "outbox.next_attempt_at",
                    value: s,
                }),
            },
        }
    }

    /// How many emails are queued (waiting for an attempt), for the outage log lines.
    pub fn queued_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE state = 'queued'")?
            .query_row([], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// One outbox row by its Message-ID (without angle brackets).
    pub fn outbox_entry(&self, message_id: &str) -> Result<Option<OutboxEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE o.message_id = ?1");
        let row = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![message_id], read_entry)
            .optional()?;
        row.transpose()
    }

    /// Every outbox row, oldest first.
    pub fn outbox_entries(&self) -> Result<Vec<OutboxEntry>> {
        let sql = format!("{ENTRY_SELECT} ORDER BY o.id");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map([], read_entry)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r??);
        }
        Ok(out)
    }
}

const ENTRY_SELECT: &str = "SELECT o.id, t.number, o.message_id, o.template, o.recipients,
    o.subject, o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.sent_at
    FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id";

fn read_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<OutboxEntry>> {
    let state: String = r.get(6)?;
    let Ok(state) = state.parse() else {
        return Ok(Err(StoreError::Corrupt {
            what: "outbox.state",
            value: state,
        }));
    };
    Ok(Ok(OutboxEntry {
        id: r.get(0)?,
        ticket: r.get(1)?,
        message_id: r.get(2)?,
        template: r.get(3)?,
        recipients: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
        subject: r.get(5)?,
        state,
        attempts: r.get(7)?,
        next_attempt_at: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
    }))
}

impl Store {
    /// Queued emails due at `now`, oldest first.
    pub fn due_emails(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT o.id, o.message_id, o.recipients, r.raw, o.attempts
             FROM outbox o JOIN outbox_raw r ON r.outbox = o.id
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 ORDER BY o.id LIMIT ?2",
        )?;
        let rows = st.query_map(params![ts(now), limit as i64], |r| {
            Ok(OutboxRow {
                id: r.get(0)?,
                message_id: r.get(1)?,
                recipients: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                raw: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One email sent, in a commit of its own (see [`Store::mark_sent_many`] for several).
    pub fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        if set_sent(&self.conn, id, now)? {
            self.truncate_wal_after_secret(id);
        }
        Ok(())
    }

    /// A failed attempt: retry at `retry_at`, or park the email when `retry_at` is None.
    pub fn mark_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        match retry_at {
            Some(t) => self.conn.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1")?.execute(params![id, error, ts(t)],
            )?,
            None => self.conn.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, state = 'parked' WHERE id = ?1")?.execute(params![id, error],
            )?,
        };
        Ok(())
    }
}

impl Tx<'_> {
    /// Queues an email; returns false when one with the same dedupe key was queued before.
    pub fn queue_email(&self, e: &NewEmail<'_>, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO outbox (dedupe_key, ticket_id, message_id, template,
                    recipients, subject, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?
            .execute(params![
                e.dedupe_key,
                e.ticket.map(|t| t.0),
                e.message_id,
                e.template,
                serde_json::to_string(e.recipients).unwrap_or_else(|_| "[]".into()),
                e.subject,
                ts(now)
            ])?;
        if n != 1 {
            return Ok(false);
        }
        // The bytes apart (migration 010): marking the email sent then rewrites a small row.
        self.tx
            .prepare_cached("INSERT INTO outbox_raw (outbox, raw) VALUES (?1, ?2)")?
            .execute(params![self.tx.last_insert_rowid(), e.raw])?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_ts(s).expect("valid time")
    }

    fn queue(s: &mut Store, key: &str, now: DateTime<Utc>) {
        let to = vec![format!("{key}@unit.kampus.test")];
        let e = NewEmail {
            dedupe_key: key,
            ticket: None,
            message_id: &format!("{key}@kampus.test"),
            template: "ack",
            recipients: &to,
            subject: "s",
            raw: b"raw",
        };
        s.transaction(|tx| tx.queue_email(&e, now)).expect("queue");
    }

    #[test]
    fn due_rows_come_one_at_a_time_in_queue_order() {
        let mut s = Store::open_in_memory().expect("db");
        let t0 = at("2026-03-02T01:00:00Z");
        assert_eq!(s.next_due_at().expect("next"), None);
        queue(&mut s, "a", t0);
        queue(&mut s, "b", t0);
        let a = s.next_due_email(t0, 0).expect("due").expect("a");
        assert_eq!(
            (a.message_id.as_str(), a.attempts, a.created_at),
            ("a@kampus.test", 0, Some(t0))
        );
        assert_eq!(a.recipients, ["a@unit.kampus.test"]);
        // a is retried later; b is next, then nothing in this pass.
        let later = at("2026-03-02T01:00:30Z");
        s.mark_failed(a.id, "451 try later", Some(later))
            .expect("fail");
        let b = s.next_due_email(t0, a.id).expect("due").expect("b");
        assert_eq!(b.message_id, "b@kampus.test");
        assert_eq!(s.next_due_email(t0, b.id).expect("due"), None);
        s.mark_sent(b.id, t0).expect("sent");
        assert_eq!(s.next_due_at().expect("next"), Some(later));
        assert_eq!(s.next_due_email(t0, 0).expect("due"), None);
        assert!(s.next_due_email(later, 0).expect("due").is_some());
    }

    /// A run stops at its count, or at the email whose bytes reach the limit, and starts
    /// after the row it is given.
    #[test]
    fn a_run_of_due_emails_stops_at_its_count_or_its_bytes() {
        let mut s = Store::open_in_memory().expect("db");
        let t0 = at("2026-03-02T01:00:00Z");
        for key in ["a", "b", "c", "d"] {
            queue(&mut s, key, t0);
        }
        let ids = |run: Vec<DueEmail>| run.into_iter().map(|e| e.message_id).collect::<Vec<_>>();
        let all = ids(s.due_run(t0, 0, 10, usize::MAX).expect("run"));
        assert_eq!(
            all,
            [
                "a@kampus.test",
                "b@kampus.test",
                "c@kampus.test",
                "d@kampus.test"
            ]
        );
        assert_eq!(ids(s.due_run(t0, 0, 2, usize::MAX).expect("run")).len(), 2);
        // Each raw is 3 bytes: the second reaches 5, and the run ends with it.
        assert_eq!(ids(s.due_run(t0, 0, 10, 5).expect("run")).len(), 2);
        let first = s.due_run(t0, 0, 1, usize::MAX).expect("run")[0].id;
        assert_eq!(
            ids(s.due_run(t0, first, 10, usize::MAX).expect("run")),
            ["b@kampus.test", "c@kampus.test", "d@kampus.test"]
        );
        assert!(s
            .due_run(at("2026-03-02T00:59:59Z"), 0, 10, usize::MAX)
            .expect("run")
            .is_empty());
    }

    #[test]
    fn parked_rows_stay_queryable_with_their_reason() {
        let mut s = Store::open_in_memory().expect("db");
        let t0 = at("2026-03-02T01:00:00Z");
        queue(&mut s, "a", t0);
        let a = s.next_due_email(t0, 0).expect("due").expect("a");
        s.mark_failed(a.id, "550 5.1.1 user unknown", None)
            .expect("park");
        assert_eq!(s.next_due_at().expect("next"), None);
        let e = s.outbox_entry("a@kampus.test").expect("read").expect("row");
        assert_eq!(e.state, OutboxState::Parked);
        assert_eq!(e.attempts, 1);
        assert_eq!(e.last_error.as_deref(), Some("550 5.1.1 user unknown"));
        assert_eq!(s.outbox_entries().expect("all"), vec![e]);
    }

    #[test]
    fn queue_is_idempotent_by_key() {
        let mut s = Store::open_in_memory().expect("db");
        let to = vec!["a@b.id".to_string()];
        let e = NewEmail {
            dedupe_key: "ack:T-1",
            ticket: None,
            message_id: "m1@x",
            template: "ack",
            recipients: &to,
            subject: "s",
            raw: b"raw",
        };
        let first = s
            .transaction(|tx| tx.queue_email(&e, at("2026-03-02T01:00:00Z")))
            .expect("q");
        let second = s
            .transaction(|tx| tx.queue_email(&e, at("2026-03-02T01:00:00Z")))
            .expect("q");
        assert!(first);
        assert!(!second);
        assert_eq!(
            s.due_emails(at("2026-03-02T01:00:00Z"), 10)
                .expect("due")
                .len(),
            1
        );
    }
}
