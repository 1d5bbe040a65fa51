//! Typed field values: recognising, validating and normalising what follows a label, and
//! finding values of a shape (NIP, phone, email) anywhere in a text.
//!
//! The messages of [`Checked::Invalid`] go to requesters in "please complete your letter"
//! emails, so they are Indonesian, short and say what is expected.

use super::labels::{squash, tokens};
use super::FieldType;
use chrono::NaiveDate;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a raw value is worth as a field of some type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Checked {
    /// The normalised value.
    Ok(String),
    /// Something is there but it is not a value of the type.
    Invalid(String),
    /// Nothing usable ("-", blank, a placeholder).
    Empty,
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by the tests below.
    Regex::new(pattern).expect("built-in pattern is a valid regex")
}

// Separators people (and word processors) put in numbers: space, dot, hyphen, the dashes
// that autocorrect makes of a hyphen (U+2010–U+2015, U+2212), no-break space.
static NIP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^\d])(\d{8})[ .\-\u{2010}-\u{2015}\u{2212}\u{a0}]?(\d{6})[ .\-\u{2010}-\u{2015}\u{2212}\u{a0}]?(\d)[ .\-\u{2010}-\u{2015}\u{2212}\u{a0}]?(\d{3})(?:$|[^\d])",
    )
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
/// A run that may be a phone number: digits with spaces, dots, dashes, brackets, a leading +.
static PHONE_RUN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\+|\(\s*\+?)?\d[\d \t.\-()\u{2010}-\u{2015}\u{2212}\u{a0}]{6,28}\d"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\d+(?:[.,]\d+)*"));
static DATE_DMY_WORDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(\d{1,2})\s*([a-z]{3,9})\.?,?\s*(\d{4})\b"));
/// "10 - 11 Maret 2026", "16 s.d. 18 Februari 2026": a range of days; its first day.
static DATE_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(\d{1,2})\s*(?:-|–|—|s\.?\s?d\.?|sampai|hingga|to)\s*\d{1,2}\s+([a-z]{3,9})\.?,?\s*(\d{4})\b",
    )
});
static DATE_MDY_WORDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b"));
static DATE_ISO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"));
static DATE_DMY_NUM: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b"));

