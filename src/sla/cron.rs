//! Periodic jobs of daemon.toml's `[cron]`, run by the SLA service (the next cron time is
//! just another due time of its sleep):
//!
//! - `digest`: to each leader, what waits on them and what is overdue (template `ringkasan`);
//! - `report`: the SLA of every open step, to the head of the unit (role `kepala`; template
//!   `laporan_sla`);
//! - `imap-poll`: a full poll of every IMAP source, beside IDLE (a fallback for servers whose
//!   IDLE misses mail).
//!
//! Expressions are the `cron` crate's: seconds, minutes, hours, day of month, month, day of
//! week (and an optional year), read in daemon.toml's time zone: `"0 0 7 * * Mon-Fri"`.
//!
//! Each run is recorded (`cron_runs`: the scheduled time of the last run) in the transaction
//! that queues its emails, so a restart repeats none. Runs missed while the daemon was down
//! are made up once, not once per missed time. The first start records the present as the
//! starting point: nothing is made up from before suratd ran.

use crate::diag::Diagnostic;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    Digest,
    Report,
    ImapPoll,
}

pub const JOBS: [(&str, JobKind); 3] = [
    ("digest", JobKind::Digest),
    ("report", JobKind::Report),
    ("imap-poll", JobKind::ImapPoll),
];

#[derive(Debug, Clone)]
pub struct CronJob {
    /// Its key in `[cron]`, also its name in `cron_runs`.
    pub name: String,
    pub kind: JobKind,
    pub expr: String,
    pub schedule: cron::Schedule,
}

/// Reads `[cron]`; every problem is added to `diags` at the offending value.
pub fn jobs(
    raw: &BTreeMap<String, toml::Spanned<String>>,
    file: &Path,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<CronJob> {
    let mut out = Vec::new();
    for (key, value) in raw {
        let at = value.span().start;
        let Some(&(name, kind)) = JOBS.iter().find(|(n, _)| n == key) else {
            let known: Vec<&str> = JOBS.iter().map(|(n, _)| *n).collect();
            diags.push(
                Diagnostic::error(file, format!("unknown cron job \"{key}\""))
                    .with_hint(format!("jobs are: {}", known.join(", ")))
                    .at_offset(source, at),
            );
            continue;
        };
        match parse(value.get_ref()) {
            Ok(schedule) => out.push(CronJob {
                name: name.to_string(),
                kind,
                expr: value.get_ref().clone(),
                schedule,
            }),
            Err(why) => diags.push(
                Diagnostic::error(
                    file,
                    format!("bad cron expression \"{}\" for {key}: {why}", value.get_ref()),
                )
                .with_hint("six fields: sec min hour day-of-month month day-of-week, e.g. \"0 0 7 * * Mon-Fri\"")
                .at_offset(source, at),
            ),
        }
    }
    out
}

pub fn parse(expr: &str) -> Result<cron::Schedule, String> {
    let fields = expr.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(format!("{fields} fields, expected 6 or 7 (seconds first)"));
    }
    cron::Schedule::from_str(expr).map_err(|e| e.to_string().to_lowercase())
}

/// The first time of `schedule` after `after`, in zone `tz`.
pub fn next_after(
    schedule: &cron::Schedule,
    tz: FixedOffset,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    schedule
        .after(&after.with_timezone(&tz))
        .next()
        .map(|t| t.with_timezone(&Utc))
}

/// The latest time of `schedule` in `(after, now]`, if any: the run to make now (missed
/// runs are made up once).
pub fn latest_due(
    schedule: &cron::Schedule,
    tz: FixedOffset,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut due = None;
    // Bounded: a job every second missed for a day is 86 400 times; more is cut short and
    // the next pass continues from there.
    for t in schedule
        .after(&after.with_timezone(&tz))
        .take(100_000)
        .map(|t| t.with_timezone(&Utc))
    {
        if t > now {
            break;
        }
        due = Some(t);
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("t")
            .with_timezone(&Utc)
    }

    fn wib() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).expect("offset")
    }

    #[test]
    fn weekday_mornings_in_the_local_zone() {
        let s = parse("0 0 7 * * Mon-Fri").expect("valid");
        // Friday 6 March 2026 08:00 WIB → Monday 07:00 WIB = 00:00 UTC.
        assert_eq!(
            next_after(&s, wib(), utc("2026-03-06T01:00:00Z")),
            Some(utc("2026-03-09T00:00:00Z"))
        );
    }

    #[test]
    fn missed_runs_are_made_up_once() {
        let s = parse("0 0 7 * * *").expect("valid");
        // Down from Monday 06:00 WIB to Thursday 09:00 WIB: one run, Thursday's.
        assert_eq!(
            latest_due(
                &s,
                wib(),
                utc("2026-03-01T23:00:00Z"),
                utc("2026-03-05T02:00:00Z")
            ),
            Some(utc("2026-03-05T00:00:00Z"))
        );
        assert_eq!(
            latest_due(
                &s,
                wib(),
                utc("2026-03-05T00:00:00Z"),
                utc("2026-03-05T02:00:00Z")
            ),
            None
        );
    }

    #[test]
    fn config_errors_point_at_the_value() {
        let src = "[cron]\ndigest = \"0 7 * * Mon-Fri\"\nweekly = \"0 0 7 * * Mon\"\nreport = \"0 0 25 * * *\"\n";
        #[derive(serde::Deserialize)]
        struct Raw {
            cron: BTreeMap<String, toml::Spanned<String>>,
        }
        let raw: Raw = toml::from_str(src).expect("toml");
        let mut diags = Vec::new();
        let jobs = jobs(&raw.cron, Path::new("daemon.toml"), src, &mut diags);
        assert!(jobs.is_empty());
        let shown: Vec<String> = diags.iter().map(|d| d.headline()).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert_eq!(
            shown[0],
            "daemon.toml:2:10: error: bad cron expression \"0 7 * * Mon-Fri\" for digest: 5 fields, expected 6 or 7 (seconds first) (hint: six fields: sec min hour day-of-month month day-of-week, e.g. \"0 0 7 * * Mon-Fri\")"
        );
        assert!(
            shown[1].starts_with(
                "daemon.toml:4:10: error: bad cron expression \"0 0 25 * * *\" for report: "
            ),
            "{}",
            shown[1]
        );
        assert_eq!(
            shown[2],
            "daemon.toml:3:10: error: unknown cron job \"weekly\" (hint: jobs are: digest, report, imap-poll)"
        );
    }
}
