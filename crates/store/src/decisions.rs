//! The kernel's decision log: every [`Decision`] in order, with its pipeline stage, its market
//! and its reason codes, hash-chained (see [`crate::chain`]) so that an edit or a deletion is
//! detectable ([`Store::verify_decisions`]).
//!
//! A record's hash needs its `seq`, which SQLite assigns on insert: each record is inserted, then
//! sealed with its `prev_hash` and `hash`, inside the transaction that appends it. That
//! transaction starts with `BEGIN IMMEDIATE`, so the chain's tip it reads is still the tip when
//! it writes, whoever else has the database open.

use polybot_engine::{Decision, Stage};
use sqlx::sqlite::SqliteConnection;

use crate::chain::{ChainCheck, ChainProblem, ChainReport, GENESIS_HASH, decision_hash};
use crate::codec::{to_i64, to_json};
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

const INSERT: &str = "\
INSERT INTO decisions (ts, kind, data, stage, market, codes, order_ref)
VALUES ($1, $2, $3, $4, $5, $6, $7)";

const SEAL: &str = "UPDATE decisions SET prev_hash = $1, hash = $2 WHERE seq = $3";

/// The hash a new record links to: the last chained record's (a hashless row planted at the
/// end is skipped, and reported by verification).
const TIP: &str = "\
SELECT seq, hash FROM decisions WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1";

const HASHES_AFTER: &str = "\
SELECT seq, hash FROM decisions WHERE seq > $1 AND hash IS NOT NULL ORDER BY seq LIMIT $2";

const HASH_AT: &str = "SELECT hash FROM decisions WHERE seq = $1";

const ORDER_TOKEN: &str = "SELECT token_id FROM orders WHERE client_id = $1";

const REF_MARKET: &str = "\
SELECT market FROM decisions WHERE order_ref = $1 AND market IS NOT NULL ORDER BY seq LIMIT 1";

const TRADE_TOKEN: &str = "SELECT token_id FROM fills WHERE trade_id = $1";

const AFTER: &str = "\
SELECT seq, ts, data FROM decisions WHERE seq > $1 ORDER BY seq LIMIT $2";

const ROWS_AFTER: &str = "\
SELECT seq, ts, stage, market, codes, data, prev_hash, hash FROM decisions
WHERE seq > $1 ORDER BY seq LIMIT $2";

const CHAINED_AFTER: &str = "\
SELECT seq, ts, stage, market, codes, data, prev_hash, hash FROM decisions
WHERE seq > $1 AND hash IS NOT NULL ORDER BY seq LIMIT $2";

const FILTERED: &str = "\
SELECT seq, ts, stage, market, codes, data, prev_hash, hash FROM decisions
WHERE seq > $1 AND ($2 IS NULL OR stage = $2) AND ($3 IS NULL OR market = $3)
ORDER BY seq LIMIT $4";

const LATEST: &str = "\
SELECT * FROM (
    SELECT seq, ts, stage, market, codes, data, prev_hash, hash FROM decisions
    WHERE ($1 IS NULL OR stage = $1) AND ($2 IS NULL OR market = $2)
    ORDER BY seq DESC LIMIT $3
) ORDER BY seq";

/// SQLite's AUTOINCREMENT high-water mark: the largest seq ever handed out, deleted or not.
const HIGH_WATER: &str = "SELECT seq FROM sqlite_sequence WHERE name = 'decisions'";

const ANY_AFTER: &str = "SELECT seq FROM decisions WHERE seq > $1 LIMIT 1";

/// How many rows a scan of the whole log reads at a time.
const PAGE: i64 = 1_000;

/// A logged decision and where it sits in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    /// Position in the log, increasing, never reused.
    pub seq: i64,
    /// When it was decided (unix milliseconds, as the caller gave it).
    pub ts: i64,
    pub decision: Decision,
}

