//! Field extraction: the values of a rule's fields, read from the letter as people write
//! them, validated and normalised; what is missing; which required attachments are there.
//!
//! Where values are looked for, in order: the body, then each attachment's text (PDF, DOCX,
//! plain). In each text, line by line (quoted `>` lines skipped):
//!
//! - "label : value" in any order, with or without the colon, list markers (`1.`, `a.`,
//!   `-`, `•`) and table cells: `Nama : Budi`, `Nama  Budi Santoso`, `Nama Lengkap\tBudi`,
//!   `1. Nama : Budi`, `- No. HP/WA : 0812-3456-7890`, `NIM/NIP : …`, a label alone on its
//!   line with the value on the next;
//! - tables whose first row is a header (`Nama\tNIP\tEmail`, then `Budi\t1975…\tbudi@…`):
//!   the first data row, column by column.
//!
//! Labels are the field's `labels`, compared by letters and digits only (see `labels.rs`).
//! A value is cut at the end of its line and at the next "label :" on the same line, trimmed,
//! and stripped of trailing punctuation. Typed values are then validated and normalised
//! (`values.rs`); the first valid one wins, preferring one that passes `must_match`.
//!
//! With no labelled value, NIP, phone and email are looked for by their shape anywhere in
//! the texts (never the helpdesk's own addresses, i.e. the letter's recipients), then the
//! field's `fallback` (the sender) applies. A NIM is only ever taken when labelled.
//!
//! Pure and total: any text gives an [`Extraction`], never a panic.

use super::labels::{default_labels, tokens, LabelSet};
use super::matching::{find_phrase, normalize};
use super::values::{self, has_alnum, Checked};
use super::{
    AttachmentSpec, Extraction, Fallback, FieldSpec, FieldType, FieldValue, Invalid, Letter, Rule,
    ValueSource,
};
use crate::parse::AttachmentKind;
use std::borrow::Cow;

/// How far a candidate value can be trusted; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// `Label : value`, a label cell and its value cell, a header-row table.
    Labelled,
    /// The label had other words before its colon ("Nama Pembina : …").
    Loose,
    /// `Label value` with neither colon nor cell boundary.
    Bare,
}

#[derive(Debug, Clone)]
struct Candidate {
    field: usize,
    value: String,
    source: usize,
    rank: Rank,
    /// The label named several fields ("NIM/NIP : …"): a value that does not fit one of
    /// them is not an error of the letter.
    shared: bool,
    seq: usize,
}

/// The labels a field is looked for by: its own, or the built-in ones of its name, or its
/// title and name.
pub(crate) fn effective_labels(f: &FieldSpec) -> Cow<'_, [String]> {
    if !f.labels.is_empty() {
        return Cow::Borrowed(&f.labels);
    }
    match default_labels(&f.name) {
        Some(l) => Cow::Owned(l.iter().map(|s| s.to_string()).collect()),
        None => Cow::Owned(vec![f.title.clone(), f.name.replace('_', " ")]),
    }
}

