"""Letters as data, rendered to PDF or DOCX.

A document is a list of blocks (tuples); the same list renders through ``render_pdf`` or
``render_docx``:

    ("kop", [lines])                  letterhead: first lines bold, centered, then a rule
    ("title", text)                   centered bold line (SURAT REKOMENDASI …)
    ("center", text)                  centered line
    ("right", text)                   right-aligned line (place and date)
    ("meta", [(label, value)])        Nomor / Lampiran / Perihal block
    ("lines", [text])                 lines as they are (Yth. …, addresses)
    ("p", text)                       a paragraph, wrapped
    ("pi", text)                      a paragraph with a first-line indent
    ("kv", [(label, value)], numbered)  aligned "Label : value" rows
    ("table", [widths in pt], [rows], opts)  a table; opts: header (bool) or
                                      {"header": bool, "grid": bool, "size": pt}
    ("sign", [lines])                 signature block on the right half
    ("space", n)                      vertical space, in lines
"""

import minidocx as dx
import minipdf as mp


# Letterheads. All names of people in this corpus are made up.
KOP = {
    "ub-dti": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS BRAWIJAYA",
               "DIREKTORAT TEKNOLOGI INFORMASI",
               "Jalan Veteran, Malang 65145   Telp. (0341) 575878   Laman: https://bits.ub.ac.id"],
    "ub-fia": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS BRAWIJAYA",
               "FAKULTAS ILMU ADMINISTRASI",
               "Jalan MT. Haryono 163, Malang 65145   Telp. (0341) 553737   Laman: fia.ub.ac.id"],
    "usk-lppm": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS SYIAH KUALA",
                 "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT",
                 "Jalan Teuku Nyak Arief, Darussalam, Banda Aceh 23111   Laman: lppm.usk.ac.id"],
    "usk-perpus": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS SYIAH KUALA",
                   "UPT PERPUSTAKAAN",
                   "Jalan T. Nyak Arief, Kopelma Darussalam, Banda Aceh 23111   Surel: library@usk.ac.id"],
    "uns-bem": ["BADAN EKSEKUTIF MAHASISWA",
                "FAKULTAS MATEMATIKA DAN ILMU PENGETAHUAN ALAM",
                "UNIVERSITAS SEBELAS MARET",
                "Sekretariat: Gedung Student Center FMIPA, Jl. Ir. Sutami 36A Kentingan, Surakarta 57126"],
    "uns-fmipa": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS SEBELAS MARET",
                  "FAKULTAS MATEMATIKA DAN ILMU PENGETAHUAN ALAM",
                  "Jalan Ir. Sutami 36A Kentingan, Surakarta 57126   Laman: mipa.uns.ac.id"],
    "uns-hmp": ["HIMPUNAN MAHASISWA PROGRAM STUDI AKUNTANSI",
                "FAKULTAS EKONOMI DAN BISNIS UNIVERSITAS SEBELAS MARET",
                "Sekretariat: Gedung 3 FEB UNS, Jl. Ir. Sutami 36A, Surakarta 57126"],
    "uns-feb": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS SEBELAS MARET",
                "FAKULTAS EKONOMI DAN BISNIS",
                "Jalan Ir. Sutami 36A Kentingan, Surakarta 57126   Laman: feb.uns.ac.id"],
    "uns-ukm-foto": ["UNIT KEGIATAN MAHASISWA FOTOGRAFI", "UNIVERSITAS SEBELAS MARET",
                     "Sekretariat: Gedung Grha UKM Lt. 2, Jl. Ir. Sutami 36A, Surakarta 57126"],
    "uns-kemahasiswaan": ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI",
                          "UNIVERSITAS SEBELAS MARET", "BIRO KEMAHASISWAAN DAN ALUMNI",
                          "Jalan Ir. Sutami 36A Kentingan, Surakarta 57126"],
    "uin-fst": ["KEMENTERIAN AGAMA REPUBLIK INDONESIA",
                "UNIVERSITAS ISLAM NEGERI MAULANA MALIK IBRAHIM MALANG",
                "FAKULTAS SAINS DAN TEKNOLOGI",
                "Jalan Gajayana 50, Malang 65144   Telp. (0341) 558933   Laman: saintek.uin-malang.ac.id"],
    "uhamka-pmb": ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA", "PANITIA PENERIMAAN MAHASISWA BARU",
                   "Jalan Limau II, Kebayoran Baru, Jakarta Selatan 12130   Laman: pmb.uhamka.ac.id"],
    "uhamka-feb": ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA", "FAKULTAS EKONOMI DAN BISNIS",
                   "Jalan Raya Bedugul No. 1, Jakarta Timur 13220   Laman: feb.uhamka.ac.id"],
    "uhamka-lppm": ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA",
                    "LEMBAGA PENELITIAN DAN PENGEMBANGAN",
                    "Jalan Tanah Merdeka No. 20, Pasar Rebo, Jakarta Timur 13830"],
    "uhamka-fkip": ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA",
                    "FAKULTAS KEGURUAN DAN ILMU PENDIDIKAN",
                    "Jalan Tanah Merdeka No. 20, Pasar Rebo, Jakarta Timur 13830"],
}


def _table_opts(b):
    """Options of a table block: a 4th element that is a bool (header) or a dict with
    ``header`` (default True), ``grid`` (borders, default True) and ``size`` (font, PDF only)."""
    opt = {"header": True, "grid": True, "size": None}
    if len(b) > 3:
        opt.update(b[3] if isinstance(b[3], dict) else {"header": b[3]})
    return opt


