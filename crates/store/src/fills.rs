//! Fills and ledger accounts: with the resolutions (see `resolutions.rs`), everything the
//! [`Ledger`] is a fold of, so that start-up rebuilds it exactly ([`Store::load_ledger`])
//! instead of trusting a serialised copy.

use polybot_engine::{AccountId, Fill, FillStatus, Ledger, TradeId};
use polybot_model::Usdc;
use sqlx::sqlite::SqliteConnection;

use crate::codec::{now_text, side_text, to_i64, to_json};
use crate::error::{Result, StoreError};
use crate::{Backend, Store};

/// `seq` continues the insertion order; SQLite has a single writer, so two inserts never read
/// the same maximum. `DO NOTHING` makes a repeated trade id a no-op (venues repeat themselves).
const INSERT_FILL: &str = "\
INSERT INTO fills (trade_id, seq, account, token_id, side, price_micros, size_micros, fee_micros,
                   status, ts, data, updated_at)
VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM fills), $2, $3, $4, $5, $6, $7, $8, $9, $10,
        $11)
ON CONFLICT (trade_id) DO NOTHING";

const UPDATE_STATUS: &str = "UPDATE fills SET status = $1, updated_at = $2 WHERE trade_id = $3";

const ALL_FILLS: &str = "SELECT trade_id, status, data FROM fills ORDER BY seq";

const ACCOUNT_FILLS: &str =
    "SELECT trade_id, status, data FROM fills WHERE account = $1 ORDER BY seq";

const UPSERT_ACCOUNT: &str = "\
INSERT INTO accounts (account, bankroll_micros, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (account) DO UPDATE SET
    bankroll_micros = excluded.bankroll_micros,
    updated_at = excluded.updated_at";

const ACCOUNTS: &str = "SELECT account, bankroll_micros FROM accounts ORDER BY account";

/// The stored form of a settlement status.
pub(crate) fn status_text(status: FillStatus) -> &'static str {
    match status {
        FillStatus::Matched => "matched",
        FillStatus::Mined => "mined",
        FillStatus::Confirmed => "confirmed",
        FillStatus::Failed => "failed",
    }
}

fn parse_status(text: &str) -> Option<FillStatus> {
    match text {
        "matched" => Some(FillStatus::Matched),
        "mined" => Some(FillStatus::Mined),
        "confirmed" => Some(FillStatus::Confirmed),
        "failed" => Some(FillStatus::Failed),
        _ => None,
    }
}

/// One fill ready to bind, computed before any transaction opens.
pub(crate) struct FillRow<'a> {
    fill: &'a Fill,
    status: FillStatus,
    size: i64,
    data: String,
}

impl<'a> FillRow<'a> {
    pub(crate) fn new(fill: &'a Fill, status: FillStatus) -> Result<FillRow<'a>> {
        let key = fill.trade_id.0.as_str();
        Ok(FillRow {
            fill,
            status,
            size: to_i64(key, "size (micros)", fill.size.micros())?,
            data: to_json(key, fill)?,
        })
    }

    /// Inserts the fill unless its trade id is stored; returns whether it was inserted.
    pub(crate) async fn write(
        &self,
        conn: &mut SqliteConnection,
        updated_at: &str,
    ) -> sqlx::Result<bool> {
        let fill = self.fill;
        let done = sqlx::query(INSERT_FILL)
            .bind(fill.trade_id.0.as_str())
            .bind(fill.account.0.as_str())
            .bind(fill.token_id.to_string())
            .bind(side_text(fill.side))
            .bind(i64::from(fill.price.micros()))
            .bind(self.size)
            .bind(fill.fee.micros())
            .bind(status_text(self.status))
            .bind(fill.timestamp_ms)
            .bind(self.data.as_str())
            .bind(updated_at)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Sets a stored trade's status; returns whether the trade was there.
pub(crate) async fn write_status(
    conn: &mut SqliteConnection,
    trade: &TradeId,
    status: FillStatus,
    updated_at: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(UPDATE_STATUS)
        .bind(status_text(status))
        .bind(updated_at)
        .bind(trade.0.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// Records a fill with its settlement status. Idempotent per trade id: returns `false`, and
    /// changes nothing, when the trade is already stored (use [`Store::update_fill_status`] to
    /// move it along). Durable when it returns.
    pub async fn insert_fill(&self, fill: &Fill, status: FillStatus) -> Result<bool> {
        let row = FillRow::new(fill, status)?;
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "insert_fill";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                row.write(&mut conn, &now)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// Sets a stored trade's settlement status; returns whether the trade was there. The store
    /// records what it is told: the [`Ledger`] is what refuses a regression, so write the status
    /// once the ledger has accepted it.
    pub async fn update_fill_status(&self, trade: &TradeId, status: FillStatus) -> Result<bool> {
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let op = "update_fill_status";
                let mut conn = pool.acquire().await.map_err(StoreError::query(op))?;
                write_status(&mut conn, trade, status, &now)
                    .await
                    .map_err(StoreError::query(op))
            }
        }
    }

    /// Fills with their current status in the order they were inserted: every account's, or
    /// only `account`'s.
    pub async fn fills(&self, account: Option<&AccountId>) -> Result<Vec<(Fill, FillStatus)>> {
        let rows: Vec<(String, String, String)> = match &self.backend {
            Backend::Sqlite(pool) => {
                let query = match account {
                    Some(account) => sqlx::query_as(ACCOUNT_FILLS).bind(account.0.as_str()),
                    None => sqlx::query_as(ALL_FILLS),
                };
                query
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query("fills"))?
            }
        };
        rows.into_iter()
            .map(|(id, status, data)| decode_fill(&id, &status, &data))
            .collect()
    }

    /// Creates a ledger account, or changes its bankroll.
    pub async fn upsert_account(&self, account: &AccountId, bankroll: Usdc) -> Result<()> {
        let now = now_text();
        match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query(UPSERT_ACCOUNT)
                    .bind(account.0.as_str())
                    .bind(bankroll.micros())
                    .bind(now)
                    .execute(pool)
                    .await
                    .map_err(StoreError::query("upsert_account"))?;
            }
        }
        Ok(())
    }

