//! The quarantine: messages that ended as triage (unmatched by every rule, unparseable, too
//! large), and what `suratd replay` needs to process one again with the current rules.

use super::{ts, MessageRowId, Result, Store, TicketId, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

/// A quarantined message as `suratd quarantine` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineRow {
    pub id: MessageRowId,
    pub message_id: Option<String>,
    pub stored_at: String,
    /// Why it ended as triage (the classifier's or the parser's reason).
    pub reason: Option<String>,
    pub ticket: Option<String>,
    pub ticket_state: Option<String>,
}

/// A triage ticket turned into a request by a replay.
#[derive(Debug, Clone, Copy)]
pub struct Promotion<'a> {
    pub rule_id: &'a str,
    pub state: crate::workflow::TicketState,
    pub step: Option<&'a str>,
    pub fields: &'a serde_json::Value,
    pub missing: &'a serde_json::Value,
    pub invalid: &'a serde_json::Value,
}

impl Store {
    /// Every message whose outcome is triage, oldest first.
    pub fn quarantine(&self) -> Result<Vec<QuarantineRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.id, m.message_id, m.stored_at, m.outcome_detail, t.number, t.state
             FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
             WHERE m.outcome = 'triage' ORDER BY m.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(QuarantineRow {
                id: MessageRowId(r.get(0)?),
                message_id: r.get(1)?,
                stored_at: r.get(2)?,
                reason: r.get(3)?,
                ticket: r.get(4)?,
                ticket_state: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl Tx<'_> {
    /// The outcome of a message and its ticket, read inside the transaction (a replay checks
    /// it again here, so two replays at once cannot both apply).
    pub fn message_outcome(
        &self,
        message: MessageRowId,
    ) -> Result<Option<(Option<String>, Option<TicketId>)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .tx
            .query_row(
                "SELECT outcome, ticket_id FROM messages WHERE id = ?1",
                params![message.0],
                |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.map(TicketId))),
            )
            .optional()?)
    }

    /// Turns a still untouched triage ticket into a request of `p.rule_id`. False when the
    /// ticket is no longer an open triage ticket (someone handled it meanwhile).
    pub fn promote_triage(
        &self,
        ticket: TicketId,
        p: &Promotion<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE tickets SET kind = 'request', rule_id = ?2, state = ?3, step = ?4,
                fields = ?5, missing = ?6, invalid = ?7, triage_reason = NULL, updated_at = ?8
             WHERE id = ?1 AND kind = 'triage' AND state = 'triage'",
            )?
            .execute(params![
                ticket.0,
                p.rule_id,
                p.state.as_str(),
                p.step,
                p.fields.to_string(),
                p.missing.to_string(),
                p.invalid.to_string(),
                ts(now)
            ])?;
        Ok(n == 1)
    }
}
