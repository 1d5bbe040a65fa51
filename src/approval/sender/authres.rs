//! Reading one `Authentication-Results` header value (RFC 8601 §2.2) into its authserv-id and
//! its `method=result` entries with their properties.
//!
//! Lenient by design, as the header is written by many programs: comments (nested, with
//! quoted-pairs) are dropped, quoted strings unquoted, whitespace allowed around `=`, unknown
//! keys (Microsoft's `action=none`) kept. Microsoft 365 writes no authserv-id at all
//! (`Authentication-Results: spf=pass … ; dkim=pass …`): then [`AuthResults::authserv_id`] is
//! `None`. Never panics; what cannot be read is skipped. Trust is not decided here.

/// One header: who wrote it and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Lower-cased; `None` when the header starts directly with a result (Microsoft 365).
    pub authserv_id: Option<String>,
    pub results: Vec<MethodResult>,
}

/// One `method=result` entry, e.g. `dkim=pass (2048-bit key) header.d=kampus.ac.id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// Lower-cased, without a `/version`: `dkim`, `spf`, `dmarc`, `arc`, `compauth`…
    pub method: String,
    /// Lower-cased: `pass`, `fail`, `none`, `neutral`, `temperror`…
    pub result: String,
    /// The other `key=value` pairs in order, keys lower-cased (`header.d`, `reason`, `action`),
    /// values as written.
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    /// The first value of a property (key in lower case).
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Semi,
    Eq,
    Word(String),
}

/// Splits a value into words, `;` and `=`, dropping whitespace and comments. A quoted string
/// becomes one word.
fn lex(value: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Lexeme>| {
        if !word.is_empty() {
            out.push(Lexeme::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ';' | '=' => {
                flush(&mut word, &mut out);
                out.push(if c == ';' { Lexeme::Semi } else { Lexeme::Eq });
            }
            '(' => {
                // RFC 5322 §3.2.2: comments nest; a backslash quotes the next character.
                flush(&mut word, &mut out);
                let mut depth = 1usize;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(q) = chars.next() {
                                word.push(q);
                            }
                        }
                        '"' => break,
                        _ => word.push(c),
                    }
                }
                // An empty quoted string is still a value.
                if word.is_empty() {
                    out.push(Lexeme::Word(String::new()));
                }
                flush(&mut word, &mut out);
            }
            c if c.is_whitespace() || c == ')' => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `key=value` pairs of one `;`-separated part, and the words that stood alone before them.
fn pairs(part: &[Lexeme]) -> (Vec<String>, Vec<(String, String)>) {
    let mut loose = Vec::new();
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < part.len() {
        match (&part[i], part.get(i + 1), part.get(i + 2)) {
            (Lexeme::Word(k), Some(Lexeme::Eq), Some(Lexeme::Word(v))) => {
                pairs.push((k.to_ascii_lowercase(), v.clone()));
                i += 3;
            }
            (Lexeme::Word(k), Some(Lexeme::Eq), _) => {
                pairs.push((k.to_ascii_lowercase(), String::new()));
                i += 2;
            }
            (Lexeme::Word(w), _, _) if pairs.is_empty() => {
                loose.push(w.clone());
                i += 1;
            }
            // A stray word or `=` after the pairs (e.g. a `=` inside a value): skipped.
            _ => i += 1,
        }
    }
    (loose, pairs)
}

fn method_result(pairs: Vec<(String, String)>) -> Option<MethodResult> {
    let mut it = pairs.into_iter();
    let (method, result) = it.next()?;
    // RFC 8601 §2.2: `method [ "/" method-version ]`.
    let method = method
        .split('/')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if method.is_empty() {
        return None;
    }
    Some(MethodResult {
        method,
        result: result.to_ascii_lowercase(),
        props: it.collect(),
    })
}

/// Reads one header value.
pub fn parse(value: &str) -> AuthResults {
    let lexemes = lex(value);
    let mut parts = lexemes.split(|l| *l == Lexeme::Semi);
    let mut out = AuthResults {
        authserv_id: None,
        results: Vec::new(),
    };
    if let Some(first) = parts.next() {
        let (loose, first_pairs) = pairs(first);
        // `authserv-id [version]`; or, Microsoft's way, straight into `method=result`.
        out.authserv_id = loose.first().map(|id| id.to_ascii_lowercase());
        if let Some(r) = method_result(first_pairs) {
            out.results.push(r);
        }
    }
    for part in parts {
        let (_, part_pairs) = pairs(part);
        if let Some(r) = method_result(part_pairs) {
            out.results.push(r);
        }
    }
    out
}
