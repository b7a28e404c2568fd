//! Command-line interface definition (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "polybot",
    version,
    about = "An autonomous trading platform for Polymarket prediction markets"
)]
pub struct Cli {
    /// Configuration file (TOML). Without it, defaults plus POLYBOT_* environment overrides.
    #[arg(long, global = true, env = "POLYBOT_CONFIG")]
    pub config: Option<PathBuf>,

    /// Data directory for the database, journal and logs (overrides storage.data_dir).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the demo: a local fake Polymarket, a market scan through the real connector, and live books.
    Demo(DemoArgs),
    /// Discover markets on Gamma, filter, classify and score them.
    Scan(ScanArgs),
    /// Show one market (by condition id or slug): details, order books and recent prices.
    Market(MarketArgs),
    /// Stream the top of book of a token live from the CLOB WebSocket.
    Book(BookArgs),
    /// Run the fake Polymarket exchange on 127.0.0.1.
    Fakex(FakexArgs),
    /// Configuration: check and show the effective settings (secrets redacted).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the engine on paper: live market data, the simulated venue.
    Paper(RunArgs),
    /// Run the engine: live trading with --live when all three gates agree, otherwise paper.
    Run(LiveRunArgs),
    /// Positions, cash and PnL per account, from the store.
    Positions(ListArgs),
    /// Open orders (or all with --all), from the store.
    Orders(OrdersArgs),
    /// Manual trading through the engine's checks: place or cancel orders.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Is an engine running on this data directory, and how do the accounts stand?
    Status(ListArgs),
    /// Re-run a journal and compare every decision fingerprint; exits non-zero on a difference.
    Replay(ReplayArgs),
    /// The decision log: every stage's decisions with their reasons; --verify checks its hash chain.
    Decisions(DecisionsArgs),
    /// Stop new entries (exits keep running) until `polybot resume`.
    Halt(HaltArgs),
    /// Lift an operator halt and reset a tripped drawdown kill.
    Resume(RiskWaitArgs),
    /// Stop copying a trader.
    Cutoff(CutoffArgs),
    /// Copy a cut-off trader again.
    Uncutoff(UncutoffArgs),
    /// Whale scanner: tracked wallets' positions, deltas since the last run, conviction signals, SMI, net flow.
    Whales(WhalesArgs),
    /// Watched and leaderboard traders: score, copyable or why not, cut off or not.
    Traders(TradersArgs),
    /// Gather evidence for one market: queries, search, blocked domains, sources, evidence, quality.
    Research(ResearchArgs),
    /// The whole forecast of one market: research, ensemble, calibration, market combination, edge, risk, size.
    Forecast(ForecastArgs),
    /// LLM and search usage and cost, per provider, from the store.
    Costs(CostsArgs),
}

