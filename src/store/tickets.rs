//! Tickets, their thread ids and their event log: written inside a processing transaction
//! ([`Tx`]), read by the CLI and the classifier.

use super::{ticket_number, ts, MessageRowId, Result, Store, StoreError, TicketId, Tx};
use crate::workflow::{TicketKind, TicketState};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// A ticket as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRow {
    pub id: TicketId,
    pub number: String,
    pub kind: TicketKind,
    pub rule_id: Option<String>,
    pub state: TicketState,
    pub step: Option<String>,
    pub requester: Option<String>,
    pub requester_name: Option<String>,
    pub language: String,
    pub subject: String,
    pub fields: serde_json::Value,
    pub missing: serde_json::Value,
    pub invalid: serde_json::Value,
    pub triage_reason: Option<String>,
    pub source_message: Option<MessageRowId>,
    pub created_at: String,
    pub updated_at: String,
    /// The Message-ID of the requester's letter, so answers thread with it.
    pub letter_message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub ticket: Option<String>,
    pub message: Option<MessageRowId>,
    pub at: String,
    pub kind: String,
    pub actor: Option<String>,
    pub detail: serde_json::Value,
}

/// A new ticket to insert.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub number: &'a str,
    pub kind: TicketKind,
    pub rule_id: Option<&'a str>,
    pub state: TicketState,
    pub step: Option<&'a str>,
    pub requester: Option<&'a str>,
    pub requester_name: Option<&'a str>,
    pub language: &'a str,
    pub subject: &'a str,
    /// JSON text: an object of fields, a list of names, a list of {field, value, message}.
    pub fields: &'a str,
    pub missing: &'a str,
    pub invalid: &'a str,
    pub triage_reason: Option<&'a str>,
    pub source_message: MessageRowId,
}

impl Store {
    pub fn ticket_by_number(&self, number: &str) -> Result<Option<TicketRow>> {
        ticket_where(&self.conn, "t.number = ?1", params![number])
    }

    pub fn ticket_by_thread_id(&self, message_id: &str) -> Result<Option<TicketRow>> {
        ticket_where(
            &self.conn,
            "t.id = (SELECT ticket_id FROM thread_ids WHERE message_id = ?1)",
            params![message_id],
        )
    }

    pub fn tickets(&self) -> Result<Vec<TicketRow>> {
        tickets_where(&self.conn, "1", params![])
    }

