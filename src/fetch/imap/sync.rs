//! One sync of one folder: open it, fetch what the durable cursor has not seen, commit each
//! message raw, advance the cursor, then (optionally) flag or move what is stored.
//!
//! Invariants:
//! - A message is committed (`Store::store_raw`) before the cursor passes its UID and before
//!   anything is done to it on the server. A crash anywhere loses nothing: what the cursor
//!   has not passed is fetched again, and the store's positions and dedupe key absorb it.
//! - The cursor only covers an unbroken run of stored UIDs; a message the server would not
//!   hand over holds it back (and is retried next sync) instead of being skipped. An empty
//!   body is asked for once more after a NOOP, then stored as it is (see `fetch_batch`).
//! - A new UIDVALIDITY (RFC 3501 §2.3.1.1) means the old UIDs name nothing: the folder is
//!   read again from UID 1. Positions are `"{uidvalidity}:{uid}"`, so they are all new, and
//!   the dedupe key (Message-ID, From, Date, Subject, body) turns each into a duplicate.
//! - Nothing is ever deleted unless `after-store = "move"` asked for it.

use super::connect::{Caps, Session};
use super::{within, ImapError, SharedStore, COMMAND_TIMEOUT, FETCH_ITEM_TIMEOUT};
use crate::clock::Clock;
use crate::config::AfterStore;
use crate::fetch::FetchStats;
use crate::lifecycle::{Kick, Shutdown};
use crate::store::cursor::ImapCursor;
use crate::store::rawhead::RawHead;
use crate::store::{Store, StoreError, Stored};
use async_imap::types::{Fetch, UnsolicitedResponse};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashSet;

/// Everything one folder's sync needs.
pub(crate) struct Folder<'a> {
    /// The `[[source]]` name.
    pub name: &'a str,
    pub folder: &'a str,
    pub after_store: &'a AfterStore,
    pub batch_size: u32,
    pub caps: &'a Caps,
    pub store: &'a SharedStore,
    pub clock: &'a dyn Clock,
    /// Kicked after each batch that stored something new.
    pub stored: Option<&'a Kick>,
    /// Checked between batches: a sync ends early (cursor intact) when the daemon stops.
    pub shutdown: Option<&'a Shutdown>,
}

impl Folder<'_> {
    /// The store's source string, e.g. `helpdesk/INBOX`.
    fn source(&self) -> String {
        format!("{}/{}", self.name, self.folder)
    }
}

/// Where a sync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Start {
    /// Fetch the UIDs above this one.
    pub after: u32,
    /// The cursor must be (re)written before fetching: first sync, or the old UIDs are void.
    pub reset: bool,
}

/// The cursor's meaning under the folder's current UIDVALIDITY. (A server that hands out
/// UIDs again under the same UIDVALIDITY breaks RFC 3501 §2.3.1.1 and cannot be read
/// safely by UID at all: its positions would collide too. We take the server's word.)
pub(crate) fn start(cursor: Option<ImapCursor>, uidvalidity: u32) -> Start {
    match cursor {
        Some(c) if c.uidvalidity == uidvalidity => Start {
            after: c.last_uid,
            reset: false,
        },
        _ => Start {
            after: 0,
            reset: true,
        },
    }
}

/// The highest UID of `chunk` (ascending) up to which every UID is settled: the cursor may
/// move there and no further.
pub(crate) fn settled_up_to(chunk: &[u32], settled: impl Fn(u32) -> bool) -> Option<u32> {
    chunk.iter().take_while(|u| settled(**u)).last().copied()
}

/// An IMAP sequence set for ascending UIDs, runs folded: `1:3,7,9:10`.
pub(crate) fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let first = uids[i];
        let mut last = first;
        while i + 1 < uids.len() && uids[i + 1] == last.wrapping_add(1) {
            i += 1;
            last = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if first == last {
            out.push_str(&first.to_string());
        } else {
            out.push_str(&format!("{first}:{last}"));
        }
        i += 1;
    }
    out
}

/// How stored messages leave the folder with `after-store = "move"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MovePlan {
    /// `UID MOVE` (RFC 6851).
    Move,
    /// `UID COPY`, `\Deleted`, then `UID EXPUNGE` of exactly those UIDs (RFC 4315).
    CopyExpunge,
    /// `UID COPY` and `\Deleted` only: a plain EXPUNGE would also remove messages someone
    /// else marked deleted, so they stay until a client expunges.
    CopyDelete,
}

pub(crate) fn move_plan(caps: &Caps) -> MovePlan {
    if caps.has("MOVE") {
        MovePlan::Move
    } else if caps.has("UIDPLUS") {
        MovePlan::CopyExpunge
    } else {
        MovePlan::CopyDelete
    }
}

