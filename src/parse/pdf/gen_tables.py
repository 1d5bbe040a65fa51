#!/usr/bin/env python3
"""Writes tables.rs: the encodings and standard-font widths of the fast PDF text reader.

Run from the repository root: python3 src/parse/pdf/gen_tables.py > src/parse/pdf/tables.rs
Encodings come from the PDF reference (WinAnsi is Windows-1252 with the undefined codes drawn
as bullets; MacRoman is Python's mac_roman with the PDF's own 0xCA/0xDB; Standard and PDFDoc are
written out below). Widths of the 12 text fonts of the standard 14 come from the Adobe metrics
as groff ships them (font/devps/{HR,HB,...}: glyph name and width in 1/1000 em).
"""
import sys, unicodedata

GROFF = "/usr/share/groff/1.22.4/font/devps"

# Glyph names that are not a letter with an accent.
NAMED = {
    " ": "space", "!": "exclam", '"': "quotedbl", "#": "numbersign", "$": "dollar",
    "%": "percent", "&": "ampersand", "'": "quotesingle", "(": "parenleft", ")": "parenright",
    "*": "asterisk", "+": "plus", ",": "comma", "-": "hyphen", ".": "period", "/": "slash",
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
    "7": "seven", "8": "eight", "9": "nine", ":": "colon", ";": "semicolon", "<": "less",
    "=": "equal", ">": "greater", "?": "question", "@": "at", "[": "bracketleft",
    "\\": "backslash", "]": "bracketright", "^": "asciicircum", "_": "underscore",
    "`": "grave", "{": "braceleft", "|": "bar", "}": "braceright", "~": "asciitilde",
    "\u20ac": "Euro", "\u201a": "quotesinglbase", "\u0192": "florin", "\u201e": "quotedblbase",
    "\u2026": "ellipsis", "\u2020": "dagger", "\u2021": "daggerdbl", "\u02c6": "circumflex",
    "\u2030": "perthousand", "\u2039": "guilsinglleft", "\u0152": "OE", "\u2018": "quoteleft",
    "\u2019": "quoteright", "\u201c": "quotedblleft", "\u201d": "quotedblright",
    "\u2022": "bullet", "\u2013": "endash", "\u2014": "emdash", "\u02dc": "tilde",
    "\u2122": "trademark", "\u203a": "guilsinglright", "\u0153": "oe", "\u00a1": "exclamdown",
    "\u00a2": "cent", "\u00a3": "sterling", "\u00a4": "currency", "\u00a5": "yen",
    "\u00a6": "brokenbar", "\u00a7": "section", "\u00a8": "dieresis", "\u00a9": "copyright",
    "\u00aa": "ordfeminine", "\u00ab": "guillemotleft", "\u00ac": "logicalnot",
    "\u00ae": "registered", "\u00af": "macron", "\u00b0": "degree", "\u00b1": "plusminus",
    "\u00b2": "twosuperior", "\u00b3": "threesuperior", "\u00b4": "acute", "\u00b5": "mu",
    "\u00b6": "paragraph", "\u00b7": "periodcentered", "\u00b8": "cedilla",
    "\u00b9": "onesuperior", "\u00ba": "ordmasculine", "\u00bb": "guillemotright",
    "\u00bc": "onequarter", "\u00bd": "onehalf", "\u00be": "threequarters",
    "\u00bf": "questiondown", "\u00c6": "AE", "\u00d0": "Eth", "\u00d7": "multiply",
    "\u00d8": "Oslash", "\u00de": "Thorn", "\u00df": "germandbls", "\u00e6": "ae",
    "\u00f0": "eth", "\u00f7": "divide", "\u00f8": "oslash", "\u00fe": "thorn",
    "\u2044": "fraction", "\ufb01": "fi", "\ufb02": "fl", "\u02d8": "breve", "\u02d9": "dotaccent",
    "\u02da": "ring", "\u02dd": "hungarumlaut", "\u02db": "ogonek", "\u02c7": "caron",
    "\u0131": "dotlessi", "\u0141": "Lslash", "\u0142": "lslash", "\u2212": "minus",
    "\u221e": "infinity", "\u2260": "notequal", "\u2264": "lessequal", "\u2265": "greaterequal",
    "\u2202": "partialdiff", "\u2211": "summation", "\u220f": "product", "\u03c0": "pi",
    "\u222b": "integral", "\u03a9": "Omega", "\u221a": "radical", "\u2248": "approxequal",
    "\u2206": "Delta", "\u25ca": "lozenge", "\uf8ff": "apple", "\u00b5": "mu",
    "\u0110": "Dcroat", "\u0111": "dcroat", "\u0218": "Scommaaccent", "\u0219": "scommaaccent",
    "\u021a": "Tcommaaccent", "\u021b": "tcommaaccent", "\u0326": "commaaccent",
    "\u0130": "Idotaccent", "\u00ad": "hyphen", "\u00a0": "space",
}
ACCENTS = {
    "GRAVE": "grave", "ACUTE": "acute", "CIRCUMFLEX": "circumflex", "TILDE": "tilde",
    "DIAERESIS": "dieresis", "RING ABOVE": "ring", "CEDILLA": "cedilla", "CARON": "caron",
    "BREVE": "breve", "MACRON": "macron", "OGONEK": "ogonek", "DOT ABOVE": "dotaccent",
    "DOUBLE ACUTE": "hungarumlaut",
}