pub fn extract(rule: &Rule, letter: &Letter<'_>) -> Extraction {
    let label_lists: Vec<Cow<'_, [String]>> = rule.fields.iter().map(effective_labels).collect();
    let labels = LabelSet::new(label_lists.iter().map(|l| l.as_ref()));

    let mut sources: Vec<(ValueSource, &str)> = vec![(ValueSource::Body, letter.body)];
    for (name, text) in &letter.attachments {
        sources.push((ValueSource::Attachment((*name).to_owned()), text));
    }

    let mut collector = Collector {
        fields: &rule.fields,
        labels: &labels,
        out: Vec::new(),
        source: 0,
    };
    for (i, (_, text)) in sources.iter().enumerate() {
        collector.source = i;
        collector.text(text);
    }
    let mut cands = collector.out;
    // Body before attachments, but a value after a real label (colon, cell) anywhere before
    // a "Label value" guess: the "HP 0811…" of a signature never beats "No. WA : 0813…".
    cands.sort_by_key(|c| (c.rank == Rank::Bare, c.source, c.rank, c.seq));

    let helpdesk: Vec<String> = letter.to.iter().map(|a| a.trim().to_lowercase()).collect();
    let mut ex = Extraction::default();
    for (i, spec) in rule.fields.iter().enumerate() {
        let mine = cands.iter().filter(|c| c.field == i);
        match choose(spec, mine, &sources) {
            Some(found) => record(&mut ex, spec, found),
            None => {
                let implicit = scan(spec, &sources, &helpdesk)
                    .into_iter()
                    .chain(fallback(spec, letter));
                match prefer_matching(spec, implicit) {
                    Some(v) => record(&mut ex, spec, Found::Valid(v)),
                    None if spec.required => ex.missing.push(spec.name.clone()),
                    None => {}
                }
            }
        }
    }
    for group in &rule.one_of {
        if !group.iter().any(|f| ex.fields.contains_key(f)) {
            ex.missing.push(group.join("|"));
        }
    }
    for name in missing_attachments(&rule.attachments, letter) {
        ex.missing.push(format!("lampiran:{name}"));
    }
    ex
}

/// The outcome for one field from its labelled candidates.
enum Found {
    Valid(FieldValue),
    /// Found but not a value of its type.
    Invalid(FieldValue, String),
}

fn record(ex: &mut Extraction, spec: &FieldSpec, found: Found) {
    match found {
        Found::Valid(v) => {
            if let Some(re) = &spec.must_match {
                if !re.is_match(&v.value) {
                    ex.invalid.push(Invalid {
                        field: spec.name.clone(),
                        value: v.value.clone(),
                        message: must_match_message(spec),
                    });
                }
            }
            ex.fields.insert(spec.name.clone(), v);
        }
        Found::Invalid(v, message) => {
            ex.invalid.push(Invalid {
                field: spec.name.clone(),
                value: v.value.clone(),
                message,
            });
            ex.fields.insert(spec.name.clone(), v);
        }
    }
}

fn must_match_message(spec: &FieldSpec) -> String {
    match (&spec.must_match_message, &spec.must_match) {
        (Some(m), _) => m.clone(),
        (None, Some(re)) => format!("{} harus cocok dengan pola {}", spec.title, re.as_str()),
        (None, None) => String::new(),
    }
}

/// The first valid candidate (one passing `must_match` if any does), else the first invalid
/// one, else nothing.
fn choose<'c>(
    spec: &FieldSpec,
    cands: impl Iterator<Item = &'c Candidate>,
    sources: &[(ValueSource, &str)],
) -> Option<Found> {
    let src = |c: &Candidate| {
        sources
            .get(c.source)
            .map_or(ValueSource::Body, |s| s.0.clone())
    };
    let mut first_valid: Option<FieldValue> = None;
    let mut first_invalid: Option<(FieldValue, String)> = None;
    for c in cands {
        match values::check(&spec.ty, &spec.aliases, &c.value) {
            Checked::Empty => {}
            Checked::Invalid(msg) => {
                if !c.shared && first_invalid.is_none() {
                    let v = FieldValue {
                        value: c.value.clone(),
                        source: src(c),
                    };
                    first_invalid = Some((v, msg));
                }
            }
            Checked::Ok(value) => {
                let passes = spec
                    .must_match
                    .as_ref()
                    .is_none_or(|re| re.is_match(&value));
                let v = FieldValue {
                    value,
                    source: src(c),
                };
                if passes {
                    return Some(Found::Valid(v));
                }
                first_valid.get_or_insert(v);
            }
        }
    }
    first_valid
        .map(Found::Valid)
        .or(first_invalid.map(|(v, m)| Found::Invalid(v, m)))
}

