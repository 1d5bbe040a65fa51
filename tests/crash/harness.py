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
STAFF = "staf@kampus.test"
TOKEN_SUBJECT = re.compile(r"\[(\S+) (a-[A-Za-z0-9_-]+)\]")


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

[[person]]
name = "Staf Layanan TIK"
email = "{STAFF}"
roles = ["staf"]

[security]
token-secret = "crash-test-secret-0123456789abcdef"
trusted-authserv-ids = ["mx.kampus.test"]
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

    def send(self, raw, via_imap=False, to=HELPDESK):
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
                self.conn.sendmail("bounce@unit.kampus.test", [to], raw)
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
    return [irt for irt, _, _ in mailbox_full(user)]


def mailbox_full(user):
    """(In-Reply-To, Subject, Message-ID) of every message in USER's INBOX."""
    m = mslib.imap(user)
    try:
        typ, data = m.select("INBOX", readonly=True)
        if int(data[0]) == 0:
            return []
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (IN-REPLY-TO MESSAGE-ID SUBJECT)])")
        out = []
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        for item in data:
            if isinstance(item, tuple):
                h = parser.parsebytes(item[1])
                out.append(((h.get("In-Reply-To") or "").strip().strip("<>"),
                            mslib.decode(h.get("Subject") or ""),
                            (h.get("Message-ID") or "").strip().strip("<>")))
        return out
    finally:
        m.logout()


def settled(inst, tag, sent):
    """True when nothing is in flight: every letter sent is stored and processed, every
    queued email sent, and every sent email delivered."""
    like = f"{tag}-%"
    done = inst.query("SELECT COUNT(*) FROM messages WHERE message_id LIKE ? AND state = 'done'", like)
    if not done or done[0][0] < sent:
        return False
    unsent = inst.query("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'")[0][0]
    if unsent:
        return False
    queued = inst.query("SELECT COUNT(*) FROM outbox")[0][0]
    delivered = sum(len(mailbox(u)) for u in (REQUESTER, LEADER, STAFF))
    return delivered >= queued