/// A record of the decision log as stored: what [`Store::commit_batch`] appended, what the
/// listings return, and what `decisions.jsonl` holds, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedDecision {
    /// Position in the log, increasing, never reused.
    pub seq: i64,
    /// When it was decided (unix milliseconds).
    pub ts: i64,
    /// The pipeline stage, as [`Stage::as_str`] writes it (`EXECUTE`, `RISK`, …).
    pub stage: String,
    /// The token id (decimal) or condition id (`0x…`) it concerns, if any.
    pub market: Option<String>,
    /// Its stable reason codes.
    pub codes: Vec<String>,
    /// The [`Decision`] as JSON, exactly as stored: the bytes the hash covers.
    pub data: String,
    /// The hash of the record before it ([`crate::GENESIS_HASH`] for the first); `None` for a
    /// legacy record written before the chain existed.
    pub prev_hash: Option<String>,
    /// SHA-256 of this record ([`crate::decision_hash`]); `None` for a legacy record.
    pub hash: Option<String>,
}

impl LoggedDecision {
    /// The decision itself.
    pub fn decision(&self) -> Result<Decision> {
        decode(self.seq, &self.data)
    }

    /// What the hash of this record should be, given its content and `prev_hash` (`None` for a
    /// legacy record).
    #[must_use]
    pub fn expected_hash(&self) -> Option<String> {
        let prev = self.prev_hash.as_deref()?;
        self.hash.as_ref()?;
        Some(decision_hash(
            self.seq,
            self.ts,
            &self.stage,
            self.market.as_deref(),
            &self.codes,
            &self.data,
            prev,
        ))
    }
}

/// The stored columns, as read back.
type Row = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn decode(seq: i64, data: &str) -> Result<Decision> {
    serde_json::from_str(data).map_err(|e| StoreError::Corrupt {
        table: "decisions",
        key: seq.to_string(),
        reason: format!("invalid decision JSON: {e}"),
    })
}

fn parse_codes(text: &str) -> Option<Vec<String>> {
    serde_json::from_str(text).ok()
}

/// A stored row as a [`LoggedDecision`]. A legacy row's missing stage or codes are derived from
/// its decision, as they would have been written.
fn logged(row: Row) -> Result<LoggedDecision> {
    let (seq, ts, stage, market, codes, data, prev_hash, hash) = row;
    let derived = if stage.is_none() || codes.is_none() {
        Some(decode(seq, &data)?)
    } else {
        None
    };
    let stage = match (stage, &derived) {
        (Some(stage), _) => stage,
        (None, Some(d)) => d.stage().as_str().to_owned(),
        (None, None) => unreachable!("derived when the stage is missing"),
    };
    let codes = match (codes, &derived) {
        (Some(text), _) => parse_codes(&text).ok_or_else(|| StoreError::Corrupt {
            table: "decisions",
            key: seq.to_string(),
            reason: format!("codes is not a JSON array of strings: {text}"),
        })?,
        (None, Some(d)) => d.reason_codes().into_iter().map(str::to_owned).collect(),
        (None, None) => unreachable!("derived when the codes are missing"),
    };
    let market = market.or_else(|| derived.as_ref().and_then(Decision::market));
    Ok(LoggedDecision {
        seq,
        ts,
        stage,
        market,
        codes,
        data,
        prev_hash,
        hash,
    })
}

/// One decision ready to append, computed before any transaction opens.
pub(crate) struct DecisionRow {
    ts: i64,
    kind: &'static str,
    data: String,
    stage: Stage,
    market: Option<String>,
    codes: Vec<String>,
    codes_json: String,
    order_ref: Option<i64>,
    trade: Option<String>,
}

impl DecisionRow {
    pub(crate) fn new(ts: i64, decision: &Decision) -> Result<DecisionRow> {
        let key = format!("decision at {ts}");
        let codes: Vec<String> = decision
            .reason_codes()
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(DecisionRow {
            ts,
            kind: decision.kind(),
            data: to_json(&key, decision)?,
            stage: decision.stage(),
            market: decision.market(),
            codes_json: to_json(&key, &codes)?,
            codes,
            order_ref: decision
                .order_id()
                .map(|id| to_i64(&key, "order id", id.0))
                .transpose()?,
            trade: match decision {
                Decision::TradeStatus { trade_id, .. } => Some(trade_id.clone()),
                _ => None,
            },
        })
    }

