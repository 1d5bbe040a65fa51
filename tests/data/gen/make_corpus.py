#!/usr/bin/env python3
"""(Re)writes the suratd test corpus, byte-identically on every run.

    python3 tests/data/gen/make_corpus.py           # write the corpus
    python3 tests/data/gen/make_corpus.py --check   # exit 1 if the files on disk differ

Writes (paths relative to the repository root):
    tests/data/eml/<category>/<name>.eml     test messages (CRLF)
    tests/data/eml/expectations.toml         the human intent for each message
    tests/data/attachments/<name>.{pdf,docx} the generated attachments, each with a .txt
                                             companion holding the text that was laid out
    samples/inbox/{new,cur,tmp}/             the demo Maildir for the README

Python 3.11 standard library only. No clock, no randomness: dates, Message-IDs and MIME
boundaries are fixed or derived (by hash) from the letter's name. The letters are data in
letters_requests.py (one function per SOP) and letters_other.py (replies, automatic mail,
unmatched and malformed messages).

Golden ``NAME.json`` files beside each .eml are written by the suratd test harness, never here;
this script leaves them alone (it only deletes .eml files it no longer produces).
"""

import json
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import letters_other  # noqa: E402
import letters_requests  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EML_DIR = os.path.join("tests", "data", "eml")
ATT_DIR = os.path.join("tests", "data", "attachments")
INBOX = os.path.join("samples", "inbox")

KINDS = {"new_request", "reply", "automatic", "unmatched"}
RULES = {"office365", "webservice", "zoom-ormawa", "email-institusi", "cbt", "lab-ict",
         "pengaduan-tik", "diklat-it", "sertifikasi-it"}
FIELDS = {"nama", "nip", "nim", "no_hp", "email", "unit", "fakultas", "ormawa", "jenis_data",
          "jenis_akun", "tanggal", "waktu", "jumlah_peserta", "ruangan", "keperluan", "kegiatan",
          "layanan", "bidang", "instansi"}


class Corpus:
    def __init__(self):
        self.files = {}  # relative path -> bytes
        self.expect = []  # (key, dict, note)
        self.messages = {}  # key -> bytes

    def add(self, key, raw, kind, rule=None, fields=None, missing=None, invalid=None, ticket=None,
            reason=None, note=None):
        """Registers tests/data/eml/<key>.eml with its expectation."""
        assert key not in self.messages, key
        assert kind in KINDS, (key, kind)
        assert (rule is not None) == (kind == "new_request"), key
        assert rule is None or rule in RULES, (key, rule)
        for f in (fields or {}):
            assert f in FIELDS, (key, f)
        self.check_fields(key, fields or {})
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{key}: bare LF"
        self.messages[key] = raw
        self.files[os.path.join(EML_DIR, *key.split("/")) + ".eml"] = raw
        e = {"kind": kind}
        if rule:
            e["rule"] = rule
        if ticket:
            e["ticket"] = ticket
        if reason:
            e["reason"] = reason
        if missing:
            e["missing"] = list(missing)
        if invalid:
            e["invalid"] = list(invalid)
        if fields:
            e["fields"] = dict(fields)
        self.expect.append((key, e, note))

    @staticmethod
    def check_fields(key, fields):
        nip = fields.get("nip")
        if nip is not None:
            assert nip.isdigit() and len(nip) == 18, (key, nip)
        hp = fields.get("no_hp")
        if hp is not None:
            assert hp.isdigit() and hp.startswith("08") and 10 <= len(hp) <= 13, (key, hp)
        em = fields.get("email")
        if em is not None:
            assert em == em.lower() and "@" in em, (key, em)

    def attachment(self, name, data, text=None):
        """Keeps a copy of a generated attachment under tests/data/attachments/."""
        path = os.path.join(ATT_DIR, name)
        if path in self.files:
            assert self.files[path] == data, name
        self.files[path] = data
        if text is not None:
            self.files[path + ".txt"] = text.encode("utf-8")

    def sample(self, filename, key):
        """Copies a corpus message into the demo Maildir."""
        assert ":" not in filename
        self.files[os.path.join(INBOX, "new", filename)] = self.messages[key]


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def expectations_toml(entries):
    out = [
        "# Human intent for each message in tests/data/eml, keyed by path without .eml.",
        "# Written by tests/data/gen/make_corpus.py: edit the generator, not this file.",
        "#",
        "# kind     new_request | reply | automatic | unmatched",
        "# rule     the rule id the letter is meant for (new_request only)",
        "# fields   only fields plainly in the letter, normalised: nip 18 digits, no_hp 08… digits,",
        "#          email lower case, names and other text as written, jumlah_peserta digits only,",
        "#          jenis_akun one lower-case word",
        "# missing  what is intentionally absent (field names, `nim|nip`, `lampiran:<name>`)",
        "# invalid  fields present but breaking a rule",
        "# ticket   the ticket a reply belongs to",
        "# reason   why a message is automatic (a few words)",
        "",
    ]
    for key, e, note in entries:
        if note:
            for line in note.strip().split("\n"):
                out.append(f"# {line}".rstrip())
        out.append(f"[{toml_str(key)}]")
        for k in ("kind", "rule", "ticket", "reason"):
            if k in e:
                out.append(f"{k} = {toml_str(e[k])}")
        for k in ("missing", "invalid"):
            if k in e:
                out.append(f"{k} = [" + ", ".join(toml_str(x) for x in e[k]) + "]")
        if "fields" in e:
            out.append("")
            out.append(f"[{toml_str(key)}.fields]")
            for k, v in e["fields"].items():
                out.append(f"{k} = {toml_str(v)}")
        out.append("")
    return "\n".join(out).encode("utf-8")


