//! Scoring letters against rules.
//!
//! A letter's texts are normalised once ([`NormalizedLetter`]): lower case, runs of
//! whitespace collapsed to one space, and `-`/`_` between two letters or digits read as a
//! space (so "Lab-ICT", "lab_ict" and "Lab  ICT" are all "lab ict"). Phrases are normalised the
//! same way and must match on word boundaries: "acc" does not match "account", but
//! "office 365" matches "Office  365". Regular expressions see the raw text, case-insensitive.
//!
//! Each condition counts once, with its weight (which may be negative); the first of its
//! phrases that matches is the one reported. Pure: no I/O, no panics on any text.

use super::phrases::{Found, PhraseIndex};
use super::{Condition, Hit, Letter, Rule, RuleSet, Score, Target};

/// One text of a letter, raw (for regular expressions) and normalised (for phrases).
#[derive(Debug, Clone)]
struct Segment<'a> {
    raw: &'a str,
    norm: String,
}

impl<'a> Segment<'a> {
    fn new(raw: &'a str) -> Self {
        Segment {
            raw,
            norm: normalize(raw),
        }
    }
}

/// A letter with every text normalised once, so that scoring many rules costs one pass of
/// normalisation. Build it with [`NormalizedLetter::new`] and score with [`score_normalized`].
#[derive(Debug, Clone)]
pub struct NormalizedLetter<'a> {
    subject: Segment<'a>,
    body: Segment<'a>,
    attachment_names: Vec<Segment<'a>>,
    attachment_texts: Vec<Segment<'a>>,
    from: Segment<'a>,
    to: Vec<Segment<'a>>,
}

impl<'a> NormalizedLetter<'a> {
    pub fn new(letter: &Letter<'a>) -> Self {
        let mut names: Vec<&'a str> = letter.attachment_kinds.iter().map(|(n, _)| *n).collect();
        // Attachments with text are normally listed in `attachment_kinds` too; a hand-made
        // Letter may list them only once.
        for (n, _) in &letter.attachments {
            if !names.contains(n) {
                names.push(n);
            }
        }
        NormalizedLetter {
            subject: Segment::new(letter.subject),
            body: Segment::new(letter.body),
            attachment_names: names.into_iter().map(Segment::new).collect(),
            attachment_texts: letter
                .attachments
                .iter()
                .map(|(_, t)| Segment::new(t))
                .collect(),
            from: Segment::new(letter.from),
            to: letter.to.iter().map(|t| Segment::new(t)).collect(),
        }
    }

    /// Whether `f` holds for any text of `target` (no list built: this runs for every
    /// condition of every rule).
    fn any_segment(&self, target: Target, mut f: impl FnMut(&Segment<'a>) -> bool) -> bool {
        let one = std::slice::from_ref;
        let (a, b, c): (&[Segment<'a>], &[Segment<'a>], &[Segment<'a>]) = match target {
            Target::Subject => (one(&self.subject), &[], &[]),
            Target::Body => (one(&self.body), &[], &[]),
            Target::Attachment => (&self.attachment_names, &self.attachment_texts, &[]),
            Target::Text => (one(&self.subject), one(&self.body), &self.attachment_texts),
            Target::From => (one(&self.from), &[], &[]),
            Target::To => (&self.to, &[], &[]),
        };
        a.iter().chain(b).chain(c).any(&mut f)
    }
}

/// Scores one rule. To score many rules against one letter use [`best`], which normalises
/// the letter once.
pub fn score(rule: &Rule, letter: &Letter<'_>) -> Score {
    score_normalized(rule, &NormalizedLetter::new(letter))
}

pub fn score_normalized(rule: &Rule, letter: &NormalizedLetter<'_>) -> Score {
    score_with(rule, letter, |_, cond| {
        cond.finders.get(&cond.any).iter().find_map(|finder| {
            letter
                .any_segment(cond.target, |s| find_with(&s.norm, finder).is_some())
                .then(|| String::from_utf8_lossy(finder.needle()).into_owned())
        })
    })
}

/// Scores `rule`, `phrase_match` telling which phrase of its `k`-th condition (one
/// without a regular expression) matched.
fn score_with(
    rule: &Rule,
    letter: &NormalizedLetter<'_>,
    mut phrase_match: impl FnMut(usize, &Condition) -> Option<String>,
) -> Score {
    let mut total = 0.0;
    let mut hits = Vec::new();
    for (k, cond) in rule.conditions.iter().enumerate() {
        let matched = match &cond.regex {
            Some(re) => letter
                .any_segment(cond.target, |s| re.is_match(s.raw))
                .then(|| re.as_str().to_owned()),
            None => phrase_match(k, cond),
        };
        if let Some(matched) = matched {
            total += cond.weight;
            hits.push(Hit {
                target: cond.target,
                matched,
                weight: cond.weight,
                line: cond.line,
            });
        }
    }
    Score {
        rule: rule.id.clone(),
        total,
        threshold: rule.threshold,
        hits,
    }
}

/// Every rule's score, highest total first (ties in rule id order), and the winner: the
/// highest total among the rules whose threshold is reached. The letter's texts are
/// normalised once and read once for the phrases of all rules (`PhraseIndex`).
pub fn best<'r>(rules: &'r RuleSet, letter: &Letter<'_>) -> (Vec<Score>, Option<&'r Rule>) {
    let norm = NormalizedLetter::new(letter);
    let index = rules.phrases.get_or_init(|| PhraseIndex::new(rules));
    let mut scores: Vec<Score> = if index.fits(rules) {
        let found = TargetsFound::new(&norm, index);
        rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                score_with(r, &norm, |k, cond| {
                    index
                        .first_found(i, k, found.of(cond.target))
                        .map(str::to_owned)
                })
            })
            .collect()
    } else {
        rules
            .rules
            .iter()
            .map(|r| score_normalized(r, &norm))
            .collect()
    };
    scores.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    let winner = scores
        .iter()
        .find(|s| s.passes())
        .and_then(|s| rules.rules.iter().find(|r| r.id == s.rule));
    (scores, winner)
}

