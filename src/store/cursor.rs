//! The durable IMAP cursor: per (source, folder), the UIDVALIDITY seen and the highest UID
//! whose message is committed. The SQL only; what a cursor means for a sync is decided in
//! `fetch::imap`.
//!
//! Invariant: under one UIDVALIDITY the cursor never moves back, so a late or repeated write
//! cannot make a restart fetch less than it must (it may only fetch more, which the store's
//! dedupe absorbs). A new UIDVALIDITY replaces the row whatever its UID.

use super::{ts, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// Where a folder was read up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImapCursor {
    pub uidvalidity: u32,
    /// Every message with a UID at or below this one is stored (0: none yet).
    pub last_uid: u32,
}

impl Store {
    /// The cursor of `folder` of IMAP source `source`, if it was ever read.
    pub fn imap_cursor(&self, source: &str, folder: &str) -> Result<Option<ImapCursor>> {
        let row: Option<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT uidvalidity, last_uid FROM imap_cursors WHERE source = ?1 AND folder = ?2",
            )?
            .query_row(params![source, folder], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((uidvalidity, last_uid)) = row else {
            return Ok(None);
        };
        let corrupt = |what, v: i64| StoreError::Corrupt {
            what,
            value: v.to_string(),
        };
        Ok(Some(ImapCursor {
            uidvalidity: u32::try_from(uidvalidity)
                .map_err(|_| corrupt("imap_cursors.uidvalidity", uidvalidity))?,
            last_uid: u32::try_from(last_uid)
                .map_err(|_| corrupt("imap_cursors.last_uid", last_uid))?,
        }))
    }

    /// Records that `folder` is stored up to `cursor`. Under the same UIDVALIDITY the stored
    /// UID only grows; another UIDVALIDITY replaces the cursor.
    pub fn set_imap_cursor(
        &self,
        source: &str,
        folder: &str,
        cursor: ImapCursor,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO imap_cursors (source, folder, uidvalidity, last_uid, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (source, folder) DO UPDATE SET
                    last_uid = CASE WHEN uidvalidity = excluded.uidvalidity
                                    THEN max(last_uid, excluded.last_uid)
                                    ELSE excluded.last_uid END,
                    uidvalidity = excluded.uidvalidity,
                    updated_at = excluded.updated_at",
            )?
            .execute(params![
                source,
                folder,
                cursor.uidvalidity,
                cursor.last_uid,
                ts(now)
            ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_now as now;

    fn cur(uidvalidity: u32, last_uid: u32) -> ImapCursor {
        ImapCursor {
            uidvalidity,
            last_uid,
        }
    }

    #[test]
    fn a_cursor_is_per_source_and_folder() {
        let s = Store::open_in_memory().expect("db");
        assert_eq!(s.imap_cursor("helpdesk", "INBOX").expect("read"), None);
        s.set_imap_cursor("helpdesk", "INBOX", cur(7, 10), now())
            .expect("write");
        s.set_imap_cursor("helpdesk", "Arsip", cur(9, 3), now())
            .expect("write");
        assert_eq!(
            s.imap_cursor("helpdesk", "INBOX").expect("read"),
            Some(cur(7, 10))
        );
        assert_eq!(
            s.imap_cursor("helpdesk", "Arsip").expect("read"),
            Some(cur(9, 3))
        );
        assert_eq!(s.imap_cursor("other", "INBOX").expect("read"), None);
    }

    #[test]
    fn never_moves_back_under_one_uidvalidity_but_a_new_one_resets() {
        let s = Store::open_in_memory().expect("db");
        s.set_imap_cursor("h", "INBOX", cur(7, 10), now())
            .expect("write");
        s.set_imap_cursor("h", "INBOX", cur(7, 4), now())
            .expect("write");
        assert_eq!(s.imap_cursor("h", "INBOX").expect("read"), Some(cur(7, 10)));
        s.set_imap_cursor("h", "INBOX", cur(8, 0), now())
            .expect("write");
        assert_eq!(s.imap_cursor("h", "INBOX").expect("read"), Some(cur(8, 0)));
        s.set_imap_cursor("h", "INBOX", cur(u32::MAX, u32::MAX), now())
            .expect("write");
        assert_eq!(
            s.imap_cursor("h", "INBOX").expect("read"),
            Some(cur(u32::MAX, u32::MAX))
        );
    }
}