# ---------------------------------------------------------------------------------------------
# PDF


def render_pdf(blocks, title, author, date="D:20260105080000+07'00'", seed="pdf", kerning=True,
               word_gap=None, size=11, running_header=None):
    """Renders blocks to PDF bytes; returns (bytes, plain text of what was drawn)."""
    pdf = mp.Pdf(title=title, author=author, date=date, seed=seed)
    L = mp.Letter(pdf, size=size, leading=size * 1.35, kerning=kerning, word_gap=word_gap)
    if running_header:
        def hdr(l):
            l.line(running_header, font="F3", size=8, right=True)
            l.space(0.5)
        L.on_new_page = hdr
    for b in blocks:
        kind = b[0]
        if kind == "kop":
            lines = b[1]
            for i, s in enumerate(lines):
                last = i == len(lines) - 1
                L.line(s, font="F1" if last else "F2", size=(8.5 if last else (12 if i < 2 else 13)),
                       center=True)
            L.rule()
            L.space(0.6)
        elif kind == "title":
            L.line(b[1], font="F2", size=size + 1, center=True)
        elif kind == "center":
            L.line(b[1], center=True)
        elif kind == "right":
            L.line(b[1], right=True)
        elif kind == "meta":
            for lab, val in b[1]:
                L.kv(lab, val, x_label=L.ml, x_colon=L.ml + 60)
        elif kind == "lines":
            for s in b[1]:
                L.line(s)
        elif kind == "p":
            L.para(b[1])
            L.space(0.4)
        elif kind == "pi":
            L.para(b[1], first_indent=36)
            L.space(0.4)
        elif kind == "kv":
            numbered = len(b) > 2 and b[2]
            for i, (lab, val) in enumerate(b[1], start=1):
                L.kv(lab, val, number=i if numbered else None)
            L.space(0.4)
        elif kind == "table":
            widths, rows, opt = b[1], b[2], _table_opts(b)
            L.table(widths, rows, header=opt["header"], grid=opt["grid"], size=opt["size"])
        elif kind == "sign":
            x = L.page.width / 2 + 40
            for s in b[1]:
                L.line(s, x=x)
        elif kind == "space":
            L.space(b[1])
        else:
            raise ValueError(kind)
    return pdf.to_bytes(), pdf.text_lines()


# ---------------------------------------------------------------------------------------------
# DOCX


def render_docx(blocks, title, author, created="2026-01-05T08:00:00Z", seed="docx"):
    """Renders blocks to DOCX bytes; returns (bytes, plain text)."""
    out = []
    n = 0

    def s(k):
        return f"{seed}.{n}.{k}"

    for b in blocks:
        n += 1
        kind = b[0]
        if kind == "kop":
            lines = b[1]
            for i, line in enumerate(lines):
                last = i == len(lines) - 1
                out.append(dx.para(line if last else dx.split_runs(line, s(i), bold=True, size=12 if i < 2 else 13),
                                   jc="center", seed=s(i)))
            out.append('<w:p><w:pPr><w:pBdr><w:bottom w:val="thickThinSmallGap" w:sz="24" '
                       'w:space="1" w:color="auto"/></w:pBdr><w:spacing w:after="120"/></w:pPr></w:p>')
        elif kind == "title":
            out.append(dx.para(dx.split_runs(b[1], s(0), bold=True), jc="center", seed=s(0)))
        elif kind == "center":
            out.append(dx.para(b[1], jc="center", seed=s(0)))
        elif kind == "right":
            out.append(dx.para(b[1], jc="right", seed=s(0)))
        elif kind == "meta":
            for i, (lab, val) in enumerate(b[1]):
                out.append(dx.para(f"{lab}\t: {val}", tabs=(1260,), seed=s(i)))
        elif kind == "lines":
            for i, line in enumerate(b[1]):
                out.append(dx.para(line, seed=s(i)) if line else "<w:p/>")
        elif kind in ("p", "pi"):
            out.append(dx.para(b[1], jc="both", after=120, seed=s(0),
                               first_line=720 if kind == "pi" else None))
        elif kind == "kv":
            numbered = len(b) > 2 and b[2]
            for i, (lab, val) in enumerate(b[1], start=1):
                txt = f"{i}.\t{lab}\t: {val}" if numbered else f"{lab}\t: {val}"
                tabs = (1080, 3600) if numbered else (3240,)
                out.append(dx.para(txt, tabs=tabs, indent=360, seed=s(i)))
            out.append("<w:p/>")
        elif kind == "table":
            widths, rows, opt = b[1], b[2], _table_opts(b)
            out.append(dx.table(rows, [int(w * 20) for w in widths], header=opt["header"],
                                grid=opt["grid"], seed=s(0)))
            out.append("<w:p/>")
        elif kind == "sign":
            for i, line in enumerate(b[1]):
                out.append(dx.para(line, indent=4820, seed=s(i)) if line else '<w:p><w:pPr><w:ind w:left="4820"/></w:pPr></w:p>')
        elif kind == "space":
            out.extend(["<w:p/>"] * int(b[1]))
        else:
            raise ValueError(kind)
    return dx.docx(out, title=title, author=author, created=created), dx.docx_text(out)
