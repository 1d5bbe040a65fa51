-- suratd schema, version 3: decisions by reply.
--
-- Approval tokens are stored by their SHA-256 hash only, never their text: a copy of the
-- database cannot decide anything. A token is single use: `used_at` is set in the same
-- transaction as the decision it carries (`UPDATE … WHERE used_at IS NULL`).
CREATE TABLE approval_tokens (
    hash        TEXT PRIMARY KEY,               -- lower-case hex SHA-256 of the token text
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    step        TEXT NOT NULL,                  -- the rule step the token decides
    approver    TEXT NOT NULL,                  -- the bound person's address, lower-case
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX approval_tokens_ticket ON approval_tokens(ticket_id);

-- Who works on the ticket (the staff member's address), what the work produced (JSON object,
-- secrets already replaced by "***"), and until when access granted by it lasts (webservice).
ALTER TABLE tickets ADD COLUMN assignee TEXT;
ALTER TABLE tickets ADD COLUMN outputs TEXT;
ALTER TABLE tickets ADD COLUMN access_expires_at TEXT;

-- An email that carries a secret (an initial password) loses its body once sent.
ALTER TABLE outbox ADD COLUMN scrub_after_send INTEGER NOT NULL DEFAULT 0;
