"""A minimal DOCX (WordprocessingML) writer built on zipfile.

Paragraphs are written the way Word writes them: text split into several runs, often in the
middle of a word (Word starts a new run at every edit, spell-check mark or formatting change),
``<w:proofErr>`` marks, ``<w:tab/>`` between a label and its value, and ``<w:tbl>`` tables.
The zip members carry a fixed timestamp so the output is byte-identical on every run.
"""

import hashlib
import io
import zipfile
from xml.sax.saxutils import escape

NS = ('xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
      'mc:Ignorable="w14"')


def _t(text):
    sp = ' xml:space="preserve"' if (text[:1].isspace() or text[-1:].isspace()) else ""
    return f"<w:t{sp}>{escape(text)}</w:t>"


def run(text, bold=False, italic=False, size=None, underline=False):
    """One run; ``\\t`` inside ``text`` becomes ``<w:tab/>``."""
    props = ""
    if bold:
        props += "<w:b/><w:bCs/>"
    if italic:
        props += "<w:i/><w:iCs/>"
    if size:
        props += f'<w:sz w:val="{size * 2}"/><w:szCs w:val="{size * 2}"/>'
    if underline:
        props += '<w:u w:val="single"/>'
    rpr = f'<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>{props}<w:lang w:val="id-ID"/></w:rPr>'
    inner = []
    for i, chunk in enumerate(text.split("\t")):
        if i:
            inner.append("<w:tab/>")
        if chunk:
            inner.append(_t(chunk))
    return f"<w:r>{rpr}{''.join(inner)}</w:r>"


def split_runs(text, seed, bold=False, italic=False, size=None):
    """Splits ``text`` into 1-4 runs at positions derived from ``seed`` (often mid-word), with a
    spell-check mark around one piece now and then, as Word leaves them."""
    h = hashlib.sha256((seed + text).encode()).digest()
    n = len(text)
    cuts = sorted({(h[i] * 7 + h[i + 1]) % n for i in range(0, 2 * (h[0] % 3 + 1), 2)} - {0}) if n > 6 else []
    pieces, last = [], 0
    for c in cuts:
        pieces.append(text[last:c])
        last = c
    pieces.append(text[last:])
    out = []
    for i, p in enumerate(pieces):
        if not p:
            continue
        if h[10 + i] % 5 == 0 and p.strip() and "\t" not in p:
            out.append('<w:proofErr w:type="spellStart"/>' + run(p, bold, italic, size)
                       + '<w:proofErr w:type="spellEnd"/>')
        else:
            out.append(run(p, bold, italic, size))
    return "".join(out)


def para(*items, jc=None, after=0, indent=None, first_line=None, tabs=(), seed="p"):
    """A paragraph. Items: str (split into runs), or ready XML (starting with '<').
    pPr children are written in schema order (tabs, spacing, ind, jc)."""
    ppr = ""
    if tabs:
        ppr += "<w:tabs>" + "".join(f'<w:tab w:val="left" w:pos="{t}"/>' for t in tabs) + "</w:tabs>"
    ppr += f'<w:spacing w:after="{after}" w:line="276" w:lineRule="auto"/>'
    if indent is not None or first_line is not None:
        ppr += ("<w:ind" + (f' w:left="{indent}"' if indent is not None else "")
                + (f' w:firstLine="{first_line}"' if first_line is not None else "") + "/>")
    if jc:
        ppr += f'<w:jc w:val="{jc}"/>'
    body = []
    for k, it in enumerate(items):
        if it.startswith("<"):
            body.append(it)
        else:
            body.append(split_runs(it, f"{seed}{k}"))
    return f'<w:p><w:pPr>{ppr}</w:pPr>{"".join(body)}</w:p>'


def bold(text, seed="b"):
    return split_runs(text, seed, bold=True)


def table(rows, widths, header=True, seed="t", grid=True):
    """A table, bordered unless ``grid`` is false; ``rows`` of cell strings; ``widths`` in twips."""
    gridcols = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    val = "single" if grid else "none"
    border = ('<w:tblBorders>' + "".join(
        f'<w:{s} w:val="{val}" w:sz="4" w:space="0" w:color="auto"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")) + '</w:tblBorders>')
    out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           f'{border}<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
           f'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{gridcols}</w:tblGrid>']
    for ri, r in enumerate(rows):
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if (header and ri == 0) else ""
        cells = []
        for ci, (c, w) in enumerate(zip(r, widths)):
            content = split_runs(c, f"{seed}{ri}.{ci}", bold=(header and ri == 0)) if c else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
                         f'<w:p><w:pPr><w:spacing w:after="0"/></w:pPr>{content}</w:p></w:tc>')
        out.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def docx(blocks, title="", author="", created="2026-01-05T08:00:00Z"):
    """The .docx bytes for a list of block XML strings (paragraphs and tables)."""
    body = "".join(blocks)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<w:document {NS}><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="708" '
        'w:footer="708" w:gutter="0"/><w:cols w:space="708"/></w:sectPr></w:body></w:document>')
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '</Types>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        '</Relationships>')
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '</Relationships>')
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/>'
        '<w:sz w:val="24"/><w:lang w:val="id-ID"/></w:rPr></w:rPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>'
        '</w:styles>')
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>'
        f'<cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy><cp:revision>3</cp:revision>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        '</cp:coreProperties>')
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Template>Normal.dotm</Template><Application>Microsoft Office Word</Application>'
        '<AppVersion>16.0000</AppVersion></Properties>')
    members = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/styles.xml", styles),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, data.encode("utf-8"))
    return buf.getvalue()


def docx_text(blocks):
    """Roughly what a text extractor should see (for the .txt companion files): one line per
    paragraph (a table cell is a paragraph), tabs kept."""
    import re
    from xml.sax.saxutils import unescape
    out = []
    for b in blocks:
        for p in re.findall(r"<w:p>.*?</w:p>", b):
            t = p.replace("<w:tab/>", "<w:t>\t</w:t>")
            out.append(unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", t))))
    return "\n".join(out) + "\n"
