"""A small, deterministic MIME writer for the test corpus.

The standard library's email generator is not used to *write* messages because its output
(boundaries, folding, header order) depends on the Python version; here every byte is chosen by
the caller. Lines end in CRLF. Nothing here reads the clock or a random source: boundaries and
Message-IDs are derived from names given by the caller (see ``hexid``).
"""

import base64
import datetime
import hashlib

HELPDESK = ("Helpdesk TIK", "helpdesk@kampus.ac.id")

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def date(y, mo, d, h, mi, s=0, tz="+0700"):
    """An RFC 5322 date with the right weekday, e.g. ``Mon, 5 Jan 2026 08:12:44 +0700``."""
    wd = _DAYS[datetime.date(y, mo, d).weekday()]
    return f"{wd}, {d} {_MONTHS[mo - 1]} {y} {h:02d}:{mi:02d}:{s:02d} {tz}"


def hexid(seed, n=16):
    """Deterministic hex string derived from ``seed``."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:n]


# ---------------------------------------------------------------------------------------------
# Header encoding


def is_ascii(s):
    return all(ord(c) < 128 for c in s)


def encoded_words(text, charset="utf-8", enc="B"):
    """Splits ``text`` into RFC 2047 encoded words of at most 75 characters each."""
    label = "UTF-8" if charset.lower() == "utf-8" else charset
    prefix = f"=?{label}?{enc}?"
    words, cur = [], ""

    def enc_one(s):
        raw = s.encode(charset)
        if enc == "B":
            return base64.b64encode(raw).decode("ascii")
        out = []
        for b in raw:
            if b == 0x20:
                out.append("_")
            elif (0x30 <= b <= 0x39) or (0x41 <= b <= 0x5A) or (0x61 <= b <= 0x7A) or b in b"!*+-/":
                out.append(chr(b))
            else:
                out.append(f"={b:02X}")
        return "".join(out)

    for ch in text:
        trial = cur + ch
        if cur and len(prefix) + len(enc_one(trial)) + 2 > 75:
            words.append(prefix + enc_one(cur) + "?=")
            cur = ch
        else:
            cur = trial
    if cur:
        words.append(prefix + enc_one(cur) + "?=")
    return words


def fold(name, value):
    """Folds a header at spaces so that lines stay under 78 characters where possible."""
    line = f"{name}: "
    out = []
    for i, tok in enumerate(value.split(" ")):
        piece = tok if i == 0 else " " + tok
        if i > 0 and len(line) + len(piece) > 78 and line.strip():
            out.append(line)
            line = piece
        else:
            line += piece
    out.append(line)
    return "\r\n".join(out)


def addr(name, email, charset="utf-8", enc="B"):
    """``Name <email>``, quoting or encoding the display name when needed."""
    if not name:
        return f"<{email}>" if email else "<>"
    if not is_ascii(name):
        return " ".join(encoded_words(name, charset, enc)) + f" <{email}>"
    if any(c in name for c in ',.;:()<>@[]"\\'):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{email}>'
    return f"{name} <{email}>"


def subject_value(subject, charset="utf-8", enc="B"):
    if is_ascii(subject):
        return subject
    return " ".join(encoded_words(subject, charset, enc))


# ---------------------------------------------------------------------------------------------
# Body encodings


def qp_encode(data):
    """Quoted-printable (RFC 2045) of bytes whose lines end in LF; output lines end in CRLF."""
    out = []
    for line in data.split(b"\n"):
        toks = []
        for i, b in enumerate(line):
            if b == 0x3D or b > 126 or (b < 32 and b != 9):
                toks.append(b"=%02X" % b)
            elif b in (9, 32) and i == len(line) - 1:
                toks.append(b"=%02X" % b)
            else:
                toks.append(bytes([b]))
        cur = b""
        for t in toks:
            if len(cur) + len(t) > 75:
                out.append(cur + b"=")
                cur = b""
            cur += t
        out.append(cur)
    return b"\r\n".join(out)


def b64_encode(data):
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ---------------------------------------------------------------------------------------------
# Parts


class Part:
    """One MIME entity: a leaf (``body`` bytes, already in canonical form) or a multipart."""

    def __init__(self, ctype, params=(), body=b"", cte=None, headers=(), parts=None, boundary=None,
                 preamble=None, epilogue=None):
        self.ctype = ctype
        self.params = list(params)
        self.body = body
        self.cte = cte
        self.headers = list(headers)
        self.parts = parts
        self.boundary = boundary
        self.preamble = preamble
        self.epilogue = epilogue

    def header_lines(self):
        params = list(self.params)
        if self.parts is not None:
            params.append(("boundary", self.boundary))
        ct = self.ctype
        for k, v in params:
            ct += f'; {k}="{v}"' if v is not None else f"; {k}"
        lines = [fold("Content-Type", ct)]
        if self.cte:
            lines.append(f"Content-Transfer-Encoding: {self.cte}")
        lines.extend(f"{k}: {v}" for k, v in self.headers)
        return lines

    def encoded_body(self):
        if self.parts is None:
            if self.cte == "base64":
                return b64_encode(self.body)
            if self.cte == "quoted-printable":
                return qp_encode(self.body.replace(b"\r\n", b"\n"))
            return self.body
        out = b""
        if self.preamble:
            out += crlf(self.preamble.encode("ascii")) + b"\r\n"
        for p in self.parts:
            out += b"--" + self.boundary.encode("ascii") + b"\r\n" + p.to_bytes() + b"\r\n"
        out += b"--" + self.boundary.encode("ascii") + b"--\r\n"
        if self.epilogue:
            out += crlf(self.epilogue.encode("ascii"))
        return out

    def to_bytes(self):
        head = "\r\n".join(self.header_lines()).encode("ascii") + b"\r\n\r\n"
        body = self.encoded_body()
        if self.parts is None and not body.endswith(b"\r\n"):
            body += b"\r\n"
        return head + body


def text(s, subtype="plain", charset="utf-8", cte="auto", params=(), headers=()):
    """A text part. ``s`` uses LF line ends; it is stored with CRLF."""
    raw = s.encode(charset)
    if cte == "auto":
        long_line = max((len(l) for l in s.split("\n")), default=0) > 76
        cte = "quoted-printable" if (not is_ascii(s) or long_line) else "7bit"
    body = crlf(raw)
    cs = charset if charset.lower() != "utf-8" else "UTF-8"
    return Part(f"text/{subtype}", [("charset", cs)] + list(params), body, cte, headers)


def attachment(data, ctype, filename, style="plain", cte="base64", extra_headers=()):
    """An attachment. ``style``: ``plain`` (ASCII name), ``rfc2231`` (filename*=UTF-8''…), or
    ``encoded-word`` (Outlook-style ``name="=?UTF-8?B?…?="``)."""
    if style == "rfc2231":
        from urllib.parse import quote
        q = quote(filename.encode("utf-8"), safe="")
        ct_params = [("name", filename.encode("ascii", "replace").decode().replace("?", "_"))]
        disp = f"attachment; filename*=UTF-8''{q}"
    elif style == "encoded-word":
        ew = " ".join(encoded_words(filename))
        ct_params = [("name", ew)]
        disp = f'attachment; filename="{ew}"'
    else:
        ct_params = [("name", filename)]
        disp = f'attachment; filename="{filename}"'
    headers = [("Content-Disposition", disp)] + list(extra_headers)
    p = Part(ctype, ct_params, data, cte, [])
    p.headers = headers
    return p


def multipart(subtype, parts, boundary, params=(), preamble=None):
    return Part(f"multipart/{subtype}", params, parts=parts, boundary=boundary, preamble=preamble)


def message_bytes(headers, body):
    """Top-level header lines (list of (name, value) or preformatted strings) + a body part."""
    lines = []
    for h in headers:
        if isinstance(h, str):
            lines.append(h)
        else:
            name, value = h
            lines.append(fold(name, value))
    lines.extend(body.header_lines())
    head = "\r\n".join(lines).encode("ascii") + b"\r\n\r\n"
    b = body.encoded_body()
    if body.parts is None and not b.endswith(b"\r\n"):
        b += b"\r\n"
    return head + b


def html_of(s):
    """Gmail-style HTML twin of a plain text body."""
    import html as _html
    out = []
    for line in s.rstrip("\n").split("\n"):
        out.append(f"<div>{_html.escape(line)}</div>" if line else "<div><br></div>")
    return '<div dir="ltr">' + "".join(out) + "</div>\n"


def mail(*, frm, subject, date, msgid, to=(HELPDESK,), cc=(), body=None, html=None, charset="utf-8",
         cte="auto", html_cte="quoted-printable", attachments=(), extra=(), subject_header=None,
         in_reply_to=None, references=None, client="gmail", received=True, alternative=False,
         from_charset="utf-8", from_enc="B", return_path=None, mime_version=True, flowed=False):
    """A typical request letter as sent by a common client.

    ``body`` plain text; ``html`` HTML text (``True`` = derive it from ``body``, Gmail-style);
    ``attachments`` list of Parts. ``client`` picks the header style and the boundary shape.
    """
    name, email = frm
    seed = msgid
    if client == "outlook":
        bnd = lambda k: f"_{k:03d}_{hexid(seed + str(k), 20).upper()}_"
    elif client == "thunderbird":
        bnd = lambda k: f"------------{hexid(seed + str(k), 24)}"
    else:
        bnd = lambda k: f"000000000000{hexid(seed + str(k), 16)}"

    if html is True:
        html = html_of(body)
    leaves = []
    if body is not None:
        if flowed:
            leaves.append(text(flow(body), "plain", charset, cte,
                               params=[("format", "flowed")]))
        else:
            leaves.append(text(body, "plain", charset, cte))
    if html is not None:
        leaves.append(text(html, "html", charset, html_cte))
    if len(leaves) == 2:
        content = multipart("alternative", leaves, bnd(1))
    else:
        content = leaves[0]
    if attachments:
        content = multipart("mixed", [content] + list(attachments), bnd(0))

    domain = email.split("@")[1] if "@" in email else "localhost"
    h = []
    rp = email if return_path is None else return_path
    h.append(("Return-Path", f"<{rp}>"))
    if received:
        relay = {"gmail": "mail-pl1-f170.google.com [209.85.214.170]",
                 "outlook": "mail-sgaapc01on2071.outbound.protection.outlook.com [40.107.215.71]",
                 "thunderbird": f"mail.{domain} [103.23.20.{int(hexid(seed, 2), 16) % 200 + 10}]"}[client]
        host, ip = relay.split(" ")
        h.append(f"Received: from {host}\r\n\t({host} {ip})"
                 f"\r\n\tby mx.kampus.ac.id (Postfix) with ESMTPS id {hexid(seed + 'q', 10).upper()}"
                 f"\r\n\tfor <helpdesk@kampus.ac.id>; {date}")
    if mime_version and client == "gmail":
        h.append(("MIME-Version", "1.0"))
    if client == "outlook":
        h.append(("From", addr(name, email, from_charset, from_enc)))
        h.append(("To", ", ".join(addr(n, e) for n, e in to)))
        if cc:
            h.append(("CC", ", ".join(addr(n, e) for n, e in cc)))
        h.append(("Subject", subject_header or subject_value(subject)))
        h.append(("Thread-Topic", subject_header or subject_value(subject)))
        h.append(("Date", date))
        h.append(("Message-ID", f"<{msgid}>"))
        if in_reply_to:
            h.append(("In-Reply-To", in_reply_to))
        if references:
            h.append(references if "\r\n" in references else ("References", references))
        h.append(("Accept-Language", "id-ID, en-US"))
        h.append(("Content-Language", "id-ID"))
        h.extend(extra)
        if mime_version:
            h.append(("MIME-Version", "1.0"))
    else:
        if client == "thunderbird":
            h.append(("Message-ID", f"<{msgid}>"))
            h.append(("Date", date))
            if mime_version:
                h.append(("MIME-Version", "1.0"))
            h.append(("User-Agent", "Mozilla Thunderbird"))
            h.append(("Content-Language", "id"))
            h.append(("To", ", ".join(addr(n, e) for n, e in to)))
            if cc:
                h.append(("Cc", ", ".join(addr(n, e) for n, e in cc)))
            h.append(("From", addr(name, email, from_charset, from_enc)))
            h.append(("Subject", subject_header or subject_value(subject)))
        else:
            h.append(("Date", date))
            h.append(("Message-ID", f"<{msgid}>"))
            if in_reply_to:
                h.append(("In-Reply-To", in_reply_to))
            if references:
                h.append(references if "\r\n" in references else ("References", references))
            h.append(("Subject", subject_header or subject_value(subject)))
            h.append(("From", addr(name, email, from_charset, from_enc)))
            h.append(("To", ", ".join(addr(n, e) for n, e in to)))
            if cc:
                h.append(("Cc", ", ".join(addr(n, e) for n, e in cc)))
        if client == "thunderbird":
            if in_reply_to:
                h.append(("In-Reply-To", in_reply_to))
            if references:
                h.append(references if "\r\n" in references else ("References", references))
        h.extend(extra)
    return message_bytes(h, content)


def flow(s, width=72):
    """RFC 3676 format=flowed: paragraphs wrapped at ``width`` with a trailing space on each
    soft break (as Thunderbird sends). Lines that fit are left alone."""
    out = []
    for line in s.split("\n"):
        if len(line) <= width or line.startswith(">"):
            out.append(line)
            continue
        words = line.split(" ")
        cur = ""
        for w in words:
            if cur and len(cur) + 1 + len(w) > width:
                out.append(cur + " ")
                cur = w
            else:
                cur = (cur + " " + w) if cur else w
        out.append(cur)
    return "\n".join(out)


def gmail_id(seed):
    """A Gmail-looking Message-ID (without brackets)."""
    return f"CA{hexid(seed, 6).upper()}+{hexid(seed + 'm', 24)}@mail.gmail.com"


def outlook_id(seed):
    core = hexid(seed, 12).upper()
    return f"SG2PR06MB{core}{hexid(seed + 'o', 8).upper()}@SG2PR06MB{core[:4]}.apcprd06.prod.outlook.com"


def local_id(seed, domain):
    return f"{hexid(seed, 8)}-{hexid(seed + 'l', 4)}-{hexid(seed + 'k', 12)}@{domain}"
