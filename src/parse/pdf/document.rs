//! The object layer of the fast PDF reader: cross-reference tables and streams (PDF 1.5),
//! incremental updates (`/Prev`), object streams, and stream data (FlateDecode with the PNG
//! predictors). Every object the cross-reference names is read up front; a reference to an
//! object that could not be read is a [`Refuse`], so a broken file goes to pdf-extract.
//!
//! Bounds: at most [`MAX_SECTIONS`] cross-reference sections, [`MAX_OBJECTS`] objects, and
//! [`MAX_INFLATED`] bytes inflated over the whole document (a zip bomb stops there).

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;

use super::object::{parse_uint, Dict, Lexer, Obj};
use super::Refuse;

const MAX_SECTIONS: usize = 64;
const MAX_OBJECTS: usize = 500_000;
/// Inflated bytes over a whole document.
pub(super) const MAX_INFLATED: usize = 64 << 20;

#[derive(Debug, Clone, Copy)]
enum Entry {
    Free,
    At(usize),
    InStream { stream: u32, index: usize },
}

/// A PDF file whose objects have been read.
pub(super) struct Document<'a> {
    data: &'a [u8],
    objects: HashMap<u32, Obj>,
    pub trailer: Dict,
    inflate_left: Cell<usize>,
}

impl<'a> Document<'a> {
    pub fn load(data: &'a [u8]) -> Result<Self, Refuse> {
        if !data.starts_with(b"%PDF-") {
            return Err(Refuse::Unsupported("bytes before the %PDF header"));
        }
        let tail_start = data.len().saturating_sub(2048);
        let tail = data.get(tail_start..).unwrap_or_default();
        let at = memchr::memmem::rfind(tail, b"startxref").ok_or(Refuse::Broken)?;
        let mut lex = Lexer::new(data, tail_start + at + b"startxref".len());
        let start = usize::try_from(lex.uint()?).map_err(|_| Refuse::Broken)?;

        let mut doc = Document {
            data,
            objects: HashMap::new(),
            trailer: Dict::default(),
            inflate_left: Cell::new(MAX_INFLATED),
        };
        let mut entries: HashMap<u32, Entry> = HashMap::new();
        let mut next = Some(start);
        let mut seen = Vec::new();
        while let Some(offset) = next.take() {
            if seen.contains(&offset) || seen.len() >= MAX_SECTIONS {
                return Err(Refuse::Broken);
            }
            seen.push(offset);
            let trailer = doc.read_section(offset, &mut entries).map_err(|e| {
                if e == Refuse::Syntax {
                    Refuse::Broken
                } else {
                    e
                }
            })?;
            next = match trailer.get(b"Prev") {
                Some(Obj::Int(p)) => Some(usize::try_from(*p).map_err(|_| Refuse::Broken)?),
                _ => None,
            };
            if doc.trailer.0.is_empty() {
                doc.trailer = trailer;
            }
        }
        if doc.trailer.get(b"Encrypt").is_some() {
            return Err(Refuse::Encrypted);
        }
        doc.read_objects(&entries)?;
        Ok(doc)
    }