pub(crate) fn has_alnum(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn has_digit(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
}

/// Checks `raw` (already cut and trimmed) as a value of `ty`.
pub(crate) fn check(ty: &FieldType, aliases: &BTreeMap<String, Vec<String>>, raw: &str) -> Checked {
    if !has_alnum(raw) {
        return Checked::Empty;
    }
    match ty {
        FieldType::Text => Checked::Ok(raw.to_owned()),
        FieldType::Nip => match find_nip(raw) {
            Some(n) => Checked::Ok(n),
            None if !has_digit(raw) => Checked::Empty,
            None => Checked::Invalid("NIP harus 18 digit".into()),
        },
        FieldType::Nim => match find_nim(raw) {
            Some(n) => Checked::Ok(n),
            None if !has_digit(raw) => Checked::Empty,
            None => Checked::Invalid("NIM harus 6–20 huruf/angka dengan sedikitnya 5 angka".into()),
        },
        FieldType::Phone => match find_phone(raw) {
            Some(p) => Checked::Ok(p),
            None if !has_digit(raw) => Checked::Empty,
            None => Checked::Invalid(
                "nomor HP/WhatsApp harus diawali 08, +62 8 atau 62 8, 10–14 digit".into(),
            ),
        },
        FieldType::Email => match find_email(raw) {
            Some(e) => Checked::Ok(e),
            None if !raw.contains('@') => Checked::Empty,
            None => Checked::Invalid("alamat email tidak valid".into()),
        },
        FieldType::Date => match find_date(raw) {
            Some(d) => Checked::Ok(d),
            // "08.00 - 12.00 WIB" under "Waktu": a time, no date at all.
            None if is_time_only(raw) => Checked::Empty,
            None => Checked::Ok(raw.to_owned()),
        },
        FieldType::Number => match find_number(raw) {
            Some(n) => Checked::Ok(n),
            None => Checked::Invalid("harus berupa angka".into()),
        },
        FieldType::Choice(choices) => match find_choice(choices, aliases, raw) {
            Some(c) => Checked::Ok(c),
            None => Checked::Invalid(format!("pilih salah satu: {}", choices.join(", "))),
        },
    }
}

static TIME_OF_DAY: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{1,2}[.:]\d{2}\b"));

/// Whether a value that is no readable date is a time of day without a day: "08.00 - 12.00
/// WIB (4 sesi)" (not "minggu kedua Februari 2026", which says when, only not as a date).
fn is_time_only(raw: &str) -> bool {
    const DAYS: &[&str] = &[
        "senin",
        "selasa",
        "rabu",
        "kamis",
        "jumat",
        "sabtu",
        "minggu",
        "ahad",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    TIME_OF_DAY.is_match(raw)
        && !tokens(raw).iter().any(|t| {
            let w = t.lower.to_lower();
            month(&w).is_some() || DAYS.contains(&w.as_ref())
        })
}

/// Like [`check`], but an email value with several addresses ("a@gmail.com / b@uns.ac.id")
/// gives each, so that one passing the field's `must_match` can be chosen.
pub(crate) fn check_each(
    ty: &FieldType,
    aliases: &BTreeMap<String, Vec<String>>,
    raw: &str,
) -> Vec<Checked> {
    if *ty == FieldType::Email {
        let all: Vec<Checked> = all_emails(raw).map(Checked::Ok).collect();
        if all.len() > 1 {
            return all;
        }
    }
    vec![check(ty, aliases, raw)]
}

/// A person's name without what people write after it: "Dinda Maharani (NIM 2203016042),
/// 0878-1234-9876" → "Dinda Maharani"; "apt. Diah, M.Farm. - 0815-8765-4321" → "apt. Diah,
/// M.Farm.". Empty when nothing but such data is there.
pub(crate) fn person_name(s: &str) -> String {
    let mut cut = s.len();
    if let Some(i) = s.find(['(', '[', '<']) {
        cut = cut.min(i);
    }
    if let Some(m) = PHONE_RUN.find(s) {
        if phone_from_run(m.as_str()).is_some() {
            cut = cut.min(m.start());
        }
    }
    if let Some(m) = EMAIL.find(s) {
        cut = cut.min(m.start());
    }
    // What introduced the number: "Ratih Kumala, M.M., telepon 0813…".
    const CONTACT_WORDS: &[&str] = &[
        "telepon", "telp", "tel", "tlp", "hp", "wa", "whatsapp", "no", "nomor", "kontak", "email",
        "mail", "surel", "phone", "nim", "nip",
    ];
    let separators =
        |c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '/' | '|');
    let mut name = s[..cut].trim_end_matches(separators);
    while let Some((head, last)) = name.rsplit_once([' ', ',']) {
        let word = last
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if !CONTACT_WORDS.contains(&word.as_str()) {
            break;
        }
        name = head.trim_end_matches(separators);
    }
    name.trim().to_owned()
}

/// The first NIP in `s`: 18 digits, possibly grouped 8 6 1 3 (`19750819 199903 1 001`).
pub(crate) fn find_nip(s: &str) -> Option<String> {
    let c = NIP.captures(s)?;
    let mut out = String::with_capacity(18);
    for i in 1..=4 {
        out.push_str(c.get(i)?.as_str());
    }
    Some(out)
}

/// The first NIM-shaped word: 6–20 letters/digits (dots and dashes ignored) with at least
/// five digits, upper-cased (`M0520012`, `215150200111001`).
pub(crate) fn find_nim(s: &str) -> Option<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '(' | ')' | ':'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| {
            let core: String = w.chars().filter(|c| !matches!(c, '.' | '-')).collect();
            let n = core.chars().count();
            (6..=20).contains(&n)
                && core.chars().all(|c| c.is_ascii_alphanumeric())
                && core.chars().filter(char::is_ascii_digit).count() >= 5
        })
        .map(str::to_uppercase)
}

/// The first Indonesian mobile number in `s`, normalised to `08…` (10–14 digits).
pub(crate) fn find_phone(s: &str) -> Option<String> {
    PHONE_RUN
        .find_iter(s)
        .find_map(|m| phone_from_run(m.as_str()))
}

fn phone_from_run(run: &str) -> Option<String> {
    // Groups of digits; a run may hold a number followed by more digits (a year, another
    // number): take the longest prefix of whole groups that is a valid number.
    let groups: Vec<&str> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let mut digits = String::new();
    let mut found = None;
    for g in groups {
        digits.push_str(g);
        if let Some(p) = mobile(&digits) {
            found = Some(p);
        } else if digits.len() > 16 {
            break;
        }
    }
    found
}

