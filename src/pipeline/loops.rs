//! Loop protection at the planning stage. Automatic mail is never answered (the classifier
//! ignores it); what is left is a sender whose automatic answers carry no automatic header
//! and look like new letters. Each would become a ticket with an acknowledgement, which the
//! sender answers again. `[answers] per-sender-per-hour` caps the emails to one requester
//! address: beyond it the email is recorded on the ticket as `email_suppressed` and not
//! queued, so the exchange stops. People of `[[person]]` are never limited.

use super::*;

impl Pipeline<'_> {
    /// Why the email to `to` must not be queued, if the sender is over its limit.
    pub(super) fn answer_limit(
        &self,
        tx: &crate::store::Tx<'_>,
        d: &Decision,
        to: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<String>, StoreError> {
        let limit = self.config.answers.per_sender_per_hour;
        if limit == 0 || d.requester.as_deref() != Some(to) || self.config.person(to).is_some() {
            return Ok(None);
        }
        let sent = tx.emails_to_since(to, now - chrono::Duration::hours(1))?;
        Ok((sent >= i64::from(limit)).then(|| {
            format!(
                "{sent} emails to {to} in the last hour; [answers] per-sender-per-hour = {limit}"
            )
        }))
    }
}
