//! [`Polymarket`]: the REST side of the connector (Gamma discovery and CLOB market data),
//! every call through the SDK with rate limits, timeouts and retries.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use polybot_model::{ConditionId, Market, OrderBook, Probability, TickSize, TokenId};
use polymarket_client_sdk_v2::clob::types::request::{
    MidpointRequest, OrderBookSummaryRequest, PriceHistoryRequest, PriceRequest, SpreadRequest,
};
use polymarket_client_sdk_v2::clob::types::{Interval, TimeRange};
use polymarket_client_sdk_v2::types::Decimal;
use polymarket_client_sdk_v2::{clob, gamma};

use crate::config::{Endpoints, HttpConfig};
use crate::convert;
use crate::error::{ConnectorError, Result};
use crate::ratelimit::Family;
use crate::retry::Resilience;

/// Books per `POST /books` request.
const BOOKS_BATCH: usize = 100;

/// Filters passed to Gamma's `/markets` (server-side, before polybot's own scan filters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GammaQuery {
    /// `Some(false)` lists only open markets.
    pub closed: Option<bool>,
    pub volume_min: Option<f64>,
    pub liquidity_min: Option<f64>,
    pub end_date_min: Option<DateTime<Utc>>,
    pub end_date_max: Option<DateTime<Utc>>,
    /// A Gamma field to order by, e.g. `volumeNum`.
    pub order: Option<String>,
    pub ascending: Option<bool>,
}

/// A Gamma record that could not be turned into a market, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it was: a Gamma id, or the page offset when the record could not even be parsed.
    pub locator: String,
    pub reason: String,
}

/// Markets fetched from Gamma, and what was skipped on the way.
#[derive(Debug, Default)]
pub struct GammaFetch {
    pub markets: Vec<Market>,
    pub skipped: Vec<Skipped>,
}

/// A Gamma event: a group of markets (for neg-risk events, exactly one of them resolves YES).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub neg_risk: bool,
    pub end_date: Option<DateTime<Utc>>,
    pub volume: polybot_model::Usdc,
    pub liquidity: polybot_model::Usdc,
    pub markets: Vec<Market>,
}

/// The span of a price history request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySpan {
    LastMinute,
    LastHour,
    LastSixHours,
    LastDay,
    LastWeek,
    All,
    Range { start_ts: i64, end_ts: i64 },
}

#[derive(Clone)]
pub struct Polymarket {
    clob: clob::Client,
    gamma: gamma::Client,
    resilience: Arc<Resilience>,
    endpoints: Endpoints,
}

