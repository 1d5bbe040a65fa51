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
//! A table with several data rows is a list: none of its values is taken. Below any labelled
//! value, `tanggal`, `waktu`, `jumlah_peserta` and `kegiatan` are read from sentences ("pada
//! hari Sabtu, 21 Februari 2026 pukul 08.00", see `prose.rs`), in the texts and the subject.
//!
//! With no labelled value, NIP, phone and email are looked for by their shape anywhere in
//! the texts (never the helpdesk's own addresses, i.e. the letter's recipients, nor a list's
//! rows), then the field's `fallback` (the sender) applies; a sender's display name that is a
//! role or a unit gives way to the name under the letter's signature. A NIM is only ever
//! taken when labelled (on its line or inside a sentence: "dengan NIM 2103015088"). `unit`
//! and `fakultas` may come from the letterhead (kop surat), a sentence ("UPT Pusat Bahasa
//! memerlukan …"), a signature or the subject (see `units.rs`). A `nama` ends before a
//! bracket, phone number or address written after it ("Dinda (NIM 2203016042), 0878…" is
//! "Dinda").
//!
//! Pure and total: any text gives an [`Extraction`], never a panic.

use super::labels::default_labels;
use super::values::{self, Checked};
use super::{
    Extraction, Fallback, FieldSpec, FieldType, FieldValue, Invalid, Letter, Rule, ValueSource,
};
use crate::rules::labels::LabelSet;
use attachments::missing_attachments;
use reader::{is_quoted, Candidate, Collector, Rank};
use std::borrow::Cow;
use units::UnitField;