/// The phrases found in the texts of each target.
struct TargetsFound {
    subject: Found,
    body: Found,
    attachment: Found,
    text: Found,
    from: Found,
    to: Found,
}

impl TargetsFound {
    fn new(letter: &NormalizedLetter<'_>, index: &PhraseIndex) -> TargetsFound {
        let scan = |segments: &[Segment<'_>]| {
            let mut found = Found::default();
            for s in segments {
                index.scan(&s.norm, &mut found);
            }
            found
        };
        let one = std::slice::from_ref;
        let subject = scan(one(&letter.subject));
        let body = scan(one(&letter.body));
        let names = scan(&letter.attachment_names);
        let texts = scan(&letter.attachment_texts);
        TargetsFound {
            attachment: names.union(&texts),
            text: subject.union(&body).union(&texts),
            from: scan(one(&letter.from)),
            to: scan(&letter.to),
            subject,
            body,
        }
    }

    fn of(&self, target: Target) -> &Found {
        match target {
            Target::Subject => &self.subject,
            Target::Body => &self.body,
            Target::Attachment => &self.attachment,
            Target::Text => &self.text,
            Target::From => &self.from,
            Target::To => &self.to,
        }
    }
}

/// Characters that take no room and only get in the way of matching.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
    )
}

/// Lower case, whitespace runs to one space, `-`/`_` between alphanumerics to a space,
/// trimmed. Idempotent.
pub(crate) fn normalize(s: &str) -> String {
    if s.is_ascii() {
        return normalize_ascii(s.as_bytes());
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut prev_alnum = false;
    let mut chars = s.chars().filter(|c| !is_invisible(*c)).peekable();
    while let Some(c) = chars.next() {
        let fold = (c == '-' || c == '_')
            && prev_alnum
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_whitespace() || fold {
            pending_space = !out.is_empty();
            prev_alnum = false;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
        prev_alnum = c.is_alphanumeric();
    }
    out
}

/// [`normalize`] of ASCII text (nearly every letter), byte by byte: the same steps
/// without decoding characters. (ASCII whitespace as `char::is_whitespace` has it: with
/// the vertical tab.)
fn normalize_ascii(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut prev_alnum = false;
    for (i, &c) in s.iter().enumerate() {
        let fold = (c == b'-' || c == b'_')
            && prev_alnum
            && s.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
        if matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') || fold {
            pending_space = !out.is_empty();
            prev_alnum = false;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(char::from(c.to_ascii_lowercase()));
        prev_alnum = c.is_ascii_alphanumeric();
    }
    out
}

/// Byte offset of the first occurrence of `phrase` in `hay` (both normalised) that sits on
/// word boundaries: no letter or digit right before or after, where the phrase itself
/// starts or ends with one.
pub(crate) fn find_phrase(hay: &str, phrase: &str) -> Option<usize> {
    find_with(hay, &memchr::memmem::Finder::new(phrase.as_bytes()))
}

/// [`find_phrase`] with the phrase's finder built beforehand (a rule's phrases have theirs
/// cached, [`super::PhraseFinders`]). The needle is valid UTF-8 (a normalised phrase).
pub(crate) fn find_with(hay: &str, finder: &memchr::memmem::Finder<'_>) -> Option<usize> {
    let phrase = std::str::from_utf8(finder.needle()).ok()?;
    let first = phrase.chars().next()?;
    let last = phrase.chars().next_back()?;
    let need_left = first.is_alphanumeric();
    let need_right = last.is_alphanumeric();
    let mut from = 0;
    // memmem (SIMD) rather than str::find: this runs for every phrase of every rule over
    // every text of the letter, attachments included, and was the top of the profile.
    // A match of valid UTF-8 in valid UTF-8 starts and ends on character boundaries.
    while let Some(rel) = finder.find(hay.as_bytes().get(from..)?) {
        let at = from + rel;
        let end = at + phrase.len();
        let left_ok = !need_left
            || !hay[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let right_ok = !need_right || !hay[end..].chars().next().is_some_and(char::is_alphanumeric);
        if left_ok && right_ok {
            return Some(at);
        }
        from = at + first.len_utf8();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Rule, RuleId};
    use std::path::PathBuf;

    #[test]
    fn normalize_folds_case_space_and_joiners() {
        assert_eq!(
            normalize("  Office\u{a0} 365\n\tLisensi "),
            "office 365 lisensi"
        );
        assert_eq!(normalize("Lab-ICT lab_ict"), "lab ict lab ict");
        assert_eq!(normalize("a - b"), "a - b");
        assert_eq!(normalize("E-Mail"), "e mail");
        assert_eq!(normalize("-x_"), "-x_");
        assert_eq!(normalize("zo\u{200b}om"), "zoom");
        let once = normalize("Mohon  Bantuan-nya, ZOOM_Pro!");
        assert_eq!(normalize(&once), once);
    }

    proptest::proptest! {
        #[test]
        fn ascii_text_normalizes_as_any_text(s in "[ -~\t\n\r\u{b}\u{c}\u{0}-\u{1f}]{0,40}") {
            // The general path, forced by a character it drops.
            let general = normalize(&format!("{s}\u{200b}"));
            proptest::prop_assert_eq!(normalize(&s), general);
        }
    }

    #[test]
    fn phrases_match_on_word_boundaries() {
        assert_eq!(find_phrase("my account is locked", "acc"), None);
        assert_eq!(find_phrase("mohon acc ya", "acc"), Some(6));
        assert_eq!(find_phrase("office 365.", "office 365"), Some(0));
        assert_eq!(find_phrase("office 3650", "office 365"), None);
        assert_eq!(
            find_phrase("hima@student.uns.ac.id", "student.uns.ac.id"),
            Some(5)
        );
        assert_eq!(find_phrase("xstudent", "@student"), None);
        assert_eq!(find_phrase("a@student", "@student"), Some(1));
        // An occurrence that fails its boundary does not hide a later overlapping one.
        assert_eq!(find_phrase("xab ab ab", "ab ab"), Some(4));
        assert_eq!(find_phrase("", "x"), None);
        assert_eq!(find_phrase("x", ""), None);
        assert_eq!(find_phrase("ééé é", "é"), Some(7));
    }

    fn cond(target: Target, any: &[&str], weight: f64, line: usize) -> Condition {
        Condition {
            target,
            any: any.iter().map(|s| s.to_string()).collect(),
            regex: None,
            weight,
            line,
            finders: Default::default(),
        }
    }

    fn rule(id: &str, threshold: f64, conditions: Vec<Condition>) -> Rule {
        Rule {
            id: RuleId(id.into()),
            name: id.into(),
            file: PathBuf::from(format!("rules/{id}.toml")),
            sop: String::new(),
            threshold,
            conditions,
            fields: vec![],
            attachments: vec![],
            steps: vec![],
            approver: None,
            escalation: vec![],
            alerts: Default::default(),
            one_of: vec![],
            language: None,
            cache: Default::default(),
        }
    }

    fn letter<'a>(subject: &'a str, body: &'a str) -> Letter<'a> {
        Letter {
            subject,
            body,
            ..Letter::default()
        }
    }

    #[test]
    fn each_condition_counts_once_and_reports_its_first_matching_phrase() {
        let r = rule(
            "office365",
            5.0,
            vec![
                cond(Target::Text, &["microsoft 365", "Office 365"], 4.0, 3),
                cond(Target::Subject, &["lisensi"], 1.0, 8),
                cond(Target::Body, &["tidak bisa login"], -3.0, 12),
            ],
        );
        let l = letter(
            "Permohonan Lisensi",
            "Mohon lisensi Office  365 dan office 365 lagi.",
        );
        let s = score(&r, &l);
        assert_eq!(s.total, 5.0);
        assert!(s.passes());
        assert_eq!(
            s.hits,
            vec![
                Hit {
                    target: Target::Text,
                    matched: "office 365".into(),
                    weight: 4.0,
                    line: 3
                },
                Hit {
                    target: Target::Subject,
                    matched: "lisensi".into(),
                    weight: 1.0,
                    line: 8
                },
            ]
        );
        let complaint = letter("Lisensi", "Office 365 saya tidak bisa  login.");
        let s = score(&r, &complaint);
        assert_eq!(s.total, 2.0);
        assert!(!s.passes());
    }

    #[test]
    fn targets_see_their_own_texts() {
        let r = rule(
            "t",
            1.0,
            vec![
                cond(Target::Attachment, &["rekomendasi"], 1.0, 1),
                cond(Target::From, &["student.uns.ac.id"], 2.0, 2),
                cond(Target::To, &["helpdesk"], 4.0, 3),
                cond(Target::Text, &["stempel"], 8.0, 4),
            ],
        );
        let l = Letter {
            subject: "x",
            body: "y",
            attachments: vec![("permohonan.pdf", "Dengan stempel resmi")],
            attachment_kinds: vec![
                ("permohonan.pdf", crate::parse::AttachmentKind::Pdf),
                ("surat_rekomendasi.jpg", crate::parse::AttachmentKind::Other),
            ],
            from: "Hima@Student.UNS.ac.id",
            from_name: "HIMA",
            to: vec!["tik@unit.uns.ac.id", "helpdesk@uns.ac.id"],
        };
        assert_eq!(score(&r, &l).total, 15.0);
        // Attachment text is not the body.
        let r2 = rule("u", 1.0, vec![cond(Target::Body, &["stempel"], 1.0, 1)]);
        assert_eq!(score(&r2, &l).total, 0.0);
    }

    #[test]
    fn regex_sees_raw_text_case_insensitively() {
        let mut c = cond(Target::Body, &[], 2.0, 5);
        c.regex = regex::RegexBuilder::new(r"\b\d{18}\b")
            .case_insensitive(true)
            .build()
            .ok();
        let r = rule("nip", 1.0, vec![c]);
        let s = score(&r, &letter("", "NIP 197508191999031001"));
        assert_eq!(s.total, 2.0);
        assert_eq!(s.hits[0].matched, r"\b\d{18}\b");
    }

    #[test]
    fn best_picks_the_highest_passing_total_and_breaks_ties_by_id() {
        let rules = RuleSet {
            rules: vec![
                rule(
                    "a-high-threshold",
                    10.0,
                    vec![cond(Target::Text, &["zoom"], 6.0, 1)],
                ),
                rule("b", 3.0, vec![cond(Target::Text, &["zoom"], 4.0, 1)]),
                rule("c", 3.0, vec![cond(Target::Text, &["zoom"], 4.0, 1)]),
                rule("d", 1.0, vec![cond(Target::Text, &["nothing"], 9.0, 1)]),
            ],
            ..RuleSet::default()
        };
        let l = letter("Zoom", "");
        let (scores, winner) = best(&rules, &l);
        let order: Vec<(&str, f64)> = scores
            .iter()
            .map(|s| (s.rule.0.as_str(), s.total))
            .collect();
        assert_eq!(
            order,
            vec![
                ("a-high-threshold", 6.0),
                ("b", 4.0),
                ("c", 4.0),
                ("d", 0.0)
            ]
        );
        assert_eq!(winner.map(|r| r.id.0.as_str()), Some("b"));

        let none = letter("halo", "");
        assert!(best(&rules, &none).1.is_none());
    }
}