    /// Reads one cross-reference section at `offset` into `entries` (newer sections are read
    /// first, so an entry already there wins) and returns its trailer dictionary.
    fn read_section(
        &self,
        offset: usize,
        entries: &mut HashMap<u32, Entry>,
    ) -> Result<Dict, Refuse> {
        let mut lex = Lexer::new(self.data, offset);
        let save = lex.pos;
        if lex.word() != b"xref" {
            lex.pos = save;
            return self.read_xref_stream(&mut lex, entries);
        }
        let mut table = Vec::new();
        loop {
            let save = lex.pos;
            let word = lex.word();
            if word == b"trailer" {
                break;
            }
            let first = parse_uint(word).ok_or(Refuse::Broken)?;
            let count = lex.uint()?;
            if count > MAX_OBJECTS as u64 {
                return Err(Refuse::Limit);
            }
            for i in 0..count {
                let off = lex.uint()?;
                let _gen = lex.uint()?;
                let id = u32::try_from(first + i).map_err(|_| Refuse::Broken)?;
                let entry = match lex.word() {
                    b"n" => Entry::At(usize::try_from(off).map_err(|_| Refuse::Broken)?),
                    b"f" => Entry::Free,
                    _ => return Err(Refuse::Broken),
                };
                table.push((id, entry));
                if table.len() > MAX_OBJECTS {
                    return Err(Refuse::Limit);
                }
            }
            if lex.pos == save {
                return Err(Refuse::Broken);
            }
        }
        let trailer = match lex.object(true)? {
            Obj::Dict(d) => d,
            _ => return Err(Refuse::Broken),
        };
        // A hybrid file: its xref stream names the objects kept in object streams.
        if let Some(Obj::Int(stm)) = trailer.get(b"XRefStm") {
            let stm = usize::try_from(*stm).map_err(|_| Refuse::Broken)?;
            self.read_xref_stream(&mut Lexer::new(self.data, stm), entries)?;
        }
        for (id, entry) in table {
            entries.entry(id).or_insert(entry);
        }
        Ok(trailer)
    }

