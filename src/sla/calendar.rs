//! The working-time calendar and the arithmetic on it. Pure: no I/O, no clock.
//!
//! A calendar is a fixed UTC offset (WIB +07, WITA +08, WIT +09: Indonesia has no daylight
//! saving time), the working periods of each weekday (breaks are the gaps between periods),
//! and the dates that are not working days (national holidays and cuti bersama).
//!
//! Periods are half-open for "is it working time now" (`[07:30, 12:00)`), while a deadline
//! may fall *on* the end of a period: a step due "by the end of the working day" is due at
//! 16:00, not at 07:30 the next working day. So every deadline computed here lies in
//! `(start, end]` of some working period.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use std::collections::BTreeMap;

/// How far ahead the arithmetic looks for working time before it gives up (a calendar
/// without any working day would otherwise loop forever). Ten years.
const HORIZON_DAYS: i64 = 3660;

/// A working period of a day, in seconds after local midnight: `start < end <= 86400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: u32,
    pub end: u32,
}

impl Period {
    pub fn seconds(self) -> i64 {
        i64::from(self.end - self.start)
    }
}

/// Why a date is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOffKind {
    /// Hari libur nasional.
    Libur,
    /// Cuti bersama.
    CutiBersama,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOff {
    pub kind: DayOffKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Time zone name as written (`Asia/Jakarta`).
    pub zone: String,
    pub offset: FixedOffset,
    /// Index 0 = Monday … 6 = Sunday; sorted, non-overlapping.
    pub week: [Vec<Period>; 7],
    pub days_off: BTreeMap<NaiveDate, DayOff>,
}

fn hm(h: u32, m: u32) -> u32 {
    h * 3600 + m * 60
}

