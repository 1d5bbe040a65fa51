"""Shared by crash.py and outage.py: a scratch suratd installation on the test mail stack,
letters sent through Postfix, and the final accounting from the database and the mailboxes.

Needs the stack running (tests/mailstack/start.sh) with its SURATD_MAILSTACK_* variables,
and a built suratd (SURATD_BIN, default $CARGO_TARGET_DIR/debug/suratd).
"""
import email.parser
import email.policy
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "mailstack"))
import mslib  # noqa: E402

HELPDESK = "helpdesk@kampus.test"
REQUESTER = "pemohon@unit.kampus.test"
LEADER = "kepala@kampus.test"


def suratd_bin():
    if os.environ.get("SURATD_BIN"):
        return os.environ["SURATD_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "debug", "suratd")


def mailstack(script, *args):
    subprocess.run(["bash", os.path.join(REPO, "tests", "mailstack", script), *args],
                   check=True, stdout=subprocess.DEVNULL)


class Install:
    """A scratch installation: IMAP IDLE on the helpdesk INBOX, SMTP outbox to the MX port,
    the repository's rules and templates, the leader holding the helpdesk role."""

    def __init__(self, tag):
        self.tag = tag
        self.dir = tempfile.mkdtemp(prefix="suratd-crash-")
        self.db = os.path.join(self.dir, "var", "suratd.db")
        self.logfile = os.path.join(self.dir, "suratd.log")
        self.proc = None
        self.starts = 0
        e = os.environ
        config = f"""
[daemon]
database = "var/suratd.db"
rules = {json.dumps(os.path.join(REPO, "rules"))}
templates = {json.dumps(os.path.join(REPO, "templates"))}

[helpdesk]
address = "{HELPDESK}"
name = "Helpdesk TIK"

[[source]]
name = "helpdesk"
kind = "imap"
host = "{e.get("SURATD_MAILSTACK_HOST", "127.0.0.1")}"
port = {e["SURATD_MAILSTACK_IMAPS_PORT"]}
tls = "implicit"
ca-file = {json.dumps(mslib.CA)}
username = "{HELPDESK}"
password = "{mslib.PASSWORD}"
folders = ["INBOX"]
idle = true

[outbox]
transport = "smtp"
host = "{e.get("SURATD_MAILSTACK_HOST", "127.0.0.1")}"
port = {e["SURATD_MAILSTACK_SMTP_PORT"]}
tls = "none"
retry-base-seconds = 1
retry-max-seconds = 4

[[person]]
name = "Petugas Helpdesk"
email = "{LEADER}"
roles = ["helpdesk"]

[security]
token-secret = "crash-test-secret-0123456789abcdef"
"""
        with open(os.path.join(self.dir, "daemon.toml"), "w") as f:
            f.write(config)

    def start(self):
        log = open(self.logfile, "a")
        self.proc = subprocess.Popen(
            [suratd_bin(), "--config", os.path.join(self.dir, "daemon.toml"), "run"],
            cwd=self.dir, stdout=subprocess.DEVNULL, stderr=log,
            env={**os.environ, "RUST_LOG": "suratd=info", "NO_COLOR": "1"})
        log.close()
        self.starts += 1

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """SIGTERM; True when suratd exited cleanly."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:
            self.kill()
            return False

    def log(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()

    def query(self, sql, *params):
        if not os.path.exists(self.db):
            return []
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()


def letter(tag, n, automatic=False):
    """(Message-ID, bytes): an Office 365 licence request from pemohon+TAG-N; with
    `automatic`, an RFC 3834 auto-reply that must be recorded as ignored."""
    mid = f"{tag}-{n}@unit.kampus.test"
    sender = f"pemohon+{tag}-{n}@unit.kampus.test"
    extra = "Auto-Submitted: auto-replied\r\n" if automatic else ""
    subject = "Balasan otomatis: di luar kantor" if automatic else f"Permohonan lisensi Office 365 ({n})"
    raw = (f"From: Pemohon Uji <{sender}>\r\nTo: Helpdesk TIK <{HELPDESK}>\r\n"
           f"Subject: {subject}\r\nMessage-ID: <{mid}>\r\n"
           f"Date: Mon, 02 Mar 2026 09:00:00 +0700\r\n{extra}"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Dengan hormat,\r\nsaya mohon dibuatkan akun dan lisensi Microsoft Office 365.\r\n"
           f"Nama : Pemohon Uji {n}\r\nNIM : 2151502{n:06d}\r\nEmail : {sender}\r\n"
           "Fakultas : Fakultas Ilmu Komputer\r\n\r\nHormat saya,\r\nPemohon Uji\r\n")
    return mid, raw.encode()


class Sender:
    """Sends letters through Postfix on one connection, reconnecting (and waiting) when the
    server is away. `via_imap` puts them straight into the helpdesk INBOX instead."""

    def __init__(self):
        self.conn = None

    def send(self, raw, via_imap=False):
        while True:
            try:
                if via_imap:
                    m = mslib.imap(HELPDESK, "ssl")
                    try:
                        typ, _ = m.append("INBOX", None, None, raw)
                        assert typ == "OK", typ
                    finally:
                        m.logout()
                    return
                if self.conn is None:
                    self.conn = mslib.smtp()
                self.conn.sendmail(f"bounce@unit.kampus.test", [HELPDESK], raw)
                return
            except Exception:
                try:
                    if self.conn is not None:
                        self.conn.close()
                except Exception:
                    pass
                self.conn = None
                time.sleep(0.2)  # the server is away: try again

    def close(self):
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:
                pass


def mailbox(user):
    """In-Reply-To of every message in USER's INBOX (headers only, read-only)."""
    m = mslib.imap(user)
    try:
        typ, data = m.select("INBOX", readonly=True)
        if int(data[0]) == 0:
            return []
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (IN-REPLY-TO MESSAGE-ID)])")
        out = []
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        for item in data:
            if isinstance(item, tuple):
                h = parser.parsebytes(item[1])
                out.append((h.get("In-Reply-To") or "").strip().strip("<>"))
        return out
    finally:
        m.logout()


