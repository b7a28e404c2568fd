-- AI forecasting's history (issue 5): every forecast made, with the outcome once its market
-- resolves, so that calibration refits, the ensemble's adaptive weights and the market
-- combination weight are learned from the bot's own track record; and every LLM and search call's
-- usage and cost, so that `polybot costs` can sum them.

-- One row per forecast. `report` is the whole pipeline report as JSON (stages, research,
-- members); the other columns are copies kept for SQL. Probabilities are of YES.
CREATE TABLE forecasts (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    made_ms                INTEGER NOT NULL,  -- unix milliseconds
    market_id              TEXT NOT NULL,     -- Gamma market id
    condition_id           TEXT,              -- 0x…, when known
    category               TEXT NOT NULL,     -- MACRO, ELECTION, ...
    source                 TEXT NOT NULL,     -- 'llm' | 'offline'
    raw_probability        REAL NOT NULL,     -- the ensemble's aggregate
    calibrated_probability REAL NOT NULL,     -- after Platt scaling and penalties
    market_probability     REAL,              -- the market-implied YES when made
    final_probability      REAL NOT NULL,     -- combined with the market
    evidence_quality       REAL,
    members                TEXT NOT NULL,     -- JSON [{"provider", "probability"}]
    report                 TEXT NOT NULL,
    outcome                INTEGER,           -- 1 YES won, 0 NO won; NULL until resolved
    resolved_ms            INTEGER
);
CREATE INDEX forecasts_market ON forecasts (market_id, made_ms);
CREATE INDEX forecasts_unresolved ON forecasts (outcome, market_id);

-- One row per paid call: an LLM request (forecast or evidence extraction) or a search request.
-- `cost_usd` is exact decimal text, priced by the provider's table when the call was made.
CREATE TABLE api_usage (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms             INTEGER NOT NULL,
    provider          TEXT NOT NULL,
    model             TEXT NOT NULL,
    purpose           TEXT NOT NULL,     -- 'forecast' | 'extraction' | 'search'
    market_id         TEXT,
    requests          INTEGER NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd          TEXT NOT NULL
);
CREATE INDEX api_usage_ts ON api_usage (ts_ms);
