//! The requester's unit (and faculty) where the letter names it without a label, and the
//! writer's name under a signature.
//!
//! A unit is named by a phrase that opens with a unit word — Fakultas, Program Studi, Prodi,
//! Jurusan, Departemen, Bagian, UPT, Pusat, Lembaga, LPPM, Biro, Badan, Direktorat, Sekolah
//! Pascasarjana, Himpunan, BEM, UKM, Panitia… — capitalised as a name is, and runs on over
//! capitalised words and acronyms ("dan"/"&" between two of them): "UPT Pusat Bahasa",
//! "Program Studi Magister Manajemen FEB USK", "Fakultas Ekonomi dan Bisnis". It ends before
//! a word in lower case (a verb: "… memerlukan"), punctuation, a number, a date word or a
//! word such as "untuk"/"Tanggal" that a title-case subject capitalises.
//!
//! Such a phrase is the requester's only where the letter says so:
//!
//! - the **letterhead** (kop surat), see [`super::reader::letterhead_unit`];
//! - **prose**: it does something ("UPT Pusat Bahasa memerlukan …", "Program Studi X
//!   bermaksud …"), or the writer says it is theirs ("kami dari Fakultas Kedokteran Hewan",
//!   "Kami BEM FKIP UNS mohon …", "saya staf baru di Bagian Akademik Fakultas Syariah", "saya
//!   Budi dengan NIM … dari Fakultas Ilmu Komputer"), or it sent the letter ("Terlampir surat
//!   dari UPT Perpustakaan"; not "surat rekomendasi dari …", "Menindaklanjuti surat dari …")
//!   — never after "Yth."/"kepada", nor a place ("Gedung Fakultas Hukum"), the party served
//!   ("untuk …", "oleh …") or a question ("apakah Pusat Komputer memerlukan …");
//! - the **signature**: a line under "Hormat kami,", "Salam,", "Terima kasih", a place and
//!   date, "--", that ends with the phrase ("Koordinator Layanan Tes, UPT Pusat Bahasa USK");
//!   a "Tembusan" (copies) list ends the signature;
//! - the **subject**, where the phrase ends it ("Permohonan Akun Webservice - Fakultas
//!   Kedokteran Hewan", "Surat LPPM USK No. 112/…"); a weak unit word (Pusat, Badan, Unit,
//!   Kantor, Panitia…, also names of things: "Pusat Data") only after a dash or the like.
//!
//! What the letter itself says (prose, letterhead) comes before what surrounds it (signature,
//! subject): the signature under a cover email may be the clerk's office that sent it. Within
//! each, the most specific unit is taken (a study programme, department or section before a
//! faculty or institute), then the letterhead before prose, signature before subject. For
//! `fakultas`, the "Fakultas …" part of such a phrase, in the same order.
//!
//! In a reply ("Re: …"), the original quoted below "From:" or "… menulis:" is left out: it is
//! often the helpdesk's own letter, whose signature names the helpdesk.

use super::prose::{is_capitalised, paragraphs, words, Word};
use super::reader::{is_forward_marker, is_quoted, letterhead_unit, title_case};
use crate::rules::ValueSource;
use std::sync::LazyLock;

/// How specific a unit word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// Faculty, institute, directorate, bureau, student organisation.
    Unit,
    /// Study programme, department, section: part of a unit.
    Part,
}

struct Keyword {
    /// Lower-case words.
    words: &'static [&'static str],
    /// An acronym, written in capitals only.
    acronym: bool,
    /// Also the name of things ("Pusat Data", "Unit Layanan"): in a subject only after a dash.
    weak: bool,
    level: Level,
}

const fn kw(words: &'static [&'static str], level: Level) -> Keyword {
    Keyword {
        words,
        acronym: false,
        weak: false,
        level,
    }
}

const fn weak(words: &'static [&'static str]) -> Keyword {
    Keyword {
        words,
        acronym: false,
        weak: true,
        level: Level::Unit,
    }
}

const fn acronym(word: &'static [&'static str]) -> Keyword {
    Keyword {
        words: word,
        acronym: true,
        weak: false,
        level: Level::Unit,
    }
}

/// Unit words, longest first where one starts another.
const KEYWORDS: &[Keyword] = &[
    kw(&["program", "studi"], Level::Part),
    kw(&["program", "magister"], Level::Part),
    kw(&["program", "doktor"], Level::Part),
    kw(&["program", "sarjana"], Level::Part),
    kw(&["program", "diploma"], Level::Part),
    kw(&["program", "profesi"], Level::Part),
    kw(&["program", "pascasarjana"], Level::Unit),
    kw(&["prodi"], Level::Part),
    kw(&["jurusan"], Level::Part),
    kw(&["departemen"], Level::Part),
    kw(&["bagian"], Level::Part),
    kw(&["subbagian"], Level::Part),
    kw(&["subbag"], Level::Part),
    kw(&["himpunan"], Level::Part),
    Keyword {
        words: &["hima"],
        acronym: true,
        weak: false,
        level: Level::Part,
    },
    kw(&["fakultas"], Level::Unit),
    kw(&["sekolah", "pascasarjana"], Level::Unit),
    kw(&["sekolah", "vokasi"], Level::Unit),
    kw(&["pascasarjana"], Level::Unit),
    kw(&["lembaga"], Level::Unit),
    kw(&["biro"], Level::Unit),
    kw(&["direktorat"], Level::Unit),
    kw(&["subdirektorat"], Level::Unit),
    acronym(&["upt"]),
    acronym(&["lppm"]),
    acronym(&["lp2m"]),
    acronym(&["lpm"]),
    acronym(&["bem"]),
    acronym(&["ukm"]),
    acronym(&["dpm"]),
    weak(&["tata", "usaha"]),
    weak(&["badan"]),
    weak(&["pusat"]),
    weak(&["unit"]),
    weak(&["kantor"]),
    weak(&["satuan"]),
    weak(&["panitia"]),
    weak(&["perpustakaan"]),
];

