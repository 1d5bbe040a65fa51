//! The approval side of the store: tokens by hash (never their text), single use, and the
//! ticket columns the disposition loop keeps (assignee, outputs with secrets redacted, access
//! expiry). Tokens are only written and used inside the commit transaction of the decision.

use super::{ts, Result, Store, StoreError, TicketId, Tx};
use crate::approval::token::{Binding, StoredToken};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// What the disposition loop keeps on a ticket beside its data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkState {
    /// The staff member's address.
    pub assignee: Option<String>,
    /// What the work produced (secrets as `***`).
    pub outputs: Option<serde_json::Value>,
    pub access_expires_at: Option<String>,
}

/// A stored token and the ticket it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub ticket: TicketId,
    pub token: StoredToken,
}

pub(super) fn parse_ts(what: &'static str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt {
            what,
            value: s.to_string(),
        })
}

fn token_by_hash(conn: &Connection, hash: &str) -> Result<Option<TokenRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT a.ticket_id, t.number, a.step, a.approver, a.expires_at, a.used_at, a.hash
             FROM approval_tokens a JOIN tickets t ON t.id = a.ticket_id
             WHERE a.hash = ?1",
        )?
        .query_row(params![hash.to_ascii_lowercase()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    let Some((ticket, number, step, approver, expires, used, hash)) = row else {
        return Ok(None);
    };
    Ok(Some(TokenRecord {
        ticket: TicketId(ticket),
        token: StoredToken {
            hash,
            binding: Binding {
                ticket: number,
                step,
                approver,
            },
            expires_at: parse_ts("approval_tokens.expires_at", &expires)?,
            used_at: used
                .as_deref()
                .map(|u| parse_ts("approval_tokens.used_at", u))
                .transpose()?,
        },
    }))
}

fn work_state(conn: &Connection, ticket: TicketId) -> Result<WorkState> {
    let row = conn
        .prepare_cached("SELECT assignee, outputs, access_expires_at FROM tickets WHERE id = ?1")?
        .query_row(params![ticket.0], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?;
    Ok(row
        .map(|(assignee, outputs, access)| WorkState {
            assignee,
            outputs: outputs.and_then(|o| serde_json::from_str(&o).ok()),
            access_expires_at: access,
        })
        .unwrap_or_default())
}

impl Store {
    /// After outbox row `id`, which carried a secret, was sent (its body is gone now): the
    /// write-ahead log, whose older frames still hold that body and the staff member's reply
    /// as first stored, is checkpointed and truncated. Best effort: a reader holding an old
    /// snapshot keeps it for now (logged), and the next scrub tries again.
    pub(super) fn truncate_wal_after_secret(&self, id: i64) {
        match self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            }) {
            Ok(0) => {}
            Ok(_) => tracing::warn!(
                outbox = id,
                "WAL not truncated after a secret was sent: a reader is active"
            ),
            Err(e) => {
                tracing::warn!(outbox = id, error = %e, "WAL checkpoint after a secret was sent failed")
            }
        }
    }

    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        token_by_hash(&self.conn, hash)
    }

    pub fn work_state(&self, ticket: TicketId) -> Result<WorkState> {
        work_state(&self.conn, ticket)
    }
}

