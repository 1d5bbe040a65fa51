//! Content streams of the fast PDF reader: the text operators run over a graphics state, and
//! the shown characters laid out as pdf-extract lays them out (its `PlainTextOutput`): at
//! the first character of each shown string, a new line when the baseline moved by more
//! than 1.5 × the font size (or by half of it while going left), a space when the string
//! starts more than 0.1 × the font size right of where the last one ended. Characters
//! inside one string are printed as they come.
//!
//! Bounds: [`MAX_OPERATIONS`] operators per document, Form XObjects nested at most
//! [`MAX_FORM_DEPTH`] deep, at most [`MAX_TEXT_BYTES`] of text.

use std::collections::HashMap;
use std::rc::Rc;

use super::document::Document;
use super::fonts::{Font, Glyph};
use super::object::{Dict, Lexer, Obj, Token};
use super::Refuse;

const MAX_OPERATIONS: usize = 5_000_000;
const MAX_FORM_DEPTH: usize = 8;
const MAX_TEXT_BYTES: usize = 32 << 20;
const MAX_OPERANDS: usize = 4096;
const MAX_STATE_DEPTH: usize = 256;

/// An affine matrix `[a b c d e f]`, applied to row vectors as PDF does.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` then `then`.
    fn then(&self, then: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = then.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn translation(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    fn from_operands(ops: &[Obj]) -> Option<Matrix> {
        match ops {
            [a, b, c, d, e, f] => Some(Matrix([
                a.as_num()?,
                b.as_num()?,
                c.as_num()?,
                d.as_num()?,
                e.as_num()?,
                f.as_num()?,
            ])),
            _ => None,
        }
    }
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scaling: f64,
    leading: f64,
    rise: f64,
}

impl State {
    fn new(ctm: Matrix) -> State {
        State {
            ctm,
            font: None,
            size: f64::NAN,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scaling: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// Where the text goes, with the layout state of pdf-extract's plain-text output.
pub(super) struct Output {
    pub text: String,
    last_end: f64,
    last_y: f64,
    first_char: bool,
    page_height: f64,
}

impl Output {
    pub fn new() -> Output {
        Output {
            text: String::new(),
            last_end: 100_000.0,
            last_y: 0.0,
            first_char: false,
            page_height: 0.0,
        }
    }

    pub fn begin_page(&mut self, height: f64) {
        self.page_height = height;
    }

    /// A string's first character at `trm`: the line break or space before it, then it.
    fn first(&mut self, trm: &Matrix, width: f64, size: f64, glyph: Glyph) -> Result<(), Refuse> {
        if self.first_char {
            let (x, y, scaled) = self.place(trm, size);
            if (y - self.last_y).abs() > scaled * 1.5 {
                self.text.push('\n');
            }
            if x < self.last_end && (y - self.last_y).abs() > scaled * 0.5 {
                self.text.push('\n');
            }
            if x > self.last_end + scaled * 0.1 {
                self.text.push(' ');
            }
        }
        self.first_char = false;
        self.end_at(trm, width, size);
        self.push(glyph)
    }

    /// A character after the first: printed as it comes.
    fn push(&mut self, glyph: Glyph) -> Result<(), Refuse> {
        match glyph {
            Glyph::Text(s) => self.text.push_str(s),
            Glyph::Char(ch) => self.text.push(ch),
            Glyph::Unmapped => {}
        }
        if self.text.len() > MAX_TEXT_BYTES {
            return Err(Refuse::Limit);
        }
        Ok(())
    }

    /// Where the last character printed sits and ends (only its values matter later).
    fn end_at(&mut self, trm: &Matrix, width: f64, size: f64) {
        let (x, y, scaled) = self.place(trm, size);
        self.last_y = y;
        self.last_end = x + width * scaled;
    }

    /// Position on the flipped page and the font size in device space.
    fn place(&self, trm: &Matrix, size: f64) -> (f64, f64, f64) {
        let [a, b, c, d, e, f] = trm.0;
        let scaled = ((size * a + size * c) * (size * b + size * d)).sqrt();
        (e, self.page_height - f, scaled)
    }
}

/// Runs content streams; fonts are loaded once per document.
pub(super) struct Interpreter<'d, 'a> {
    doc: &'d Document<'a>,
    fonts: HashMap<u32, Rc<Font>>,
    operations: usize,
    /// Codes of CID fonts shown, and those of them with no Unicode.
    pub cid_codes: usize,
    pub cid_unmapped: usize,
}

impl<'d, 'a> Interpreter<'d, 'a> {
    pub fn new(doc: &'d Document<'a>) -> Self {
        Interpreter {
            doc,
            fonts: HashMap::new(),
            operations: 0,
            cid_codes: 0,
            cid_unmapped: 0,
        }
    }

    /// Runs one page's content (its streams joined) with its resources.
    pub fn run_page(
        &mut self,
        content: &[u8],
        resources: Option<&Dict>,
        out: &mut Output,
    ) -> Result<(), Refuse> {
        self.run(content, resources, State::new(Matrix::IDENTITY), out, 0)
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&Dict>,
        mut gs: State,
        out: &mut Output,
        depth: usize,
    ) -> Result<(), Refuse> {
        let mut stack: Vec<State> = Vec::new();
        let mut tm = Matrix::IDENTITY;
        let mut tlm = Matrix::IDENTITY;
        let mut ops: Vec<Obj> = Vec::new();
        let mut lex = Lexer::new(content, 0);
        while let Some(token) = lex.token()? {
            let op = match token {
                Token::Operand(o) => {
                    if ops.len() >= MAX_OPERANDS {
                        return Err(Refuse::Limit);
                    }
                    ops.push(o);
                    continue;
                }
                Token::Operator(op) => op,
            };
            self.operations += 1;
            if self.operations > MAX_OPERATIONS {
                return Err(Refuse::Limit);
            }
            let num = |i: usize| ops.get(i).and_then(Obj::as_num).ok_or(Refuse::Broken);
            match op {
                b"BT" | b"ET" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                b"cm" => {
                    let m = Matrix::from_operands(&ops).ok_or(Refuse::Broken)?;
                    gs.ctm = m.then(&gs.ctm);
                }
                b"q" => {
                    if stack.len() >= MAX_STATE_DEPTH {
                        return Err(Refuse::Limit);
                    }
                    stack.push(gs.clone());
                }
                b"Q" => {
                    if let Some(saved) = stack.pop() {
                        gs = saved;
                    }
                }
                b"Tc" => gs.char_spacing = num(0)?,
                b"Tw" => gs.word_spacing = num(0)?,
                b"Tz" => gs.scaling = num(0)? / 100.0,
                b"TL" => gs.leading = num(0)?,
                b"Ts" => gs.rise = num(0)?,
                b"Tf" => {
                    let name = ops.first().and_then(Obj::as_name).ok_or(Refuse::Broken)?;
                    gs.font = Some(self.font(resources, name)?);
                    gs.size = num(1)?;
                }
                b"Tm" => {
                    tlm = Matrix::from_operands(&ops).ok_or(Refuse::Broken)?;
                    tm = tlm;
                }
                b"Td" | b"TD" => {
                    let (x, y) = (num(0)?, num(1)?);
                    if op == b"TD" {
                        gs.leading = -y;
                    }
                    tlm = Matrix::translation(x, y).then(&tlm);
                    tm = tlm;
                }
                b"T*" => {
                    tlm = Matrix::translation(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                }
                b"Tj" => match ops.first() {
                    Some(Obj::Str(s)) => self.show(&gs, &mut tm, s, out)?,
                    _ => return Err(Refuse::Broken),
                },
                b"'" | b"\"" => {
                    let s = if op == b"\"" {
                        gs.word_spacing = num(0)?;
                        gs.char_spacing = num(1)?;
                        ops.get(2)
                    } else {
                        ops.first()
                    };
                    tlm = Matrix::translation(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                    match s {
                        Some(Obj::Str(s)) => self.show(&gs, &mut tm, s, out)?,
                        _ => return Err(Refuse::Broken),
                    }
                }
                b"TJ" => {
                    let items = ops.first().and_then(Obj::as_array).ok_or(Refuse::Broken)?;
                    for item in items {
                        match item {
                            Obj::Str(s) => self.show(&gs, &mut tm, s, out)?,
                            Obj::Int(_) | Obj::Real(_) => {
                                let adjust = item.as_num().unwrap_or(0.0);
                                let tx = gs.scaling * (-adjust / 1000.0 * gs.size);
                                tm = Matrix::translation(tx, 0.0).then(&tm);
                            }
                            _ => {}
                        }
                    }
                }
                b"Do" => {
                    let name = ops.first().and_then(Obj::as_name).ok_or(Refuse::Broken)?;
                    self.form(resources, name, &gs, out, depth)?;
                }
                b"BI" => skip_inline_image(&mut lex)?,
                _ => {}
            }
            ops.clear();
        }
        Ok(())
    }

    /// `resources[category][name]`, unresolved.
    fn resource<'r>(
        &self,
        resources: Option<&'r Dict>,
        category: &[u8],
        name: &[u8],
    ) -> Result<&'r Obj, Refuse>
    where
        'd: 'r,
    {
        let group = match resources {
            Some(r) => self.doc.get_dict(r, category)?,
            None => None,
        };
        group.and_then(|g| g.get(name)).ok_or(Refuse::Unsupported(
            "a font or XObject missing from the resources",
        ))
    }

    fn font(&mut self, resources: Option<&Dict>, name: &[u8]) -> Result<Rc<Font>, Refuse> {
        let doc = self.doc;
        let entry = self.resource(resources, b"Font", name)?;
        if let Obj::Ref(id, _) = entry {
            if let Some(font) = self.fonts.get(id) {
                return Ok(font.clone());
            }
        }
        let dict = doc.resolve(entry)?.as_dict().ok_or(Refuse::Broken)?;
        let font = Rc::new(Font::load(doc, dict)?);
        if let Obj::Ref(id, _) = entry {
            self.fonts.insert(*id, font.clone());
        }
        Ok(font)
    }

    /// Shows one string: each code's position, width and text, then the advance.
    fn show(
        &mut self,
        gs: &State,
        tm: &mut Matrix,
        s: &[u8],
        out: &mut Output,
    ) -> Result<(), Refuse> {
        let font = gs
            .font
            .clone()
            .ok_or(Refuse::Unsupported("text shown without a font"))?;
        out.first_char = true;
        let tsm = Matrix([gs.scaling, 0.0, 0.0, 1.0, 0.0, gs.rise]);
        // Only the first character's place and the last one's end matter to the layout,
        // so the full text-rendering matrix is computed for those two only.
        let mut last: Option<(Matrix, f64)> = None;
        for (i, (code, len)) in font.codes(s).enumerate() {
            let w0 = font.width(code) / 1000.0;
            let mut spacing = gs.char_spacing;
            if code == 32 && len == 1 {
                spacing += gs.word_spacing;
            }
            let glyph = font.glyph(code)?;
            if len == 2 {
                self.cid_codes += 1;
                if matches!(glyph, Glyph::Unmapped) {
                    self.cid_unmapped += 1;
                }
            }
            if i == 0 {
                let trm = tsm.then(&tm.then(&gs.ctm));
                out.first(&trm, w0, gs.size, glyph)?;
            } else {
                out.push(glyph)?;
                last = Some((*tm, w0));
            }
            let tx = gs.scaling * (w0 * gs.size + spacing);
            *tm = Matrix::translation(tx, 0.0).then(tm);
        }
        if let Some((at, w0)) = last {
            out.end_at(&tsm.then(&at.then(&gs.ctm)), w0, gs.size);
        }
        Ok(())
    }

    /// `Do`: a Form XObject's content, run with its matrix and resources; images are skipped.
    fn form(
        &mut self,
        resources: Option<&Dict>,
        name: &[u8],
        gs: &State,
        out: &mut Output,
        depth: usize,
    ) -> Result<(), Refuse> {
        let doc = self.doc;
        let entry = self.resource(resources, b"XObject", name)?;
        let Obj::Stream(dict, start) = doc.resolve(entry)? else {
            return Err(Refuse::Broken);
        };
        if doc.get(dict, b"Subtype")?.and_then(Obj::as_name) != Some(b"Form") {
            return Ok(());
        }
        if depth >= MAX_FORM_DEPTH {
            return Err(Refuse::Limit);
        }
        let content = doc.stream_data(dict, *start)?;
        let own = doc.get_dict(dict, b"Resources")?;
        let mut state = gs.clone();
        if let Some(m) = doc.get(dict, b"Matrix")?.and_then(Obj::as_array) {
            let nums: Vec<Obj> = m
                .iter()
                .map(|o| doc.resolve(o).cloned())
                .collect::<Result<_, _>>()?;
            let m = Matrix::from_operands(&nums).ok_or(Refuse::Broken)?;
            state.ctm = m.then(&gs.ctm);
        }
        self.run(&content, own.or(resources), state, out, depth + 1)
    }
}

/// Skips an inline image: its dictionary up to `ID`, the data, and `EI`.
fn skip_inline_image(lex: &mut Lexer) -> Result<(), Refuse> {
    loop {
        match lex.token()? {
            None => return Err(Refuse::Broken),
            Some(Token::Operator(b"ID")) => break,
            Some(_) => {}
        }
    }
    let rest = lex.buf.get(lex.pos..).unwrap_or_default();
    let mut from = 0;
    while let Some(i) = rest
        .get(from..)
        .and_then(|r| memchr::memmem::find(r, b"EI"))
    {
        let at = from + i;
        let before = at.checked_sub(1).and_then(|j| rest.get(j)).copied();
        let after = rest.get(at + 2).copied();
        if before.is_some_and(super::object::is_white)
            && after.is_none_or(|b| super::object::is_white(b) || super::object::is_delim(b))
        {
            lex.pos += at + 2;
            return Ok(());
        }
        from = at + 2;
    }
    Err(Refuse::Broken)
}