    pub fn events(&self, ticket: Option<TicketId>) -> Result<Vec<EventRow>> {
        // Two statements, not `?1 IS NULL OR e.ticket_id = ?1`: with the OR, SQLite reads
        // every event even for one ticket (it cannot use `events_ticket`).
        let mut st = self.conn.prepare_cached(if ticket.is_some() {
            "SELECT e.id, t.number, e.message, e.at, e.kind, e.actor, e.detail
             FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
             WHERE e.ticket_id = ?1 ORDER BY e.id"
        } else {
            "SELECT e.id, t.number, e.message, e.at, e.kind, e.actor, e.detail
             FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
             WHERE ?1 IS NULL ORDER BY e.id"
        })?;
        let rows = st.query_map(params![ticket.map(|t| t.0)], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                ticket: r.get(1)?,
                message: r.get::<_, Option<i64>>(2)?.map(MessageRowId),
                at: r.get(3)?,
                kind: r.get(4)?,
                actor: r.get(5)?,
                detail: json_col(r.get::<_, String>(6)?),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The counter the next ticket of `prefix` and `year` will get (read only: the number is
    /// handed out by [`Tx::next_ticket_number`]).
    pub fn peek_ticket_counter(&self, prefix: &str, year: i32) -> Result<i64> {
        let last: Option<i64> = self
            .conn
            .prepare_cached("SELECT last FROM ticket_counters WHERE prefix = ?1 AND year = ?2")?
            .query_row(params![prefix, year], |r| r.get(0))
            .optional()?;
        Ok(last.unwrap_or(0) + 1)
    }
}

impl Tx<'_> {
    /// The next ticket number for `prefix` in `year`: `TIK-2026-000123`.
    pub fn next_ticket_number(&self, prefix: &str, year: i32) -> Result<String> {
        let last: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO ticket_counters (prefix, year, last) VALUES (?1, ?2, 1)
                 ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1
                 RETURNING last",
            )?
            .query_row(params![prefix, year], |r| r.get(0))?;
        Ok(ticket_number(prefix, year, last))
    }

    pub fn insert_ticket(&self, t: &NewTicket<'_>, now: DateTime<Utc>) -> Result<TicketId> {
        let now = ts(now);
        self.tx
            .prepare_cached(
                "INSERT INTO tickets (number, kind, rule_id, state, step, requester, requester_name,
                    language, subject, fields, missing, invalid, triage_reason, source_message,
                    created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
            )?
            .execute(params![
                t.number,
                t.kind.as_str(),
                t.rule_id,
                t.state.as_str(),
                t.step,
                t.requester,
                t.requester_name,
                t.language,
                t.subject,
                t.fields,
                t.missing,
                t.invalid,
                t.triage_reason,
                t.source_message.0,
                now
            ])?;
        Ok(TicketId(self.tx.last_insert_rowid()))
    }

    /// Replaces a ticket's data and state; `step` None keeps the current step.
    #[allow(clippy::too_many_arguments)]
    pub fn update_ticket(
        &self,
        ticket: TicketId,
        state: TicketState,
        step: Option<&str>,
        fields: &serde_json::Value,
        missing: &serde_json::Value,
        invalid: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx.prepare_cached("UPDATE tickets SET state = ?2, step = COALESCE(?3, step), fields = ?4, missing = ?5,
                invalid = ?6, updated_at = ?7 WHERE id = ?1")?.execute(params![
                ticket.0,
                state.as_str(),
                step,
                fields.to_string(),
                missing.to_string(),
                invalid.to_string(),
                ts(now)
            ],
        )?;
        Ok(())
    }

    /// Adds a Message-ID to a ticket's thread (ignored if it is there already).
    pub fn add_thread_id(&self, message_id: &str, ticket: TicketId) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO thread_ids (message_id, ticket_id) VALUES (?1, ?2)",
            )?
            .execute(params![message_id, ticket.0])?;
        Ok(())
    }

    pub fn add_event(
        &self,
        ticket: Option<TicketId>,
        message: Option<MessageRowId>,
        kind: &str,
        actor: Option<&str>,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO events (ticket_id, message, at, kind, actor, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                ticket.map(|t| t.0),
                message.map(|m| m.0),
                ts(now),
                kind,
                actor,
                detail.to_string()
            ])?;
        Ok(())
    }

    pub fn ticket_by_id(&self, id: TicketId) -> Result<Option<TicketRow>> {
        ticket_where(self.tx, "t.id = ?1", params![id.0])
    }
}

pub(super) fn json_col(s: String) -> serde_json::Value {
    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
}

/// [`json_col`] of a column that may be SQL NULL ([`TICKET_COLUMNS_BARE`]).
fn json_col_or_null(s: Option<String>) -> serde_json::Value {
    s.map_or(serde_json::Value::Null, json_col)
}

const TICKET_COLUMNS: &str = "t.id, t.number, t.kind, t.rule_id, t.state, t.step, t.requester,
    t.requester_name, t.language, t.subject, t.fields, t.missing, t.invalid, t.triage_reason,
    t.source_message, t.created_at, t.updated_at,
    (SELECT m.message_id FROM messages m WHERE m.id = t.source_message)";

/// [`TICKET_COLUMNS`] without the extracted data (fields, missing, invalid: read as
/// `null`) and the letter's Message-ID (`None`). For the SLA's tracking, which reads every
/// open ticket that changed and looks at its rule, state, step and time only: parsing the
/// three JSON columns was a quarter of its work (issue 7, seventh round).
const TICKET_COLUMNS_BARE: &str = "t.id, t.number, t.kind, t.rule_id, t.state, t.step,
    t.requester, t.requester_name, t.language, t.subject, NULL, NULL, NULL, t.triage_reason,
    t.source_message, t.created_at, t.updated_at, NULL";

