//! Time standards (Mutu Baku) as written in SOPs: "5 menit", "1 x 24 jam hari kerja".
//!
//! Parsing only: what a time standard *means* on the calendar (working hours, holidays) is
//! the SLA module's business. Accepted forms, Indonesian and English, case-insensitive:
//!
//! - `<n> <unit>` with unit menit/minutes, jam/hours, hari/days: "5 menit", "2 hours";
//! - the same followed by `kerja` / preceded by `working`/`business`: "30 menit kerja",
//!   "4 jam kerja", "1 hari kerja", "1 working day" — counted on the working-time calendar;
//! - `<n> x 24 jam` (= n days) and `<n> x 24 jam hari kerja` / `<n> x 24 jam kerja`
//!   (= n **working days**, the usual reading of this SOP idiom); `<n> x <m> jam` = n·m hours;
//! - a bare number: minutes, as in SOP tables whose column is headed "Waktu / menit".
//!
//! Decision: "1 x 24 jam hari kerja" is one working day, not 24 working-clock hours (which
//! would be three working days). A rule file that means 24 working-clock hours writes
//! "24 jam kerja".

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
    WorkingMinutes,
    WorkingHours,
    WorkingDays,
}

impl TimeUnit {
    /// True for units counted on the working-time calendar.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            TimeUnit::WorkingMinutes | TimeUnit::WorkingHours | TimeUnit::WorkingDays
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeStandard {
    pub amount: u32,
    pub unit: TimeUnit,
    /// As written in the rule file.
    pub text: String,
}

/// The forms [`TimeStandard::parse`] accepts, for error messages and hints.
pub const ACCEPTED_FORMS: &str = "\"5 menit\", \"2 jam\", \"3 hari\", \"30 menit kerja\", \
\"4 jam kerja\", \"1 hari kerja\", \"1 x 24 jam hari kerja\", \"30 minutes\", \"2 hours\", \
\"1 working day\", or bare minutes such as \"120\"";

/// Why a time standard could not be read. `problem` is lowercase and quotes the bad part;
/// the `Display` adds the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}; accepted forms: {ACCEPTED_FORMS}")]
pub struct TimeStdError {
    pub problem: String,
}

fn err(problem: impl Into<String>) -> TimeStdError {
    TimeStdError {
        problem: problem.into(),
    }
}

impl TimeStandard {
    pub fn parse(text: &str) -> Result<TimeStandard, TimeStdError> {
        let written = text.trim();
        let lower = written.to_lowercase();
        // "1x24 jam" and "1 x 24 jam" are both common: make the x a word of its own.
        let spaced = spread_times_sign(&lower);
        let words: Vec<&str> = spaced
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Err(err("empty time standard"));
        }
        let first = number(words[0])
            .ok_or_else(|| err(format!("expected a number first, found \"{}\"", words[0])))?;
        let mut rest = &words[1..];
        let mut amount = first;
        // `<n> x <m> jam`: n·m hours, or n (working) days when m is 24.
        let mut times_24 = false;
        if let Some((&"x", after)) = rest.split_first() {
            let (m_word, after) = after
                .split_first()
                .ok_or_else(|| err(format!("expected a number after \"x\" in \"{written}\"")))?;
            let m = number(m_word)
                .ok_or_else(|| err(format!("expected a number after \"x\", found \"{m_word}\"")))?;
            amount = first
                .checked_mul(m)
                .ok_or_else(|| err(format!("\"{written}\" is too long")))?;
            times_24 = m == 24;
            rest = after;
        }
        if rest.is_empty() {
            if times_24 || amount != first {
                return Err(err(format!("missing a unit after \"{written}\"")));
            }
            // A bare number: the "Waktu / menit" column of an SOP table.
            return finish(amount, TimeUnit::Minutes, written);
        }
        let mut working = false;
        if matches!(rest[0], "working" | "business") {
            working = true;
            rest = &rest[1..];
        }
        let (unit_word, mut rest) = rest
            .split_first()
            .ok_or_else(|| err(format!("missing a unit after \"{written}\"")))?;
        let base = unit(unit_word).ok_or_else(|| err(format!("unknown unit \"{unit_word}\"")))?;
        // Trailing "kerja", "hari kerja" (after jam), "working".
        match rest {
            [] => {}
            ["kerja"] | ["working"] => {
                working = true;
                rest = &[];
            }
            ["hari", "kerja"] if base == Base::Hours => {
                working = true;
                rest = &[];
            }
            _ => {}
        }
        if let Some(extra) = rest.first() {
            return Err(err(format!("unexpected \"{extra}\" in \"{written}\"")));
        }
        let (amount, unit) = match (base, times_24) {
            // "1 x 24 jam" is a day; with "kerja" a working day (see the module doc).
            (Base::Hours, true) => (first, days(working)),
            (Base::Hours, false) => (amount, hours(working)),
            (Base::Minutes, _) => (amount, minutes(working)),
            (Base::Days, _) => (amount, days(working)),
        };
        finish(amount, unit, written)
    }

    /// The duration in minutes for calendar units; `None` for working-time units, which only
    /// the working-time calendar can turn into a deadline.
    pub fn calendar_minutes(&self) -> Option<u64> {
        let a = u64::from(self.amount);
        match self.unit {
            TimeUnit::Minutes => Some(a),
            TimeUnit::Hours => Some(a * 60),
            TimeUnit::Days => Some(a * 24 * 60),
            _ => None,
        }
    }
}

impl std::str::FromStr for TimeStandard {
    type Err = TimeStdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeStandard::parse(s)
    }
}

impl fmt::Display for TimeStandard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Minutes,
    Hours,
    Days,
}

