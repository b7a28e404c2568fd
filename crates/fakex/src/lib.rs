//! `polybot-fakex`: a fake Polymarket on 127.0.0.1 that speaks the real protocol.
//!
//! The bot and its tests must exercise the venue's real wire formats (strict JSON types,
//! worst-first books, base64 cursors, the market WebSocket) without touching the network, so
//! fakex serves the CLOB REST API and market WebSocket, Gamma, the Data API and the RTDS
//! activity stream, such that Polymarket's official Rust SDK talks to it unchanged. Markets come from recorded venue
//! data ([`seed`], time-shifted to the present) or are generated; a deterministic simulator
//! moves the books; faults (latency, HTTP errors, WS disconnects, stalls, garbage frames) can
//! be injected to test the client's resilience.
//!
//! Ports: CLOB REST + market WebSocket on the base port P, Gamma on P+1, the Data API on P+2,
//! the RTDS activity stream on P+3 and the simulated AI services ([`ai`]: OpenAI-style chat
//! completions, Tavily-style search and the research page mirror) on P+4.
//!
//! Wallets: every simulated trade is attributed to a wallet (see the Data API and the RTDS
//! `activity` stream). A few wallets trade in a recognisable style — *skilled* ones trade on
//! the simulator's fair value where it pays for the spread (taking when the gap is wide,
//! otherwise filled as makers) and start with a simulated, profitable track record;
//! *scalpers* make many tiny round trips — chosen deterministically from the seed
//! ([`Exchange::wallet_styles`]). Tests can read a wallet's tape ([`Exchange::wallet_trades`])
//! and inject fills with any timestamp or role ([`Exchange::inject_wallet_trade`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), polybot_fakex::FakexError> {
//! let fakex = polybot_fakex::start(polybot_fakex::FakexConfig {
//!     base_port: 0,
//!     seed_dir: polybot_fakex::default_seed_dir(),
//!     sim_interval_ms: 0,
//!     ..Default::default()
//! })
//! .await?;
//! let exchange = fakex.exchange();
//! exchange.step(50); // drive the simulator by hand
//! println!("CLOB at {}", fakex.clob_url());
//! fakex.shutdown().await;
//! # Ok(()) }
//! ```

pub mod ai;
mod books;
mod catalog;
mod error;
mod exchange;
mod history;
mod http;
mod seed;
mod sim;
mod styles;
mod tape;
mod trading;
mod util;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use ai::AiStats;
pub use books::check as check_book;
pub use error::FakexError;
pub use exchange::{Exchange, ExchangeStats, InjectedTrade, TapeRecord, WalletStyles};
pub use seed::{FolderReport, SeedReport};
pub use trading::{AccountView, MakerFill, Order, OrderStatus, Trade, TradeStatus};

/// How to run fakex.
#[derive(Debug, Clone)]
pub struct FakexConfig {
    /// Always loopback (fakex refuses anything else); default 127.0.0.1.
    pub host: IpAddr,
    /// CLOB REST + market WS on P, Gamma on P+1, Data API on P+2, RTDS on P+3, the simulated
    /// AI services on P+4; 0 → five ephemeral ports.
    pub base_port: u16,
    /// Seed of every random choice (books, simulator, generated markets, faults).
    pub seed: u64,
    /// Recorded venue JSON to serve; `None` → generated markets only.
    pub seed_dir: Option<PathBuf>,
    /// Shift recorded dates so each folder's capture time becomes "now" (default true).
    pub time_shift: bool,
    /// Simulator tick period; 0 → no background simulation (drive it with `Exchange::step`).
    pub sim_interval_ms: u64,
    /// Book events per simulator tick.
    pub events_per_tick: u32,
    /// Markets to generate when there is no seed data.
    pub generated_markets: usize,
    pub faults: Faults,
    /// pUSD every new trading account starts with, in whole dollars.
    pub starting_cash_usdc: u64,
    /// A trade goes MATCHED → MINED after this long (ms).
    pub trade_mined_ms: u64,
    /// … and MINED → CONFIRMED once this long has passed since the match (ms).
    pub trade_confirmed_ms: u64,
    /// A key that sent heartbeats and then stops for this long loses all its open orders (ms).
    pub heartbeat_timeout_ms: u64,
}

impl Default for FakexConfig {
    fn default() -> Self {
        FakexConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            base_port: 18080,
            seed: 42,
            seed_dir: None,
            time_shift: true,
            sim_interval_ms: 100,
            events_per_tick: 20,
            generated_markets: 200,
            faults: Faults::default(),
            starting_cash_usdc: 10_000,
            trade_mined_ms: 2_000,
            trade_confirmed_ms: 5_000,
            heartbeat_timeout_ms: 10_000,
        }
    }
}

