//! Reading label/value candidates out of one text: lines, cells, list markers, separators,
//! header-row tables. Only *finds* values; [`super`] validates and chooses among them.

use super::prose::{self, Stated};
use crate::rules::labels::{tokens, LabelSet};
use crate::rules::values::{find_choice, has_alnum};
use crate::rules::{FieldSpec, FieldType};

/// How far a candidate value can be trusted; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Rank {
    /// `Label : value`, a label cell and its value cell, a header-row table.
    Labelled,
    /// The label had other words before its colon ("Nama Pembina : …").
    Loose,
    /// `Label value` with neither colon nor cell boundary.
    Bare,
}

#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub field: usize,
    pub value: String,
    pub source: usize,
    pub rank: Rank,
    /// The label named several fields ("NIM/NIP : …"): a value that does not fit one of
    /// them is not an error of the letter.
    pub shared: bool,
    pub seq: usize,
}

pub(super) fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Reads label/value candidates out of texts.
pub(super) struct Collector<'r> {
    pub fields: &'r [FieldSpec],
    pub labels: &'r LabelSet,
    pub out: Vec<Candidate>,
    pub source: usize,
    /// (source, line numbers) of tables with several data rows, header included: lists of
    /// people or items, whose values are no one value of the letter.
    pub lists: Vec<(usize, std::ops::Range<usize>)>,
}

/// "---------- Forwarded message ---------", "-----Original Message-----", and the
/// Indonesian forms Gmail and Outlook write.
pub(super) fn is_forward_marker(line: &str) -> bool {
    // Lower-cased only when it may be one (lower-casing keeps the leading dashes).
    if !line.trim_start().starts_with("--") {
        return false;
    }
    let l = line.trim().to_lowercase();
    l.starts_with("--")
        && [
            "forwarded message",
            "original message",
            "pesan terusan",
            "pesan asli",
        ]
        .iter()
        .any(|m| l.contains(m))
}

/// The unit a letterhead names. A letterhead (kop surat) is the block of upper-case lines
/// that opens a letter: "KEMENTERIAN …", "UNIVERSITAS SYIAH KUALA", "FAKULTAS TEKNIK". The
/// last of them that starts with one of `keywords` is the most specific unit; a following
/// line that starts with "DAN" continues it. Returned in title case, acronyms kept.
pub(super) fn letterhead_unit(text: &str, keywords: &[&str]) -> Option<String> {
    let mut block: Vec<String> = Vec::new();
    for line in text.lines().map(|l| l.trim().trim_matches('*').trim()) {
        if line.is_empty() {
            continue;
        }
        if line.chars().any(char::is_lowercase) || block.len() >= 10 {
            break;
        }
        if !line.chars().any(char::is_alphabetic) {
            continue;
        }
        let joins = line.starts_with("DAN ") || line.starts_with("& ");
        match block.last_mut() {
            Some(prev) if joins => {
                prev.push(' ');
                prev.push_str(line);
            }
            _ => block.push(line.to_owned()),
        }
    }
    let unit = block.iter().rev().find(|l| {
        keywords.iter().any(|k| {
            l.strip_prefix(k)
                .is_some_and(|rest| rest.starts_with(' ') || rest.is_empty())
        })
    })?;
    Some(title_case(unit))
}

/// "FAKULTAS ILMU SOSIAL DAN ILMU POLITIK" → "Fakultas Ilmu Sosial dan Ilmu Politik";
/// short words that are not common words stay upper case ("UPT", "LPPM", "TIK").
pub(super) fn title_case(s: &str) -> String {
    const SMALL: &[&str] = &[
        "dan", "di", "ke", "dari", "untuk", "kepada", "pada", "serta", "atau",
    ];
    const WORDS: &[&str] = &[
        "ilmu", "alam", "seni", "gizi", "data", "tata", "umum", "guru", "olah", "raga", "laut",
        "obat", "gigi", "jiwa", "kota", "desa", "anak", "bumi", "air", "hak", "adat", "unit",
        "biro",
    ];
    s.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            if i > 0 && SMALL.contains(&lower.as_str()) {
                lower
            } else if letters <= 4 && !WORDS.contains(&lower.as_str()) {
                w.to_owned()
            } else {
                let mut c = lower.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Types whose values check their own shape (a NIP is 18 digits wherever it is written).
fn is_typed(ty: &FieldType) -> bool {
    matches!(
        ty,
        FieldType::Nip | FieldType::Nim | FieldType::Phone | FieldType::Email | FieldType::Number
    )
}

/// Whether every letter of the line is upper case (a letterhead line, a heading).
fn is_all_caps(line: &str) -> bool {
    let mut letters = line.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(char::is_uppercase)
}

/// The first `n` whitespace-separated words of `s`.
fn first_words(s: &str, n: usize) -> &str {
    let mut words = 0;
    let mut end = 0;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                in_word = false;
                if words == n {
                    break;
                }
            }
        } else {
            in_word = true;
            end = i + c.len_utf8();
        }
    }
    &s[..end]
}

