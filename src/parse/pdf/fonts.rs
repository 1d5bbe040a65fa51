//! Fonts for the fast PDF reader: how a string's bytes become character codes, each code's
//! advance width and its Unicode text. Handled: simple fonts (Type1, TrueType) with the
//! Standard, WinAnsi and MacRoman encodings and `/Differences`, the standard 14 fonts'
//! built-in widths, `/ToUnicode` CMaps (bfchar, bfrange), and Type0 fonts with Identity-H
//! and a ToUnicode CMap. Anything else (Type3, a CID font without ToUnicode, an embedded
//! font whose own encoding is needed, an unknown glyph name in use) is a [`Refuse`].
//!
//! Widths follow pdf-extract's choices so the word gaps come out the same: `/Widths` when
//! given, else the standard font's metrics looked up through the encoding, else
//! `/MissingWidth`; for a CID font `/W` in its `c [w …]` form, else `/DW`.

use std::collections::HashMap;

use super::document::Document;
use super::object::{Dict, Lexer, Obj, Token};
use super::tables::{CORE_WIDTHS, GLYPH_NAMES, MAC_ROMAN, PDF_DOC, STANDARD, WIN_ANSI};
use super::Refuse;

/// Most entries a ToUnicode CMap may define.
const MAX_CMAP_ENTRIES: usize = 1 << 17;

/// A font ready for text extraction.
#[derive(Debug)]
pub(super) struct Font {
    /// Two-byte codes (Type0, Identity-H) or one-byte codes (simple fonts).
    two_byte: bool,
    /// Simple fonts: code → Unicode scalar by the encoding (0: none).
    encoding: Option<[u16; 256]>,
    to_unicode: Option<HashMap<u32, String>>,
    /// Simple fonts: the ToUnicode text of every code (a table is quicker than the map).
    simple_unicode: Vec<Option<String>>,
    /// Simple fonts: the width of every code (the default where none is given).
    simple_widths: [f64; 256],
    /// CID fonts: the widths given.
    cid_widths: HashMap<u32, f64>,
    default_width: f64,
}

/// What one code of a string gives.
pub(super) enum Glyph<'f> {
    Text(&'f str),
    Char(char),
    /// A CID without a ToUnicode entry: pdf-extract prints nothing for it.
    Unmapped,
}

impl Font {
    pub fn load(doc: &Document, dict: &Dict) -> Result<Font, Refuse> {
        match doc.get(dict, b"Subtype")?.and_then(Obj::as_name) {
            Some(b"Type0") => load_type0(doc, dict),
            Some(b"Type1" | b"TrueType" | b"MMType1") => load_simple(doc, dict),
            Some(b"Type3") => Err(Refuse::Unsupported("a Type3 font")),
            _ => Err(Refuse::Unsupported("a font of an unknown subtype")),
        }
    }

    /// The codes of a shown string with their length in bytes.
    pub fn codes<'s>(&self, s: &'s [u8]) -> impl Iterator<Item = (u32, usize)> + 's {
        let step = if self.two_byte { 2 } else { 1 };
        s.chunks_exact(step).map(move |c| match c {
            [a, b] => (u32::from(*a) << 8 | u32::from(*b), 2),
            [a] => (u32::from(*a), 1),
            _ => (0, step),
        })
    }

    pub fn width(&self, code: u32) -> f64 {
        if self.two_byte {
            self.cid_widths
                .get(&code)
                .copied()
                .unwrap_or(self.default_width)
        } else {
            usize::try_from(code)
                .ok()
                .and_then(|c| self.simple_widths.get(c))
                .copied()
                .unwrap_or(self.default_width)
        }
    }

    pub fn glyph(&self, code: u32) -> Result<Glyph<'_>, Refuse> {
        if !self.two_byte {
            let mapped = usize::try_from(code)
                .ok()
                .and_then(|c| self.simple_unicode.get(c));
            if let Some(Some(text)) = mapped {
                return Ok(Glyph::Text(text));
            }
        } else if let Some(text) = self.to_unicode.as_ref().and_then(|m| m.get(&code)) {
            return Ok(Glyph::Text(text));
        }
        if self.two_byte {
            return Ok(Glyph::Unmapped);
        }
        let table = match (&self.encoding, &self.to_unicode) {
            (Some(table), _) => table,
            (None, None) => &PDF_DOC,
            (None, Some(_)) => return Err(Refuse::Unsupported("a code missing from ToUnicode")),
        };
        let scalar = usize::try_from(code)
            .ok()
            .and_then(|c| table.get(c))
            .copied()
            .unwrap_or(0);
        match char::from_u32(u32::from(scalar)) {
            Some(c) if scalar != 0 => Ok(Glyph::Char(c)),
            _ => Err(Refuse::Unsupported(
                "a character code without a known glyph",
            )),
        }
    }
}

