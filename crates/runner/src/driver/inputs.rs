//! The engine loop's inputs, each an `Option` that is simply never ready when the engine runs
//! without it (no market stream yet, copy trading or forecasting off, a simulated venue).

use polybot_engine::Event;
use polybot_polymarket::MarketEvent;
use tokio::sync::{broadcast, mpsc};

use crate::copy::LeaderFeed;
use crate::forecasting::{ForecastFeed, ReadyForecast};

pub(super) enum Market {
    Event(MarketEvent),
    Lagged,
}

pub(super) async fn recv_market(
    rx: &mut Option<broadcast::Receiver<MarketEvent>>,
) -> Option<Market> {
    let Some(receiver) = rx.as_mut() else {
        return std::future::pending().await;
    };
    match receiver.recv().await {
        Ok(event) => Some(Market::Event(event)),
        Err(broadcast::error::RecvError::Lagged(_)) => Some(Market::Lagged),
        Err(broadcast::error::RecvError::Closed) => {
            *rx = None;
            None
        }
    }
}

pub(super) async fn recv_forecast(feed: &mut Option<ForecastFeed>) -> Option<ReadyForecast> {
    match feed.as_mut() {
        Some(feed) => feed.recv().await,
        None => std::future::pending().await,
    }
}

pub(super) async fn recv_leader(
    feed: &mut Option<LeaderFeed>,
) -> Option<polybot_wallets::DetectedTrade> {
    match feed.as_mut() {
        Some(feed) => feed.recv().await,
        None => std::future::pending().await,
    }
}

pub(super) async fn recv_report(rx: &mut Option<mpsc::UnboundedReceiver<Event>>) -> Option<Event> {
    match rx.as_mut() {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}
