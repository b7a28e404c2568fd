//! Start-up, which is also crash recovery: everything the engine resumes from comes out of the
//! store and the configuration, and becomes the journal's session header.

use std::collections::BTreeSet;

use polybot_config::Config;
use polybot_engine::kernel::{RiskMemory, RiskSetup};
use polybot_engine::orders::{OrderState, TrackedOrder};
use polybot_engine::session::{
    FORMAT, Mode, SessionHeader, SessionMarket, SimSetup, StrategySetup,
};
use polybot_engine::{AccountId, FillStatus, RunningAlgo};
use polybot_model::Usdc;
use polybot_store::Store;

use crate::{Result, RunError};

/// The kv key of the running execution algorithms.
pub const ALGOS_KEY: &str = "engine.algos";
/// The risk engine's memory (halts, drawdown guard, leaders, breakers, positions' entry times).
pub const RISK_KEY: &str = "engine.risk";
/// The kv key recording whether this data directory trades on paper or live.
pub const MODE_KEY: &str = "engine.mode";

/// How long before start-up an order may have closed and still be remembered by the kernel
/// (see `SessionHeader::closed_orders`). A fill the venue reports after the close we saw is for
/// a trade it matched before; we may only hear of it when reconciliation reads the venue's
/// trades after a restart, so the window must span the longest outage we expect to resume from
/// unattended (a night, with margin). A day of closed orders also keeps the header small.
pub const CLOSED_ORDER_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

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

/// The strategies the configuration enables, in the order the kernel asks them (copy trading,
/// then forecast trading), each with its section exactly as loaded. The session header records
/// them and the runner builds its strategies from that record, so a replay of the journal hosts
/// the very strategies the run hosted.
pub fn strategy_setups(config: &Config) -> Result<Vec<StrategySetup>> {
    use polybot_strategies::registry;
    let mut setups = Vec::new();
    if config.copy.enabled {
        setups.push(registry::copy_setup(&config.copy).map_err(setup_error)?);
    }
    if config.forecasting.enabled {
        setups.push(registry::forecast_setup(&config.forecasting).map_err(setup_error)?);
    }
    Ok(setups)
}

fn setup_error(e: polybot_strategies::BuildError) -> RunError {
    RunError::Setup(e.to_string())
}

/// What a session starts with besides the store: its mode and time, the markets it follows,
/// the simulated venue (paper), the accounts it trades for, the risk configuration and the
/// strategies it hosts.
pub struct SessionStart<'a> {
    pub mode: Mode,
    pub started_ms: i64,
    pub markets: Vec<SessionMarket>,
    pub sim: Option<SimSetup>,
    /// The accounts to trade for, each with the bankroll it opens with if the store lacks it.
    pub accounts: &'a [(AccountId, Usdc)],
    pub risk: &'a polybot_risk::RiskConfig,
    pub strategies: Vec<StrategySetup>,
}

/// Loads the state to resume from, with the orders closed in the last
/// [`CLOSED_ORDER_MEMORY_MS`]. Accounts the store lacks are created with the start's bankroll.
/// In live mode an order stored as sent without a venue id may or may not have reached the
/// exchange: it is marked unknown, for reconciliation to settle.
pub async fn recover(store: &Store, start: SessionStart<'_>) -> Result<Recovered> {
    let SessionStart {
        mode,
        started_ms,
        markets,
        sim,
        accounts,
        risk: risk_config,
        strategies,
    } = start;
    let known: BTreeSet<AccountId> = store
        .accounts()
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for (account, bankroll) in accounts.iter().filter(|(a, _)| !known.contains(a)) {
        store.upsert_account(account, *bankroll).await?;
    }
    let accounts = store.accounts().await?;
    let fills = store.fills(None).await?;
    let resolutions = store
        .resolutions()
        .await?
        .into_iter()
        .map(|(r, _, redeemed)| (r, redeemed.is_some()))
        .collect();
    let closed_orders = store
        .closed_orders_since(started_ms.saturating_sub(CLOSED_ORDER_MEMORY_MS))
        .await?;
    let mut orders = store.open_orders().await?;
    if mode == Mode::Live {
        for order in &mut orders {
            if matches!(order.state, OrderState::Submitted { .. }) && order.venue_id.is_none() {
                order.state = OrderState::Submitted { unknown: true };
            }
        }
    }
    let algos: Vec<RunningAlgo> = store.kv_get(ALGOS_KEY).await?.unwrap_or_default();
    let risk_memory: RiskMemory = store.kv_get(RISK_KEY).await?.unwrap_or_default();
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
            risk: RiskSetup {
                config: risk_config.clone(),
                memory: risk_memory,
            },
            strategies,
            closed_orders,
        },
        all_orders,
        fills: fill_status,
    })
}
