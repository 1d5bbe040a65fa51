#!/usr/bin/env python3
"""Send a message into the test mail stack over SMTP (the MX-like port, no auth, by default).

  send.py --to helpdesk@kampus.test --subject "Permohonan" --body "..."
  send.py --to kepala+a-tok123@kampus.test --cc x@gmail.com --header "In-Reply-To: <id@x>"
  send.py --eml letter.eml                    # sent byte for byte; recipients from To/Cc/Bcc
  send.py --eml - --to helpdesk@kampus.test   # stdin, explicit envelope recipients
  send.py --auth staf@kampus.test ...         # submission port: STARTTLS + AUTH as that user

Prints one JSON line {message_id, from, rcpts, seconds}; exit 1 if any recipient was refused.
"""
import argparse
import email.message
import email.policy
import email.utils
import json
import sys
import time
from email.parser import BytesParser

import mslib

DEFAULT_FROM = "pemohon@unit.kampus.test"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--to", action="append", default=[])
    ap.add_argument("--cc", action="append", default=[])
    ap.add_argument("--bcc", action="append", default=[], help="envelope only, no header")
    ap.add_argument("--from", dest="sender", help="default: the .eml's From, else pemohon@unit.kampus.test")
    ap.add_argument("--subject", default="test")
    ap.add_argument("--body", default="test message\n")
    ap.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    ap.add_argument("--message-id", help="default: a fresh one")
    ap.add_argument("--eml", help=".eml file to send as it is ('-' = stdin)")
    ap.add_argument("--auth", metavar="USER", help="use the submission port, AUTH as USER")
    a = ap.parse_args()

    if a.eml:
        raw = sys.stdin.buffer.read() if a.eml == "-" else open(a.eml, "rb").read()
        head = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
        rcpts = a.to + a.cc + a.bcc
        if not rcpts:
            fields = head.get_all("To", []) + head.get_all("Cc", []) + head.get_all("Bcc", [])
            rcpts = [addr for _, addr in email.utils.getaddresses(fields) if addr]
        sender = a.sender or email.utils.parseaddr(head.get("From", ""))[1] or DEFAULT_FROM
        message_id = head.get("Message-ID")
    else:
        m = email.message.EmailMessage()
        sender = a.sender or DEFAULT_FROM
        m["From"] = sender
        if a.to:
            m["To"] = ", ".join(a.to)
        if a.cc:
            m["Cc"] = ", ".join(a.cc)
        m["Subject"] = a.subject
        m["Date"] = email.utils.formatdate(localtime=True)
        m["Message-ID"] = a.message_id or email.utils.make_msgid(domain="client.test")
        for h in a.header:
            name, _, value = h.partition(":")
            m[name.strip()] = value.strip()
        m.set_content(a.body)
        raw = m.as_bytes(policy=email.policy.SMTP)
        rcpts = a.to + a.cc + a.bcc
        message_id = m["Message-ID"]
    if not rcpts:
        ap.error("no recipients (--to/--cc/--bcc, or To/Cc/Bcc in the .eml)")

    t0 = time.monotonic()
    with mslib.smtp(a.auth) as s:
        try:
            refused = s.sendmail(sender, rcpts, raw)
        except Exception as e:  # all recipients refused, or the message
            print(json.dumps({"error": str(e), "rcpts": rcpts}), flush=True)
            return 1
    refused = {k: f"{v[0]} {v[1].decode(errors='replace')}" for k, v in refused.items()}
    out = {"message_id": message_id, "from": sender, "rcpts": rcpts,
           "seconds": round(time.monotonic() - t0, 4)}
    if refused:
        out["refused"] = refused
    print(json.dumps(out), flush=True)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
