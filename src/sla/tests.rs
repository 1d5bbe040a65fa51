//! The calendar arithmetic and the step clock, on the shipped calendar (2026) and on small
//! calendars written here.

use super::calendar::Calendar;
use super::calendar_file::parse;
use super::deadline::{Measure, StepClock};
use crate::rules::TimeStandard;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use std::path::Path;

fn shipped() -> Calendar {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/calendar.toml");
    let src = std::fs::read_to_string(&path).expect("shipped calendar");
    let (cal, diags) = parse(&path, &src);
    assert!(diags.is_empty(), "{diags:?}");
    cal.expect("shipped calendar parses")
}

/// `"2026-11-23 09:00"` in the calendar's zone.
fn at(cal: &Calendar, s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    cal.offset
        .from_local_datetime(&naive)
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

fn show(cal: &Calendar, t: Option<DateTime<Utc>>) -> String {
    cal.show(t.expect("a deadline"))
}

fn plus_minutes(cal: &Calendar, start: &str, minutes: i64) -> String {
    show(cal, cal.add_working(at(cal, start), minutes * 60))
}

fn sla(s: &str) -> TimeStandard {
    TimeStandard::parse(s).expect("time standard")
}

#[test]
fn shipped_calendar_has_the_skb_2026_days_off() {
    use super::calendar::DayOffKind;
    let cal = shipped();
    let count = |k| cal.days_off.values().filter(|d| d.kind == k).count();
    // SKB 3 Menteri 1497/2/5 of 2025: 17 hari libur nasional, 8 hari cuti bersama.
    assert_eq!(count(DayOffKind::Libur), 17);
    assert_eq!(count(DayOffKind::CutiBersama), 8);
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert!(!cal.is_working_day(d("2026-12-24")), "cuti bersama Natal");
    assert!(!cal.is_working_day(d("2026-03-23")), "a day of a range");
    assert!(cal.is_working_day(d("2026-03-25")));
    assert!(!cal.is_working_day(d("2026-11-28")), "Saturday");
}

/// The shipped calendar holds 2026 only: from 1 November 2026 `suratd check` asks for 2027,
/// and in 2027 it keeps asking until the year is there.
#[test]
fn a_year_without_days_off_is_named_from_november_before_it() {
    use super::uncovered_year;
    let cal = shipped();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert_eq!(uncovered_year(&cal, d("2026-03-02")), None);
    assert_eq!(uncovered_year(&cal, d("2026-10-31")), None);
    assert_eq!(uncovered_year(&cal, d("2026-11-01")), Some(2027));
    assert_eq!(uncovered_year(&cal, d("2026-12-31")), Some(2027));
    assert_eq!(uncovered_year(&cal, d("2027-02-01")), Some(2027));
    assert_eq!(uncovered_year(&cal, d("2025-06-01")), Some(2025));
    // Once 2027 is listed, nothing more until November 2027.
    let mut with_2027 = cal.clone();
    with_2027.days_off.insert(
        d("2027-01-01"),
        super::calendar::DayOff {
            kind: super::calendar::DayOffKind::Libur,
            name: "Tahun Baru 2027 Masehi".into(),
        },
    );
    assert_eq!(uncovered_year(&with_2027, d("2026-12-31")), None);
    assert_eq!(uncovered_year(&with_2027, d("2027-10-31")), None);
    assert_eq!(uncovered_year(&with_2027, d("2027-11-01")), Some(2028));
    // A calendar without any day off is meant that way.
    assert_eq!(
        uncovered_year(&Calendar::default_wib(), d("2026-12-31")),
        None
    );
}

#[test]
fn working_minutes_within_a_day_and_across_the_break() {
    let cal = shipped();
    assert_eq!(
        plus_minutes(&cal, "2026-11-23 09:00", 60),
        "2026-11-23 10:00 WIB"
    );
    assert_eq!(
        plus_minutes(&cal, "2026-11-23 11:30", 60),
        "2026-11-23 13:30 WIB"
    );
    // Friday's break is 11:30–13:00.
    assert_eq!(
        plus_minutes(&cal, "2026-11-27 11:00", 60),
        "2026-11-27 13:30 WIB"
    );
    // Started during the break: the clock starts at 13:00.
    assert_eq!(
        plus_minutes(&cal, "2026-11-23 12:10", 5),
        "2026-11-23 13:05 WIB"
    );
}

#[test]
fn end_of_working_day_and_weekend() {
    let cal = shipped();
    // Exactly to the close: due at 16:00 that day, not at 07:30 the next.
    assert_eq!(
        plus_minutes(&cal, "2026-11-23 15:00", 60),
        "2026-11-23 16:00 WIB"
    );
    assert_eq!(
        plus_minutes(&cal, "2026-11-23 15:30", 60),
        "2026-11-24 08:00 WIB"
    );
    // Friday closes at 16:30; then Saturday and Sunday.
    assert_eq!(
        plus_minutes(&cal, "2026-11-27 16:00", 60),
        "2026-11-30 08:00 WIB"
    );
    // Sent on Saturday night: the clock starts Monday 07:30.
    assert_eq!(
        plus_minutes(&cal, "2026-11-28 22:00", 15),
        "2026-11-30 07:45 WIB"
    );
}

#[test]
fn holidays_and_cuti_bersama_are_skipped() {
    let cal = shipped();
    // 24 Dec (cuti bersama), 25 Dec (Natal), then the weekend.
    assert_eq!(
        plus_minutes(&cal, "2026-12-23 15:30", 60),
        "2026-12-28 08:00 WIB"
    );
    // Nyepi and Idulfitri: 18–24 March 2026 is not worked at all.
    assert_eq!(
        plus_minutes(&cal, "2026-03-17 15:00", 120),
        "2026-03-25 08:30 WIB"
    );
    // Isra Mikraj on Friday 16 January.
    assert_eq!(
        plus_minutes(&cal, "2026-01-15 15:50", 20),
        "2026-01-19 07:40 WIB"
    );
}

#[test]
fn one_working_day_is_the_same_point_of_the_next_working_day() {
    let cal = shipped();
    let s = sla("1 x 24 jam hari kerja");
    let due = |start: &str| {
        let c = StepClock::start(&s, &cal, at(&cal, start), false).expect("clock");
        show(&cal, c.due(&cal, 100))
    };
    assert_eq!(due("2026-11-23 10:00"), "2026-11-24 10:00 WIB");
    // Friday 16:15: Monday closes at 16:00, so the day ends then.
    assert_eq!(due("2026-11-27 16:15"), "2026-11-30 16:00 WIB");
    // Thursday 11:45: Friday's break starts 11:30, so the end of Friday's morning.
    assert_eq!(due("2026-11-26 11:45"), "2026-11-27 11:30 WIB");
    assert_eq!(due("2026-11-26 14:00"), "2026-11-27 14:00 WIB");
    // Saturday: the clock starts Monday 07:30 and one working day ends Monday 16:00.
    assert_eq!(due("2026-11-28 09:00"), "2026-11-30 16:00 WIB");
    // Before Natal: Wednesday → Monday.
    assert_eq!(due("2026-12-23 09:00"), "2026-12-28 09:00 WIB");
    // "24 jam kerja" is 24 working-clock hours: more than three working days.
    let c = StepClock::start(
        &sla("24 jam kerja"),
        &cal,
        at(&cal, "2026-11-23 07:30"),
        false,
    )
    .expect("clock");
    assert_eq!(c.measure, Measure::Working);
    // 7.5 h Monday, Tuesday and Wednesday, 1.5 h Thursday.
    assert_eq!(show(&cal, c.due(&cal, 100)), "2026-11-26 09:00 WIB");
}

#[test]
fn calendar_minutes_ignore_working_time() {
    let cal = shipped();
    let c = StepClock::start(&sla("60 menit"), &cal, at(&cal, "2026-11-28 22:00"), false)
        .expect("clock");
    assert_eq!(c.measure, Measure::Calendar);
    assert_eq!(show(&cal, c.due(&cal, 100)), "2026-11-28 23:00 WIB");
    assert_eq!(show(&cal, c.due(&cal, 75)), "2026-11-28 22:45 WIB");
}

fn zone_calendar(zone: &str) -> Calendar {
    let src = format!(
        "timezone = \"{zone}\"\n[hours]\nmonday = [\"08:00-12:00\", \"13:00-16:00\"]\n\
         tuesday = [\"08:00-16:00\"]\n"
    );
    let (cal, diags) = parse(Path::new("calendar.toml"), &src);
    assert!(diags.is_empty(), "{diags:?}");
    cal.expect("calendar")
}

#[test]
fn wita_and_wit_are_fixed_offsets() {
    let utc = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    };
    let wita = zone_calendar("Asia/Makassar");
    // Monday 09:00 WITA is 01:00 UTC; an hour of work later is 02:00 UTC.
    let start = utc("2026-11-23T01:00:00Z");
    assert_eq!(
        wita.add_working(start, 3600),
        Some(utc("2026-11-23T02:00:00Z"))
    );
    assert_eq!(wita.show(start), "2026-11-23 09:00 WITA");
    let wit = zone_calendar("WIT");
    // 11:30 WIT Monday + 60 working minutes = 13:30 WIT = 04:30 UTC.
    let start = utc("2026-11-23T02:30:00Z");
    assert_eq!(
        wit.add_working(start, 3600),
        Some(utc("2026-11-23T04:30:00Z"))
    );
    assert_eq!(wit.show(start), "2026-11-23 11:30 WIT");
    // Monday 15:30 WIT + 1 h: Tuesday 08:30 WIT, the same in any season (no DST).
    let start = utc("2026-11-23T06:30:00Z");
    assert_eq!(
        wit.add_working(start, 3600),
        Some(utc("2026-11-23T23:30:00Z"))
    );
}