pub(super) fn ticket_where(
    conn: &Connection,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Option<TicketRow>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE {cond}");
    let row = conn
        .prepare_cached(&sql)?
        .query_row(p, read_ticket)
        .optional()?;
    row.transpose()
}

fn tickets_where(
    conn: &Connection,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<TicketRow>> {
    select_tickets(conn, TICKET_COLUMNS, cond, p)
}

/// [`tickets_where`] with [`TICKET_COLUMNS_BARE`]: the rows carry no extracted data.
pub(super) fn bare_tickets_where(
    conn: &Connection,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<TicketRow>> {
    select_tickets(conn, TICKET_COLUMNS_BARE, cond, p)
}

fn select_tickets(
    conn: &Connection,
    columns: &str,
    cond: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<TicketRow>> {
    let order = if cond.contains("ORDER BY") {
        ""
    } else {
        " ORDER BY t.id"
    };
    let sql = format!("SELECT {columns} FROM tickets t WHERE {cond}{order}");
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(p, read_ticket)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

fn read_ticket(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<TicketRow>> {
    let kind: String = r.get(2)?;
    let state: String = r.get(4)?;
    let kind = match kind.parse() {
        Ok(k) => k,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                what: "tickets.kind",
                value: kind,
            }))
        }
    };
    let state = match state.parse() {
        Ok(s) => s,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                what: "tickets.state",
                value: state,
            }))
        }
    };
    Ok(Ok(TicketRow {
        id: TicketId(r.get(0)?),
        number: r.get(1)?,
        kind,
        rule_id: r.get(3)?,
        state,
        step: r.get(5)?,
        requester: r.get(6)?,
        requester_name: r.get(7)?,
        language: r.get(8)?,
        subject: r.get(9)?,
        fields: json_col_or_null(r.get(10)?),
        missing: json_col_or_null(r.get(11)?),
        invalid: json_col_or_null(r.get(12)?),
        triage_reason: r.get(13)?,
        source_message: r.get::<_, Option<i64>>(14)?.map(MessageRowId),
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        letter_message_id: r.get(17)?,
    }))
}

#[cfg(test)]
impl Tx<'_> {
    /// For tests: an office365 request `number` from `msg`, awaiting approval at `disposisi`.
    pub(crate) fn insert_sample_request(
        &self,
        number: &str,
        msg: MessageRowId,
        now: DateTime<Utc>,
    ) -> Result<TicketId> {
        self.insert_ticket(
            &NewTicket {
                number,
                kind: crate::workflow::TicketKind::Request,
                rule_id: Some("office365"),
                state: crate::workflow::TicketState::AwaitingApproval,
                step: Some("disposisi"),
                requester: Some("a@b.c"),
                requester_name: None,
                language: "id",
                subject: "x",
                fields: "{}",
                missing: "[]",
                invalid: "[]",
                triage_reason: None,
                source_message: msg,
            },
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_now as now;

    #[test]
    fn ticket_numbers_count_per_prefix_and_year() {
        let mut s = Store::open_in_memory().expect("db");
        let nums: Vec<String> = s
            .transaction(|tx| -> Result<Vec<String>> {
                Ok(vec![
                    tx.next_ticket_number("TIK", 2026)?,
                    tx.next_ticket_number("TIK", 2026)?,
                    tx.next_ticket_number("TIK", 2027)?,
                ])
            })
            .expect("tx");
        assert_eq!(
            nums,
            ["TIK-2026-000001", "TIK-2026-000002", "TIK-2027-000001"]
        );
    }

    #[test]
    fn events_are_append_only() {
        let mut s = Store::open_in_memory().expect("db");
        s.transaction(|tx| tx.add_event(None, None, "x", None, &serde_json::json!({}), now()))
            .expect("insert");
        let err = s.conn.execute("UPDATE events SET kind = 'y'", []);
        assert!(err.is_err());
        let err = s.conn.execute("DELETE FROM events", []);
        assert!(err.is_err());
    }
}
