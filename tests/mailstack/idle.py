#!/usr/bin/env python3
"""Wait in IMAP IDLE until the user's INBOX grows, with a raw IMAP client (imaplib has no IDLE).

  idle.py --user helpdesk@kampus.test --send     # IDLE, send one message by SMTP, wait for the push
  idle.py --user helpdesk@kampus.test --timeout 30   # just wait for new mail
  idle.py --user helpdesk@kampus.test --send --poll  # poll STATUS every 10 ms instead of IDLE:
                                                    # the SMTP -> IMAP delivery time itself

Prints one JSON line {user, before, exists, seconds}: with IDLE, seconds from the SMTP send
returning (or from the server's "+ idling") to the "* N EXISTS" push; with --poll, from the start
of the SMTP send to the message being counted. Exit 2 on timeout.
"""
import argparse
import json
import re
import socket
import sys
import time

import mslib


def send_probe(user):
    with mslib.smtp() as s:
        s.sendmail("pemohon@unit.kampus.test", [user],
                   f"From: pemohon@unit.kampus.test\r\nTo: {user}\r\nSubject: probe\r\n\r\nprobe\r\n")


def poll(a):
    c = mslib.RawIMAP(a.user, a.tls)
    count = lambda: int(re.search(r"MESSAGES (\d+)", c.command("STATUS INBOX (MESSAGES)")[0]).group(1))
    before = count()
    t0 = time.monotonic()
    if a.send:
        send_probe(a.user)
    exists = None
    while time.monotonic() - t0 < a.timeout:
        n = count()
        if n > before:
            exists = n
            break
        time.sleep(0.01)
    seconds = round(time.monotonic() - t0, 4)
    c.close()
    print(json.dumps({"user": a.user, "before": before, "exists": exists, "seconds": seconds}))
    return 0 if exists is not None else 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", required=True)
    ap.add_argument("--tls", choices=["none", "ssl"], default="none")
    ap.add_argument("--send", action="store_true", help="send a message to --user once IDLE runs")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--poll", action="store_true", help="poll STATUS instead of IDLE")
    a = ap.parse_args()
    if a.poll:
        return poll(a)

    c = mslib.RawIMAP(a.user, a.tls)
    before = next(int(m.group(1)) for line in c.command("SELECT INBOX")
                  if (m := re.match(r"\* (\d+) EXISTS", line)))
    c.send("i IDLE")
    while not c.readline().startswith("+"):
        pass
    t0 = time.monotonic()
    if a.send:
        send_probe(a.user)
        t0 = time.monotonic()
    deadline = t0 + a.timeout
    exists = None
    try:
        while exists is None:
            c.sock.settimeout(max(0.01, deadline - time.monotonic()))
            m = re.match(r"\* (\d+) EXISTS", c.readline())
            if m and int(m.group(1)) > before:
                exists = int(m.group(1))
    except (socket.timeout, TimeoutError):
        pass
    seconds = round(time.monotonic() - t0, 4)
    c.sock.settimeout(5)
    if exists is not None:
        c.send("DONE")
    c.close()
    print(json.dumps({"user": a.user, "before": before, "exists": exists, "seconds": seconds}))
    if exists is None:
        print(f"idle.py: no EXISTS push within {a.timeout} s", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
