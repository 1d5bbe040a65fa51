//! The SLA: every step of an SOP on a clock, with reminders and escalations.
//!
//! - [`calendar`]: the working-time calendar (zone, hours, holidays) and its arithmetic;
//!   [`calendar_file`] reads `rules/calendar.toml` with diagnostics.
//! - [`deadline`]: a step's clock (calendar or working seconds), pausing while the ticket
//!   waits on the requester. Pure.
//! - [`chain`]: who a reminder or an escalation goes to.
//! - [`cron`]: periodic jobs of daemon.toml (digest, weekly report, IMAP poll fallback).
//! - [`engine`]: the pass that starts, pauses, resumes and stops clocks as tickets move, and
//!   fires due alerts through the outbox, recorded as events.

//! - [`service`]: the daemon's SLA service: sleeps until the next due alert or cron time, or
//!   a kick from the processor — never a periodic sweep.
//!
//! See docs/sla.md.

use crate::config::Config;
use crate::diag::Diagnostic;
use chrono::{Datelike, NaiveDate};
use std::path::PathBuf;

pub mod calendar;
pub mod calendar_file;
pub mod chain;
pub mod cron;
pub mod deadline;
pub mod engine;
pub mod jobs;
pub mod overview;
pub mod service;

#[cfg(test)]
mod tests;

pub use calendar::Calendar;
pub use engine::{Sla, SlaStats};

/// The calendar's file name, in the rules directory.
pub const CALENDAR_FILE: &str = "calendar.toml";

pub fn calendar_path(config: &Config) -> PathBuf {
    config.rules_dir.join(CALENDAR_FILE)
}

/// The calendar of `config` (the built-in WIB office hours in daemon.toml's zone when there
/// is no file; `None` when the file has errors), and what `suratd check` should say about it
/// on `today` (see [`uncovered_year`]).
pub fn load_calendar(config: &Config, today: NaiveDate) -> (Option<Calendar>, Vec<Diagnostic>) {
    let path = calendar_path(config);
    match std::fs::read_to_string(&path) {
        Ok(src) => {
            let (cal, mut diags) = calendar_file::parse(&path, &src);
            if let Some(year) = cal.as_ref().and_then(|c| uncovered_year(c, today)) {
                diags.push(
                    Diagnostic::warning(
                        &path,
                        format!(
                            "the calendar lists no day off in {year}: working-time deadlines in {year} count every weekday as worked, holidays included"
                        ),
                    )
                    .with_hint(format!(
                        "add {year}'s libur nasional and cuti bersama (SKB 3 Menteri) as [[day_off]] entries, see docs/sla.md"
                    )),
                );
            }
            if let Some(c) = cal.as_ref().filter(|c| c.offset != config.timezone.offset) {
                diags.push(
                    Diagnostic::warning(
                        &path,
                        format!(
                            "the calendar's time zone {} differs from daemon.toml's {}",
                            c.zone, config.timezone.name
                        ),
                    )
                    .with_hint("deadlines follow the calendar, cron jobs daemon.toml: make them agree unless that is meant"),
                );
            }
            (cal, diags)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut c = Calendar::default_wib();
            c.zone = config.timezone.name.to_string();
            c.offset = config.timezone.offset;
            let warn = Diagnostic::warning(
                &path,
                "no working-time calendar: deadlines use Mon–Fri office hours and no holidays",
            )
            .with_hint("ship rules/calendar.toml (see docs/sla.md)");
            (Some(c), vec![warn])
        }
        Err(e) => (
            None,
            vec![Diagnostic::error(&path, format!("cannot read: {e}"))],
        ),
    }
}

/// How long before a new year its days off should be in the calendar: deadlines of tickets
/// opened in late December already reach into January.
const YEAR_AHEAD_FROM: (u32, u32) = (11, 1);

/// The year whose days off a calendar that lists any should list but does not: this year, or
/// from 1 November the next one (the government publishes the next year's SKB in September to
/// November). A calendar with no day off at all is taken as meant that way.
pub fn uncovered_year(cal: &Calendar, today: NaiveDate) -> Option<i32> {
    if cal.days_off.is_empty() {
        return None;
    }
    let lists = |y: i32| {
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ) else {
            return true;
        };
        cal.days_off.range(from..=to).next().is_some()
    };
    let this = today.year();
    let ahead = (today.month(), today.day()) >= YEAR_AHEAD_FROM;
    [Some(this), ahead.then_some(this + 1)]
        .into_iter()
        .flatten()
        .find(|&y| !lists(y))
}
