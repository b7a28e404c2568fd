-- Market resolutions with their redemption, so that a restart rebuilds the ledger's redeemable
-- value and realized PnL; and the operator command queue through which the CLI hands manual
-- orders to a running engine process. As before, `data` (where present) is the whole engine
-- value as JSON and the other columns are copies kept for SQL.

-- One row per resolved market; `data` is the whole `Resolution`. `seq` is the insertion order,
-- which the ledger applies them in. `redeemed_ts` is set once the redeemable value has arrived
-- as cash.
CREATE TABLE resolutions (
    condition_id TEXT PRIMARY KEY NOT NULL,
    seq          INTEGER NOT NULL UNIQUE,
    tokens       TEXT NOT NULL,     -- JSON array of token ids, decimal, in outcome order
    winner       INTEGER NOT NULL,  -- index into `tokens` of the token that pays 1
    ts           INTEGER NOT NULL,  -- when it was resolved, unix milliseconds
    redeemed_ts  INTEGER,           -- when it was redeemed, unix milliseconds; NULL until then
    data         TEXT NOT NULL,
    updated_at   TEXT NOT NULL      -- RFC 3339, UTC
);

-- Commands from the operator (`polybot order place|cancel`, another process) to the engine.
-- The CLI inserts a pending row and polls it; the engine takes pending rows oldest first and
-- moves each to done or failed exactly once, with a result for the CLI to print. No CHECK on
-- `status`, as elsewhere: SQLite cannot widen one without rebuilding the table, and a status
-- this build does not know is reported as corrupt when the row is read.
CREATE TABLE operator_commands (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_ms INTEGER NOT NULL,   -- unix milliseconds
    kind       TEXT NOT NULL,      -- e.g. 'place' | 'cancel'
    payload    TEXT NOT NULL,      -- JSON, shaped by `kind`
    status     TEXT NOT NULL,      -- 'pending' | 'done' | 'failed'
    result     TEXT,               -- what the engine reports; NULL while pending
    updated_ms INTEGER             -- when it left pending, unix milliseconds
);

-- The engine polls for pending commands; this keeps that a range scan as done ones pile up.
CREATE INDEX operator_commands_status ON operator_commands (status, id);