def wait_settled(inst, tag, sent, timeout, also=lambda: True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if settled(inst, tag, sent) and also():
            return True
        time.sleep(0.5)  # polling the database and IMAP, not synchronising
    return False


def account(inst, tag, letters):
    """The figures: letters is [(message_id, automatic)]."""
    like = f"{tag}-%"
    rows = inst.query("SELECT message_id, state, outcome FROM messages WHERE message_id LIKE ?", like)
    stored = {}
    for mid, state, outcome in rows:
        stored.setdefault(mid, []).append((state, outcome))
    tickets = {}
    for (mid,) in inst.query("SELECT m.message_id FROM tickets t JOIN messages m "
                             "ON m.id = t.source_message WHERE m.message_id LIKE ?", like):
        tickets[mid] = tickets.get(mid, 0) + 1
    # Our emails have a Message-ID fixed per ticket and purpose: a copy delivered twice is a
    # doubled email. Threading (In-Reply-To) ties the first answers to the letter.
    copies, answered_in = {}, {}
    for box in (REQUESTER, LEADER, STAFF):
        for irt, _, mid in mailbox_full(box):
            copies[mid] = copies.get(mid, 0) + 1
            answered_in.setdefault(irt, set()).add(box)
    tokens_twice = inst.query("SELECT COUNT(*) FROM (SELECT ticket_id, step FROM approval_tokens "
                              "GROUP BY ticket_id, step HAVING COUNT(*) > 1)")[0][0]
    f = {"letters": len(letters), "lost": 0, "wrong_outcome": 0, "duplicate_messages": 0,
         "duplicate_tickets": 0, "missing_emails": 0,
         "duplicate_emails": sum(c - 1 for c in copies.values()), "answered_automatic": 0,
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
            f["answered_automatic"] += 1 if answered_in.get(mid) else 0
            continue
        n = tickets.get(mid, 0)
        f["tickets"] += min(n, 1)
        f["duplicate_tickets"] += max(0, n - 1)
        # The acknowledgement to the requester, the disposition to the leader.
        f["missing_emails"] += len({REQUESTER, LEADER} - answered_in.get(mid, set()))
    log = inst.log()
    sends = [int(w) for w in re.findall(r"send_us=(\d+)", log)]
    if sends:
        f["send_ms"] = {"median": round(statistics.median(sends) / 1000, 1),
                        "sum_s": round(sum(sends) / 1e6, 1)}
    # One `marked sent` line per commit of sent marks: window_us runs from the 250 of the
    # oldest email of the commit to the commit.
    windows = [int(w) for w in re.findall(r"window_us=(\d+)", log)]
    # How many accepted emails awaited their mark after each send: a kill doubles at most
    # that many plus the one being handed over.
    unmarked = [int(u) for u in re.findall(r"unmarked=(\d+)", log)]
    f["max_unmarked"] = max(unmarked, default=0)
    if windows:
        windows.sort()
        f["window_us"] = {"commits": len(windows), "median": int(statistics.median(windows)),
                          "p99": windows[int(len(windows) * 0.99) - 1 if len(windows) > 1 else 0],
                          "max": windows[-1], "sum_ms": round(sum(windows) / 1000, 1)}
    return f


class Decider:
    """The leader: answers every disposition email in its mailbox with SETUJU to the token
    address, and (with `replay`) sends the same decision a second time, as a copy resent by
    a mail client would be: the token must work once."""

    def __init__(self, tag, replay=True):
        self.tag = tag
        self.replay = replay
        self.answered = set()
        self.sent = 0
        self.sender = Sender()

    def poll(self):
        for _, subject, mid in mailbox_full(LEADER):
            m = TOKEN_SUBJECT.search(subject)
            if not m or m.group(2) in self.answered:
                continue
            number, token = m.group(1), m.group(2)
            self.answered.add(token)
            for copy in range(2 if self.replay else 1):
                reply = (f"Authentication-Results: mx.kampus.test; dkim=pass header.d=kampus.test\r\n"
                         f"From: Petugas Helpdesk <{LEADER}>\r\nTo: {HELPDESK}\r\n"
                         f"Subject: Re: {subject}\r\n"
                         f"Message-ID: <dec-{self.tag}-{token}-{copy}@kampus.test>\r\n"
                         f"In-Reply-To: <{mid}>\r\n"
                         "Date: Mon, 02 Mar 2026 10:00:00 +0700\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n\r\nSETUJU\r\n")
                self.sender.send(reply.encode(), to=HELPDESK.replace("@", f"+{token}@"))
                self.sent += 1

    def processed(self, inst):
        n = inst.query("SELECT COUNT(*) FROM messages WHERE message_id LIKE ? AND state = 'done'",
                       f"dec-{self.tag}-%")
        return n[0][0] if n else 0


def decisions(inst, tag):
    """Per-ticket decision figures for the letters of TAG."""
    like = f"{tag}-%"
    rows = inst.query(
        "SELECT t.number, t.state, "
        " (SELECT COUNT(*) FROM events e WHERE e.ticket_id = t.id AND e.kind = 'approved'), "
        " (SELECT COUNT(*) FROM events e WHERE e.ticket_id = t.id AND e.kind = 'assigned') "
        "FROM tickets t JOIN messages m ON m.id = t.source_message WHERE m.message_id LIKE ?", like)
    tasks = {}
    for _, subject, _ in mailbox_full(STAFF):
        m = TOKEN_SUBJECT.search(subject)
        if m:
            tasks[m.group(1)] = tasks.get(m.group(1), 0) + 1
    used = inst.query("SELECT COUNT(*) FROM approval_tokens WHERE used_at IS NOT NULL")[0][0]
    f = {"approved": 0, "undecided": 0, "approved_twice": 0, "assigned_twice": 0,
         "missing_tasks": 0, "duplicate_tasks": 0, "tokens_used": used}
    for number, state, approved, assigned in rows:
        if approved == 0:
            f["undecided"] += 1
            continue
        f["approved"] += 1
        f["approved_twice"] += max(0, approved - 1)
        f["assigned_twice"] += max(0, assigned - 1)
        c = tasks.get(number, 0)
        f["missing_tasks"] += 1 if c == 0 else 0
        f["duplicate_tasks"] += max(0, c - 1)
    return f