mod attachments;
mod prose;
mod reader;
mod units;

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
    let labels = rule.cache.labels.get_or_init(|| {
        let lists: Vec<Cow<'_, [String]>> = rule.fields.iter().map(effective_labels).collect();
        LabelSet::new(lists.iter().map(|l| l.as_ref()))
    });

    let mut sources: Vec<(ValueSource, &str)> = vec![(ValueSource::Body, letter.body)];
    for (name, text) in &letter.attachments {
        sources.push((ValueSource::Attachment((*name).to_owned()), text));
    }
    // The texts of the letter; the subject, last, is read for stated values only.
    let texts = sources.len();
    sources.push((ValueSource::Subject, letter.subject));

    let mut collector = Collector {
        fields: &rule.fields,
        labels,
        out: Vec::new(),
        source: 0,
        lists: Vec::new(),
    };
    for (i, (_, text)) in sources.iter().enumerate().take(texts) {
        collector.source = i;
        collector.text(text);
    }
    collector.source = texts;
    collector.stated(letter.subject);
    let lists = collector.lists;
    let mut cands = collector.out;
    // Body before attachments, but a value after a real label (colon, cell) anywhere before
    // a "Label value" guess: the "HP 0811…" of a signature never beats "No. WA : 0813…".
    cands.sort_by_key(|c| (c.rank == Rank::Bare, c.source, c.rank, c.seq));

    let helpdesk: Vec<String> = letter.to.iter().map(|a| a.trim().to_lowercase()).collect();
    // The unit as labelled: "Unit Kerja : Subbagian Keuangan, Fakultas Teknik" also names
    // the faculty.
    let labelled_unit = rule.fields.iter().enumerate().find_map(|(i, spec)| {
        let is_unit = spec.name == "unit" && spec.ty == FieldType::Text;
        match choose(spec, cands.iter().filter(|c| c.field == i), &sources) {
            Some(Found::Valid(v)) if is_unit => Some(v),
            _ => None,
        }
    });
    let mut ex = Extraction::default();
    for (i, spec) in rule.fields.iter().enumerate() {
        let mine = cands.iter().filter(|c| c.field == i);
        match choose(spec, mine, &sources) {
            Some(found) => record(&mut ex, spec, found),
            None => {
                let letter_texts = &sources[..texts];
                let implicit = scan(spec, letter_texts, &lists, &helpdesk)
                    .into_iter()
                    .chain(unit_named(
                        spec,
                        letter_texts,
                        letter.subject,
                        labelled_unit.as_ref(),
                    ))
                    .chain(fallback(spec, letter, letter_texts));
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
        let raw = if spec.name == "nama" && spec.ty == FieldType::Text {
            values::person_name(&c.value)
        } else {
            c.value.clone()
        };
        for checked in values::check_each(&spec.ty, &spec.aliases, &raw) {
            match checked {
                Checked::Empty => {}
                Checked::Invalid(msg) => {
                    // A guess ("Telepon (0271) 646994" of a letterhead) or a value meant for a
                    // sibling field ("NIM/NIP : …") is no error of the letter.
                    let guess = c.shared || c.rank == Rank::Bare;
                    if !guess && first_invalid.is_none() {
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
    }
    first_valid
        .map(Found::Valid)
        .or(first_invalid.map(|(v, m)| Found::Invalid(v, m)))
}

/// Values of the field's shape anywhere in the texts, for fields that may be found so.
fn scan(
    spec: &FieldSpec,
    sources: &[(ValueSource, &str)],
    lists: &[(usize, std::ops::Range<usize>)],
    helpdesk: &[String],
) -> Vec<FieldValue> {
    let find: fn(&str) -> Vec<String> = match spec.ty {
        FieldType::Nip => |l| values::find_nip(l).into_iter().collect(),
        FieldType::Phone => |l| values::find_phone(l).into_iter().collect(),
        FieldType::Email => |l| values::all_emails(l).collect(),
        _ => return Vec::new(),
    };
    let mut out: Vec<FieldValue> = Vec::new();
    for (i, (source, text)) in sources.iter().enumerate() {
        let listed = |n: &usize| lists.iter().any(|(s, r)| *s == i && r.contains(n));
        let lines = text
            .lines()
            .enumerate()
            .filter(|(n, l)| !is_quoted(l) && !listed(n));
        for (_, line) in lines {
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

/// For `unit` and `fakultas`: the unit the letter names without a label, in a sentence, its
/// letterhead (kop surat), a signature or the subject (see `units.rs`). A faculty is first
/// looked for in the labelled unit ("Subbagian Keuangan, Fakultas Teknik").
fn unit_named(
    spec: &FieldSpec,
    sources: &[(ValueSource, &str)],
    subject: &str,
    labelled_unit: Option<&FieldValue>,
) -> Option<FieldValue> {
    let (field, keywords): (UnitField, &[&str]) = match (spec.name.as_str(), &spec.ty) {
        ("unit", FieldType::Text) => (
            UnitField::Unit,
            &[
                "FAKULTAS",
                "UPT",
                "UNIT",
                "LEMBAGA",
                "BIRO",
                "PUSAT",
                "DIREKTORAT",
                "SUBDIREKTORAT",
                "BADAN",
                "PROGRAM STUDI",
                "JURUSAN",
                "DEPARTEMEN",
                "SEKOLAH",
                "PASCASARJANA",
                "BAGIAN",
                "KANTOR",
                "LABORATORIUM",
                "SATUAN",
            ],
        ),
        ("fakultas", FieldType::Text) => {
            let labelled = labelled_unit.and_then(|u| {
                Some(FieldValue {
                    value: units::faculty_part(&u.value)?,
                    source: u.source.clone(),
                })
            });
            if labelled.is_some() {
                return labelled;
            }
            (UnitField::Fakultas, &["FAKULTAS"])
        }
        _ => return None,
    };
    let (value, source) = units::unit_named(field, sources, subject, keywords)?;
    Some(FieldValue { value, source })
}

/// The sender, when the letter does not state the value. A display name that is a role or a
/// unit ("Kaprodi Teknik Informatika", "TU FEB UHAMKA") is no person's name: the name under
/// the letter's signature is taken instead, if there is one.
fn fallback(
    spec: &FieldSpec,
    letter: &Letter<'_>,
    sources: &[(ValueSource, &str)],
) -> Option<FieldValue> {
    let (raw, source) = match spec.fallback? {
        Fallback::SenderAddress => (letter.from.to_owned(), ValueSource::Sender),
        Fallback::SenderName => {
            let name = letter.from_name.trim();
            if !name.is_empty() && !units::is_role_or_unit(name) {
                (name.to_owned(), ValueSource::Sender)
            } else {
                units::signer(sources, letter.subject)?
            }
        }
    };
    let value = match values::check(&spec.ty, &spec.aliases, raw.trim()) {
        Checked::Ok(v) => v,
        _ => return None,
    };
    Some(FieldValue { value, source })
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