#[derive(Debug, Args)]
pub struct ResearchArgs {
    /// The market: a condition id (0x…) or a slug.
    #[arg(long)]
    pub market: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// The market: a condition id (0x…) or a slug.
    #[arg(long)]
    pub market: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CostsArgs {
    /// Only calls in this last period (e.g. 24h, 7d); all of them without it.
    #[arg(long, value_parser = crate::duration::parse)]
    pub since: Option<std::time::Duration>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stop after this long (e.g. 10m); runs until Ctrl-C without it.
    #[arg(long, value_parser = crate::duration::parse)]
    pub duration: Option<std::time::Duration>,
    /// A TOML file of timed manual orders to queue when the engine starts (see the README).
    #[arg(long)]
    pub script: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LiveRunArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Gate three of three for live trading (with execution.dry_run = false and POLYBOT_LIVE=true).
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// Also finished orders (filled, cancelled, expired, rejected).
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The journal file (<data_dir>/journal/<start>-<mode>.jsonl).
    #[arg(long)]
    pub journal: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DecisionsArgs {
    /// Only this stage: SCAN, RESEARCH, FORECAST, EDGE, RISK, SIZE, EXECUTE, MONITOR or EXIT.
    #[arg(long)]
    pub stage: Option<polybot_engine::Stage>,
    /// Only this market: a token id, or a condition id (0x…).
    #[arg(long)]
    pub market: Option<String>,
    /// How many records: the latest, or with --after the first after that seq.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Records after this seq, oldest first (to read through the log page by page).
    #[arg(long)]
    pub after: Option<i64>,
    /// One JSON object per line, as in <data_dir>/decisions.jsonl.
    #[arg(long)]
    pub json: bool,
    /// Check the hash chain in the store and in decisions.jsonl; exits non-zero naming the first
    /// bad record.
    #[arg(long, conflicts_with_all = ["stage", "market", "after"])]
    pub verify: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Place a limit, market, TWAP or iceberg order for the `manual` account.
    Place(Box<PlaceArgs>),
    /// Cancel an order or algo by id (c12), or all open manual orders with --all.
    Cancel(CancelArgs),
}

#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// Decimal token id (see `polybot market <slug>`).
    #[arg(long)]
    pub token: String,
    /// buy or sell.
    #[arg(long)]
    pub side: String,
    /// Limit price (for market orders, the worst price accepted).
    #[arg(long)]
    pub price: String,
    /// Shares.
    #[arg(long)]
    pub size: Option<String>,
    /// USDC to spend (market buys).
    #[arg(long)]
    pub usdc: Option<String>,
    /// limit (default), market (= fok), fok or fak.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Limit orders: gtd (default; expires after --ttl or execution.order_ttl_secs) or gtc.
    #[arg(long)]
    pub tif: Option<String>,
    /// Seconds a GTD order lives.
    #[arg(long)]
    pub ttl: Option<u64>,
    /// Rest only: refuse instead of crossing the book.
    #[arg(long)]
    pub post_only: bool,
    /// TWAP: number of slices (with --twap-secs).
    #[arg(long)]
    pub twap_slices: Option<u32>,
    /// TWAP: seconds over which the slices are spread.
    #[arg(long)]
    pub twap_secs: Option<u64>,
    /// Iceberg: shares shown at a time.
    #[arg(long)]
    pub iceberg_display: Option<String>,
    #[command(flatten)]
    pub engine: OneShotArgs,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The order or algo id (c12); omit with --all.
    pub id: Option<String>,
    /// Cancel every open manual order and algo.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    #[command(flatten)]
    pub engine: OneShotArgs,
}

#[derive(Debug, Args)]
pub struct OneShotArgs {
    /// How long to wait for the engine's answer; without a running engine, how long the engine
    /// started for this order keeps running to collect fills.
    #[arg(long, default_value = "5s", value_parser = crate::duration::parse)]
    pub wait: std::time::Duration,
    /// Live trading for an engine started for this order (all three gates apply).
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// How many accepted markets to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Override scanning.min_volume_usd.
    #[arg(long)]
    pub min_volume: Option<f64>,
    /// Override scanning.min_liquidity_usd.
    #[arg(long)]
    pub min_liquidity: Option<f64>,
    /// Override scanning.max_spread (fraction of 1, e.g. 0.05).
    #[arg(long)]
    pub max_spread: Option<f64>,
    /// Override scanning.max_days_to_expiry.
    #[arg(long)]
    pub max_days: Option<f64>,
    /// Only these categories (repeatable): MACRO, ELECTION, CORPORATE, WEATHER, SPORTS, CRYPTO, UNKNOWN.
    #[arg(long = "include-category")]
    pub include_categories: Vec<String>,
    /// Never these categories (repeatable; replaces scanning.exclude_categories).
    #[arg(long = "exclude-category")]
    pub exclude_categories: Vec<String>,
    /// Also list rejected markets with their reason codes.
    #[arg(long)]
    pub show_rejected: bool,
}

#[derive(Debug, Args)]
pub struct MarketArgs {
    /// A condition id (0x…) or a market slug.
    pub market: String,
    /// Book levels to show per side.
    #[arg(long, default_value_t = 5)]
    pub depth: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BookArgs {
    /// The outcome token id (decimal).
    pub token_id: String,
    /// Stop after this long (e.g. 30s, 5m); runs until Ctrl-C without it.
    #[arg(long, value_parser = crate::duration::parse)]
    pub duration: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How long to paper-trade after the scan (e.g. 60s, 5m).
    #[arg(long, default_value = "60s", value_parser = crate::duration::parse)]
    pub duration: std::time::Duration,
    /// Base port for the embedded fake exchange (0 = any free ports).
    #[arg(long, default_value_t = 0)]
    pub base_port: u16,
    /// Folder of recorded Polymarket JSON to seed the fake exchange (defaults to ../shared/data if present).
    #[arg(long)]
    pub seed_dir: Option<PathBuf>,
    /// Use generated markets even when recorded data is available (what a fresh machine sees).
    #[arg(long, conflicts_with = "seed_dir")]
    pub generated: bool,
}

#[derive(Debug, Args)]
pub struct FakexArgs {
    /// CLOB REST + WebSocket on P, Gamma on P+1, Data API on P+2, RTDS on P+3, the simulated
    /// AI (chat completions, search, research pages) on P+4.
    #[arg(long, default_value_t = 18080)]
    pub base_port: u16,
    /// Simulator seed: the same seed gives the same market evolution.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder of recorded Polymarket JSON (Gamma dumps, CLOB pages, books, histories, trades).
    /// Defaults to ../shared/data when present; otherwise markets are generated.
    #[arg(long)]
    pub seed_dir: Option<PathBuf>,
    /// Ignore recorded data and generate markets.
    #[arg(long, conflicts_with = "seed_dir")]
    pub generated: bool,
    /// Keep recorded dates as they are instead of shifting the capture time to now.
    #[arg(long)]
    pub no_time_shift: bool,
    /// Simulator tick in milliseconds (0 = frozen books).
    #[arg(long, default_value_t = 200)]
    pub sim_interval_ms: u64,
    /// Book events per simulator tick.
    #[arg(long, default_value_t = 20)]
    pub events_per_tick: u32,
    /// Fault: added latency per HTTP response (ms).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault: fraction of HTTP requests answered with 429/425/5xx.
    #[arg(long, default_value_t = 0.0)]
    pub http_error_rate: f64,
    /// Fault: close every market WebSocket every N seconds.
    #[arg(long)]
    pub ws_disconnect_every: Option<u64>,
    /// Fault: a WebSocket connection goes silent after N seconds.
    #[arg(long)]
    pub ws_stall_after: Option<u64>,
    /// Fault: fraction of extra malformed WebSocket frames.
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and the secrets; exit non-zero with every problem named.
    Check,
    /// Print the effective configuration as TOML.
    Show,
}

#[derive(Debug, Args)]
pub struct RiskWaitArgs {
    /// How long to wait for a running engine to apply it (without one it is applied when the
    /// engine next starts, before it trades).
    #[arg(long, default_value = "5s", value_parser = crate::duration::parse)]
    pub wait: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct HaltArgs {
    /// Why: recorded in the decision log and shown by `polybot status`.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub wait: RiskWaitArgs,
}

#[derive(Debug, Args)]
pub struct CutoffArgs {
    /// The trader's wallet (0x address).
    #[arg(long)]
    pub wallet: String,
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub wait: RiskWaitArgs,
}

#[derive(Debug, Args)]
pub struct UncutoffArgs {
    /// The trader's wallet (0x address).
    #[arg(long)]
    pub wallet: String,
    #[command(flatten)]
    pub wait: RiskWaitArgs,
}

#[derive(Debug, Args)]
pub struct WhalesArgs {
    /// A wallet to scan (0x address; repeatable), besides [wallets].watch.
    #[arg(long = "wallet")]
    pub wallets: Vec<String>,
    /// Without wallets, scan the leaderboard's top N (default [wallets].discovery_limit).
    #[arg(long)]
    pub top: Option<u32>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TradersArgs {
    /// Leaderboard candidates to list besides [wallets].watch (default [wallets].discovery_limit; 0 = none).
    #[arg(long)]
    pub top: Option<u32>,
    #[arg(long)]
    pub json: bool,
}