/// Runs `f` on the store off the async threads (SQLite may wait on a lock for seconds).
pub(crate) async fn on_store<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ImapError> {
    let store = std::sync::Arc::clone(store);
    tokio::task::spawn_blocking(move || {
        let mut s = store.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s)
    })
    .await
    .map_err(|e| ImapError::Internal(format!("store task failed: {e}")))?
    .map_err(ImapError::from)
}

/// Forgets what the server said in passing so far; true if it announced new mail.
pub(crate) fn drain_news(session: &mut Session) -> bool {
    let mut news = false;
    while let Ok(u) = session.unsolicited_responses.try_recv() {
        news |= matches!(
            u,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    news
}

/// One sync of `f.folder` on `session`.
pub(crate) async fn sync(session: &mut Session, f: &Folder<'_>) -> Result<FetchStats, ImapError> {
    let mut stats = FetchStats::default();
    let (name, folder) = (f.name, f.folder);
    let source = f.source();
    drain_news(session);
    // EXAMINE when nothing is to be changed on the server: a read-only look cannot alter it.
    let opened = if *f.after_store == AfterStore::Keep {
        within("EXAMINE", COMMAND_TIMEOUT, session.examine(folder)).await
    } else {
        within("SELECT", COMMAND_TIMEOUT, session.select(folder)).await
    };
    let mailbox = opened.map_err(|e| match e {
        ImapError::Imap(async_imap::error::Error::No(why)) => ImapError::Folder {
            folder: folder.to_string(),
            reason: why,
        },
        other => other,
    })?;
    let uidvalidity = mailbox.uid_validity.ok_or_else(|| {
        ImapError::Protocol(format!(
            "server gave no UIDVALIDITY for folder \"{folder}\""
        ))
    })?;
    let cursor = {
        let (n, fo) = (name.to_string(), folder.to_string());
        on_store(f.store, move |s| s.imap_cursor(&n, &fo)).await?
    };
    let begin = start(cursor, uidvalidity);
    if begin.reset {
        if let Some(old) = cursor {
            tracing::warn!(
                source = name,
                folder,
                old_uidvalidity = old.uidvalidity,
                old_last_uid = old.last_uid,
                uidvalidity,
                "UIDVALIDITY changed: reading the whole folder again (stored messages are not doubled)"
            );
        }
        set_cursor(f, uidvalidity, 0).await?;
    }
    if mailbox.exists == 0 || begin.after == u32::MAX {
        return Ok(stats);
    }
    let query = format!("UID {}:*", begin.after + 1);
    let found = within("UID SEARCH", COMMAND_TIMEOUT, session.uid_search(&query)).await?;
    // `n:*` always names the highest UID, even one below n (RFC 3501 §6.4.8): filter.
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > begin.after).collect();
    uids.sort_unstable();
    if !uids.is_empty() {
        tracing::debug!(
            source = name,
            folder,
            uidvalidity,
            after = begin.after,
            count = uids.len(),
            "new messages"
        );
    }
    // Once a batch leaves a gap, the cursor stays before it for the rest of this sync.
    let mut cursor_held = false;
    for chunk in uids.chunks(f.batch_size.max(1) as usize) {
        if f.shutdown.is_some_and(|s| s.is_set()) {
            break;
        }
        let batch = fetch_batch(session, f, &source, uidvalidity, chunk, &mut stats).await;
        let (settled, failure) = match batch {
            Ok(settled) => (settled, None),
            Err((settled, e)) => (settled, Some(e)),
        };
        if !cursor_held {
            let up_to = settled_up_to(chunk, |u| settled.contains(&u));
            if up_to != chunk.last().copied() {
                cursor_held = true;
            }
            if let Some(up_to) = up_to {
                set_cursor(f, uidvalidity, up_to).await?;
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        let mut stored: Vec<u32> = settled
            .into_iter()
            .filter(|u| chunk.binary_search(u).is_ok())
            .collect();
        stored.sort_unstable();
        after_store(session, f, &stored).await?;
    }
    if stats.stored > 0 || stats.duplicates > 0 {
        tracing::info!(
            source = name,
            folder,
            stored = stats.stored,
            duplicates = stats.duplicates,
            known = stats.known,
            "folder synced"
        );
    }
    Ok(stats)
}

async fn set_cursor(f: &Folder<'_>, uidvalidity: u32, last_uid: u32) -> Result<(), ImapError> {
    let (n, fo, now) = (f.name.to_string(), f.folder.to_string(), f.clock.now());
    let cursor = ImapCursor {
        uidvalidity,
        last_uid,
    };
    on_store(f.store, move |s| s.set_imap_cursor(&n, &fo, cursor, now)).await
}

/// Fetches and commits one batch. Returns the settled UIDs: stored now or before, or gone
/// from the server (expunged since the search). On failure, those settled before it.
async fn fetch_batch(
    session: &mut Session,
    f: &Folder<'_>,
    source: &str,
    uidvalidity: u32,
    chunk: &[u32],
    stats: &mut FetchStats,
) -> Result<HashSet<u32>, (HashSet<u32>, ImapError)> {
    let mut settled = HashSet::new();
    // Positions stored before (a crash between commit and cursor): no need to download.
    let known = {
        let (src, want) = (source.to_string(), chunk.to_vec());
        // One read transaction for the chunk (one per UID took and released a lock each:
        // two system calls per letter before the FETCH was even sent).
        let r = on_store(f.store, move |s| {
            let positions: Vec<String> =
                want.iter().map(|u| format!("{uidvalidity}:{u}")).collect();
            let known = s.known_positions(&src, positions.iter().map(String::as_str))?;
            Ok(want
                .into_iter()
                .zip(known)
                .filter_map(|(uid, k)| k.then_some(uid))
                .collect::<Vec<u32>>())
        })
        .await;
        match r {
            Ok(k) => k,
            Err(e) => return Err((settled, e)),
        }
    };
    stats.known += known.len();
    settled.extend(known.iter().copied());
    let wanted: Vec<u32> = chunk
        .iter()
        .copied()
        .filter(|u| !settled.contains(u))
        .collect();
    if wanted.is_empty() {
        return Ok(settled);
    }
    let mut group = Group::default();
    let empty = match fetch_into(
        session,
        f,
        source,
        uidvalidity,
        &wanted,
        Empty::AskAgain,
        &mut group,
        stats,
        &mut settled,
    )
    .await
    {
        Ok(empty) => empty,
        Err(e) => return Err((settled, e)),
    };
    if empty.is_empty() {
        return Ok(settled);
    }
    // Answered without a body. Dovecot does so for a Maildir file that changed behind its
    // back (gone by its next look) and for a file of no bytes. After a NOOP, which makes the
    // server look at the folder again, they are asked for once more: what comes back empty
    // again is an empty message and is stored as it is (it ends as a triage ticket,
    // "message is empty"). Left unstored, it would hold the cursor before it for good: every
    // sync would ask for it and look up every later UID again, and warn.
    if let Err(e) = within("NOOP", COMMAND_TIMEOUT, session.noop()).await {
        return Err((settled, e));
    }
    // (What the NOOP brought in passing, new mail above all, stays for the caller's
    // `drain_news`.)
    let mut again: Vec<u32> = empty.into_iter().collect();
    again.sort_unstable();
    match fetch_into(
        session,
        f,
        source,
        uidvalidity,
        &again,
        Empty::Store,
        &mut group,
        stats,
        &mut settled,
    )
    .await
    {
        Ok(_) => Ok(settled),
        Err(e) => Err((settled, e)),
    }
}

/// What [`fetch_into`] does with a message answered with an empty body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Empty {
    /// Leave it unsettled and return its UID, to be asked for again.
    AskAgain,
    /// Store it as it is: an empty message.
    Store,
}

/// One `UID FETCH` of `wanted` (sorted), committing what arrives in groups; marks settled
/// what was stored and, once the FETCH completed, what it did not answer for (expunged
/// meanwhile). Returns the UIDs answered without a body and left unsettled.
#[allow(clippy::too_many_arguments)]
async fn fetch_into(
    session: &mut Session,
    f: &Folder<'_>,
    source: &str,
    uidvalidity: u32,
    wanted: &[u32],
    empty: Empty,
    group: &mut Group,
    stats: &mut FetchStats,
    settled: &mut HashSet<u32>,
) -> Result<HashSet<u32>, ImapError> {
    let (name, folder) = (f.name, f.folder);
    let set = uid_set(wanted);
    let mut responses = within(
        "UID FETCH",
        COMMAND_TIMEOUT,
        session.uid_fetch(&set, "(UID BODY.PEEK[])"),
    )
    .await?;
    let mut without_body = HashSet::new();
    let failure = loop {
        let item = match tokio::time::timeout(FETCH_ITEM_TIMEOUT, responses.next()).await {
            Ok(None) => break None,
            Ok(Some(Ok(item))) => item,
            Ok(Some(Err(e))) => break Some(ImapError::from(e)),
            Err(_) => {
                break Some(ImapError::Timeout {
                    what: "UID FETCH",
                    secs: FETCH_ITEM_TIMEOUT.as_secs(),
                })
            }
        };
        // Other FETCH responses (flag changes pushed in passing) are not ours.
        let Some(uid) = item.uid.filter(|u| wanted.binary_search(u).is_ok()) else {
            continue;
        };
        // No body at all is never a message. An empty one is asked for again first: stored
        // at once, a transient empty answer would pass the real letter over.
        let keep_empty = empty == Empty::Store && item.body().is_some();
        if body(&item).is_empty() && !keep_empty {
            let next = match empty {
                Empty::AskAgain => "asking again after a NOOP",
                Empty::Store => "retried next sync",
            };
            tracing::warn!(
                source = name,
                folder,
                uid,
                next,
                "server sent no message body"
            );
            without_body.insert(uid);
            continue;
        }
        if body(&item).is_empty() {
            tracing::warn!(
                source = name,
                folder,
                uid,
                "server sent an empty message twice; stored as it is (a triage ticket)"
            );
        }
        // Kept as received: its bytes go to SQLite without a copy.
        group.push(uid, format!("{uidvalidity}:{uid}"), item);
        if group.is_full() {
            if let Err(e) = commit_group(f, source, group, stats, settled).await {
                break Some(e);
            }
        }
    };
    drop(responses);
    // What was received whole is stored even when the FETCH broke off after it.
    if let Err(e) = commit_group(f, source, group, stats, settled).await {
        return Err(failure.unwrap_or(e));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    // The FETCH completed: a UID it did not answer for is gone (expunged meanwhile).
    settled.extend(wanted.iter().filter(|u| !without_body.contains(u)));
    Ok(without_body)
}

/// Messages of one FETCH received but not yet committed, each with a body.
#[derive(Default)]
struct Group {
    uids: Vec<u32>,
    positions: Vec<String>,
    fetched: Vec<Fetch>,
    bytes: usize,
}

fn body(f: &Fetch) -> &[u8] {
    f.body().unwrap_or_default()
}

impl Group {
    /// Commit at this many messages or bytes: fewer transactions, yet little held in memory.
    /// (32 messages made a 200-message FETCH seven commits, each waiting its turn behind the
    /// processor's; a commit writes the pages its messages share once.)
    const MAX_MESSAGES: usize = 128;
    const MAX_BYTES: usize = 1024 * 1024;

    fn push(&mut self, uid: u32, position: String, fetched: Fetch) {
        self.bytes += body(&fetched).len();
        self.uids.push(uid);
        self.positions.push(position);
        self.fetched.push(fetched);
    }

    fn is_full(&self) -> bool {
        self.uids.len() >= Self::MAX_MESSAGES || self.bytes >= Self::MAX_BYTES
    }
}

/// Commits the group in one transaction, logs each message, marks them settled and kicks the
/// processor when something was new. Empties the group.
async fn commit_group(
    f: &Folder<'_>,
    source: &str,
    group: &mut Group,
    stats: &mut FetchStats,
    settled: &mut HashSet<u32>,
) -> Result<(), ImapError> {
    if group.uids.is_empty() {
        return Ok(());
    }
    let Group {
        uids,
        positions,
        fetched,
        ..
    } = std::mem::take(group);
    let (src, now) = (source.to_string(), f.clock.now());
    let (fetched, outcomes) = on_store(f.store, move |s| {
        let items = positions
            .iter()
            .map(String::as_str)
            .zip(fetched.iter().map(body));
        let out = s.store_raw_many(&src, items, now)?;
        Ok((fetched, out))
    })
    .await?;
    let mut new = 0;
    for ((uid, item), outcome) in uids.iter().zip(&fetched).zip(outcomes) {
        let (name, folder, uid) = (f.name, f.folder, *uid);
        let message_id = || RawHead::scan(body(item)).message_id;
        match outcome {
            Stored::New(id) => {
                tracing::info!(
                    source = name,
                    folder,
                    uid,
                    message_id = message_id().as_deref(),
                    message.id = id.0,
                    size = body(item).len(),
                    "stored"
                );
                stats.stored += 1;
                new += 1;
            }
            Stored::SameMessage(id) => {
                tracing::info!(
                    source = name,
                    folder,
                    uid,
                    message_id = message_id().as_deref(),
                    message.id = id.0,
                    "same message stored before"
                );
                stats.duplicates += 1;
            }
            Stored::SeenPosition => stats.known += 1,
        }
        settled.insert(uid);
    }
    if new > 0 {
        if let Some(k) = f.stored {
            k.kick();
        }
    }
    Ok(())
}

/// The configured treatment of messages now safely stored. Refusals (NO/BAD) are logged
/// and leave the message as it is; a broken connection is an error.
async fn after_store(session: &mut Session, f: &Folder<'_>, uids: &[u32]) -> Result<(), ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    let result = match f.after_store {
        AfterStore::Keep => return Ok(()),
        AfterStore::Seen => add_flag(session, &set, "\\Seen").await,
        AfterStore::Move(target) => move_to(session, f.caps, &set, target).await,
    };
    match result {
        Err(ImapError::Imap(
            async_imap::error::Error::No(why) | async_imap::error::Error::Bad(why),
        )) => {
            tracing::warn!(source = f.name, folder = f.folder, uids = %set, after_store = ?f.after_store, reason = %why, "server refused the after-store step; messages left as they are");
            Ok(())
        }
        other => other,
    }
}

async fn add_flag(session: &mut Session, set: &str, flag: &str) -> Result<(), ImapError> {
    let query = format!("+FLAGS.SILENT ({flag})");
    let updates = within("UID STORE", COMMAND_TIMEOUT, session.uid_store(set, &query)).await?;
    within(
        "UID STORE",
        COMMAND_TIMEOUT,
        updates.try_collect::<Vec<_>>(),
    )
    .await?;
    Ok(())
}

async fn move_to(
    session: &mut Session,
    caps: &Caps,
    set: &str,
    target: &str,
) -> Result<(), ImapError> {
    let plan = move_plan(caps);
    match copy_or_move(session, plan, set, target).await {
        // NO [TRYCREATE] (RFC 3501 §6.4.7): the target does not exist yet; make it once.
        Err(ImapError::Imap(async_imap::error::Error::No(_))) => {
            let _ = within("CREATE", COMMAND_TIMEOUT, session.create(target)).await;
            copy_or_move(session, plan, set, target).await?;
        }
        other => other?,
    }
    match plan {
        MovePlan::Move => Ok(()),
        MovePlan::CopyExpunge | MovePlan::CopyDelete => {
            add_flag(session, set, "\\Deleted").await?;
            if plan == MovePlan::CopyExpunge {
                let gone = within("UID EXPUNGE", COMMAND_TIMEOUT, session.uid_expunge(set)).await?;
                within("UID EXPUNGE", COMMAND_TIMEOUT, gone.try_collect::<Vec<_>>()).await?;
            }
            Ok(())
        }
    }
}

async fn copy_or_move(
    session: &mut Session,
    plan: MovePlan,
    set: &str,
    target: &str,
) -> Result<(), ImapError> {
    match plan {
        MovePlan::Move => within("UID MOVE", COMMAND_TIMEOUT, session.uid_mv(set, target)).await,
        _ => within("UID COPY", COMMAND_TIMEOUT, session.uid_copy(set, target)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(uidvalidity: u32, last_uid: u32) -> Option<ImapCursor> {
        Some(ImapCursor {
            uidvalidity,
            last_uid,
        })
    }

    #[test]
    fn the_cursor_counts_only_under_its_uidvalidity() {
        let from_start = Start {
            after: 0,
            reset: true,
        };
        assert_eq!(start(None, 5), from_start);
        assert_eq!(
            start(cur(5, 42), 5),
            Start {
                after: 42,
                reset: false
            }
        );
        // A new UIDVALIDITY: every UID is new, read from the start.
        assert_eq!(start(cur(5, 42), 6), from_start);
        assert_eq!(start(cur(6, 42), 5), from_start);
    }

    #[test]
    fn the_cursor_stops_before_the_first_unsettled_uid() {
        let chunk = [3, 4, 7, 8, 9];
        assert_eq!(settled_up_to(&chunk, |_| true), Some(9));
        assert_eq!(settled_up_to(&chunk, |u| u != 8), Some(7));
        assert_eq!(settled_up_to(&chunk, |u| u != 3), None);
        assert_eq!(settled_up_to(&[], |_| true), None);
    }

    #[test]
    fn uid_sets_fold_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
        assert_eq!(
            uid_set(&[u32::MAX - 1, u32::MAX]),
            format!("{}:{}", u32::MAX - 1, u32::MAX)
        );
    }

    #[test]
    fn moving_uses_the_best_the_server_has() {
        let caps = |names: &[&str]| Caps::from_names(names.iter().copied());
        assert_eq!(move_plan(&caps(&["MOVE", "UIDPLUS"])), MovePlan::Move);
        assert_eq!(move_plan(&caps(&["UIDPLUS"])), MovePlan::CopyExpunge);
        assert_eq!(move_plan(&caps(&[])), MovePlan::CopyDelete);
    }
}
