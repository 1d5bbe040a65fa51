"""Shared by send.py, dump.py and idle.py: settings from the environment, IMAP/SMTP connections.

Python 3 standard library only. The settings are the SURATD_MAILSTACK_* variables that lib.sh and
env.sh use, with the same defaults.
"""
import email.header
import imaplib
import os
import smtplib
import socket
import ssl

HOST = "127.0.0.1"
DIR = os.environ.get("SURATD_MAILSTACK_DIR", "/tmp/suratd-mailstack").rstrip("/")
IMAP_PORT = int(os.environ.get("SURATD_MAILSTACK_IMAP_PORT", "11143"))
IMAPS_PORT = int(os.environ.get("SURATD_MAILSTACK_IMAPS_PORT", "11993"))
SMTP_PORT = int(os.environ.get("SURATD_MAILSTACK_SMTP_PORT", "12525"))
SUBMISSION_PORT = int(os.environ.get("SURATD_MAILSTACK_SUBMISSION_PORT", "11587"))
PASSWORD = os.environ.get("SURATD_MAILSTACK_PASSWORD", "secret")
CA = os.path.join(DIR, "tls", "ca.crt")


def tls_context():
    """A context that trusts only the stack's test CA (and checks the host name)."""
    return ssl.create_default_context(cafile=CA)


def imap(user, tls="none"):
    """A logged-in imaplib connection. tls: none, starttls or ssl (IMAPS port)."""
    if tls == "ssl":
        m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=tls_context(), timeout=30)
    else:
        m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=30)
        if tls == "starttls":
            m.starttls(ssl_context=tls_context())
    m.login(user, PASSWORD)
    return m


def smtp(auth_user=None):
    """An SMTP connection: the MX-like port, or with auth_user the submission port (STARTTLS + AUTH)."""
    if auth_user is None:
        return smtplib.SMTP(HOST, SMTP_PORT, local_hostname="client.test", timeout=30)
    s = smtplib.SMTP(HOST, SUBMISSION_PORT, local_hostname="client.test", timeout=30)
    s.starttls(context=tls_context())
    s.login(auth_user, PASSWORD)
    return s


def decode(value):
    """An RFC 2047 header value as text (None stays None)."""
    if value is None:
        return None
    return str(email.header.make_header(email.header.decode_header(str(value))))


class RawIMAP:
    """A line-level IMAP client over a socket, for what imaplib cannot do (IDLE before 3.14)."""

    def __init__(self, user, tls="none", timeout=30):
        sock = socket.create_connection((HOST, IMAPS_PORT if tls == "ssl" else IMAP_PORT), timeout)
        if tls == "ssl":
            sock = tls_context().wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.buf = b""
        self.n = 0
        self.readline()  # greeting
        self.command(f'LOGIN "{user}" "{PASSWORD}"')

    def readline(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("IMAP server closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def command(self, text):
        """Send a tagged command; return its untagged lines. Raises unless the answer is OK."""
        self.n += 1
        tag = f"t{self.n}"
        self.send(f"{tag} {text}")
        lines = []
        while True:
            line = self.readline()
            if line.startswith(tag + " "):
                if not line[len(tag) + 1:].startswith("OK"):
                    raise RuntimeError(f"{text.split()[0]}: {line}")
                return lines
            lines.append(line)

    def close(self):
        try:
            self.send("z LOGOUT")
        except OSError:
            pass
        self.sock.close()