/// "1", "1.", "12)", "(3)", "a.", "b)": the number of a table row or list item.
fn is_numbering_cell(cell: &str) -> bool {
    let inner = cell
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(['.', ')']);
    let digits = !inner.is_empty() && inner.len() <= 3 && inner.bytes().all(|b| b.is_ascii_digit());
    let letter =
        inner.len() == 1 && inner.bytes().all(|b| b.is_ascii_lowercase()) && cell.trim().len() > 1;
    digits || letter
}

/// Most cells read from one line (pairs split off a cell count as cells).
const MAX_CELLS: usize = 64;

/// Words that show a line is prose, not "Label value": "Nama saya Budi".
const STOPWORDS: &[&str] = &[
    "saya", "kami", "kita", "yang", "adalah", "ialah", "dari", "untuk", "dengan", "dan", "ini",
    "itu", "akan", "sudah", "telah", "tersebut", "kepada", "di", "ke", "pada", "bagi", "sebagai",
    "karena", "agar", "supaya", "atau", "dalam", "oleh", "mohon", "tidak", "belum", "my", "our",
    "is", "are", "the", "of", "for", "to", "we", "i", "and", "in", "will",
];

impl Collector<'_> {
    fn push(&mut self, owners: &[usize], value: &str, rank: Rank) {
        let value = clean(value);
        if !has_alnum(&value) {
            return;
        }
        let shared = owners.len() > 1;
        for &field in owners {
            let Some(spec) = self.fields.get(field) else {
                continue;
            };
            if rank == Rank::Bare && !bare_value_fits(&spec.ty, &value) {
                continue;
            }
            let seq = self.out.len();
            self.out.push(Candidate {
                field,
                value: value.clone(),
                source: self.source,
                rank: if shared { rank.max(Rank::Loose) } else { rank },
                shared,
                seq,
            });
        }
    }

    pub(super) fn text(&mut self, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let mut in_forward_header = false;
        // Lines up to this index were read as a table's data row.
        let mut consumed = 0;
        for (i, line) in lines.iter().enumerate() {
            if i < consumed {
                continue;
            }
            // The "From:/Date:/Subject:" block under "---- Forwarded message ----" describes
            // the forwarded mail, it is not the letter's data (its "Date:" is no event date).
            if is_forward_marker(line) {
                in_forward_header = true;
                continue;
            }
            if line.trim().is_empty() {
                in_forward_header = false;
                continue;
            }
            if in_forward_header || is_quoted(line) {
                continue;
            }
            if let Some(row) = self.header_row(line, i, &lines[i + 1..]) {
                consumed = i + 1 + row + 1;
                continue;
            }
            self.line(line, &lines[i + 1..]);
        }
        self.stated(text);
    }

    /// Values stated inside sentences ("pada hari Sabtu, 21 Februari 2026 pukul 08.00 …"),
    /// for the fields they are of (see [`prose`]): guesses, below any labelled value.
    pub(super) fn stated(&mut self, text: &str) {
        // Only the kinds this rule has a field for (most rules have none of them).
        let has =
            |name: &str, ty: FieldType| self.fields.iter().any(|f| f.name == name && f.ty == ty);
        let wanted = prose::Wanted {
            date: has("tanggal", FieldType::Date),
            time: has("waktu", FieldType::Text),
            count: has("jumlah_peserta", FieldType::Number),
            event: has("kegiatan", FieldType::Text),
        };
        if !wanted.any() {
            return;
        }
        for p in prose::paragraphs(text) {
            for value in prose::stated_wanted(&p, wanted) {
                let (name, raw) = match &value {
                    Stated::Date(v) => ("tanggal", v),
                    Stated::Time(v) => ("waktu", v),
                    Stated::Count(v) => ("jumlah_peserta", v),
                    Stated::Event(v) => ("kegiatan", v),
                };
                let owners: Vec<usize> = self
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.name == name && stated_type_fits(&value, &f.ty))
                    .map(|(i, _)| i)
                    .collect();
                self.push(&owners, raw, Rank::Bare);
            }
        }
    }

    /// A table header (cells that are labels of at least two fields) followed by a data row
    /// with as many cells: the row's cells are the fields' values. Several such rows are a
    /// list, which gives no value (see [`Collector::lists`]). Returns the index in `next` of
    /// the last row read. `line_no` is the header's line number in the text.
    fn header_row(&mut self, line: &str, line_no: usize, next: &[&str]) -> Option<usize> {
        let cells = split_cells(line);
        if cells.len() < 2 {
            return None;
        }
        let columns: Vec<Option<Vec<usize>>> = cells
            .iter()
            .map(|c| {
                self.labels.whole_cell(c).or_else(|| {
                    // "NIM/NIP" heading one column: both fields, as shared candidates.
                    let mut all: Vec<usize> = self.slash_labels(c)?.into_iter().flatten().collect();
                    all.sort_unstable();
                    all.dedup();
                    Some(all)
                })
            })
            .collect();
        let known = columns.iter().filter(|c| c.is_some()).count();
        let unknown = cells
            .iter()
            .zip(&columns)
            .filter(|(cell, col)| col.is_none() && !cell.is_empty() && !is_number_header(cell))
            .count();
        let mut distinct: Vec<usize> = columns.iter().flatten().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 || known <= unknown {
            return None;
        }
        let rows = next
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !is_quoted(l))
            .take(2);
        for (at, row) in rows {
            let values = split_cells(row);
            if values.len() != cells.len() {
                continue;
            }
            if values.iter().any(|v| self.labels.exact_cell(v)) {
                // Another label row: this was a "label  value" line after all.
                return None;
            }
            // More rows like it: a list (of participants, say). No row is *the* value of
            // the letter's fields, and none is to be found by its shape either.
            let more = next[at + 1..]
                .iter()
                .take_while(|l| {
                    let cells_here = split_cells(l);
                    cells_here.len() == cells.len()
                        && !cells_here.iter().any(|v| self.labels.exact_cell(v))
                })
                .count();
            if more > 0 {
                let last = at + more;
                self.lists
                    .push((self.source, line_no..line_no + 1 + last + 1));
                return Some(last);
            }
            for (col, value) in columns.iter().zip(values) {
                if let Some(owners) = col {
                    self.push(owners, value, Rank::Labelled);
                }
            }
            return Some(at);
        }
        None
    }

    /// "Label : value" pairs of one line, cell by cell. A cell may hold several pairs
    /// ("Nama: Budi NIM: M0520012"): what follows a value's cut is read as a cell of its own.
    fn line<'t>(&mut self, line: &'t str, next: &[&'t str]) {
        let mut cells: Vec<&'t str> = split_cells(strip_marker(line.trim()))
            .into_iter()
            .filter(|c| has_alnum(c))
            .collect();
        // A leading "1" / "1." / "a)" cell numbers a table row.
        let numbering = cells.iter().take_while(|c| is_numbering_cell(c)).count();
        cells.drain(..numbering.min(cells.len().saturating_sub(1)));
        let mut paired = false;
        let mut k = 0;
        while k < cells.len() {
            let cell = strip_marker(cells[k]);
            let toks = tokens(cell);
            let hit = self.labels.at_start(&toks);
            let sep = find_separator(cell);
            // The label must open the cell (after a marker) to count.
            let opens = toks.first().is_some_and(|t| t.start <= 2);
            // A pair in a later cell of a line whose first cells are no pair is a letterhead's
            // ("Jalan …, Banda Aceh   Surel: library@usk.ac.id"): worth less than the letter's.
            let first_rank = if k > 0 && !paired {
                Rank::Loose
            } else {
                Rank::Labelled
            };
            let last_cell = k + 1 == cells.len();
            let mut rest_of_cell: Option<&'t str> = None;
            let before = self.out.len();
            match (hit, sep) {
                (Some(hit), Some(sep)) if opens && hit.end <= sep => {
                    let between = tokens(&cell[hit.end..sep]);
                    let value_here = &cell[sep + sep_len(cell, sep)..];
                    let plain = hit
                        .owners
                        .iter()
                        .all(|&f| self.labels.is_plain_remainder(f, &between));
                    let slash = if plain {
                        None
                    } else {
                        self.slash_labels(&cell[..sep])
                    };
                    if let Some(parts) = slash {
                        let (value, same_line) =
                            self.value_or_next(value_here, &cells, &mut k, next);
                        rest_of_cell = self.push_parts(&parts, value).filter(|_| same_line);
                    } else if plain || between.len() <= 3 {
                        let rank = if plain { first_rank } else { Rank::Loose };
                        let (value, same_line) =
                            self.value_or_next(value_here, &cells, &mut k, next);
                        let (value, rest) = self.cut_at_next_label(value);
                        // A value the mail client wrapped onto the next line.
                        let wrapped = (has_alnum(value_here) && rest.is_none() && last_cell)
                            .then(|| self.continuation(line, value, next))
                            .flatten();
                        match wrapped {
                            Some(more) => self.push(&hit.owners, &format!("{value} {more}"), rank),
                            None => self.push(&hit.owners, value, rank),
                        }
                        rest_of_cell = rest.filter(|_| same_line);
                    }
                }
                (None, Some(sep)) if opens => {
                    // "NIM/NIP : …", "Tempat/Tanggal : …": no one label covers the start.
                    if let Some(parts) = self.slash_labels(&cell[..sep]) {
                        let value_here = &cell[sep + sep_len(cell, sep)..];
                        let (value, same_line) =
                            self.value_or_next(value_here, &cells, &mut k, next);
                        rest_of_cell = self.push_parts(&parts, value).filter(|_| same_line);
                    }
                }
                (Some(hit), _) if opens => {
                    let rest = &toks[hit.tokens..];
                    // Past the first cell, a cell like "Data dosen" is more likely a value
                    // than a label with filler words: only the field's own words may follow.
                    // "Unit/Fakultas" names the same thing twice: the label is the cell.
                    let plain = cell[hit.end..].trim_start().starts_with('/')
                        || hit.owners.iter().all(|&f| {
                            if k == 0 {
                                self.labels.is_plain_remainder(f, rest)
                            } else {
                                self.labels.is_own_remainder(f, rest)
                            }
                        });
                    // "Tema diklat<TAB>: …": the separator opens the next cell.
                    let colon_next = rest.len() <= 3
                        && cells
                            .get(k + 1)
                            .is_some_and(|c| c.trim_start().starts_with([':', '：', '=']));
                    if plain || colon_next {
                        // The cell is the label: the value is the next cell or line.
                        let rank = if plain { first_rank } else { Rank::Loose };
                        let (value, same_line) =
                            self.value_or_next_for(&hit.owners, "", &cells, &mut k, next);
                        let (value, rest) = self.cut_at_next_label(value);
                        // The value cell ends the line: it may be wrapped like any other.
                        let wrapped = (same_line && rest.is_none() && k + 1 == cells.len())
                            .then(|| self.continuation(line, value, next))
                            .flatten();
                        match wrapped {
                            Some(more) => self.push(&hit.owners, &format!("{value} {more}"), rank),
                            None => self.push(&hit.owners, value, rank),
                        }
                        rest_of_cell = rest.filter(|_| same_line);
                    } else if k == 0 {
                        // "Label value" without colon. On a letterhead line ("LEMBAGA
                        // PENELITIAN DAN PENGABDIAN": "lembaga" labels a unit) only a typed
                        // value counts ("NIM. M0520012" still does).
                        let caps = is_all_caps(line);
                        let owners: Vec<usize> = hit
                            .owners
                            .iter()
                            .copied()
                            .filter(|&f| {
                                !caps || self.fields.get(f).is_some_and(|s| is_typed(&s.ty))
                            })
                            .collect();
                        let (value, rest) = self.cut_at_next_label(&cell[hit.end..]);
                        self.push(&owners, value, Rank::Bare);
                        rest_of_cell = rest;
                    }
                }
                _ => {}
            }
            paired |= self.out.len() > before;
            k += 1;
            // A rest is a strictly shorter piece of this line, so this ends; the cap is a
            // second guard against a pathological line.
            if let Some(rest) = rest_of_cell.filter(|_| cells.len() < MAX_CELLS) {
                cells.insert(k, rest);
            }
        }
        self.inline_labels(line);
    }

    /// NIM, NIP and phone numbers labelled inside a sentence: "saya Budi dengan NIM
    /// 2103015088, …", "(NIM 2203016042)", "Nomor HP saya 0812-…". Only a value of the
    /// type right after the label counts. (Emails are left to the whole-text search, which
    /// knows the helpdesk's own addresses.)
    fn inline_labels(&mut self, line: &str) {
        let toks = tokens(line);
        for i in 1..toks.len() {
            let Some(hit) = self.labels.at_start(&toks[i..]) else {
                continue;
            };
            let after = line[hit.end..].trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '.' | '=' | '(' | '-')
            });
            for &field in &hit.owners {
                let words = match self.fields.get(field).map(|f| &f.ty) {
                    Some(FieldType::Nim) => 1,
                    Some(FieldType::Nip) => 4,
                    Some(FieldType::Phone) => 5,
                    _ => continue,
                };
                self.push(&[field], first_words(after, words), Rank::Bare);
            }
        }
    }

    /// The next line, when it continues a value the mail client wrapped: the line is long
    /// (wrapped near 72 columns), the next one is a single cell, no label, and either starts
    /// in lower case or with a digit, or follows a value ending in a comma or a joining word
    /// or leaving a bracket open.
    fn continuation<'t>(&self, line: &str, value: &str, next: &[&'t str]) -> Option<&'t str> {
        const JOINERS: &[&str] = &[
            "dan", "atau", "serta", "per", "untuk", "dengan", "yang", "di", "ke", "dari", "pada",
            "dalam", "of", "and", "the", "for",
        ];
        if line.trim_end().chars().count() < 60 {
            return None;
        }
        let t = next.first()?.trim();
        if t.is_empty()
            || is_quoted(t)
            || split_cells(t).len() > 1
            || find_separator(t).is_some()
            || self.labels.at_start(&tokens(t)).is_some()
        {
            return None;
        }
        // "… per / semester", "… Tahun Akademik / 2026/2027".
        let lower_start = t
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit());
        // "(Pivot Table, Power / Query, dan Makro)": a bracket left open.
        let open_bracket = value.matches('(').count() > value.matches(')').count();
        let last = value
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_lowercase();
        let dangling = value.trim_end().ends_with(',') || JOINERS.contains(&last.as_str());
        (lower_start || dangling || open_bracket).then_some(t)
    }

    /// `here` when it has a value; else the next cell (consumed) unless it is a label with a
    /// value of its own after it; else, at the end of the line, the next line unless it is a
    /// label line. The flag says whether the value is from this line.
    fn value_or_next<'t>(
        &self,
        here: &'t str,
        cells: &[&'t str],
        k: &mut usize,
        next: &[&'t str],
    ) -> (&'t str, bool) {
        self.value_or_next_for(&[], here, cells, k, next)
    }

    /// [`Self::value_or_next`] for a label of `owners`: a next cell that is itself a label
    /// ("Nama<TAB>Jenis Data") is no value, unless it is one of the owner's choices
    /// ("Jenis Akun<TAB>Unit").
    fn value_or_next_for<'t>(
        &self,
        owners: &[usize],
        here: &'t str,
        cells: &[&'t str],
        k: &mut usize,
        next: &[&'t str],
    ) -> (&'t str, bool) {
        if has_alnum(here) {
            return (here, true);
        }
        if let Some(cell) = cells.get(*k + 1) {
            if self.labels.exact_cell(cell) && !self.is_choice_of(owners, cell) {
                return ("", true);
            }
            *k += 1;
            return (cell, true);
        }
        // Skip blank and separator-only lines ("Nama" / ":" / "Budi", as PDFs come out).
        let Some(line) = next.iter().take(3).find(|l| has_alnum(l)) else {
            return ("", true);
        };
        let line = strip_marker(line.trim());
        // A value on the next line ("Nama" / "Budi Santoso", as PDF tables come out) is one
        // cell that does not itself start with a label.
        if is_quoted(line)
            || self.labels.at_start(&tokens(line)).is_some()
            || split_cells(line).len() > 1
        {
            return ("", true);
        }
        (line, false)
    }

    fn is_choice_of(&self, owners: &[usize], cell: &str) -> bool {
        owners.iter().any(|&f| match self.fields.get(f) {
            Some(FieldSpec {
                ty: FieldType::Choice(choices),
                aliases,
                ..
            }) => find_choice(choices, aliases, cell).is_some(),
            _ => false,
        })
    }

    /// "NIM/NIP", "Nama / NIM", "Tempat/Tanggal": every part a label. `None` when a part
    /// is not, or all parts name the same field.
    fn slash_labels(&self, label_part: &str) -> Option<Vec<Vec<usize>>> {
        let parts: Vec<&str> = label_part.split('/').collect();
        if parts.len() < 2 {
            return None;
        }
        let owners: Vec<Vec<usize>> = parts
            .iter()
            .map(|p| self.labels.whole_cell(strip_marker(p.trim())))
            .collect::<Option<_>>()?;
        let first = owners.first()?;
        if owners.iter().all(|o| o == first) {
            return None;
        }
        Some(owners)
    }

    /// "Nama/NIM : Budi / M0520012" maps part by part; otherwise every field gets the
    /// whole value, as a shared candidate. Returns what follows the value's cut.
    fn push_parts<'t>(&mut self, parts: &[Vec<usize>], value: &'t str) -> Option<&'t str> {
        let (value, rest) = self.cut_at_next_label(value);
        let split: Vec<&str> = if value.contains(" / ") {
            value.split(" / ").collect()
        } else {
            value.split('/').collect()
        };
        if split.len() == parts.len() {
            for (owners, v) in parts.iter().zip(split) {
                self.push(owners, v, Rank::Labelled);
            }
        } else {
            let mut all: Vec<usize> = parts.iter().flatten().copied().collect();
            all.sort_unstable();
            all.dedup();
            self.push(&all, value, Rank::Loose);
        }
        rest
    }

    /// Splits "Budi Santoso NIM: M0520012" before the next "label :" into the value and
    /// the rest.
    fn cut_at_next_label<'t>(&self, value: &'t str) -> (&'t str, Option<&'t str>) {
        for p in value
            .match_indices([':', '：', '='])
            .map(|(p, _)| p)
            .filter(|&p| find_separator(&value[p..]) == Some(0))
        {
            let before = tokens(&value[..p]);
            for n in 1..=before.len().min(4) {
                let tail = &before[before.len() - n..];
                if tail.first().is_some_and(|t| t.start == 0) {
                    continue; // the whole value before the colon: nothing would be left
                }
                if self.labels.at_start(tail).is_some_and(|h| h.tokens == n) {
                    let at = tail[0].start;
                    return (&value[..at], Some(&value[at..]));
                }
            }
        }
        (value, None)
    }
}