def glyph_name(ch):
    if ch in NAMED:
        return NAMED[ch]
    if ch.isascii() and ch.isalpha():
        return ch
    name = unicodedata.name(ch, "")
    for case in ("CAPITAL", "SMALL"):
        prefix = f"LATIN {case} LETTER "
        if name.startswith(prefix) and " WITH " in name:
            base, accent = name[len(prefix):].split(" WITH ", 1)
            if len(base) == 1 and accent in ACCENTS:
                return (base if case == "CAPITAL" else base.lower()) + ACCENTS[accent]
    return None


def win_ansi():
    t = [0] * 256
    for c in range(0x20, 0x100):
        try:
            t[c] = ord(bytes([c]).decode("cp1252"))
        except UnicodeDecodeError:
            t[c] = 0x2022
    t[0x7F] = 0x2022
    t[0xA0] = 0x20
    t[0xAD] = 0x2D
    return t


def mac_roman():
    t = [0] * 256
    for c in range(0x20, 0x7F):
        t[c] = c
    for c in range(0x80, 0x100):
        t[c] = ord(bytes([c]).decode("mac_roman"))
    t[0xCA] = 0x20
    t[0xDB] = 0xA4
    return t


STANDARD_HIGH = (
    "161 exclamdown 162 cent 163 sterling 164 fraction 165 yen 166 florin 167 section "
    "168 currency 169 quotesingle 170 quotedblleft 171 guillemotleft 172 guilsinglleft "
    "173 guilsinglright 174 fi 175 fl 177 endash 178 dagger 179 daggerdbl 180 periodcentered "
    "182 paragraph 183 bullet 184 quotesinglbase 185 quotedblbase 186 quotedblright "
    "187 guillemotright 188 ellipsis 189 perthousand 191 questiondown 193 grave 194 acute "
    "195 circumflex 196 tilde 197 macron 198 breve 199 dotaccent 200 dieresis 202 ring "
    "203 cedilla 205 hungarumlaut 206 ogonek 207 caron 208 emdash 225 AE 227 ordfeminine "
    "232 Lslash 233 Oslash 234 OE 235 ordmasculine 241 ae 245 dotlessi 248 lslash 249 oslash "
    "250 oe 251 germandbls"
)

PDFDOC_HIGH = (
    "bullet dagger daggerdbl ellipsis emdash endash florin fraction guilsinglleft "
    "guilsinglright minus perthousand quotedblbase quotedblleft quotedblright quoteleft "
    "quoteright quotesinglbase trademark fi fl Lslash OE Scaron Ydieresis Zcaron dotlessi "
    "lslash oe scaron zcaron"
)


