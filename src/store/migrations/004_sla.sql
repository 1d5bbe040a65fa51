-- suratd schema, version 4: SLA clocks, their deadlines, and cron runs.
--
-- One clock per step a ticket enters (`closed_at` NULL while it is the ticket's current step);
-- it counts seconds of calendar time or of working time (`measure`). While the ticket waits
-- on the requester the clock is paused: `running_since` is NULL and `used` keeps the time
-- used so far.
CREATE TABLE sla_clocks (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
    step          TEXT NOT NULL,
    sla           TEXT NOT NULL,                 -- the time standard as the rule writes it
    measure       TEXT NOT NULL CHECK (measure IN ('calendar', 'working')),
    total         INTEGER NOT NULL CHECK (total > 0),
    used          INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    running_since TEXT,
    started_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE UNIQUE INDEX sla_clocks_current ON sla_clocks(ticket_id) WHERE closed_at IS NULL;

-- The alerts of a clock, one row per level (percent of the time standard). A row fires once:
-- `state` goes from 'pending' to 'fired' in the transaction that queues its emails. `due_at`
-- is NULL while the clock is paused.
CREATE TABLE sla_deadlines (
    clock_id  INTEGER NOT NULL REFERENCES sla_clocks(id),
    level     INTEGER NOT NULL CHECK (level > 0),
    alert     TEXT NOT NULL CHECK (alert IN ('reminder', 'escalation')),
    rank      INTEGER NOT NULL,                  -- 0 for the reminder, 1.. for escalations
    due_at    TEXT,
    state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'cancelled')),
    fired_at  TEXT,
    PRIMARY KEY (clock_id, level)
);
CREATE INDEX sla_deadlines_due ON sla_deadlines(due_at) WHERE state = 'pending';

-- The last run of each cron job (daemon.toml [cron]), so a restart repeats none.
CREATE TABLE cron_runs (
    job      TEXT PRIMARY KEY,
    last_due TEXT NOT NULL,                      -- the scheduled time of the last run
    ran_at   TEXT NOT NULL
);
