//! Field extraction.

use super::{Extraction, Letter, Rule};

pub fn extract(_rule: &Rule, _letter: &Letter<'_>) -> Extraction {
    Extraction::default()
}
