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
//!
//! The emails of a new ticket (acknowledgement, disposition) are rendered ahead too, under
//! the ticket number it will most likely get: the counter's next value, counted on by the
//! new tickets earlier in the batch ([`Numbering`]). Rendering is a third of a letter's work
//! and the commit is the one part that runs on one core. When the commit hands out another
//! number (a decision changed, another process made a ticket) the emails are rendered again
//! there, as before.

use super::{to_ref, Decision, Pipeline, PlannedEmail};
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
    /// The new ticket's emails, rendered for the number it is expected to get.
    pub emails: Option<PreRendered>,
}

/// Emails rendered ahead for a new ticket numbered `number`.
pub(super) struct PreRendered {
    pub number: String,
    pub emails: Vec<Result<PlannedEmail, String>>,
}

/// Where ticket numbers stand when a batch is prepared: the next new ticket of `prefix` and
/// `year` gets `next`.
#[derive(Debug, Clone)]
pub(super) struct Numbering {
    pub prefix: String,
    pub year: i32,
    pub next: i64,
}

impl Numbering {
    pub fn number(&self, ahead: i64) -> String {
        crate::store::ticket_number(&self.prefix, self.year, self.next + ahead)
    }
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
/// PDF does not hold the others up. Then, when `numbering` is known, renders the emails of
/// the new tickets the same way.
pub(super) fn prepare_all(
    pipeline: &Pipeline<'_>,
    batch: &[(MessageRowId, Vec<u8>)],
    numbering: Option<&Numbering>,
) -> Vec<Prepared> {
    let limits = &pipeline.config.limits;
    let one = |_: usize, raw: &[u8]| {
        let parsed = parse_one(raw, limits);
        let probe = Probe::default();
        let decision = pipeline.decide_from(raw, parsed.as_ref(), &probe);
        Prepared {
            parsed,
            decision,
            asked: probe.0.into_inner(),
            emails: None,
        }
    };
    let mut prepared = run_all(batch, one);
    let Some(numbering) = numbering else {
        return prepared;
    };
    // The k-th new ticket of the batch gets the k-th number from here.
    let mut ahead = 0;
    let numbers: Vec<Option<String>> = prepared
        .iter()
        .map(|p| {
            pipeline.makes_ticket(&p.decision).then(|| {
                ahead += 1;
                numbering.number(ahead - 1)
            })
        })
        .collect();
    let rendered = run_all(batch, |i, raw| {
        let number = numbers.get(i)?.as_ref()?;
        let p = prepared.get(i)?;
        Some(PreRendered {
            number: number.clone(),
            emails: pipeline.plan_new_ticket(&p.decision, number, raw, p.parsed.as_ref().ok()),
        })
    });
    for (p, r) in prepared.iter_mut().zip(rendered) {
        p.emails = r;
    }
    prepared
}

/// [`parse::parse`], with a panic in an attachment reader turned into a parse error: one bad
/// letter becomes a triage ticket instead of a dead worker.
fn parse_one(raw: &[u8], limits: &Limits) -> Result<ParsedMessage, ParseError> {
    catch_unwind(AssertUnwindSafe(|| parse::parse(raw, limits)))
        .unwrap_or_else(|_| Err(ParseError::NotAMessage("the parser failed on it".into())))
}

/// `one` over every raw message of the batch (with its index) on every core; results in
/// batch order.
fn run_all<T: Send>(
    batch: &[(MessageRowId, Vec<u8>)],
    one: impl Fn(usize, &[u8]) -> T + Sync,
) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(batch.len());
    if workers <= 1 {
        return batch
            .iter()
            .enumerate()
            .map(|(i, (_, raw))| one(i, raw))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((_, raw)) = batch.get(i) else {
                return done;
            };
            done.push((i, one(i, raw)));
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
        .enumerate()
        .map(|(i, (s, (_, raw)))| s.unwrap_or_else(|| one(i, raw)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::pipeline::ProcessStats;
    use crate::store::Store;
    use std::path::Path;

    fn repo(p: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
    }

    fn t0() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc)
    }

    /// The shipped configuration, a fresh database holding `letters`, and a pipeline.
    fn with_letters(
        letters: &[&str],
        check: impl FnOnce(&Pipeline<'_>, &mut Store, Vec<(MessageRowId, Vec<u8>)>),
    ) {
        let loaded = crate::daemon::load(&repo("daemon.toml")).expect("config");
        let mut store = Store::open_in_memory().expect("db");
        let clock = ManualClock::new(t0());
        for (i, l) in letters.iter().enumerate() {
            let raw = std::fs::read(repo(l)).expect("letter");
            store
                .store_raw("uji", &i.to_string(), &raw, t0())
                .expect("store");
        }
        let pipeline = Pipeline {
            config: &loaded.config,
            rules: &loaded.rules,
            templates: &loaded.templates,
            clock: &clock,
        };
        let batch = store.pending(PENDING_BATCH).expect("pending");
        check(&pipeline, &mut store, batch);
    }

    const WEBSERVICE: &str = "tests/data/eml/webservice/kop-fakultas-teknik.eml";
    const LAB: &str = "tests/data/eml/lab-ict/polos-bernomor.eml";
    const MAIL: &str = "tests/data/eml/email-institusi/tanpa-nim.eml";

    /// Every raw email of the outbox, by template.
    fn outbox_raw(store: &Store) -> Vec<(String, String)> {
        let now = t0() + chrono::Duration::days(1);
        let due = store.due_emails(now, 100).expect("due");
        let entries = store.outbox_entries().expect("outbox");
        entries
            .iter()
            .zip(due)
            .map(|(e, r)| {
                (
                    e.template.clone(),
                    String::from_utf8_lossy(&r.raw).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn emails_rendered_ahead_are_the_ones_queued_under_the_predicted_numbers() {
        with_letters(&[WEBSERVICE, LAB, MAIL], |pipeline, store, batch| {
            let numbering = pipeline.numbering(store).expect("numbering");
            let prepared = prepare_all(pipeline, &batch, Some(&numbering));
            let ahead: Vec<Vec<u8>> = prepared
                .iter()
                .flat_map(|p| p.emails.as_ref().expect("rendered ahead").emails.iter())
                .map(|e| e.as_ref().expect("email").raw.clone())
                .collect();
            // Three new tickets: numbers 1, 2, 3 in the order of the letters.
            let numbers: Vec<_> = prepared
                .iter()
                .map(|p| p.emails.as_ref().map(|e| e.number.clone()))
                .collect();
            assert_eq!(
                numbers,
                (0..3)
                    .map(|k| Some(numbering.number(k)))
                    .collect::<Vec<_>>()
            );
            let mut stats = ProcessStats::default();
            pipeline
                .commit_batch(store, &batch, prepared, &mut stats)
                .expect("commit");
            assert_eq!(stats.new_tickets, 3);
            // Byte for byte what was rendered ahead (tokens are random: a second rendering
            // would differ).
            let queued: Vec<Vec<u8>> = outbox_raw(store)
                .into_iter()
                .map(|(_, r)| r.into_bytes())
                .collect();
            assert_eq!(queued.len(), ahead.len());
            assert_eq!(queued, ahead);
        });
    }

    #[test]
    fn a_reply_decided_while_its_ticket_was_being_committed_is_decided_again_as_a_reply() {
        // Batch 2 is parsed and decided while batch 1 commits: the reply in it to a ticket
        // of batch 1 was decided as a new letter and must be caught in its transaction.
        let lab = std::fs::read_to_string(repo(LAB)).expect("letter");
        with_letters(&[], |pipeline, store, _| {
            for i in 0..PENDING_BATCH + 3 {
                let letter = lab
                    .replace(
                        "<2f7625cf-d4e3-f602e9bf0ca1@uhamka.ac.id>",
                        &format!("<surat-{i}@uhamka.ac.id>"),
                    )
                    .replace("Subject: ", &format!("Subject: [{i}] "));
                store
                    .store_raw("uji", &format!("l{i}"), letter.as_bytes(), t0())
                    .expect("store");
            }
            let first = crate::store::ticket_number(&pipeline.config.ticket_prefix, 2026, 1);
            let ack = crate::outbound::compose::message_id(
                &first,
                "ack",
                &pipeline.config.helpdesk.domain,
            );
            let reply = format!(
                "From: Sri Wahyuni <sri.wahyuni@uhamka.ac.id>\r\nTo: helpdesk@kampus.ac.id\r\n\
                 Subject: Re: [{first}] permohonan\r\nMessage-ID: <balasan-1@uhamka.ac.id>\r\n\
                 In-Reply-To: <{ack}>\r\nReferences: <{ack}>\r\n\r\nTerima kasih, \
                 berikut data tambahan.\r\n"
            );
            store
                .store_raw("uji", "reply", reply.as_bytes(), t0())
                .expect("store");
            let stats = pipeline.process_pending(store).expect("process");
            assert_eq!(
                stats.new_tickets + stats.triage,
                PENDING_BATCH + 3,
                "{stats:?}"
            );
            assert_eq!(stats.replies, 1, "{stats:?}");
            assert!(store.pending(10).expect("pending").is_empty());
        });
    }

    #[test]
    fn emails_rendered_for_a_number_the_commit_does_not_give_are_rendered_again() {
        with_letters(&[WEBSERVICE], |pipeline, store, batch| {
            let numbering = pipeline.numbering(store).expect("numbering");
            // Another process makes a ticket between the look at the counter and the commit.
            let taken = store
                .transaction(|tx| tx.next_ticket_number(&numbering.prefix, numbering.year))
                .expect("number");
            assert_eq!(taken, numbering.number(0));
            let prepared = prepare_all(pipeline, &batch, Some(&numbering));
            assert_eq!(
                prepared[0].emails.as_ref().map(|e| e.number.as_str()),
                Some(taken.as_str())
            );
            let mut stats = ProcessStats::default();
            pipeline
                .commit_batch(store, &batch, prepared, &mut stats)
                .expect("commit");
            let given = numbering.number(1);
            let emails = outbox_raw(store);
            assert!(emails.len() >= 2, "{emails:?}");
            for (template, raw) in emails {
                assert!(raw.contains(&given), "{template} does not name {given}");
                assert!(
                    !raw.contains(&taken),
                    "{template} names {taken}, the number taken"
                );
            }
        });
    }

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
        let parsed = run_all(&batch, |_, raw| parse_one(raw, &Limits::default()));
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