/// Values of the field's shape anywhere in the texts, for fields that may be found so.
fn scan(spec: &FieldSpec, sources: &[(ValueSource, &str)], helpdesk: &[String]) -> Vec<FieldValue> {
    let find: fn(&str) -> Vec<String> = match spec.ty {
        FieldType::Nip => |l| values::find_nip(l).into_iter().collect(),
        FieldType::Phone => |l| values::find_phone(l).into_iter().collect(),
        FieldType::Email => |l| values::all_emails(l).collect(),
        _ => return Vec::new(),
    };
    let mut out: Vec<FieldValue> = Vec::new();
    for (source, text) in sources {
        for line in text.lines().filter(|l| !is_quoted(l)) {
            for value in find(line) {
                if helpdesk.contains(&value) || out.iter().any(|v| v.value == value) {
                    continue;
                }
                out.push(FieldValue {
                    value,
                    source: source.clone(),
                });
            }
        }
    }
    out
}

fn fallback(spec: &FieldSpec, letter: &Letter<'_>) -> Option<FieldValue> {
    let raw = match spec.fallback? {
        Fallback::SenderAddress => letter.from,
        Fallback::SenderName => letter.from_name,
    };
    let value = match values::check(&spec.ty, &spec.aliases, raw.trim()) {
        Checked::Ok(v) => v,
        _ => return None,
    };
    Some(FieldValue {
        value,
        source: ValueSource::Sender,
    })
}

