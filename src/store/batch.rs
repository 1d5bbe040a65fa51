//! Several messages per transaction, for throughput: a commit costs a WAL append of every
//! page it touched, and a batch shares the pages (indexes, counters, the table tails) that
//! one message per commit would write again and again.
//!
//! The guarantees of one transaction per message stay: each message's work (its ticket,
//! events, outbox rows and done mark; or its raw row and position) runs in a savepoint of its
//! own, so it is kept or undone whole; the batch commits what succeeded before the first
//! failure, and the failure is returned. A crash before the commit leaves every message of
//! the batch pending (or unfetched, for the cursor has not moved), to be done again.

use super::{MessageRowId, Result, Store, StoreError, Stored, Tx};
use chrono::{DateTime, Utc};

/// Raw messages larger than this are written and read with incremental blob I/O
/// ([`write_large`], [`Store::read_large`]).
pub(super) const LARGE: usize = 1024 * 1024;

/// Stores the raw bytes of a large message: the row is made with a zeroblob (which SQLite
/// does not hold in memory) and the bytes are written into it straight from `raw`. Binding
/// the bytes instead makes SQLite hold two copies (the bound value and the row).
pub(super) fn write_large(tx: &rusqlite::Connection, message: i64, raw: &[u8]) -> Result<()> {
    use std::io::Write;
    tx.prepare_cached("INSERT INTO message_raw (message, raw) VALUES (?1, zeroblob(?2))")?
        .execute(rusqlite::params![message, raw.len() as i64])?;
    let mut blob = tx.blob_open(rusqlite::MAIN_DB, "message_raw", "raw", message, false)?;
    blob.write_all(raw).map_err(|e| StoreError::Corrupt {
        what: "message_raw.raw",
        value: format!("message {message}: {e}"),
    })?;
    Ok(())
}

impl Store {
    /// The raw bytes of a large message, read straight into one buffer of the right size:
    /// reading the column would hold it twice (SQLite's copy and ours) at the same time.
    pub(super) fn read_large(&self, id: MessageRowId) -> Result<Vec<u8>> {
        use std::io::Read;
        let mut blob = self
            .conn
            .blob_open(rusqlite::MAIN_DB, "message_raw", "raw", id.0, true)?;
        let mut raw = vec![0u8; blob.len()];
        blob.read_exact(&mut raw).map_err(|e| StoreError::Corrupt {
            what: "message_raw.raw",
            value: format!("message {}: {e}", id.0),
        })?;
        Ok(raw)
    }

    /// [`Store::pending`], from the message after `after` on (ids grow with arrival).
    pub fn pending_after(
        &self,
        after: Option<MessageRowId>,
        limit: usize,
    ) -> Result<Vec<(MessageRowId, Vec<u8>)>> {
        self.pending_batch(after, limit, usize::MAX)
    }