/// Words that end a unit's name even when capitalised (title-case subjects capitalise all).
const STOP: &[&str] = &[
    "untuk",
    "pada",
    "bagi",
    "dengan",
    "di",
    "ke",
    "dari",
    "yang",
    "oleh",
    "dalam",
    "guna",
    "tentang",
    "mengenai",
    "terkait",
    "perihal",
    "hal",
    "nomor",
    "no",
    "tanggal",
    "tgl",
    "tahun",
    "semester",
    "periode",
    "bulan",
    "hari",
    "angkatan",
    "gelombang",
    "kepada",
    "yth",
    "melalui",
    "sebagai",
    "selaku",
    "atas",
    "telp",
    "telepon",
    "email",
    "jalan",
    "jl",
    "gedung",
    "lantai",
    "lt",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "sabtu",
    "minggu",
    "januari",
    "februari",
    "maret",
    "april",
    "mei",
    "juni",
    "juli",
    "agustus",
    "september",
    "oktober",
    "november",
    "desember",
];

/// Joining words inside a unit's name: "Fakultas Ekonomi dan Bisnis".
const JOINERS: &[&str] = &["dan", "&"];

/// Verbs whose subject is the requesting unit: "UPT Pusat Bahasa memerlukan …".
const AGENT_VERBS: &[&str] = &[
    "memerlukan",
    "membutuhkan",
    "mengajukan",
    "bermaksud",
    "memohon",
    "bermohon",
    "mohon",
    "berencana",
    "hendak",
    "ingin",
    "menyampaikan",
    "meminta",
    "mendaftarkan",
];

/// Words that may stand between "saya"/"kami" and the unit: roles, names, "dengan NIM …".
const SELF_LINKS: &[&str] = &[
    "mahasiswa",
    "mahasiswi",
    "dosen",
    "staf",
    "staff",
    "pegawai",
    "karyawan",
    "tenaga",
    "kependidikan",
    "tendik",
    "pengelola",
    "admin",
    "operator",
    "ketua",
    "wakil",
    "sekretaris",
    "bendahara",
    "koordinator",
    "kepala",
    "pengurus",
    "anggota",
    "baru",
    "aktif",
    "tetap",
    "adalah",
    "selaku",
    "sebagai",
    "merupakan",
    "dengan",
    "yang",
    "bertugas",
    "bekerja",
    "dari",
    "di",
    "pada",
    "nim",
    "nip",
    "npm",
    "nidn",
];

/// Kinds of letters whose sender is *not* the requester: "surat rekomendasi dari Biro …".
const OTHER_LETTERS: &[&str] = &[
    "rekomendasi",
    "persetujuan",
    "balasan",
    "keterangan",
    "edaran",
    "tugas",
    "pengantar",
    "undangan",
];

/// A unit named in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mention {
    /// Word range in the text's words.
    first: usize,
    end: usize,
    level: Level,
    weak: bool,
}

/// For each first byte (lower case) of a keyword's first word, the lengths that word has
/// (bit `n` for `n` bytes, bit 31 for 31 or more): a word of another first letter or
/// length is no keyword's, whatever its case (the check is run at every word of a text).
static KEYWORD_STARTS: LazyLock<[u32; 256]> = LazyLock::new(|| {
    let mut table = [0u32; 256];
    for k in KEYWORDS {
        if let Some(w) = k.words.first() {
            if let Some(&b) = w.as_bytes().first() {
                table[usize::from(b.to_ascii_lowercase())] |= 1 << w.len().min(31);
            }
        }
    }
    table
});

