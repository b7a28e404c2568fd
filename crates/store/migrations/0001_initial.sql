-- Markets as the venue lists them. The whole `polybot_model::Market` lives in `data` (JSON) so
-- new model fields need no migration; the other columns are copies kept only so that lookups,
-- filters and ordering can run in SQL.
CREATE TABLE markets (
    condition_id     TEXT PRIMARY KEY NOT NULL,
    slug             TEXT NOT NULL,
    question         TEXT NOT NULL,
    category         TEXT,
    end_date         TEXT,              -- RFC 3339, UTC, fixed width so it sorts as text
    neg_risk         INTEGER NOT NULL,  -- 0 / 1
    event_id         TEXT,
    status           TEXT NOT NULL,     -- 'active' | 'closed' | 'resolved'
    accepting_orders INTEGER NOT NULL,  -- 0 / 1
    volume_micros    INTEGER NOT NULL,
    liquidity_micros INTEGER NOT NULL,
    data             TEXT NOT NULL,
    updated_at       TEXT NOT NULL      -- RFC 3339, UTC
);

CREATE INDEX markets_slug ON markets (slug);
-- Matches the listing order exactly: with only `volume_micros` indexed, SQLite's planner sorts
-- the whole table for a `LIMIT` query instead of stopping after the top rows.
CREATE INDEX markets_volume ON markets (volume_micros DESC, condition_id);

-- Outcome tokens, so that a token id seen on the order book or in a fill resolves to its market.
CREATE TABLE market_tokens (
    token_id      TEXT PRIMARY KEY NOT NULL,  -- decimal, as the CLOB writes it
    condition_id  TEXT NOT NULL REFERENCES markets (condition_id) ON DELETE CASCADE,
    outcome_index INTEGER NOT NULL,
    outcome       TEXT NOT NULL
);

CREATE INDEX market_tokens_condition ON market_tokens (condition_id);

-- Small pieces of state that must survive a restart (cursors, last-seen ids, flags).
CREATE TABLE kv (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,  -- JSON
    updated_at TEXT NOT NULL   -- RFC 3339, UTC
);