/// Injected faults; all off by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added to every HTTP response.
    pub latency_ms: u64,
    /// Share of HTTP requests answered with 429 (Retry-After: 1), 500, 502, 503 or 425.
    pub http_error_rate: f64,
    /// Close every market WS connection (Close frame) this often.
    pub ws_disconnect_every_secs: Option<u64>,
    /// After this long, a connection receives nothing more (TCP open, `PING` unanswered).
    pub ws_stall_after_secs: Option<u64>,
    /// Share of extra garbage WS text frames, sent in addition to the real ones.
    pub malformed_rate: f64,
}

/// The shared data folder of this machine, if present: `../shared/data` from the current
/// directory, or from the workspace root. The product also runs without it.
#[must_use]
pub fn default_seed_dir() -> Option<PathBuf> {
    [
        PathBuf::from("../shared/data"),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .map(|p| p.canonicalize().unwrap_or(p))
}

/// A running fakex: its URLs, its exchange, and the way to stop it.
pub struct FakexHandle {
    clob: SocketAddr,
    gamma: SocketAddr,
    data: SocketAddr,
    rtds: SocketAddr,
    ai: SocketAddr,
    ai_state: Arc<ai::Ai>,
    exchange: Arc<Exchange>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl FakexHandle {
    /// `http://127.0.0.1:P`
    #[must_use]
    pub fn clob_url(&self) -> String {
        format!("http://{}", self.clob)
    }

    /// `ws://127.0.0.1:P` (the SDK appends `/ws/market`).
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.clob)
    }

    /// `http://127.0.0.1:P+1`
    #[must_use]
    pub fn gamma_url(&self) -> String {
        format!("http://{}", self.gamma)
    }

    /// `http://127.0.0.1:P+2`
    #[must_use]
    pub fn data_url(&self) -> String {
        format!("http://{}", self.data)
    }

    /// `ws://127.0.0.1:P+3`: the RTDS activity stream (the socket lives at the root path, as
    /// `wss://ws-live-data.polymarket.com` does).
    #[must_use]
    pub fn rtds_url(&self) -> String {
        format!("ws://{}", self.rtds)
    }

    /// `http://127.0.0.1:P+4`: fakex's simulated AI — OpenAI chat completions at
    /// `/v1/chat/completions`, Tavily search at `/search`, research pages under `/pages` (the
    /// fetcher's `fetch_mirror`). See [`ai`].
    #[must_use]
    pub fn ai_url(&self) -> String {
        format!("http://{}", self.ai)
    }

    /// What the simulated AI has answered so far, and every page it served.
    #[must_use]
    pub fn ai_stats(&self) -> AiStats {
        self.ai_state.stats()
    }

    #[must_use]
    pub fn exchange(&self) -> Arc<Exchange> {
        Arc::clone(&self.exchange)
    }

    /// Stops the servers, the simulator and every WebSocket connection.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.exchange.disconnect_all();
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// Dropping the handle stops everything too (without waiting), so a test that forgets
/// `shutdown` does not leave servers or WebSocket connections running.
impl Drop for FakexHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.exchange.disconnect_all();
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

fn validate(config: &FakexConfig) -> Result<(), FakexError> {
    if !config.host.is_loopback() {
        return Err(FakexError::NotLoopback(config.host));
    }
    if config.base_port > u16::MAX - 4 {
        return Err(FakexError::PortRange(config.base_port));
    }
    let f = &config.faults;
    for (name, rate) in [
        ("http_error_rate", f.http_error_rate),
        ("malformed_rate", f.malformed_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(FakexError::Config(format!(
                "faults.{name} = {rate}: must be in [0, 1]"
            )));
        }
    }
    Ok(())
}

async fn bind(host: IpAddr, port: u16) -> Result<TcpListener, FakexError> {
    let addr = SocketAddr::new(host, port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| FakexError::Bind { addr, source })
}

fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(err) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%err, "fakex server stopped");
        }
    })
}

/// Starts fakex: loads the data, binds the five services and starts the simulator.
pub async fn start(config: FakexConfig) -> Result<FakexHandle, FakexError> {
    validate(&config)?;
    let exchange = load_exchange(&config).await?;
    exchange.configure_trading(trading_config(&config));
    let ports = match config.base_port {
        0 => [0; 5],
        p => [p, p + 1, p + 2, p + 3, p + 4],
    };
    let clob = bind(config.host, ports[0]).await?;
    let gamma = bind(config.host, ports[1]).await?;
    let data = bind(config.host, ports[2]).await?;
    let rtds = bind(config.host, ports[3]).await?;
    let ai_listener = bind(config.host, ports[4]).await?;
    let addr = |l: &TcpListener| l.local_addr().map_err(|e| FakexError::Load(e.to_string()));
    let (clob_addr, gamma_addr, data_addr) = (addr(&clob)?, addr(&gamma)?, addr(&data)?);
    let (rtds_addr, ai_addr) = (addr(&rtds)?, addr(&ai_listener)?);

    let (stop_tx, stop_rx) = watch::channel(false);
    let [clob_router, gamma_router, data_router] = routers(&exchange, &config);
    let rtds_router = Router::new()
        .route("/", get(http::rtds::rtds))
        .fallback(http::not_found)
        .with_state(Arc::clone(&exchange));
    let ai_state = ai::Ai::new(Arc::clone(&exchange));
    let ai_router = ai_router(&ai_state, &exchange, &config);
    let mut tasks = vec![
        serve(clob, clob_router, stop_rx.clone()),
        serve(gamma, gamma_router, stop_rx.clone()),
        serve(data, data_router, stop_rx.clone()),
        serve(rtds, rtds_router, stop_rx.clone()),
        serve(ai_listener, ai_router, stop_rx.clone()),
    ];
    tasks.extend(background_tasks(&exchange, &config, &stop_rx));
    tracing::info!(clob = %clob_addr, gamma = %gamma_addr, data = %data_addr, rtds = %rtds_addr, ai = %ai_addr, "fakex listening");
    Ok(FakexHandle {
        clob: clob_addr,
        gamma: gamma_addr,
        data: data_addr,
        rtds: rtds_addr,
        ai: ai_addr,
        ai_state,
        exchange,
        shutdown: stop_tx,
        tasks,
    })
}