/// Whether a value stated in a sentence is of the type its field has.
fn stated_type_fits(value: &Stated, ty: &FieldType) -> bool {
    matches!(
        (value, ty),
        (Stated::Date(_), FieldType::Date)
            | (Stated::Time(_), FieldType::Text)
            | (Stated::Count(_), FieldType::Number)
            | (Stated::Event(_), FieldType::Text)
    )
}

/// Whether a `Label value` line without colon may give this value: typed fields check the
/// value themselves; free text must be a few words that do not open like a sentence
/// ("Nama saya Budi").
fn bare_value_fits(ty: &FieldType, value: &str) -> bool {
    match ty {
        FieldType::Text | FieldType::Choice(_) | FieldType::Date => {
            let words: Vec<&str> = value.split_whitespace().collect();
            let opens_sentence = words.first().is_some_and(|w| {
                let w = w
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                STOPWORDS.contains(&w.as_str())
            });
            !words.is_empty() && words.len() <= 8 && !opens_sentence
        }
        _ => true,
    }
}

fn is_number_header(cell: &str) -> bool {
    matches!(
        cell.trim().trim_end_matches('.').to_lowercase().as_str(),
        "no" | "#" | "nomor" | "no urut" | "nr"
    )
}

/// A line's cells: split at tabs (empty cells kept, so columns line up), or else at runs of
/// two or more spaces (as PDF text lays out tables).
fn split_cells(line: &str) -> Vec<&str> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.contains('\t') {
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        // A leading/trailing tab is layout, not an empty column.
        let start = cells.iter().position(|c| !c.is_empty()).unwrap_or(0);
        let end = cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(start, |e| e + 1);
        return cells
            .get(start..end)
            .map(<[&str]>::to_vec)
            .unwrap_or_default();
    }
    let mut cells = Vec::new();
    let mut start = None;
    let mut spaces = 0;
    let mut last_end = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // ASCII without decoding (its whitespace as `char::is_whitespace` has it).
        let (white, len) = if b.is_ascii() {
            (matches!(b, b' ' | b'\t'..=b'\r'), 1)
        } else {
            match line.get(i..).and_then(|r| r.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            }
        };
        let at = i;
        i += len;
        if white {
            spaces += 1;
            if spaces == 2 {
                if let Some(s) = start.take() {
                    cells.push(line[s..last_end].trim());
                }
            }
        } else {
            if start.is_none() {
                start = Some(at);
            }
            spaces = 0;
            last_end = at + len;
        }
    }
    if let Some(s) = start {
        cells.push(line[s..last_end].trim());
    }
    cells.retain(|c| !c.is_empty());
    cells
}