#[test]
fn a_paused_clock_resumes_with_the_time_that_was_left() {
    let cal = shipped();
    let mut c = StepClock::start(
        &sla("60 menit kerja"),
        &cal,
        at(&cal, "2026-11-23 09:00"),
        false,
    )
    .expect("clock");
    assert_eq!(show(&cal, c.due(&cal, 100)), "2026-11-23 10:00 WIB");
    // Missing data asked at 09:30: 30 minutes used.
    c.pause(&cal, at(&cal, "2026-11-23 09:30"));
    assert_eq!(c.used, 1800);
    assert_eq!(c.due(&cal, 100), None, "no deadline while paused");
    // Waiting a day costs nothing.
    assert_eq!(c.left(&cal, at(&cal, "2026-11-24 09:00")), 1800);
    // The requester answers Tuesday 15:45: 15 minutes today, 15 on Wednesday.
    c.resume(at(&cal, "2026-11-24 15:45"));
    assert_eq!(show(&cal, c.due(&cal, 100)), "2026-11-25 07:45 WIB");
    // The 50 % point had passed before the pause: due at once on resumption.
    assert_eq!(show(&cal, c.due(&cal, 50)), "2026-11-24 15:45 WIB");
}

#[test]
fn a_paused_start_counts_nothing_until_resumed() {
    let cal = shipped();
    let mut c = StepClock::start(&sla("30 menit"), &cal, at(&cal, "2026-11-23 09:00"), true)
        .expect("clock");
    assert_eq!(c.left(&cal, at(&cal, "2026-11-23 18:00")), 1800);
    c.resume(at(&cal, "2026-11-23 18:00"));
    assert_eq!(show(&cal, c.due(&cal, 100)), "2026-11-23 18:30 WIB");
}