def settled(inst, tag, sent):
    """True when nothing is in flight: every letter sent is stored and processed, every
    queued email sent, and every sent email delivered."""
    like = f"%{tag}-%"
    done = inst.query("SELECT COUNT(*) FROM messages WHERE message_id LIKE ? AND state = 'done'", like)
    if not done or done[0][0] < sent:
        return False
    unsent = inst.query("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'")[0][0]
    if unsent:
        return False
    queued = inst.query("SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                        "JOIN messages m ON m.id = t.source_message WHERE m.message_id LIKE ?", like)[0][0]
    delivered = sum(1 for r in mailbox(REQUESTER) + mailbox(LEADER) if tag in r)
    return delivered >= queued


def wait_settled(inst, tag, sent, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if settled(inst, tag, sent):
            return True
        time.sleep(0.5)  # polling the database and IMAP, not synchronising
    return False


def account(inst, tag, letters):
    """The figures: letters is [(message_id, automatic)]."""
    like = f"%{tag}-%"
    rows = inst.query("SELECT message_id, state, outcome FROM messages WHERE message_id LIKE ?", like)
    stored = {}
    for mid, state, outcome in rows:
        stored.setdefault(mid, []).append((state, outcome))
    tickets = {}
    for (mid,) in inst.query("SELECT m.message_id FROM tickets t JOIN messages m "
                             "ON m.id = t.source_message WHERE m.message_id LIKE ?", like):
        tickets[mid] = tickets.get(mid, 0) + 1
    acks, dispositions = {}, {}
    for box, counts in ((REQUESTER, acks), (LEADER, dispositions)):
        for r in mailbox(box):
            if tag in r:
                counts[r] = counts.get(r, 0) + 1
    tokens_twice = inst.query("SELECT COUNT(*) FROM (SELECT ticket_id, step FROM approval_tokens "
                              "GROUP BY ticket_id, step HAVING COUNT(*) > 1)")[0][0]
    f = {"letters": len(letters), "lost": 0, "wrong_outcome": 0, "duplicate_messages": 0,
         "duplicate_tickets": 0, "missing_emails": 0, "duplicate_emails": 0,
         "tokens_issued_twice": tokens_twice, "ignored": 0, "tickets": 0}
    for mid, automatic in letters:
        s = stored.get(mid, [])
        if not s or any(state != "done" for state, _ in s):
            f["lost"] += 1
            continue
        f["duplicate_messages"] += len(s) - 1
        expected = "ignored" if automatic else "new_ticket"
        if s[0][1] != expected:
            f["wrong_outcome"] += 1
        if automatic:
            f["ignored"] += 1
            f["duplicate_tickets"] += tickets.get(mid, 0)
            f["duplicate_emails"] += acks.get(mid, 0) + dispositions.get(mid, 0)
            continue
        n = tickets.get(mid, 0)
        f["tickets"] += min(n, 1)
        f["duplicate_tickets"] += max(0, n - 1)
        for counts in (acks, dispositions):
            c = counts.get(mid, 0)
            f["missing_emails"] += 1 if c == 0 else 0
            f["duplicate_emails"] += max(0, c - 1)
    log = inst.log()
    sends = [int(w) for w in re.findall(r"send_us=(\d+)", log)]
    if sends:
        f["send_ms"] = {"median": round(statistics.median(sends) / 1000, 1),
                        "sum_s": round(sum(sends) / 1e6, 1)}
    windows = [int(w) for w in re.findall(r"window_us=(\d+)", log)]
    if windows:
        windows.sort()
        f["window_us"] = {"emails": len(windows), "median": int(statistics.median(windows)),
                          "p99": windows[int(len(windows) * 0.99) - 1 if len(windows) > 1 else 0],
                          "max": windows[-1], "sum_ms": round(sum(windows) / 1000, 1)}
    return f
