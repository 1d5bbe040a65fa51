//! Waiting for new mail with IDLE (RFC 2177): the connection stays open and the server
//! pushes `EXISTS`/`RECENT`/`EXPUNGE` as the folder changes.
//!
//! The IDLE is ended (DONE) on a change of the folder, before the server's 30-minute
//! inactivity limit (RFC 2177 §3: re-issue at least every 29 minutes; we do at 25), and on
//! shutdown — which must not wait on the server, so the wait is raced against it. Flag
//! changes by other clients (`FETCH`) do not end it: they bring no new mail.

use super::connect::Session;
use super::{within, ImapError, COMMAND_TIMEOUT, LOGOUT_TIMEOUT};
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
        let got = {
            // async-imap's own timeout restarts at every response, and servers send
            // keepalives ("* OK Still here") more often than `renew`: the deadline is ours.
            // The stop source goes with the future; nothing else needs it.
            let (wait, _stop) = handle.wait_with_timeout(renew);
            tokio::select! {
                r = wait => Some(r),
                _ = tokio::time::sleep_until(until) => Some(Ok(IdleResponse::Timeout)),
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
    // At shutdown the server gets a moment to answer DONE, not the usual two minutes.
    let limit = if wake == Wake::Shutdown {
        LOGOUT_TIMEOUT
    } else {
        COMMAND_TIMEOUT
    };
    let session = within("DONE", limit, handle.done()).await?;
    Ok((session, wake))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::ShutdownTrigger;
    use async_imap::imap_proto::Outcome;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

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

    /// A scripted server on an in-memory pipe: accepts LOGIN, answers IDLE with `+`, then
    /// sends `pushes` (one line each, `every` apart, repeating the last) until DONE.
    async fn server(io: DuplexStream, pushes: &'static [&'static str], every: Duration) {
        let (r, mut w) = tokio::io::split(io);
        let mut lines = BufReader::new(r).lines();
        let _ = w.write_all(b"* OK ready\r\n").await;
        while let Ok(Some(line)) = lines.next_line().await {
            let tag = line.split(' ').next().unwrap_or("").to_string();
            if line.contains(" LOGIN ") {
                let _ = w
                    .write_all(format!("{tag} OK logged in\r\n").as_bytes())
                    .await;
            } else if line.ends_with(" IDLE") {
                let _ = w.write_all(b"+ idling\r\n").await;
                let mut i = 0;
                loop {
                    tokio::select! {
                        next = lines.next_line() => {
                            if matches!(next, Ok(Some(ref l)) if l == "DONE") {
                                let done = format!("{tag} OK Idle completed\r\n");
                                let _ = w.write_all(done.as_bytes()).await;
                            }
                            break;
                        }
                        _ = tokio::time::sleep(every) => {
                            let push = pushes[i.min(pushes.len() - 1)];
                            i += 1;
                            let _ = w.write_all(format!("{push}\r\n").as_bytes()).await;
                        }
                    }
                }
            }
        }
    }

    async fn session(pushes: &'static [&'static str], every: Duration) -> Session {
        let (client, server_end) = tokio::io::duplex(4096);
        tokio::spawn(server(server_end, pushes, every));
        let mut client =
            async_imap::Client::new(Box::new(client) as Box<dyn super::super::connect::Io>);
        client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting");
        client
            .login("u", "p")
            .await
            .map_err(|(e, _)| e)
            .expect("login")
    }

    #[tokio::test]
    async fn renews_on_time_although_keepalives_keep_coming() {
        let s = session(&["* OK Still here"], Duration::from_millis(20)).await;
        let mut never = Shutdown::never();
        let t = std::time::Instant::now();
        let (_s, wake) = tokio::time::timeout(
            Duration::from_secs(10),
            idle(s, &mut never, Duration::from_millis(300), "t", "INBOX"),
        )
        .await
        .expect("idle returns")
        .expect("idle ok");
        assert_eq!(wake, Wake::Renew);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    #[tokio::test]
    async fn new_mail_wakes_but_flag_changes_do_not() {
        let pushes = &[
            "* 1 FETCH (FLAGS (\\Seen))",
            "* OK Still here",
            "* 4 EXISTS",
        ];
        let s = session(pushes, Duration::from_millis(20)).await;
        let mut never = Shutdown::never();
        let (_s, wake) = idle(s, &mut never, Duration::from_secs(600), "t", "INBOX")
            .await
            .expect("idle ok");
        assert_eq!(wake, Wake::Changed);
    }

    #[tokio::test]
    async fn shutdown_ends_idle_at_once() {
        let s = session(&["* OK Still here"], Duration::from_secs(3600)).await;
        let (trigger, mut shutdown) = ShutdownTrigger::new();
        trigger.trigger();
        let (_s, wake) = tokio::time::timeout(
            Duration::from_secs(5),
            idle(s, &mut shutdown, Duration::from_secs(600), "t", "INBOX"),
        )
        .await
        .expect("prompt")
        .expect("idle ok");
        assert_eq!(wake, Wake::Shutdown);
    }
}
