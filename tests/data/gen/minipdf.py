"""A minimal PDF writer: Helvetica / Helvetica-Bold / Helvetica-Oblique (standard 14 fonts,
WinAnsiEncoding), text placed with Td + Tj or TJ, lines for table grids, FlateDecode content
streams and a correct cross-reference table. Enough to lay out a letter the way a word
processor's "Save as PDF" does, and nothing more.

``Letter`` is the layout helper: a cursor that flows paragraphs (wrapped with the real
Helvetica widths), aligned "Label : value" rows, tables with a grid, and page breaks.
"""

import zlib

# Helvetica advance widths (1/1000 em) for ASCII 32..126, from the standard AFM metrics.
_HELV = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p..~
]
# Helvetica-Bold differs; close enough for wrapping with a small factor.
_FACTORS = {"F1": 1.0, "F2": 1.06, "F3": 1.0}
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Helvetica-Oblique"}


def text_width(s, size, font="F1"):
    w = 0
    for ch in s:
        o = ord(ch)
        w += _HELV[o - 32] if 32 <= o <= 126 else 556
    return w * size / 1000.0 * _FACTORS.get(font, 1.0)


def pdf_string(s):
    """A PDF literal string in WinAnsiEncoding (cp1252)."""
    out = bytearray(b"(")
    for b in s.encode("cp1252"):
        if b in (0x28, 0x29, 0x5C):
            out += b"\\" + bytes([b])
        elif b < 32 or b > 126:
            out += b"\\%03o" % b
        else:
            out.append(b)
    out += b")"
    return out.decode("latin-1")


# Kerning pairs applied in TJ arrays (value in 1/1000 em, positive = tighter), as word
# processors emit them.
_KERN = {"Te": 70, "To": 70, "Ta": 70, "Wa": 40, "We": 30, "Pe": 20, "Pa": 30, "Ya": 70,
         "Yo": 80, "Va": 60, "Ke": 15, "ke": 10, "r.": 40, "y,": 40, "r,": 40, "ty": 15,
         "Fa": 30, "LT": 50, "AT": 50, "AV": 70, "P.": 90}


def tj_array(s, kerning=False, word_gap=None):
    """The operand of TJ for ``s``: kerning adjustments inside words and, when ``word_gap`` is
    given, spaces replaced by a negative adjustment (as TeX-made PDFs do)."""
    parts = []
    cur = ""
    i = 0
    while i < len(s):
        ch = s[i]
        if word_gap is not None and ch == " ":
            parts.append(pdf_string(cur))
            parts.append(str(-word_gap))
            cur = ""
        else:
            cur += ch
            if kerning and i + 1 < len(s) and (ch + s[i + 1]) in _KERN:
                parts.append(pdf_string(cur))
                parts.append(str(_KERN[ch + s[i + 1]]))
                cur = ""
        i += 1
    if cur:
        parts.append(pdf_string(cur))
    return "[" + " ".join(parts) + "]"