impl std::fmt::Debug for Polymarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Polymarket")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl Polymarket {
    pub fn new(endpoints: &Endpoints, http: &HttpConfig) -> Result<Self> {
        let sdk_err = |e: polymarket_client_sdk_v2::error::Error| ConnectorError::Sdk {
            op: "connect",
            message: e.to_string(),
        };
        Ok(Polymarket {
            clob: clob::Client::new(&endpoints.clob_url, clob::Config::default())
                .map_err(sdk_err)?,
            gamma: gamma::Client::new(&endpoints.gamma_url).map_err(sdk_err)?,
            resilience: Arc::new(Resilience::new(http.clone())),
            endpoints: endpoints.clone(),
        })
    }

    #[must_use]
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The SDK's CLOB client (for callers that need an endpoint not wrapped here).
    #[must_use]
    pub fn clob(&self) -> &clob::Client {
        &self.clob
    }

    #[must_use]
    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    /// The CLOB's clock, unix seconds.
    pub async fn server_time(&self) -> Result<i64> {
        self.resilience
            .call("server_time", Family::ClobRead, || self.clob.server_time())
            .await
    }

    pub async fn version(&self) -> Result<u32> {
        self.resilience
            .call("version", Family::ClobRead, || self.clob.version())
            .await
    }

    /// Up to `max` markets from Gamma, `page_size` per request. A page that fails to parse is
    /// split until the bad record is isolated, which is then skipped and reported: one odd
    /// market must not hide the hundred around it.
    pub async fn gamma_markets(
        &self,
        query: &GammaQuery,
        page_size: u32,
        max: usize,
    ) -> Result<GammaFetch> {
        let mut out = GammaFetch::default();
        let records = self
            .paged(
                "gamma_markets",
                Family::GammaMarkets,
                page_size,
                max,
                &mut out.skipped,
                |offset, limit| {
                    let request = markets_request(query, offset, limit);
                    async move { self.gamma.markets(&request).await }
                },
            )
            .await?;
        for record in &records {
            match convert::market_from_gamma(record) {
                Ok(market) => out.markets.push(market),
                Err(e) => out.skipped.push(Skipped {
                    locator: format!("gamma id {}", record.id),
                    reason: e.to_string(),
                }),
            }
        }
        log_skipped(&out.skipped);
        Ok(out)
    }

    /// Up to `max` events from Gamma with their markets; each market carries its event's id
    /// and title (Gamma omits the back-reference inside an event).
    pub async fn gamma_events(
        &self,
        query: &GammaQuery,
        page_size: u32,
        max: usize,
    ) -> Result<(Vec<Event>, Vec<Skipped>)> {
        let mut skipped = Vec::new();
        let records = self
            .paged(
                "gamma_events",
                Family::GammaEvents,
                page_size,
                max,
                &mut skipped,
                |offset, limit| {
                    let request = events_request(query, offset, limit);
                    async move { self.gamma.events(&request).await }
                },
            )
            .await?;
        let events = records
            .iter()
            .map(|e| event_from_gamma(e, &mut skipped))
            .collect();
        log_skipped(&skipped);
        Ok((events, skipped))
    }

    /// Pages through `[0, max)`, bisecting around records the SDK cannot parse.
    async fn paged<T, F, Fut>(
        &self,
        op: &'static str,
        family: Family,
        page_size: u32,
        max: usize,
        skipped: &mut Vec<Skipped>,
        fetch: F,
    ) -> Result<Vec<T>>
    where
        F: Fn(usize, usize) -> Fut,
        Fut: std::future::Future<Output = polymarket_client_sdk_v2::Result<Vec<T>>>,
    {
        let page_size = page_size.clamp(1, 500) as usize;
        let mut records = Vec::new();
        let mut offset = 0usize;
        while offset < max {
            let want = page_size.min(max - offset);
            let mut pending = vec![(offset, want)];
            let mut pages = Vec::new();
            let mut exhausted = false;
            while let Some((off, lim)) = pending.pop() {
                match self.resilience.call(op, family, || fetch(off, lim)).await {
                    Ok(page) => {
                        exhausted |= page.len() < lim;
                        pages.push((off, page));
                    }
                    Err(ConnectorError::Decode { message, .. }) if lim > 1 => {
                        tracing::debug!(op, offset = off, limit = lim, %message, "page failed to parse; bisecting");
                        pending.push((off + lim / 2, lim - lim / 2));
                        pending.push((off, lim / 2));
                    }
                    Err(ConnectorError::Decode { message, .. }) => {
                        skipped.push(Skipped {
                            locator: format!("{op} offset {off}"),
                            reason: message,
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
            pages.sort_by_key(|(off, _)| *off);
            records.extend(pages.into_iter().flat_map(|(_, page)| page));
            offset += want;
            if exhausted {
                break;
            }
        }
        Ok(records)
    }

    /// One market by slug, from Gamma.
    pub async fn market_by_slug(&self, slug: &str) -> Result<Option<Market>> {
        let mut request = gamma::types::request::MarketsRequest::default();
        request.slug = vec![slug.to_owned()];
        self.first_market(&request).await
    }

    /// One market by condition id, from Gamma.
    pub async fn market_by_condition(&self, id: ConditionId) -> Result<Option<Market>> {
        let mut request = gamma::types::request::MarketsRequest::default();
        request.condition_ids = vec![id.0];
        self.first_market(&request).await
    }

    async fn first_market(
        &self,
        request: &gamma::types::request::MarketsRequest,
    ) -> Result<Option<Market>> {
        let page = self
            .resilience
            .call("gamma_markets", Family::GammaMarkets, || {
                self.gamma.markets(request)
            })
            .await?;
        page.first().map(convert::market_from_gamma).transpose()
    }

    pub async fn book(&self, token: TokenId) -> Result<OrderBook> {
        let request = OrderBookSummaryRequest::builder().token_id(token.0).build();
        let response = self
            .resilience
            .call("book", Family::ClobRead, || self.clob.order_book(&request))
            .await?;
        convert::book_from_rest(&response)
    }

    /// Books for many tokens, batched.
    pub async fn books(&self, tokens: &[TokenId]) -> Result<Vec<OrderBook>> {
        let mut books = Vec::with_capacity(tokens.len());
        for chunk in tokens.chunks(BOOKS_BATCH) {
            let requests: Vec<_> = chunk
                .iter()
                .map(|t| OrderBookSummaryRequest::builder().token_id(t.0).build())
                .collect();
            let responses = self
                .resilience
                .call("books", Family::ClobRead, || {
                    self.clob.order_books(&requests)
                })
                .await?;
            for response in &responses {
                books.push(convert::book_from_rest(response)?);
            }
        }
        Ok(books)
    }

    pub async fn midpoints(&self, tokens: &[TokenId]) -> Result<HashMap<TokenId, Probability>> {
        let requests: Vec<_> = tokens
            .iter()
            .map(|t| MidpointRequest::builder().token_id(t.0).build())
            .collect();
        let response = self
            .resilience
            .call("midpoints", Family::ClobRead, || {
                self.clob.midpoints(&requests)
            })
            .await?;
        Ok(quotes(response.midpoints.iter().map(|(k, v)| (*k, v))))
    }

    /// The best price a taker would get on `side` (BUY = the best ask, SELL = the best bid).
    pub async fn prices(
        &self,
        tokens: &[TokenId],
        side: polybot_model::Side,
    ) -> Result<HashMap<TokenId, Probability>> {
        let sdk_side = match side {
            polybot_model::Side::Buy => polymarket_client_sdk_v2::clob::types::Side::Buy,
            polybot_model::Side::Sell => polymarket_client_sdk_v2::clob::types::Side::Sell,
        };
        let requests: Vec<_> = tokens
            .iter()
            .map(|t| PriceRequest::builder().token_id(t.0).side(sdk_side).build())
            .collect();
        let response = self
            .resilience
            .call("prices", Family::ClobRead, || self.clob.prices(&requests))
            .await?;
        Ok(quotes(response.prices.iter().flatten().filter_map(
            |(token, by_side)| by_side.get(&sdk_side).map(|v| (*token, v)),
        )))
    }

    pub async fn spreads(&self, tokens: &[TokenId]) -> Result<HashMap<TokenId, Probability>> {
        let requests: Vec<_> = tokens
            .iter()
            .map(|t| SpreadRequest::builder().token_id(t.0).build())
            .collect();
        let response = self
            .resilience
            .call("spreads", Family::ClobRead, || self.clob.spreads(&requests))
            .await?;
        Ok(quotes(
            response.spreads.iter().flatten().map(|(k, v)| (*k, v)),
        ))
    }

    /// `(unix seconds, price)` points of a token's price history.
    pub async fn price_history(
        &self,
        token: TokenId,
        span: HistorySpan,
        fidelity_minutes: Option<u32>,
    ) -> Result<Vec<(i64, Probability)>> {
        let time_range = match span {
            HistorySpan::LastMinute => TimeRange::from_interval(Interval::OneMinute),
            HistorySpan::LastHour => TimeRange::from_interval(Interval::OneHour),
            HistorySpan::LastSixHours => TimeRange::from_interval(Interval::SixHours),
            HistorySpan::LastDay => TimeRange::from_interval(Interval::OneDay),
            HistorySpan::LastWeek => TimeRange::from_interval(Interval::OneWeek),
            HistorySpan::All => TimeRange::from_interval(Interval::Max),
            HistorySpan::Range { start_ts, end_ts } => TimeRange::Range { start_ts, end_ts },
        };
        let request = PriceHistoryRequest::builder()
            .market(token.0)
            .time_range(time_range)
            .maybe_fidelity(fidelity_minutes)
            .build();
        let response = self
            .resilience
            .call("price_history", Family::ClobRead, || {
                self.clob.price_history(&request)
            })
            .await?;
        Ok(response
            .history
            .iter()
            .filter_map(|p| convert::probability(&p.p).map(|q| (p.t, q)))
            .collect())
    }

    /// What trading one token needs, in two calls (`/markets-by-token`, `/clob-markets`): its
    /// market, outcome tokens, tick, minimum size, neg-risk flag and the V2 taker fee rate.
    pub async fn trading_info(&self, token: TokenId) -> Result<TradingInfo> {
        let by_token = self
            .resilience
            .call("market_by_token", Family::ClobRead, || {
                self.clob.market_by_token(token.0)
            })
            .await?;
        let condition = by_token.condition_id.to_string();
        let info = self
            .resilience
            .call("clob_market_info", Family::ClobRead, || {
                self.clob.clob_market_info(&condition)
            })
            .await?;
        let invalid = |what: &'static str, reason: String| ConnectorError::Invalid {
            what,
            id: token.to_string(),
            reason,
        };
        let tick = convert::tick_size(&info.min_tick_size.as_decimal()).ok_or_else(|| {
            invalid(
                "tick size of token",
                info.min_tick_size.as_decimal().to_string(),
            )
        })?;
        let min_order_size = u64::try_from(convert::decimal_micros_rounded(&info.min_order_size))
            .map(polybot_model::Size::from_micros)
            .map_err(|_| {
                invalid(
                    "minimum order size of token",
                    info.min_order_size.to_string(),
                )
            })?;
        let rate_bps = info
            .fee_details
            .as_ref()
            .map_or(0, |fd| convert::decimal_micros_rounded(&fd.rate) / 100);
        Ok(TradingInfo {
            condition: ConditionId(info.condition_id),
            tokens: info
                .tokens
                .iter()
                .flatten()
                .map(|t| TokenId(t.token_id))
                .collect(),
            tick,
            min_order_size,
            neg_risk: info.neg_risk,
            taker_fee_bps: u32::try_from(rate_bps)
                .map_err(|_| invalid("fee rate of token", rate_bps.to_string()))?,
        })
    }

    pub async fn tick_size(&self, token: TokenId) -> Result<TickSize> {
        let response = self
            .resilience
            .call("tick_size", Family::ClobRead, || {
                self.clob.tick_size(token.0)
            })
            .await?;
        let value = response.minimum_tick_size.as_decimal();
        convert::tick_size(&value).ok_or_else(|| ConnectorError::Invalid {
            what: "tick size of token",
            id: token.to_string(),
            reason: value.to_string(),
        })
    }

    pub async fn neg_risk(&self, token: TokenId) -> Result<bool> {
        Ok(self
            .resilience
            .call("neg_risk", Family::ClobRead, || self.clob.neg_risk(token.0))
            .await?
            .neg_risk)
    }

    pub async fn fee_rate_bps(&self, token: TokenId) -> Result<u32> {
        Ok(self
            .resilience
            .call("fee_rate", Family::ClobRead, || {
                self.clob.fee_rate_bps(token.0)
            })
            .await?
            .base_fee)
    }
}

fn markets_request(
    query: &GammaQuery,
    offset: usize,
    limit: usize,
) -> gamma::types::request::MarketsRequest {
    let dec = |v: f64| Decimal::from_f64_retain(v);
    // The request type is non-exhaustive: start from its default and set what we use.
    let mut request = gamma::types::request::MarketsRequest::default();
    request.limit = Some(i32::try_from(limit).unwrap_or(i32::MAX));
    request.offset = Some(i32::try_from(offset).unwrap_or(i32::MAX));
    request.order.clone_from(&query.order);
    request.ascending = query.ascending;
    request.closed = query.closed;
    request.volume_num_min = query.volume_min.and_then(dec);
    request.liquidity_num_min = query.liquidity_min.and_then(dec);
    request.end_date_min = query.end_date_min;
    request.end_date_max = query.end_date_max;
    request
}

fn events_request(
    query: &GammaQuery,
    offset: usize,
    limit: usize,
) -> gamma::types::request::EventsRequest {
    let dec = |v: f64| Decimal::from_f64_retain(v);
    let mut request = gamma::types::request::EventsRequest::default();
    request.limit = Some(i32::try_from(limit).unwrap_or(i32::MAX));
    request.offset = Some(i32::try_from(offset).unwrap_or(i32::MAX));
    request.order = query.order.iter().cloned().collect();
    request.ascending = query.ascending;
    request.closed = query.closed;
    request.volume_min = query.volume_min.and_then(dec);
    request.liquidity_min = query.liquidity_min.and_then(dec);
    request
}

fn event_from_gamma(e: &gamma::types::response::Event, skipped: &mut Vec<Skipped>) -> Event {
    let mut markets = Vec::new();
    for m in e.markets.iter().flatten() {
        match convert::market_from_gamma(m) {
            Ok(mut market) => {
                market.event_id.get_or_insert_with(|| e.id.clone());
                if market.event_title.is_none() {
                    market.event_title.clone_from(&e.title);
                }
                market.neg_risk |= e.neg_risk.unwrap_or(false);
                markets.push(market);
            }
            Err(err) => skipped.push(Skipped {
                locator: format!("event {} market {}", e.id, m.id),
                reason: err.to_string(),
            }),
        }
    }
    Event {
        id: e.id.clone(),
        slug: e.slug.clone().unwrap_or_default(),
        title: e.title.clone().unwrap_or_default(),
        neg_risk: e.neg_risk.unwrap_or(false),
        end_date: e.end_date,
        volume: e
            .volume
            .as_ref()
            .map_or(polybot_model::Usdc::ZERO, convert::usdc_rounded),
        liquidity: e
            .liquidity
            .as_ref()
            .map_or(polybot_model::Usdc::ZERO, convert::usdc_rounded),
        markets,
    }
}

fn log_skipped(skipped: &[Skipped]) {
    for s in skipped {
        tracing::warn!(locator = %s.locator, reason = %s.reason, "skipped a Gamma record");
    }
}

fn quotes<'a>(
    entries: impl Iterator<Item = (polymarket_client_sdk_v2::types::U256, &'a Decimal)>,
) -> HashMap<TokenId, Probability> {
    entries
        .filter_map(|(token, value)| convert::probability(value).map(|p| (TokenId(token), p)))
        .collect()
}

/// A token's trading parameters (see [`Polymarket::trading_info`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradingInfo {
    pub condition: ConditionId,
    /// The market's outcome tokens, in outcome order.
    pub tokens: Vec<TokenId>,
    pub tick: TickSize,
    pub min_order_size: polybot_model::Size,
    pub neg_risk: bool,
    /// The V2 taker fee rate (`fd.r`) in basis points; the fee is `size·rate·p·(1−p)`.
    pub taker_fee_bps: u32,
}
