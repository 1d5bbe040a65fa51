//! Diagnostics for admins: every problem in `daemon.toml`, a rule file or a template is a
//! [`Diagnostic`] naming the file, line and column, what was wrong and, where it helps, a hint.
//!
//! Checkers collect *all* diagnostics before reporting; nothing stops at the first error.
//! Rendering is `file:line:col: error: message (hint: …)`, followed by the source line and a
//! caret when the source is at hand. Tests assert this text verbatim, so change it with care.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, for the caret display.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: 0,
            col: 0,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = file.into();
        self
    }

    /// Places the diagnostic at a byte offset of `source` (the text of `file`).
    pub fn at_offset(mut self, source: &str, offset: usize) -> Self {
        let (line, col) = line_col(source, offset);
        self.line = line;
        self.col = col;
        self.source_line = source.lines().nth(line - 1).map(str::to_owned);
        self
    }

    /// Places the diagnostic at an explicit 1-based line and column of `source`.
    pub fn at_line(mut self, source: &str, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self.source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_owned);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// One line: `file:line:col: error: message (hint: …)`.
    pub fn headline(&self) -> String {
        let mut s = display_path(&self.file);
        if self.line > 0 {
            s.push_str(&format!(":{}", self.line));
            if self.col > 0 {
                s.push_str(&format!(":{}", self.col));
            }
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        s.push_str(&format!(": {sev}: {}", self.message));
        if let Some(h) = &self.hint {
            s.push_str(&format!(" (hint: {h})"));
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    /// The headline, then the source line with a caret under the column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if let (Some(src), true) = (&self.source_line, self.line > 0) {
            let gutter = self.line.to_string();
            writeln!(f, "{gutter} | {src}")?;
            if self.col > 0 {
                let pad: String = src
                    .chars()
                    .take(self.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{} | {pad}^", " ".repeat(gutter.len()))?;
            }
        }
        Ok(())
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Paths are shown relative to the working directory when they are below it.
pub fn display_path(p: &Path) -> String {
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            return rel.display().to_string();
        }
    }
    p.display().to_string()
}

/// Sorts diagnostics by file, line and column so reports are stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let src = "a = 1\nnamä = \"x\"\n";
        let off = src
            .find('=')
            .map(|_| src.rfind('=').unwrap_or(0))
            .unwrap_or(0);
        assert_eq!(line_col(src, off), (2, 6));
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 10_000), (3, 1));
    }

    #[test]
    fn renders_headline_source_and_caret() {
        let src = "id = \"zoom\"\nthreshold = \"tinggi\"\n";
        let d = Diagnostic::error("rules/zoom.toml", "expected a number")
            .with_hint("write threshold = 5")
            .at_line(src, 2, 13);
        assert_eq!(
            d.to_string(),
            "rules/zoom.toml:2:13: error: expected a number (hint: write threshold = 5)\n\
             2 | threshold = \"tinggi\"\n  |             ^\n"
        );
    }
}
