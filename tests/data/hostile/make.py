#!/usr/bin/env python3
"""Writes hostile letters for suratd: the small ones kept in this folder (--small, committed),
the large ones to another folder (default /tmp/suratd-hostile; never committed).

    python3 tests/data/hostile/make.py --small            # rewrite the committed samples
    python3 tests/data/hostile/make.py [--out DIR]        # the large ones, for `suratd try`

The tests build their own inputs in code (tests/it/hostile.rs, src/parse/hostile_tests.rs);
these files are for trying by hand, and seed the parse_classify fuzz target (fuzz/seeds.sh);
every *.eml here is also replayed by `cargo test` (tests/it/fuzz_regressions.rs).
"""
import base64
import io
import os
import sys
import zipfile

ENVELOPE = (
    "From: Budi Santoso <budi.santoso@unsyiah.ac.id>\r\n"
    "To: Helpdesk TIK <helpdesk@kampus.ac.id>\r\n"
    "Date: Mon, 02 Mar 2026 09:00:00 +0700\r\n"
)


def letter(subject, body=b"Nama : Budi\r\n", files=(), extra=""):
    out = io.BytesIO()
    out.write((ENVELOPE + f"Subject: {subject}\r\n{extra}MIME-Version: 1.0\r\n").encode())
    out.write(b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n')
    out.write(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body)
    for ctype, name, data in files:
        out.write(
            f'\r\n--b\r\nContent-Type: {ctype}; name="{name}"\r\n'
            f'Content-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n".encode()
        )
        out.write(base64.encodebytes(data).replace(b"\n", b"\r\n"))
    out.write(b"\r\n--b--\r\n")
    return out.getvalue()


def enc(s):
    return "=?utf-8?b?" + base64.b64encode(s.encode()).decode() + "?="


def small():
    evil = "\r\nBcc: curi@jahat.example\r\nX-Injected: yes\r\n"
    yield "header-injection.eml", (
        f"From: {enc('Budi' + evil)} <budi.santoso@unsyiah.ac.id>\r\n"
        "To: helpdesk@kampus.ac.id\r\n"
        f"Subject: {enc('Permohonan akun webservice' + evil)}\r\n"
        f"Reply-To: {enc('B' + evil)} <budi.santoso@unsyiah.ac.id>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Nama : Budi\rBcc: curi@jahat.example\r\nJenis data : data\rX-Injected: yes\r\n"
    ).encode()
    yield "invalid-utf8.eml", (
        b"From: Bu\xffdi \xc3\x28Santoso <budi.santoso@unsyiah.ac.id>\r\n"
        b"To: helpdesk@kampus.ac.id\r\nSubject: Permohonan akun webservice \xfe\xff\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNama : Bu\xffdi\r\n"
        b'--x\r\nContent-Type: text/plain; name="lam\xffpiran.txt"\r\n\r\nisi \xed\xa0\x80\r\n--x--\r\n'
    )
    nested = ENVELOPE + "Subject: bersarang\r\nMIME-Version: 1.0\r\n"
    for i in range(1000):
        nested += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'
    nested += "Content-Type: text/plain\r\n\r\nNama: Budi\r\n"
    yield "nested-multipart-1000.eml", nested.encode()
    fwd = ENVELOPE + "Subject: terusan\r\nContent-Type: message/rfc822\r\n\r\n"
    fwd += "Subject: f\r\nContent-Type: message/rfc822\r\n\r\n" * 2000 + "Subject: inti\r\n\r\nisi\r\n"
    yield "nested-rfc822-2000.eml", fwd.encode()


def docx_bomb(size):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b"<w:document><w:body><w:p><w:r><w:t>")
            chunk = b"A" * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def slow_pdf(ops):
    content = b"".join(
        b"BT /F1 9 Tf %d %d Td (Nama Budi) Tj ET\n" % (i % 500, i % 700) for i in range(ops)
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return pdf


def large():
    yield "huge-message-40mb.eml", letter(
        "Permohonan akun webservice", files=[("application/pdf", "scan.pdf", b"%" * (30 << 20))]
    )
    yield "huge-attachment-21mb.eml", letter(
        "Surat terlampir", files=[("application/pdf", "surat.pdf", b"%" * (21 << 20))]
    )
    yield "docx-zip-bomb-256mb.eml", letter(
        "Formulir",
        files=[("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "bom.docx", docx_bomb(1 << 28))],
    )
    yield "slow-pdf.eml", letter(
        "Formulir", files=[("application/pdf", "lambat.pdf", slow_pdf(400_000))]
    )
    parts = [("text/plain", f"f{i}.txt", b"Nama: Budi") for i in range(5000)]
    yield "parts-5000.eml", letter("Banyak lampiran", files=parts)
    nested = ENVELOPE + "Subject: bersarang\r\nMIME-Version: 1.0\r\n"
    nested += "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(100_000)
    )
    yield "nested-multipart-100000.eml", (nested + "Content-Type: text/plain\r\n\r\nx\r\n").encode()


def main():
    args = sys.argv[1:]
    if "--small" in args:
        out, gen = os.path.dirname(os.path.abspath(__file__)), small
    else:
        out = args[args.index("--out") + 1] if "--out" in args else "/tmp/suratd-hostile"
        gen = large
    os.makedirs(out, exist_ok=True)
    for name, data in gen():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{os.path.join(out, name)}: {len(data)} bytes")


if __name__ == "__main__":
    main()
