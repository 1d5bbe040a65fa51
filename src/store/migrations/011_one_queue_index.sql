-- suratd schema, version 8 (file 011): one index of the queued emails, not two (issue 7).
--
-- Queuing an email inserted an entry into both `outbox_due (next_attempt_at)` and
-- `outbox_queued (id, next_attempt_at)`, and marking it sent deleted both: two index pages
-- dirtied per email twice, on the path every letter of a burst waits on. `outbox_queued`
-- holds `next_attempt_at` too, so it answers what `outbox_due` answered (the earliest due
-- time, the count of queued emails) by reading the queued emails' entries: a handful when
-- the outbox keeps up, some thousands during an outage.
DROP INDEX outbox_due;
