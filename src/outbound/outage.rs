//! One log line per change of the mail server's state instead of one per email per retry.
//!
//! While the server is down every queued email is retried on its own backoff, and each retry
//! fails. Logging each (as suratd did: 8323 lines in a two-minute outage) buries what the
//! admin needs: that the server is down, since when, and how much waits. [`OutageLog`]
//! follows the state from the outcomes of the attempts and says when to log what:
//!
//! - the first temporary failure after a success (or at start): **down**, with the number of
//!   emails waiting;
//! - while it lasts, at most one **still down** summary per [`SUMMARY_EVERY`];
//! - the first success after that, once the pass ends: **back**, with how long it lasted and
//!   how many emails that pass delivered.
//!
//! Each attempt's detail (message, recipients, error, next retry) is still logged, at debug.
//! A success that follows failures in the same pass and is followed by another failure is a
//! flapping server: the outage goes on, without a new "down" line.

use chrono::{DateTime, Duration, Utc};

/// At most one "still down" line per this much time.
pub const SUMMARY_EVERY: Duration = Duration::seconds(60);

/// What to log, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The server stopped taking email.
    Down,
    /// Still down: since when, and how many attempts failed since the last line.
    StillDown { since: DateTime<Utc>, failed: usize },
    /// The server takes email again: the outage lasted from `since`; the pass delivered
    /// `delivered`.
    Back {
        since: DateTime<Utc>,
        delivered: usize,
    },
}

#[derive(Debug, Default)]
pub struct OutageLog {
    /// Down since, while down.
    down: Option<DateTime<Utc>>,
    /// Came back during the current pass: the outage's start and the emails sent since.
    back: Option<(DateTime<Utc>, usize)>,
    last_line: Option<DateTime<Utc>>,
    failed_since_line: usize,
}

impl OutageLog {
    /// A temporary failure at `now`.
    pub fn failed(&mut self, now: DateTime<Utc>) -> Option<Line> {
        if let Some((since, _)) = self.back.take() {
            // Back and down again in one pass: the same outage.
            self.down = Some(since);
        }
        let Some(since) = self.down else {
            self.down = Some(now);
            self.last_line = Some(now);
            self.failed_since_line = 0;
            return Some(Line::Down);
        };
        self.failed_since_line += 1;
        if self.last_line.is_some_and(|t| now - t < SUMMARY_EVERY) {
            return None;
        }
        self.last_line = Some(now);
        let failed = std::mem::take(&mut self.failed_since_line);
        Some(Line::StillDown { since, failed })
    }

    /// An email delivered.
    pub fn sent(&mut self) {
        if let Some(since) = self.down.take() {
            self.back = Some((since, 0));
        }
        if let Some((_, n)) = &mut self.back {
            *n += 1;
        }
    }

    /// The end of a delivery pass: "back" if the server came back during it.
    pub fn pass_done(&mut self) -> Option<Line> {
        let (since, delivered) = self.back.take()?;
        self.last_line = None;
        self.failed_since_line = 0;
        Some(Line::Back { since, delivered })
    }

    pub fn is_down(&self) -> bool {
        self.down.is_some()
    }
}

/// Logs one outage line (`reason`: the last error, if any), with the number of emails waiting.
pub(super) fn log(
    via: &super::service::Transport,
    store: &crate::store::Store,
    now: DateTime<Utc>,
    line: Line,
    reason: &str,
) {
    // The count is for people; a database error here only loses the number.
    let waiting = store.queued_count().unwrap_or_default();
    match line {
        Line::Down => tracing::warn!(
            %via, waiting, error = %reason,
            "mail server unreachable: {waiting} emails waiting; retrying each with backoff (per-email detail at debug level)"
        ),
        Line::StillDown { since, failed } => tracing::warn!(
            %via, waiting, failed_attempts = failed, down_secs = (now - since).num_seconds(),
            since = %since.to_rfc3339(), error = %reason,
            "mail server still unreachable: {waiting} emails waiting"
        ),
        Line::Back { since, delivered } => tracing::info!(
            %via, delivered, waiting, down_secs = (now - since).num_seconds(),
            "mail server back: delivered {delivered} emails"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn clock() -> ManualClock {
        ManualClock::new(
            DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
                .expect("t")
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn an_outage_is_one_line_down_a_summary_a_minute_and_one_line_back() {
        let c = clock();
        let t0 = c.now();
        let mut log = OutageLog::default();
        // Nothing is said about successes while the server works.
        log.sent();
        assert_eq!(log.pass_done(), None);
        // 250 emails fail every second for two minutes: 1 + 2 lines, not 30,000.
        let mut lines = Vec::new();
        for _ in 0..=120 {
            for _ in 0..250 {
                lines.extend(log.failed(c.now()));
            }
            assert_eq!(log.pass_done(), None);
            c.advance(Duration::seconds(1));
        }
        assert!(log.is_down());
        assert_eq!(
            lines,
            vec![
                Line::Down,
                Line::StillDown {
                    since: t0,
                    failed: 60 * 250
                },
                Line::StillDown {
                    since: t0,
                    failed: 60 * 250
                },
            ]
        );
        // It comes back: one line when the pass ends, with what it delivered.
        for _ in 0..250 {
            log.sent();
        }
        assert!(!log.is_down());
        assert_eq!(
            log.pass_done(),
            Some(Line::Back {
                since: t0,
                delivered: 250
            })
        );
        assert_eq!(log.pass_done(), None);
        // The next outage starts with its own "down" line.
        assert_eq!(log.failed(c.now()), Some(Line::Down));
    }

    #[test]
    fn a_flapping_server_in_one_pass_is_the_same_outage() {
        let c = clock();
        let t0 = c.now();
        let mut log = OutageLog::default();
        assert_eq!(log.failed(c.now()), Some(Line::Down));
        c.advance(Duration::seconds(10));
        log.sent();
        assert_eq!(log.failed(c.now()), None, "no second 'down' line");
        c.advance(Duration::seconds(50));
        assert_eq!(
            log.failed(c.now()),
            Some(Line::StillDown {
                since: t0,
                failed: 2
            })
        );
        log.sent();
        log.sent();
        assert_eq!(
            log.pass_done(),
            Some(Line::Back {
                since: t0,
                delivered: 2
            })
        );
    }
}
