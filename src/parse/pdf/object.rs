//! PDF objects and the lexer that reads them (the syntax of PDF 1.7 §7.2–7.3), for the fast
//! text reader. Every read is bounds-checked; nesting is bounded by [`MAX_DEPTH`]. A syntax
//! error is a [`Refuse`]: the caller then leaves the file to pdf-extract.

use super::Refuse;

/// Deepest nesting of arrays and dictionaries that is read.
const MAX_DEPTH: usize = 32;

/// One PDF object. Stream data stays in the file: `Stream` keeps its offset.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Obj {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32, u16),
    /// A stream: its dictionary and where its data starts in the buffer it was read from.
    Stream(Dict, usize),
}

/// A dictionary: few keys, so a list searched in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Dict(pub Vec<(Vec<u8>, Obj)>);

impl Dict {
    pub fn get(&self, key: &[u8]) -> Option<&Obj> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Obj {
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Obj::Int(i) => Some(*i as f64),
            Obj::Real(r) => Some(*r),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Obj::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Obj::Name(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Obj::Dict(d) | Obj::Stream(d, _) => Some(d),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Obj]> {
        match self {
            Obj::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// The class of every byte: 0 regular, 1 white space, 2 delimiter.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let white = b" \n\r\t\x0c\0";
    let delim = b"()<>[]{}/%";
    let mut i = 0;
    while i < white.len() {
        t[white[i] as usize] = 1;
        i += 1;
    }
    let mut i = 0;
    while i < delim.len() {
        t[delim[i] as usize] = 2;
        i += 1;
    }
    t
};

pub(super) fn is_white(b: u8) -> bool {
    CLASS[b as usize] == 1
}

pub(super) fn is_delim(b: u8) -> bool {
    CLASS[b as usize] == 2
}

fn is_regular(b: u8) -> bool {
    CLASS[b as usize] == 0
}

/// A token of a content stream.
pub(super) enum Token<'a> {
    Operand(Obj),
    Operator(&'a [u8]),
}

/// A cursor over bytes that reads PDF tokens and objects.
pub(super) struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Lexer { buf, pos }
    }

    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips white space and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(b) = self.peek() {
                    if b == b'\n' || b == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A run of regular characters (a keyword or a number), after white space.
    pub fn word(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        self.buf.get(start..self.pos).unwrap_or_default()
    }

    /// Reads `keyword` (after white space) or fails.
    pub fn expect(&mut self, keyword: &[u8]) -> Result<(), Refuse> {
        if self.word() == keyword {
            Ok(())
        } else {
            Err(Refuse::Syntax)
        }
    }

    /// An unsigned integer, after white space.
    pub fn uint(&mut self) -> Result<u64, Refuse> {
        parse_uint(self.word()).ok_or(Refuse::Syntax)
    }

    /// The next token of a content stream or CMap: an operand or an operator (`None` at the
    /// end). A stray closing delimiter is an operator of its own, which nobody knows.
    pub fn token(&mut self) -> Result<Option<Token<'a>>, Refuse> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Ok(None);
        };
        if b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'/' | b'(' | b'<' | b'[') {
            return self.object(false).map(|o| Some(Token::Operand(o)));
        }
        if is_delim(b) {
            let start = self.pos;
            self.pos += 1;
            return Ok(Some(Token::Operator(
                self.buf.get(start..self.pos).unwrap_or_default(),
            )));
        }
        Ok(Some(match self.word() {
            b"true" => Token::Operand(Obj::Bool(true)),
            b"false" => Token::Operand(Obj::Bool(false)),
            b"null" => Token::Operand(Obj::Null),
            op => Token::Operator(op),
        }))
    }

    /// Reads one object. `refs`: whether `n g R` is a reference (not in content streams).
    pub fn object(&mut self, refs: bool) -> Result<Obj, Refuse> {
        self.object_at_depth(refs, 0)
    }

    fn object_at_depth(&mut self, refs: bool, depth: usize) -> Result<Obj, Refuse> {
        if depth > MAX_DEPTH {
            return Err(Refuse::Limit);
        }
        self.skip_ws();
        let b = self.peek().ok_or(Refuse::Syntax)?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Obj::Name(self.name()))
            }
            b'(' => {
                self.pos += 1;
                self.literal_string().map(Obj::Str)
            }
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let dict = self.dict_body(refs, depth)?;
                // A stream follows its dictionary.
                let save = self.pos;
                if refs && self.word() == b"stream" {
                    if self.peek() == Some(b'\r') {
                        self.pos += 1;
                    }
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    return Ok(Obj::Stream(dict, self.pos));
                }
                self.pos = save;
                Ok(Obj::Dict(dict))
            }
            b'<' => {
                self.pos += 1;
                self.hex_string().map(Obj::Str)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Obj::Array(items));
                        }
                        Some(_) => items.push(self.object_at_depth(refs, depth + 1)?),
                        None => return Err(Refuse::Syntax),
                    }
                }
            }
            _ => {
                let start = self.pos;
                let word = self.word();
                match word {
                    b"true" => return Ok(Obj::Bool(true)),
                    b"false" => return Ok(Obj::Bool(false)),
                    b"null" => return Ok(Obj::Null),
                    _ => {}
                }
                let Some(num) = parse_number(word) else {
                    self.pos = start;
                    return Err(Refuse::Syntax);
                };
                if let (true, Obj::Int(n)) = (refs, &num) {
                    let save = self.pos;
                    if let Some(g) = parse_uint(self.word()) {
                        if self.word() == b"R" {
                            let id = u32::try_from(*n).map_err(|_| Refuse::Syntax)?;
                            let g = u16::try_from(g).map_err(|_| Refuse::Syntax)?;
                            return Ok(Obj::Ref(id, g));
                        }
                    }
                    self.pos = save;
                }
                Ok(num)
            }
        }
    }

    fn dict_body(&mut self, refs: bool, depth: usize) -> Result<Dict, Refuse> {
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') => {
                    if self.buf.get(self.pos + 1) != Some(&b'>') {
                        return Err(Refuse::Syntax);
                    }
                    self.pos += 2;
                    return Ok(Dict(entries));
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name();
                    let value = self.object_at_depth(refs, depth + 1)?;
                    entries.push((key, value));
                }
                _ => return Err(Refuse::Syntax),
            }
        }
    }

    /// A name after its `/`, with `#xx` escapes decoded.
    fn name(&mut self) -> Vec<u8> {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        let raw = self.buf.get(start..self.pos).unwrap_or_default();
        if !raw.contains(&b'#') {
            return raw.to_vec();
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            let hex = raw.get(i + 1..i + 3).and_then(hex_byte);
            match (b, hex) {
                (b'#', Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                _ => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        out
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, Refuse> {
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            // Copy the run up to the next byte that means something.
            let rest = self.buf.get(self.pos..).unwrap_or_default();
            let run = memchr::memchr3(b'(', b')', b'\\', rest).unwrap_or(rest.len());
            out.extend_from_slice(rest.get(..run).unwrap_or_default());
            self.pos += run;
            let b = self.peek().ok_or(Refuse::Syntax)?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' if nesting == 0 => return Ok(out),
                b')' => {
                    nesting -= 1;
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or(Refuse::Syntax)?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, Refuse> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let b = self.peek().ok_or(Refuse::Syntax)?;
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Ok(out);
            }
            if is_white(b) {
                continue;
            }
            let v = hex_digit(b).ok_or(Refuse::Syntax)?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    match two {
        [h, l] => Some(hex_digit(*h)? << 4 | hex_digit(*l)?),
        _ => None,
    }
}

pub(super) fn parse_uint(word: &[u8]) -> Option<u64> {
    if word.is_empty() || word.len() > 18 || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// A PDF number: an integer, or a real (`-.5`, `3.`) when it has a point.
fn parse_number(word: &[u8]) -> Option<Obj> {
    let (negative, digits) = match word.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, word),
    };
    // Digits before and after the point, accumulated as integers: for up to 15 significant
    // digits, `int / 10^k` is the correctly rounded value, as `str::parse` would give.
    let (mut mantissa, mut scale, mut seen_point, mut count) = (0u64, 0i32, false, 0usize);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                let Some(m) = mantissa
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(u64::from(b - b'0')))
                else {
                    return parse_long_number(word);
                };
                mantissa = m;
                count += 1;
                if seen_point {
                    scale += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    if !seen_point {
        let v = i64::try_from(mantissa).ok()?;
        return Some(Obj::Int(if negative { -v } else { v }));
    }
    if mantissa >= 1 << 53 || scale > 22 {
        return parse_long_number(word);
    }
    let v = mantissa as f64 / 10f64.powi(scale);
    Some(Obj::Real(if negative { -v } else { v }))
}

/// A number of too many digits for the quick way: a real, by the standard library.
fn parse_long_number(word: &[u8]) -> Option<Obj> {
    let s = std::str::from_utf8(word).ok()?;
    let s = s.strip_prefix('+').unwrap_or(s);
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Obj::Real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Obj, Refuse> {
        Lexer::new(s.as_bytes(), 0).object(true)
    }

    #[test]
    fn objects_of_every_kind() {
        assert_eq!(read("42"), Ok(Obj::Int(42)));
        assert_eq!(read("-.5"), Ok(Obj::Real(-0.5)));
        assert_eq!(read("462.88"), Ok(Obj::Real(462.88)));
        assert_eq!(read("3."), Ok(Obj::Real(3.0)));
        assert_eq!(
            read("12345678901234567890.5"),
            Ok(Obj::Real(12345678901234567890.5))
        );
        assert_eq!(read("12 0 R"), Ok(Obj::Ref(12, 0)));
        assert_eq!(read("/A#20B"), Ok(Obj::Name(b"A B".to_vec())));
        assert_eq!(
            read("(a\\(b\\)\\101(c))"),
            Ok(Obj::Str(b"a(b)A(c)".to_vec()))
        );
        assert_eq!(read("<48 6>"), Ok(Obj::Str(b"H`".to_vec())));
        assert_eq!(
            read("<< /K [1 2.5 /N] /D << >> >>"),
            Ok(Obj::Dict(Dict(vec![
                (
                    b"K".to_vec(),
                    Obj::Array(vec![Obj::Int(1), Obj::Real(2.5), Obj::Name(b"N".to_vec())])
                ),
                (b"D".to_vec(), Obj::Dict(Dict::default())),
            ])))
        );
    }

    #[test]
    fn bad_syntax_and_deep_nesting_are_refused() {
        assert_eq!(read("(never closed"), Err(Refuse::Syntax));
        assert_eq!(read("<< /A 1"), Err(Refuse::Syntax));
        assert_eq!(read("<zz>"), Err(Refuse::Syntax));
        assert_eq!(read(&"[".repeat(100)), Err(Refuse::Limit));
        assert_eq!(read("1.2.3"), Err(Refuse::Syntax));
    }
}