fn mobile(digits: &str) -> Option<String> {
    let local = if let Some(rest) = digits.strip_prefix("62") {
        format!("0{rest}")
    } else {
        digits.to_owned()
    };
    (local.starts_with("08") && (10..=14).contains(&local.len())).then_some(local)
}

/// The first email address in `s`, lower-cased.
pub(crate) fn find_email(s: &str) -> Option<String> {
    EMAIL
        .find(s)
        .map(|m| m.as_str().trim_start_matches('.').to_lowercase())
}

/// Every email address in `s`, lower-cased, in order.
pub(crate) fn all_emails(s: &str) -> impl Iterator<Item = String> + '_ {
    EMAIL
        .find_iter(s)
        .map(|m| m.as_str().trim_start_matches('.').to_lowercase())
}

/// The first number: `300` from "300 orang", `1000` from "1.000", `2.5` from "2,5".
pub(crate) fn find_number(s: &str) -> Option<String> {
    let m = NUMBER.find(s)?.as_str();
    let thousands = m.contains('.')
        && !m.contains(',')
        && m.split('.').skip(1).all(|g| g.len() == 3)
        && m.split('.').next().is_some_and(|g| g.len() <= 3);
    Some(if thousands {
        m.replace('.', "")
    } else {
        m.replace(',', ".")
    })
}

fn month(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    Some(match w.as_str() {
        "januari" | "january" | "jan" => 1,
        "februari" | "pebruari" | "february" | "feb" | "peb" => 2,
        "maret" | "march" | "mar" => 3,
        "april" | "apr" => 4,
        "mei" | "may" => 5,
        "juni" | "june" | "jun" => 6,
        "juli" | "july" | "jul" => 7,
        "agustus" | "august" | "agu" | "agt" | "ags" | "aug" => 8,
        "september" | "sept" | "sep" => 9,
        "oktober" | "october" | "okt" | "oct" => 10,
        "november" | "nopember" | "nov" | "nop" => 11,
        "desember" | "december" | "des" | "dec" => 12,
        _ => return None,
    })
}

fn ymd(y: &str, m: u32, d: &str) -> Option<String> {
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m, d.parse().ok()?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// The first date written as `12 Januari 2026`, `January 12, 2026`, `2026-01-12` or
/// `12/01/2026` (day first, the Indonesian order), as ISO `2026-01-12`. A range of days
/// ("10 - 11 Maret 2026") gives its first day.
pub(crate) fn find_date(s: &str) -> Option<String> {
    // Every form has a year in digits: most texts asked have none, and then no pattern
    // need run (`\d` is any Unicode decimal digit, all of them numeric).
    if !s.chars().any(char::is_numeric) {
        return None;
    }
    // (pattern, group of the day, of the month, of the year, month written as a word)
    let forms: [(&Regex, usize, usize, usize, bool); 5] = [
        (&DATE_RANGE, 1, 2, 3, true),
        (&DATE_DMY_WORDS, 1, 2, 3, true),
        (&DATE_MDY_WORDS, 2, 1, 3, true),
        (&DATE_ISO, 3, 2, 1, false),
        (&DATE_DMY_NUM, 1, 2, 3, false),
    ];
    // The earliest in the text wins; on a tie, the form listed first.
    forms
        .iter()
        .filter_map(|&(re, day, mon, year, month_word)| {
            re.captures_iter(s).find_map(|c| {
                let (all, d, m, y) = (c.get(0)?, c.get(day)?, c.get(mon)?, c.get(year)?);
                let m = if month_word {
                    month(m.as_str())?
                } else {
                    m.as_str().parse().ok()?
                };
                Some((all.start(), ymd(y.as_str(), m, d.as_str())?))
            })
        })
        .min_by_key(|(at, _)| *at)
        .map(|(_, iso)| iso)
}

/// The choice named in `s` (or by one of its aliases), in the spelling of the list; the
/// one named first when several are.
pub(crate) fn find_choice(
    choices: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
    s: &str,
) -> Option<String> {
    let words: Vec<String> = tokens(s)
        .into_iter()
        .map(|t| t.lower.to_lower().into_owned())
        .collect();
    let mut best: Option<(usize, &String)> = None;
    for choice in choices {
        let spellings = std::iter::once(choice).chain(aliases.get(choice).into_iter().flatten());
        for spelling in spellings {
            if let Some(at) = position(&words, &squash(spelling)) {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, choice));
                }
            }
        }
    }
    best.map(|(_, c)| c.clone())
}