    fn read_xref_stream(
        &self,
        lex: &mut Lexer,
        entries: &mut HashMap<u32, Entry>,
    ) -> Result<Dict, Refuse> {
        let (_, obj) = indirect_object(lex)?;
        let Obj::Stream(dict, start) = obj else {
            return Err(Refuse::Broken);
        };
        if dict.get(b"Type").and_then(Obj::as_name) != Some(b"XRef") {
            return Err(Refuse::Broken);
        }
        let data = self.stream_data(&dict, start)?;
        let widths: Vec<usize> = match dict.get(b"W").and_then(Obj::as_array) {
            Some(w) if w.len() == 3 => w
                .iter()
                .map(|v| v.as_int().and_then(|v| usize::try_from(v).ok()))
                .collect::<Option<_>>()
                .ok_or(Refuse::Broken)?,
            _ => return Err(Refuse::Broken),
        };
        if widths.iter().any(|w| *w > 8) {
            return Err(Refuse::Broken);
        }
        let row: usize = widths.iter().sum();
        let size = dict
            .get(b"Size")
            .and_then(Obj::as_int)
            .ok_or(Refuse::Broken)?;
        let index = match dict.get(b"Index").and_then(Obj::as_array) {
            Some(ix) => ix
                .iter()
                .map(Obj::as_int)
                .collect::<Option<Vec<_>>>()
                .ok_or(Refuse::Broken)?,
            None => vec![0, size],
        };
        let mut rows = data.chunks_exact(row.max(1));
        for pair in index.chunks(2) {
            let [first, count] = *pair else {
                return Err(Refuse::Broken);
            };
            if count < 0 || first < 0 || count > MAX_OBJECTS as i64 {
                return Err(Refuse::Broken);
            }
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(Refuse::Broken);
                };
                let (f1, rest) = r.split_at(widths[0]);
                let (f2, f3) = rest.split_at(widths[1]);
                let kind = if widths[0] == 0 { 1 } else { be(f1) };
                let id = u32::try_from(first + i).map_err(|_| Refuse::Broken)?;
                let entry = match kind {
                    0 => Entry::Free,
                    1 => Entry::At(usize::try_from(be(f2)).map_err(|_| Refuse::Broken)?),
                    2 => Entry::InStream {
                        stream: u32::try_from(be(f2)).map_err(|_| Refuse::Broken)?,
                        index: usize::try_from(be(f3)).map_err(|_| Refuse::Broken)?,
                    },
                    _ => continue,
                };
                entries.entry(id).or_insert(entry);
                if entries.len() > MAX_OBJECTS {
                    return Err(Refuse::Limit);
                }
            }
        }
        Ok(dict)
    }

    /// Reads every object the cross-reference names. One that cannot be read stays out; a
    /// reference to it is refused later.
    fn read_objects(&mut self, entries: &HashMap<u32, Entry>) -> Result<(), Refuse> {
        let mut in_streams: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
        for (&id, entry) in entries {
            match *entry {
                Entry::Free => {}
                Entry::At(offset) => {
                    let mut lex = Lexer::new(self.data, offset);
                    if let Ok((found, obj)) = indirect_object(&mut lex) {
                        if found == id {
                            self.objects.insert(id, obj);
                        }
                    }
                }
                Entry::InStream { stream, index } => {
                    in_streams.entry(stream).or_default().push((id, index));
                }
            }
        }
        for (stream, wanted) in in_streams {
            let Some(Obj::Stream(dict, start)) = self.objects.get(&stream) else {
                return Err(Refuse::Broken);
            };
            let data = self.stream_data(dict, *start)?;
            let count = dict.get(b"N").and_then(Obj::as_int).ok_or(Refuse::Broken)?;
            let first = dict
                .get(b"First")
                .and_then(Obj::as_int)
                .ok_or(Refuse::Broken)?;
            let first = usize::try_from(first).map_err(|_| Refuse::Broken)?;
            if count < 0 || count > MAX_OBJECTS as i64 {
                return Err(Refuse::Broken);
            }
            let mut lex = Lexer::new(&data, 0);
            let mut header = Vec::new();
            for _ in 0..count {
                let id = lex.uint()?;
                let off = usize::try_from(lex.uint()?).map_err(|_| Refuse::Broken)?;
                header.push((id, off));
            }
            for (id, index) in wanted {
                let Some(&(found, off)) = header.get(index) else {
                    continue;
                };
                if u64::from(id) != found {
                    continue;
                }
                let mut lex = Lexer::new(&data, first.saturating_add(off));
                match lex.object(true) {
                    Ok(Obj::Stream(..)) | Err(_) => {}
                    Ok(obj) => {
                        self.objects.insert(id, obj);
                    }
                }
            }
        }
        Ok(())
    }

    /// The object `obj` names: itself, or what a reference points to.
    pub fn resolve<'b>(&'b self, obj: &'b Obj) -> Result<&'b Obj, Refuse> {
        match obj {
            Obj::Ref(id, _) => match self.objects.get(id) {
                Some(Obj::Ref(..)) | None => Err(Refuse::Broken),
                Some(o) => Ok(o),
            },
            o => Ok(o),
        }
    }

    /// `dict[key]`, resolved; `None` when absent or null.
    pub fn get<'b>(&'b self, dict: &'b Dict, key: &[u8]) -> Result<Option<&'b Obj>, Refuse> {
        match dict.get(key) {
            None => Ok(None),
            Some(o) => match self.resolve(o)? {
                Obj::Null => Ok(None),
                o => Ok(Some(o)),
            },
        }
    }

    pub fn get_dict<'b>(&'b self, dict: &'b Dict, key: &[u8]) -> Result<Option<&'b Dict>, Refuse> {
        match self.get(dict, key)? {
            None => Ok(None),
            Some(o) => o.as_dict().map(Some).ok_or(Refuse::Broken),
        }
    }

    /// The decoded data of a stream whose dictionary is `dict` and data starts at `start`.
    pub fn stream_data(&self, dict: &Dict, start: usize) -> Result<Vec<u8>, Refuse> {
        let raw = self.raw_stream(dict, start)?;
        let filter = match self.get(dict, b"Filter")? {
            None => None,
            Some(Obj::Name(n)) => Some(n.as_slice()),
            Some(Obj::Array(a)) => match a.as_slice() {
                [] => None,
                [Obj::Name(n)] => Some(n.as_slice()),
                _ => return Err(Refuse::Unsupported("a chain of stream filters")),
            },
            Some(_) => return Err(Refuse::Broken),
        };
        match filter {
            None => Ok(raw.to_vec()),
            Some(b"FlateDecode" | b"Fl") => {
                let inflated = self.inflate(raw)?;
                let parms = match self.get(dict, b"DecodeParms")? {
                    Some(Obj::Array(a)) => match a.first() {
                        Some(p) => self.resolve(p)?.as_dict(),
                        None => None,
                    },
                    Some(o) => o.as_dict(),
                    None => None,
                };
                match parms {
                    Some(p) => unpredict(p, inflated),
                    None => Ok(inflated),
                }
            }
            Some(_) => Err(Refuse::Unsupported(
                "a stream filter other than FlateDecode",
            )),
        }
    }

    fn raw_stream(&self, dict: &Dict, start: usize) -> Result<&'a [u8], Refuse> {
        let declared = match self.get(dict, b"Length")? {
            Some(Obj::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        if let Some(len) = declared {
            if let Some(raw) = self.data.get(start..start.saturating_add(len)) {
                let mut lex = Lexer::new(self.data, start + len);
                if lex.word() == b"endstream" {
                    return Ok(raw);
                }
            }
        }
        // A wrong /Length: the data runs to `endstream`.
        let rest = self.data.get(start..).ok_or(Refuse::Broken)?;
        let end = memchr::memmem::find(rest, b"endstream").ok_or(Refuse::Broken)?;
        let mut raw = rest.get(..end).ok_or(Refuse::Broken)?;
        if let Some(r) = raw.strip_suffix(b"\n") {
            raw = r;
        }
        if let Some(r) = raw.strip_suffix(b"\r") {
            raw = r;
        }
        Ok(raw)
    }

    fn inflate(&self, raw: &[u8]) -> Result<Vec<u8>, Refuse> {
        let left = self.inflate_left.get();
        let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(left));
        let mut reader = flate2::read::ZlibDecoder::new(raw).take(left as u64 + 1);
        if reader.read_to_end(&mut out).is_err() {
            return Err(Refuse::Unsupported("a damaged FlateDecode stream"));
        }
        if out.len() > left {
            return Err(Refuse::Limit);
        }
        self.inflate_left.set(left - out.len());
        Ok(out)
    }
}