/// The keyword starting at word `i`, and how many words it covers.
fn keyword_at(ws: &[Word<'_>], i: usize) -> Option<(&'static Keyword, usize)> {
    let core = ws.get(i)?.core.as_bytes();
    let first = core.first()?;
    if KEYWORD_STARTS[usize::from(first.to_ascii_lowercase())] & (1 << core.len().min(31)) == 0 {
        return None;
    }
    KEYWORDS.iter().find_map(|k| {
        let n = k.words.len();
        let span = ws.get(i..i + n)?;
        let fits = span.iter().zip(k.words).enumerate().all(|(j, (w, kw))| {
            // The word itself first: the shape is only worth looking at when it is the one.
            if !w.core.eq_ignore_ascii_case(kw) {
                return false;
            }
            let shape = if k.acronym {
                w.core.chars().all(|c| !c.is_lowercase())
            } else {
                is_capitalised(w.core)
            };
            // Only the last word of the keyword may carry punctuation after it.
            let open_inside = j + 1 < n && w.close.is_some();
            shape && !open_inside && !(j > 0 && w.opens)
        });
        fits.then_some((k, n))
    })
}

/// Whether a word goes on with a unit's name.
fn continues(w: &Word<'_>) -> bool {
    let lower = w.core.to_lowercase();
    !w.opens && is_capitalised(w.core) && !STOP.contains(&lower.as_str()) && !w.core.contains('@')
}

/// An acronym in brackets inside a name: "Panitia Penerimaan Mahasiswa Baru (PMB) UHAMKA".
fn bracketed_acronym(w: &Word<'_>) -> bool {
    w.opens
        && w.close == Some(')')
        && (2..=10).contains(&w.core.chars().count())
        && w.core
            .chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Longer than this, a "name" is a title-case sentence.
const MAX_WORDS: usize = 12;

/// The unit phrase starting at word `i`, if one does.
fn phrase_at(ws: &[Word<'_>], i: usize) -> Option<Mention> {
    let (k, n) = keyword_at(ws, i)?;
    let mut end = i + n;
    if ws.get(end - 1)?.close.is_some() {
        return None; // "Fakultas," alone names no unit
    }
    while let Some(w) = ws.get(end) {
        if bracketed_acronym(w) {
            end += 1;
            continue;
        }
        let lower = w.core.to_lowercase();
        if JOINERS.contains(&lower.as_str()) && w.close.is_none() {
            if ws.get(end + 1).is_some_and(continues) {
                end += 1;
                continue;
            }
            break;
        }
        if !continues(w) {
            break;
        }
        end += 1;
        match w.close {
            None => {}
            // "Subbagian Kepegawaian, Fakultas Ekonomi dan Bisnis": a unit within a unit.
            Some(',') if keyword_at(ws, end).is_some() => {}
            Some(_) => break,
        }
        if end - i > MAX_WORDS {
            return None;
        }
    }
    // The unit word and at least one more: "Fakultas Teknik", "LPPM USK".
    (end > i + n).then_some(Mention {
        first: i,
        end,
        level: k.level,
        weak: k.weak,
    })
}

/// Every unit phrase of a text, left to right, none inside another.
fn mentions(ws: &[Word<'_>]) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        match phrase_at(ws, i) {
            Some(m) => {
                i = m.end;
                out.push(m);
            }
            None => i += 1,
        }
    }
    out
}

/// The text of a mention, whitespace collapsed, in title case when its text is all capitals.
fn text_of(text: &str, ws: &[Word<'_>], first: usize, end: usize) -> Option<String> {
    let a = ws.get(first)?;
    let b = ws.get(end.checked_sub(1)?)?;
    let mut s = text.get(a.start..b.end)?.to_owned();
    // A bracket closed inside the last word ("(PMB)") keeps its bracket.
    if b.close == Some(')') && s.contains('(') && !s.ends_with(')') {
        s.push(')');
    }
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    // A line all in capitals (a letterhead's style) is no guide to how the name is spelled;
    // in a sentence, "BEM UHAMKA" is written as meant.
    Some(if text.chars().any(char::is_lowercase) {
        s
    } else {
        title_case(&s)
    })
}

fn lower(w: &Word<'_>) -> String {
    w.core.to_lowercase()
}

/// Whether the words before a mention address someone: "Yth. Kepala UPT TIK", "kepada
/// Direktur …", "ke Biro …".
fn addressed(ws: &[Word<'_>], first: usize) -> bool {
    let from = first.saturating_sub(4);
    ws.get(from..first).is_some_and(|before| {
        before
            .iter()
            .any(|w| matches!(lower(w).as_str(), "yth" | "kepada" | "kpd"))
    }) || ws
        .get(first.wrapping_sub(1))
        .is_some_and(|w| lower(w) == "ke")
}

/// Words before a unit that make it a place ("Gedung Fakultas Teknik"), the party something
/// is done for or by ("untuk Fakultas Teknik", "oleh BEM FKIP"), or a question or condition
/// about it ("apakah Pusat Komputer memerlukan …").
const NOT_THE_WRITER: &[&str] = &[
    "untuk",
    "bagi",
    "oleh",
    "gedung",
    "ruang",
    "ruangan",
    "lab",
    "laboratorium",
    "kampus",
    "lantai",
    "area",
    "lingkungan",
    "wilayah",
    "apakah",
    "jika",
    "bila",
    "apabila",
    "kalau",
    "agar",
    "supaya",
    "bahwa",
    "karena",
    "arahan",
    "sesuai",
];

/// In a sentence, also a unit that is not the writer's; see [`NOT_THE_WRITER`].
fn other_party(ws: &[Word<'_>], first: usize) -> bool {
    addressed(ws, first)
        || ws
            .get(first.wrapping_sub(1))
            .is_some_and(|w| NOT_THE_WRITER.contains(&lower(w).as_str()))
}

/// What leads a letter that is being sent: "Terlampir surat …", "kami sampaikan surat …".
const SENDING: &[&str] = &[
    "terlampir",
    "lampirkan",
    "sampaikan",
    "kirimkan",
    "kirim",
    "teruskan",
    "meneruskan",
    "berikut",
    "bersama",
];

/// Whether the sentence around a mention says it is the requester's; see the module doc.
fn stated_as_own(ws: &[Word<'_>], m: &Mention) -> bool {
    if other_party(ws, m.first) {
        return false;
    }
    // "UPT Pusat Bahasa memerlukan" (not "Sesuai arahan Biro Umum, mohon …").
    let last_close = ws.get(m.end - 1).and_then(|w| w.close);
    let verb_follows = last_close.is_none()
        && ws
            .get(m.end)
            .is_some_and(|w| !w.opens && AGENT_VERBS.contains(&lower(w).as_str()));
    if verb_follows {
        return true;
    }
    // "saya/kami [role, name, NIM …] [dari|di|pada] <unit>".
    let mut j = m.first;
    let mut gap = 0;
    while j > 0 && gap <= 8 {
        j -= 1;
        let Some(w) = ws.get(j) else { break };
        let l = lower(w);
        if w.close.is_some_and(|c| c != ',') {
            break; // another sentence
        }
        if l == "saya" || l == "kami" {
            return true;
        }
        let names = is_capitalised(w.core) || w.core.chars().all(|c| c.is_ascii_digit());
        if !(names || SELF_LINKS.contains(&l.as_str())) {
            break;
        }
        gap += 1;
    }
    // "Terlampir surat [permohonan …] dari <unit>" (not "Menindaklanjuti surat dari …").
    if m.first >= 2 && ws.get(m.first - 1).is_some_and(|w| lower(w) == "dari") {
        let from = m.first.saturating_sub(6);
        for k in (from..m.first - 1).rev() {
            let Some(w) = ws.get(k) else { break };
            let l = lower(w);
            if w.close.is_some_and(|c| c != ',') || OTHER_LETTERS.contains(&l.as_str()) {
                break;
            }
            if l == "surat" {
                let lead = ws.get(k.saturating_sub(3)..k).unwrap_or_default();
                return lead.iter().any(|w| SENDING.contains(&lower(w).as_str()));
            }
        }
    }
    false
}

/// Units the sentences of a text state as the requester's.
fn in_prose(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in paragraphs(text) {
        let ws = words(&p);
        for m in mentions(&ws) {
            if stated_as_own(&ws, &m) {
                out.extend(text_of(&p, &ws, m.first, m.end));
            }
        }
    }
    out
}

/// Lines that open a signature: "Hormat kami,", "Salam,", "Terima kasih.", "Wassalam",
/// "Regards", "a.n. Dekan", "Mengetahui,", "--", or a place and date ("Banda Aceh, 9
/// Januari 2026").
fn opens_signature(line: &str) -> bool {
    let t = line.trim().trim_matches('*').trim();
    if t == "--" {
        return true;
    }
    let l = t.to_lowercase();
    let short = t.chars().count() <= 40;
    const OPENERS: &[&str] = &[
        "hormat kami",
        "hormat saya",
        "salam",
        "wassalam",
        "terima kasih",
        "terimakasih",
        "regards",
        "best regards",
        "kind regards",
        "sincerely",
        "a.n.",
        "an.",
        "mengetahui",
    ];
    if short && OPENERS.iter().any(|o| l.starts_with(o)) {
        return true;
    }
    // "Banda Aceh, 9 Januari 2026"
    match t.split_once(',') {
        Some((place, date)) => {
            short
                && !place.is_empty()
                && place
                    .chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '.')
                && is_capitalised(place.trim())
                && crate::rules::values::find_date(date).is_some()
                && date.split_whitespace().count() <= 4
        }
        None => false,
    }
}

/// Whether a line ends the signature: copies ("Tembusan"), a quoted or forwarded original.
fn ends_signature(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    is_quoted(line)
        || is_forward_marker(line)
        || l.starts_with("tembusan")
        || l.starts_with("cc:")
        || l.starts_with("from:")
        || l.starts_with("dari:")
        || l.starts_with("____")
        || (l.ends_with("menulis:") || l.ends_with("wrote:"))
}

/// The lines under each signature opener of a text (up to eight non-empty ones each).
fn signature_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines.get(i).is_some_and(|l| opens_signature(l)) {
            i += 1;
            continue;
        }
        let mut taken = 0;
        i += 1;
        while let Some(line) = lines.get(i) {
            if ends_signature(line) || taken >= 8 {
                break;
            }
            if opens_signature(line) {
                break; // the next opener starts its own block
            }
            if !line.trim().is_empty() {
                out.push(*line);
                taken += 1;
            }
            i += 1;
        }
    }
    out
}

/// Units a signature line ends with: "Koordinator Layanan Tes, UPT Pusat Bahasa USK",
/// "Kepala Biro Keuangan,", "Subbag Keuangan FT UB – Gedung Dekanat Lt. 2".
fn in_signature(text: &str) -> Vec<(String, Level)> {
    let mut out = Vec::new();
    for line in signature_lines(text) {
        // An address after a dash is not part of the unit.
        let line = [" – ", " — ", " - ", " | "]
            .iter()
            .filter_map(|d| line.find(d))
            .min()
            .map_or(line, |at| &line[..at]);
        let ws = words(line);
        if ws.len() > MAX_WORDS {
            continue;
        }
        let Some(m) = mentions(&ws).into_iter().last() else {
            continue;
        };
        let ends_line = m.end == ws.len();
        if ends_line && !addressed(&ws, m.first) {
            out.extend(text_of(line, &ws, m.first, m.end).map(|t| (t, m.level)));
        }
    }
    out
}

/// The subject without "Re:", "Fwd:" and the like and ticket tags.
fn bare_subject(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let before = s;
        if let Some(rest) = s.strip_prefix('[') {
            if let Some(close) = rest.find(']') {
                s = rest[close + 1..].trim_start();
            }
        }
        if let Some((head, rest)) = s.split_once(':') {
            let h = head.trim().to_lowercase();
            if [
                "re", "fw", "fwd", "aw", "tr", "balas", "bls", "tl", "teruskan",
            ]
            .contains(&h.as_str())
            {
                s = rest.trim_start();
            }
        }
        if s == before {
            return s;
        }
    }
}

/// A unit that ends the subject: "Permohonan Akun Webservice · UPT Pusat Bahasa", "Surat
/// LPPM USK No. 112/…".
fn in_subject(subject: &str) -> Vec<(String, Level)> {
    let s = bare_subject(subject);
    let ws = words(s);
    let mut out = Vec::new();
    for m in mentions(&ws) {
        let rest = &ws[m.end..];
        let ends = rest
            .iter()
            .all(|w| !w.core.chars().any(char::is_alphanumeric))
            || rest.first().is_some_and(|w| {
                matches!(lower(w).as_str(), "no" | "nomor")
                    || w.core.starts_with(|c: char| c.is_ascii_digit())
            });
        let after_dash = ws.get(m.first).is_some_and(|w| {
            let before = s[..w.start].trim_end();
            before.is_empty() || before.ends_with(['-', '–', '—', '·', '|', ':', '/', '('])
        });
        // "WiFi mati di Gedung Fakultas Teknik": a place, not who writes. ("Pelatihan untuk
        // Biro Umum" is, in a subject, who asks.)
        let place = ws.get(m.first.wrapping_sub(1)).is_some_and(|w| {
            let l = lower(w);
            l == "di" || (NOT_THE_WRITER.contains(&l.as_str()) && l != "untuk" && l != "bagi")
        });
        if ends && (!m.weak || after_dash) && !addressed(&ws, m.first) && !place {
            out.extend(text_of(s, &ws, m.first, m.end).map(|t| (t, m.level)));
        }
    }
    out
}

/// The level of a letterhead's unit line ("PROGRAM STUDI …" is part of a faculty).
fn level_of(unit: &str) -> Level {
    let ws = words(unit);
    keyword_at(&ws, 0).map_or(Level::Unit, |(k, _)| k.level)
}

/// The "Fakultas …" part of a unit's name: "Bagian Akademik Fakultas Syariah" → "Fakultas
/// Syariah".
pub(super) fn faculty_part(unit: &str) -> Option<String> {
    let ws = words(unit);
    let at = ws
        .iter()
        .position(|w| w.core.eq_ignore_ascii_case("fakultas") && is_capitalised(w.core))?;
    let m = phrase_at(&ws, at)?;
    text_of(unit, &ws, m.first, m.end)
}

/// Whether a subject is a reply's ("Re: …", "Balas: …").
pub(super) fn is_reply(subject: &str) -> bool {
    let l = subject.trim_start().to_lowercase();
    ["re:", "re :", "aw:", "balas:", "bls:", "r:"]
        .iter()
        .any(|p| l.starts_with(p))
}

/// A reply's own text: up to the original it quotes ("From: …", "Pada … menulis:",
/// "-----Original Message-----", Outlook's line of underscores). What follows is someone
/// else's letter — often the helpdesk's own, whose signature and sentences name the helpdesk.
pub(super) fn own_text(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim().to_lowercase();
        let header = l.starts_with("from:")
            || l.starts_with("dari:")
            || l.starts_with("____")
            || l.ends_with("wrote:")
            || l.ends_with("menulis:")
            || is_forward_marker(line);
        if header {
            return &text[..at];
        }
        at += line.len();
    }
    text
}

/// Which field a unit is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitField {
    Unit,
    Fakultas,
}

