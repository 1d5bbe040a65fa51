-- suratd schema, version 8 (the lead may renumber): the raw bytes of a message in a table of
-- their own.
--
-- Marking a message done (state, outcome, ticket) rewrote its whole row, and the raw bytes
-- sat in the middle of it: every letter was written twice, its freed pages zeroed
-- (secure_delete), and a 25 MB letter was held twice in memory by SQLite for the UPDATE.
-- Now the `messages` row is small and changes; `message_raw` is written once (and rewritten
-- only to redact a secret).
CREATE TABLE message_raw (
    message INTEGER PRIMARY KEY REFERENCES messages(id),
    raw     BLOB NOT NULL
);
INSERT INTO message_raw (message, raw) SELECT id, raw FROM messages;
ALTER TABLE messages DROP COLUMN raw;
