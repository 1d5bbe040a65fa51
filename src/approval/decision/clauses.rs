//! The words of a line as the decision reader counts them: clauses, weak and strong words,
//! negation (the rules are in the parent module's doc, "Decision words").

use super::*;

/// One word of a line: its lower-cased text, where it ends in the line, and its clause.
pub(super) struct Word {
    pub(super) lower: String,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) clause: usize,
    pub(super) question: bool,
}

impl Word {
    pub(super) fn is(&self, list: &[&str]) -> bool {
        list.contains(&self.lower.as_str())
    }
}

/// Splits a line into words (letters and digits) and numbers their clauses.
pub(super) fn words(line: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut clause = 0;
    // questions[c]: clause c ends with "?".
    let mut questions: Vec<bool> = vec![false];
    let mut start: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        // "don't", "can’t": the apostrophe between letters is part of the word.
        let apostrophe =
            matches!(c, '\'' | '’') && start.is_some() && next.is_some_and(char::is_alphanumeric);
        if c.is_alphanumeric() || apostrophe {
            start.get_or_insert(i);
        } else {
            if let Some(s) = start.take() {
                out.push(Word {
                    lower: lower_word(&line[s..i]),
                    start: s,
                    end: i,
                    clause,
                    question: false,
                });
            }
            let spaced_dash = c == '-'
                && (prev.is_none_or(char::is_whitespace) || next.is_none_or(char::is_whitespace));
            let boundary = spaced_dash
                || matches!(
                    c,
                    ',' | '.'
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '/'
                        | '|'
                        | '"'
                        | '“'
                        | '”'
                        | '–'
                        | '—'
                        | '…'
                        | '\t'
                );
            if c == '?' {
                if let Some(q) = questions.get_mut(clause) {
                    *q = true;
                }
            }
            if boundary {
                clause += 1;
                questions.push(false);
            }
        }
        prev = Some(c);
    }
    if let Some(s) = start {
        out.push(Word {
            lower: lower_word(&line[s..]),
            start: s,
            end: line.len(),
            clause,
            question: false,
        });
    }
    for w in &mut out {
        w.question = questions.get(w.clause).copied().unwrap_or(false);
    }
    out
}

/// A word lower-cased, with a typographic apostrophe made plain.
pub(super) fn lower_word(w: &str) -> String {
    w.to_lowercase().replace('’', "'")
}

/// Which way a counted word points, and where it ends in its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hit {
    Yes(usize),
    No(usize),
}

/// True when the weak word `ws[i]` opens its clause and stands alone there (or with a
/// courtesy, a particle or, if `go_ahead`, a go-ahead word after it).
pub(super) fn weak_counts(ws: &[Word], i: usize, go_ahead: bool) -> bool {
    let w = &ws[i];
    let first = i == 0 || ws[i - 1].clause != w.clause;
    if !first {
        return false;
    }
    match ws.get(i + 1).filter(|n| n.clause == w.clause) {
        None => true,
        Some(n) => n.is(COURTESY) || n.is(PARTICLES) || (go_ahead && n.is(GO_AHEAD)),
    }
}

/// "No." before a number or HP/telp/surat… abbreviates "nomor".
pub(super) fn is_number_abbreviation(line: &str, ws: &[Word], i: usize) -> bool {
    let Some(next) = ws.get(i + 1) else {
        return false;
    };
    let between = line.get(ws[i].end..next.start).unwrap_or("");
    let punct_only = between.chars().all(|c| matches!(c, '.' | ':' | ' '));
    let numberish = next.lower.starts_with(|c: char| c.is_ascii_digit()) || next.is(NUMBER_NOUNS);
    punct_only && !between.trim().is_empty() && numberish
}

/// The index of the word `ws[i]` (a negator) negates, if it negates one of `targets`.
pub(super) fn negated(ws: &[Word], i: usize, targets: &[&[&str]]) -> Option<usize> {
    let clause = ws[i].clause;
    for (gap, (j, w)) in ws.iter().enumerate().skip(i + 1).enumerate() {
        if w.clause != clause || gap > 3 {
            return None;
        }
        if targets.iter().any(|t| w.is(t)) {
            return Some(j);
        }
        if !w.is(NEGATION_GAP) {
            return None;
        }
    }
    None
}

/// The decision words that count in one line (see the module doc).
pub(super) fn decision_hits(line: &str) -> Vec<Hit> {
    let ws = words(line);
    let defers = ws.iter().any(|w| w.is(DEFER));
    let mut hits = Vec::new();
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if w.question {
            i += 1;
            continue;
        }
        if w.is(NEGATORS) {
            if let Some(j) = negated(&ws, i, &[STRONG_APPROVE, WEAK_APPROVE, STRONG_REJECT]) {
                if ws[j].is(STRONG_REJECT) {
                    // "jangan ditolak": not a refusal, not clearly an approval either.
                    hits.push(Hit::Yes(ws[j].end));
                }
                hits.push(Hit::No(ws[j].end));
                i = j + 1;
                continue;
            }
        }
        if w.is(STRONG_APPROVE) {
            hits.push(Hit::Yes(w.end));
        } else if w.is(STRONG_REJECT) {
            hits.push(Hit::No(w.end));
        } else if w.is(WEAK_APPROVE) && !defers && weak_counts(&ws, i, true) {
            hits.push(Hit::Yes(w.end));
        } else if w.is(WEAK_REJECT)
            && weak_counts(&ws, i, false)
            && !is_number_abbreviation(line, &ws, i)
        {
            hits.push(Hit::No(w.end));
        }
        i += 1;
    }
    hits
}
