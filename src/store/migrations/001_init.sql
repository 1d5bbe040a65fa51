-- suratd schema, version 1.
-- Timestamps are RFC 3339 UTC text. States are TEXT with CHECK constraints (never free strings).

-- Raw messages, stored before anything else happens. One row per distinct message:
-- `dedupe_key` is a hash of Message-ID, From, Date, Subject and the body bytes, so the same
-- letter fetched twice (another folder, a UIDVALIDITY reset, a re-delivery with new trace
-- headers) is one row.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL UNIQUE,
    content_hash   TEXT NOT NULL,          -- sha256 of the raw bytes
    message_id     TEXT,                   -- the Message-ID header, without <>
    raw            BLOB NOT NULL,
    size           INTEGER NOT NULL,
    stored_at      TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    outcome        TEXT CHECK (outcome IN ('new_ticket', 'reply', 'approval', 'ignored', 'triage')),
    outcome_detail TEXT,
    ticket_id      INTEGER REFERENCES tickets(id),
    processed_at   TEXT
);
CREATE INDEX messages_pending ON messages(state) WHERE state = 'pending';
CREATE INDEX messages_message_id ON messages(message_id);

-- Where each message was seen: (source, position) is the source's own identity of a message,
-- e.g. ("inbox", "1700000000.M1P2.host") for Maildir or ("imap:helpdesk/INBOX", "uidvalidity:uid").
CREATE TABLE message_sources (
    source   TEXT NOT NULL,
    position TEXT NOT NULL,
    message  INTEGER NOT NULL REFERENCES messages(id),
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (source, position)
);

CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,   -- TIK-2026-000123
    kind           TEXT NOT NULL CHECK (kind IN ('request', 'triage')),
    rule_id        TEXT,
    state          TEXT NOT NULL CHECK (state IN ('triage', 'awaiting_requester', 'open',
                       'awaiting_approval', 'in_progress', 'resolved', 'rejected', 'closed')),
    step           TEXT,                   -- current step id of the rule
    requester      TEXT,                   -- email address
    requester_name TEXT,
    language       TEXT NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    subject        TEXT NOT NULL,
    fields         TEXT NOT NULL DEFAULT '{}',   -- JSON: name → {value, source}
    missing        TEXT NOT NULL DEFAULT '[]',   -- JSON list of strings
    invalid        TEXT NOT NULL DEFAULT '[]',   -- JSON list of {field, value, message}
    triage_reason  TEXT,
    source_message INTEGER REFERENCES messages(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX tickets_state ON tickets(state);

CREATE TABLE ticket_counters (
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- Message-IDs that belong to a ticket's thread (the letter, replies, our emails), so a reply
-- is found by In-Reply-To/References.
CREATE TABLE thread_ids (
    message_id TEXT PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id)
);

-- The audit log: append-only.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    message   INTEGER REFERENCES messages(id),
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ticket ON events(ticket_id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Emails to send, written in the same transaction as the change that caused them.
-- `dedupe_key` (e.g. "ack:TIK-2026-000001") makes queuing idempotent.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    ticket_id       INTEGER REFERENCES tickets(id),
    message_id      TEXT NOT NULL UNIQUE,
    template        TEXT NOT NULL,
    recipients      TEXT NOT NULL,          -- JSON list of addresses (the envelope)
    subject         TEXT NOT NULL,
    raw             BLOB NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';
