//! The engine loop: one task owns the kernel and feeds it, in arrival order, market data from
//! the WebSocket, the live venue's reports, clock ticks and operator commands. Per event:
//! journal it, let the kernel handle it, persist what changed (one transaction), then release
//! the venue's held orders — see the crate docs for why that order matters.

mod commands;
mod forecasts;
mod inputs;
mod leaders;
mod loads;
mod market_data;
mod summary;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use polybot_config::Config;
use polybot_engine::journal::JournalWriter;
use polybot_engine::session::{Mode, SimSetup};
use polybot_engine::sim::SimConfig;
use polybot_engine::{AccountId, Decision, Event, Fingerprint, Kernel, Venue};
use polybot_model::{TokenId, Usdc};
use polybot_polymarket::live::{LiveConfig, LiveVenue, Recovery};
use polybot_polymarket::signing::OrderSigner;
use polybot_polymarket::{MarketEvent, MarketStream, Polymarket, Publish};
use polybot_store::Store;
use tokio::sync::{broadcast, mpsc};

use crate::copy::LeaderFeed;
use crate::decision_log::DecisionLog;
use crate::forecasting::{ForecastFeed, ReadyForecast};
use crate::lock::EngineLock;
use crate::manual::{MANUAL_ACCOUNT, OperatorRequest};
use crate::markets::{self, MarketInfo};
use crate::persist::persist;
use crate::recovery::{self, Recovered};
use crate::{Result, RunError, dollars, now_ms};
use inputs::{Market, recv_forecast, recv_leader, recv_market, recv_report};
use polybot_alerts::AlertDispatcher;

/// How long the engine runs.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Stop after this long (None: until the shutdown future completes).
    pub duration: Option<Duration>,
    /// Stop once no operator command is pending and none was handled for this long (the
    /// engine a one-off `polybot order place` starts).
    pub idle_exit: Option<Duration>,
}

/// What a run did, for the operator.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub mode: Mode,
    pub events: u64,
    pub decisions: u64,
    pub fills: u64,
    pub fingerprint: Fingerprint,
    pub journal: PathBuf,
    /// Equity per account at the end, marked to the books' mids.
    pub equity: Vec<(AccountId, Usdc)>,
    /// The market stream's counters (messages, reconnects, resyncs).
    pub stream: Option<polybot_polymarket::StreamStats>,
}

/// An engine ready to run on one data directory (whose lock it holds).
pub struct Engine {
    config: Config,
    connector: Polymarket,
    store: Store,
    _lock: EngineLock,
}

