//! Every phrase of every rule in one Aho-Corasick automaton, so that scoring a letter reads
//! each of its normalised texts once, instead of once per phrase of every rule (a substring
//! finder per phrase was the scoring's whole cost: 0.26 M instructions per text letter).
//!
//! The automaton finds every occurrence of every phrase, overlapping ones included; an
//! occurrence counts when it sits on word boundaries, exactly as [`super::matching`]'s
//! `find_with` decides for one phrase. So a phrase "occurs in a text" here exactly when
//! `find_with` finds it there, and the first phrase of a condition that occurs in one of
//! the target's texts is the same as before.
//!
//! Built once per loaded [`RuleSet`] (kept in it, like a rule's own cache); a hot reload
//! loads a new set and so a new index.

use super::matching::normalize;
use super::RuleSet;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// The phrases of a rule set, numbered, and each condition's phrases by number.
#[derive(Debug)]
pub(crate) struct PhraseIndex {
    /// `None` when no rule has a phrase (or the automaton could not be built: then every
    /// rule is scored phrase by phrase, as before).
    ac: Option<AhoCorasick>,
    /// Pattern number → (normalised phrase, needs a boundary before, needs one after).
    patterns: Vec<Pattern>,
    /// Rule → condition → pattern numbers in the order of `any`. Phrases that normalise to
    /// nothing are left out: they never match.
    conditions: Vec<Vec<Vec<u32>>>,
}

#[derive(Debug)]
struct Pattern {
    text: String,
    need_left: bool,
    need_right: bool,
}

impl PhraseIndex {
    pub fn new(set: &RuleSet) -> PhraseIndex {
        let mut numbers: HashMap<String, u32> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut conditions = Vec::with_capacity(set.rules.len());
        for rule in &set.rules {
            let mut per_rule = Vec::with_capacity(rule.conditions.len());
            for cond in &rule.conditions {
                let mut ids = Vec::new();
                for phrase in &cond.any {
                    let text = normalize(phrase);
                    let (Some(first), Some(last)) = (text.chars().next(), text.chars().last())
                    else {
                        continue;
                    };
                    let next = patterns.len() as u32;
                    let id = *numbers.entry(text.clone()).or_insert_with(|| {
                        patterns.push(Pattern {
                            text,
                            need_left: first.is_alphanumeric(),
                            need_right: last.is_alphanumeric(),
                        });
                        next
                    });
                    ids.push(id);
                }
                per_rule.push(ids);
            }
            conditions.push(per_rule);
        }
        let ac = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(patterns.iter().map(|p| p.text.as_bytes()))
                    .ok()
            })
            .flatten();
        PhraseIndex {
            ac,
            patterns,
            conditions,
        }
    }

    /// Whether the index covers this rule set as it is now (a set changed after its index
    /// was built is scored phrase by phrase).
    pub fn fits(&self, set: &RuleSet) -> bool {
        self.ac.is_some()
            && self.conditions.len() == set.rules.len()
            && self
                .conditions
                .iter()
                .zip(&set.rules)
                .all(|(c, r)| c.len() == r.conditions.len())
    }

    /// The phrases that occur, on word boundaries, in `hay` (a normalised text), added to
    /// `found`.
    pub fn scan(&self, hay: &str, found: &mut Found) {
        let Some(ac) = &self.ac else { return };
        found.ensure(self.patterns.len());
        for m in ac.find_overlapping_iter(hay) {
            let id = m.pattern().as_usize();
            if found.has(id) {
                continue;
            }
            let Some(p) = self.patterns.get(id) else {
                continue;
            };
            let left_ok = !p.need_left
                || !hay[..m.start()]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let right_ok = !p.need_right
                || !hay[m.end()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
            if left_ok && right_ok {
                found.set(id);
            }
        }
    }

    /// The first phrase of condition `cond` of rule `rule` found in `found`, as the
    /// normalised phrase.
    pub fn first_found(&self, rule: usize, cond: usize, found: &Found) -> Option<&str> {
        self.conditions
            .get(rule)?
            .get(cond)?
            .iter()
            .find(|&&id| found.has(id as usize))
            .and_then(|&id| self.patterns.get(id as usize))
            .map(|p| p.text.as_str())
    }
}

/// A set of pattern numbers (a bit per phrase of the rule set).
#[derive(Debug, Clone, Default)]
pub(crate) struct Found(Vec<u64>);

impl Found {
    fn ensure(&mut self, patterns: usize) {
        let words = patterns.div_ceil(64);
        if self.0.len() < words {
            self.0.resize(words, 0);
        }
    }

    fn has(&self, id: usize) -> bool {
        self.0
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn set(&mut self, id: usize) {
        if let Some(w) = self.0.get_mut(id / 64) {
            *w |= 1 << (id % 64);
        }
    }

    /// Every phrase found in `self` or in `other`.
    pub fn union(&self, other: &Found) -> Found {
        let (long, short) = if self.0.len() >= other.0.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut out = long.clone();
        for (w, o) in out.0.iter_mut().zip(&short.0) {
            *w |= o;
        }
        out
    }
}