/// The requester's unit (or faculty) named outside a labelled line; see the module doc.
pub(super) fn unit_named(
    field: UnitField,
    sources: &[(ValueSource, &str)],
    subject: &str,
    letterhead_keywords: &[&str],
) -> Option<(String, ValueSource)> {
    let reply = is_reply(subject);
    let own: Vec<(ValueSource, &str)> = sources
        .iter()
        .map(|(s, t)| (s.clone(), if reply { own_text(t) } else { *t }))
        .collect();
    let sources = own.as_slice();
    // What the letter itself says (its letterhead, its sentences), then what surrounds it
    // (a signature may be the clerk's who sent a cover email; a subject is short).
    let mut letter: Vec<(String, Level, ValueSource)> = Vec::new();
    for (source, text) in sources {
        if let Some(u) = letterhead_unit(text, letterhead_keywords) {
            letter.push((u.clone(), level_of(&u), source.clone()));
            break;
        }
    }
    for (source, text) in sources {
        for u in in_prose(text) {
            let level = level_of(&u);
            letter.push((u, level, source.clone()));
        }
    }
    let mut around: Vec<(String, Level, ValueSource)> = Vec::new();
    for (source, text) in sources {
        for (u, level) in in_signature(text) {
            around.push((u, level, source.clone()));
        }
    }
    for (u, level) in in_subject(subject) {
        around.push((u, level, ValueSource::Subject));
    }
    [letter, around].into_iter().find_map(|found| match field {
        UnitField::Unit => {
            let best = found.iter().map(|f| f.1).max()?;
            found
                .into_iter()
                .find(|f| f.1 == best)
                .map(|(u, _, s)| (u, s))
        }
        UnitField::Fakultas => found.into_iter().find_map(|(u, _, s)| {
            let part = faculty_part(&u).or_else(|| u.starts_with("Fakultas ").then(|| u.clone()));
            Some((part?, s))
        }),
    })
}