    /// The market: the decision's own, else its order's token (from the orders table, or from
    /// an earlier decision about the same order or algo), else its trade's token.
    async fn market(&self, conn: &mut SqliteConnection) -> sqlx::Result<Option<String>> {
        if self.market.is_some() {
            return Ok(self.market.clone());
        }
        if let Some(order) = self.order_ref {
            let token: Option<String> = sqlx::query_scalar(ORDER_TOKEN)
                .bind(order)
                .fetch_optional(&mut *conn)
                .await?;
            if token.is_some() {
                return Ok(token);
            }
            let market: Option<Option<String>> = sqlx::query_scalar(REF_MARKET)
                .bind(order)
                .fetch_optional(&mut *conn)
                .await?;
            return Ok(market.flatten());
        }
        if let Some(trade) = &self.trade {
            return sqlx::query_scalar(TRADE_TOKEN)
                .bind(trade)
                .fetch_optional(&mut *conn)
                .await;
        }
        Ok(None)
    }
}

/// Appends `rows` in order to the chain, inside the caller's transaction (which must hold the
/// write lock: `BEGIN IMMEDIATE`), and returns them as stored.
pub(crate) async fn append_chained(
    conn: &mut SqliteConnection,
    rows: &[DecisionRow],
) -> sqlx::Result<Vec<LoggedDecision>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let tip: Option<(i64, String)> = sqlx::query_as(TIP).fetch_optional(&mut *conn).await?;
    let mut prev = tip.map_or_else(|| GENESIS_HASH.to_owned(), |(_, hash)| hash);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let market = row.market(conn).await?;
        let done = sqlx::query(INSERT)
            .bind(row.ts)
            .bind(row.kind)
            .bind(row.data.as_str())
            .bind(row.stage.as_str())
            .bind(market.as_deref())
            .bind(row.codes_json.as_str())
            .bind(row.order_ref)
            .execute(&mut *conn)
            .await?;
        let seq = done.last_insert_rowid();
        let hash = decision_hash(
            seq,
            row.ts,
            row.stage.as_str(),
            market.as_deref(),
            &row.codes,
            &row.data,
            &prev,
        );
        sqlx::query(SEAL)
            .bind(prev.as_str())
            .bind(hash.as_str())
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        out.push(LoggedDecision {
            seq,
            ts: row.ts,
            stage: row.stage.as_str().to_owned(),
            market,
            codes: row.codes.clone(),
            data: row.data.clone(),
            prev_hash: Some(std::mem::replace(&mut prev, hash.clone())),
            hash: Some(hash),
        });
    }
    Ok(out)
}

