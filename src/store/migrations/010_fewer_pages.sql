-- suratd schema, version 7 (file 010): fewer pages written per letter (issue 7).
--
-- Every page a transaction dirties is appended to the write-ahead log (two `pwrite`s) and
-- copied into the database at the next checkpoint. The processor's commit and the fetcher's
-- store are the serial part of ingest, so each index and table written per letter must earn
-- its pages. Every uniqueness that keeps a letter, ticket, email or token from doubling stays:
-- `messages.dedupe_key`, `message_sources (source, position)`, `tickets.number`,
-- `outbox.dedupe_key` and `outbox.message_id`, `thread_ids.message_id`, `approval_tokens.hash`.

-- 1. Indexes that no statement uses (checked with EXPLAIN QUERY PLAN against every query of
--    src/store and the test scripts). A message is never looked up by its Message-ID (a
--    thread is found through `thread_ids`; the tests' `message_id LIKE ?` scans either way),
--    and no statement selects tickets by state alone (the SLA pass walks tickets by id).
DROP INDEX messages_message_id;
DROP INDEX tickets_state;

-- 2. A SHA-256 of every stored letter that nothing ever read (and that went stale when a
--    secret was redacted from the raw bytes): 64 bytes a row and a hash over every letter.
ALTER TABLE messages DROP COLUMN content_hash;

-- 3. Tables whose key is the row: WITHOUT ROWID. A rowid table with a TEXT or composite
--    primary key is two b-trees (the rows by rowid, and the key's index); each insert wrote
--    a page of both. Now the key's b-tree holds the row. (Not `approval_tokens`: measured,
--    its rows are wide and its second index would carry the 64-character hash, so it wrote
--    more pages WITHOUT ROWID than with, 2,400 against 1,700 frames for 2,000 letters.)
CREATE TABLE thread_ids_010 (
    message_id TEXT NOT NULL PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id)
) WITHOUT ROWID;
INSERT INTO thread_ids_010 (message_id, ticket_id)
    SELECT message_id, ticket_id FROM thread_ids WHERE message_id IS NOT NULL;
DROP TABLE thread_ids;
ALTER TABLE thread_ids_010 RENAME TO thread_ids;

CREATE TABLE message_sources_010 (
    source   TEXT NOT NULL,
    position TEXT NOT NULL,
    message  INTEGER NOT NULL REFERENCES messages(id),
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (source, position)
) WITHOUT ROWID;
INSERT INTO message_sources_010 (source, position, message, seen_at)
    SELECT source, position, message, seen_at FROM message_sources;
DROP TABLE message_sources;
ALTER TABLE message_sources_010 RENAME TO message_sources;

CREATE TABLE sla_deadlines_010 (
    clock_id  INTEGER NOT NULL REFERENCES sla_clocks(id),
    level     INTEGER NOT NULL CHECK (level > 0),
    alert     TEXT NOT NULL CHECK (alert IN ('reminder', 'escalation')),
    rank      INTEGER NOT NULL,
    due_at    TEXT,
    state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'cancelled')),
    fired_at  TEXT,
    PRIMARY KEY (clock_id, level)
) WITHOUT ROWID;
INSERT INTO sla_deadlines_010 (clock_id, level, alert, rank, due_at, state, fired_at)
    SELECT clock_id, level, alert, rank, due_at, state, fired_at FROM sla_deadlines;
DROP TABLE sla_deadlines;
ALTER TABLE sla_deadlines_010 RENAME TO sla_deadlines;
CREATE INDEX sla_deadlines_due ON sla_deadlines(due_at) WHERE state = 'pending';

-- 4. The bytes of a queued email in a table of their own, as `message_raw` for letters
--    (008): marking an email sent (or retried) rewrote its row, bytes included, about one
--    page per email; now the outbox row is small and many share a page.
CREATE TABLE outbox_raw (
    outbox INTEGER PRIMARY KEY REFERENCES outbox(id),
    raw    BLOB NOT NULL
);
INSERT INTO outbox_raw (outbox, raw) SELECT id, raw FROM outbox;
ALTER TABLE outbox DROP COLUMN raw;
