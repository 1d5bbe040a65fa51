//! Waiting for new mail with IDLE (RFC 2177): the connection stays open and the server
//! pushes `EXISTS`/`RECENT`/`EXPUNGE` as the folder changes.
//!
//! The IDLE is ended (DONE) on a change of the folder, before the server's 30-minute
//! inactivity limit (RFC 2177 §3: re-issue at least every 29 minutes; we do at 25), and on
//! shutdown — which must not wait on the server, so the wait is raced against it. Flag
//! changes by other clients (`FETCH`) do not end it: they bring no new mail.

use super::connect::Session;
use super::{within, ImapError, COMMAND_TIMEOUT};
use crate::lifecycle::Shutdown;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response, Status};
use std::time::Duration;
use tokio::time::Instant;

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The folder changed: sync.
    Changed,
    /// Time to re-issue IDLE (or to poll again): sync, which costs little if nothing is new.
    Renew,
    /// The daemon is stopping.
    Shutdown,
}

/// What a response pushed during IDLE means.
fn wake_for(response: &Response<'_>) -> Result<Option<Wake>, ImapError> {
    match response {
        Response::MailboxData(MailboxDatum::Exists(_) | MailboxDatum::Recent(_))
        | Response::Expunge(_)
        | Response::Vanished { .. } => Ok(Some(Wake::Changed)),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(ImapError::Protocol(format!(
            "server ended the session: {}",
            outcome.information.as_deref().unwrap_or("BYE")
        ))),
        _ => Ok(None),
    }
}

/// IDLEs on the selected folder until it changes, `renew` passes, or shutdown; returns the
/// session, ready for commands again.
pub(crate) async fn idle(
    session: Session,
    shutdown: &mut Shutdown,
    renew: Duration,
    source: &str,
    folder: &str,
) -> Result<(Session, Wake), ImapError> {
    let mut handle = session.idle();
    within("IDLE", COMMAND_TIMEOUT, handle.init()).await?;
    tracing::debug!(source, folder, "idling");
    let until = Instant::now() + renew;
    let wake = loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Wake::Renew;
        }
        let got = {
            // The stop source is dropped with the future: the shutdown branch needs neither.
            let (wait, _stop) = handle.wait_with_timeout(left);
            tokio::select! {
                r = wait => Some(r),
                _ = shutdown.wait() => None,
            }
        };
        match got {
            None => break Wake::Shutdown,
            Some(Ok(IdleResponse::Timeout)) => break Wake::Renew,
            // We never interrupt by hand, so this is the stream ending: the server hung up.
            Some(Ok(IdleResponse::ManualInterrupt)) => {
                return Err(async_imap::error::Error::ConnectionLost.into())
            }
            Some(Ok(IdleResponse::NewData(data))) => {
                if let Some(w) = wake_for(data.parsed())? {
                    break w;
                }
            }
            Some(Err(e)) => return Err(e.into()),
        }
    };
    let session = within("DONE", COMMAND_TIMEOUT, handle.done()).await?;
    Ok((session, wake))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::imap_proto::Outcome;

    #[test]
    fn new_or_removed_mail_wakes_and_flag_changes_do_not() {
        assert_eq!(
            wake_for(&Response::MailboxData(MailboxDatum::Exists(4))).ok(),
            Some(Some(Wake::Changed))
        );
        assert_eq!(
            wake_for(&Response::MailboxData(MailboxDatum::Recent(1))).ok(),
            Some(Some(Wake::Changed))
        );
        assert_eq!(
            wake_for(&Response::Expunge(2)).ok(),
            Some(Some(Wake::Changed))
        );
        assert_eq!(wake_for(&Response::Fetch(3, vec![])).ok(), Some(None));
        let bye = Response::Data {
            status: Status::Bye,
            outcome: Outcome {
                code: None,
                information: Some("shutting down".into()),
            },
        };
        assert!(wake_for(&bye).is_err());
    }
}