/// Index of the first token from which whole tokens spell `target`.
fn position(words: &[String], target: &str) -> Option<usize> {
    if target.is_empty() {
        return None;
    }
    (0..words.len()).find(|&i| {
        let mut acc = String::new();
        for w in &words[i..] {
            acc.push_str(w);
            if acc.len() >= target.len() {
                break;
            }
        }
        acc == target
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nip_with_or_without_spaces() {
        let want = Some("197508191999031001".to_string());
        assert_eq!(find_nip("19750819 199903 1 001"), want);
        assert_eq!(find_nip("NIP. 197508191999031001,"), want);
        assert_eq!(find_nip("19750819.199903.1.001"), want);
        assert_eq!(find_nip("19750819–199903–1–001"), want);
        assert_eq!(find_nip("1975081919990310012"), None);
        assert_eq!(find_nip("19750819 199903 1 00"), None);
    }

    #[test]
    fn nim_shapes() {
        assert_eq!(find_nim("M0520012"), Some("M0520012".into()));
        assert_eq!(find_nim("m0520012 (Informatika)"), Some("M0520012".into()));
        assert_eq!(find_nim("215150200111001"), Some("215150200111001".into()));
        assert_eq!(find_nim("21.11.4047"), Some("21.11.4047".into()));
        assert_eq!(find_nim("12345"), None);
        assert_eq!(find_nim("ABCDEFG1"), None);
    }

    #[test]
    fn phones_normalise_to_08() {
        let want = Some("081234567890".to_string());
        assert_eq!(find_phone("0812-3456-7890"), want);
        assert_eq!(find_phone("+62 812 3456 7890"), want);
        assert_eq!(find_phone("+62-812-3456-7890 (WA)"), want);
        assert_eq!(find_phone("62 812.3456.7890"), want);
        assert_eq!(find_phone("(+62) 812 3456 7890"), want);
        assert_eq!(find_phone("081234567890 2026"), want);
        assert_eq!(find_phone("Telp (0271) 646994"), None);
        assert_eq!(find_phone("0812345"), None);
        assert_eq!(find_phone("HP 0811 234 567"), Some("0811234567".into()));
        assert_eq!(find_phone("0812–7777–8888"), Some("081277778888".into()));
        assert_eq!(
            find_phone("0812\u{a0}7777\u{a0}8888"),
            Some("081277778888".into())
        );
    }

    #[test]
    fn emails_lowercase() {
        assert_eq!(
            find_email("Email: HIMA.If@Student.UNS.ac.id."),
            Some("hima.if@student.uns.ac.id".into())
        );
        assert_eq!(find_email("budi at gmail"), None);
        assert_eq!(all_emails("a@b.id, c@d.co.id").count(), 2);
    }

    #[test]
    fn a_time_alone_is_no_date() {
        let none = BTreeMap::new();
        let date = |s: &str| check(&FieldType::Date, &none, s);
        assert_eq!(date("08.00 - 12.00 WIB"), Checked::Empty);
        assert_eq!(date("pukul 13:00 (2 sesi)"), Checked::Empty);
        assert_eq!(
            date("Sabtu, 14 Februari 2026, pukul 08.00"),
            Checked::Ok("2026-02-14".into())
        );
        // Not a date, but it says when: kept as written for people to read.
        assert_eq!(
            date("minggu kedua Februari 2026"),
            Checked::Ok("minggu kedua Februari 2026".into())
        );
        assert_eq!(
            date("Sabtu pagi, 08.00"),
            Checked::Ok("Sabtu pagi, 08.00".into())
        );
    }

    #[test]
    fn dates_to_iso() {
        let want = Some("2026-01-12".to_string());
        assert_eq!(find_date("Senin, 12 Januari 2026"), want);
        assert_eq!(find_date("12 Jan. 2026 pukul 08.00"), want);
        assert_eq!(find_date("January 12, 2026"), want);
        assert_eq!(find_date("12/01/2026"), want);
        assert_eq!(find_date("12-1-2026"), want);
        assert_eq!(find_date("2026-01-12"), want);
        assert_eq!(find_date("31 Februari 2026"), None);
        assert_eq!(find_date("besok pagi"), None);
        assert_eq!(
            find_date("1 Mei 2026 atau 12/01/2026"),
            Some("2026-05-01".into())
        );
        assert_eq!(
            find_date("Selasa - Rabu, 10 - 11 Maret 2026"),
            Some("2026-03-10".into())
        );
        assert_eq!(
            find_date("Senin s.d. Rabu, 16 s.d. 18 Februari 2026"),
            Some("2026-02-16".into())
        );
        assert_eq!(
            find_date("16 sampai 18 Feb 2026"),
            Some("2026-02-16".into())
        );
    }

    #[test]
    fn person_names_lose_what_follows_them() {
        assert_eq!(
            person_name("Dinda Maharani (NIM 2203016042), 0878-1234-9876"),
            "Dinda Maharani"
        );
        assert_eq!(
            person_name("apt. Diah Ayu Kusuma, M.Farm. - 0815-8765-4321"),
            "apt. Diah Ayu Kusuma, M.Farm."
        );
        assert_eq!(person_name("Rina <rina@student.uns.ac.id>"), "Rina");
        assert_eq!(person_name("0857-2541-8803"), "");
        assert_eq!(person_name("Budi Santoso"), "Budi Santoso");
        assert_eq!(
            person_name("Dra. Ratih Kumala, M.M., telepon 0813-1000-2468."),
            "Dra. Ratih Kumala, M.M."
        );
        assert_eq!(person_name("Rina, No. WA 0813-2233-4455"), "Rina");
    }

    #[test]
    fn numbers() {
        assert_eq!(find_number("300 orang"), Some("300".into()));
        assert_eq!(find_number("± 1.000 peserta"), Some("1000".into()));
        assert_eq!(find_number("2,5 jam"), Some("2.5".into()));
        assert_eq!(find_number("tiga ratus"), None);
    }

    #[test]
    fn choices_with_aliases() {
        let choices: Vec<String> = [
            "mahasiswa",
            "dosen",
            "tendik",
            "unit",
            "subdomain",
            "lainnya",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut aliases = BTreeMap::new();
        aliases.insert(
            "tendik".to_string(),
            vec!["tenaga kependidikan".to_string()],
        );
        aliases.insert("subdomain".to_string(), vec!["sub domain".to_string()]);
        let c = |s: &str| find_choice(&choices, &aliases, s);
        assert_eq!(c("Unit"), Some("unit".into()));
        assert_eq!(c("akun untuk UNIT KERJA"), Some("unit".into()));
        assert_eq!(c("Tenaga Kependidikan"), Some("tendik".into()));
        assert_eq!(c("sub-domain baru dan lainnya"), Some("subdomain".into()));
        assert_eq!(c("Sub Domain"), Some("subdomain".into()));
        assert_eq!(c("pegawai"), None);
    }

    #[test]
    fn check_by_type() {
        let none = BTreeMap::new();
        assert_eq!(check(&FieldType::Nip, &none, "-"), Checked::Empty);
        assert_eq!(check(&FieldType::Nip, &none, "belum ada"), Checked::Empty);
        assert_eq!(
            check(&FieldType::Nip, &none, "1975 0819"),
            Checked::Invalid("NIP harus 18 digit".into())
        );
        assert_eq!(
            check(&FieldType::Date, &none, "minggu depan"),
            Checked::Ok("minggu depan".into())
        );
        assert_eq!(
            check(&FieldType::Number, &none, "tiga ratus"),
            Checked::Invalid("harus berupa angka".into())
        );
        assert_eq!(
            check(
                &FieldType::Choice(vec!["a1".into(), "b2".into()]),
                &none,
                "c3"
            ),
            Checked::Invalid("pilih salah satu: a1, b2".into())
        );
        assert_eq!(
            check(&FieldType::Email, &none, "budi@"),
            Checked::Invalid("alamat email tidak valid".into())
        );
    }

    #[test]
    fn patterns_compile() {
        for r in [
            &NIP,
            &EMAIL,
            &PHONE_RUN,
            &NUMBER,
            &DATE_DMY_WORDS,
            &DATE_MDY_WORDS,
            &DATE_ISO,
            &DATE_DMY_NUM,
            &DATE_RANGE,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }
}
