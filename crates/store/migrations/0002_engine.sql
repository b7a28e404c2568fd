-- The trading engine's state, reloaded on start-up after a crash ("crash-only"): orders, fills
-- and ledger accounts rebuild the kernel; equity snapshots and decisions are its history. As in
-- 0001, the whole engine value lives in `data` (JSON) and the other columns are copies kept only
-- so that lookups, filters and ordering can run in SQL.

-- Orders by the kernel's client id; `data` is the whole `TrackedOrder`.
CREATE TABLE orders (
    client_id     INTEGER PRIMARY KEY NOT NULL,
    account       TEXT NOT NULL,
    token_id      TEXT NOT NULL,     -- decimal, as the CLOB writes it
    side          TEXT NOT NULL,     -- 'BUY' | 'SELL'
    -- 'pending' | 'submitted' | 'live' | 'cancel_pending' (open, see `OrderState::is_open`)
    -- | 'filled' | 'cancelled' | 'expired' | 'rejected'
    state         TEXT NOT NULL,
    venue_id      TEXT,
    filled_micros INTEGER NOT NULL,
    data          TEXT NOT NULL,
    updated_at    TEXT NOT NULL      -- RFC 3339, UTC
);

CREATE INDEX orders_state ON orders (state, client_id);
CREATE INDEX orders_account ON orders (account, client_id);

-- Ledger sub-accounts and their starting bankroll.
CREATE TABLE accounts (
    account         TEXT PRIMARY KEY NOT NULL,
    bankroll_micros INTEGER NOT NULL,
    updated_at      TEXT NOT NULL    -- RFC 3339, UTC
);

-- Our fills, keyed by the venue's trade id; `data` is the whole `Fill`, `status` is where the
-- trade is in settlement. `seq` is the insertion order, which the ledger is rebuilt in. No
-- foreign key to `accounts`: a fill the venue reported must never be refused by the store.
CREATE TABLE fills (
    trade_id     TEXT PRIMARY KEY NOT NULL,
    seq          INTEGER NOT NULL UNIQUE,
    account      TEXT NOT NULL,
    token_id     TEXT NOT NULL,
    side         TEXT NOT NULL,      -- 'BUY' | 'SELL'
    price_micros INTEGER NOT NULL,
    size_micros  INTEGER NOT NULL,
    fee_micros   INTEGER NOT NULL,
    status       TEXT NOT NULL,      -- 'matched' | 'mined' | 'confirmed' | 'failed'
    ts           INTEGER NOT NULL,   -- the fill's timestamp, unix milliseconds
    data         TEXT NOT NULL,
    updated_at   TEXT NOT NULL       -- RFC 3339, UTC
);

CREATE INDEX fills_account ON fills (account, seq);

-- Equity snapshots of one account, or of the whole ledger when `account` is NULL.
CREATE TABLE equity_snapshots (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    account               TEXT,
    ts                    INTEGER NOT NULL,  -- unix milliseconds
    cash_micros           INTEGER NOT NULL,
    redeemable_micros     INTEGER NOT NULL,
    positions_value_micros INTEGER NOT NULL,
    equity_micros         INTEGER NOT NULL,
    realized_micros       INTEGER NOT NULL,
    unrealized_micros     INTEGER NOT NULL,
    fees_micros           INTEGER NOT NULL
);

CREATE INDEX equity_snapshots_account_ts ON equity_snapshots (account, ts, id);

-- The kernel's decision log, in order; `data` is the whole `Decision`.
CREATE TABLE decisions (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    ts   INTEGER NOT NULL,  -- unix milliseconds
    kind TEXT NOT NULL,     -- the `Decision` variant, snake_case
    data TEXT NOT NULL
);
