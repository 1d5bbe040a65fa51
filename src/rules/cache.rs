//! What is worked out once per loaded rule rather than once per letter: the label set of its
//! fields (for extraction) and a substring finder for each of its phrases (for scoring).
//! Filled on first use and kept with the rule; a hot reload loads new rules, so new caches.

use super::labels::LabelSet;
use super::matching::normalize;
use std::sync::OnceLock;

/// A value derived from the rule it is kept in, built on first use. Not part of what a
/// rule *is*: a clone starts empty and builds again (cheap).
pub struct Cached<T>(OnceLock<T>);

impl<T> Cached<T> {
    pub(crate) fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(f)
    }
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(OnceLock::new())
    }
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached::default()
    }
}

impl<T> std::fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Cached(built)"
        } else {
            "Cached(empty)"
        })
    }
}

/// Per-rule cache, kept inside [`super::Rule`].
#[derive(Default, Clone, Debug)]
pub struct RuleCache {
    pub(crate) labels: Cached<LabelSet>,
}

/// Per-condition cache: one SIMD substring finder per phrase, in the order of `any`.
#[derive(Default, Clone, Debug)]
pub struct PhraseFinders(Cached<Vec<memchr::memmem::Finder<'static>>>);

impl PhraseFinders {
    /// The finders of `phrases`, normalised (loaded rules' phrases already are), built on
    /// first use. Each finder's needle is the normalised phrase.
    pub(crate) fn get(&self, phrases: &[String]) -> &[memchr::memmem::Finder<'static>] {
        self.0.get_or_init(|| {
            phrases
                .iter()
                .map(|p| memchr::memmem::Finder::new(normalize(p).as_bytes()).into_owned())
                .collect()
        })
    }
}