def build():
    c = Corpus()
    letters_requests.build(c)
    letters_other.build(c)
    c.files[os.path.join(EML_DIR, "expectations.toml")] = expectations_toml(c.expect)
    # The demo inbox: one letter per SOP, an auto-reply and a bounce.
    for fn, key in [
        ("0001.office365.eml", "office365/pdf-saja-fakultas"),
        ("0002.webservice.eml", "webservice/pdf-saja-tabel-lppm"),
        ("0003.zoom-ormawa.eml", "zoom-ormawa/bem-fmipa-lengkap"),
        ("0004.email-institusi.eml", "email-institusi/docx-saja-dosen"),
        ("0005.cbt.eml", "cbt/polos-uas-prodi"),
        ("0006.lab-ict.eml", "lab-ict/polos-bernomor"),
        ("0007.pengaduan-tik.eml", "pengaduan-tik/siakad-error"),
        ("0008.diklat-it.eml", "diklat-it/docx-saja-lppm"),
        ("0009.sertifikasi-it.eml", "sertifikasi-it/polos-mahasiswa"),
        ("0010.auto-reply.eml", "automatic/auto-submitted"),
        ("0011.bounce.eml", "automatic/dsn-postfix"),
    ]:
        c.sample(fn, key)
    for d in ("cur", "tmp"):
        c.files[os.path.join(INBOX, d, ".gitkeep")] = b""
    return c


def main(argv):
    check = "--check" in argv
    c = build()
    differ = []
    for rel, data in sorted(c.files.items()):
        path = os.path.join(ROOT, rel)
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if same:
            continue
        differ.append(rel)
        if not check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    # .eml files (and attachment copies) no longer produced
    stale = []
    for base, exts in ((EML_DIR, (".eml",)), (ATT_DIR, ("",)), (os.path.join(INBOX, "new"), (".eml",))):
        for dirpath, _, names in os.walk(os.path.join(ROOT, base)):
            for n in names:
                rel = os.path.relpath(os.path.join(dirpath, n), ROOT)
                if n.endswith(exts) and not n.endswith(".json") and rel not in c.files:
                    stale.append(rel)
    for rel in stale:
        if not check:
            os.remove(os.path.join(ROOT, rel))
    n_eml = sum(1 for k in c.files if k.startswith(EML_DIR) and k.endswith(".eml"))
    if check:
        for rel in differ + stale:
            print(f"differs: {rel}")
        print(f"{n_eml} messages; {len(differ) + len(stale)} file(s) differ")
        return 1 if differ or stale else 0
    print(f"{n_eml} messages, {len(c.files)} files; {len(differ)} written, {len(stale)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