fn trading_config(config: &FakexConfig) -> trading::TradingConfig {
    trading::TradingConfig {
        starting_cash: i64::try_from(config.starting_cash_usdc.saturating_mul(1_000_000))
            .unwrap_or(i64::MAX),
        mined_after: Duration::from_millis(config.trade_mined_ms),
        confirmed_after: Duration::from_millis(config.trade_confirmed_ms),
        heartbeat_timeout: Duration::from_millis(config.heartbeat_timeout_ms),
    }
}

/// Builds the exchange on a blocking thread (it reads the seed folder).
async fn load_exchange(config: &FakexConfig) -> Result<Arc<Exchange>, FakexError> {
    let ws_faults = exchange::WsFaults {
        stall_after_secs: config.faults.ws_stall_after_secs,
        malformed_rate: config.faults.malformed_rate,
    };
    let (dir, shift, seed, generated) = (
        config.seed_dir.clone(),
        config.time_shift,
        config.seed,
        config.generated_markets,
    );
    tokio::task::spawn_blocking(move || {
        Arc::new(Exchange::build(
            dir.as_deref(),
            shift,
            seed,
            generated,
            ws_faults,
        ))
    })
    .await
    .map_err(|e| FakexError::Load(e.to_string()))
}

/// The CLOB (REST + market WS), Gamma and Data API routers, each behind the fault layer.
fn routers(exchange: &Arc<Exchange>, config: &FakexConfig) -> [Router; 3] {
    let layer = |service| {
        let ctx = http::HttpCtx::new(
            Arc::clone(exchange),
            config.faults.clone(),
            service,
            config.seed,
        );
        from_fn_with_state(ctx, http::faults)
    };
    let clob = http::clob::routes()
        .merge(http::clob_markets::routes())
        .merge(trading::http::routes())
        .route("/ws/market", get(http::ws::market))
        .route("/ws/user", get(trading::user_ws::user))
        .fallback(http::not_found)
        .with_state(Arc::clone(exchange))
        .layer(layer("clob"));
    let gamma = http::gamma::routes()
        .fallback(http::not_found)
        .with_state(Arc::clone(exchange))
        .layer(layer("gamma"));
    let data = http::data::routes()
        .fallback(http::not_found)
        .with_state(Arc::clone(exchange))
        .layer(layer("data"));
    [clob, gamma, data]
}

/// The simulated AI's router, behind the same fault layer as the venue's services.
fn ai_router(state: &Arc<ai::Ai>, exchange: &Arc<Exchange>, config: &FakexConfig) -> Router {
    let ctx = http::HttpCtx::new(
        Arc::clone(exchange),
        config.faults.clone(),
        "ai",
        config.seed,
    );
    ai::routes()
        .fallback(http::not_found)
        .with_state(Arc::clone(state))
        .layer(from_fn_with_state(ctx, http::faults))
}

/// How often trade settlement, heartbeats and GTD expiry are checked.
const TRADING_TICK: Duration = Duration::from_millis(25);

/// The trading ticker, the simulator clock and the periodic WS disconnect fault, when configured.
fn background_tasks(
    exchange: &Arc<Exchange>,
    config: &FakexConfig,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let ex = Arc::clone(exchange);
    let mut tasks = vec![every(TRADING_TICK, stop.clone(), move || ex.tick_trading())];
    if config.sim_interval_ms > 0 {
        let (ex, n) = (Arc::clone(exchange), config.events_per_tick);
        let period = Duration::from_millis(config.sim_interval_ms);
        tasks.push(every(period, stop.clone(), move || ex.step(n)));
    }
    if let Some(secs) = config.faults.ws_disconnect_every_secs.filter(|s| *s > 0) {
        let ex = Arc::clone(exchange);
        tasks.push(every(Duration::from_secs(secs), stop.clone(), move || {
            ex.disconnect_all()
        }));
    }
    tasks
}

/// Runs `f` every `period` until shutdown (the first run after one period).
fn every(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    f: impl Fn() + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = ticker.tick() => f(),
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    })
}
