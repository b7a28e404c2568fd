-- The decision log as a hash chain (the shared design's rule 5). Each record names its pipeline
-- stage ('SCAN' | 'RESEARCH' | 'FORECAST' | 'EDGE' | 'RISK' | 'SIZE' | 'EXECUTE' | 'MONITOR' |
-- 'EXIT'), the market it concerns (a token id in decimal, or a condition id 0x…), its reason
-- codes (a JSON array of strings) and the SHA-256 of its content and of the record before it, so
-- that an edited, deleted or reordered record is detectable. The hash is computed in Rust when a
-- record is appended (`decision_hash` in src/chain.rs; `prev_hash` of the first chained record:
-- 64 zeros) and covers seq, ts, stage, market, codes, data and prev_hash. `kind` and `order_ref`
-- are not covered: like `kind`, `order_ref` is a copy of what `data` says (the order or algo the
-- decision is about), kept to find the market of a fill, close or cancel, which name only their
-- order.
--
-- Rows written before this migration cannot be hashed in SQL, and are deliberately not hashed
-- later either: hashing them now would vouch for content nobody vouched for when it was
-- written. They stay an unchained prefix (`hash` NULL) that verification counts and reports but
-- does not fail on. A row without a hash *after* the first chained row is a failure.
ALTER TABLE decisions ADD COLUMN stage TEXT;
ALTER TABLE decisions ADD COLUMN market TEXT;
ALTER TABLE decisions ADD COLUMN codes TEXT;
ALTER TABLE decisions ADD COLUMN order_ref INTEGER;
ALTER TABLE decisions ADD COLUMN prev_hash TEXT;
ALTER TABLE decisions ADD COLUMN hash TEXT;

-- The legacy rows' stage, order and market, as the engine maps those kinds, so that filters find
-- them; their codes stay NULL and are derived from `data` when read.
UPDATE decisions SET stage = CASE kind
    WHEN 'placed' THEN 'EXECUTE'
    WHEN 'cancel_sent' THEN 'EXECUTE'
    WHEN 'rejected' THEN 'EXECUTE'
    WHEN 'cancel_refused' THEN 'EXECUTE'
    WHEN 'operator_refused' THEN 'EXECUTE'
    WHEN 'algo_started' THEN 'EXECUTE'
    WHEN 'algo_done' THEN 'EXECUTE'
    WHEN 'refused' THEN 'RISK'
    WHEN 'filled' THEN 'MONITOR'
    WHEN 'closed' THEN 'MONITOR'
    WHEN 'trade_status' THEN 'MONITOR'
    WHEN 'anomaly' THEN 'MONITOR'
    WHEN 'redeemed' THEN 'MONITOR'
END;

UPDATE decisions SET order_ref = CASE kind
    WHEN 'placed' THEN json_extract(data, '$.Placed.order.client_id')
    WHEN 'cancel_sent' THEN json_extract(data, '$.CancelSent.client_id')
    WHEN 'filled' THEN json_extract(data, '$.Filled.client_id')
    WHEN 'closed' THEN json_extract(data, '$.Closed.client_id')
    WHEN 'rejected' THEN json_extract(data, '$.Rejected.client_id')
    WHEN 'cancel_refused' THEN json_extract(data, '$.CancelRefused.client_id')
    WHEN 'algo_started' THEN json_extract(data, '$.AlgoStarted.id')
    WHEN 'algo_done' THEN json_extract(data, '$.AlgoDone.id')
END;

UPDATE decisions SET market = CASE kind
    WHEN 'placed' THEN json_extract(data, '$.Placed.order.token_id')
    WHEN 'refused' THEN json_extract(data, '$.Refused.token')
    WHEN 'algo_started' THEN json_extract(data, '$.AlgoStarted.token')
    WHEN 'redeemed' THEN json_extract(data, '$.Redeemed.condition')
END;

UPDATE decisions SET market = COALESCE(
    (SELECT token_id FROM orders WHERE orders.client_id = decisions.order_ref),
    (SELECT d.market FROM decisions AS d
      WHERE d.order_ref = decisions.order_ref AND d.market IS NOT NULL
      ORDER BY d.seq LIMIT 1))
WHERE market IS NULL AND order_ref IS NOT NULL;

UPDATE decisions SET market =
    (SELECT token_id FROM fills WHERE fills.trade_id = json_extract(decisions.data, '$.TradeStatus.trade_id'))
WHERE market IS NULL AND kind = 'trade_status';

CREATE INDEX decisions_stage ON decisions (stage, seq);
CREATE INDEX decisions_market ON decisions (market, seq);
CREATE INDEX decisions_order_ref ON decisions (order_ref, seq);
