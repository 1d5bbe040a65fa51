//! The throughput side of [`Pipeline::process_pending`]: pending messages are parsed and
//! decided on every core at once, then committed in order on one connection.
//!
//! Parsing (PDF and DOCX text above all) and classifying (every phrase of every rule over
//! every text) are most of the work and need nothing but the bytes, except the look-ups of
//! existing tickets by thread. So each message is first decided against a [`Probe`] that
//! knows no tickets and writes down what was asked. In the commit transaction the questions
//! are asked again for real ([`Prepared::still_valid`]): when no answer changed, which is the
//! case for every new letter, the decision stands; otherwise the message is decided again,
//! in order, seeing every ticket committed or made earlier in the batch.

use super::{to_ref, Decision, Pipeline};
use crate::classify::{ThreadIndex, TicketRef};
use crate::parse::{self, Limits, ParseError, ParsedMessage};
use crate::store::{MessageRowId, Tx};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Pending messages read, parsed and committed at a time. Bounds the memory held (raw bytes
/// and parsed text of this many letters) and how long one write transaction lasts.
pub(super) const PENDING_BATCH: usize = 16;

/// The open transaction as the classifier's view of existing tickets: it sees the tickets
/// made earlier in the same batch.
pub(super) struct TxIndex<'a, 'c>(pub &'a Tx<'c>);

impl ThreadIndex for TxIndex<'_, '_> {
    fn by_message_id(&self, message_id: &str) -> Option<TicketRef> {
        to_ref(self.0.ticket_by_thread_id(message_id))
    }
    fn by_number(&self, number: &str) -> Option<TicketRef> {
        to_ref(self.0.ticket_by_number(number))
    }
}

/// A thread look-up made while deciding.
enum Query {
    MessageId(String),
    Number(String),
}

/// A [`ThreadIndex`] that knows no tickets and remembers what it was asked.
#[derive(Default)]
struct Probe(RefCell<Vec<Query>>);

impl ThreadIndex for Probe {
    fn by_message_id(&self, message_id: &str) -> Option<TicketRef> {
        self.0
            .borrow_mut()
            .push(Query::MessageId(message_id.to_string()));
        None
    }
    fn by_number(&self, number: &str) -> Option<TicketRef> {
        self.0.borrow_mut().push(Query::Number(number.to_string()));
        None
    }
}

/// A message parsed and decided ahead of its commit.
pub(super) struct Prepared {
    pub parsed: Result<ParsedMessage, ParseError>,
    /// Decided as if no ticket existed.
    pub decision: Decision,
    asked: Vec<Query>,
}

impl Prepared {
    /// Whether the decision still holds: every thread look-up it made still finds nothing.
    pub fn still_valid(&self, index: &dyn ThreadIndex) -> bool {
        self.asked.iter().all(|q| match q {
            Query::MessageId(id) => index.by_message_id(id).is_none(),
            Query::Number(n) => index.by_number(n).is_none(),
        })
    }
}

/// Parses and decides every message of the batch ahead of the commit, one worker thread per
/// core, in the order given. Workers take the next message as they finish one, so a slow
/// PDF does not hold the others up.
pub(super) fn prepare_all(
    pipeline: &Pipeline<'_>,
    batch: &[(MessageRowId, Vec<u8>)],
) -> Vec<Prepared> {
    let limits = &pipeline.config.limits;
    let one = |raw: &[u8]| {
        let parsed = parse_one(raw, limits);
        let probe = Probe::default();
        let decision = pipeline.decide_from(raw, parsed.as_ref(), &probe);
        Prepared {
            parsed,
            decision,
            asked: probe.0.into_inner(),
        }
    };
    run_all(batch, one)
}

/// [`parse::parse`], with a panic in an attachment reader turned into a parse error: one bad
/// letter becomes a triage ticket instead of a dead worker.
fn parse_one(raw: &[u8], limits: &Limits) -> Result<ParsedMessage, ParseError> {
    catch_unwind(AssertUnwindSafe(|| parse::parse(raw, limits)))
        .unwrap_or_else(|_| Err(ParseError::NotAMessage("the parser failed on it".into())))
}

/// `one` over every raw message of the batch on every core; results in batch order.
fn run_all<T: Send>(batch: &[(MessageRowId, Vec<u8>)], one: impl Fn(&[u8]) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(batch.len());
    if workers <= 1 {
        return batch.iter().map(|(_, raw)| one(raw)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((_, raw)) = batch.get(i) else {
                return done;
            };
            done.push((i, one(raw)));
        }
    };
    let mut slots: Vec<Option<T>> = (0..batch.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        // This thread works too.
        for (i, r) in work() {
            slots[i] = Some(r);
        }
        for h in handles {
            if let Ok(done) = h.join() {
                for (i, r) in done {
                    slots[i] = Some(r);
                }
            }
        }
    });
    // A worker that died (a panic outside parsing) leaves holes: those are done here.
    slots
        .into_iter()
        .zip(batch)
        .map(|(s, (_, raw))| s.unwrap_or_else(|| one(raw)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_parsing_keeps_the_order_of_the_batch() {
        let batch: Vec<(MessageRowId, Vec<u8>)> = (0..50)
            .map(|i| {
                let raw = if i % 7 == 3 {
                    b"   \r\n".to_vec()
                } else {
                    format!("From: a{i}@x.test\r\nSubject: nomor {i}\r\n\r\nisi {i}\r\n")
                        .into_bytes()
                };
                (MessageRowId(i), raw)
            })
            .collect();
        let parsed = run_all(&batch, |raw| parse_one(raw, &Limits::default()));
        assert_eq!(parsed.len(), 50);
        for (i, p) in parsed.iter().enumerate() {
            match p {
                Ok(m) => assert_eq!(m.subject, format!("nomor {i}")),
                Err(e) => {
                    assert_eq!(i % 7, 3, "message {i}: {e}");
                    assert_eq!(*e, ParseError::Empty);
                }
            }
        }
    }
}
