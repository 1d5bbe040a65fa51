//! Stored messages: the raw letter kept as fetched, its source positions, and how its
//! processing ended.

use super::{batch, rawhead, ts, MessageRowId, Result, Store, TicketId, Tx};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What storing a fetched message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new message, now pending.
    New(MessageRowId),
    /// This source position was stored before.
    SeenPosition,
    /// The same message came from another position (another folder, a re-fetch).
    SameMessage(MessageRowId),
}

/// How a processed message ended (the `messages.outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NewTicket,
    Reply,
    Approval,
    Ignored,
    Triage,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::NewTicket => "new_ticket",
            Outcome::Reply => "reply",
            Outcome::Approval => "approval",
            Outcome::Ignored => "ignored",
            Outcome::Triage => "triage",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRow {
    pub id: MessageRowId,
    pub message_id: Option<String>,
    pub size: i64,
    pub stored_at: String,
    pub state: String,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub ticket: Option<String>,
}

/// The work of [`Store::store_raw`] inside the caller's transaction.
pub(super) fn put_raw(
    tx: &Connection,
    source: &str,
    position: &str,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<Stored> {
    let seen: Option<i64> = tx
        .prepare_cached("SELECT message FROM message_sources WHERE source = ?1 AND position = ?2")?
        .query_row(params![source, position], |r| r.get(0))
        .optional()?;
    if seen.is_some() {
        return Ok(Stored::SeenPosition);
    }
    let head = rawhead::RawHead::scan(raw);
    let dedupe_key = head.dedupe_key();
    let now_s = ts(now);
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM messages WHERE dedupe_key = ?1")?
        .query_row(params![dedupe_key], |r| r.get(0))
        .optional()?;
    let (id, outcome) = match existing {
        Some(id) => (id, Stored::SameMessage(MessageRowId(id))),
        None => {
            tx.prepare_cached(
                "INSERT INTO messages (dedupe_key, message_id, size, stored_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                dedupe_key,
                head.message_id,
                raw.len() as i64,
                now_s
            ])?;
            let id = tx.last_insert_rowid();
            if raw.len() > batch::LARGE {
                batch::write_large(tx, id, raw)?;
            } else {
                tx.prepare_cached("INSERT INTO message_raw (message, raw) VALUES (?1, ?2)")?
                    .execute(params![id, raw])?;
            }
            (id, Stored::New(MessageRowId(id)))
        }
    };
    tx.prepare_cached(
        "INSERT INTO message_sources (source, position, message, seen_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![source, position, id, now_s])?;
    Ok(outcome)
}

impl Store {
    /// Commits a fetched message, unless its source position or the message itself is known.
    pub fn store_raw(
        &mut self,
        source: &str,
        position: &str,
        raw: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Stored> {
        // IMMEDIATE: a deferred transaction that reads and then writes gets SQLITE_BUSY at
        // once, without the busy timeout, when another connection wrote in between (WAL);
        // the crash test and the benchmark saw fetches fail that way under load.
        let _turn = self.writer_turn();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let outcome = put_raw(&tx, source, position, raw, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Whether a source position is already stored (lets a source skip reading a file).
    pub fn has_position(&self, source: &str, position: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM message_sources WHERE source = ?1 AND position = ?2")?
            .exists(params![source, position])?)
    }

    /// [`Store::has_position`] for several positions, in one read transaction.
    pub fn known_positions<'p>(
        &mut self,
        source: &str,
        positions: impl IntoIterator<Item = &'p str>,
    ) -> Result<Vec<bool>> {
        let tx = self.conn.transaction()?;
        let mut st =
            tx.prepare_cached("SELECT 1 FROM message_sources WHERE source = ?1 AND position = ?2")?;
        let known = positions
            .into_iter()
            .map(|p| st.exists(params![source, p]))
            .collect::<std::result::Result<Vec<bool>, _>>()?;
        drop(st);
        tx.commit()?;
        Ok(known)
    }

    /// Pending messages, oldest first.
    pub fn pending(&self, limit: usize) -> Result<Vec<(MessageRowId, Vec<u8>)>> {
        self.pending_after(None, limit)
    }

    /// The raw bytes of a stored message.
    pub fn raw(&self, id: MessageRowId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT raw FROM message_raw WHERE message = ?1")?
            .query_row(params![id.0], |r| r.get(0))
            .optional()?)
    }

    pub fn messages(&self) -> Result<Vec<MessageRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.id, m.message_id, m.size, m.stored_at, m.state, m.outcome, m.outcome_detail, t.number
             FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id ORDER BY m.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(MessageRow {
                id: MessageRowId(r.get(0)?),
                message_id: r.get(1)?,
                size: r.get(2)?,
                stored_at: r.get(3)?,
                state: r.get(4)?,
                outcome: r.get(5)?,
                outcome_detail: r.get(6)?,
                ticket: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl Tx<'_> {
    /// Marks a message processed, with how it ended. Part of the same transaction as the
    /// ticket change it caused.
    pub fn finish_message(
        &self,
        message: MessageRowId,
        outcome: Outcome,
        detail: Option<&str>,
        ticket: Option<TicketId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE messages SET state = 'done', outcome = ?2, outcome_detail = ?3,
                    ticket_id = ?4, processed_at = ?5 WHERE id = ?1",
            )?
            .execute(params![
                message.0,
                outcome.as_str(),
                detail,
                ticket.map(|t| t.0),
                ts(now)
            ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_now as now;

    const MSG: &[u8] = b"Message-ID: <a@b>\r\nFrom: x@y.id\r\nSubject: hi\r\n\r\nbody\r\n";

    #[test]
    fn stores_once_per_position_and_once_per_message() {
        let mut s = Store::open_in_memory().expect("db");
        let first = s.store_raw("inbox", "1", MSG, now()).expect("store");
        assert!(matches!(first, Stored::New(_)));
        assert_eq!(
            s.store_raw("inbox", "1", MSG, now()).expect("store"),
            Stored::SeenPosition
        );
        // Same letter, another position, with an extra trace header: the same message.
        let mut traced = b"Received: from relay\r\n".to_vec();
        traced.extend_from_slice(MSG);
        let again = s.store_raw("other", "9", &traced, now()).expect("store");
        assert!(matches!(again, Stored::SameMessage(_)));
        assert_eq!(s.pending(10).expect("pending").len(), 1);
    }
}