impl Tx<'_> {
    /// Records an issued token (its hash and binding) for `ticket`.
    pub fn insert_token(
        &self,
        ticket: TicketId,
        token: &StoredToken,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO approval_tokens
                    (hash, ticket_id, step, approver, expires_at, used_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)",
            )?
            .execute(params![
                token.hash.to_ascii_lowercase(),
                ticket.0,
                token.binding.step,
                token.binding.approver.trim().to_lowercase(),
                ts(token.expires_at),
                ts(now)
            ])?;
        Ok(())
    }

    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        token_by_hash(self.tx, hash)
    }

    /// Marks a token used; false when it was used already (or is unknown).
    pub fn use_token(&self, hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE approval_tokens SET used_at = ?1 WHERE hash = ?2 AND used_at IS NULL",
            )?
            .execute(params![ts(now), hash.to_ascii_lowercase()])?;
        Ok(n == 1)
    }

    /// Unused tokens of a ticket and step become used (superseded), e.g. the other
    /// approvers' tokens once one of them decided.
    pub fn retire_tokens(&self, ticket: TicketId, step: &str, now: DateTime<Utc>) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE approval_tokens SET used_at = ?1
                 WHERE ticket_id = ?2 AND step = ?3 AND used_at IS NULL",
            )?
            .execute(params![ts(now), ticket.0, step])?;
        Ok(())
    }

    pub fn work_state(&self, ticket: TicketId) -> Result<WorkState> {
        work_state(self.tx, ticket)
    }

    /// Whether an email from `template` to `address` about `ticket` was queued at or after
    /// `since` (the refusal notices are rate-limited with it).
    pub fn queued_since(
        &self,
        ticket: TicketId,
        template: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = ?1 AND o.template = ?2
                AND o.created_at >= ?4
                AND EXISTS (SELECT 1 FROM json_each(o.recipients) r WHERE lower(r.value) = lower(?3)))",
            )?
            .query_row(params![ticket.0, template, address, ts(since)], |r| {
                r.get(0)
            })?)
    }

    /// The raw bytes of a stored message (the letter whose attachments go with a disposition).
    pub fn raw(&self, message: super::MessageRowId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .query_row(
                "SELECT raw FROM message_raw WHERE message = ?1",
                params![message.0],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The messages added to `ticket` as replies, oldest first (the requester's later letters,
    /// whose files go with a disposition too).
    pub fn reply_messages(&self, ticket: super::TicketId) -> Result<Vec<super::MessageRowId>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id FROM messages WHERE ticket_id = ?1 AND outcome = 'reply' ORDER BY id",
        )?;
        let ids = st
            .query_map(params![ticket.0], |r| r.get(0).map(super::MessageRowId))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// Takes each secret value out of a stored message's raw bytes (the staff member's reply
    /// carrying an initial password), decoding base64 and quoted-printable parts: see
    /// [`crate::approval::redact`]. Headers and the dedupe key stay. True when it changed.
    pub fn redact_message(&self, message: super::MessageRowId, values: &[String]) -> Result<bool> {
        let raw: Option<Vec<u8>> = self
            .tx
            .query_row(
                "SELECT raw FROM message_raw WHERE message = ?1",
                params![message.0],
                |r| r.get(0),
            )
            .optional()?;
        let Some(clean) = raw.and_then(|raw| crate::approval::redact::redact(&raw, values)) else {
            return Ok(false);
        };
        self.tx
            .prepare_cached("UPDATE message_raw SET raw = ?1 WHERE message = ?2")?
            .execute(params![clean, message.0])?;
        Ok(true)
    }

    /// The email with this Message-ID loses its body once sent (it carries a secret).
    pub fn scrub_after_send(&self, message_id: &str) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE outbox SET scrub_after_send = 1 WHERE message_id = ?1")?
            .execute(params![message_id])?;
        Ok(())
    }

    /// Moves a ticket to `state`/`step`, setting the work columns that are `Some`.
    pub fn set_ticket_progress(
        &self,
        ticket: TicketId,
        state: crate::workflow::TicketState,
        step: Option<&str>,
        work: &WorkState,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE tickets SET state = ?1, step = COALESCE(?2, step),
                    assignee = COALESCE(?3, assignee), outputs = COALESCE(?4, outputs),
                    access_expires_at = COALESCE(?5, access_expires_at), updated_at = ?6
                 WHERE id = ?7",
            )?
            .execute(params![
                state.as_str(),
                step,
                work.assignee,
                work.outputs.as_ref().map(|o| o.to_string()),
                work.access_expires_at,
                ts(now),
                ticket.0
            ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::token::{ApprovalToken, Nonce, TokenSecret};
    use crate::store::Outcome;

    #[test]
    fn a_sent_secret_leaves_neither_the_database_nor_its_wal() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).expect("open");
        let now = Utc::now();
        let raw = b"Subject: aktivasi\r\n\r\npassword awal: Ganti-Segera-77\r\n";
        store
            .transaction(|tx| {
                tx.queue_email(
                    &crate::store::NewEmail {
                        dedupe_key: "k",
                        ticket: None,
                        message_id: "m@kampus.ac.id",
                        template: "aktivasi",
                        recipients: &["budi@contoh.ac.id".to_string()],
                        subject: "aktivasi",
                        raw,
                    },
                    now,
                )?;
                tx.scrub_after_send("m@kampus.ac.id")
            })
            .expect("queue");
        let has = |suffix: &str| {
            let p = dir.path().join(format!("s.db{suffix}"));
            std::fs::read(p).is_ok_and(|b| b.windows(15).any(|w| w == b"Ganti-Segera-77"))
        };
        assert!(has("-wal") || has(""), "test input: the secret is written");
        let id = store
            .outbox_entry("m@kampus.ac.id")
            .expect("read")
            .expect("row")
            .id;
        store.mark_sent(id, now).expect("sent");
        // The store is still open (a running daemon): no copy in the file or its WAL.
        assert!(!has("") && !has("-wal"));
    }

    #[test]
    fn tokens_are_stored_hashed_and_used_once() {
        let mut store = Store::open_in_memory().expect("open");
        let now = Utc::now();
        let crate::store::Stored::New(msg) = store
            .store_raw("inbox", "1", b"Subject: x\r\n\r\nx", now)
            .expect("insert")
        else {
            panic!("not stored")
        };
        let secret = TokenSecret::new(b"0123456789abcdef".to_vec()).expect("secret");
        let (issued, stored) = ApprovalToken::issue(
            &secret,
            Binding {
                ticket: "TIK-2026-000001".into(),
                step: "disposisi".into(),
                approver: "Kepala@Kampus.ac.id".into(),
            },
            now + chrono::Duration::days(7),
            Nonce::from_bytes([7; 8]),
        );
        let ticket = store
            .transaction(|tx| -> Result<TicketId> {
                let id = tx.insert_sample_request("TIK-2026-000001", msg, now)?;
                tx.insert_token(id, &stored, now)?;
                tx.finish_message(msg, Outcome::NewTicket, None, Some(id), now)?;
                Ok(id)
            })
            .expect("tx");
        let rec = store
            .token_by_hash(&issued.hash)
            .expect("read")
            .expect("found");
        assert_eq!(rec.ticket, ticket);
        assert_eq!(rec.token.binding.approver, "kepala@kampus.ac.id");
        assert_eq!(rec.token.binding.ticket, "TIK-2026-000001");
        let first = store
            .transaction(|tx| tx.use_token(&issued.hash, now))
            .expect("use");
        let second = store
            .transaction(|tx| tx.use_token(&issued.hash, now))
            .expect("use");
        assert!(first && !second);
        assert!(store
            .token_by_hash(&issued.hash)
            .expect("read")
            .is_some_and(|r| r.token.used_at.is_some()));
    }
}
