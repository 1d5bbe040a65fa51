//! Loop protection: how many emails went to one address lately ([`crate::config::Answers`]).

use super::{ts, Result, Tx};
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Tx<'_> {
    /// Emails queued (sent, waiting or parked) to `address` alone since `since`.
    pub fn emails_to_since(&self, address: &str, since: DateTime<Utc>) -> Result<i64> {
        // Recipients are stored as the JSON list the outbox wrote; answers have one.
        let recipients = serde_json::to_string(&[address]).unwrap_or_default();
        Ok(self
            .tx
            .prepare_cached(
                "SELECT COUNT(*) FROM outbox WHERE recipients = ?1 AND created_at >= ?2",
            )?
            .query_row(params![recipients, ts(since)], |r| r.get(0))?)
    }
}
