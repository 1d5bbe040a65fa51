//! A step's SLA clock, pure: when it is due, how much is left, pausing and resuming.
//!
//! A clock measures one step against its time standard, either in calendar seconds or in
//! working seconds of the [`Calendar`]. Working days are turned into working seconds when the
//! step starts (the working time between the start and the same point `n` working days
//! later), so fractions (a reminder at 75 %), pauses and resumptions are all plain working
//! seconds afterwards.
//!
//! The clock pauses while the ticket waits on the requester (missing data): the time used so
//! far is kept, and on resumption every alert is due again after the time that was left.

use super::calendar::Calendar;
use crate::rules::{TimeStandard, TimeUnit};
use chrono::{DateTime, Duration, Utc};

/// What the clock counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Calendar,
    Working,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Calendar => "calendar",
            Measure::Working => "working",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        match s {
            "calendar" => Some(Measure::Calendar),
            "working" => Some(Measure::Working),
            _ => None,
        }
    }
}

/// The state of one step's clock, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepClock {
    pub measure: Measure,
    /// The whole time standard, in seconds of `measure`.
    pub total: i64,
    /// Seconds used before `running_since`.
    pub used: i64,
    /// Running since this instant; `None` while paused.
    pub running_since: Option<DateTime<Utc>>,
}

impl StepClock {
    /// A clock for `sla` starting at `at` (paused from the start when `paused`). `None` only
    /// when the calendar has no working time within its horizon.
    pub fn start(
        sla: &TimeStandard,
        cal: &Calendar,
        at: DateTime<Utc>,
        paused: bool,
    ) -> Option<StepClock> {
        let a = i64::from(sla.amount);
        let (measure, total) = match sla.unit {
            TimeUnit::Minutes => (Measure::Calendar, a * 60),
            TimeUnit::Hours => (Measure::Calendar, a * 3600),
            TimeUnit::Days => (Measure::Calendar, a * 86_400),
            TimeUnit::WorkingMinutes => (Measure::Working, a * 60),
            TimeUnit::WorkingHours => (Measure::Working, a * 3600),
            TimeUnit::WorkingDays => {
                let end = cal.add_working_days(at, sla.amount)?;
                (Measure::Working, cal.working_between(at, end))
            }
        };
        Some(StepClock {
            measure,
            total,
            used: 0,
            running_since: (!paused).then_some(at),
        })
    }

    fn elapsed(&self, cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match self.measure {
            Measure::Calendar => (to - from).num_seconds().max(0),
            Measure::Working => cal.working_between(from, to),
        }
    }

    fn add(&self, cal: &Calendar, from: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        match self.measure {
            Measure::Calendar => from.checked_add_signed(Duration::seconds(secs)),
            Measure::Working => cal.add_working(from, secs),
        }
    }

    /// Seconds used by `now`.
    pub fn used_at(&self, cal: &Calendar, now: DateTime<Utc>) -> i64 {
        self.used
            + self
                .running_since
                .map_or(0, |since| self.elapsed(cal, since, now))
    }

    /// When `percent` % of the time standard is used up; `None` while paused. Already
    /// used up: the instant the clock (re)started.
    pub fn due(&self, cal: &Calendar, percent: u32) -> Option<DateTime<Utc>> {
        let since = self.running_since?;
        let target = self.total * i64::from(percent) / 100;
        self.add(cal, since, (target - self.used).max(0))
    }

    /// Seconds left until 100 % at `now` (negative when overdue), in the clock's measure.
    pub fn left(&self, cal: &Calendar, now: DateTime<Utc>) -> i64 {
        self.total - self.used_at(cal, now)
    }

    pub fn pause(&mut self, cal: &Calendar, at: DateTime<Utc>) {
        if self.running_since.is_some() {
            self.used = self.used_at(cal, at);
            self.running_since = None;
        }
    }

    pub fn resume(&mut self, at: DateTime<Utc>) {
        if self.running_since.is_none() {
            self.running_since = Some(at);
        }
    }
}
