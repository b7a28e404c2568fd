//! [`SessionHeader`]: how one run of the kernel began — its mode, markets, simulated-venue setup,
//! the strategies it ran and the whole state it restored. It is the first record of every
//! journal, so a replay builds exactly the kernel the run built and feeds it the same events.

use polybot_model::{TokenId, Usdc};
use serde::{Deserialize, Serialize};

use crate::kernel::{ClosedOrder, Kernel, MarketMeta, Restored, RiskSetup, RunningAlgo};
use crate::ledger::{AccountId, Fill, FillStatus, Ledger, LedgerError, Resolution};
use crate::orders::{MarketRules, TrackedOrder};
use crate::sim::{SimConfig, SimMarket, SimVenue};
use crate::strategy::Strategy;
use crate::venue::Venue;

/// The journal format; a replay refuses other versions instead of misreading them.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Backtest,
    Paper,
    Live,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Backtest => "backtest",
            Mode::Paper => "paper",
            Mode::Live => "live",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMarket {
    pub token: TokenId,
    pub rules: MarketRules,
    pub taker_fee_bps: u32,
    /// What the risk engine knows about the market, when the driver knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Boxed: market events stay small on the hot path.
    pub meta: Option<Box<MarketMeta>>,
}

/// The simulated venue's setup (paper and backtest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSetup {
    pub config: SimConfig,
    pub trade_prefix: u64,
}

/// A strategy the session ran: its kind, as the strategy registry names it (`copy`,
/// `forecast`), and its configuration exactly as it ran. The engine hosts strategies without
/// knowing them (`polybot-strategies` depends on this crate, not the reverse), so the
/// configuration is an opaque JSON value that only the registry decodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySetup {
    pub kind: String,
    pub config: serde_json::Value,
}

impl StrategySetup {
    /// The setup of a strategy of `kind` configured with `config`.
    pub fn new(kind: &str, config: &impl Serialize) -> Result<Self, serde_json::Error> {
        Ok(StrategySetup {
            kind: kind.to_owned(),
            config: serde_json::to_value(config)?,
        })
    }
}

/// Builds the strategy a [`StrategySetup`] describes, or says why it cannot (naming the kind).
/// Whoever builds a session's kernel — the runner, a replay — passes the registry that knows the
/// strategies, which this crate cannot.
pub type BuildStrategy<'a> = dyn Fn(&StrategySetup) -> Result<Box<dyn Strategy>, String> + 'a;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionHeader {
    pub format: u32,
    pub mode: Mode,
    pub started_ms: i64,
    pub markets: Vec<SessionMarket>,
    pub sim: Option<SimSetup>,
    /// Ledger accounts and their bankrolls, then the ledger's history in order.
    pub accounts: Vec<(AccountId, Usdc)>,
    pub fills: Vec<(Fill, FillStatus)>,
    /// Resolutions, each with whether it was redeemed.
    pub resolutions: Vec<(Resolution, bool)>,
    /// Orders that may still trade.
    pub orders: Vec<TrackedOrder>,
    pub algos: Vec<RunningAlgo>,
    pub next_id: u64,
    /// The risk engine's configuration and restored memory.
    #[serde(default)]
    pub risk: RiskSetup,
    /// The strategies the session ran, in the order the kernel asked them (which decides whose
    /// intents are checked first against shared limits). Journals written before strategies
    /// were recorded have none, and a session without strategies writes no key, so its header
    /// reads as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategies: Vec<StrategySetup>,
    /// Orders that closed shortly before the session started. The venue may still report a
    /// fill for one (a trade it matched before the cancel or expiry we saw), and the kernel
    /// books it to the order's account only if it remembers the order; recorded here so a
    /// replay remembers the same orders and decides the same. Journals written before this was
    /// recorded have none, and a session without any writes no key, so its header reads as
    /// before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed_orders: Vec<ClosedOrder>,
}

impl SessionHeader {
    /// The ledger this session started with: accounts, then fills in order, then resolutions
    /// and redemptions (no fill follows its market's resolution, so this order is the real one).
    pub fn ledger(&self) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::new();
        for (account, bankroll) in &self.accounts {
            ledger.open_account(account.clone(), *bankroll)?;
        }
        for (fill, status) in &self.fills {
            ledger.apply_fill(fill.clone(), *status)?;
        }
        for (resolution, _) in &self.resolutions {
            ledger.resolve(resolution)?;
        }
        for (resolution, _) in self.resolutions.iter().filter(|(_, redeemed)| *redeemed) {
            ledger.redeem(resolution.condition)?;
        }
        Ok(ledger)
    }

    /// The kernel this session runs: its markets, and the restored ledger, orders and algos,
    /// remembering the recently closed orders as pruned ones.
    pub fn build_kernel<V: Venue>(&self, venue: V) -> Result<Kernel<V>, LedgerError> {
        let mut kernel = Kernel::new(venue);
        for market in &self.markets {
            kernel.add_session_market(market);
        }
        kernel.set_risk(self.risk.clone());
        kernel.restore(Restored {
            ledger: self.ledger()?,
            orders: self.orders.clone(),
            algos: self.algos.clone(),
            next_id: self.next_id,
            closed: self.closed_orders.clone(),
        });
        Ok(kernel)
    }

    /// Adds the session's strategies, in their recorded order, to a kernel built from this
    /// header. Fails at the first setup `build` cannot turn into a strategy.
    pub fn add_strategies<V: Venue>(
        &self,
        kernel: &mut Kernel<V>,
        build: &BuildStrategy<'_>,
    ) -> Result<(), String> {
        for setup in &self.strategies {
            kernel.add_strategy(build(setup)?);
        }
        Ok(())
    }

    /// The simulated venue of a paper session or backtest, with the restored orders handed over.
    #[must_use]
    pub fn sim_venue(&self) -> SimVenue {
        let setup = self.sim.unwrap_or(SimSetup {
            config: SimConfig::default(),
            trade_prefix: 0,
        });
        let mut venue = SimVenue::new(setup.config);
        venue.set_trade_prefix(setup.trade_prefix);
        for market in &self.markets {
            venue.add_market(
                market.token,
                SimMarket {
                    rules: market.rules,
                    taker_fee_bps: market.taker_fee_bps,
                },
            );
        }
        venue.restore(&self.orders);
        venue
    }
}
