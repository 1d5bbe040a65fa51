//! Tests of the rules module as a whole: shipped rule files, diagnostics, letters.
