//! SQL of the SLA: step clocks, their deadlines, cron runs (see migration 004 and src/sla/).

use super::approval::parse_ts;
use super::{bare_tickets_where, params, ts, Result, Store, TicketId, TicketRow, Tx};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

/// A step clock as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRow {
    pub id: i64,
    pub ticket: TicketId,
    pub step: String,
    pub sla: String,
    pub measure: String,
    pub total: i64,
    pub used: i64,
    pub running_since: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
}

/// A deadline whose time has come, with what firing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub clock: ClockRow,
    pub level: u32,
    pub alert: String,
    pub rank: u32,
    pub due_at: DateTime<Utc>,
}

/// One alert of a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRow {
    pub level: u32,
    pub alert: String,
    pub due_at: Option<DateTime<Utc>>,
    pub state: String,
}

fn opt_ts(what: &'static str, s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.map(|s| parse_ts(what, &s)).transpose()
}

const CLOCK_COLUMNS: &str =
    "c.id, c.ticket_id, c.step, c.sla, c.measure, c.total, c.used, c.running_since, c.started_at";

type RawClock = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    String,
);

fn raw_clock(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawClock> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn clock(raw: RawClock) -> Result<ClockRow> {
    let (id, ticket, step, sla, measure, total, used, running, started) = raw;
    Ok(ClockRow {
        id,
        ticket: TicketId(ticket),
        step,
        sla,
        measure,
        total,
        used,
        running_since: opt_ts("sla_clocks.running_since", running)?,
        started_at: parse_ts("sla_clocks.started_at", &started)?,
    })
}

fn current_clock(conn: &rusqlite::Connection, ticket: TicketId) -> Result<Option<ClockRow>> {
    let sql = format!(
        "SELECT {CLOCK_COLUMNS} FROM sla_clocks c WHERE c.ticket_id = ?1 AND c.closed_at IS NULL"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![ticket.0], raw_clock)
        .optional()?
        .map(clock)
        .transpose()
}

fn deadlines(conn: &rusqlite::Connection, clock: i64) -> Result<Vec<DeadlineRow>> {
    let mut st = conn.prepare_cached(
        "SELECT level, alert, due_at, state FROM sla_deadlines WHERE clock_id = ?1 ORDER BY level",
    )?;
    let rows = st.query_map(params![clock], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (level, alert, due, state) = r?;
        out.push(DeadlineRow {
            level: u32::try_from(level).unwrap_or(0),
            alert,
            due_at: opt_ts("sla_deadlines.due_at", due)?,
            state,
        });
    }
    Ok(out)
}

/// The tickets the SLA follows: requests not finished, and those whose clock still runs.
const SLA_TICKET: &str = "t.kind = 'request'
    AND (t.state NOT IN ('resolved', 'rejected', 'closed')
     OR EXISTS (SELECT 1 FROM sla_clocks c WHERE c.ticket_id = t.id AND c.closed_at IS NULL))";

impl Store {
    /// Tickets the SLA must look at: those not finished, and those whose clock still runs.
    pub fn sla_tickets(&self) -> Result<Vec<TicketRow>> {
        self.sla_tickets_after(TicketId(0), usize::MAX)
    }

    /// At most `limit` of the tickets of [`Store::sla_tickets`] with an id above `after`, in
    /// id order: the SLA pass walks a large backlog in bounded chunks rather than holding
    /// every row at once. The rows carry no extracted data (fields, missing and invalid are
    /// `null`): tracking looks at rule, state, step and time only.
    pub fn sla_tickets_after(&self, after: TicketId, limit: usize) -> Result<Vec<TicketRow>> {
        bare_tickets_where(
            &self.conn,
            &format!("t.id > ?1 AND {SLA_TICKET} ORDER BY t.id LIMIT ?2"),
            params![after.0, i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    /// The tickets with an event whose id is above `since_event`, in id order, but for the
    /// SLA's own events (`sla_…`: a clock started or an alert fired changes no state or step).
    /// Every other change of a ticket is an event, so a pass that remembers the last event id
    /// it saw looks only at what changed since. The events are read once per pass: asking for
    /// them again beside each chunk of tickets cost a scan of every event since the mark per
    /// chunk (a fifth of the daemon's CPU in a 10,000-letter ingest, BENCHMARKS.md).
    pub fn tickets_with_events_after(&self, since_event: i64) -> Result<Vec<TicketId>> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT ticket_id FROM events
             WHERE id > ?1 AND ticket_id IS NOT NULL AND kind NOT LIKE 'sla\\_%' ESCAPE '\\'
             ORDER BY ticket_id",
        )?;
        let ids = st.query_map(params![since_event], |r| r.get(0).map(TicketId))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Those of `ids` that [`Store::sla_tickets`] would list, in id order, without their
    /// extracted data (as [`Store::sla_tickets_after`]).
    pub fn sla_tickets_among(&self, ids: &[TicketId]) -> Result<Vec<TicketRow>> {
        let list = serde_json::Value::from(ids.iter().map(|t| t.0).collect::<Vec<i64>>());
        bare_tickets_where(
            &self.conn,
            &format!("t.id IN (SELECT value FROM json_each(?1)) AND {SLA_TICKET} ORDER BY t.id"),
            params![list.to_string()],
        )
    }

    /// The id of the newest event (0 when there is none).
    pub fn last_event_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn current_clock(&self, ticket: TicketId) -> Result<Option<ClockRow>> {
        current_clock(&self.conn, ticket)
    }

    pub fn sla_ticket(&self, id: TicketId) -> Result<Option<TicketRow>> {
        super::ticket_where(&self.conn, "t.id = ?1", params![id.0])
    }

    pub fn clock_deadlines(&self, clock: i64) -> Result<Vec<DeadlineRow>> {
        deadlines(&self.conn, clock)
    }

    /// The earliest pending deadline, if any.
    pub fn next_sla_due(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self
            .conn
            .prepare_cached("SELECT MIN(due_at) FROM sla_deadlines WHERE state = 'pending' AND due_at IS NOT NULL")?
            .query_row([], |r| r.get(0))?;
        opt_ts("sla_deadlines.due_at", s)
    }

    /// Pending deadlines due at `now` or before, earliest first.
    pub fn due_sla(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DueRow>> {
        let sql = format!(
            "SELECT {CLOCK_COLUMNS}, d.level, d.alert, d.rank, d.due_at
             FROM sla_deadlines d JOIN sla_clocks c ON c.id = d.clock_id
             WHERE d.state = 'pending' AND d.due_at IS NOT NULL AND d.due_at <= ?1
             ORDER BY d.due_at, d.clock_id, d.level LIMIT ?2"
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![ts(now), limit as i64], |r| {
            Ok((
                raw_clock(r)?,
                r.get::<_, i64>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, i64>(11)?,
                r.get::<_, String>(12)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (raw, level, alert, rank, due) = r?;
            out.push(DueRow {
                clock: clock(raw)?,
                level: u32::try_from(level).unwrap_or(0),
                alert,
                rank: u32::try_from(rank).unwrap_or(0),
                due_at: parse_ts("sla_deadlines.due_at", &due)?,
            });
        }
        Ok(out)
    }

    /// The scheduled time of the last run of cron job `job`.
    pub fn cron_last_due(&self, job: &str) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT last_due FROM cron_runs WHERE job = ?1",
                params![job],
                |r| r.get(0),
            )
            .optional()?;
        opt_ts("cron_runs.last_due", s)
    }

    /// The ticket's assignee (a staff member's address), if the work was assigned.
    pub fn assignee(&self, ticket: TicketId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT assignee FROM tickets WHERE id = ?1",
                params![ticket.0],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }
}

impl Tx<'_> {
    pub fn current_clock(&self, ticket: TicketId) -> Result<Option<ClockRow>> {
        current_clock(self.tx, ticket)
    }

    pub fn clock_deadlines(&self, clock: i64) -> Result<Vec<DeadlineRow>> {
        deadlines(self.tx, clock)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_clock(
        &self,
        ticket: TicketId,
        step: &str,
        sla: &str,
        measure: &str,
        total: i64,
        running_since: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
    ) -> Result<i64> {
        self.tx.prepare_cached("INSERT INTO sla_clocks (ticket_id, step, sla, measure, total, running_since, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                ticket.0,
                step,
                sla,
                measure,
                total,
                running_since.map(ts),
                ts(started_at)
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn update_clock(
        &self,
        clock: i64,
        used: i64,
        running_since: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE sla_clocks SET used = ?2, running_since = ?3 WHERE id = ?1")?
            .execute(params![clock, used, running_since.map(ts)])?;
        Ok(())
    }

    /// Closes a clock and cancels its pending deadlines; returns how many were cancelled.
    pub fn close_clock(&self, clock: i64, at: DateTime<Utc>) -> Result<usize> {
        self.tx
            .prepare_cached(
                "UPDATE sla_clocks SET closed_at = ?2, running_since = NULL WHERE id = ?1",
            )?
            .execute(params![clock, ts(at)])?;
        Ok(self.tx.prepare_cached("UPDATE sla_deadlines SET state = 'cancelled' WHERE clock_id = ?1 AND state = 'pending'")?.execute(params![clock],
        )?)
    }

    /// Adds an alert of a clock, or moves its due time while it is pending (NULL: paused).
    pub fn set_deadline(
        &self,
        clock: i64,
        level: u32,
        alert: &str,
        rank: u32,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.tx.prepare_cached("INSERT INTO sla_deadlines (clock_id, level, alert, rank, due_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (clock_id, level) DO UPDATE SET due_at = excluded.due_at
             WHERE sla_deadlines.state = 'pending'")?.execute(params![clock, level, alert, rank, due_at.map(ts)],
        )?;
        Ok(())
    }

    /// Marks a deadline fired; false when it was not pending any more (fired or cancelled
    /// by someone else), so nothing fires twice.
    pub fn fire_deadline(&self, clock: i64, level: u32, at: DateTime<Utc>) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE sla_deadlines SET state = 'fired', fired_at = ?3
             WHERE clock_id = ?1 AND level = ?2 AND state = 'pending'",
            )?
            .execute(params![clock, level, ts(at)])?;
        Ok(n == 1)
    }

    /// Records a cron run; false when a run for that due time (or a later one) was recorded.
    pub fn record_cron_run(
        &self,
        job: &str,
        due: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO cron_runs (job, last_due, ran_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (job) DO UPDATE SET last_due = excluded.last_due, ran_at = excluded.ran_at
             WHERE cron_runs.last_due < excluded.last_due",
            )?
            .execute(params![job, ts(due), ts(at)])?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Stored;
    use chrono::Utc;

    /// The tracking reads leave out what the SLA never looks at: the extracted data are
    /// `null` there and only there.
    #[test]
    fn tracking_reads_tickets_without_their_extracted_data() {
        let mut store = Store::open_in_memory().expect("db");
        let now = Utc::now();
        let Stored::New(msg) = store
            .store_raw(
                "inbox",
                "1",
                b"Message-ID: <1@x>\r\nFrom: a@b.c\r\n\r\nisi\r\n",
                now,
            )
            .expect("store")
        else {
            panic!("not stored")
        };
        let id = store
            .transaction(|tx| tx.insert_sample_request("TIK-2026-000001", msg, now))
            .expect("ticket");
        let full = store.tickets().expect("tickets");
        assert_eq!(full[0].fields, serde_json::json!({}));
        assert_eq!(full[0].letter_message_id.as_deref(), Some("1@x"));
        for bare in [
            store.sla_tickets_after(TicketId(0), 10).expect("after"),
            store.sla_tickets_among(&[id]).expect("among"),
        ] {
            assert_eq!(bare.len(), 1);
            assert_eq!(
                (bare[0].id, bare[0].step.as_deref()),
                (id, Some("disposisi"))
            );
            assert_eq!(bare[0].fields, serde_json::Value::Null);
            assert_eq!(bare[0].missing, serde_json::Value::Null);
            assert_eq!(bare[0].letter_message_id, None);
        }
    }

    /// Three open tickets; after the mark, one gets an SLA event only, one a state change
    /// and one nothing: the pass looks at the changed one alone.
    #[test]
    fn only_tickets_changed_by_others_than_the_sla_are_looked_at_again() {
        let mut store = Store::open_in_memory().expect("db");
        let now = Utc::now();
        let mut ids = Vec::new();
        for n in 1..=3 {
            let raw = format!("Message-ID: <{n}@x>\r\nFrom: a@b.c\r\n\r\nisi\r\n");
            let Stored::New(msg) = store
                .store_raw("inbox", &n.to_string(), raw.as_bytes(), now)
                .expect("store")
            else {
                panic!("not stored")
            };
            let number = format!("TIK-2026-{n:06}");
            let id = store
                .transaction(|tx| -> Result<TicketId> {
                    let id = tx.insert_sample_request(&number, msg, now)?;
                    tx.add_event(Some(id), None, "created", None, &serde_json::json!({}), now)?;
                    Ok(id)
                })
                .expect("ticket");
            ids.push(id);
        }
        let mark = store.last_event_id().expect("mark");
        assert_eq!(store.tickets_with_events_after(0).expect("all"), ids);
        let json = serde_json::json!({});
        store
            .transaction(|tx| -> Result<()> {
                tx.add_event(Some(ids[0]), None, "sla_started", None, &json, now)?;
                tx.add_event(Some(ids[2]), None, "state_changed", None, &json, now)?;
                tx.add_event(Some(ids[2]), None, "sla_stopped", None, &json, now)
            })
            .expect("events");
        let changed = store.tickets_with_events_after(mark).expect("changed");
        assert_eq!(changed, [ids[2]]);
        let rows = store.sla_tickets_among(&changed).expect("rows");
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[2]]);
        // `sla_tickets_among` keeps the SLA's filter: a finished ticket without a clock is left out.
        store
            .conn
            .execute(
                "UPDATE tickets SET state = 'resolved' WHERE id = ?1",
                [ids[2].0],
            )
            .expect("resolve");
        assert!(store.sla_tickets_among(&changed).expect("rows").is_empty());
    }
}