/// Words of a role or a unit: a sender's display name or a signature line with one of them
/// is no person's name ("Kaprodi Teknik Informatika", "Tata Usaha FEB").
const NOT_A_PERSON: &[&str] = &[
    "fakultas",
    "prodi",
    "program",
    "studi",
    "jurusan",
    "departemen",
    "biro",
    "lembaga",
    "direktorat",
    "bagian",
    "subbagian",
    "subbag",
    "upt",
    "pusat",
    "badan",
    "unit",
    "kantor",
    "panitia",
    "sekretariat",
    "sekretaris",
    "tata",
    "usaha",
    "tu",
    "kaprodi",
    "kajur",
    "kepala",
    "ketua",
    "dekan",
    "dekanat",
    "wakil",
    "rektor",
    "direktur",
    "koordinator",
    "admin",
    "administrator",
    "helpdesk",
    "layanan",
    "info",
    "informasi",
    "office",
    "tim",
    "team",
    "humas",
    "perpustakaan",
    "library",
    "kepegawaian",
    "akademik",
    "keuangan",
    "himpunan",
    "hima",
    "bem",
    "ukm",
    "lppm",
    "universitas",
    "university",
    "institut",
    "sekolah",
    "laboratorium",
    "lab",
    "staf",
    "staff",
    "dosen",
    "mahasiswa",
    "pemohon",
    "pendaftar",
    "pembina",
    "noreply",
    "no-reply",
    "sistem",
    "system",
    "ttd",
    "nip",
    "nim",
    "nidn",
];

