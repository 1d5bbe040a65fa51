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

use super::workers::{self, Pool};
use super::{to_ref, Decision, Pipeline, PlannedEmail};
use crate::classify::{ThreadIndex, TicketRef};
use crate::parse::{self, Limits, ParseError, ParsedMessage};
use crate::store::{MessageRowId, Tx};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, RwLock};

/// At most this many pending messages are read, parsed and committed at a time: what is
/// pending, so a trickle of letters is committed as it comes and a backlog in large
/// transactions. A commit writes each page it dirtied once, and more letters share more pages
/// (table tails, index roots, the counter): the once-run of 10,000 text letters wrote 46,300
/// WAL frames in its processing at 64 instead of 65,800 at 16 (issue 7, 4th round). 64 and
/// 256 KiB (below): at 64 / 1 MiB the PDF mix's steady RSS was 31.4 MiB, over the 30 MB
/// target, so the batch was 32 / 256 KiB until the sixth round; with one shared connection
/// (src/store/shared.rs) 64 / 256 KiB ingests text about 15 % faster than 32 for 1 MiB more
/// (25.4 MiB), and the PDF mix, whose batches the bytes bound, is unchanged (26.3 MiB); 128
/// took text to 30.3 MiB for no more speed (BENCHMARKS.md).
pub(super) const PENDING_BATCH: usize = 64;

/// And no more than this many bytes of raw letters: bounds the memory held (the raw bytes
/// and parsed text of a batch, and of the next one prepared meanwhile).
pub(super) const PENDING_BYTES: usize = 256 * 1024;

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
    /// The ticket's extracted fields as stored (they do not depend on the number).
    pub json: TicketJson,
}

/// A new ticket's fields, missing fields and invalid values as the JSON text its row holds:
/// written ahead with the emails, so the commit (on one core) only copies them.
pub(super) struct TicketJson {
    pub fields: String,
    pub missing: String,
    pub invalid: String,
}

impl TicketJson {
    pub fn of(ex: Option<&crate::rules::Extraction>) -> TicketJson {
        let json = |v: Result<String, serde_json::Error>, empty: &str| {
            v.unwrap_or_else(|_| empty.to_string())
        };
        match ex {
            Some(ex) => TicketJson {
                fields: json(serde_json::to_string(&ex.fields), "{}"),
                missing: json(serde_json::to_string(&ex.missing), "[]"),
                invalid: json(serde_json::to_string(&ex.invalid), "[]"),
            },
            None => TicketJson {
                fields: "{}".into(),
                missing: "[]".into(),
                invalid: "[]".into(),
            },
        }
    }
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

/// The pending messages of one batch, shared by the worker threads and the commit.
pub(super) type Batch = Arc<Vec<(MessageRowId, Vec<u8>)>>;

/// Threads that parse and decide at once: one per core.
pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parses and decides every message of the batch ahead of the commit, on this thread and
/// the free workers of `pool` (one thread per core in all), in the order given. Threads take
/// the next message as they finish one, so a slow PDF does not hold the others up. Then,
/// when `numbering` is known, renders the emails of the new tickets the same way.
pub(super) fn prepare_all<'s>(
    pipeline: &'s Pipeline<'_>,
    pool: &Pool<'s>,
    batch: &Batch,
    numbering: Option<&Numbering>,
) -> Vec<Prepared> {
    let limits = &pipeline.config.limits;
    let letters = Arc::clone(batch);
    let prepared = workers::map(pool, cores(), batch.len(), move |i| {
        let raw = raw_of(&letters, i);
        let parsed = parse_one(raw, limits);
        let probe = Probe::default();
        let decision = pipeline.decide_from(raw, parsed.as_ref(), &probe);
        Prepared {
            parsed,
            decision,
            asked: probe.0.into_inner(),
            emails: None,
        }
    });
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
    // The workers read the decisions while they render; the lock is taken back after.
    let shared = Arc::new(RwLock::new(prepared));
    let (letters, decided) = (Arc::clone(batch), Arc::clone(&shared));
    let rendered = workers::map(pool, cores(), batch.len(), move |i| {
        let number = numbers.get(i)?.as_ref()?;
        let decided = decided.read().unwrap_or_else(|e| e.into_inner());
        let p = decided.get(i)?;
        Some(PreRendered {
            number: number.clone(),
            emails: pipeline.plan_new_ticket(
                &p.decision,
                number,
                raw_of(&letters, i),
                p.parsed.as_ref().ok(),
            ),
            json: TicketJson::of(p.decision.classification.extraction.as_ref()),
        })
    });
    let mut prepared = std::mem::take(&mut *shared.write().unwrap_or_else(|e| e.into_inner()));
    for (p, r) in prepared.iter_mut().zip(rendered) {
        p.emails = r;
    }
    prepared
}

