//! Reading `rules/calendar.toml` (see [`super::load_calendar`]): every problem is a [`Diagnostic`] at the offending key or
//! value, all of them collected (the style of the rule files). The format is documented in
//! docs/sla.md.

use super::calendar::{Calendar, DayOff, DayOffKind, Period, WEEKDAYS};
use crate::diag::Diagnostic;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::{ImDocument, Item, Table, Value};

const ROOT_KEYS: &[&str] = &["timezone", "hours", "day_off"];
const DAY_OFF_KEYS: &[&str] = &["date", "until", "name", "kind"];
/// A range of days off longer than this is surely a typo in a year.
const MAX_RANGE_DAYS: i64 = 31;

/// Parses a calendar; the calendar is `None` when something was an error.
pub fn parse(file: &Path, src: &str) -> (Option<Calendar>, Vec<Diagnostic>) {
    let mut c = Reader {
        file,
        src,
        diags: Vec::new(),
    };
    let cal = match ImDocument::parse(src) {
        Ok(doc) => c.calendar(doc.as_table()),
        Err(e) => {
            let (at, msg) = crate::rules::load::syntax_error(&e);
            c.error(at, msg, None);
            None
        }
    };
    let ok = !c.diags.iter().any(Diagnostic::is_error);
    crate::diag::sort(&mut c.diags);
    (cal.filter(|_| ok), c.diags)
}

struct Reader<'a> {
    file: &'a Path,
    src: &'a str,
    diags: Vec<Diagnostic>,
}

fn start(item: &Item) -> usize {
    item.span().map_or(0, |s| s.start)
}

fn vstart(v: &Value) -> usize {
    v.span().map_or(0, |s| s.start)
}