/// Removes a list marker: `1.`, `1)`, `(1)`, `a.`, `a)`, `-`, `•`, `*`, `>`-free bullets.
fn strip_marker(s: &str) -> &str {
    let t = s.trim_start();
    let bullets = ['-', '•', '*', '·', '‣', '▪', '●', '○', '◦', '–', '—', '+'];
    if let Some(rest) = t.strip_prefix(bullets) {
        if rest.starts_with(char::is_whitespace) {
            return rest.trim_start();
        }
    }
    // Numbered and lettered items: up to two digits or one letter, then "." or ")".
    let inner = t.strip_prefix('(').unwrap_or(t);
    let head_len = inner
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit())
        .count();
    let head_len = if head_len == 0 && inner.starts_with(|c: char| c.is_ascii_alphabetic()) {
        1
    } else {
        head_len
    };
    if (1..=2).contains(&head_len) {
        let after = &inner[head_len..];
        if let Some(rest) = after.strip_prefix(['.', ')']) {
            if rest.starts_with(char::is_whitespace) || rest.is_empty() {
                return rest.trim_start();
            }
        }
    }
    t
}

/// Byte offset of the label/value separator: the first `:` (or fullwidth `：`, or `=`) that
/// is not inside a time ("08:00") or a URL ("https://").
fn find_separator(cell: &str) -> Option<usize> {
    cell.match_indices([':', '：', '='])
        .map(|(i, _)| i)
        .find(|&i| {
            let before = cell[..i].chars().next_back();
            let after = cell[i..].chars().nth(1);
            let in_time = before.is_some_and(|c| c.is_ascii_digit())
                && after.is_some_and(|c| c.is_ascii_digit());
            let in_url = cell[i..].starts_with("://");
            !in_time && !in_url
        })
}