#[test]
fn diagnostics_name_the_line_and_hint() {
    let src = "timezone = \"Asia/Tokyo\"\n[hours]\nmonday = [\"07:30-12:00\", \"11:00-16:00\"]\n\
               fryday = [\"07:30-16:30\"]\ntuesday = \"07:30-16:00\"\n\n[[day_off]]\ndate = \"2026-02-30\"\n";
    let (cal, diags) = parse(Path::new("rules/calendar.toml"), src);
    assert!(cal.is_none());
    let shown: Vec<String> = diags.iter().map(|d| d.headline()).collect();
    assert_eq!(
        shown,
        vec![
            "rules/calendar.toml:1:12: error: unknown time zone \"Asia/Tokyo\" (hint: one of Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT))",
            "rules/calendar.toml:3:26: error: period \"11:00-16:00\" of monday overlaps or precedes the one before it (hint: list a day's periods in order, without overlap (the break is the gap))",
            "rules/calendar.toml:4:1: error: unknown key \"fryday\" in [hours] (hint: did you mean `friday`?)",
            "rules/calendar.toml:5:11: error: expected an array of periods for \"tuesday\" (hint: write e.g. [\"07:30-12:00\", \"13:00-16:00\"], or [] for a day off)",
            "rules/calendar.toml:7:1: error: missing key \"name\" in [[day_off]]",
            "rules/calendar.toml:8:8: error: bad date \"2026-02-30\" (hint: write YYYY-MM-DD, e.g. 2026-03-20)",
        ]
    );
    assert_eq!(
        diags[0].to_string(),
        "rules/calendar.toml:1:12: error: unknown time zone \"Asia/Tokyo\" (hint: one of Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT))\n\
         1 | timezone = \"Asia/Tokyo\"\n  |            ^\n"
    );
}