impl Reader<'_> {
    fn error(&mut self, at: usize, msg: impl Into<String>, hint: Option<&str>) {
        let mut d = Diagnostic::error(self.file, msg).at_offset(self.src, at);
        d.hint = hint.map(str::to_owned);
        self.diags.push(d);
    }

    fn warning(&mut self, at: usize, msg: impl Into<String>, hint: Option<&str>) {
        let mut d = Diagnostic::warning(self.file, msg).at_offset(self.src, at);
        d.hint = hint.map(str::to_owned);
        self.diags.push(d);
    }

    fn keys(&mut self, t: &Table, allowed: &[&str], section: &str) {
        for (k, _) in t.iter() {
            if !allowed.contains(&k) {
                let at = t.key(k).and_then(|k| k.span()).map_or(0, |s| s.start);
                let hint = match crate::rules::load::did_you_mean(k, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", allowed.join(", ")),
                };
                self.error(at, format!("unknown key \"{k}\" in {section}"), Some(&hint));
            }
        }
    }

    fn calendar(&mut self, root: &Table) -> Option<Calendar> {
        self.keys(root, ROOT_KEYS, "the calendar");
        let mut cal = Calendar::default_wib();
        match root.get("timezone") {
            None => {}
            Some(item) => match item.as_str() {
                Some(name) => match crate::config::Timezone::parse(name) {
                    Some(tz) => {
                        cal.zone = tz.name.to_owned();
                        cal.offset = tz.offset;
                    }
                    None => self.error(
                        start(item),
                        format!("unknown time zone \"{name}\""),
                        Some(
                            "one of Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)",
                        ),
                    ),
                },
                None => self.error(start(item), "expected a string for \"timezone\"", None),
            },
        }
        match root.get("hours") {
            Some(Item::Table(t)) => cal.week = self.hours(t),
            Some(other) => self.error(
                start(other),
                "expected a table [hours]",
                Some("write [hours] with monday = [\"07:30-12:00\", \"13:00-16:00\"] …"),
            ),
            None => self.error(
                0,
                "missing table [hours]",
                Some("give the working periods of each weekday"),
            ),
        }
        cal.days_off = self.days_off(root);
        Some(cal)
    }

    fn hours(&mut self, t: &Table) -> [Vec<Period>; 7] {
        let names: Vec<&str> = WEEKDAYS.iter().map(|(n, _)| *n).collect();
        self.keys(t, &names, "[hours]");
        let mut week: [Vec<Period>; 7] = Default::default();
        for (i, (day, _)) in WEEKDAYS.iter().enumerate() {
            let Some(item) = t.get(day) else { continue };
            let Some(arr) = item.as_array() else {
                self.error(
                    start(item),
                    format!("expected an array of periods for \"{day}\""),
                    Some("write e.g. [\"07:30-12:00\", \"13:00-16:00\"], or [] for a day off"),
                );
                continue;
            };
            let mut periods = Vec::new();
            for v in arr.iter() {
                let at = vstart(v);
                match v.as_str().map(period) {
                    Some(Ok(p)) => {
                        if let Some(prev) = periods.last().copied() {
                            let prev: Period = prev;
                            if p.start < prev.end {
                                self.error(
                                    at,
                                    format!("period \"{}\" of {day} overlaps or precedes the one before it", v.as_str().unwrap_or_default()),
                                    Some("list a day's periods in order, without overlap (the break is the gap)"),
                                );
                                continue;
                            }
                        }
                        periods.push(p);
                    }
                    Some(Err(why)) => self.error(
                        at,
                        why,
                        Some("write a period as \"HH:MM-HH:MM\", e.g. \"07:30-12:00\""),
                    ),
                    None => self.error(at, format!("expected a string in \"{day}\""), None),
                }
            }
            week[i] = periods;
        }
        if week.iter().all(Vec::is_empty) && !self.diags.iter().any(Diagnostic::is_error) {
            self.error(
                0,
                "no working hours on any day: no deadline could ever fall",
                Some("give at least one weekday a period"),
            );
        }
        week
    }

    fn days_off(&mut self, root: &Table) -> BTreeMap<NaiveDate, DayOff> {
        let mut out = BTreeMap::new();
        let tables: Vec<&Table> = match root.get("day_off") {
            None => return out,
            Some(Item::ArrayOfTables(a)) => a.iter().collect(),
            Some(other) => {
                self.error(
                    start(other),
                    "expected [[day_off]] tables",
                    Some("write each holiday as a [[day_off]] table, with double brackets"),
                );
                return out;
            }
        };
        for t in tables {
            let at_table = t.span().map_or(0, |s| s.start);
            self.keys(t, DAY_OFF_KEYS, "[[day_off]]");
            let date = match t.get("date") {
                Some(i) => self.date(i, "date"),
                None => {
                    self.error(at_table, "missing key \"date\" in [[day_off]]", None);
                    None
                }
            };
            let until = t
                .get("until")
                .and_then(|i| Some((self.date(i, "until")?, start(i))));
            let name = match t.get("name").map(|i| (i.as_str(), i)) {
                Some((Some(s), _)) => s.to_owned(),
                Some((None, i)) => {
                    self.error(start(i), "expected a string for \"name\"", None);
                    String::new()
                }
                None => {
                    self.error(at_table, "missing key \"name\" in [[day_off]]", None);
                    String::new()
                }
            };
            let kind = match t.get("kind") {
                None => DayOffKind::Libur,
                Some(i) => match i.as_str() {
                    Some("libur") => DayOffKind::Libur,
                    Some("cuti_bersama") => DayOffKind::CutiBersama,
                    _ => {
                        self.error(
                            start(i),
                            format!("unknown kind {}", i.to_string().trim()),
                            Some("kind is \"libur\" (hari libur nasional) or \"cuti_bersama\""),
                        );
                        DayOffKind::Libur
                    }
                },
            };
            let Some(first) = date else { continue };
            let last = match until {
                Some((u, at)) if u < first => {
                    self.error(
                        at,
                        format!("\"until\" {u} is before \"date\" {first}"),
                        None,
                    );
                    continue;
                }
                Some((u, at)) if (u - first).num_days() >= MAX_RANGE_DAYS => {
                    self.error(
                        at,
                        format!("a range of {} days off", (u - first).num_days() + 1),
                        Some("at most 31 days; check the year"),
                    );
                    continue;
                }
                Some((u, _)) => u,
                None => first,
            };
            let mut d = first;
            while d <= last {
                match out.entry(d) {
                    std::collections::btree_map::Entry::Occupied(_) => self.warning(
                        at_table,
                        format!("{d} is listed twice"),
                        Some("the first entry counts"),
                    ),
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(DayOff {
                            kind,
                            name: name.clone(),
                        });
                    }
                }
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
        out
    }

    /// A TOML date (`2026-03-20`) or a string `"2026-03-20"`.
    fn date(&mut self, item: &Item, key: &str) -> Option<NaiveDate> {
        let at = start(item);
        let text = match item {
            Item::Value(Value::Datetime(d)) => {
                let d = d.value();
                if d.time.is_some() || d.offset.is_some() {
                    self.error(at, format!("\"{key}\" must be a date without a time"), None);
                    return None;
                }
                d.to_string()
            }
            Item::Value(Value::String(s)) => s.value().clone(),
            _ => {
                self.error(
                    at,
                    format!("expected a date for \"{key}\""),
                    Some("write e.g. date = 2026-03-20"),
                );
                return None;
            }
        };
        match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    at,
                    format!("bad date \"{text}\""),
                    Some("write YYYY-MM-DD, e.g. 2026-03-20"),
                );
                None
            }
        }
    }
}

/// `"07:30-12:00"` → a period.
fn period(s: &str) -> Result<Period, String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("bad period \"{s}\": expected \"HH:MM-HH:MM\""))?;
    let start = clock_time(a).ok_or_else(|| format!("bad time \"{}\" in \"{s}\"", a.trim()))?;
    let end = clock_time(b).ok_or_else(|| format!("bad time \"{}\" in \"{s}\"", b.trim()))?;
    if start >= end {
        return Err(format!("period \"{s}\" ends before it starts"));
    }
    Ok(Period { start, end })
}

/// `"07:30"` → seconds after midnight; `"24:00"` is the end of the day.
fn clock_time(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(86_400),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}