impl Engine {
    /// Takes the data directory's lock and opens the store; `Ok(None)` when another engine
    /// runs on this data directory.
    pub async fn open(config: &Config) -> Result<Option<Engine>> {
        let Some(lock) = EngineLock::try_acquire(&config.storage.data_dir)? else {
            return Ok(None);
        };
        let store = Store::open(&config.storage.sqlite_url()).await?;
        let connector = Polymarket::new(&config.polymarket, &config.http)?;
        Ok(Some(Engine {
            config: config.clone(),
            connector,
            store,
            _lock: lock,
        }))
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Paper trading: live market data, the simulated venue, the wall clock.
    pub async fn run_paper(
        self,
        options: &EngineOptions,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<RunSummary> {
        let started_ms = now_ms();
        let sim = SimSetup {
            config: SimConfig {
                latency_ms: i64::try_from(self.config.execution.sim_latency_ms).unwrap_or(50),
            },
            trade_prefix: u64::try_from(started_ms).unwrap_or(0),
        };
        let (recovered, infos) = self.recover(Mode::Paper, started_ms, Some(sim)).await?;
        let header = &recovered.header;
        let kernel = header.build_kernel(header.sim_venue())?;
        Runner::new(self, kernel, &recovered, infos, None)?
            .run(options, shutdown)
            .await
    }

    /// Live trading: signed orders to the CLOB. The caller has checked the three gates.
    pub async fn run_live<S>(
        self,
        signer: OrderSigner<S>,
        options: &EngineOptions,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<RunSummary>
    where
        S: polymarket_client_sdk_v2::auth::Signer + Send + Sync + 'static,
    {
        let started_ms = now_ms();
        let (recovered, infos) = self.recover(Mode::Live, started_ms, None).await?;
        let exec = &self.config.execution;
        let mut live = LiveConfig::new(
            self.config.polymarket.ws_url.clone(),
            infos
                .iter()
                .map(|i| (i.session.token, i.token_rules()))
                .collect(),
        );
        live.order_timeout = Duration::from_millis(exec.order_timeout_ms);
        live.heartbeat_interval = Duration::from_millis(exec.heartbeat_interval_ms);
        let (tx, rx) = mpsc::unbounded_channel();
        let venue = LiveVenue::start_recovered(
            signer,
            live,
            tx,
            Recovery {
                orders: recovered.all_orders.clone(),
                fills: recovered.fills.clone(),
            },
        )?;
        let mut kernel = recovered.header.build_kernel(venue)?;
        // A cancel that was requested before the restart may never have been sent: send it
        // again (cancelling twice is harmless).
        let pending_cancels: Vec<_> = kernel
            .orders()
            .values()
            .filter(|o| o.state == polybot_engine::orders::OrderState::CancelPending)
            .map(|o| o.request.client_id)
            .collect();
        for id in pending_cancels {
            kernel.venue_mut().cancel(started_ms, id);
        }
        kernel.venue_mut().release();
        Runner::new(self, kernel, &recovered, infos, Some(rx))?
            .run(options, shutdown)
            .await
    }

    async fn recover(
        &self,
        mode: Mode,
        started_ms: i64,
        sim: Option<SimSetup>,
    ) -> Result<(Recovered, Vec<MarketInfo>)> {
        recovery::check_mode(&self.store, mode).await?;
        let mut accounts = vec![(
            AccountId::new(MANUAL_ACCOUNT),
            dollars(
                "execution.bankroll_usdc",
                self.config.execution.bankroll_usdc,
            )?,
        )];
        if self.config.copy.enabled {
            accounts.push((
                AccountId::new(self.config.copy.account.clone()),
                dollars("copy.bankroll_usdc", self.config.copy.bankroll_usdc)?,
            ));
        }
        if self.config.forecasting.enabled {
            accounts.push((
                AccountId::new(self.config.forecasting.account.clone()),
                dollars(
                    "forecasting.bankroll_usdc",
                    self.config.forecasting.bankroll_usdc,
                )?,
            ));
        }
        // First pass without markets, to learn which tokens the state involves.
        let probe = recovery::recover(
            &self.store,
            recovery::SessionStart {
                mode,
                started_ms,
                markets: Vec::new(),
                sim,
                accounts: &accounts,
                risk: &self.config.risk,
                strategies: recovery::strategy_setups(&self.config)?,
            },
        )
        .await?;
        let tokens = self.tokens_of(&probe).await?;
        let mut infos = Vec::new();
        for token in tokens {
            match markets::fetch(&self.connector, token).await {
                Ok(info) => infos.push(info),
                Err(e) => {
                    tracing::warn!(%token, error = %e, "cannot load the market rules; not following this token");
                }
            }
        }
        let mut recovered = probe;
        recovered.header.markets = infos.iter().map(|i| i.session.clone()).collect();
        Ok((recovered, infos))
    }

    /// Tokens the engine must follow: configured, held, ordered, worked by algos, or named by
    /// a pending operator command.
    async fn tokens_of(&self, recovered: &Recovered) -> Result<BTreeSet<TokenId>> {
        let header = &recovered.header;
        let mut tokens: BTreeSet<TokenId> = self
            .config
            .execution
            .tokens
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect();
        tokens.extend(header.orders.iter().map(|o| o.request.token_id));
        tokens.extend(header.algos.iter().map(|a| a.token));
        let ledger = header.ledger()?;
        for (_, account) in ledger.accounts() {
            tokens.extend(account.state().positions.keys().copied());
        }
        for command in self.store.pending_commands().await? {
            if let Ok(request) = command.decode_payload::<OperatorRequest>()
                && let polybot_engine::operator::OperatorCommand::Place(order) = request.command
            {
                tokens.insert(order.token);
            }
        }
        Ok(tokens)
    }
}

/// The running loop's state.
struct Runner<V: Venue> {
    engine: Engine,
    kernel: Kernel<V>,
    mode: Mode,
    journal: JournalWriter,
    journal_path: PathBuf,
    events: u64,
    decisions: u64,
    fills: u64,
    tokens: BTreeMap<TokenId, MarketInfo>,
    stream: Option<MarketStream>,
    market_rx: Option<broadcast::Receiver<MarketEvent>>,
    reports: Option<mpsc::UnboundedReceiver<Event>>,
    last_snapshot_ms: i64,
    last_command_ms: i64,
    /// Tokens whose book snapshot has arrived (and not been lost since).
    ready: BTreeSet<TokenId>,
    /// `<data_dir>/decisions.jsonl`, the copy of the store's decision log.
    decision_log: DecisionLog,
    /// Copy trading's leader trades, and those waiting for their market's first book.
    leaders: Option<LeaderFeed>,
    waiting_leaders: Vec<(polybot_wallets::DetectedTrade, i64)>,
    /// Markets of leader trades being loaded off the loop.
    loads: loads::MarketLoads,
    /// The forecast strategy's forecasts, and those waiting for their market's first books.
    forecasts: Option<ForecastFeed>,
    waiting_forecasts: Vec<(ReadyForecast, i64)>,
    /// Fills, halts, breaches and anomalies go to the configured channels, never blocking.
    alerts: AlertDispatcher,
    daily: summary::DailyTally,
}

/// How long a stopping engine waits for orders in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an operator command waits for its token's first book before it runs anyway.
const BOOK_WAIT_MS: i64 = 10_000;

impl<V: Venue + LiveRules> Runner<V> {
    fn new(
        engine: Engine,
        mut kernel: Kernel<V>,
        recovered: &Recovered,
        infos: Vec<MarketInfo>,
        reports: Option<mpsc::UnboundedReceiver<Event>>,
    ) -> Result<Self> {
        let header = &recovered.header;
        // The strategies come from the header's record of them, as a replay builds them.
        header
            .add_strategies(&mut kernel, &polybot_strategies::registry::build_for_engine)
            .map_err(|e| RunError::Setup(format!("strategies: {e}")))?;
        let journal_path = engine
            .config
            .storage
            .data_dir
            .join("journal")
            .join(format!("{}-{}.jsonl", header.started_ms, header.mode));
        let mut journal = JournalWriter::open(&journal_path)?;
        journal.session(header)?;
        journal.flush()?;
        let tokens = infos.into_iter().map(|i| (i.session.token, i)).collect();
        let alerts = AlertDispatcher::from_config(&engine.config.alerts)
            .map_err(|e| RunError::Setup(format!("alerts: {e}")))?;
        tracing::info!(
            mode = %header.mode,
            journal = %journal_path.display(),
            open_orders = header.orders.len(),
            algos = header.algos.len(),
            markets = header.markets.len(),
            "engine started (state recovered from the store)"
        );
        Ok(Runner {
            decision_log: DecisionLog::new(&engine.config.storage.data_dir),
            mode: header.mode,
            engine,
            kernel,
            journal,
            journal_path,
            events: 0,
            decisions: 0,
            fills: 0,
            tokens,
            stream: None,
            market_rx: None,
            reports,
            last_snapshot_ms: 0,
            last_command_ms: now_ms(),
            ready: BTreeSet::new(),
            leaders: None,
            waiting_leaders: Vec::new(),
            loads: loads::MarketLoads::new(),
            forecasts: None,
            waiting_forecasts: Vec::new(),
            alerts,
            daily: summary::DailyTally::default(),
        })
    }

    async fn run(
        mut self,
        options: &EngineOptions,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<RunSummary> {
        self.decision_log.open(&self.engine.store).await;
        self.restart_stream();
        // Halts and cutoffs queued while no engine ran take effect before any market event.
        self.sync_safety(now_ms()).await?;
        self.run_commands(now_ms()).await?;
        self.leaders =
            LeaderFeed::start(&self.engine.config, self.engine.connector.clone()).await?;
        self.forecasts = ForecastFeed::start(
            &self.engine.config,
            self.engine.store.clone(),
            self.engine.connector.clone(),
        )?;
        let exec = &self.engine.config.execution;
        let mut tick = tokio::time::interval(Duration::from_millis(exec.tick_interval_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let deadline = options.duration.map(|d| tokio::time::Instant::now() + d);
        let sleep_until = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(shutdown);
        tokio::pin!(sleep_until);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = &mut sleep_until => break,
                market = recv_market(&mut self.market_rx) => self.on_market(market).await?,
                Some(event) = recv_report(&mut self.reports) => self.process(event, None).await?,
                Some(trade) = recv_leader(&mut self.leaders) => self.on_leader_trade(trade).await?,
                Some(ready) = recv_forecast(&mut self.forecasts) => self.on_forecast(ready).await?,
                Some(loaded) = self.loads.recv() => self.on_market_loaded(loaded).await?,
                _ = tick.tick() => {
                    let now = now_ms();
                    self.sync_safety(now).await?;
                    self.release_waiting_leaders(now).await?;
                    self.release_waiting_forecasts(now).await?;
                    self.process(Event::Tick { ts: now }, None).await?;
                    self.maybe_daily_summary(now);
                    let idle = self.run_commands(now).await?;
                    self.maybe_snapshot(now).await?;
                    if idle && options.idle_exit.is_some_and(|d| now - self.last_command_ms >= i64::try_from(d.as_millis()).unwrap_or(i64::MAX)) {
                        break;
                    }
                }
            }
        }
        self.drain().await?;
        self.finish().await
    }

    /// On the way out, orders still in flight (sent but not answered, or marketable ones not
    /// yet closed) get a few seconds to settle, so the store ends as the venue stands. No new
    /// commands or ticks are handled meanwhile; what does not settle is reconciled at the next
    /// start.
    async fn drain(&mut self) -> Result<()> {
        let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
        while self.in_flight() {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    tracing::warn!("stopping with orders still in flight; the next start reconciles them");
                    break;
                }
                market = recv_market(&mut self.market_rx) => self.on_market(market).await?,
                Some(event) = recv_report(&mut self.reports) => self.process(event, None).await?,
                () = tokio::time::sleep(Duration::from_millis(50)) => {
                    self.process(Event::Tick { ts: now_ms() }, None).await?;
                }
            }
        }
        Ok(())
    }

    /// Orders whose outcome is not settled yet: sent and unanswered, or marketable and open.
    fn in_flight(&self) -> bool {
        self.kernel.orders().values().any(|o| {
            matches!(
                o.state,
                polybot_engine::orders::OrderState::Submitted { .. }
            ) || (o.state.is_open() && !o.request.time_in_force.rests())
        })
    }

    /// One event, completely: journal, kernel, store, then the venue may send.
    async fn process(&mut self, event: Event, command: Option<i64>) -> Result<()> {
        self.journal.append(&event)?;
        self.kernel.handle(&event);
        self.events += 1;
        let changes = self.kernel.take_changes();
        let completed: Vec<(i64, bool, String)> = command
            .map(|id| {
                let ok = changes.decisions.iter().any(|d| {
                    matches!(
                        d,
                        Decision::Placed { .. }
                            | Decision::AlgoStarted { .. }
                            | Decision::CancelSent { .. }
                            | Decision::RiskState { .. }
                    )
                });
                let result = serde_json::to_string(&changes.decisions).unwrap_or_default();
                (id, ok, result)
            })
            .into_iter()
            .collect();
        if !changes.is_empty() || !completed.is_empty() {
            let logged = persist(&self.engine.store, &changes, &completed, event.ts()).await?;
            self.decision_log.append(&self.engine.store, &logged).await;
            self.journal.check(self.events, self.kernel.fingerprint())?;
            self.journal.flush()?;
            self.decisions += changes.decisions.len() as u64;
            self.fills += changes.fills.len() as u64;
            self.daily.fills += u32::try_from(changes.fills.len()).unwrap_or(0);
            for decision in &changes.decisions {
                log_decision(decision);
                if let Some(alert) = crate::alerting::alert_for(decision, event.ts()) {
                    self.alerts.dispatch(alert);
                }
            }
        }
        self.kernel.venue_mut().release();
        self.kernel.prune_closed();
        Ok(())
    }

    async fn maybe_snapshot(&mut self, now: i64) -> Result<()> {
        let every =
            i64::try_from(self.engine.config.execution.snapshot_interval_secs).unwrap_or(60) * 1000;
        if now - self.last_snapshot_ms < every {
            return Ok(());
        }
        self.last_snapshot_ms = now;
        let kernel = &self.kernel;
        let mark = |t: TokenId| kernel.mark(t);
        let ledger = self.kernel.ledger();
        for (id, _) in ledger.accounts() {
            if let Some(snapshot) = ledger.snapshot(id, now, mark) {
                self.engine
                    .store
                    .insert_snapshot(Some(id), &snapshot)
                    .await?;
            }
        }
        self.engine
            .store
            .insert_snapshot(None, &ledger.total(now, mark))
            .await?;
        Ok(())
    }

    async fn finish(mut self) -> Result<RunSummary> {
        let grace = Duration::from_millis(self.engine.config.alerts.shutdown_grace_ms);
        self.alerts.shutdown(grace).await;
        let now = now_ms();
        self.last_snapshot_ms = 0;
        self.maybe_snapshot(now).await?;
        self.journal.flush()?;
        let kernel = &self.kernel;
        let mark = |t: TokenId| kernel.mark(t);
        let equity = self
            .kernel
            .ledger()
            .accounts()
            .filter_map(|(id, _)| {
                self.kernel
                    .ledger()
                    .snapshot(id, now, mark)
                    .map(|s| (id.clone(), s.equity))
            })
            .collect();
        Ok(RunSummary {
            mode: self.mode,
            events: self.events,
            decisions: self.decisions,
            fills: self.fills,
            fingerprint: self.kernel.fingerprint(),
            journal: self.journal_path,
            equity,
            stream: self.stream.as_ref().map(MarketStream::stats),
        })
    }
}

/// Lets the loop tell a live venue about a new token's signing rules without knowing which
/// venue it drives.
pub trait LiveRules {
    fn set_rules(&mut self, _info: &MarketInfo) {}
}

impl LiveRules for polybot_engine::sim::SimVenue {}

impl LiveRules for LiveVenue {
    fn set_rules(&mut self, info: &MarketInfo) {
        LiveVenue::set_rules(self, info.session.token, info.token_rules());
    }
}

fn log_decision(decision: &Decision) {
    match decision {
        Decision::Placed { order, reason } => tracing::info!(
            order = %order.client_id, account = %order.account, side = ?order.side,
            price = %order.price, quantity = ?order.quantity, tif = ?order.time_in_force, reason,
            "order placed"
        ),
        Decision::Filled {
            client_id,
            side,
            price,
            size,
            fee,
            ..
        } => tracing::info!(
            order = %client_id, side = ?side, %price, %size, %fee, "fill"
        ),
        Decision::Refused { account, code, .. } => {
            tracing::warn!(%account, code, "order refused");
        }
        Decision::Rejected { client_id, reason } => {
            tracing::warn!(order = %client_id, reason, "order rejected by the venue");
        }
        Decision::Anomaly { detail } => tracing::error!(detail, "anomaly"),
        other => tracing::debug!(decision = ?other, "decision"),
    }
}