fn finish(amount: u32, unit: TimeUnit, written: &str) -> Result<TimeStandard, TimeStdError> {
    if amount == 0 {
        return Err(err(format!("\"{written}\" is no time at all")));
    }
    Ok(TimeStandard {
        amount,
        unit,
        text: written.to_owned(),
    })
}

fn number(w: &str) -> Option<u32> {
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}

fn unit(w: &str) -> Option<Base> {
    Some(match w {
        "menit" | "mnt" | "minute" | "minutes" | "min" | "mins" => Base::Minutes,
        "jam" | "hour" | "hours" | "hr" | "hrs" => Base::Hours,
        "hari" | "day" | "days" => Base::Days,
        _ => return None,
    })
}

fn minutes(working: bool) -> TimeUnit {
    if working {
        TimeUnit::WorkingMinutes
    } else {
        TimeUnit::Minutes
    }
}

fn hours(working: bool) -> TimeUnit {
    if working {
        TimeUnit::WorkingHours
    } else {
        TimeUnit::Hours
    }
}

fn days(working: bool) -> TimeUnit {
    if working {
        TimeUnit::WorkingDays
    } else {
        TimeUnit::Days
    }
}

/// "1x24" → "1 x 24", so the multiplication sign is a word.
fn spread_times_sign(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let is_times = (c == 'x' || c == '×' || c == '*')
            && i > 0
            && i + 1 < chars.len()
            && is_num_side(chars[i - 1])
            && is_num_side(chars[i + 1]);
        if is_times {
            out.push_str(" x ");
        } else {
            out.push(c);
        }
    }
    out
}

fn is_num_side(c: char) -> bool {
    c.is_ascii_digit() || c == ' '
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (u32, TimeUnit) {
        match TimeStandard::parse(s) {
            Ok(t) => {
                assert_eq!(t.text, s.trim());
                (t.amount, t.unit)
            }
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    #[test]
    fn indonesian_forms() {
        use TimeUnit::*;
        assert_eq!(ok("5 menit"), (5, Minutes));
        assert_eq!(ok("15 menit"), (15, Minutes));
        assert_eq!(ok("60 Menit"), (60, Minutes));
        assert_eq!(ok("2 jam"), (2, Hours));
        assert_eq!(ok("3 hari"), (3, Days));
        assert_eq!(ok("1 hari kerja"), (1, WorkingDays));
        assert_eq!(ok("30 menit kerja"), (30, WorkingMinutes));
        assert_eq!(ok("24 jam kerja"), (24, WorkingHours));
        assert_eq!(ok("  4  jam   kerja "), (4, WorkingHours));
    }

    #[test]
    fn times_24_hours_is_days() {
        use TimeUnit::*;
        assert_eq!(ok("1 x 24 jam hari kerja"), (1, WorkingDays));
        assert_eq!(ok("1 X 24 Jam Hari Kerja"), (1, WorkingDays));
        assert_eq!(ok("1x24 jam hari kerja"), (1, WorkingDays));
        assert_eq!(ok("2 x 24 jam kerja"), (2, WorkingDays));
        assert_eq!(ok("3 x 24 jam"), (3, Days));
        assert_eq!(ok("2 x 8 jam"), (16, Hours));
    }

    #[test]
    fn bare_number_is_minutes() {
        assert_eq!(ok("120"), (120, TimeUnit::Minutes));
        assert_eq!(ok("5"), (5, TimeUnit::Minutes));
    }

    #[test]
    fn english_forms() {
        use TimeUnit::*;
        assert_eq!(ok("30 minutes"), (30, Minutes));
        assert_eq!(ok("1 minute"), (1, Minutes));
        assert_eq!(ok("2 hours"), (2, Hours));
        assert_eq!(ok("1 working day"), (1, WorkingDays));
        assert_eq!(ok("3 working days"), (3, WorkingDays));
        assert_eq!(ok("4 business hours"), (4, WorkingHours));
        assert_eq!(ok("2 days"), (2, Days));
    }

    fn problem(s: &str) -> String {
        match TimeStandard::parse(s) {
            Ok(t) => panic!("{s:?} parsed as {t:?}"),
            Err(e) => e.problem,
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(problem(""), "empty time standard");
        assert_eq!(problem("2 minggu"), "unknown unit \"minggu\"");
        assert_eq!(
            problem("lima menit"),
            "expected a number first, found \"lima\""
        );
        assert_eq!(problem("1 x 24"), "missing a unit after \"1 x 24\"");
        assert_eq!(
            problem("1 x jam"),
            "expected a number after \"x\", found \"jam\""
        );
        assert_eq!(problem("0 menit"), "\"0 menit\" is no time at all");
        assert_eq!(
            problem("5 menit lagi"),
            "unexpected \"lagi\" in \"5 menit lagi\""
        );
        assert_eq!(problem("-"), "expected a number first, found \"-\"");
    }

    #[test]
    fn error_display_lists_accepted_forms() {
        let e = TimeStandard::parse("2 minggu").expect_err("not a unit");
        let shown = e.to_string();
        assert!(shown.starts_with("unknown unit \"minggu\"; accepted forms: \"5 menit\""));
        assert!(shown.contains("\"1 x 24 jam hari kerja\""));
    }

    #[test]
    fn calendar_minutes() {
        let t = TimeStandard::parse("2 jam").expect("valid");
        assert_eq!(t.calendar_minutes(), Some(120));
        let t = TimeStandard::parse("1 hari kerja").expect("valid");
        assert_eq!(t.calendar_minutes(), None);
        assert!(t.unit.is_working());
    }
}