class Page:
    def __init__(self, width=595.28, height=841.89):
        self.width = width
        self.height = height
        self.ops = []
        self.lines = []  # text in drawing order, for the .txt companion

    def text(self, x, y, s, font="F1", size=11, kerning=False, word_gap=None):
        if kerning or word_gap is not None:
            show = f"{tj_array(s, kerning, word_gap)} TJ"
        else:
            show = f"{pdf_string(s)} Tj"
        self.ops.append(f"BT /{font} {size:g} Tf {x:.2f} {y:.2f} Td {show} ET")
        self.lines.append(s)

    def row(self, y, cells, size=11, kerning=False, word_gap=None):
        """Several pieces on one baseline in one BT block, moved with relative Td (as a word
        processor writes "Label<tab>: value")."""
        ops, px = [], 0.0
        for i, (x, s, font) in enumerate(cells):
            show = (f"{tj_array(s, kerning, word_gap)} TJ" if (kerning or word_gap is not None)
                    else f"{pdf_string(s)} Tj")
            move = f"{x:.2f} {y:.2f} Td" if i == 0 else f"{x - px:.2f} 0 Td"
            ops.append(f"/{font} {size:g} Tf {move} {show}")
            px = x
        self.ops.append("BT " + " ".join(ops) + " ET")
        self.lines.append(" ".join(s for _, s, _ in cells))

    def line(self, x1, y1, x2, y2, w=0.5):
        self.ops.append(f"{w:g} w {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def content(self):
        return ("q 0 g 0 G\n" + "\n".join(self.ops) + "\nQ\n").encode("latin-1")


class Pdf:
    def __init__(self, title="", author="", creator="Microsoft\u00ae Word 2019",
                 producer="Microsoft\u00ae Word 2019", date="D:20260105080000+07'00'", seed="x"):
        self.pages = []
        self.info = {"Title": title, "Author": author, "Creator": creator, "Producer": producer,
                     "CreationDate": date, "ModDate": date}
        self.seed = seed

    def new_page(self):
        p = Page()
        self.pages.append(p)
        return p

    def to_bytes(self):
        import hashlib
        objs = []  # index i holds object number i+1

        def add(body):
            objs.append(body)
            return len(objs)

        cat = add(None)
        pages = add(None)
        font_ids = {}
        for key, base in FONTS.items():
            font_ids[key] = add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} "
                                f"/Encoding /WinAnsiEncoding >>".encode())
        res = " ".join(f"/{k} {v} 0 R" for k, v in font_ids.items())
        kids = []
        for p in self.pages:
            raw = p.content()
            comp = zlib.compress(raw, 9)
            c = add(f"<< /Length {len(comp)} /Filter /FlateDecode >>\nstream\n".encode("latin-1")
                    + comp + b"\nendstream")
            pg = add(f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {p.width:g} {p.height:g}] "
                     f"/Resources << /Font << {res} >> /ProcSet [/PDF /Text] >> "
                     f"/Contents {c} 0 R >>".encode())
            kids.append(pg)
        objs[cat - 1] = f"<< /Type /Catalog /Pages {pages} 0 R /Lang (id-ID) >>".encode()
        objs[pages - 1] = (f"<< /Type /Pages /Count {len(kids)} /Kids ["
                           + " ".join(f"{k} 0 R" for k in kids) + "] >>").encode()
        info = add(("<< " + " ".join(f"/{k} {pdf_string(v)}" for k, v in self.info.items() if v)
                    + " >>").encode("latin-1"))

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objs) + 1}\n".encode()
        out += b"0000000000 65535 f \n"
        for off in offsets:
            out += f"{off:010d} 00000 n \n".encode()
        fid = hashlib.md5(self.seed.encode()).hexdigest().upper()
        out += (f"trailer\n<< /Size {len(objs) + 1} /Root {cat} 0 R /Info {info} 0 R "
                f"/ID [<{fid}> <{fid}>] >>\nstartxref\n{xref}\n%%EOF\n").encode()
        return bytes(out)

    def text_lines(self):
        out = []
        for i, p in enumerate(self.pages):
            if i:
                out.append("\f")
            out.extend(p.lines)
        return "\n".join(out) + "\n"


