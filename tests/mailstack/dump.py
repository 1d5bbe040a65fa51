#!/usr/bin/env python3
"""List a user's mailbox as JSON lines, one per message, over IMAP (read-only: BODY.PEEK, EXAMINE).

  dump.py --user helpdesk@kampus.test
  dump.py --user catchall@kampus.test --wait 3 --timeout 10   # poll until >= 3 messages
  dump.py --user kepala@kampus.test --mailbox Processed --body

Each line: uid, uidvalidity, flags, subject, from, to, cc, message_id, in_reply_to, references,
delivered_to, auto_submitted (and body: the first text/plain part, with --body).
Exit 2 if --wait is not met within --timeout (what is there is printed all the same).
"""
import argparse
import email.policy
import json
import re
import sys
import time
from email.parser import BytesParser

import mslib


def fetch(user, mailbox, tls, with_body):
    m = mslib.imap(user, tls)
    try:
        typ, data = m.select(f'"{mailbox}"', readonly=True)
        if typ != "OK":
            raise SystemExit(f"dump.py: cannot open {mailbox!r} of {user}: {data}")
        uidvalidity = int(m.response("UIDVALIDITY")[1][0])
        if int(data[0]) == 0:
            return []
        typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        out = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            meta = item[0].decode()
            uid = int(re.search(r"UID (\d+)", meta).group(1))
            flags = re.search(r"FLAGS \(([^)]*)\)", meta)
            out.append(describe(uid, uidvalidity, flags.group(1).split() if flags else [], item[1], with_body))
        return out
    finally:
        m.logout()


def describe(uid, uidvalidity, flags, raw, with_body):
    msg = BytesParser(policy=email.policy.compat32).parsebytes(raw)
    h = lambda name: mslib.decode(msg.get(name)) if msg.get(name) is not None else None
    d = {
        "uid": uid,
        "uidvalidity": uidvalidity,
        "flags": flags,
        "subject": h("Subject"),
        "from": h("From"),
        "to": h("To"),
        "cc": h("Cc"),
        "message_id": h("Message-ID"),
        "in_reply_to": h("In-Reply-To"),
        "references": h("References"),
        # the one the final delivery added is on top
        "delivered_to": h("Delivered-To"),
        "auto_submitted": h("Auto-Submitted"),
        "size": len(raw),
    }
    if with_body:
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
        body = None
        if part is not None:
            payload = part.get_payload(decode=True) or b""
            body = payload.decode(part.get_content_charset() or "utf-8", "replace")
        d["body"] = body
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", required=True)
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--tls", choices=["none", "starttls", "ssl"], default="none")
    ap.add_argument("--body", action="store_true", help="add the first text/plain part")
    ap.add_argument("--wait", type=int, default=0, metavar="N", help="poll until at least N messages")
    ap.add_argument("--timeout", type=float, default=10.0, metavar="S")
    a = ap.parse_args()

    deadline = time.monotonic() + a.timeout
    while True:
        msgs = fetch(a.user, a.mailbox, a.tls, a.body)
        if len(msgs) >= a.wait or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    for d in msgs:
        print(json.dumps(d, ensure_ascii=False))
    if len(msgs) < a.wait:
        print(f"dump.py: {a.user} {a.mailbox}: {len(msgs)} of {a.wait} messages after {a.timeout} s",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
