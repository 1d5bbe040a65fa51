//! Reading the letter's sentences, not its "label : value" lines: paragraphs (lines a mail
//! client or a PDF wrapped, joined again), words with their punctuation, and the few values
//! people plainly state inside a sentence:
//!
//! - the date after "pada hari Sabtu, …" / "pada tanggal …": "pada hari Sabtu, 21 Februari
//!   2026" (a weekday or the word "tanggal" must lead it, so the date of the letter, "Jakarta,
//!   16 Februari 2026", is never taken);
//! - the time after "pukul"/"jam": "pukul 08.00 sampai 15.00 WIB";
//! - the number of participants after "diikuti (oleh)", "sebanyak", "berjumlah":
//!   "diikuti oleh 40 peserta" (a counted noun must follow: orang, peserta, mahasiswa…);
//! - the name of an event after "kegiatan"/"acara" when it is written as a name, capitalised:
//!   "untuk kegiatan Lomba Desain Web tingkat SMA/SMK se-Jabodetabek yang …" (not "kegiatan
//!   perkuliahan"), ending before "yang", "oleh", "pada", punctuation and the like.
//!
//! Only *finds* text; the caller validates it as a value of its field's type.

use super::reader::{is_forward_marker, is_quoted};
use regex::Regex;
use std::sync::LazyLock;

/// One whitespace-separated word of a text: its core (without the punctuation around it),
/// where that core is, and the punctuation that ends a phrase after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Word<'t> {
    pub core: &'t str,
    /// Byte range of `core` in the text.
    pub start: usize,
    pub end: usize,
    /// The word opened with a bracket: "(PMB)".
    pub opens: bool,
    /// The punctuation after the core that ends a phrase (`,` `.` `;` `:` `)` `!` `?`), if any.
    pub close: Option<char>,
}

const OPENERS: &[char] = &['(', '[', '"', '\'', '“', '‘', '«'];
const CLOSERS: &[char] = &[
    ',', '.', ';', ':', ')', ']', '!', '?', '"', '\'', '”', '’', '»',
];

pub(super) fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    let base = text.as_ptr() as usize;
    for raw in text.split_whitespace() {
        // split_whitespace yields subslices of `text`, in order: where this one starts is
        // its distance from the start of the text (no search).
        let start = (raw.as_ptr() as usize).wrapping_sub(base);
        if start < at || text.get(start..start + raw.len()) != Some(raw) {
            continue;
        }
        at = start + raw.len();
        // Most words open and end with a letter or digit, which no opener or closer is.
        let plain_start = raw
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphanumeric);
        let lead = if plain_start {
            0
        } else {
            raw.len() - raw.trim_start_matches(OPENERS).len()
        };
        let inner = &raw[lead..];
        let plain_end = inner
            .as_bytes()
            .last()
            .is_some_and(u8::is_ascii_alphanumeric);
        let core = if plain_end {
            inner
        } else {
            inner.trim_end_matches(CLOSERS)
        };
        let tail = &inner[core.len()..];
        let close = tail
            .chars()
            .find(|c| matches!(c, ',' | '.' | ';' | ':' | ')' | ']' | '!' | '?'));
        out.push(Word {
            core,
            start: start + lead,
            end: start + lead + core.len(),
            opens: raw.starts_with(['(', '[']),
            close,
        });
    }
    out
}

/// Whether a word is written as (part of) a name: capitalised or an acronym ("Fakultas",
/// "FKIP", "S1"), not a bare number.
pub(super) fn is_capitalised(core: &str) -> bool {
    let mut chars = core.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => true,
        Some(c) if c.is_ascii_digit() => core.chars().any(char::is_alphabetic),
        _ => false,
    }
}