/// Whether a display name or a line names a role or a unit rather than a person.
pub(super) fn is_role_or_unit(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric() && c != '-')
        .any(|w| NOT_A_PERSON.contains(&w.to_lowercase().as_str()))
}

/// Titles written before a name, in lower case: "drh. Ahmad", "apt. Diah".
const LOWER_TITLES: &[&str] = &["dr", "drh", "drg", "apt", "ns", "ir", "hj", "h"];

/// Whether a signature line is a person's name: two to six capitalised words, titles
/// allowed ("Dr. Sri Wahyuni, M.Si."), degrees after a comma, no digits, no role or unit.
fn is_person_line(line: &str) -> bool {
    let t = line.trim().trim_matches('*').trim();
    if t.is_empty() || t.chars().any(|c| c.is_ascii_digit()) || is_role_or_unit(t) {
        return false;
    }
    let (name, degrees) = t.split_once(',').unwrap_or((t, ""));
    let name_words: Vec<&str> = name.split_whitespace().collect();
    let proper = name_words
        .iter()
        .filter(|w| !w.ends_with('.'))
        .filter(|w| !LOWER_TITLES.contains(&w.trim_end_matches('.').to_lowercase().as_str()))
        .count();
    let shaped = name_words.iter().all(|w| {
        let bare = w.trim_end_matches('.');
        is_capitalised(bare)
            && bare
                .chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
            || LOWER_TITLES.contains(&bare.to_lowercase().as_str())
    });
    // Degrees: "S.Kom.", "M.T.", "Ph.D." — short pieces with dots.
    let degrees_ok = degrees.split(',').map(str::trim).all(|d| {
        d.is_empty()
            || (d.contains('.')
                && d.len() <= 12
                && d.chars().all(|c| c.is_alphabetic() || c == '.' || c == ' '))
    });
    (2..=6).contains(&proper) && name_words.len() <= 8 && shaped && degrees_ok
}