/// The first value passing `must_match`, else the first.
fn prefer_matching(
    spec: &FieldSpec,
    values: impl Iterator<Item = FieldValue>,
) -> Option<FieldValue> {
    let all: Vec<FieldValue> = values.collect();
    let Some(re) = &spec.must_match else {
        return all.into_iter().next();
    };
    let pick = all.iter().position(|v| re.is_match(&v.value)).unwrap_or(0);
    all.into_iter().nth(pick)
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Reads label/value candidates out of texts.
struct Collector<'r> {
    fields: &'r [FieldSpec],
    labels: &'r LabelSet,
    out: Vec<Candidate>,
    source: usize,
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

    fn text(&mut self, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if is_quoted(line) || line.trim().is_empty() {
                continue;
            }
            if self.header_row(line, &lines[i + 1..]) {
                continue;
            }
            self.line(line, &lines[i + 1..]);
        }
    }

    /// A table header (cells that are labels of at least two fields) followed by a data row
    /// with as many cells: the row's cells are the fields' values.
    fn header_row(&mut self, line: &str, next: &[&str]) -> bool {
        let cells = split_cells(line);
        if cells.len() < 2 {
            return false;
        }
        let columns: Vec<Option<Vec<usize>>> =
            cells.iter().map(|c| self.labels.whole_cell(c)).collect();
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
            return false;
        }
        let rows = next
            .iter()
            .filter(|l| !l.trim().is_empty() && !is_quoted(l))
            .take(2);
        for row in rows {
            let values = split_cells(row);
            if values.len() != cells.len() {
                continue;
            }
            if values.iter().any(|v| self.labels.exact_cell(v)) {
                // Another label row: this was a "label  value" line after all.
                return false;
            }
            for (col, value) in columns.iter().zip(values) {
                if let Some(owners) = col {
                    self.push(owners, value, Rank::Labelled);
                }
            }
            return true;
        }
        false
    }

    /// "Label : value" pairs of one line, cell by cell. A cell may hold several pairs
    /// ("Nama: Budi NIM: M0520012"): what follows a value's cut is read as a cell of its own.
    fn line<'t>(&mut self, line: &'t str, next: &[&'t str]) {
        let mut cells: Vec<&'t str> = split_cells(strip_marker(line.trim()))
            .into_iter()
            .filter(|c| has_alnum(c))
            .collect();
        let mut k = 0;
        while k < cells.len() {
            let cell = strip_marker(cells[k]);
            let toks = tokens(cell);
            let hit = self.labels.at_start(&toks);
            let sep = find_separator(cell);
            // The label must open the cell (after a marker) to count.
            let opens = toks.first().is_some_and(|t| t.start <= 2);
            let mut rest_of_cell: Option<&'t str> = None;
            match (hit, sep) {
                (Some(hit), Some(sep)) if opens && hit.end <= sep => {
                    let between = tokens(&cell[hit.end..sep]);
                    let value_here = &cell[sep + sep_len(cell, sep)..];
                    let plain = hit
                        .owners
                        .iter()
                        .all(|&f| self.labels.is_plain_remainder(f, &between));
                    if !plain {
                        if let Some(parts) = self.slash_labels(&cell[..sep]) {
                            let (value, same_line) =
                                self.value_or_next(value_here, &cells, &mut k, next);
                            rest_of_cell = self.push_parts(&parts, value).filter(|_| same_line);
                        } else if between.len() <= 3 {
                            let (value, same_line) =
                                self.value_or_next(value_here, &cells, &mut k, next);
                            let (value, rest) = self.cut_at_next_label(value);
                            self.push(&hit.owners, value, Rank::Loose);
                            rest_of_cell = rest.filter(|_| same_line);
                        }
                    } else {
                        let (value, same_line) =
                            self.value_or_next(value_here, &cells, &mut k, next);
                        let (value, rest) = self.cut_at_next_label(value);
                        self.push(&hit.owners, value, Rank::Labelled);
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
                    let plain = hit
                        .owners
                        .iter()
                        .all(|&f| self.labels.is_plain_remainder(f, rest));
                    if plain {
                        // The cell is the label: the value is the next cell or line.
                        let (value, same_line) = self.value_or_next("", &cells, &mut k, next);
                        let (value, rest) = self.cut_at_next_label(value);
                        self.push(&hit.owners, value, Rank::Labelled);
                        rest_of_cell = rest.filter(|_| same_line);
                    } else if k == 0 {
                        let (value, rest) = self.cut_at_next_label(&cell[hit.end..]);
                        self.push(&hit.owners, value, Rank::Bare);
                        rest_of_cell = rest;
                    }
                }
                _ => {}
            }
            k += 1;
            // A rest is a strictly shorter piece of this line, so this ends; the cap is a
            // second guard against a pathological line.
            if let Some(rest) = rest_of_cell.filter(|_| cells.len() < MAX_CELLS) {
                cells.insert(k, rest);
            }
        }
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
        if has_alnum(here) {
            return (here, true);
        }
        if let Some(cell) = cells.get(*k + 1) {
            if *k + 2 < cells.len() && self.labels.exact_cell(cell) {
                return ("", true);
            }
            *k += 1;
            return (cell, true);
        }
        let Some(line) = next.iter().find(|l| !l.trim().is_empty()) else {
            return ("", true);
        };
        let line = strip_marker(line.trim());
        if is_quoted(line) || self.is_label_line(line) {
            return ("", true);
        }
        (line, false)
    }

    /// Whether a line reads as "Label : …" or is a label alone.
    fn is_label_line(&self, line: &str) -> bool {
        let toks = tokens(line);
        let Some(hit) = self.labels.at_start(&toks) else {
            return false;
        };
        let rest = &toks[hit.tokens..];
        if rest.is_empty()
            || hit
                .owners
                .iter()
                .all(|&f| self.labels.is_plain_remainder(f, rest))
        {
            return true;
        }
        find_separator(line)
            .is_some_and(|sep| sep >= hit.end && tokens(&line[hit.end..sep]).len() <= 3)
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

/// Whether a `Label value` line without colon may give this value: typed fields check the
/// value themselves; free text must be short and not read like a sentence.
fn bare_value_fits(ty: &FieldType, value: &str) -> bool {
    match ty {
        FieldType::Text | FieldType::Choice(_) | FieldType::Date => {
            let words = tokens(value);
            !words.is_empty()
                && words.len() <= 6
                && !words.iter().any(|w| STOPWORDS.contains(&w.lower.as_str()))
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
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            spaces += 1;
            if spaces == 2 {
                if let Some(s) = start.take() {
                    cells.push(line[s..last_end].trim());
                }
            }
        } else {
            if start.is_none() {
                start = Some(i);
            }
            spaces = 0;
            last_end = i + c.len_utf8();
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
/// trailing punctuation stripped.
fn clean(v: &str) -> String {
    let collapsed = v.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = collapsed
        .trim_start_matches([':', '：', '=', ' '])
        .trim_matches(['"', '\'', '“', '”', '‘', '’', '`'])
        .trim_end_matches(['.', ',', ';', ':', '!', '?', ' ', '"', '”', '’', '\'']);
    s.trim().to_owned()
}

/// Names of required attachments that are not there. An attachment counts for a spec when
/// its kind is allowed and, with keywords, its file name contains one or its text has one
/// as a phrase. Each attachment serves one spec: file-name matches are assigned first, then
/// text matches; an attachment already used may serve another spec only by its file name
/// (a combined "permohonan_dan_rekomendasi.pdf").
fn missing_attachments(specs: &[AttachmentSpec], letter: &Letter<'_>) -> Vec<String> {
    struct Att<'a> {
        name_norm: String,
        kind: Option<AttachmentKind>,
        text: Option<&'a str>,
        text_norm: Option<String>,
    }
    let mut atts: Vec<Att<'_>> = letter
        .attachment_kinds
        .iter()
        .map(|(name, kind)| Att {
            name_norm: normalize(name),
            kind: Some(*kind),
            text: letter
                .attachments
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t),
            text_norm: None,
        })
        .collect();
    for (name, text) in &letter.attachments {
        if !letter.attachment_kinds.iter().any(|(n, _)| n == name) {
            atts.push(Att {
                name_norm: normalize(name),
                kind: None,
                text: Some(text),
                text_norm: None,
            });
        }
    }
    let needs_text = specs.iter().any(|s| !s.keywords.is_empty());
    if needs_text {
        for a in &mut atts {
            a.text_norm = a.text.map(normalize);
        }
    }

    let kind_ok = |spec: &AttachmentSpec, a: &Att<'_>| {
        spec.kinds.is_empty() || a.kind.is_some_and(|k| spec.kinds.contains(&k))
    };
    let by_name = |spec: &AttachmentSpec, a: &Att<'_>| {
        spec.keywords.is_empty()
            || spec
                .keywords
                .iter()
                .any(|k| a.name_norm.contains(normalize(k).as_str()))
    };
    let by_text = |spec: &AttachmentSpec, a: &Att<'_>| {
        a.text_norm.as_deref().is_some_and(|t| {
            spec.keywords
                .iter()
                .any(|k| find_phrase(t, &normalize(k)).is_some())
        })
    };

    let mut used = vec![false; atts.len()];
    let mut served = vec![false; specs.len()];
    type Test<'t, 'a> = &'t dyn Fn(&AttachmentSpec, &Att<'a>) -> bool;
    let passes: [(Test<'_, '_>, bool); 3] =
        [(&by_name, false), (&by_text, false), (&by_name, true)];
    for (test, reuse) in passes {
        for (si, spec) in specs.iter().enumerate() {
            if served[si] {
                continue;
            }
            let pick = atts
                .iter()
                .enumerate()
                .find(|(ai, a)| (reuse || !used[*ai]) && kind_ok(spec, a) && test(spec, a));
            if let Some((ai, _)) = pick {
                used[ai] = true;
                served[si] = true;
            }
        }
    }
    specs
        .iter()
        .zip(served)
        .filter(|(s, served)| s.required && !served)
        .map(|(s, _)| s.name.clone())
        .collect()
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
        assert_eq!(clean("-"), "-");
        assert_eq!(clean("budi@x.id;"), "budi@x.id");
    }
}