fn sep_len(cell: &str, at: usize) -> usize {
    cell[at..].chars().next().map_or(1, char::len_utf8)
}

/// Trimmed, inner whitespace collapsed, leading separators and surrounding quotes dropped,
/// trailing punctuation stripped — except the final dot of an abbreviation, which is part of
/// a name ("Siti Khoiriyah, S.Kom.", "Prof. Dr. Ir.").
fn clean(v: &str) -> String {
    let collapsed = v.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = collapsed
        .trim_start_matches([':', '：', '=', ' '])
        .trim_matches(['"', '\'', '“', '”', '‘', '’', '`'])
        .trim_end_matches(TRAILING);
    while let Some(rest) = s.strip_suffix('.') {
        if ends_with_abbreviation(rest) {
            break;
        }
        s = rest.trim_end_matches(TRAILING);
    }
    s.trim().to_owned()
}

/// Punctuation that never ends a value ("Budi Santoso -" before a cut phone number).
const TRAILING: &[char] = &[
    ',', ';', ':', '!', '?', ' ', '"', '”', '’', '\'', '-', '–', '—', '/', '|', '(',
];

/// Whether the last word of `s` (its final dot removed) is an abbreviation: a degree with
/// dots of its own ("S.Kom", "Ph.D", "M.T") or a title written before names ("Dr", "Ir").
fn ends_with_abbreviation(s: &str) -> bool {
    let last = s.rsplit([' ', ',']).next().unwrap_or_default();
    // Degrees: short capitalised letter groups joined by dots (an address or a domain is not).
    let pieces: Vec<&str> = last.split('.').collect();
    let degree = pieces.len() > 1
        && last.starts_with(|c: char| c.is_uppercase())
        && pieces
            .iter()
            .all(|p| p.chars().count() <= 4 && p.chars().all(char::is_alphabetic));
    if degree {
        return true;
    }
    const TITLES: &[&str] = &[
        "dr", "drh", "drg", "drs", "dra", "ir", "prof", "hj", "h", "apt", "ns", "st", "mt", "se",
        "mm", "ma", "ak", "amd", "sh", "mh",
    ];
    TITLES.contains(&last.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_split_on_tabs_or_wide_gaps() {
        assert_eq!(
            split_cells("Nama\tNIP\tEmail"),
            vec!["Nama", "NIP", "Email"]
        );
        assert_eq!(
            split_cells("Budi\t\tbudi@x.id\t"),
            vec!["Budi", "", "budi@x.id"]
        );
        assert_eq!(
            split_cells("Nama    Budi Santoso"),
            vec!["Nama", "Budi Santoso"]
        );
        assert_eq!(
            split_cells("Nama : Budi Santoso"),
            vec!["Nama : Budi Santoso"]
        );
        assert_eq!(split_cells("  a  "), vec!["a"]);
        assert!(split_cells("").is_empty());
    }

    #[test]
    fn letterhead_units() {
        let units = ["FAKULTAS", "UPT", "LEMBAGA", "DIREKTORAT"];
        let kop = "KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI\nUNIVERSITAS SYIAH KUALA\n\
                   FAKULTAS TEKNIK\nJalan Tgk. Syech Abdurrauf No. 7\nFAKULTAS LAIN";
        assert_eq!(letterhead_unit(kop, &units), Some("Fakultas Teknik".into()));
        let kop = "UNIVERSITAS SYIAH KUALA\nUPT PERPUSTAKAAN\nJalan";
        assert_eq!(
            letterhead_unit(kop, &units),
            Some("UPT Perpustakaan".into())
        );
        let kop =
            "UNIVERSITAS SEBELAS MARET\n**DIREKTORAT TEKNOLOGI INFORMASI\nDAN KOMUNIKASI**\nJalan";
        assert_eq!(
            letterhead_unit(kop, &units),
            Some("Direktorat Teknologi Informasi dan Komunikasi".into())
        );
        let kop = "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT";
        assert_eq!(
            letterhead_unit(kop, &units),
            Some("Lembaga Penelitian dan Pengabdian kepada Masyarakat".into())
        );
        // No letterhead: the letter opens in mixed case.
        assert_eq!(
            letterhead_unit("Yth. Kepala\nFAKULTAS TEKNIK", &units),
            None
        );
        assert_eq!(letterhead_unit("", &units), None);
    }

    #[test]
    fn first_words_of_a_text() {
        assert_eq!(first_words("2103015088, Ketua Himpunan", 1), "2103015088,");
        assert_eq!(
            first_words("  19750819 199903 1 001 dan", 4),
            "  19750819 199903 1 001"
        );
        assert_eq!(first_words("", 3), "");
        assert_eq!(first_words("satu", 3), "satu");
    }

    #[test]
    fn markers_are_stripped() {
        assert_eq!(strip_marker("1. Nama : Budi"), "Nama : Budi");
        assert_eq!(strip_marker("12) Nama"), "Nama");
        assert_eq!(strip_marker("(a) Nama"), "Nama");
        assert_eq!(strip_marker("b. NIM"), "NIM");
        assert_eq!(strip_marker("- No. HP/WA : 08"), "No. HP/WA : 08");
        assert_eq!(strip_marker("• Email"), "Email");
        assert_eq!(strip_marker("0812-3456"), "0812-3456");
        assert_eq!(strip_marker("-5 derajat"), "-5 derajat");
        assert_eq!(strip_marker("Nama"), "Nama");
        assert_eq!(strip_marker("2026. Tahun"), "2026. Tahun");
    }

    #[test]
    fn values_are_cleaned() {
        assert_eq!(clean("  :  Budi   Santoso. "), "Budi Santoso");
        assert_eq!(clean("\"HIMA\","), "HIMA");
        assert_eq!(clean("-"), "");
        assert_eq!(clean("budi@x.id;"), "budi@x.id");
        assert_eq!(clean("Siti Khoiriyah, S.Kom."), "Siti Khoiriyah, S.Kom.");
        assert_eq!(
            clean("Teuku Rahmat Fadhil, S.T., M.T."),
            "Teuku Rahmat Fadhil, S.T., M.T."
        );
        assert_eq!(clean("Ahmad Zainuri, Ph.D."), "Ahmad Zainuri, Ph.D.");
        assert_eq!(clean("wifi di gedung B mati."), "wifi di gedung B mati");
        assert_eq!(clean("Lab ICT 2..."), "Lab ICT 2");
        assert_eq!(clean("budi@x.id."), "budi@x.id");
    }
}