fn raw_of(batch: &[(MessageRowId, Vec<u8>)], i: usize) -> &[u8] {
    batch.get(i).map_or(&[][..], |(_, raw)| raw)
}

/// [`parse::parse`], with a panic in an attachment reader turned into a parse error: one bad
/// letter becomes a triage ticket instead of a dead worker.
pub(super) fn parse_one(raw: &[u8], limits: &Limits) -> Result<ParsedMessage, ParseError> {
    catch_unwind(AssertUnwindSafe(|| parse::parse(raw, limits)))
        .unwrap_or_else(|_| Err(ParseError::NotAMessage("the parser failed on it".into())))
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
    fn with_letters(letters: &[&str], check: impl FnOnce(&Pipeline<'_>, &mut Store, Batch)) {
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
        let batch = Arc::new(store.pending(PENDING_BATCH).expect("pending"));
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
            let prepared = prepare_all(pipeline, &Pool::new(), &batch, Some(&numbering));
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
            let prepared = prepare_all(pipeline, &Pool::new(), &batch, Some(&numbering));
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
    fn a_letter_that_cannot_be_committed_keeps_the_ones_before_it_and_leaves_the_rest_pending() {
        // The batch is committed whole or, when a letter fails, again one letter at a time:
        // the letters before the failing one become tickets, it and those after stay pending.
        with_letters(&[WEBSERVICE, LAB, MAIL], |pipeline, store, _| {
            let lab_subject = "%Lab ICT%";
            store.execute_for_test(&format!(
                "CREATE TEMP TRIGGER uji_gagal BEFORE INSERT ON tickets
                 WHEN NEW.subject LIKE '{lab_subject}'
                 BEGIN SELECT RAISE(ABORT, 'uji: the disk is full'); END;"
            ));
            let err = pipeline
                .process_pending(store)
                .expect_err("the second letter fails");
            assert!(err.to_string().contains("disk is full"), "{err}");
            let pending = store.pending(10).expect("pending");
            assert_eq!(pending.len(), 2, "the failing letter and the one after it");
            let tickets = store.tickets().expect("tickets");
            assert_eq!(tickets.len(), 1, "{tickets:?}");
            // Once the cause is gone, the next pass takes the rest.
            store.execute_for_test("DROP TRIGGER uji_gagal;");
            let stats = pipeline.process_pending(store).expect("second pass");
            assert_eq!(stats.new_tickets + stats.triage, 2, "{stats:?}");
            assert!(store.pending(10).expect("pending").is_empty());
        });
    }

    #[test]
    fn parallel_parsing_keeps_the_order_of_the_batch() {
        let batch: Batch = Arc::new(
            (0..50)
                .map(|i| {
                    let raw = if i % 7 == 3 {
                        b"   \r\n".to_vec()
                    } else {
                        format!("From: a{i}@x.test\r\nSubject: nomor {i}\r\n\r\nisi {i}\r\n")
                            .into_bytes()
                    };
                    (MessageRowId(i), raw)
                })
                .collect(),
        );
        let parsed = std::thread::scope(|s| {
            let pool = Pool::new();
            let _closing = pool.closing();
            pool.start(s, 2);
            let letters = Arc::clone(&batch);
            workers::map(&pool, 2, batch.len(), move |i| {
                parse_one(raw_of(&letters, i), &Limits::default())
            })
        });
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