fn load_simple(doc: &Document, dict: &Dict) -> Result<Font, Refuse> {
    let subtype = doc.get(dict, b"Subtype")?.and_then(Obj::as_name);
    let base_name = doc
        .get(dict, b"BaseFont")?
        .and_then(Obj::as_name)
        .unwrap_or_default();
    let descriptor = doc.get_dict(dict, b"FontDescriptor")?;
    if let Some(desc) = descriptor {
        if let Some(file3) = doc.get(desc, b"FontFile3")? {
            let sub = file3
                .as_dict()
                .and_then(|d| d.get(b"Subtype"))
                .and_then(Obj::as_name);
            if sub == Some(b"Type1C") {
                return Err(Refuse::Unsupported(
                    "an embedded CFF font (its own encoding)",
                ));
            }
        }
    }
    let to_unicode = to_unicode(doc, dict)?;
    let mut encoding = match doc.get(dict, b"Encoding")? {
        Some(Obj::Name(name)) => Some(named_encoding(name)?),
        Some(Obj::Dict(enc)) => {
            let mut table = match doc.get(enc, b"BaseEncoding")?.and_then(Obj::as_name) {
                Some(name) => named_encoding(name)?,
                None => PDF_DOC,
            };
            if let Some(diffs) = doc.get(enc, b"Differences")? {
                apply_differences(doc, &mut table, diffs)?;
            }
            Some(table)
        }
        Some(_) => return Err(Refuse::Broken),
        None => {
            let embedded_type1 = match descriptor {
                Some(desc) => subtype == Some(b"Type1") && doc.get(desc, b"FontFile")?.is_some(),
                None => false,
            };
            if embedded_type1 {
                return Err(Refuse::Unsupported("an embedded Type1 font's own encoding"));
            }
            (subtype == Some(b"TrueType")).then_some(WIN_ANSI)
        }
    };
    let mut widths = HashMap::new();
    let first = doc.get(dict, b"FirstChar")?.and_then(Obj::as_int);
    let last = doc.get(dict, b"LastChar")?.and_then(Obj::as_int);
    let given = doc.get(dict, b"Widths")?.and_then(Obj::as_array);
    if let (Some(first), Some(last), Some(given)) = (first, last, given) {
        if first < 0 || first.saturating_add(given.len() as i64) - 1 != last {
            return Err(Refuse::Unsupported(
                "/Widths that do not match FirstChar..LastChar",
            ));
        }
        for (i, w) in given.iter().enumerate() {
            let w = doc.resolve(w)?.as_num().ok_or(Refuse::Broken)?;
            widths.insert(
                u32::try_from(first).unwrap_or(0).saturating_add(i as u32),
                w,
            );
        }
    } else if is_core(base_name) {
        let metrics = CORE_WIDTHS
            .iter()
            .find(|(name, _)| name.as_bytes() == base_name)
            .map(|(_, m)| *m)
            .ok_or(Refuse::Unsupported("the Symbol or ZapfDingbats font"))?;
        let table = *encoding.get_or_insert(STANDARD);
        for (code, scalar) in table.iter().enumerate() {
            if let Ok(i) = metrics.binary_search_by_key(scalar, |(u, _)| *u) {
                if let Some((_, w)) = metrics.get(i) {
                    widths.insert(code as u32, f64::from(*w));
                }
            }
        }
    }
    let default_width = match doc.get(dict, b"MissingWidth")? {
        Some(w) => w.as_num().ok_or(Refuse::Broken)?,
        None => 0.0,
    };
    let mut simple_widths = [default_width; 256];
    for (code, w) in widths {
        if let Some(slot) = usize::try_from(code)
            .ok()
            .and_then(|c| simple_widths.get_mut(c))
        {
            *slot = w;
        }
    }
    let mut simple_unicode = Vec::new();
    if let Some(map) = &to_unicode {
        simple_unicode = vec![None; 256];
        for (code, text) in map {
            if let Some(slot) = usize::try_from(*code)
                .ok()
                .and_then(|c| simple_unicode.get_mut(c))
            {
                *slot = Some(text.clone());
            }
        }
    }
    Ok(Font {
        two_byte: false,
        encoding,
        to_unicode,
        simple_unicode,
        simple_widths,
        cid_widths: HashMap::new(),
        default_width,
    })
}