    /// Every ledger account with its bankroll, by account id.
    pub async fn accounts(&self) -> Result<Vec<(AccountId, Usdc)>> {
        let rows: Vec<(String, i64)> = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(ACCOUNTS)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("accounts"))?,
        };
        Ok(rows
            .into_iter()
            .map(|(id, micros)| (AccountId(id), Usdc::from_micros(micros)))
            .collect())
    }

    /// Rebuilds the ledger: opens every stored account with its bankroll, applies its fills
    /// in insertion order with their stored status, then every stored resolution in insertion
    /// order, then the redemption of each one marked redeemed. A FAILED fill is applied as
    /// failed, which books nothing but keeps its trade id known, so that the venue repeating the
    /// ghost trade is still a duplicate.
    ///
    /// Applying resolutions after all the fills rather than where they fell in time gives the
    /// same account states: a market stops trading when it resolves, so no fill of its tokens
    /// follows its resolution, and a resolution touches only its own tokens; likewise a
    /// redemption touches only its own condition's redeemable value. A fill whose status changed
    /// after the resolution is applied here with its final status, which ends in the same state:
    /// live, failing it replays the history, and confirming it only touches a position the
    /// resolution already removed. Only the account histories can differ (the order of entries,
    /// a resolution entry that no longer applied to anything), so compare account states and
    /// valuations rather than whole ledgers once resolutions are involved.
    ///
    /// A fill the ledger refuses (an unknown account, an oversell) is [`StoreError::Corrupt`]
    /// naming the trade, and a resolution it refuses (winner out of range) is corrupt naming the
    /// condition: the stored history is not one the live ledger could have had.
    pub async fn load_ledger(&self) -> Result<Ledger> {
        let mut ledger = Ledger::new();
        for (account, bankroll) in self.accounts().await? {
            let key = account.0.clone();
            ledger
                .open_account(account, bankroll)
                .map_err(|e| StoreError::Corrupt {
                    table: "accounts",
                    key,
                    reason: e.to_string(),
                })?;
        }
        for (fill, status) in self.fills(None).await? {
            let key = fill.trade_id.0.clone();
            ledger
                .apply_fill(fill, status)
                .map_err(|e| StoreError::Corrupt {
                    table: "fills",
                    key,
                    reason: format!("the ledger refuses the fill: {e}"),
                })?;
        }
        let resolutions = self.resolutions().await?;
        for (resolution, _, _) in &resolutions {
            ledger
                .resolve(resolution)
                .map_err(|e| StoreError::Corrupt {
                    table: "resolutions",
                    key: resolution.condition.to_string(),
                    reason: format!("the ledger refuses the resolution: {e}"),
                })?;
        }
        for (resolution, _, redeemed) in &resolutions {
            if redeemed.is_some() {
                ledger
                    .redeem(resolution.condition)
                    .map_err(|e| StoreError::Corrupt {
                        table: "resolutions",
                        key: resolution.condition.to_string(),
                        reason: format!("the ledger refuses the redemption: {e}"),
                    })?;
            }
        }
        Ok(ledger)
    }
}

/// Parses a row and checks it is the trade its key says.
fn decode_fill(trade_id: &str, status: &str, data: &str) -> Result<(Fill, FillStatus)> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "fills",
        key: trade_id.to_owned(),
        reason,
    };
    let fill: Fill =
        serde_json::from_str(data).map_err(|e| corrupt(format!("invalid fill JSON: {e}")))?;
    if fill.trade_id.0 != trade_id {
        return Err(corrupt(format!("data is for trade {}", fill.trade_id)));
    }
    let status =
        parse_status(status).ok_or_else(|| corrupt(format!("unknown status `{status}`")))?;
    Ok((fill, status))
}
