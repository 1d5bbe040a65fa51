//! A reply on a ticket: recorded, and merged into a ticket that waits for data.

use super::*;

impl Pipeline<'_> {
    /// A reply on a ticket: recorded, and when the ticket waits for data, what the reply
    /// supplies is merged in (see [`workflow::on_requester_reply`]).
    pub(super) fn apply_reply(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        ticket: TicketId,
        d: &Decision,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let c = &d.classification;
        let row = tx.ticket_by_id(ticket)?;
        let rule = row
            .as_ref()
            .and_then(|r| r.rule_id.as_deref())
            .and_then(|id| self.rules.get(id));
        let (Some(row), Some(rule), Some(supplied)) = (row, rule, c.extraction.as_ref()) else {
            if let Some(t) = &d.transition {
                record_events(tx, ticket, message, t, now)?;
            }
            return Ok(());
        };
        let old = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        let from = d.requester.as_deref().unwrap_or("");
        let mut out = workflow::on_requester_reply(
            rule,
            row.state,
            &old,
            supplied,
            from,
            &message.0.to_string(),
        );
        out.transition = workflow::disposition::ask_disposition(
            rule,
            &out.extraction,
            &self.config.people,
            out.transition,
        );
        if out.transition.state != row.state || !out.added.is_empty() {
            tx.update_ticket(
                ticket,
                out.transition.state,
                out.transition.step.as_deref(),
                &serde_json::to_value(&out.extraction.fields).unwrap_or_default(),
                &serde_json::to_value(&out.extraction.missing).unwrap_or_default(),
                &serde_json::to_value(&out.extraction.invalid).unwrap_or_default(),
                now,
            )?;
        }
        record_events(tx, ticket, message, &out.transition, now)?;
        // Answer as the ticket speaks: to its requester, in its language, with its data.
        let mut answer = d.clone();
        answer.classification.extraction = Some(out.extraction);
        answer.classification.rule = Some(rule.id.0.clone());
        answer.transition = Some(out.transition);
        answer.requester = row.requester.clone().or(answer.requester);
        answer.requester_name = row.requester_name.clone().or(answer.requester_name);
        answer.language = if row.language == "en" { "en" } else { "id" };
        answer.subject = row.subject.clone();
        self.queue_planned(tx, &answer, &row.number, ticket, Some(message), now, stats)?;
        Ok(())
    }
}
