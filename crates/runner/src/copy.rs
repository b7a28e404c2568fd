//! Copy trading's input: the wallet tracker's detected trades become `Event::LeaderTrade`s,
//! each carrying the leader's latest score (refreshed in the background from their recent
//! fills), so the kernel and a replay see the same signal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_primitives::Address;
use polybot_config::Config;
use polybot_engine::Event;
use polybot_engine::event::LeaderTrade;
use polybot_model::Probability;
use polybot_polymarket::Polymarket;
use polybot_wallets::poll::{Paging, fetch_window};
use polybot_wallets::{
    DataApi, DetectedTrade, DiscoveryQuery, ScoreContext, TrackerHandle, WatchedWallet, discover,
    score,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Result, RunError};

/// How far back a leader's fills are scored.
const SCORE_WINDOW_MS: i64 = 30 * 86_400_000;

/// A leader's latest score: composite in [0, 1], or why they cannot be copied.
#[derive(Debug, Clone, Default)]
struct LeaderScore {
    composite: Option<Probability>,
    uncopyable: Option<String>,
}

type Scores = Arc<Mutex<HashMap<Address, LeaderScore>>>;

/// The tracker, the scorer and the channel of detected trades.
pub struct LeaderFeed {
    rx: mpsc::Receiver<DetectedTrade>,
    tracker: Option<TrackerHandle>,
    scorer: JoinHandle<()>,
    scores: Scores,
    pub wallets: usize,
}

impl Drop for LeaderFeed {
    fn drop(&mut self) {
        self.scorer.abort();
        if let Some(tracker) = self.tracker.take() {
            tracker.shutdown();
        }
    }
}

impl LeaderFeed {
    /// Starts tracking `[wallets].watch`, or the leaderboard's top wallets when none are
    /// listed; `None` when copy trading is off or there is no one to follow.
    pub async fn start(config: &Config, connector: Polymarket) -> Result<Option<LeaderFeed>> {
        if !config.copy.enabled {
            return Ok(None);
        }
        let api = DataApi::new(&config.polymarket.data_url, &config.http)
            .map_err(|e| RunError::Setup(format!("Data API: {e}")))?;
        let mut wallets = config.wallets.clone();
        if wallets.watch.is_empty() {
            let found = discover(&api, &DiscoveryQuery::from_config(&wallets))
                .await
                .map_err(|e| RunError::Setup(format!("leaderboard discovery: {e}")))?;
            wallets.watch = found
                .candidates
                .iter()
                .map(|c| WatchedWallet {
                    address: c.wallet.to_string().to_ascii_lowercase(),
                    label: c.user_name.clone(),
                })
                .collect();
        }
        if wallets.watch.is_empty() {
            tracing::warn!("copy trading is on but no wallet is watched or discovered");
            return Ok(None);
        }
        let addresses: Vec<Address> = wallets.watch.iter().filter_map(|w| w.parsed()).collect();
        let (tracker, rx) = polybot_wallets::start(&wallets, api.clone())
            .map_err(|e| RunError::Setup(format!("wallet tracker: {e}")))?;
        let scores: Scores = Arc::default();
        let scorer = tokio::spawn(refresh_scores(
            api,
            connector,
            addresses.clone(),
            wallets.clone(),
            scores.clone(),
            Duration::from_secs(config.copy.score_refresh_secs),
        ));
        tracing::info!(wallets = addresses.len(), "copy trading: tracking wallets");
        Ok(Some(LeaderFeed {
            rx,
            tracker: Some(tracker),
            scorer,
            scores,
            wallets: addresses.len(),
        }))
    }

    pub async fn recv(&mut self) -> Option<DetectedTrade> {
        self.rx.recv().await
    }

    /// The kernel event for a detected trade, stamped `now`.
    #[must_use]
    pub fn event(&self, detected: &DetectedTrade, now: i64) -> Event {
        let t = &detected.trade;
        let score = self
            .scores
            .lock()
            .ok()
            .and_then(|s| s.get(&t.wallet).cloned())
            .unwrap_or_default();
        Event::LeaderTrade {
            trade: Box::new(LeaderTrade {
                wallet: t.wallet.to_string().to_ascii_lowercase(),
                label: detected.label.clone(),
                token: t.token,
                side: t.side,
                price: t.price,
                size: t.size,
                timestamp_ms: t.timestamp_ms,
                tx_hash: t.tx_hash.to_string(),
                score: score.composite,
                uncopyable: score.uncopyable,
            }),
            ts: now,
        }
    }
}

/// Scores every leader from their recent fills, now and every few minutes.
async fn refresh_scores(
    api: DataApi,
    connector: Polymarket,
    wallets: Vec<Address>,
    config: polybot_wallets::WalletsConfig,
    scores: Scores,
    every: Duration,
) {
    let paging = Paging {
        page_limit: config.page_limit,
        max_pages: config.max_pages,
    };
    loop {
        let now = polybot_wallets::now_ms();
        for wallet in &wallets {
            match fetch_window(&api, *wallet, now - SCORE_WINDOW_MS, paging).await {
                Ok(fetch) => {
                    // Open holdings are marked at the venue's midpoints, so a trader whose
                    // entries moved their way scores for it before the markets resolve.
                    let tokens: Vec<_> = fetch
                        .trades
                        .iter()
                        .map(|t| t.token)
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let marks = match connector.midpoints(&tokens).await {
                        Ok(marks) => marks.into_iter().collect(),
                        Err(e) => {
                            tracing::debug!(%wallet, error = %e, "no marks for scoring");
                            HashMap::new()
                        }
                    };
                    let ctx = ScoreContext {
                        resolutions: HashMap::new(),
                        marks,
                        now_ms: now,
                    };
                    let s = score(*wallet, &fetch.trades, &ctx, &config.thresholds());
                    let entry = LeaderScore {
                        composite: Probability::from_micros(
                            (s.composite.clamp(0.0, 1.0) * 1e6).round() as u32,
                        )
                        .ok(),
                        uncopyable: s.uncopyable.first().map(|u| u.code().to_owned()),
                    };
                    if let Ok(mut map) = scores.lock() {
                        map.insert(*wallet, entry);
                    }
                }
                Err(e) => tracing::warn!(%wallet, error = %e, "cannot score leader"),
            }
        }
        tokio::time::sleep(every).await;
    }
}
