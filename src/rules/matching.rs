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