fn load_type0(doc: &Document, dict: &Dict) -> Result<Font, Refuse> {
    match doc.get(dict, b"Encoding")?.and_then(Obj::as_name) {
        Some(b"Identity-H" | b"Identity-V") => {}
        _ => {
            return Err(Refuse::Unsupported(
                "a CID font encoding other than Identity-H",
            ))
        }
    }
    let to_unicode =
        to_unicode(doc, dict)?.ok_or(Refuse::Unsupported("a CID font without a ToUnicode map"))?;
    let descendants = doc.get(dict, b"DescendantFonts")?.and_then(Obj::as_array);
    let first = descendants.and_then(|d| d.first()).ok_or(Refuse::Broken)?;
    let cid = doc.resolve(first)?.as_dict().ok_or(Refuse::Broken)?;
    if doc.get_dict(cid, b"FontDescriptor")?.is_none() {
        return Err(Refuse::Broken);
    }
    let default_width = match doc.get(cid, b"DW")? {
        None => 1000.0,
        Some(Obj::Int(w)) => *w as f64,
        Some(_) => return Err(Refuse::Unsupported("a non-integer /DW")),
    };
    let mut widths = HashMap::new();
    if let Some(w) = doc.get(cid, b"W")?.and_then(Obj::as_array) {
        let mut i = 0;
        while let Some(start) = w.get(i) {
            match w.get(i + 1) {
                Some(Obj::Array(list)) => {
                    let start = doc.resolve(start)?.as_int().ok_or(Refuse::Broken)?;
                    for (j, v) in list.iter().enumerate() {
                        let code = u32::try_from(start.saturating_add(j as i64))
                            .map_err(|_| Refuse::Broken)?;
                        widths.insert(code, v.as_num().ok_or(Refuse::Broken)?);
                    }
                    i += 2;
                }
                // `first last width`: pdf-extract reads no width from this form, and so
                // (for the same word gaps) neither do we.
                Some(_) => i += 3,
                None => return Err(Refuse::Broken),
            }
            if widths.len() > MAX_CMAP_ENTRIES {
                return Err(Refuse::Limit);
            }
        }
    }
    Ok(Font {
        two_byte: true,
        encoding: None,
        to_unicode: Some(to_unicode),
        simple_unicode: Vec::new(),
        simple_widths: [default_width; 256],
        cid_widths: widths,
        default_width,
    })
}

fn is_core(name: &[u8]) -> bool {
    matches!(
        name,
        b"Courier"
            | b"Courier-Bold"
            | b"Courier-BoldOblique"
            | b"Courier-Oblique"
            | b"Helvetica"
            | b"Helvetica-Bold"
            | b"Helvetica-BoldOblique"
            | b"Helvetica-Oblique"
            | b"Symbol"
            | b"Times-Bold"
            | b"Times-BoldItalic"
            | b"Times-Italic"
            | b"Times-Roman"
            | b"ZapfDingbats"
    )
}

fn named_encoding(name: &[u8]) -> Result<[u16; 256], Refuse> {
    match name {
        b"WinAnsiEncoding" => Ok(WIN_ANSI),
        b"MacRomanEncoding" => Ok(MAC_ROMAN),
        b"StandardEncoding" => Ok(STANDARD),
        _ => Err(Refuse::Unsupported("an unknown named encoding")),
    }
}

/// Unicode of a glyph name; 0 when unknown.
pub(super) fn glyph_scalar(name: &[u8]) -> u16 {
    if let Ok(i) = GLYPH_NAMES.binary_search_by(|(n, _)| n.as_bytes().cmp(name)) {
        if let Some((_, u)) = GLYPH_NAMES.get(i) {
            return *u;
        }
    }
    0
}

fn apply_differences(doc: &Document, table: &mut [u16; 256], diffs: &Obj) -> Result<(), Refuse> {
    let diffs = diffs.as_array().ok_or(Refuse::Broken)?;
    let mut code: i64 = 0;
    for item in diffs {
        match doc.resolve(item)? {
            Obj::Int(i) => code = *i,
            Obj::Name(name) => {
                let slot = usize::try_from(code)
                    .ok()
                    .and_then(|c| table.get_mut(c))
                    .ok_or(Refuse::Unsupported("a /Differences code past 255"))?;
                // An unknown name leaves a hole: shown, it is refused.
                *slot = glyph_scalar(name);
                code += 1;
            }
            _ => return Err(Refuse::Broken),
        }
    }
    Ok(())
}