    /// [`Store::pending_after`], stopping before the message that would bring the bytes read
    /// past `max_bytes` (the first message is read whatever its size).
    pub fn pending_batch(
        &self,
        after: Option<MessageRowId>,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<(MessageRowId, Vec<u8>)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.id, m.size, CASE WHEN m.size > ?2 THEN NULL ELSE r.raw END
             FROM messages m JOIN message_raw r ON r.message = m.id
             WHERE m.state = 'pending' AND m.id > ?3 ORDER BY m.id LIMIT ?1",
        )?;
        let after = after.map_or(0, |m| m.0);
        let mut rows = st.query(rusqlite::params![limit as i64, LARGE as i64, after])?;
        let mut out: Vec<(MessageRowId, Option<Vec<u8>>)> = Vec::new();
        let mut bytes = 0usize;
        while let Some(r) = rows.next()? {
            let size = usize::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
            if !out.is_empty() && bytes.saturating_add(size) > max_bytes {
                break;
            }
            bytes = bytes.saturating_add(size);
            out.push((MessageRowId(r.get(0)?), r.get(2)?));
        }
        drop(rows);
        out.into_iter()
            .map(|(id, raw)| match raw {
                Some(raw) => Ok((id, raw)),
                None => Ok((id, self.read_large(id)?)),
            })
            .collect()
    }

    /// Runs `f` for each item in one write transaction, all or nothing: the first error
    /// undoes every item (nothing is committed) and is returned. Without a savepoint per item:
    /// each savepoint copies every page its item changes into a statement journal, about a
    /// tenth of the processor's ingest (issue 7, sixth round). A caller that wants the items
    /// before a failure kept runs them again with [`Store::transaction_each`].
    pub fn transaction_all<I, E: From<StoreError>>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut f: impl FnMut(&Tx<'_>, I) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        // An error leaves the transaction uncommitted: dropped, it rolls back.
        self.transaction(|tx| items.into_iter().try_for_each(|item| f(tx, item)))
    }

    /// Runs `f` for each item in one write transaction, each call in its own savepoint.
    /// Stops at the first error: that item's savepoint is undone, the items before it are
    /// committed, and the error is returned.
    pub fn transaction_each<I, E: From<StoreError>>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut f: impl FnMut(&Tx<'_>, I) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let failure = self.transaction(|t| {
            let tx = t.tx;
            for item in items {
                tx.prepare_cached("SAVEPOINT item")
                    .and_then(|mut s| s.execute([]))
                    .map_err(StoreError::from)?;
                match f(t, item) {
                    Ok(()) => tx
                        .prepare_cached("RELEASE item")
                        .and_then(|mut s| s.execute([]))
                        .map_err(StoreError::from)
                        .map(|_| ())?,
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO item; RELEASE item")
                            .map_err(StoreError::from)?;
                        return Ok(Some(e));
                    }
                }
            }
            Ok(None)
        })?;
        failure.map_or(Ok(()), Err)
    }

    /// [`Store::store_raw`] for several messages of one source in one transaction: each
    /// item is (position, raw bytes), borrowed from wherever they were received. The outcomes
    /// in the order of `items`. All or nothing: on an error nothing is stored.
    pub fn store_raw_many<'r>(
        &mut self,
        source: &str,
        items: impl IntoIterator<Item = (&'r str, &'r [u8])>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Stored>> {
        // IMMEDIATE: the write lock is taken (waiting for it under the busy timeout) before
        // the first read. A deferred transaction that reads and then writes gets SQLITE_BUSY
        // at once, without waiting, whenever the processor committed in between.
        let _turn = self.writer_turn();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for (position, raw) in items {
            out.push(super::put_raw(&tx, source, position, raw, now)?);
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

    fn letter(i: usize) -> (String, Vec<u8>) {
        (
            format!("1:{i}"),
            format!("Message-ID: <m{i}@x>\r\nSubject: s{i}\r\n\r\nbody {i}\r\n").into_bytes(),
        )
    }

    fn many(s: &mut Store, items: &[(String, Vec<u8>)]) -> Result<Vec<Stored>> {
        s.store_raw_many(
            "src",
            items.iter().map(|(p, r)| (p.as_str(), r.as_slice())),
            now(),
        )
    }

    #[test]
    fn a_batch_stores_each_message_once() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let items: Vec<_> = (1..=3).map(letter).collect();
        let first = many(&mut s, &items)?;
        assert!(first.iter().all(|o| matches!(o, Stored::New(_))));
        // The same positions again, and one message again under a new position.
        let mut again: Vec<_> = (1..=3).map(letter).collect();
        again.push(("2:1".into(), letter(1).1));
        let second = many(&mut s, &again)?;
        assert_eq!(&second[..3], &[Stored::SeenPosition; 3]);
        assert!(matches!(second[3], Stored::SameMessage(_)));
        assert_eq!(s.pending(10)?.len(), 3);
        Ok(())
    }

    #[test]
    fn a_pending_batch_stops_at_its_byte_budget_but_always_takes_one() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let items: Vec<_> = (1..=5).map(letter).collect();
        many(&mut s, &items)?;
        let size = items[0].1.len();
        let ids =
            |v: Vec<(MessageRowId, Vec<u8>)>| v.into_iter().map(|(id, _)| id.0).collect::<Vec<_>>();
        assert_eq!(ids(s.pending_batch(None, 10, 2 * size)?), [1, 2]);
        assert_eq!(ids(s.pending_batch(Some(MessageRowId(2)), 10, 1)?), [3]);
        assert_eq!(
            ids(s.pending_batch(Some(MessageRowId(2)), 2, usize::MAX)?),
            [3, 4]
        );
        Ok(())
    }

    #[test]
    fn large_and_small_pending_messages_come_back_byte_for_byte() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let mut big = letter(2);
        big.1.extend((0..LARGE + 10).map(|i| b'a' + (i % 26) as u8));
        let items = vec![letter(1), big.clone(), letter(3)];
        many(&mut s, &items)?;
        let pending = s.pending(10)?;
        let raws: Vec<&[u8]> = pending.iter().map(|(_, r)| r.as_slice()).collect();
        assert_eq!(raws, vec![&items[0].1[..], &big.1[..], &items[2].1[..]]);
        Ok(())
    }

    #[test]
    fn a_failing_item_is_undone_whole_and_the_ones_before_it_commit() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let items: Vec<_> = (1..=3).map(letter).collect();
        let ids: Vec<MessageRowId> = many(&mut s, &items)?
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