def main():
    names = {}
    chars = set(chr(c) for c in win_ansi() + mac_roman() if c) | set(NAMED)
    for c in range(0x100, 0x180):
        chars.add(chr(c))
    for ch in sorted(chars):
        n = glyph_name(ch)
        if n and n not in names:
            names[n] = ord(ch)
    # quotesingle is U+0027; the Standard encoding's 39 is quoteright.
    names["quotesingle"] = 0x27
    names["hyphen"] = 0x2D
    names["space"] = 0x20
    names["grave"] = 0x60
    names["mu"] = 0xB5
    standard = [0] * 256
    for c in range(0x20, 0x7F):
        standard[c] = c
    standard[0x27] = 0x2019
    standard[0x60] = 0x2018
    toks = STANDARD_HIGH.split()
    for code, name in zip(toks[0::2], toks[1::2]):
        standard[int(code)] = names[name]
    pdfdoc = [0] * 256
    for c in list(range(0x20, 0x7F)) + list(range(0xA1, 0x100)):
        pdfdoc[c] = c
    pdfdoc[0xA0] = 0x20AC
    for i, name in enumerate(PDFDOC_HIGH.split()):
        pdfdoc[0x80 + i] = names[name]

    out = sys.stdout
    out.write("//! Generated by gen_tables.py (see there for the sources): do not edit.\n\n")
    out.write("/// Glyph names and their Unicode scalar, sorted by name.\n")
    out.write("pub(super) const GLYPH_NAMES: &[(&str, u16)] = &[\n")
    for n in sorted(names):
        out.write(f"    ({n!r}, 0x{names[n]:04X}),\n".replace("'", '"'))
    out.write("];\n\n")
    for rust, table in (("WIN_ANSI", win_ansi()), ("MAC_ROMAN", mac_roman()),
                        ("STANDARD", standard), ("PDF_DOC", pdfdoc)):
        out.write(f"/// Code to Unicode (0: no glyph) of the {rust} encoding.\n")
        out.write(f"pub(super) const {rust}: [u16; 256] = [\n")
        for row in range(0, 256, 8):
            out.write("    " + " ".join(f"0x{v:04X}," for v in table[row:row + 8]) + "\n")
        out.write("];\n\n")
    fonts = [("Helvetica", "HR"), ("Helvetica-Bold", "HB"), ("Helvetica-Oblique", "HI"),
             ("Helvetica-BoldOblique", "HBI"), ("Times-Roman", "TR"), ("Times-Bold", "TB"),
             ("Times-Italic", "TI"), ("Times-BoldItalic", "TBI"), ("Courier", "CR"),
             ("Courier-Bold", "CB"), ("Courier-Oblique", "CI"), ("Courier-BoldOblique", "CBI")]
    out.write("/// Widths (1/1000 em) of the standard text fonts by Unicode scalar, sorted.\n")
    out.write("pub(super) const CORE_WIDTHS: &[(&str, &[(u16, u16)])] = &[\n")
    missing = set()
    for font, file in fonts:
        widths = {}
        in_charset = False
        for line in open(f"{GROFF}/{file}", encoding="latin-1"):
            line = line.rstrip("\n")
            if line == "charset":
                in_charset = True
                continue
            if not in_charset:
                continue
            cols = line.split("\t")
            if len(cols) < 5:
                continue
            ps = cols[4]
            if ps not in names:
                missing.add(ps)
                continue
            widths.setdefault(names[ps], int(cols[1].split(",")[0]))
        items = ", ".join(f"(0x{u:04X}, {w})" for u, w in sorted(widths.items()))
        out.write(f"    (\"{font}\", &[{items}]),\n")
    out.write("];\n")
    print("names without a scalar:", " ".join(sorted(missing)), file=sys.stderr)


main()
