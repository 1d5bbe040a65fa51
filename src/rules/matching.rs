//! Scoring letters against rules.

use super::{Letter, Rule, Score};

pub fn score(rule: &Rule, _letter: &Letter<'_>) -> Score {
    Score {
        rule: rule.id.clone(),
        total: 0.0,
        threshold: rule.threshold,
        hits: Vec::new(),
    }
}

pub fn best<'r>(rules: &'r super::RuleSet, letter: &Letter<'_>) -> (Vec<Score>, Option<&'r Rule>) {
    let scores: Vec<Score> = rules.rules.iter().map(|r| score(r, letter)).collect();
    (scores, None)
}