/// `N G obj <object>` at the lexer's position.
fn indirect_object(lex: &mut Lexer) -> Result<(u32, Obj), Refuse> {
    let id = u32::try_from(lex.uint()?).map_err(|_| Refuse::Broken)?;
    lex.uint()?;
    lex.expect(b"obj")?;
    Ok((id, lex.object(true)?))
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, b| acc << 8 | u64::from(*b))
}

/// Undoes the PNG predictors (Predictor ≥ 10) of FlateDecode; 1 is none.
fn unpredict(parms: &Dict, data: Vec<u8>) -> Result<Vec<u8>, Refuse> {
    let predictor = parms.get(b"Predictor").and_then(Obj::as_int).unwrap_or(1);
    if predictor == 1 {
        return Ok(data);
    }
    if predictor < 10 {
        return Err(Refuse::Unsupported("the TIFF predictor"));
    }
    let colors = parms.get(b"Colors").and_then(Obj::as_int).unwrap_or(1);
    let bits = parms
        .get(b"BitsPerComponent")
        .and_then(Obj::as_int)
        .unwrap_or(8);
    let columns = parms.get(b"Columns").and_then(Obj::as_int).unwrap_or(1);
    if !(1..=4).contains(&colors) || bits != 8 || !(1..=1 << 16).contains(&columns) {
        return Err(Refuse::Unsupported("predictor parameters"));
    }
    let bpp = colors as usize;
    let width = bpp * columns as usize;
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; width];
    for row in data.chunks(width + 1) {
        let (&kind, bytes) = row.split_first().ok_or(Refuse::Broken)?;
        let mut cur = bytes.to_vec();
        cur.resize(width, 0);
        for i in 0..width {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let upleft = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, upleft)),
                _ => return Err(Refuse::Broken),
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