/// The paragraphs of a text: runs of lines a mail client or a PDF wrapped (a line of 55 or
/// more characters runs on into the next), joined by a space. Quoted lines and the header
/// block of a forwarded message are left out.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut runs_on = false;
    let mut in_forward_header = false;
    for line in text.lines() {
        let t = line.trim();
        if is_forward_marker(t) {
            in_forward_header = true;
        }
        if t.is_empty() {
            in_forward_header = false;
        }
        let skip = t.is_empty() || in_forward_header || is_quoted(t);
        if skip || !runs_on {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if skip {
                runs_on = false;
                continue;
            }
        } else {
            current.push(' ');
        }
        current.push_str(t);
        runs_on = t.chars().count() >= 55;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A value stated inside a sentence, by what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stated {
    /// Raw text starting with the date ("21 Februari 2026 pukul 08.00").
    Date(String),
    /// "08.00 sampai 15.00 WIB".
    Time(String),
    /// "40".
    Count(String),
    /// "Lomba Desain Web tingkat SMA/SMK se-Jabodetabek".
    Event(String),
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by the tests below.
    Regex::new(pattern).expect("built-in pattern is a valid regex")
}

/// "pada hari Sabtu, " / "hari Kamis " / "pada tanggal " / "pada Jumat, tanggal ": what
/// leads an event's date in a sentence.
static DATE_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:pada|hari)\s+(?:hari\s+)?(?:(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\b\s*,?\s*(?:tanggal\s+|tgl\.?\s+)?|(?:tanggal|tgl\.?)\s+)",
    )
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:pukul|jam)\s+(\d{1,2}[.:]\d{2}(?:\s*(?:-|–|—|s\.\s?d\.?|s\.?d\.|s/d|sampai(?:\s+dengan)?|hingga)\s*\d{1,2}[.:]\d{2})?(?:\s*(?:WIB|WITA|WIT)\b)?)",
    )
});
static COUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:diikuti(?:\s+oleh)?|sebanyak|berjumlah)\s+(?:sekitar\s+|kurang\s+lebih\s+|±\s*)?(\d{1,3}(?:\.\d{3})+|\d+)\s+(?:orang|peserta|mahasiswa|mahasiswi|siswa|pegawai|dosen|tendik|karyawan|participants?|people|persons)\b",
    )
});

/// Words that end the name of an event in a sentence.
const EVENT_STOP: &[&str] = &[
    "yang",
    "oleh",
    "pada",
    "di",
    "dengan",
    "akan",
    "ini",
    "tersebut",
    "agar",
    "sehingga",
    "sebagai",
    "kami",
    "saya",
    "bertempat",
    "dilaksanakan",
    "diselenggarakan",
    "diadakan",
    "pukul",
    "tanggal",
    "hari",
    "secara",
    "melalui",
    "menggunakan",
    "dalam",
    "bagi",
    "which",
    "on",
    "at",
];

/// Longer than this, a "name" is a heading or a sentence in title case.
const MAX_EVENT_WORDS: usize = 12;

/// What every letter of a university supports ("mendukung kegiatan Tri Dharma Perguruan
/// Tinggi"): no event of its own.
const GENERIC_EVENTS: &[&str] = &[
    "tri dharma",
    "tridharma",
    "catur dharma",
    "belajar mengajar",
    "perkuliahan",
    "pembelajaran",
    "akademik",
    "kemahasiswaan",
];

/// Words that may lead "Kegiatan" in a title-case subject ("Zoom Untuk Kegiatan …").
const EVENT_LEADS: &[&str] = &[
    "untuk",
    "dalam",
    "rangka",
    "guna",
    "mendukung",
    "pelaksanaan",
    "penyelenggaraan",
    "pada",
    "dan",
    "for",
];

/// The values a sentence (a paragraph) states; see the module documentation.
#[cfg(test)]
pub(super) fn stated(paragraph: &str) -> Vec<Stated> {
    stated_wanted(paragraph, Wanted::ALL)
}

/// Which kinds of [`Stated`] values a rule has fields for: the others are not looked for
/// (each is a scan of every paragraph of the letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wanted {
    pub date: bool,
    pub time: bool,
    pub count: bool,
    pub event: bool,
}

impl Wanted {
    #[cfg(test)]
    const ALL: Wanted = Wanted {
        date: true,
        time: true,
        count: true,
        event: true,
    };

    pub fn any(self) -> bool {
        self.date || self.time || self.count || self.event
    }
}

/// [`stated`] for the kinds `wanted` only, in the same order.
pub(super) fn stated_wanted(paragraph: &str, wanted: Wanted) -> Vec<Stated> {
    let mut out = Vec::new();
    if wanted.date {
        for m in DATE_LEAD.find_iter(paragraph) {
            let rest = &paragraph[m.end()..];
            // The date must follow at once: a day number or a month name.
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                let six: Vec<&str> = rest.split_whitespace().take(6).collect();
                out.push(Stated::Date(six.join(" ")));
            }
        }
    }
    if wanted.time {
        for c in TIME.captures_iter(paragraph) {
            if let Some(t) = c.get(1) {
                out.push(Stated::Time(t.as_str().to_owned()));
            }
        }
    }
    if wanted.count {
        for c in COUNT.captures_iter(paragraph) {
            if let Some(n) = c.get(1) {
                out.push(Stated::Count(n.as_str().to_owned()));
            }
        }
    }
    if wanted.event {
        out.extend(events(paragraph).into_iter().map(Stated::Event));
    }
    out
}