impl Store {
    /// Appends `(ts, decision)` pairs in order, in one transaction: an event's decisions land
    /// together or not at all. Returns the `seq` of the last one appended (`None` for an empty
    /// slice).
    pub async fn append_decisions(&self, decisions: &[(i64, Decision)]) -> Result<Option<i64>> {
        if decisions.is_empty() {
            return Ok(None);
        }
        let rows = decisions
            .iter()
            .map(|(ts, decision)| DecisionRow::new(*ts, decision))
            .collect::<Result<Vec<_>>>()?;
        let written = match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "append_decisions";
                let mut tx = pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(StoreError::query(op))?;
                let written = append_chained(&mut tx, &rows)
                    .await
                    .map_err(StoreError::query(op))?;
                tx.commit().await.map_err(StoreError::query(op))?;
                written
            }
        };
        Ok(written.last().map(|d| d.seq))
    }

    /// At most `limit` decisions with `seq > after_seq`, oldest first; pass 0 to start at the
    /// beginning and the last `seq` seen to page on.
    pub async fn decisions(&self, after_seq: i64, limit: u32) -> Result<Vec<DecisionRecord>> {
        let rows: Vec<(i64, i64, String)> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(AFTER)
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("decisions"))?,
        };
        rows.into_iter()
            .map(|(seq, ts, data)| {
                Ok(DecisionRecord {
                    seq,
                    ts,
                    decision: decode(seq, &data)?,
                })
            })
            .collect()
    }

    /// At most `limit` log records with `seq > after_seq`, of `stage` and about `market` (when
    /// given), oldest first.
    pub async fn decisions_filtered(
        &self,
        stage: Option<Stage>,
        market: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<LoggedDecision>> {
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(FILTERED)
                .bind(after_seq)
                .bind(stage.map(Stage::as_str))
                .bind(market)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("decisions_filtered"))?,
        };
        rows.into_iter().map(logged).collect()
    }

    /// The last `limit` log records of `stage` and about `market` (when given), oldest first.
    pub async fn latest_decisions(
        &self,
        stage: Option<Stage>,
        market: Option<&str>,
        limit: u32,
    ) -> Result<Vec<LoggedDecision>> {
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(LATEST)
                .bind(stage.map(Stage::as_str))
                .bind(market)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("latest_decisions"))?,
        };
        rows.into_iter().map(logged).collect()
    }

    /// At most `limit` chained records (legacy ones skipped) with `seq > after_seq`, oldest
    /// first: what `decisions.jsonl` copies.
    pub async fn chained_decisions(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<LoggedDecision>> {
        let rows: Vec<Row> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(CHAINED_AFTER)
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("chained_decisions"))?,
        };
        rows.into_iter().map(logged).collect()
    }

    /// The seq and hash of at most `limit` chained records with `seq > after_seq`, oldest first:
    /// enough to compare a copy of the log with the store.
    pub async fn chained_hashes(&self, after_seq: i64, limit: u32) -> Result<Vec<(i64, String)>> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(HASHES_AFTER)
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("chained_hashes")),
        }
    }

    /// The chain's tip: the last chained record's seq and hash.
    pub async fn decision_chain_tip(&self) -> Result<Option<(i64, String)>> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(TIP)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("decision_chain_tip")),
        }
    }

    /// The stored hash of record `seq` (`None` if there is no such record or it has none).
    pub async fn decision_hash_at(&self, seq: i64) -> Result<Option<String>> {
        let hash: Option<Option<String>> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_scalar(HASH_AT)
                .bind(seq)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("decision_hash_at"))?,
        };
        Ok(hash.flatten())
    }

    /// Reads the whole log in order and recomputes the chain: every chained record's hash over
    /// its stored content, every link to the record before, no hashless record after the chain
    /// began, and no record missing from the end (SQLite's AUTOINCREMENT high-water mark). Stops
    /// at the first break, which the report names; `Err` only when the database cannot be read.
    pub async fn verify_decisions(&self) -> Result<ChainReport> {
        let op = "verify_decisions";
        let Backend::Sqlite(pool) = &self.backend;
        let mut check = ChainCheck::new();
        let mut after = 0_i64;
        loop {
            let rows: Vec<Row> = sqlx::query_as(ROWS_AFTER)
                .bind(after)
                .bind(PAGE)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query(op))?;
            if rows.is_empty() {
                // Rows appended since the last page are read on the next round; a high-water
                // mark beyond the last row with nothing after it means rows were deleted.
                let high: Option<i64> = sqlx::query_scalar(HIGH_WATER)
                    .fetch_optional(pool)
                    .await
                    .map_err(StoreError::query(op))?;
                let high = high.unwrap_or(0);
                if high <= after {
                    break;
                }
                let more: Option<i64> = sqlx::query_scalar(ANY_AFTER)
                    .bind(after)
                    .fetch_optional(pool)
                    .await
                    .map_err(StoreError::query(op))?;
                if more.is_none() {
                    let _ = check.fail(
                        after + 1,
                        ChainProblem::TailMissing {
                            from: after + 1,
                            to: high,
                        },
                    );
                    break;
                }
                continue;
            }
            for (seq, ts, stage, market, codes, data, prev_hash, hash) in rows {
                after = seq;
                let result = match (&hash, &prev_hash) {
                    (None, _) => check.push_unchained(seq),
                    (Some(hash), prev) => {
                        let prev = prev.as_deref().unwrap_or("");
                        match codes.as_deref().and_then(parse_codes) {
                            None => check.fail(
                                seq,
                                ChainProblem::Malformed(
                                    "codes is not a JSON array of strings".to_owned(),
                                ),
                            ),
                            Some(codes) => {
                                let computed = decision_hash(
                                    seq,
                                    ts,
                                    stage.as_deref().unwrap_or(""),
                                    market.as_deref(),
                                    &codes,
                                    &data,
                                    prev,
                                );
                                check.push(seq, prev, hash, &computed)
                            }
                        }
                    }
                };
                if result.is_err() {
                    return Ok(check.finish());
                }
            }
        }
        Ok(check.finish())
    }
}