/// The writer's name under a signature ("Terima kasih, Bu." / "Hendra Saputra, M.Kom."):
/// the first signature line that is a person's name, body first, then attachments.
pub(super) fn signer(
    sources: &[(ValueSource, &str)],
    subject: &str,
) -> Option<(String, ValueSource)> {
    let reply = is_reply(subject);
    sources.iter().find_map(|(source, text)| {
        let text = if reply { own_text(text) } else { text };
        signature_lines(text)
            .into_iter()
            .find(|l| is_person_line(l))
            .map(|l| (l.trim().trim_matches('*').trim().to_owned(), source.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(text: &str) -> Vec<String> {
        let ws = words(text);
        mentions(&ws)
            .into_iter()
            .filter_map(|m| text_of(text, &ws, m.first, m.end))
            .collect()
    }

    #[test]
    fn unit_phrases_run_over_names_and_stop_at_verbs_and_punctuation() {
        assert_eq!(
            phrases("UPT Pusat Bahasa memerlukan akses"),
            ["UPT Pusat Bahasa"]
        );
        assert_eq!(
            phrases("Fakultas Ekonomi dan Bisnis mengajukan"),
            ["Fakultas Ekonomi dan Bisnis"]
        );
        assert_eq!(
            phrases("Biro Perencanaan dan ingin mendaftar"),
            ["Biro Perencanaan"]
        );
        assert_eq!(
            phrases("mahasiswa baru Program Studi Pendidikan Bahasa Arab angkatan 2025,"),
            ["Program Studi Pendidikan Bahasa Arab"]
        );
        assert_eq!(
            phrases("Subbagian Kepegawaian, Fakultas Ekonomi dan Bisnis."),
            ["Subbagian Kepegawaian, Fakultas Ekonomi dan Bisnis"]
        );
        assert_eq!(
            phrases("Panitia Penerimaan Mahasiswa Baru (PMB) UHAMKA bermaksud"),
            ["Panitia Penerimaan Mahasiswa Baru (PMB) UHAMKA"]
        );
        // Title-case subjects: stop words end the name.
        assert_eq!(
            phrases("Peminjaman Lab Untuk Prodi Informatika Tanggal 5 Maret"),
            ["Prodi Informatika"]
        );
        assert_eq!(
            phrases("FAKULTAS ILMU SOSIAL DAN ILMU POLITIK"),
            ["Fakultas Ilmu Sosial dan Ilmu Politik"]
        );
        // A unit word alone, in lower case, or an acronym in lower case names no unit.
        assert!(phrases("Ketua Program Studi,").is_empty());
        assert!(phrases("di lingkungan fakultas teknik").is_empty());
        assert!(phrases("bem kampus").is_empty());
        assert!(phrases("Fakultas").is_empty());
    }

    #[test]
    fn prose_units_need_the_letter_to_say_they_are_the_requesters() {
        let own = |s: &str| in_prose(s);
        assert_eq!(
            own("Untuk keperluan tes, UPT Pusat Bahasa memerlukan akses webservice."),
            ["UPT Pusat Bahasa"]
        );
        assert_eq!(
            own("Bersama ini kami dari Fakultas Kedokteran Hewan mengajukan permohonan"),
            ["Fakultas Kedokteran Hewan"]
        );
        assert_eq!(
            own("Saya staf baru di Bagian Akademik Fakultas Syariah. Mohon dibuatkan akun"),
            ["Bagian Akademik Fakultas Syariah"]
        );
        assert_eq!(
            own("Perkenalkan, saya Budi Santoso dengan NIM 215150200111001 dari Fakultas Ilmu Komputer."),
            ["Fakultas Ilmu Komputer"]
        );
        assert_eq!(
            own("saya Iqbal, Ketua Himpunan Mahasiswa Teknik Sipil, bermaksud meminjam"),
            ["Himpunan Mahasiswa Teknik Sipil"]
        );
        assert_eq!(
            own("Terlampir surat permohonan dari Lembaga Penjaminan Mutu."),
            ["Lembaga Penjaminan Mutu"]
        );
        // Addressees, recommenders, providers and places are not the requester.
        assert!(own("Yth. Kepala UPT TIK, mohon bantuan").is_empty());
        assert!(own("kepada Direktorat Sistem Informasi akan kami kirim").is_empty());
        assert!(own("surat rekomendasi dari Biro Kemahasiswaan terlampir").is_empty());
        assert!(own("lisensi dari Direktorat Teknologi Informasi UNS guna").is_empty());
        assert!(own("kami mohon BPTI menyiapkan ruang di Fakultas Teknik").is_empty());
        assert!(own("Akun tersebut untuk lingkungan Fakultas Teknik dan kami").is_empty());
        assert!(own("Apakah Pusat Komputer memerlukan surat resmi?").is_empty());
        assert!(own("Sesuai arahan Biro Umum, mohon dibuatkan akun").is_empty());
        assert!(own("Menindaklanjuti surat dari Biro Kepegawaian, kami mohon").is_empty());
        assert!(own("WiFi di Gedung Fakultas Hukum memerlukan perbaikan").is_empty());
    }

    #[test]
    fn signature_units_end_their_line() {
        let sig = "Terima kasih atas bantuannya.\n\nHormat kami,\nDésirée, M.A.\n\
                   Koordinator Layanan Tes, UPT Pusat Bahasa USK\n";
        assert_eq!(
            in_signature(sig),
            [("UPT Pusat Bahasa USK".to_string(), Level::Unit)]
        );
        let sig = "Salam,\nYohanes\nSubbag Keuangan FT UB – Gedung Dekanat Lt. 2";
        assert_eq!(
            in_signature(sig),
            [("Subbag Keuangan FT UB".to_string(), Level::Part)]
        );
        let sig = "Jakarta, 3 Februari 2026\nKetua Program Studi Sistem Informasi,\nDr. Ani";
        assert_eq!(
            in_signature(sig),
            [("Program Studi Sistem Informasi".to_string(), Level::Part)]
        );
        // Not a signature: no opener; copies; a unit in the middle of a sentence.
        assert!(in_signature("Ketua BEM FMIPA UNS").is_empty());
        assert!(in_signature("Hormat kami,\nDekan\n\nTembusan:\n1. Biro Umum").is_empty());
        assert!(in_signature("Salam,\nBiro Umum sudah kami hubungi kemarin").is_empty());
    }

    #[test]
    fn subject_units_end_the_subject() {
        let s = |x: &str| in_subject(x).into_iter().map(|u| u.0).collect::<Vec<_>>();
        assert_eq!(
            s("Fwd: Permohonan Akun Webservice - Fakultas Kedokteran Hewan"),
            ["Fakultas Kedokteran Hewan"]
        );
        assert_eq!(
            s("Permohonan Akun Webservice · UPT Pusat Bahasa"),
            ["UPT Pusat Bahasa"]
        );
        assert_eq!(s("Surat LPPM USK No. 112/UN11.9/TU/2026"), ["LPPM USK"]);
        assert_eq!(
            s("Re: [TIK-2026-000001] Zoom – BEM FKIP UNS 🙏"),
            ["BEM FKIP UNS"]
        );
        assert_eq!(
            s("Permohonan Akun Webservice Fakultas Teknik"),
            ["Fakultas Teknik"]
        );
        // Weak unit words need a dash; a unit in the middle; an addressee.
        assert!(s("Permohonan akses Pusat Data Akademik").is_empty());
        assert_eq!(
            s("Permohonan akses - Pusat Studi Gender"),
            ["Pusat Studi Gender"]
        );
        assert!(s("Pelatihan Fakultas Teknik untuk tendik").is_empty());
        assert!(s("Surat kepada Biro Umum").is_empty());
        assert!(s("Diklat SIAKAD bagi Operator Prodi").is_empty());
        assert!(s("WiFi mati di Fakultas Teknik").is_empty());
        assert_eq!(
            s("Permohonan Pelatihan Excel untuk Biro Umum"),
            ["Biro Umum"]
        );
        assert!(s("Laporan gangguan WiFi Gedung Fakultas Teknik").is_empty());
    }

    #[test]
    fn the_most_specific_unit_wins_and_faculties_come_from_it() {
        let body = "UNIVERSITAS CONTOH\nFAKULTAS TEKNIK\nJalan Raya 1\n\n\
                    Program Studi Teknik Sipil bermaksud mengajukan pelatihan.";
        let sources = [(ValueSource::Body, body)];
        let keys = ["FAKULTAS", "PROGRAM STUDI"];
        assert_eq!(
            unit_named(UnitField::Unit, &sources, "", &keys).map(|u| u.0),
            Some("Program Studi Teknik Sipil".into())
        );
        assert_eq!(
            unit_named(UnitField::Fakultas, &sources, "", &["FAKULTAS"]).map(|u| u.0),
            Some("Fakultas Teknik".into())
        );
        let body = "Saya staf di Bagian Umum Fakultas Hukum. Mohon bantuannya.";
        let sources = [(ValueSource::Body, body)];
        assert_eq!(
            unit_named(UnitField::Fakultas, &sources, "", &["FAKULTAS"]),
            Some(("Fakultas Hukum".into(), ValueSource::Body))
        );
        assert_eq!(
            unit_named(
                UnitField::Unit,
                &[(ValueSource::Body, "Terlampir.")],
                "Surat - Biro Umum",
                &keys
            ),
            Some(("Biro Umum".into(), ValueSource::Subject))
        );
        assert_eq!(unit_named(UnitField::Unit, &[], "", &keys), None);
    }

    #[test]
    fn a_replys_quoted_original_names_no_unit() {
        let body = "Terima kasih, kami tunggu.\n\n________________________________\n\
                    From: Helpdesk <helpdesk@kampus.ac.id>\n\nYth. Bapak,\n\
                    Hormat kami,\nHelpdesk\nUPT Teknologi Informasi dan Komunikasi";
        let sources = [(ValueSource::Body, body)];
        assert_eq!(
            unit_named(UnitField::Unit, &sources, "RE: Akun", &["UPT"]),
            None
        );
        // A forwarded letter is the request itself.
        let fwd = "Mohon diproses.\n\n---------- Forwarded message ---------\nFrom: A\n\n\
                   Bersama ini kami dari Biro Umum mengajukan akun.";
        let sources = [(ValueSource::Body, fwd)];
        assert_eq!(
            unit_named(UnitField::Unit, &sources, "Fwd: Akun", &["UPT"]).map(|u| u.0),
            Some("Biro Umum".into())
        );
        assert_eq!(
            own_text("a\nb\nPada Sen, 5 Jan 2026 Budi menulis:\n> c"),
            "a\nb\n"
        );
    }

    #[test]
    fn people_and_roles_under_a_signature() {
        assert!(is_person_line("Hendra Saputra, M.Kom."));
        assert!(is_person_line("Dr. Sri Wahyuni, M.Si."));
        assert!(is_person_line("drh. Ahmad Fauzan, M.Si."));
        assert!(is_person_line("Teuku Rahmat Fadhil, S.T., M.T."));
        assert!(!is_person_line("Rizky"));
        assert!(!is_person_line("Kaprodi Teknik Informatika FT UHAMKA"));
        assert!(!is_person_line("Dosen Teknik Informatika"));
        assert!(!is_person_line("NIP 198409172010122003"));
        assert!(!is_person_line("Jakarta, 3 Februari 2026"));
        assert!(!is_person_line("Terima kasih atas perhatiannya"));
        let text =
            "Mohon dibantu.\nTerima kasih, Bu.\nHendra Saputra, M.Kom.\nDosen Teknik Informatika";
        assert_eq!(
            signer(&[(ValueSource::Body, text)], "Peminjaman lab"),
            Some(("Hendra Saputra, M.Kom.".into(), ValueSource::Body))
        );
        assert_eq!(signer(&[(ValueSource::Body, "Salam,\nRizky")], ""), None);
        // A reply's quoted original is not the writer's.
        let reply = "Baik.\n\nFrom: Helpdesk\nHormat kami,\nSiti Aminah, S.Kom.";
        assert_eq!(
            signer(&[(ValueSource::Body, reply)], "RE: Peminjaman lab"),
            None
        );
        assert!(is_role_or_unit("Kaprodi Teknik Informatika"));
        assert!(is_role_or_unit("TU FEB UHAMKA"));
        assert!(!is_role_or_unit("Muhammad Iqbal Maulana"));
    }
}
