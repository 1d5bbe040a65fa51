//! A staff member's report that the work is done ([`read_completion`]; the rules are in the
//! parent module's doc, "Completion").

use super::*;

/// Reads a staff member's reply to a task (see the module doc). `outputs` are the output
/// names of the SOP's step, as its rule file names them.
pub fn read_completion(new_text: &str, outputs: &[&str]) -> Completion {
    if !new_text.chars().any(char::is_alphanumeric) {
        return Completion::Unclear {
            why: Unclear::Empty,
        };
    }
    let lines = body_lines(new_text);
    let labelled: Vec<Option<(&str, &str)>> = lines.iter().map(|l| output_line(l)).collect();
    let wanted: Vec<Vec<String>> = outputs
        .iter()
        .map(|o| label_words(o))
        .filter(|w| !w.is_empty())
        .collect();
    // An output line is not where "SELESAI" is looked for ("status: sudah aktif").
    let is_output = |i: usize| {
        labelled
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|(label, _)| {
                let words = label_words(label);
                wanted
                    .iter()
                    .any(|w| words.concat() == w.concat() || words.starts_with(w))
            })
    };
    let candidates = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| !l.trim().is_empty() && !is_output(*i))
        .take(MAX_COMPLETION_LINES);
    for (idx, line) in candidates {
        let (done, not_done) = completion_hits(line);
        match (done, not_done) {
            (true, Some(_)) => {
                return Completion::Unclear {
                    why: Unclear::BothWords,
                }
            }
            (false, Some(_)) => {
                return Completion::NotDone {
                    reason: rest_of_paragraph(&lines, idx, 0),
                }
            }
            (true, None) => return done_with(&labelled, outputs),
            (false, None) => {}
        }
    }
    Completion::Unclear {
        why: Unclear::NoDecisionWord,
    }
}

/// Whether a line says done, and where the first not-done word ends if it says not done.
fn completion_hits(line: &str) -> (bool, Option<usize>) {
    let ws = words(line);
    let mut done = false;
    let mut not_done = None;
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if w.question {
            i += 1;
            continue;
        }
        if w.is(NEGATORS) {
            if let Some(j) = negated(&ws, i, &[DONE]) {
                not_done.get_or_insert(ws[j].end);
                i = j + 1;
                continue;
            }
            let yet = ws.get(i + 1).filter(|n| n.lower == "yet");
            if let (true, Some(yet)) = (w.lower == "not", yet) {
                not_done.get_or_insert(yet.end);
                i += 2;
                continue;
            }
        }
        if w.is(DONE) {
            done = true;
        } else if w.is(NOT_DONE) {
            not_done.get_or_insert(w.end);
        }
        i += 1;
    }
    (done, not_done)
}

/// `label: value` of a line, when it has a label and a value.
fn output_line(line: &str) -> Option<(&str, &str)> {
    let caps = OUTPUT_LINE.captures(line)?;
    let label = caps.get(1)?.as_str();
    let value = caps.get(2)?.as_str();
    // A label is a few words, not a sentence that happens to hold a colon.
    let short = label.split_whitespace().count() <= 4;
    (short && !value.is_empty()).then_some((label, value))
}

/// A label's or an output name's words, lower-cased, without punctuation.
fn label_words(label: &str) -> Vec<String> {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

pub(super) fn looks_secret(name: &str) -> bool {
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "passcode",
        "sandi",
        "katasandi",
        "pin",
        "secret",
        "rahasia",
        "token",
        "otp",
    ];
    label_words(name)
        .iter()
        .any(|w| SECRET.contains(&w.as_str()))
}

/// The outputs a done reply gives, matched to the SOP's names (exact first, then by first words).
fn done_with(labelled: &[Option<(&str, &str)>], outputs: &[&str]) -> Completion {
    let lines: Vec<(usize, Vec<String>, &str)> = labelled
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.map(|(label, value)| (i, label_words(label), value)))
        .collect();
    let mut used: Vec<usize> = Vec::new();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let wanted: Vec<(&str, Vec<String>)> = outputs
        .iter()
        .map(|o| (*o, label_words(o)))
        .filter(|(_, w)| !w.is_empty())
        .collect();
    for exact in [true, false] {
        for (name, want) in &wanted {
            if found.contains_key(*name) {
                continue;
            }
            let hit = lines.iter().find(|(i, words, _)| {
                !used.contains(i)
                    && if exact {
                        words.concat() == want.concat()
                    } else {
                        words.starts_with(want)
                    }
            });
            if let Some((i, _, value)) = hit {
                used.push(*i);
                found.insert((*name).to_string(), (*value).to_string());
            }
        }
    }
    let missing = outputs
        .iter()
        .filter(|o| !found.contains_key(**o))
        .map(|o| (*o).to_string())
        .collect();
    let secret_outputs = outputs
        .iter()
        .filter(|o| looks_secret(o))
        .map(|o| (*o).to_string())
        .collect();
    Completion::Done {
        outputs: found,
        missing,
        secret_outputs,
    }
}
