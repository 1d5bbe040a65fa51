//! Several messages per transaction, for throughput: a commit costs a WAL append of every
//! page it touched, and a batch shares the pages (indexes, counters, the table tails) that
//! one message per commit would write again and again.
//!
//! The guarantees of one transaction per message stay: each message's work (its ticket,
//! events, outbox rows and done mark; or its raw row and position) runs in a savepoint of its
//! own, so it is kept or undone whole; the batch commits what succeeded before the first
//! failure, and the failure is returned. A crash before the commit leaves every message of
//! the batch pending (or unfetched, for the cursor has not moved), to be done again.

use super::{Result, Store, StoreError, Stored, Tx};
use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;

/// One fetched message to store: its position in the source and its raw bytes.
pub struct RawItem {
    pub position: String,
    pub raw: Vec<u8>,
}

impl Store {
    /// Runs `f` for each item in one write transaction, each call in its own savepoint.
    /// Stops at the first error: that item's savepoint is undone, the items before it are
    /// committed, and the error is returned.
    pub fn transaction_each<I, E: From<StoreError>>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut f: impl FnMut(&Tx<'_>, I) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let mut failure = None;
        for item in items {
            tx.execute_batch("SAVEPOINT item")
                .map_err(StoreError::from)?;
            match f(&Tx { tx: &tx }, item) {
                Ok(()) => tx.execute_batch("RELEASE item").map_err(StoreError::from)?,
                Err(e) => {
                    tx.execute_batch("ROLLBACK TO item; RELEASE item")
                        .map_err(StoreError::from)?;
                    failure = Some(e);
                    break;
                }
            }
        }
        tx.commit().map_err(StoreError::from)?;
        failure.map_or(Ok(()), Err)
    }

    /// [`Store::store_raw`] for several messages of one source in one transaction; the
    /// outcomes in the order of `items`. All or nothing: on an error nothing is stored.
    pub fn store_raw_many(
        &mut self,
        source: &str,
        items: &[RawItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<Stored>> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(super::put_raw(&tx, source, &item.position, &item.raw, now)?);
        }
        tx.commit()?;
        Ok(out)
    }
}

impl Tx<'_> {
    /// The ticket a thread Message-ID belongs to, as this transaction sees it.
    pub fn ticket_by_thread_id(&self, message_id: &str) -> Result<Option<super::TicketRow>> {
        super::ticket_where(
            self.tx,
            "t.id = (SELECT ticket_id FROM thread_ids WHERE message_id = ?1)",
            rusqlite::params![message_id],
        )
    }

    pub fn ticket_by_number(&self, number: &str) -> Result<Option<super::TicketRow>> {
        super::ticket_where(self.tx, "t.number = ?1", rusqlite::params![number])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MessageRowId, Outcome};

    fn now() -> DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-01-05T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn letter(i: usize) -> RawItem {
        RawItem {
            position: format!("1:{i}"),
            raw: format!("Message-ID: <m{i}@x>\r\nSubject: s{i}\r\n\r\nbody {i}\r\n").into_bytes(),
        }
    }

    #[test]
    fn a_batch_stores_each_message_once() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let items: Vec<_> = (1..=3).map(letter).collect();
        let first = s.store_raw_many("src", &items, now())?;
        assert!(first.iter().all(|o| matches!(o, Stored::New(_))));
        // The same positions again, and one message again under a new position.
        let mut again: Vec<_> = (1..=3).map(letter).collect();
        again.push(RawItem {
            position: "2:1".into(),
            raw: letter(1).raw,
        });
        let second = s.store_raw_many("src", &again, now())?;
        assert_eq!(&second[..3], &[Stored::SeenPosition; 3]);
        assert!(matches!(second[3], Stored::SameMessage(_)));
        assert_eq!(s.pending(10)?.len(), 3);
        Ok(())
    }

    #[test]
    fn a_failing_item_is_undone_whole_and_the_ones_before_it_commit() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let items: Vec<_> = (1..=3).map(letter).collect();
        let ids: Vec<MessageRowId> = s
            .store_raw_many("src", &items, now())?
            .into_iter()
            .filter_map(|o| match o {
                Stored::New(id) => Some(id),
                _ => None,
            })
            .collect();
        let r = s.transaction_each(ids.iter().copied(), |tx, id| {
            tx.add_event(None, Some(id), "seen", None, &serde_json::json!({}), now())?;
            tx.finish_message(id, Outcome::Ignored, Some("bench"), None, now())?;
            if id == ids[1] {
                return Err(StoreError::Corrupt {
                    what: "test",
                    value: "boom".into(),
                });
            }
            Ok(())
        });
        assert!(r.is_err());
        // The first is done with its event; the second left nothing; the third never ran.
        let pending: Vec<MessageRowId> = s.pending(10)?.into_iter().map(|(id, _)| id).collect();
        assert_eq!(pending, vec![ids[1], ids[2]]);
        let events = s.events(None)?;
        assert_eq!(events.len(), 1);
        Ok(())
    }
}
