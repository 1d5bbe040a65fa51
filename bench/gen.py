"""Benchmark letters, deterministic: the corpus letters of tests/data/eml used as templates,
each copy given its own Message-ID, Subject number and sender so that no two are the same
message (the store's dedupe key) and every acknowledgement goes to a mailbox of the test stack.

    python3 bench/gen.py mix|text|big N OUTDIR [SENDERS]   # writes OUTDIR/000001.eml ...

- mix:  half the letters carry the ~50 KB PDF letter (cbt/pdf-besar-pmb), the other half
        alternate between plain-text and DOCX letters;
- text: plain-text letters only;
- big:  one letter with a 25 MB binary attachment (N is ignored).

SENDERS (default 1000): the letters come from that many requesters in turn, as a real burst
would (mhs0001@unit.kampus.test ...), so that suratd's per-requester answer cap
(`[answers] per-sender-per-hour`, 30) is not what is measured. With 1 every letter comes from
pemohon@unit.kampus.test, a mailbox of the test stack (the latency run reads its INBOX).
"""

import base64
import hashlib
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EML = os.path.join(ROOT, "tests", "data", "eml")

PDF_LETTER = "cbt/pdf-besar-pmb.eml"
# Letters without attachments, one per SOP or so.
PLAIN = ["diklat-it/polos-biro-keuangan.eml", "lab-ict/polos-bernomor.eml",
         "email-institusi/tanpa-nim.eml", "office365/polos-mahasiswa.eml",
         "pengaduan-tik/siakad-error.eml", "webservice/kop-fakultas-teknik.eml"]
DOCX = ["diklat-it/docx-saja-lppm.eml", "email-institusi/docx-saja-dosen.eml"]
REQUESTER = "pemohon@unit.kampus.test"
HELPDESK = "helpdesk@kampus.test"


def load(name):
    with open(os.path.join(EML, name), "rb") as f:
        return f.read()


def header_end(raw):
    i = raw.find(b"\r\n\r\n")
    return i if i >= 0 else raw.find(b"\n\n")


def sender(i, senders):
    return REQUESTER if senders == 1 else f"mhs{i % senders:04d}@unit.kampus.test"


def personalise(raw, i, kind, senders):
    """The template with its own Message-ID, numbered Subject, From and To."""
    end = header_end(raw)
    head, body = raw[:end].decode("latin-1"), raw[end:]
    # Unfold, drop the headers we replace, keep the rest in order.
    lines = re.sub(r"\r?\n[ \t]+", " ", head).split("\r\n")
    keep = [l for l in lines if not re.match(r"(?i)(message-id|subject|from|to|reply-to|cc|return-path):", l)]
    subject = next((l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("subject:")), "Permohonan")
    new = [
        f"Return-Path: <{sender(i, senders)}>",
        f"Message-ID: <bench-{kind}-{i:06d}.{hashlib.sha1(f'{kind}{i}'.encode()).hexdigest()[:12]}@unit.kampus.test>",
        f"Subject: {subject} [{i}]",
        f"From: Pemohon Bench <{sender(i, senders)}>",
        f"To: Helpdesk TIK <{HELPDESK}>",
    ]
    return ("\r\n".join(new + keep)).encode("latin-1") + body


def letters(kind, n, senders):
    if kind == "text":
        plain = [load(p) for p in PLAIN]
        for i in range(1, n + 1):
            yield personalise(plain[i % len(plain)], i, kind, senders)
    elif kind == "mix":
        pdf, plain, docx = load(PDF_LETTER), [load(p) for p in PLAIN], [load(p) for p in DOCX]
        for i in range(1, n + 1):
            if i % 2 == 0:
                t = pdf
            elif i % 4 == 1:
                t = plain[(i // 4) % len(plain)]
            else:
                t = docx[(i // 4) % len(docx)]
            yield personalise(t, i, kind, senders)
    elif kind == "big":
        yield big_letter()
    else:
        raise SystemExit(f"unknown kind {kind!r}")


def big_letter(size=25 * 1024 * 1024):
    # Deterministic bytes that do not compress: a SHA-256 chain.
    blob = bytearray()
    h = b"suratd-bench"
    while len(blob) < size:
        h = hashlib.sha256(h).digest()
        blob += h
    data = bytes(blob[:size])
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = (
        f"Message-ID: <bench-big-000001@unit.kampus.test>\r\n"
        f"Date: Mon, 2 Feb 2026 10:14:27 +0700\r\n"
        f"From: Pemohon Bench <{REQUESTER}>\r\n"
        f"To: Helpdesk TIK <{HELPDESK}>\r\n"
        f"Subject: Permohonan akun email institusi, lampiran arsip\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        f"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dengan hormat, kami mohon dibuatkan akun email institusi. Nama: Budi Santoso,"
        f" NIP 198001012005011001, No HP 081234567890. Arsip terlampir.\r\n"
        f"--b1\r\nContent-Type: application/octet-stream; name=\"arsip.bin\"\r\n"
        f"Content-Disposition: attachment; filename=\"arsip.bin\"\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    return head + b64 + b"--b1--\r\n"


def main(argv):
    if len(argv) not in (4, 5):
        raise SystemExit(__doc__)
    kind, n, out = argv[1], int(argv[2]), argv[3]
    senders = int(argv[4]) if len(argv) == 5 else 1000
    os.makedirs(out, exist_ok=True)
    count = 0
    for i, raw in enumerate(letters(kind, n, senders), start=1):
        with open(os.path.join(out, f"{i:06d}.eml"), "wb") as f:
            f.write(raw)
        count += 1
    print(count)


if __name__ == "__main__":
    main(sys.argv)
