-- suratd schema, version 6: indexes for the outbox queries that run per letter.
--
-- Found by the benchmark (issue 7): each of these read the whole outbox, raw emails
-- included, so ingest slowed down as the outbox grew (2,000 letters: 400 page reads each).
-- The per-requester answer cap (`[answers] per-sender-per-hour`) counts a requester's
-- recent emails for every letter:
CREATE INDEX outbox_recipients ON outbox(recipients, created_at);
-- the delivery loop takes the due emails oldest first (by id, the order they were queued):
CREATE INDEX outbox_queued ON outbox(id, next_attempt_at) WHERE state = 'queued';
-- a ticket's emails (refusal notices once per period, the ticket view). (`outbox_due`
-- stays: it answers when the next email is due.)
CREATE INDEX outbox_ticket ON outbox(ticket_id, template);
