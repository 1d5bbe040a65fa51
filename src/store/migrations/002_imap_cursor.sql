-- suratd schema, version 2: where each IMAP folder was read up to.
--
-- One row per (source, folder): every message of the folder with a UID at or below `last_uid`
-- under `uidvalidity` is committed to `messages` (RFC 3501 §2.3.1.1: a UID means nothing
-- without its UIDVALIDITY). A restart fetches only the UIDs above it; a new UIDVALIDITY means
-- the folder is read again from UID 1, and the dedupe key keeps that from doubling anything.
CREATE TABLE imap_cursors (
    source      TEXT NOT NULL,                 -- the [[source]] name, e.g. "helpdesk"
    folder      TEXT NOT NULL,                 -- e.g. "INBOX"
    uidvalidity INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
    last_uid    INTEGER NOT NULL CHECK (last_uid BETWEEN 0 AND 4294967295),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (source, folder)
);