class Letter:
    """Flowing layout of a letter on A4 pages."""

    def __init__(self, pdf, margin_left=72, margin_right=72, top=780, bottom=72, size=11,
                 leading=15, kerning=False, word_gap=None):
        self.pdf = pdf
        self.ml = margin_left
        self.mr = margin_right
        self.top = top
        self.bottom = bottom
        self.size = size
        self.leading = leading
        self.kerning = kerning
        self.word_gap = word_gap
        self.page = pdf.new_page()
        self.y = top
        self.on_new_page = None  # callback(letter) to draw a running header

    @property
    def width(self):
        return self.page.width - self.ml - self.mr

    def need(self, h):
        if self.y - h < self.bottom:
            self.page = self.pdf.new_page()
            self.y = self.top
            if self.on_new_page:
                self.on_new_page(self)

    def line(self, s, x=None, font="F1", size=None, center=False, right=False, kerning=None):
        size = size or self.size
        self.need(self.leading)
        if x is None:
            x = self.ml
        if center:
            x = (self.page.width - text_width(s, size, font)) / 2
        if right:
            x = self.page.width - self.mr - text_width(s, size, font)
        if s:
            k = self.kerning if kerning is None else kerning
            self.page.text(x, self.y, s, font, size, kerning=k, word_gap=self.word_gap)
        self.y -= self.leading * size / self.size

    def space(self, n=1.0):
        self.y -= self.leading * n

    def rule(self, w=1.5):
        self.page.line(self.ml, self.y + self.leading * 0.55, self.page.width - self.mr,
                       self.y + self.leading * 0.55, w)
        self.y -= self.leading * 0.4

    def para(self, s, indent=0, first_indent=0, font="F1"):
        words = s.split()
        x0 = self.ml + indent
        cur = ""
        first = True
        for w in words:
            avail = self.width - indent - (first_indent if first else 0)
            trial = (cur + " " + w) if cur else w
            if text_width(trial, self.size, font) > avail and cur:
                self.line(cur, x0 + (first_indent if first else 0), font)
                first = False
                cur = w
            else:
                cur = trial
        if cur:
            self.line(cur, x0 + (first_indent if first else 0), font)

    def kv(self, label, value, x_label=None, x_colon=None, number=None):
        """An aligned "Label : value" row; the value wraps under itself."""
        x_label = self.ml + 20 if x_label is None else x_label
        x_colon = self.ml + 150 if x_colon is None else x_colon
        self.need(self.leading)
        y = self.y
        lab = f"{number}. {label}" if number is not None else label
        xv = x_colon + 8
        avail = self.page.width - self.mr - xv
        cur, rows = "", []
        for w in value.split():
            trial = (cur + " " + w) if cur else w
            if text_width(trial, self.size) > avail and cur:
                rows.append(cur)
                cur = w
            else:
                cur = trial
        rows.append(cur)
        for i, r in enumerate(rows):
            if i:
                self.y -= self.leading
                self.need(self.leading)
                self.page.text(xv, self.y, r, "F1", self.size, kerning=self.kerning,
                               word_gap=self.word_gap)
            else:
                self.page.row(y, [(x_label, lab, "F1"), (x_colon, ":", "F1"), (xv, r, "F1")],
                              self.size, kerning=self.kerning, word_gap=self.word_gap)
        self.y -= self.leading

    def table(self, widths, rows, header=True, size=None, pad=4, repeat_header=True, grid=True):
        """A grid table; ``rows[0]`` is the header when ``header``. Cells do not wrap: callers
        give widths that fit. Breaks across pages, repeating the header."""
        size = size or self.size - 1
        h = size + 2 * pad + 1
        x0 = self.ml
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + w)

        def draw_row(cells, bold):
            self.need(h)
            top = self.y + size
            bot = top - h
            if grid:
                self.page.line(xs[0], top, xs[-1], top)
                self.page.line(xs[0], bot, xs[-1], bot)
                for x in xs:
                    self.page.line(x, top, x, bot)
            for x, c in zip(xs, cells):
                self.page.text(x + pad, top - pad - size + 1.5, c, "F2" if bold else "F1", size,
                               kerning=self.kerning)
            self.y -= h

        head = rows[0] if header else None
        body = rows[1:] if header else rows
        if head:
            draw_row(head, True)
        for r in body:
            if self.y - h < self.bottom:
                self.page = self.pdf.new_page()
                self.y = self.top
                if self.on_new_page:
                    self.on_new_page(self)
                if head and repeat_header:
                    draw_row(head, True)
            draw_row(r, False)
        self.y -= self.leading * 0.5
