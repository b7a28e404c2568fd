//! [`DataApi`]: the SDK's Data API client behind the connector's [`Resilience`] (rate limits
//! per endpoint family, per-attempt timeouts, jittered retries on 429/425/5xx), so wallet
//! tracking never hammers the venue and a slow answer never wedges a poll.

use std::sync::Arc;

use alloy_primitives::Address;
use polybot_polymarket::HttpConfig;
use polybot_polymarket::ratelimit::Family;
use polybot_polymarket::retry::Resilience;
use polymarket_client_sdk_v2::data;
use polymarket_client_sdk_v2::data::types::request::{
    PositionsRequest, TraderLeaderboardRequest, TradesRequest,
};
use polymarket_client_sdk_v2::data::types::response::{Position, Trade, TraderLeaderboardEntry};
use polymarket_client_sdk_v2::data::types::{LeaderboardCategory, LeaderboardOrderBy, TimePeriod};

use crate::error::WalletsError;

fn bad_param(
    param: &'static str,
) -> impl Fn(polymarket_client_sdk_v2::data::types::BoundedIntError) -> WalletsError {
    move |e| WalletsError::Request {
        param,
        reason: e.to_string(),
    }
}

/// The Data API, every call rate limited, timed out and retried.
#[derive(Clone)]
pub struct DataApi {
    client: data::Client,
    resilience: Arc<Resilience>,
}

impl std::fmt::Debug for DataApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataApi")
            .field("host", &self.client.host().as_str())
            .finish_non_exhaustive()
    }
}

impl DataApi {
    /// A client for `data_url` with its own rate limiter.
    pub fn new(data_url: &str, http: &HttpConfig) -> Result<Self, WalletsError> {
        Self::with_resilience(data_url, Arc::new(Resilience::new(http.clone())))
    }

    /// A client sharing `resilience` (and so its rate limits) with other callers.
    pub fn with_resilience(
        data_url: &str,
        resilience: Arc<Resilience>,
    ) -> Result<Self, WalletsError> {
        let client = data::Client::new(data_url).map_err(|e| WalletsError::Request {
            param: "data_url",
            reason: e.to_string(),
        })?;
        Ok(DataApi { client, resilience })
    }

    /// One page of `wallet`'s fills, newest first, maker fills included (`takerOnly=false`;
    /// the venue's default hides them).
    pub async fn trades_page(
        &self,
        wallet: Address,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<Trade>, WalletsError> {
        let request = TradesRequest::builder()
            .user(wallet)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .map_err(bad_param("limit"))?
            .offset(i32::try_from(offset).unwrap_or(i32::MAX))
            .map_err(bad_param("offset"))?
            .taker_only(false)
            .build();
        let client = &self.client;
        Ok(self
            .resilience
            .call("data_trades", Family::DataTrades, || {
                client.trades(&request)
            })
            .await?)
    }

    /// One page of the trader leaderboard.
    pub async fn leaderboard_page(
        &self,
        board: (LeaderboardCategory, TimePeriod, LeaderboardOrderBy),
        offset: u32,
        limit: u32,
    ) -> Result<Vec<TraderLeaderboardEntry>, WalletsError> {
        let (category, period, order_by) = board;
        let request = TraderLeaderboardRequest::builder()
            .category(category)
            .time_period(period)
            .order_by(order_by)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .map_err(bad_param("limit"))?
            .offset(i32::try_from(offset).unwrap_or(i32::MAX))
            .map_err(bad_param("offset"))?
            .build();
        let client = &self.client;
        Ok(self
            .resilience
            .call("data_leaderboard", Family::DataOther, || {
                client.leaderboard(&request)
            })
            .await?)
    }

    /// One page of `wallet`'s open positions.
    pub async fn positions_page(
        &self,
        wallet: Address,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<Position>, WalletsError> {
        let request = PositionsRequest::builder()
            .user(wallet)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .map_err(bad_param("limit"))?
            .offset(i32::try_from(offset).unwrap_or(i32::MAX))
            .map_err(bad_param("offset"))?
            .build();
        let client = &self.client;
        Ok(self
            .resilience
            .call("data_positions", Family::DataPositions, || {
                client.positions(&request)
            })
            .await?)
    }
}
