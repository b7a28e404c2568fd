//! Start-up, which is also crash recovery: everything the engine resumes from comes out of the
//! store, and becomes the journal's session header.

use std::collections::BTreeSet;

use polybot_engine::orders::{OrderState, TrackedOrder};
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::{AccountId, FillStatus, RunningAlgo};
use polybot_model::Usdc;
use polybot_store::Store;

use crate::Result;

/// The kv key of the running execution algorithms.
pub const ALGOS_KEY: &str = "engine.algos";
/// The kv key recording whether this data directory trades on paper or live.
pub const MODE_KEY: &str = "engine.mode";

pub struct Recovered {
    pub header: SessionHeader,
    /// Every stored order (the live venue adopts them to recognise its trades).
    pub all_orders: Vec<TrackedOrder>,
    /// Stored fills and their settlement status, by fill id.
    pub fills: Vec<(String, FillStatus)>,
}

/// Refuses to mix paper and live in one store: a paper fill in a live ledger (or the reverse)
/// would corrupt both.
pub async fn check_mode(store: &Store, mode: Mode) -> Result<()> {
    match store.kv_get::<Mode>(MODE_KEY).await? {
        Some(stored) if stored != mode => Err(crate::RunError::Setup(format!(
            "this data directory holds a {stored} ledger; use another data_dir (--data-dir) for {mode} trading"
        ))),
        Some(_) => Ok(()),
        None => Ok(store.kv_set(MODE_KEY, &mode).await?),
    }
}

/// Loads the state to resume from. Accounts in `accounts` that the store lacks are created with
/// `bankroll`. In live mode an order stored as sent without a venue id may or may not have
/// reached the exchange: it is marked unknown, for reconciliation to settle.
pub async fn recover(
    store: &Store,
    mode: Mode,
    started_ms: i64,
    markets: Vec<SessionMarket>,
    sim: Option<SimSetup>,
    accounts: &[AccountId],
    bankroll: Usdc,
) -> Result<Recovered> {
    let known: BTreeSet<AccountId> = store
        .accounts()
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for account in accounts.iter().filter(|a| !known.contains(*a)) {
        store.upsert_account(account, bankroll).await?;
    }
    let accounts = store.accounts().await?;
    let fills = store.fills(None).await?;
    let resolutions = store
        .resolutions()
        .await?
        .into_iter()
        .map(|(r, _, redeemed)| (r, redeemed.is_some()))
        .collect();
    let mut orders = store.open_orders().await?;
    if mode == Mode::Live {
        for order in &mut orders {
            if matches!(order.state, OrderState::Submitted { .. }) && order.venue_id.is_none() {
                order.state = OrderState::Submitted { unknown: true };
            }
        }
    }
    let algos: Vec<RunningAlgo> = store.kv_get(ALGOS_KEY).await?.unwrap_or_default();
    let next_id = store.max_client_id().await?.map_or(1, |id| id.0 + 1);
    let mut all_orders = Vec::new();
    for (account, _) in &accounts {
        all_orders.extend(store.orders_by_account(account).await?);
    }
    let fill_status = fills
        .iter()
        .map(|(f, s): &(polybot_engine::Fill, FillStatus)| (f.trade_id.0.clone(), *s))
        .collect();
    Ok(Recovered {
        header: SessionHeader {
            format: FORMAT,
            mode,
            started_ms,
            markets,
            sim,
            accounts,
            fills,
            resolutions,
            orders,
            algos,
            next_id,
        },
        all_orders,
        fills: fill_status,
    })
}