/// The font's `/ToUnicode` CMap, if it has one.
fn to_unicode(doc: &Document, font: &Dict) -> Result<Option<HashMap<u32, String>>, Refuse> {
    match font.get(b"ToUnicode").map(|o| doc.resolve(o)).transpose()? {
        None | Some(Obj::Null) => Ok(None),
        Some(Obj::Name(n)) if n == b"Identity-H" => Ok(None),
        Some(Obj::Stream(dict, start)) => {
            let data = doc.stream_data(dict, *start)?;
            parse_cmap(&data).map(Some)
        }
        Some(_) => Err(Refuse::Unsupported("a ToUnicode that is not a CMap stream")),
    }
}

/// The bfchar and bfrange mappings of a ToUnicode CMap.
pub(super) fn parse_cmap(data: &[u8]) -> Result<HashMap<u32, String>, Refuse> {
    let mut map = HashMap::new();
    let mut lex = Lexer::new(data, 0);
    let mut operands: Vec<Obj> = Vec::new();
    let mut section: Option<&[u8]> = None;
    while let Some(token) = lex.token()? {
        match token {
            Token::Operand(o) => {
                operands.push(o);
                let full = match section {
                    Some(b"beginbfchar") => operands.len() == 2,
                    Some(b"beginbfrange") => operands.len() == 3,
                    _ => {
                        if operands.len() > 64 {
                            operands.clear();
                        }
                        false
                    }
                };
                if full {
                    map_entry(&mut map, &operands)?;
                    operands.clear();
                }
                if map.len() > MAX_CMAP_ENTRIES {
                    return Err(Refuse::Limit);
                }
            }
            Token::Operator(op) => {
                section = match op {
                    b"beginbfchar" | b"beginbfrange" => Some(op),
                    _ => None,
                };
                operands.clear();
            }
        }
    }
    Ok(map)
}

fn code_of(bytes: &[u8]) -> Result<u32, Refuse> {
    if bytes.is_empty() || bytes.len() > 4 {
        return Err(Refuse::Unsupported("a CMap code of more than 4 bytes"));
    }
    Ok(bytes.iter().fold(0, |acc, b| acc << 8 | u32::from(*b)))
}

fn utf16(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| match c {
            [a, b] => u16::from(*a) << 8 | u16::from(*b),
            [a] => u16::from(*a),
            _ => 0,
        })
        .collect()
}

fn insert(map: &mut HashMap<u32, String>, code: u32, units: &[u16]) {
    // A lone surrogate maps to nothing (as in pdf-extract).
    if let Ok(s) = String::from_utf16(units) {
        map.insert(code, s);
    }
}

fn map_entry(map: &mut HashMap<u32, String>, operands: &[Obj]) -> Result<(), Refuse> {
    match operands {
        [Obj::Str(src), Obj::Str(dst)] => {
            insert(map, code_of(src)?, &utf16(dst));
            Ok(())
        }
        [Obj::Str(lo), Obj::Str(hi), dst] => {
            let (lo, hi) = (code_of(lo)?, code_of(hi)?);
            if hi < lo || hi - lo > 0xffff {
                return Err(Refuse::Unsupported("a CMap range too wide"));
            }
            match dst {
                Obj::Str(first) => {
                    let mut units = utf16(first);
                    for code in lo..=hi {
                        insert(map, code, &units);
                        if let Some(last) = units.last_mut() {
                            *last = last.wrapping_add(1);
                        }
                    }
                }
                Obj::Array(items) => {
                    for (code, item) in (lo..=hi).zip(items) {
                        if let Obj::Str(s) = item {
                            insert(map, code, &utf16(s));
                        }
                    }
                }
                _ => return Err(Refuse::Broken),
            }
            Ok(())
        }
        _ => Err(Refuse::Broken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_chars_and_ranges() {
        let cmap = b"/CIDInit /ProcSet findresource begin 1 begincodespacerange <0000> <FFFF> \
            endcodespacerange 2 beginbfchar <0003> <0020> <0024> <00410042> endbfchar \
            2 beginbfrange <0010> <0012> <0061> <0020> <0021> [<00E9> <D835DC00>] endbfrange \
            endcmap";
        let map = parse_cmap(cmap).expect("a valid cmap");
        let get = |c: u32| map.get(&c).map(String::as_str);
        assert_eq!(get(3), Some(" "));
        assert_eq!(get(0x24), Some("AB"));
        assert_eq!(get(0x10), Some("a"));
        assert_eq!(get(0x12), Some("c"));
        assert_eq!(get(0x20), Some("é"));
        assert_eq!(get(0x21), Some("𝐀"));
        assert_eq!(get(0x13), None);
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_scalar(b"A"), 0x41);
        assert_eq!(glyph_scalar(b"eacute"), 0xE9);
        assert_eq!(glyph_scalar(b"quoteright"), 0x2019);
        assert_eq!(glyph_scalar(b"no-such-glyph"), 0);
    }
}