#[test]
fn range_and_kind_errors() {
    let src = "[hours]\nmonday = [\"07:30-16:00\"]\n\n[[day_off]]\ndate = 2026-03-21\n\
               until = 2026-03-20\nname = \"Idulfitri\"\nkind = \"nasional\"\n";
    let (_, diags) = parse(Path::new("c.toml"), src);
    let shown: Vec<String> = diags.iter().map(|d| d.headline()).collect();
    assert_eq!(
        shown,
        vec![
            "c.toml:6:9: error: \"until\" 2026-03-20 is before \"date\" 2026-03-21",
            "c.toml:8:8: error: unknown kind \"nasional\" (hint: kind is \"libur\" (hari libur nasional) or \"cuti_bersama\")",
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Working minutes and hours: the deadline lies in working time (or on a period's end),
    /// after the start, with exactly the asked working time between.
    #[test]
    fn working_deadlines_fall_in_working_time(
        start_secs in 0i64..(365 * 86_400),
        minutes in 1i64..6000,
    ) {
        let cal = shipped();
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("t")
            + chrono::Duration::seconds(start_secs);
        let due = cal.add_working(start, minutes * 60).expect("a deadline");
        prop_assert!(due > start);
        prop_assert!(cal.is_deadline_instant(due), "{} from {}", cal.show(due), cal.show(start));
        prop_assert_eq!(cal.working_between(start, due), minutes * 60);
    }

    /// In every Indonesian zone, and across a pause: the clock's deadline is working time
    /// and the working time from the resumption is exactly what was left.
    #[test]
    fn paused_working_clocks_in_every_zone(
        zone in prop::sample::select(vec!["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
        start_secs in 0i64..(60 * 86_400),
        run_secs in 0i64..(3 * 86_400),
        pause_secs in 0i64..(10 * 86_400),
        hours in 1u32..30,
    ) {
        let cal = zone_calendar(zone);
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("t")
            + chrono::Duration::seconds(start_secs);
        let s = TimeStandard::parse(&format!("{hours} jam kerja")).expect("sla");
        let mut c = StepClock::start(&s, &cal, start, false).expect("clock");
        let paused_at = start + chrono::Duration::seconds(run_secs);
        c.pause(&cal, paused_at);
        let resumed_at = paused_at + chrono::Duration::seconds(pause_secs);
        c.resume(resumed_at);
        let due = c.due(&cal, 100).expect("running");
        let left = c.total - c.used;
        if left > 0 {
            prop_assert!(cal.is_deadline_instant(due), "{}", cal.show(due));
            prop_assert_eq!(cal.working_between(resumed_at, due), left);
            prop_assert_eq!(c.left(&cal, due), 0);
        } else {
            // Used up before the pause: due at once when the clock runs again.
            prop_assert_eq!(due, resumed_at);
        }
    }

    /// Working days too, and every alert level of a working clock.
    #[test]
    fn working_day_deadlines_fall_in_working_time(
        start_secs in 0i64..(365 * 86_400),
        days in 1u32..8,
        level in prop::sample::select(vec![25u32, 50, 75, 100, 150, 200]),
    ) {
        let cal = shipped();
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("t")
            + chrono::Duration::seconds(start_secs);
        let s = TimeStandard::parse(&format!("{days} hari kerja")).expect("sla");
        let c = StepClock::start(&s, &cal, start, false).expect("clock");
        let due = c.due(&cal, level).expect("running");
        prop_assert!(due > start);
        prop_assert!(cal.is_deadline_instant(due), "{} from {}", cal.show(due), cal.show(start));
    }
}

#[test]
fn rule_alert_keys_are_checked() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/webservice.toml");
    let src = std::fs::read_to_string(&path).expect("rule");
    let ctx = crate::rules::RuleContext::default();
    let (rule, diags) = crate::rules::load::load_str("webservice", &path, &src, &ctx);
    assert!(diags.is_empty(), "{diags:?}");
    let rule = rule.expect("rule");
    assert_eq!(rule.alerts, crate::rules::SlaAlerts::default());
    let with = |extra: &str| {
        let src = src.replacen(
            "escalation = [\"pimpinan\"]\n",
            &format!("escalation = [\"pimpinan\"]\n{extra}"),
            1,
        );
        crate::rules::load::load_str("webservice", Path::new("rules/webservice.toml"), &src, &ctx)
    };
    let (rule, diags) = with("reminder_at = 0\nescalate_at = [100]\n");
    assert!(diags.is_empty(), "{diags:?}");
    let alerts = rule.expect("rule").alerts;
    assert_eq!((alerts.reminder, alerts.escalate), (None, vec![100]));
    let (rule, diags) = with("reminder_at = 150\nescalate_at = [200, 100]\n");
    assert!(rule.is_none());
    let shown: Vec<String> = diags.iter().map(|d| d.headline()).collect();
    assert_eq!(
        shown,
        vec![
            "rules/webservice.toml:14:15: error: reminder_at must be a whole percent from 0 to 99, found 150 (hint: e.g. reminder_at = 75 (a reminder at 75 % of the time); 0 for none)",
            "rules/webservice.toml:15:21: error: expected ascending whole percents above 0 in \"escalate_at\", found an integer 100 (hint: e.g. escalate_at = [100, 200])",
        ]
    );
}