/// Names of events after "kegiatan"/"acara" in a sentence.
fn events(paragraph: &str) -> Vec<String> {
    // Most paragraphs name no event: skip splitting them into words (per letter, costly).
    let has = |w: &[u8]| {
        paragraph
            .as_bytes()
            .windows(w.len())
            .any(|b| b.eq_ignore_ascii_case(w))
    };
    if !has(b"kegiatan") && !has(b"acara") {
        return Vec::new();
    }
    let ws = words(paragraph);
    let mut out = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        let trigger =
            w.core.eq_ignore_ascii_case("kegiatan") || w.core.eq_ignore_ascii_case("acara");
        // "Kegiatan : …" is a label line, read elsewhere.
        if !trigger || w.close.is_some() {
            continue;
        }
        // "Unit Kegiatan Mahasiswa": the word is part of a name (a title-case subject's
        // "Untuk Kegiatan …" is not).
        let in_name = is_capitalised(w.core)
            && i.checked_sub(1).and_then(|p| ws.get(p)).is_some_and(|p| {
                is_capitalised(p.core)
                    && p.close.is_none()
                    && !EVENT_LEADS.contains(&p.core.to_lowercase().as_str())
            });
        let Some(first) = ws.get(i + 1) else {
            continue;
        };
        if in_name || first.opens || !is_capitalised(first.core) {
            continue;
        }
        let mut end = i + 1; // exclusive end of the name, in words
        let mut j = i + 1;
        let mut ended = false;
        let mut lower_run = 0;
        while let Some(w) = ws.get(j).filter(|_| j - i <= MAX_EVENT_WORDS) {
            let lower = w.core.to_lowercase();
            if w.opens || w.core.is_empty() || EVENT_STOP.contains(&lower.as_str()) {
                ended = true;
                break;
            }
            // A name may hold a word or a joiner in lower case ("Lomba Desain Web tingkat
            // SMA", "Sains untuk Negeri") but not two in a row: that is the sentence again.
            if w.core
                .chars()
                .any(|c| c.is_uppercase() || c.is_ascii_digit())
            {
                end = j + 1;
                lower_run = 0;
            } else {
                lower_run += 1;
                if lower_run >= 2 {
                    ended = true;
                    break;
                }
            }
            j += 1;
            if w.close.is_some() {
                ended = true;
                break;
            }
        }
        // A run of capitalised words with no end in sight is a heading, not a name.
        let ended = ended || j == ws.len();
        if end == i + 1 || !ended {
            continue;
        }
        let (Some(a), Some(b)) = (ws.get(i + 1), ws.get(end - 1)) else {
            continue;
        };
        let name = &paragraph[a.start..b.end];
        let lower = name.to_lowercase();
        if GENERIC_EVENTS.iter().any(|g| lower.starts_with(g)) {
            continue;
        }
        out.push(name.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_cores_and_closing_punctuation() {
        let ws = words("Kami (PMB) UHAMKA, bermaksud.");
        let cores: Vec<&str> = ws.iter().map(|w| w.core).collect();
        assert_eq!(cores, ["Kami", "PMB", "UHAMKA", "bermaksud"]);
        assert!(ws[1].opens);
        assert_eq!(ws[1].close, Some(')'));
        assert_eq!(ws[2].close, Some(','));
        assert_eq!(ws[3].close, Some('.'));
        let text = "a  b";
        let ws = words(text);
        assert_eq!(&text[ws[1].start..ws[1].end], "b");
        assert!(words("").is_empty());
    }

    #[test]
    fn wrapped_lines_are_joined_into_paragraphs() {
        let text = "Sehubungan dengan akan dilaksanakannya kegiatan Webinar Nasional untuk\n\
                    Negeri 2026 oleh BEM, kami mengajukan.\nNama : Budi\n\n> kutipan\nAkhir";
        assert_eq!(
            paragraphs(text),
            [
                "Sehubungan dengan akan dilaksanakannya kegiatan Webinar Nasional untuk \
                 Negeri 2026 oleh BEM, kami mengajukan.",
                "Nama : Budi",
                "Akhir"
            ]
        );
        let fwd = "Mohon diproses.\n---------- Forwarded message ---------\nFrom: A <a@b.id>\n\
                   Date: Sen, 12 Jan 2026\n\nIsi surat";
        assert_eq!(paragraphs(fwd), ["Mohon diproses.", "Isi surat"]);
    }

    #[test]
    fn dates_in_sentences_need_a_weekday_or_tanggal_before_them() {
        let got = stated("kami akan meminjam Lab 1 pada hari Sabtu, 21 Februari 2026 pukul 08.00");
        assert!(got.contains(&Stated::Date("21 Februari 2026 pukul 08.00".into())));
        assert!(stated("pada tanggal 3 Maret 2026 kami")
            .contains(&Stated::Date("3 Maret 2026 kami".into())));
        assert!(stated("hari Kamis 5/3/2026").contains(&Stated::Date("5/3/2026".into())));
        // The letter's own date, or a date after a bare "pada", is no event date.
        let none = |s: &str| !stated(s).iter().any(|v| matches!(v, Stated::Date(_)));
        assert!(none("Jakarta, 16 Februari 2026"));
        assert!(none("surat kami pada 12 Januari 2026"));
        assert!(none("Malang, Senin, 12 Januari 2026"));
    }

    #[test]
    fn times_and_counts_in_sentences() {
        let got = stated("pukul 08.00 sampai 15.00 WIB yang akan diikuti oleh 40 peserta");
        assert!(got.contains(&Stated::Time("08.00 sampai 15.00 WIB".into())));
        assert!(got.contains(&Stated::Count("40".into())));
        assert!(
            stated("mulai jam 13:30 s.d. 16:00").contains(&Stated::Time("13:30 s.d. 16:00".into()))
        );
        assert!(stated("sebanyak 1.200 mahasiswa").contains(&Stated::Count("1.200".into())));
        assert!(stated("diikuti kurang lebih 75 orang").contains(&Stated::Count("75".into())));
        // A licence name or a capacity is no count of participants.
        assert!(
            !stated("lisensi Zoom 300 participants dengan kapasitas 300 peserta")
                .iter()
                .any(|v| matches!(v, Stated::Count(_)))
        );
        assert!(!stated("1 x 24 jam kerja")
            .iter()
            .any(|v| matches!(v, Stated::Time(_))));
    }

    #[test]
    fn events_are_capitalised_names_after_kegiatan() {
        let ev = |s: &str| events(s);
        assert_eq!(
            ev("untuk kegiatan Lomba Desain Web tingkat SMA/SMK se-Jabodetabek yang akan"),
            ["Lomba Desain Web tingkat SMA/SMK se-Jabodetabek"]
        );
        assert_eq!(
            ev("Dalam rangka kegiatan Accounting Fair 2026, kami mengajukan"),
            ["Accounting Fair 2026"]
        );
        assert_eq!(
            ev("kegiatan Webinar Nasional Sains untuk Negeri 2026 oleh BEM FMIPA"),
            ["Webinar Nasional Sains untuk Negeri 2026"]
        );
        assert_eq!(
            ev("acara Dies Natalis ke-60 di Aula"),
            ["Dies Natalis ke-60"]
        );
        assert_eq!(
            ev("guna mendukung kegiatan Talkshow Literasi Digital."),
            ["Talkshow Literasi Digital"]
        );
        // Not a name: lower case, a label line, a bracket.
        assert!(ev("Kegiatan perkuliahan dan administrasi terganggu").is_empty());
        assert!(ev("Kegiatan : Seminar").is_empty());
        assert!(ev("untuk kegiatan resmi ormawa").is_empty());
        assert!(ev("kegiatan (lihat lampiran)").is_empty());
        assert!(ev("dalam rangka mendukung kegiatan Tri Dharma Perguruan Tinggi").is_empty());
        assert!(ev("Kami Unit Kegiatan Mahasiswa Robotika bermaksud").is_empty());
        assert_eq!(ev("Zoom Untuk Kegiatan Dies Natalis"), ["Dies Natalis"]);
        assert_eq!(
            ev("kegiatan Seminar Nasional dan Call for Paper, kami"),
            ["Seminar Nasional dan Call for Paper"]
        );
        assert_eq!(
            ev("kegiatan Bakti Sosial bersama warga desa"),
            ["Bakti Sosial"]
        );
        // A name ending in a joiner loses it.
        assert_eq!(
            ev("kegiatan Seminar Nasional dan kami"),
            ["Seminar Nasional"]
        );
    }
}
