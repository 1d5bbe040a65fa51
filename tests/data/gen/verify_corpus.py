#!/usr/bin/env python3
"""Sanity check of the generated corpus (a developer tool, not part of the Rust tests).

    python3 tests/data/gen/verify_corpus.py

For every .eml: CRLF only, parses with the standard library, every part decodes, DOCX
attachments are valid zips with well-formed XML, PDF attachments give text with `pdftotext`
(poppler-utils; skipped when it is not installed). Then, for every expectation with fields,
each expected value must occur in the message's decoded text (bodies, HTML without tags, PDF and
DOCX text), after the same normalisation the expectation uses — so expectations and letters
cannot drift apart.
"""

import email
import email.policy
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from xml.dom import minidom

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EML = os.path.join(ROOT, "tests", "data", "eml")
HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None
SKIP_PARSE = {"malformed/mime-rusak"}


def pdf_text(data):
    if not HAVE_PDFTOTEXT:
        return ""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["pdftotext", "-raw", f.name, "-"], capture_output=True)
        if r.returncode != 0:
            raise ValueError(r.stderr.decode(errors="replace").strip())
        return r.stdout.decode("utf-8")


def docx_text(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    for n in z.namelist():
        if n.endswith(".xml") or n.endswith(".rels"):
            minidom.parseString(z.read(n))
    doc = z.read("word/document.xml").decode("utf-8")
    out = []
    for p in re.findall(r"<w:p[ >].*?</w:p>|<w:p/>", doc):
        p = p.replace("<w:tab/>", "<w:t>\t</w:t>")
        out.append(html.unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))))
    return "\n".join(out)


def html_text(s):
    s = re.sub(r"(?is)<(style|head)[^>]*>.*?</\1>", " ", s)
    s = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)>", "\n", s)
    s = re.sub(r"(?i)</t[dh]>", " : ", s)
    s = re.sub(r"<[^>]+>", "", s)
    return html.unescape(s)


def walk(msg, texts, problems, key, depth=0):
    for part in msg.walk() if depth == 0 else [msg]:
        ct = part.get_content_type()
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if ct == "message/rfc822" or isinstance(part.get_payload(), list):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            walk(inner, texts, problems, key, depth + 1)
            continue
        if payload is None:
            continue
        fn = part.get_filename() or ""
        if ct == "application/pdf":
            try:
                texts.append(pdf_text(payload))
            except ValueError as e:
                if "terpotong" not in key:
                    problems.append(f"{key}: {fn}: pdftotext failed: {e}")
        elif ct.endswith("wordprocessingml.document"):
            try:
                texts.append(docx_text(payload))
            except Exception as e:  # noqa: BLE001
                problems.append(f"{key}: {fn}: bad docx: {e}")
        elif ct.startswith("text/"):
            cs = part.get_content_charset() or "utf-8"
            t = payload.decode(cs, errors="replace")
            texts.append(html_text(t) if ct == "text/html" else t)


def digits(s):
    return re.sub(r"\D", "", s)


def phones(s):
    out = set()
    for m in re.finditer(r"(?:\+?62|0)[\d\s\-–]{8,17}\d", s):
        d = digits(m.group(0))
        if d.startswith("62"):
            d = "0" + d[2:]
        out.add(d)
    return out


def main():
    problems = []
    with open(os.path.join(EML, "expectations.toml"), "rb") as f:
        expect = tomllib.load(f)
    files = {}
    for dirpath, _, names in os.walk(EML):
        for n in names:
            if n.endswith(".eml"):
                p = os.path.join(dirpath, n)
                files[os.path.relpath(p, EML)[:-4].replace(os.sep, "/")] = p
    for k in sorted(set(files) ^ set(expect)):
        problems.append(f"{k}: .eml and expectation do not pair up")
    for key, path in sorted(files.items()):
        raw = open(path, "rb").read()
        if re.search(rb"(?<!\r)\n", raw):
            problems.append(f"{key}: bare LF")
        if key in SKIP_PARSE:
            continue
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if msg.defects:
            problems.append(f"{key}: defects {msg.defects}")
        texts = [str(msg["subject"] or "")]
        walk(msg, texts, problems, key)
        full = "\n".join(texts)
        flat = re.sub(r"\s+", " ", full)
        for field, want in expect.get(key, {}).get("fields", {}).items():
            if field == "nip":
                ok = want in digits(full)
            elif field == "no_hp":
                ok = want in phones(full)
            elif field == "email":
                ok = want in full.lower()
            elif field == "jenis_akun":
                ok = want in full.lower()
            elif field == "jumlah_peserta":
                ok = re.search(rf"\b{want}\b", full) is not None
            else:
                ok = want in flat
            if not ok:
                problems.append(f"{key}: field {field}={want!r} not found in the text")
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(files)} messages checked, pdftotext {'used' if HAVE_PDFTOTEXT else 'not installed'}, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