impl Calendar {
    /// The usual Indonesian government hours in WIB with no holidays: Mon–Thu 07:30–16:00,
    /// Fri 07:30–16:30, break 12:00–13:00 (Fri 11:30–13:00). Used when no calendar file exists.
    pub fn default_wib() -> Calendar {
        let mon_thu = vec![
            Period {
                start: hm(7, 30),
                end: hm(12, 0),
            },
            Period {
                start: hm(13, 0),
                end: hm(16, 0),
            },
        ];
        let fri = vec![
            Period {
                start: hm(7, 30),
                end: hm(11, 30),
            },
            Period {
                start: hm(13, 0),
                end: hm(16, 30),
            },
        ];
        Calendar {
            zone: "Asia/Jakarta".into(),
            offset: FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc)),
            week: [
                mon_thu.clone(),
                mon_thu.clone(),
                mon_thu.clone(),
                mon_thu,
                fri,
                Vec::new(),
                Vec::new(),
            ],
            days_off: BTreeMap::new(),
        }
    }

    /// The working periods of a local date (none on a weekend or a day off).
    pub fn periods(&self, date: NaiveDate) -> &[Period] {
        if self.days_off.contains_key(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.periods(date).is_empty()
    }

    /// The instant `secs` after local midnight of `date`.
    fn at(&self, date: NaiveDate, secs: u32) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        let local = midnight - Duration::seconds(i64::from(self.offset.local_minus_utc()));
        Utc.from_utc_datetime(&local) + Duration::seconds(i64::from(secs))
    }

    /// Local date and seconds after local midnight of an instant.
    fn local(&self, t: DateTime<Utc>) -> (NaiveDate, u32) {
        let l = t.with_timezone(&self.offset);
        (l.date_naive(), l.time().num_seconds_from_midnight())
    }

    /// Whether `t` is working time (`[start, end)` of a period).
    pub fn is_working(&self, t: DateTime<Utc>) -> bool {
        let (d, s) = self.local(t);
        self.periods(d).iter().any(|p| p.start <= s && s < p.end)
    }

    /// Whether `t` may be a deadline: in `(start, end]` of a period.
    pub fn is_deadline_instant(&self, t: DateTime<Utc>) -> bool {
        let (d, s) = self.local(t);
        let sub = s == 0 && self.is_end_of(d.pred_opt(), 86_400);
        sub || self.periods(d).iter().any(|p| p.start < s && s <= p.end)
    }

    fn is_end_of(&self, d: Option<NaiveDate>, secs: u32) -> bool {
        d.is_some_and(|d| self.periods(d).iter().any(|p| p.end == secs))
    }

    /// The working periods from `t` on, as absolute `(from, to)` instants, the first one cut
    /// at `t`. Stops at the horizon.
    fn segments_from(
        &self,
        t: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let (d0, _) = self.local(t);
        (0..HORIZON_DAYS)
            .filter_map(move |i| d0.checked_add_signed(Duration::days(i)))
            .flat_map(move |d| {
                self.periods(d)
                    .iter()
                    .map(move |p| (self.at(d, p.start), self.at(d, p.end)))
            })
            .filter(move |&(_, to)| to > t)
            .map(move |(from, to)| (from.max(t), to))
    }

    /// The first working instant at or after `t`.
    pub fn next_working(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.segments_from(t).next().map(|(from, _)| from)
    }

    /// The instant when `secs` seconds of working time have passed since `t`
    /// (`secs > 0`; for 0, `t` itself).
    pub fn add_working(&self, t: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        if secs <= 0 {
            return Some(t);
        }
        let mut left = secs;
        for (from, to) in self.segments_from(t) {
            let span = (to - from).num_seconds();
            if left <= span {
                return Some(from + Duration::seconds(left));
            }
            left -= span;
        }
        None
    }

    /// Working seconds in `[a, b)` (0 when `b <= a`).
    pub fn working_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        for (from, to) in self.segments_from(a) {
            if from >= b {
                break;
            }
            total += (to.min(b) - from).num_seconds();
        }
        total
    }

    /// `n` working days after `t` (`n >= 1`): the same time of day on the `n`-th working day
    /// after, so Thursday 14:00 + 1 working day is Friday 14:00. When the office is not open
    /// at that time of that day (its break, or it closes earlier), the end of the last working
    /// period before it. Started outside working time, the clock starts at the next working
    /// instant; started at the very opening of a working day, one working day ends at the
    /// close of that same day.
    pub fn add_working_days(&self, t: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
        let s = self.next_working(t)?;
        let (d0, secs) = self.local(s);
        let opening = self.periods(d0).first().is_some_and(|p| p.start == secs);
        let mut day = d0;
        let mut left = if opening { n.saturating_sub(1) } else { n };
        let mut guard = 0;
        while left > 0 {
            day = day.succ_opt()?;
            guard += 1;
            if guard > HORIZON_DAYS {
                return None;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        let periods = self.periods(day);
        let close = periods.last()?;
        if opening {
            return Some(self.at(day, close.end));
        }
        if periods.iter().any(|p| p.start < secs && secs <= p.end) {
            return Some(self.at(day, secs));
        }
        if let Some(p) = periods.iter().rev().find(|p| p.end < secs) {
            return Some(self.at(day, p.end));
        }
        // The day opens after that time: its first working minute still counts as a day.
        let first = periods.first()?;
        Some(self.at(day, first.start.saturating_add(60).min(first.end)))
    }

    /// The local date-time of `t`, for people: `2026-03-25 09:15 WIB`.
    pub fn show(&self, t: DateTime<Utc>) -> String {
        let abbr = match self.offset.local_minus_utc() / 3600 {
            7 => "WIB",
            8 => "WITA",
            9 => "WIT",
            _ => "",
        };
        let l = t.with_timezone(&self.offset);
        let s = l.format("%Y-%m-%d %H:%M").to_string();
        if abbr.is_empty() {
            format!("{s} {}", l.format("%:z"))
        } else {
            format!("{s} {abbr}")
        }
    }
}

/// Weekday names as the calendar file writes them, Monday first.
pub const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// A duration of working time in words, for people: `2 j 15 m`.
pub fn show_seconds(secs: i64) -> String {
    let m = secs.unsigned_abs().div_ceil(60);
    let (h, m) = (m / 60, m % 60);
    match (h, m) {
        (0, m) => format!("{m} m"),
        (h, 0) => format!("{h} j"),
        (h, m) => format!("{h} j {m} m"),
    }
}

use chrono::Timelike;
